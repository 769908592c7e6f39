// libFuzzer target: the HDF5 reader. The input is written to a temporary
// file (evonas reads HDF5 from paths); every dataset list_hdf5_datasets()
// finds is read, and one path that is not there. Any input either gives
// arrays whose size matches their shape, or throws evonas::Error. At most
// 16 MiB per dataset are read (max_bytes): a dataset whose small chunked
// storage claims a huge shape is an error, not an out-of-memory report.
#include <evonas/hdf5/hdf5.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path =
        (std::filesystem::temp_directory_path() / ("evonas_fuzz_hdf5_" + std::to_string(::getpid()) + ".h5")).string();
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size > 0) std::fwrite(data, 1, size, f);
        std::fclose(f);
    } else {
        std::abort();
    }
    try {
        const auto datasets = evonas::list_hdf5_datasets(path);
        for (std::size_t i = 0; i < datasets.size() && i < 8; ++i) {
            try {
                const auto array = evonas::read_hdf5_dataset(path, datasets[i].path, std::size_t{16} << 20);
                std::size_t count = 1;
                for (auto d : array.shape) count *= static_cast<std::size_t>(d);
                if (array.shape.empty() || array.data.size() != count * evonas::npy_item_size(array.type)) {
                    std::abort();
                }
            } catch (const evonas::Error&) {
            }
        }
        (void)evonas::read_hdf5_dataset(path, "/no/such/dataset", std::size_t{16} << 20);
    } catch (const evonas::Error&) {
    }
    return 0;
}
