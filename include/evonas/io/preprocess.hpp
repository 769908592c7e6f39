// evonas: the preprocessing a network's inputs get before training, and
// again, with the same numbers, before a saved network is evaluated.
//
// Raw scientific data is rarely what a CNN should see: SANS intensities
// span orders of magnitude (log10, then a per-curve standardisation), hit
// times have outliers (clip). The steps run in a fixed order on each
// sample's values, [samples, values...] in row-major order:
//
//   1. clip to [low, high]                       (--clip LOW,HIGH)
//   2. transform: log10                          (--transform log10)
//   3. standardize: per-sample or per-feature    (--standardize ...)
//
// Per-feature standardisation learns each value position's mean and
// standard deviation from the training data (fit) and stores them, so the
// validation, test and later evaluation data get the training numbers
// (apply). The whole recipe is JSON (to_json/preprocessing_from_json) for
// the run directory and the exported model's documentation.
//
// Core (no LibTorch): a plain std::span<float> in, the same span out.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/error.hpp>

namespace evonas {

/// A value transform applied to every input value.
enum class InputTransform {
    none,   ///< values as they are
    log10,  ///< log10; values <= 0 first become the sample's smallest positive value
};

/// How inputs are standardised to zero mean and unit variance.
enum class Standardization {
    none,         ///< not at all
    per_sample,   ///< over each sample's own values (a flat sample becomes zeros)
    per_feature,  ///< each value position over the training samples (fitted once)
};

/// "none" / "log10".
inline constexpr std::string_view to_string(InputTransform t) noexcept {
    return t == InputTransform::log10 ? "log10" : "none";
}
/// "none" / "per-sample" / "per-feature" (the command line's words).
inline constexpr std::string_view to_string(Standardization s) noexcept {
    switch (s) {
        case Standardization::none: return "none";
        case Standardization::per_sample: return "per-sample";
        case Standardization::per_feature: return "per-feature";
    }
    return "none";
}

/// Parses "none" or "log10"; ConfigError(field) otherwise.
inline InputTransform parse_input_transform(std::string_view text, const std::string& field = "transform") {
    if (text == "none") return InputTransform::none;
    if (text == "log10") return InputTransform::log10;
    throw ConfigError(field, fmt::format("'{}' is not a transform (none, log10)", text));
}
/// Parses "none", "per-sample" or "per-feature" (underscores accepted);
/// ConfigError(field) otherwise.
inline Standardization parse_standardization(std::string_view text, const std::string& field = "standardize") {
    if (text == "none") return Standardization::none;
    if (text == "per-sample" || text == "per_sample") return Standardization::per_sample;
    if (text == "per-feature" || text == "per_feature") return Standardization::per_feature;
    throw ConfigError(field, fmt::format("'{}' is not a standardization (none, per-sample, per-feature)", text));
}

/// The clip range [low, high].
struct ClipRange {
    double low = 0.0;   ///< values below become low
    double high = 0.0;  ///< values above become high
    /// Same bounds.
    friend bool operator==(const ClipRange&, const ClipRange&) = default;
};

/// Parses "LOW,HIGH" (finite, LOW < HIGH); ConfigError(field) otherwise.
inline ClipRange parse_clip_range(const std::string& text, const std::string& field = "clip") {
    const auto comma = text.find(',');
    const auto bad = [&](const std::string& why) {
        return ConfigError(field, fmt::format("'{}' {}; give LOW,HIGH, e.g. 0,1000", text, why));
    };
    if (comma == std::string::npos) throw bad("has no comma");
    const auto number = [&](const std::string& part) {
        std::size_t used = 0;
        double v = 0.0;
        try {
            v = std::stod(part, &used);
        } catch (const std::exception&) {
            throw bad(fmt::format("has '{}', not a number", part));
        }
        if (used != part.size() || !std::isfinite(v)) throw bad(fmt::format("has '{}', not a finite number", part));
        return v;
    };
    ClipRange r{number(text.substr(0, comma)), number(text.substr(comma + 1))};
    if (!(r.low < r.high)) throw bad("needs LOW < HIGH");
    return r;
}

/// What preprocessing changed, for the tool's data summary.
struct PreprocessReport {
    std::size_t clipped = 0;          ///< values clipped
    std::size_t nonpositive = 0;      ///< values <= 0 replaced before log10
    std::size_t flat_samples = 0;     ///< per-sample: samples with zero spread (made zeros)
    std::size_t flat_features = 0;    ///< per-feature: positions with zero spread (only centred)
};

/// The recipe and, for per-feature standardisation, the fitted numbers.
struct Preprocessing {
    InputTransform transform = InputTransform::none;            ///< step 2
    Standardization standardize = Standardization::none;        ///< step 3
    std::optional<ClipRange> clip;                              ///< step 1 (none: not clipped)
    std::vector<double> feature_mean;  ///< per-feature: mean of each value position (after steps 1-2)
    std::vector<double> feature_std;   ///< per-feature: its standard deviation (0 kept; divides by 1 then)

