// evonas: libtiff reading from bytes in memory (TIFFClientOpen), so a TIFF
// that is already in memory (a fuzzer's input, a network buffer) needs no
// temporary file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <tiffio.h>

namespace evonas::detail {

/// A read-only cursor over bytes, the client data of TIFFClientOpen.
struct TiffMemoryStream {
    std::string_view bytes;  ///< the whole file
    std::uint64_t position = 0;  ///< next byte to read

    /// TIFFReadWriteProc for reading: copies what is left, up to `size`.
    static tmsize_t read(thandle_t self, void* buffer, tmsize_t size) {
        auto* s = static_cast<TiffMemoryStream*>(self);
        if (size <= 0 || s->position >= s->bytes.size()) return 0;
        const auto n = std::min<std::uint64_t>(static_cast<std::uint64_t>(size), s->bytes.size() - s->position);
        std::memcpy(buffer, s->bytes.data() + s->position, static_cast<std::size_t>(n));
        s->position += n;
        return static_cast<tmsize_t>(n);
    }
    /// TIFFReadWriteProc for writing: refused (read-only).
    static tmsize_t write(thandle_t, void*, tmsize_t) { return -1; }
    /// TIFFSeekProc: SEEK_SET, SEEK_CUR, SEEK_END; positions past the end
    /// are allowed (reads there return 0 bytes), negative ones fail.
    static toff_t seek(thandle_t self, toff_t offset, int whence) {
        auto* s = static_cast<TiffMemoryStream*>(self);
        std::uint64_t base = 0;
        if (whence == SEEK_CUR) base = s->position;
        else if (whence == SEEK_END) base = s->bytes.size();
        else if (whence != SEEK_SET) return static_cast<toff_t>(-1);
        // toff_t is unsigned: a "negative" offset wraps; reject results
        // that wrap below zero.
        const std::uint64_t target = base + offset;
        if (whence != SEEK_SET && offset > UINT64_MAX / 2 && target > base) return static_cast<toff_t>(-1);
        s->position = target;
        return target;
    }
    /// TIFFCloseProc: nothing to release.
    static int close(thandle_t) { return 0; }
    /// TIFFSizeProc: the size of the bytes.
    static toff_t size(thandle_t self) { return static_cast<TiffMemoryStream*>(self)->bytes.size(); }
    /// TIFFMapFileProc: no mapping, so libtiff copies what it reads and
    /// never writes into the caller's bytes.
    static int map(thandle_t, void**, toff_t*) { return 0; }
    /// TIFFUnmapFileProc: nothing was mapped.
    static void unmap(thandle_t, void*, toff_t) {}
};

}  // namespace evonas::detail
