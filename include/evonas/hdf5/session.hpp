// evonas: one HDF5 call sequence at a time, quiet, with HDF5's own error
// messages captured for evonas's exceptions.
//
// By default HDF5 prints its whole error stack to stderr whenever a call
// fails, including failures evonas expects and reports itself (a missing
// dataset, a file that is not HDF5). Hdf5Session switches that printing off
// for the duration of evonas's calls (H5Eset_auto2, saved and restored) and
// hdf5_error_text() turns the stack into one line for an exception.
//
// Thread safety. Whether libhdf5 may be called from several threads at once
// depends on how it was built: H5_HAVE_THREADSAFE builds (Debian 12's
// libhdf5-dev 1.10.8 is one) serialise every call on a global lock; the
// default build from source is not thread-safe at all. evonas therefore
// holds one process-wide mutex, hdf5_library_mutex(), around each of its
// functions, so evonas's HDF5 functions may be called from any threads.
// Your own HDF5 calls on other threads are only safe with a thread-safe
// libhdf5, or if you hold hdf5_library_mutex() around them too. In a build
// without H5_HAVE_THREADSAFE, the automatic error printing is global: it is
// off for every thread while an evonas call runs.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include <hdf5.h>

namespace evonas {

/// The mutex evonas holds around every sequence of HDF5 calls it makes.
/// Hold it around your own HDF5 calls when your libhdf5 is not built
/// thread-safe (H5_HAVE_THREADSAFE undefined) and evonas may read on
/// another thread. Not recursive: never call evonas's HDF5 functions while
/// holding it.
inline std::mutex& hdf5_library_mutex() {
    static std::mutex mutex;
    return mutex;
}

namespace detail {

/// While alive: holds hdf5_library_mutex() and has HDF5's automatic error
/// printing switched off on this thread (restored on destruction, so a
/// program that wants HDF5's stack on stderr keeps it for its own calls).
class Hdf5Session {
public:
    /// Locks the mutex and silences HDF5's error printing.
    Hdf5Session() : lock_(hdf5_library_mutex()) {
        H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    /// Restores the error printing, then unlocks.
    ~Hdf5Session() { H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_); }
    Hdf5Session(const Hdf5Session&) = delete;
    Hdf5Session& operator=(const Hdf5Session&) = delete;

private:
    std::lock_guard<std::mutex> lock_;
    H5E_auto2_t saved_func_ = nullptr;
    void* saved_data_ = nullptr;
};

/// HDF5's current error stack as one line, innermost (most specific)
/// message first, repeated messages dropped, e.g. "truncated file: eof =
/// 866558, ...; unable to open file". Clears the stack. Empty when HDF5
/// recorded nothing.
inline std::string hdf5_error_text() {
    struct Walk {
        std::vector<std::string> messages;
    } walk;
    const auto visit = [](unsigned, const H5E_error2_t* error, void* data) -> herr_t {
        auto* w = static_cast<Walk*>(data);
        if (w->messages.size() >= 16 || error == nullptr) return 0;
        std::string message = error->desc != nullptr ? error->desc : "";
        if (message.empty()) {  // fall back to the minor code's text
            char text[256] = {};
            H5E_type_t type{};
            if (H5Eget_msg(error->min_num, &type, text, sizeof text) > 0) message = text;
        }
        if (!message.empty()) {
            for (const auto& seen : w->messages) {
                if (seen == message) return 0;
            }
            w->messages.push_back(std::move(message));
        }
        return 0;
    };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, visit, &walk);
    H5Eclear2(H5E_DEFAULT);
    std::string text;
    std::size_t shown = 0;
    for (const auto& message : walk.messages) {
        if (shown == 4) break;  // the innermost few say what went wrong
        if (!text.empty()) text += "; ";
        text += message;
        ++shown;
    }
    return text;
}

/// " (HDF5: <stack>)" for the end of an error message, or "" when HDF5
/// recorded nothing.
inline std::string hdf5_error_suffix() {
    const std::string text = hdf5_error_text();
    return text.empty() ? std::string() : " (HDF5: " + text + ")";
}

}  // namespace detail
}  // namespace evonas