    /// True when fit() is still needed before apply().
    bool needs_fit() const noexcept {
        return standardize == Standardization::per_feature && feature_mean.empty();
    }
    /// True when nothing is done.
    bool identity() const noexcept {
        return transform == InputTransform::none && standardize == Standardization::none && !clip;
    }

    /// Steps 1-2 on `values` ([samples, features] row-major) and, for
    /// per-feature standardisation, learns each position's mean and
    /// standard deviation from them, then standardises. Use on the training
    /// data; apply() the result to every other split. Throws as apply().
    PreprocessReport fit(std::span<float> values, std::int64_t samples) {
        feature_mean.clear();
        feature_std.clear();
        PreprocessReport r;
        const auto features = check_shape(values, samples);
        clip_and_transform(values, samples, features, r);
        if (standardize == Standardization::per_feature) {
            feature_mean.assign(features, 0.0);
            feature_std.assign(features, 0.0);
            for (std::int64_t i = 0; i < samples; ++i) {
                for (std::size_t f = 0; f < features; ++f) feature_mean[f] += values[static_cast<std::size_t>(i) * features + f];
            }
            for (auto& m : feature_mean) m /= static_cast<double>(samples);
            for (std::int64_t i = 0; i < samples; ++i) {
                for (std::size_t f = 0; f < features; ++f) {
                    const double d = values[static_cast<std::size_t>(i) * features + f] - feature_mean[f];
                    feature_std[f] += d * d;
                }
            }
            for (auto& s : feature_std) s = std::sqrt(s / static_cast<double>(samples));
        }
        standardise(values, samples, features, r);
        return r;
    }

    /// All steps on `values` ([samples, features] row-major) with the
    /// fitted numbers. Throws ConfigError when a value is NaN or infinite
    /// (naming the sample and position), when log10 meets a sample with no
    /// positive value, when per-feature numbers were not fitted, or when the
    /// feature count differs from the fitted one.
    PreprocessReport apply(std::span<float> values, std::int64_t samples) const {
        PreprocessReport r;
        const auto features = check_shape(values, samples);
        if (standardize == Standardization::per_feature) {
            if (feature_mean.empty()) throw ConfigError("standardize", "per-feature numbers were not fitted (fit the training data first)");
            if (feature_mean.size() != features || feature_std.size() != features) {
                throw ConfigError("standardize", fmt::format("per-feature numbers were fitted on {} values per sample, "
                                                             "this data has {}",
                                                             feature_mean.size(), features));
            }
        }
        clip_and_transform(values, samples, features, r);
        standardise(values, samples, features, r);
        return r;
    }

private:
    static std::size_t check_shape(std::span<float> values, std::int64_t samples) {
        if (samples < 1 || values.empty() || values.size() % static_cast<std::size_t>(samples) != 0) {
            throw ConfigError("preprocess", fmt::format("{} values do not split into {} samples", values.size(), samples));
        }
        return values.size() / static_cast<std::size_t>(samples);
    }

