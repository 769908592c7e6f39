// sans_physics_curves: writes the SANS generator's noiseless curves with the
// parameters drawn for them, as JSON on stdout, for check_sans_physics.py to
// recompute with sasmodels (the reference implementation) and compare.
//
//   sans_physics_curves DRAWS_PER_MODEL SEED
//
// Output: {"q": [...], "defaults": {...}, "curves": [{"model": "cylinder",
// "parameters": {...}, "intensity": [...]}, ...]}, where intensity is the
// model plus its flat background (SansCurve::clean) in 1/cm and "defaults"
// are the generator's parameter ranges and noise settings (SansRanges), so
// the Python side can check that its own copy has not drifted.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sans/sans_data.hpp"

namespace sans = evonas::examples::sans;

// Every field of SansRanges, by name.
static nlohmann::json ranges_json(const sans::SansRanges& r) {
    const auto interval = [](const sans::Interval& i) { return nlohmann::json::array({i.min, i.max}); };
    return {{"background", interval(r.background)},
            {"intensity_per_count", interval(r.intensity_per_count)},
            {"count_exponent", r.count_exponent},
            {"cylinder_radius", interval(r.cylinder_radius)},
            {"cylinder_length", interval(r.cylinder_length)},
            {"cylinder_contrast", interval(r.cylinder_contrast)},
            {"volume_fraction", interval(r.volume_fraction)},
            {"core_radius", interval(r.core_radius)},
            {"max_shells", r.max_shells},
            {"shell_thickness", interval(r.shell_thickness)},
            {"interface_width", interval(r.interface_width)},
            {"solvent_sld", interval(r.solvent_sld)},
            {"sld_offset", interval(r.sld_offset)},
            {"material_sld", interval(r.material_sld)},
            {"interface_nu", r.interface_nu},
            {"interface_steps", r.interface_steps},
            {"radius_of_gyration", interval(r.radius_of_gyration)},
            {"chain_forward_intensity", interval(r.chain_forward_intensity)},
            {"correlation_length", interval(r.correlation_length)},
            {"lorentz_scale", interval(r.lorentz_scale)},
            {"lorentz_exponent", interval(r.lorentz_exponent)},
            {"porod_exponent", interval(r.porod_exponent)},
            {"porod_crossover", interval(r.porod_crossover)}};
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fmt::print(stderr, "usage: {} DRAWS_PER_MODEL SEED\n", argv[0]);
        return 2;
    }
    try {
        const auto draws = std::stoll(argv[1]);
        const auto seed = std::stoull(argv[2]);
        const auto q = sans::sans_q_grid();
        const auto names = sans::sans_class_names();
        nlohmann::json out;
        out["q"] = q;
        out["defaults"] = ranges_json(sans::SansRanges{});
        auto& curves = out["curves"] = nlohmann::json::array();
        for (std::int64_t i = 0; i < draws * sans::sans_classes; ++i) {
            evonas::Rng rng(evonas::derive_seed(seed, static_cast<std::uint64_t>(i)));
            const auto model = static_cast<sans::SansModel>(i % sans::sans_classes);
            const auto c = sans::sample_sans_curve(model, rng, q);
            nlohmann::json parameters = nlohmann::json::object();
            for (const auto& [name, value] : c.parameters) parameters[name] = value;
            curves.push_back({{"model", names[static_cast<std::size_t>(model)]},
                              {"parameters", parameters},
                              {"intensity", c.clean}});
        }
        // 17 significant digits: the doubles round-trip exactly.
        std::fputs(out.dump().c_str(), stdout);
        std::fputs("\n", stdout);
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "sans_physics_curves: {}\n", e.what());
        return 1;
    }
}
