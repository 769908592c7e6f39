// libFuzzer target: the genome text parser. Any input either parses to a
// genome valid in the space whose canonical text round-trips, or throws
// evonas::Error. Anything else (a crash, another exception, a round trip
// that differs) is a bug.
#include <evonas/evonas.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const evonas::SearchSpace spaces[] = {evonas::cnn_space(1), evonas::cnn_space(3)};
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const auto& space : spaces) {
        try {
            const auto genome = evonas::parse_genome(text, space);
            if (!evonas::is_valid(genome, space)) std::abort();
            const auto canonical = evonas::to_text(genome, space);
            if (evonas::parse_genome(canonical, space) != genome) std::abort();
        } catch (const evonas::Error&) {
        }
    }
    return 0;
}