    void clip_and_transform(std::span<float> values, std::int64_t samples, std::size_t features,
                            PreprocessReport& r) const {
        for (std::int64_t i = 0; i < samples; ++i) {
            auto x = values.subspan(static_cast<std::size_t>(i) * features, features);
            for (std::size_t f = 0; f < features; ++f) {
                if (!std::isfinite(x[f])) {
                    throw ConfigError("data", fmt::format("sample {} value {} is {} (inputs must be finite)", i, f, x[f]));
                }
                if (clip) {
                    const float lo = static_cast<float>(clip->low), hi = static_cast<float>(clip->high);
                    if (x[f] < lo || x[f] > hi) {
                        x[f] = std::clamp(x[f], lo, hi);
                        ++r.clipped;
                    }
                }
            }
            if (transform == InputTransform::log10) {
                float smallest = std::numeric_limits<float>::infinity();
                for (float v : x) {
                    if (v > 0.0f) smallest = std::min(smallest, v);
                }
                if (!std::isfinite(smallest)) {
                    throw ConfigError("transform", fmt::format("log10: sample {} has no positive value", i));
                }
                for (auto& v : x) {
                    if (v <= 0.0f) {
                        v = smallest;
                        ++r.nonpositive;
                    }
                    v = std::log10(v);
                }
            }
        }
    }

    void standardise(std::span<float> values, std::int64_t samples, std::size_t features, PreprocessReport& r) const {
        if (standardize == Standardization::per_sample) {
            for (std::int64_t i = 0; i < samples; ++i) {
                auto x = values.subspan(static_cast<std::size_t>(i) * features, features);
                double mean = 0.0, var = 0.0;
                for (float v : x) mean += v;
                mean /= static_cast<double>(features);
                for (float v : x) var += (v - mean) * (v - mean);
                const double sd = std::sqrt(var / static_cast<double>(features));
                if (sd == 0.0) ++r.flat_samples;
                for (auto& v : x) v = sd > 0.0 ? static_cast<float>((v - mean) / sd) : 0.0f;
            }
        } else if (standardize == Standardization::per_feature) {
            for (std::size_t f = 0; f < features; ++f) {
                if (feature_std[f] == 0.0) ++r.flat_features;
            }
            for (std::int64_t i = 0; i < samples; ++i) {
                auto x = values.subspan(static_cast<std::size_t>(i) * features, features);
                for (std::size_t f = 0; f < features; ++f) {
                    const double sd = feature_std[f] > 0.0 ? feature_std[f] : 1.0;
                    x[f] = static_cast<float>((x[f] - feature_mean[f]) / sd);
                }
            }
        }
    }
};

/// The recipe as JSON: {"transform", "standardize", "clip": [low, high] or
/// null, "feature_mean", "feature_std"} (the last two only when fitted).
inline nlohmann::json to_json(const Preprocessing& p) {
    nlohmann::json j{{"transform", to_string(p.transform)},
                     {"standardize", to_string(p.standardize)},
                     {"clip", p.clip ? nlohmann::json::array({p.clip->low, p.clip->high}) : nlohmann::json()}};
    if (!p.feature_mean.empty()) {
        j["feature_mean"] = p.feature_mean;
        j["feature_std"] = p.feature_std;
    }
    return j;
}

/// The recipe to_json() wrote; ConfigError("preprocessing.<key>") when a
/// key is missing or malformed.
inline Preprocessing preprocessing_from_json(const nlohmann::json& j) {
    Preprocessing p;
    try {
        p.transform = parse_input_transform(j.at("transform").get<std::string>(), "preprocessing.transform");
        p.standardize = parse_standardization(j.at("standardize").get<std::string>(), "preprocessing.standardize");
        if (!j.at("clip").is_null()) {
            const auto c = j.at("clip").get<std::vector<double>>();
            if (c.size() != 2 || !(c[0] < c[1])) throw ConfigError("preprocessing.clip", "needs [low, high] with low < high");
            p.clip = ClipRange{c[0], c[1]};
        }
        if (j.contains("feature_mean")) {
            p.feature_mean = j.at("feature_mean").get<std::vector<double>>();
            p.feature_std = j.at("feature_std").get<std::vector<double>>();
            if (p.feature_mean.size() != p.feature_std.size()) {
                throw ConfigError("preprocessing.feature_std", "has a different length than feature_mean");
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError("preprocessing", e.what());
    }
    if (p.standardize == Standardization::per_feature && p.feature_mean.empty()) {
        throw ConfigError("preprocessing.feature_mean", "missing: per-feature standardisation needs the fitted numbers");
    }
    return p;
}

}  // namespace evonas
