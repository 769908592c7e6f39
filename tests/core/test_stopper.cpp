// Early stopping: the built-in stoppers' rules, checked against values
// worked out by hand and against a brute-force recomputation over many
// random report streams.
#include <catch2/catch.hpp>

#include <evonas/engine/stopper.hpp>
#include <evonas/random.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

using namespace evonas;

TEST_CASE("ASHA keeps the top 1/eta at each rung once it has enough values", "[stopper][asha]") {
    AshaStopper asha(1.0, 3.0, 3);
    CHECK(asha.rung_step(0) == 1.0);
    CHECK(asha.rung_step(2) == 9.0);
    // Rung 0 (step 1): the first two values are too few to compare.
    CHECK(asha({1, 0, 1.0, 0.5}) == Decision::keep_training);
    CHECK(asha({2, 0, 1.0, 0.9}) == Decision::keep_training);
    // Third value: 3 values, keep floor(3/3) = 1: only the best goes on.
    CHECK(asha({3, 0, 1.0, 0.7}) == Decision::stop);   // 0.9 is better
    CHECK(asha({4, 0, 1.0, 0.95}) == Decision::keep_training);  // best of 4
    CHECK(asha({5, 0, 1.0, 0.1}) == Decision::stop);
    CHECK(asha.recorded(0) == 5);
    // Steps between rungs are not recorded; step 3 is rung 1.
    CHECK(asha({4, 0, 2.0, 0.96}) == Decision::keep_training);
    CHECK(asha.recorded(1) == 0);
    CHECK(asha({4, 0, 3.0, 0.97}) == Decision::keep_training);
    CHECK(asha.recorded(1) == 1);
    // A job that skips rungs is recorded at every rung it passed.
    CHECK(asha({6, 0, 9.0, 0.2}) == Decision::keep_training);  // rung 2 has one value
    CHECK(asha.recorded(0) == 6);
    CHECK(asha.recorded(1) == 2);
    CHECK(asha.recorded(2) == 1);
    // A step below the first rung, or a non-finite value, decides nothing.
    CHECK(asha({7, 0, 0.5, -1.0}) == Decision::keep_training);
    CHECK(asha({7, 0, 1.0, std::nan("")}) == Decision::keep_training);
    CHECK(asha.recorded(0) == 6);
}

TEST_CASE("ASHA per island compares within the island only", "[stopper][asha]") {
    AshaStopper asha(1.0, 2.0, 2, true);
    CHECK(asha({0, 0, 1.0, 0.9}) == Decision::keep_training);
    CHECK(asha({1, 1, 1.0, 0.1}) == Decision::keep_training);  // alone on island 1
    CHECK(asha({2, 0, 1.0, 0.2}) == Decision::stop);            // 2 values on island 0, keep 1
    CHECK(asha({3, 1, 1.0, 0.05}) == Decision::stop);
    CHECK(asha.recorded(0, 0) == 2);
    CHECK(asha.recorded(0, 1) == 2);
}

TEST_CASE("ASHA's decisions equal a brute-force recomputation", "[stopper][asha]") {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        Rng rng(seed);
        const double eta = rng.chance(0.5) ? 2.0 : 3.0;
        const std::size_t min_cmp = 1 + rng.below(4);
        AshaStopper asha(1.0, eta, min_cmp);
        std::map<int, std::vector<double>> rungs;
        std::map<std::uint64_t, int> reached;
        for (int i = 0; i < 300; ++i) {
            const std::uint64_t job = rng.below(40);
            const double step = static_cast<double>(1 + rng.below(30));
            // Half the streams draw from ten values only: ties at a rung.
            const double value = seed % 2 ? rng.uniform() : static_cast<double>(rng.below(10)) / 10.0;
            // Brute force: the rungs this report passes for the first time.
            const int top = static_cast<int>(std::floor(std::log(step) / std::log(eta) + 1e-9));
            Decision expected = Decision::keep_training;
            for (int k = reached.count(job) ? reached[job] : 0; k <= top; ++k) {
                rungs[k].push_back(value);
                if (k != top) continue;
                const auto& v = rungs[k];
                if (v.size() < min_cmp) continue;
                const auto keep = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(v.size() / eta)));
                const auto better = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [&](double x) { return x > value; }));
                if (better >= keep) expected = Decision::stop;
            }
            reached[job] = std::max(reached.count(job) ? reached[job] : 0, top + 1);
            REQUIRE(asha({job, 0, step, value}) == expected);
        }
    }
}

