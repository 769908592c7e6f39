// evonas examples: the ranges the SANS generator draws its parameters from,
// and its counting-noise settings. The defaults are set from what SANS
// instruments measure (ORNL's EQ-SANS, NIST's NG7; examples/sans/README.md
// gives the reasoning and which values are assumed), and
// scripts/make_sans_sasmodels.py holds the same table for its sasmodels
// curves (the physics test fails when the two differ).
#pragma once

#include <string>

#include <fmt/format.h>

#include <evonas/error.hpp>

namespace evonas::examples::sans {

/// A closed interval [min, max] of one parameter.
struct Interval {
    double min = 0;
    double max = 0;
};

/// Parameter ranges and noise of generated curves. "log": drawn uniform in
/// the logarithm; otherwise uniform. Units: Angstrom, 1e-6/A^2 (SLD), 1/cm
/// (intensity). Thread safety: a plain value.
struct SansRanges {
    // Instrument and solvent, every model.
    Interval background{0.05, 1.0};             ///< log; flat incoherent background: D2O .. H2O solvent
    Interval intensity_per_count{2e-5, 2e-4};   ///< log; I(q) one detector count stands for at q_max
    double count_exponent = 0.5;                ///< the intensity per count grows as (q_max/q)^this toward low q

    // cylinder (sasmodels' cylinder)
    Interval cylinder_radius{10, 60};           ///< log
    Interval cylinder_length{150, 1000};        ///< log
    Interval cylinder_contrast{1, 6};           ///< SLD difference to the solvent
    // cylinder and spherical_sld
    Interval volume_fraction{0.002, 0.05};      ///< log; sasmodels' scale

    // spherical_sld (sasmodels' spherical_sld, erf interfaces)
    Interval core_radius{20, 80};
    int max_shells = 3;                         ///< 1..max_shells shells around the core
    Interval shell_thickness{10, 40};
    Interval interface_width{4, 20};
    Interval solvent_sld{-0.5, 6.4};            ///< H2O (-0.56) .. D2O (6.36) mixtures
    Interval sld_offset{0.5, 5};                ///< |layer SLD - solvent SLD|, either sign
    Interval material_sld{-0.6, 8};             ///< layer SLDs are kept in here (real materials)
    double interface_nu = 2.5;                  ///< erf steepness (sasmodels' nu)
    int interface_steps = 35;                   ///< linear pieces per interface (sasmodels' n_steps)

    // gaussian_chain (sasmodels' mono_gauss_coil)
    Interval radius_of_gyration{15, 250};       ///< log
    Interval chain_forward_intensity{0.2, 20};  ///< log; I(0), sasmodels' i_zero

    // correlation_length (sasmodels' correlation_length)
    Interval correlation_length{20, 200};       ///< log; cor_length
    Interval lorentz_scale{0.5, 50};            ///< log
    Interval lorentz_exponent{1.5, 3};
    Interval porod_exponent{2, 4};
    Interval porod_crossover{0.0012, 0.006};    ///< log; porod_scale = lorentz_scale * crossover^porod_exponent

    /// Throws ConfigError("SansRanges.<field>", ...) for an empty interval, a
    /// non-positive bound of a log-drawn or length parameter, or bad counts.
    void validate() const {
        const auto check = [](const Interval& r, const char* field, bool positive) {
            if (!(r.min <= r.max)) {
                throw ConfigError(fmt::format("SansRanges.{}", field), fmt::format("min {} exceeds max {}", r.min, r.max));
            }
            if (positive && !(r.min > 0)) {
                throw ConfigError(fmt::format("SansRanges.{}", field), fmt::format("needs min > 0, got {}", r.min));
            }
        };
        check(background, "background", true);
        check(intensity_per_count, "intensity_per_count", true);
        check(cylinder_radius, "cylinder_radius", true);
        check(cylinder_length, "cylinder_length", true);
        check(cylinder_contrast, "cylinder_contrast", false);
        check(volume_fraction, "volume_fraction", true);
        check(core_radius, "core_radius", true);
        check(shell_thickness, "shell_thickness", true);
        check(interface_width, "interface_width", false);
        check(solvent_sld, "solvent_sld", false);
        check(sld_offset, "sld_offset", false);
        check(material_sld, "material_sld", false);
        check(radius_of_gyration, "radius_of_gyration", true);
        check(chain_forward_intensity, "chain_forward_intensity", true);
        check(correlation_length, "correlation_length", true);
        check(lorentz_scale, "lorentz_scale", true);
        check(lorentz_exponent, "lorentz_exponent", false);
        check(porod_exponent, "porod_exponent", false);
        check(porod_crossover, "porod_crossover", true);
        if (max_shells < 1) throw ConfigError("SansRanges.max_shells", fmt::format("needs at least 1, got {}", max_shells));
        if (interface_steps < 1) {
            throw ConfigError("SansRanges.interface_steps", fmt::format("needs at least 1, got {}", interface_steps));
        }
        if (!(interface_nu > 0)) throw ConfigError("SansRanges.interface_nu", "must be positive");
        if (!(count_exponent >= 0)) throw ConfigError("SansRanges.count_exponent", "must be 0 or more");
    }
};

}  // namespace evonas::examples::sans
