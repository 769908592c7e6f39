// libFuzzer target: the TIFF stack reader, from memory (TIFFClientOpen).
// Any input either reads to an array whose size matches its shape
// [pages, height, width], or throws evonas::Error. At most 16 MiB are
// decoded (max_bytes), so a damaged header claiming a huge page is an
// error, not an out-of-memory report.
#include <evonas/tiff/tiff.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto array = evonas::parse_tiff_stack(bytes, "fuzz.tif", std::size_t{16} << 20);
        if (array.shape.size() != 3) std::abort();
        std::size_t count = 1;
        for (auto d : array.shape) {
            if (d <= 0) std::abort();
            count *= static_cast<std::size_t>(d);
        }
        if (array.data.size() != count * evonas::npy_item_size(array.type)) std::abort();
    } catch (const evonas::Error&) {
    }
    return 0;
}
