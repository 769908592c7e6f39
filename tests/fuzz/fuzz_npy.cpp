// libFuzzer target: the .npy reader. Any input either parses to an array
// whose size matches its shape and that writes back to the same array, or
// throws evonas::Error.
#include <evonas/io/npy.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto array = evonas::parse_npy(bytes, "fuzz.npy");
        std::size_t count = 1;
        for (auto d : array.shape) count *= static_cast<std::size_t>(d);
        if (array.data.size() != count * evonas::npy_item_size(array.type)) std::abort();
        const auto again = evonas::parse_npy(evonas::npy_bytes(array), "again.npy");
        if (again.shape != array.shape || again.type != array.type || again.data != array.data) std::abort();
    } catch (const evonas::Error&) {
    }
    return 0;
}
