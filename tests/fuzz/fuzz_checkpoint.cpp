// libFuzzer target: the checkpoint loader and the lineage record reader.
// Any input either restores / reads, or throws evonas::Error.
#include <evonas/evonas.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto space = evonas::cnn_space(2);
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nlohmann::json json;
    try {
        json = evonas::parse_json_text(text, "fuzz");
    } catch (const evonas::Error&) {
        return 0;
    }
    try {
        evonas::IslandModel<> model(space, evonas::EvolutionOptions{.islands = 2, .population = 4, .seed = 1});
        evonas::restore_model(model, json, "fuzz");
        // A restored model must keep working.
        if (auto job = model.propose_next()) model.complete(job->id, evonas::Fitness::of(0.5));
    } catch (const evonas::Error&) {
    }
    try {
        evonas::record_from_json(json, space, "fuzz");
    } catch (const evonas::Error&) {
    }
    return 0;
}