TEST_CASE("the median rule stops a job whose best is below the others' median at that step", "[stopper][median]") {
    MedianStopper median(2.0, 3);
    // Step 1 is warm-up: nothing stops.
    for (std::uint64_t j = 0; j < 4; ++j) CHECK(median({j, 0, 1.0, 0.1 * static_cast<double>(j)}) == Decision::keep_training);
    CHECK(median({9, 0, 1.0, -5.0}) == Decision::keep_training);
    // Step 2: three others report first (0.5, 0.6, 0.7), median 0.6.
    CHECK(median({0, 0, 2.0, 0.5}) == Decision::keep_training);  // no others yet
    CHECK(median({1, 0, 2.0, 0.6}) == Decision::keep_training);
    CHECK(median({2, 0, 2.0, 0.7}) == Decision::keep_training);
    CHECK(median({3, 0, 2.0, 0.59}) == Decision::stop);   // below 0.6
    // The job's best so far counts, not its last value.
    CHECK(median({9, 0, 1.5, 0.9}) == Decision::keep_training);
    CHECK(median({9, 0, 2.0, 0.1}) == Decision::keep_training);  // best 0.9 >= median of 4 values
}

TEST_CASE("the median rule's decisions equal a brute-force recomputation", "[stopper][median]") {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        Rng rng(seed);
        const std::size_t min_cmp = 1 + rng.below(6);
        const double warmup = static_cast<double>(rng.below(3));
        MedianStopper median(warmup, min_cmp);
        std::map<double, std::vector<double>> at_step;
        std::map<std::uint64_t, double> best;
        for (int i = 0; i < 400; ++i) {
            const std::uint64_t job = rng.below(50);
            const double step = static_cast<double>(1 + rng.below(4));
            const double value = seed % 2 ? rng.uniform() : static_cast<double>(rng.below(8)) / 8.0;
            best[job] = best.count(job) ? std::max(best[job], value) : value;
            auto& others = at_step[step];
            Decision expected = Decision::keep_training;
            if (step >= warmup && others.size() >= min_cmp) {
                auto sorted = others;
                std::sort(sorted.begin(), sorted.end());
                const auto n = sorted.size();
                const double m = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
                if (best[job] < m) expected = Decision::stop;
            }
            others.push_back(value);
            REQUIRE(median({job, 0, step, value}) == expected);
        }
    }
}

TEST_CASE("order statistics of growing sets match a sorted copy", "[stopper]") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Rng rng(seed);
        const double eta = 2.0 + static_cast<double>(rng.below(3));
        detail::TopFraction top(eta);
        detail::RunningMedian median;
        std::vector<double> all;
        for (int i = 0; i < 500; ++i) {
            const double v = seed % 2 ? rng.uniform() : static_cast<double>(rng.below(5));
            top.insert(v);
            median.insert(v);
            all.push_back(v);
            auto sorted = all;
            std::sort(sorted.begin(), sorted.end());
            const auto n = sorted.size();
            REQUIRE(median.median() == (n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])));
            const auto keep = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(static_cast<double>(n) / eta)));
            for (const double probe : {v, sorted.front(), sorted.back(), sorted[n / 2], 0.5, -1.0, 9.0}) {
                const auto better = static_cast<std::size_t>(
                    std::count_if(sorted.begin(), sorted.end(), [&](double x) { return x > probe; }));
                REQUIRE(top.in_top(probe) == (better < keep));
            }
        }
        CHECK(top.size() == 500);
        CHECK(median.size() == 500);
    }
}

TEST_CASE("stoppers refuse settings that make no sense", "[stopper]") {
    CHECK_THROWS_AS(AshaStopper(0.0), ConfigError);
    CHECK_THROWS_AS(AshaStopper(1.0, 1.5), ConfigError);
    CHECK_THROWS_AS(AshaStopper(1.0, 3.0, 0), ConfigError);
    CHECK_THROWS_AS(MedianStopper(-1.0), ConfigError);
    CHECK_THROWS_AS(MedianStopper(1.0, 0), ConfigError);
    static_assert(Stopper<AshaStopper> && Stopper<MedianStopper> && Stopper<NoStopper>);
}
