// evonas: libtiff's warnings and errors captured for evonas's exceptions
// instead of printed to stderr.
//
// libtiff reports through process-wide handlers (TIFFSetErrorHandler,
// TIFFSetWarningHandler and their *Ext variants); by default they print to
// stderr. While at least one TiffSession is alive (evonas is reading a
// TIFF on some thread), evonas installs its own handlers: a message from a
// thread inside an evonas call goes into that call's TiffMessages; a
// message from any other thread is passed on to the handlers that were
// installed before, so other libtiff users keep their output. The last
// session to end puts the previous handlers back.
//
// Thread safety: evonas's TIFF functions may run on several threads at
// once (each TIFF handle is used by one thread; the handler switch is
// counted under a mutex). Installing handlers is global state: a program
// that itself calls TIFFSet*Handler while evonas reads on another thread
// races with it (libtiff's handler variables are plain globals), and a
// handler it sets during that time is replaced when evonas's last reader
// finishes.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include <tiffio.h>

namespace evonas::detail {

/// What libtiff said during one evonas call.
struct TiffMessages {
    std::vector<std::string> errors;    ///< "module: message", in order, at most 8
    std::vector<std::string> warnings;  ///< the same for warnings

    /// " (libtiff: e1; e2)" for the end of an exception's message, errors
    /// first, then warnings; "" when libtiff said nothing.
    std::string suffix() const {
        std::string text;
        for (const auto* list : {&errors, &warnings}) {
            for (const auto& message : *list) {
                if (!text.empty()) text += "; ";
                text += message;
            }
        }
        return text.empty() ? text : " (libtiff: " + text + ")";
    }
};

/// The TiffMessages of the evonas call running on this thread, if any.
inline thread_local TiffMessages* tiff_current_messages = nullptr;

/// The handlers evonas replaced, and how many sessions are alive.
struct TiffHandlerState {
    std::mutex mutex;                                  ///< guards users and the switch
    std::size_t users = 0;                             ///< live TiffSessions
    std::atomic<TIFFErrorHandler> error{nullptr};      ///< previous TIFFSetErrorHandler
    std::atomic<TIFFErrorHandler> warning{nullptr};    ///< previous TIFFSetWarningHandler
    std::atomic<TIFFErrorHandlerExt> error_ext{nullptr};    ///< previous TIFFSetErrorHandlerExt
    std::atomic<TIFFErrorHandlerExt> warning_ext{nullptr};  ///< previous TIFFSetWarningHandlerExt
};

/// The one TiffHandlerState of the process.
inline TiffHandlerState& tiff_handler_state() {
    static TiffHandlerState state;
    return state;
}

/// Records a message into this thread's TiffMessages, or passes it on to
/// the previous handlers when no evonas call runs on this thread.
inline void tiff_record(bool is_error, thandle_t client, const char* module, const char* format, va_list args) {
    TiffMessages* messages = tiff_current_messages;
    if (messages == nullptr) {
        auto& state = tiff_handler_state();
        if (const TIFFErrorHandler plain = (is_error ? state.error : state.warning).load()) {
            va_list copy;
            va_copy(copy, args);
            plain(module, format, copy);
            va_end(copy);
        }
        if (const TIFFErrorHandlerExt ext = (is_error ? state.error_ext : state.warning_ext).load()) {
            va_list copy;
            va_copy(copy, args);
            ext(client, module, format, copy);
            va_end(copy);
        }
        return;
    }
    auto& list = is_error ? messages->errors : messages->warnings;
    if (list.size() >= 8) return;  // the first few say what went wrong
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    try {
        list.push_back(module != nullptr && *module != '\0' ? std::string(module) + ": " + text : std::string(text));
    } catch (...) {  // never throw through libtiff's C frames
    }
}

/// libtiff error handler (TIFFSetErrorHandlerExt).
inline void tiff_error_handler(thandle_t client, const char* module, const char* format, va_list args) {
    tiff_record(true, client, module, format, args);
}

/// libtiff warning handler (TIFFSetWarningHandlerExt).
inline void tiff_warning_handler(thandle_t client, const char* module, const char* format, va_list args) {
    tiff_record(false, client, module, format, args);
}

/// While alive: libtiff's messages on this thread go into `messages()`
/// instead of stderr (see the top of this file).
class TiffSession {
public:
    /// Installs evonas's handlers if this is the first live session.
    TiffSession() : previous_(tiff_current_messages) {
        auto& state = tiff_handler_state();
        {
            const std::lock_guard<std::mutex> lock(state.mutex);
            if (state.users++ == 0) {
                state.error = TIFFSetErrorHandler(nullptr);
                state.warning = TIFFSetWarningHandler(nullptr);
                state.error_ext = TIFFSetErrorHandlerExt(&tiff_error_handler);
                state.warning_ext = TIFFSetWarningHandlerExt(&tiff_warning_handler);
            }
        }
        tiff_current_messages = &messages_;
    }
    /// Restores the previous handlers if this is the last live session.
    ~TiffSession() {
        tiff_current_messages = previous_;
        auto& state = tiff_handler_state();
        const std::lock_guard<std::mutex> lock(state.mutex);
        if (--state.users == 0) {
            TIFFSetErrorHandler(state.error.load());
            TIFFSetWarningHandler(state.warning.load());
            TIFFSetErrorHandlerExt(state.error_ext.load());
            TIFFSetWarningHandlerExt(state.warning_ext.load());
        }
    }
    TiffSession(const TiffSession&) = delete;
    TiffSession& operator=(const TiffSession&) = delete;

    /// What libtiff said on this thread since the session began.
    TiffMessages& messages() noexcept { return messages_; }

private:
    TiffMessages messages_;
    TiffMessages* previous_;
};

}  // namespace evonas::detail
