// libFuzzer target: the reduced 1-D curve reader (io/curve_text.hpp). Any
// input either parses to a curve that keeps the reader's promises (at least
// 2 points, q finite, > 0 and strictly increasing, columns of one length,
// dI and dQ >= 0) and that reads back the same from its {:.17g} text, or
// throws evonas::Error.
#include <evonas/io/curve_text.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace {

bool keeps_promises(const evonas::Curve& c) {
    const std::size_t n = c.q.size();
    if (n < 2 || c.intensity.size() != n) return false;
    if (!c.error.empty() && c.error.size() != n) return false;
    if (!c.resolution.empty() && c.resolution.size() != n) return false;
    if (c.resolution.size() == n && c.error.size() != n) return false;  // dQ is the fourth column
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(c.q[i]) || !(c.q[i] > 0.0) || (i > 0 && !(c.q[i] > c.q[i - 1]))) return false;
        if (!std::isfinite(c.intensity[i])) return false;
        if (!c.error.empty() && !(c.error[i] >= 0.0 && std::isfinite(c.error[i]))) return false;
        if (!c.resolution.empty() && !(c.resolution[i] >= 0.0 && std::isfinite(c.resolution[i]))) return false;
    }
    return true;
}

std::string to_text(const evonas::Curve& c) {
    std::string text = "# q I dI dQ\n";
    for (std::size_t i = 0; i < c.q.size(); ++i) {
        text += fmt::format("{:.17g} {:.17g}", c.q[i], c.intensity[i]);
        if (!c.error.empty()) text += fmt::format(" {:.17g}", c.error[i]);
        if (!c.resolution.empty()) text += fmt::format(" {:.17g}", c.resolution[i]);
        text += '\n';
    }
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto curve = evonas::parse_curve_text(text, "fuzz.txt");
        if (!keeps_promises(curve)) std::abort();
        const auto again = evonas::parse_curve_text(to_text(curve), "again.txt");
        if (again.q != curve.q || again.intensity != curve.intensity || again.error != curve.error ||
            again.resolution != curve.resolution) {
            std::abort();
        }
    } catch (const evonas::Error&) {
    }
    return 0;
}
