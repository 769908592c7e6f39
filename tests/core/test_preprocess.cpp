// Preprocessing (io/preprocess.hpp) and data arguments (io/data_source.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include <evonas/io/data_source.hpp>
#include <evonas/io/preprocess.hpp>
#include <evonas/random.hpp>

using namespace evonas;

namespace preprocess_test {

std::vector<float> random_values(Rng& rng, std::size_t n, double lo, double hi) {
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(rng.uniform(lo, hi));
    return v;
}

double mean_of(std::span<const float> v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

double sd_of(std::span<const float> v) {
    const double m = mean_of(v);
    double s = 0.0;
    for (float x : v) s += (x - m) * (x - m);
    return std::sqrt(s / double(v.size()));
}

}  // namespace preprocess_test

TEST_CASE("preprocess: per-sample standardisation gives each sample mean 0 and sd 1", "[preprocess]") {
    Rng rng(1);
    for (int round = 0; round < 50; ++round) {
        const std::int64_t samples = 1 + static_cast<std::int64_t>(rng.index(20));
        const std::size_t features = 2 + rng.index(50);
        auto v = preprocess_test::random_values(rng, samples * features, -100.0, 100.0);
        Preprocessing p;
        p.standardize = Standardization::per_sample;
        p.fit(v, samples);
        for (std::int64_t i = 0; i < samples; ++i) {
            const std::span<const float> x(v.data() + i * features, features);
            CHECK(preprocess_test::mean_of(x) == Approx(0.0).margin(1e-5));
            CHECK(preprocess_test::sd_of(x) == Approx(1.0).epsilon(1e-4));
        }
    }
}

TEST_CASE("preprocess: per-feature numbers are fitted on training data and reused", "[preprocess]") {
    Rng rng(2);
    const std::int64_t samples = 200;
    const std::size_t features = 7;
    std::vector<float> train(samples * features);
    for (std::int64_t i = 0; i < samples; ++i) {
        for (std::size_t f = 0; f < features; ++f) train[i * features + f] = static_cast<float>(10.0 * double(f) + rng.uniform(-double(f), double(f)));
    }
    const auto raw = train;
    Preprocessing p;
    p.standardize = Standardization::per_feature;
    CHECK(p.needs_fit());
    p.fit(train, samples);
    REQUIRE(p.feature_mean.size() == features);
    for (std::size_t f = 1; f < features; ++f) {
        std::vector<float> column;
        for (std::int64_t i = 0; i < samples; ++i) column.push_back(train[i * features + f]);
        CHECK(preprocess_test::mean_of(column) == Approx(0.0).margin(1e-4));
        CHECK(preprocess_test::sd_of(column) == Approx(1.0).epsilon(1e-3));
    }
    // Feature 0 has no spread: centred only, counted.
    // Applying to the raw training data again gives the same values.
    auto again = raw;
    const auto r = p.apply(again, samples);
    CHECK(r.flat_features == 1);
    CHECK(again == train);
    // JSON round trip keeps the numbers; other data is scaled by the training numbers.
    const auto q = preprocessing_from_json(nlohmann::json::parse(to_json(p).dump()));
    std::vector<float> other{10.0f, 20.0f, 30.0f, 40.0f, 50.0f, 60.0f, 70.0f};
    auto expected = other;
    p.apply(expected, 1);
    q.apply(other, 1);
    for (std::size_t f = 0; f < features; ++f) CHECK(other[f] == Approx(expected[f]));
    // Another feature count is refused.
    std::vector<float> wrong(6, 1.0f);
    CHECK_THROWS_AS(q.apply(wrong, 1), ConfigError);
    CHECK_THROWS_WITH(q.apply(wrong, 1), Catch::Contains("fitted on 7 values per sample"));
}

TEST_CASE("preprocess: clip, then log10 with non-positive values replaced, then standardise", "[preprocess]") {
    Preprocessing p;
    p.clip = ClipRange{-5.0, 1000.0};
    p.transform = InputTransform::log10;
    std::vector<float> v{-10.0f, 0.0f, 1.0f, 10.0f, 100.0f, 1e6f};
    const auto r = p.fit(v, 1);
    CHECK(r.clipped == 2);
    CHECK(r.nonpositive == 2);  // -5 (clipped) and 0 become the smallest positive, 1
    CHECK(v == std::vector<float>{0.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f});
    std::vector<float> none{-1.0f, 0.0f};
    CHECK_THROWS_WITH(p.apply(none, 1), Catch::Contains("sample 0 has no positive value"));
    std::vector<float> nan{1.0f, std::nanf("")};
    CHECK_THROWS_WITH(p.apply(nan, 1), Catch::Contains("sample 0 value 1"));
}

TEST_CASE("preprocess: option words and JSON errors", "[preprocess]") {
    CHECK(parse_standardization("per-sample") == Standardization::per_sample);
    CHECK(parse_standardization("per_feature") == Standardization::per_feature);
    CHECK_THROWS_AS(parse_standardization("global"), ConfigError);
    CHECK(parse_input_transform("log10") == InputTransform::log10);
    CHECK_THROWS_AS(parse_input_transform("ln"), ConfigError);
    CHECK(parse_clip_range("0,1000") == ClipRange{0.0, 1000.0});
    CHECK(parse_clip_range("-1.5,2e3") == ClipRange{-1.5, 2000.0});
    for (const char* bad : {"", "5", "1,1", "2,1", "a,b", "1,2,3", "0,inf", "1x,2"}) {
        CHECK_THROWS_AS(parse_clip_range(bad, "--clip"), ConfigError);
    }
    CHECK_THROWS_AS(preprocessing_from_json(nlohmann::json{{"transform", "log10"}}), ConfigError);
    CHECK_THROWS_AS(preprocessing_from_json(nlohmann::json{{"transform", "none"}, {"standardize", "per-feature"},
                                                           {"clip", nullptr}}),
                    ConfigError);
    std::vector<float> v(5, 1.0f);
    Preprocessing p;
    CHECK_THROWS_AS(p.apply(v, 2), ConfigError);  // 5 values do not split into 2 samples
}

TEST_CASE("data sources: each argument form gives its kind, and errors name the option", "[data_source]") {
    namespace fs = std::filesystem;
    const auto dir = fs::temp_directory_path() / fmt::format("evonas_data_source_{}", ::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir / "curves" / "sphere");
    for (const char* name : {"x.npy", "stack.TIF", "m.csv", "d.h5", "odd.bin"}) std::ofstream(dir / name) << "x";
    const auto at = [&](const char* name) { return (dir / name).string(); };

    CHECK(parse_data_source(at("x.npy")).kind == DataSourceKind::npy);
    CHECK(parse_data_source(at("stack.TIF")).kind == DataSourceKind::tiff);
    CHECK(parse_data_source(at("m.csv")).kind == DataSourceKind::curve_manifest);
    CHECK(parse_data_source(at("curves")).kind == DataSourceKind::curve_directory);
    CHECK(parse_data_source(at("curves")).has_labels());
    const auto h = parse_data_source(at("d.h5") + ":/img_data/hitimes-x");
    CHECK(h.kind == DataSourceKind::hdf5);
    CHECK(h.file == dir / "d.h5");
    CHECK(h.dataset == "/img_data/hitimes-x");
    CHECK_FALSE(h.has_labels());

    CHECK_THROWS_WITH(parse_data_source(at("d.h5"), "--train-x"), Catch::Contains("name the dataset too"));
    CHECK_THROWS_WITH(parse_data_source(at("d.h5") + ":/", "--train-x"), Catch::Contains("names no dataset"));
    CHECK_THROWS_AS(parse_data_source(at("missing.h5") + ":/x"), IoError);
    CHECK_THROWS_AS(parse_data_source(at("missing.npy")), IoError);
    CHECK_THROWS_WITH(parse_data_source(at("odd.bin"), "--train-x"),
                      Catch::StartsWith("--train-x: cannot tell") && Catch::Contains("x.npy"));
    CHECK_THROWS_WITH(parse_data_source("", "--val-x"), Catch::StartsWith("--val-x: is empty"));
    fs::remove_all(dir);
}
