#include <evonas/operators/replacement.hpp>
#include <evonas/operators/selection.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

using evonas::Rng;

namespace {

struct Member {
    double score = 0.0;
    std::uint64_t id = 0;
};

constexpr double failed = -std::numeric_limits<double>::infinity();

/// How often each index is picked over `draws` calls, as fractions.
template <class S>
std::vector<double> frequencies(const S& selection, const std::vector<Member>& population, int draws,
                                std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> counts(population.size());
    for (int i = 0; i < draws; ++i) {
        const auto k = selection(std::span<const Member>(population), rng);
        REQUIRE(k < population.size());
        counts[k] += 1.0;
    }
    for (auto& c : counts) c /= draws;
    return counts;
}

template <class F>
std::string field_of(F&& f) {
    try {
        f();
    } catch (const evonas::ConfigError& e) {
        return e.field();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("tournament picks the best with the expected frequency", "[selection]") {
    // scores shuffled against indices; the best is index 6
    const std::vector<Member> population = {{0.3, 1}, {0.1, 2}, {0.7, 3}, {0.2, 4}, {0.5, 5},
                                            {0.0, 6}, {0.9, 7}, {0.4, 8}, {0.6, 9}, {0.8, 10}};
    const double n = 10.0;
    for (std::size_t k : {1u, 2u, 3u, 5u, 8u}) {
        INFO("size " << k);
        const auto f = frequencies(evonas::TournamentSelection{k}, population, 100000, k);
        // P(best) = 1 - (1 - 1/n)^k; P(worst) = (1/n)^k
        CHECK(f[6] == Approx(1.0 - std::pow(1.0 - 1.0 / n, static_cast<double>(k))).margin(0.006));
        CHECK(f[5] == Approx(std::pow(1.0 / n, static_cast<double>(k))).margin(0.003));
        // P(rank r of n from the bottom wins) = ((r+1)^k - r^k) / n^k; check the second best
        CHECK(f[9] == Approx((std::pow(9.0, double(k)) - std::pow(8.0, double(k))) /
                             std::pow(n, double(k)))
                          .margin(0.006));
    }
}

TEST_CASE("tournament ties go to the smaller index, aging ties to the younger", "[selection]") {
    // equal scores; ids not in index order
    const std::vector<Member> tied = {{1.0, 40}, {1.0, 10}, {1.0, 99}, {1.0, 7}};
    Rng rng(1);
    for (int i = 0; i < 200; ++i) {
        // with 64 picks every member is drawn (all but certainly)
        CHECK(evonas::TournamentSelection{64}(std::span<const Member>(tied), rng) == 0);
        CHECK(evonas::AgingTournamentSelection{64}(std::span<const Member>(tied), rng) == 2);
    }
    // a better score still beats youth
    const std::vector<Member> mixed = {{2.0, 1}, {1.0, 50}, {2.0, 3}, {1.0, 60}};
    for (int i = 0; i < 200; ++i) {
        CHECK(evonas::AgingTournamentSelection{64}(mixed, rng) == 2);
        CHECK(evonas::TournamentSelection{64}(mixed, rng) == 0);
    }
    // ties between two draws: the smaller index (resp. younger) wins exactly
    // when it is drawn at least once: 1 - (1/2)^2 = 0.75
    const std::vector<Member> pair = {{1.0, 5}, {1.0, 2}};
    const auto plain = frequencies(evonas::TournamentSelection{2}, pair, 40000, 3);
    const auto aging = frequencies(evonas::AgingTournamentSelection{2}, pair, 40000, 3);
    CHECK(plain[0] == Approx(0.75).margin(0.01));
    CHECK(aging[0] == Approx(0.75).margin(0.01));  // index 0 is the younger (id 5)
}

TEST_CASE("failed and NaN scores lose", "[selection]") {
    const std::vector<Member> population = {{failed, 1}, {std::nan(""), 2}, {-5.0, 3}, {failed, 4}};
    Rng rng(2);
    for (int i = 0; i < 100; ++i) {
        CHECK(evonas::TournamentSelection{64}(population, rng) == 2);
        CHECK(evonas::AgingTournamentSelection{64}(population, rng) == 2);
    }
    const auto f = frequencies(evonas::RankSelection{2.0}, population, 20000, 4);
    CHECK(f[2] > 0.45);  // the only member that did not fail is the best
}

TEST_CASE("rank selection follows linear ranking", "[selection]") {
    const std::vector<Member> population = {{0.5, 1}, {0.1, 2}, {0.9, 3}, {0.3, 4}, {0.7, 5}};
    // ranks from the bottom: index 1 -> 0, 3 -> 1, 0 -> 2, 4 -> 3, 2 -> 4
    const std::size_t by_rank[] = {1, 3, 0, 4, 2};
    for (double p : {1.0, 1.5, 2.0}) {
        INFO("pressure " << p);
        const auto f = frequencies(evonas::RankSelection{p}, population, 100000, 9);
        for (std::size_t r = 0; r < 5; ++r) {
            const double expected = (2.0 - p + 2.0 * (p - 1.0) * static_cast<double>(r) / 4.0) / 5.0;
            CHECK(f[by_rank[r]] == Approx(expected).margin(0.006));
        }
        if (p > 1.0) {
            for (std::size_t r = 1; r < 5; ++r) CHECK(f[by_rank[r]] > f[by_rank[r - 1]]);
        }
    }
    CHECK(frequencies(evonas::RankSelection{2.0}, population, 10000, 1)[1] == 0.0);  // worst never
    // equal scores share their ranks' mean
    const std::vector<Member> ties = {{1.0, 1}, {0.0, 2}, {1.0, 3}};
    const auto f = frequencies(evonas::RankSelection{2.0}, ties, 60000, 5);
    // pressure 2, n = 3: ranks 0, 1, 2 weigh 0, 1, 2; the tied pair shares (1 + 2) / 2
    CHECK(f[1] == 0.0);
    CHECK(f[0] == Approx(0.5).margin(0.01));
    CHECK(f[2] == Approx(0.5).margin(0.01));
    // a single member is always picked
    Rng rng(3);
    CHECK(evonas::RankSelection{}(std::vector<Member>{{failed, 1}}, rng) == 0);
}

TEST_CASE("selection option errors name the field", "[selection]") {
    const std::vector<Member> population = {{1.0, 1}, {2.0, 2}};
    const std::vector<Member> empty;
    Rng rng(1);
    CHECK(field_of([&] { evonas::TournamentSelection{0}(population, rng); }) == "TournamentSelection.size");
    CHECK(field_of([&] { evonas::AgingTournamentSelection{0}(population, rng); }) ==
          "AgingTournamentSelection.size");
    for (double bad : {0.5, 2.5, -1.0, std::nan("")}) {
        CHECK(field_of([&] { evonas::RankSelection{bad}(population, rng); }) == "RankSelection.pressure");
    }
    CHECK_THROWS_AS(evonas::RankSelection{3.0}.validate(), evonas::ConfigError);
    CHECK_NOTHROW(evonas::RankSelection{}.validate());
    CHECK_NOTHROW(evonas::TournamentSelection{}.validate());
    CHECK(field_of([&] { evonas::TournamentSelection{}(empty, rng); }) == "population");
    CHECK(field_of([&] { evonas::RankSelection{}(empty, rng); }) == "population");
}

TEST_CASE("equal seeds give equal picks", "[selection]") {
    std::vector<Member> population;
    Rng make(12);
    for (std::uint64_t i = 0; i < 50; ++i) population.push_back({make.uniform(), i});
    auto picks = [&](std::uint64_t seed) {
        Rng rng(seed);
        std::vector<std::size_t> out;
        for (int i = 0; i < 300; ++i) {
            out.push_back(evonas::TournamentSelection{4}(population, rng));
            out.push_back(evonas::AgingTournamentSelection{4}(population, rng));
            out.push_back(evonas::RankSelection{1.7}(population, rng));
        }
        return out;
    };
    CHECK(picks(3) == picks(3));
    CHECK(picks(3) != picks(4));
}

TEST_CASE("ReplaceWorst replaces the worst member unless the newcomer is worse", "[replacement]") {
    const std::vector<Member> population = {{0.5, 1}, {0.2, 8}, {0.9, 3}, {0.2, 4}};
    Rng rng(1);
    // ties among the worst go to the oldest (id 4 at index 3)
    CHECK(evonas::ReplaceWorst{}(population, Member{0.3, 20}, rng) == std::optional<std::size_t>(3));
    CHECK(evonas::ReplaceWorst{}(population, Member{0.2, 20}, rng) == std::optional<std::size_t>(3));
    CHECK(evonas::ReplaceWorst{}(population, Member{0.1, 20}, rng) == std::nullopt);
    CHECK(evonas::ReplaceWorst{}(population, Member{failed, 20}, rng) == std::nullopt);
    CHECK(evonas::ReplaceWorst{.always = true}(population, Member{0.1, 20}, rng) ==
          std::optional<std::size_t>(3));
    // failed and NaN members are the worst
    const std::vector<Member> with_failed = {{0.5, 1}, {std::nan(""), 2}, {failed, 3}};
    CHECK(evonas::ReplaceWorst{}(with_failed, Member{-100.0, 9}, rng) == std::optional<std::size_t>(1));
    CHECK(evonas::ReplaceWorst{}(std::vector<Member>{}, Member{1.0, 9}, rng) == std::nullopt);
}

TEST_CASE("ReplaceOldest replaces the member with the smallest id", "[replacement]") {
    const std::vector<Member> population = {{0.1, 30}, {0.9, 12}, {0.5, 44}, {0.2, 17}};
    Rng rng(1);
    CHECK(evonas::ReplaceOldest{}(population, Member{failed, 50}, rng) == std::optional<std::size_t>(1));
    CHECK(evonas::ReplaceOldest{}(std::span<const Member>(population), Member{1.0, 50}, rng) ==
          std::optional<std::size_t>(1));
    CHECK(evonas::ReplaceOldest{}(std::vector<Member>{}, Member{1.0, 9}, rng) == std::nullopt);
}

TEST_CASE("aging evolution in miniature: every member eventually dies", "[selection][replacement]") {
    // AgingTournamentSelection + ReplaceOldest: the population turns over
    // completely every population.size() steps, whatever the scores.
    std::vector<Member> population;
    for (std::uint64_t i = 0; i < 20; ++i) population.push_back({i == 0 ? 1e9 : 0.0, i});
    Rng rng(6);
    std::uint64_t next_id = 20;
    for (int step = 0; step < 20; ++step) {
        const auto parent = evonas::AgingTournamentSelection{5}(population, rng);
        const Member child{population[parent].score * 0.5, next_id++};
        const auto slot = evonas::ReplaceOldest{}(population, child, rng);
        REQUIRE(slot.has_value());
        population[*slot] = child;
    }
    for (const auto& m : population) CHECK(m.id >= 20);  // the champion (id 0) aged out
}
