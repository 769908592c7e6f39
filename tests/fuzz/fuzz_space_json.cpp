// libFuzzer target: search-space JSON. Any input either loads as a valid
// space whose JSON round-trips, or throws evonas::Error.
#include <evonas/evonas.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto space = evonas::space_from_json(evonas::parse_json_text(text, "fuzz"));
        const auto json = evonas::space_to_json(space);
        if (evonas::space_to_json(evonas::space_from_json(json)) != json) std::abort();
        // A space that loads must produce valid random genomes.
        evonas::Rng rng(size);
        if (!evonas::is_valid(evonas::random_genome(space, rng), space)) std::abort();
    } catch (const evonas::Error&) {
    }
    return 0;
}
