// Pareto machinery (engine/pareto.hpp), objectives (engine/objectives.hpp)
// and the multi-objective operators (operators/multi_objective.hpp):
// property loops against brute-force definitions on many random point sets.
#include <catch2/catch.hpp>

#include <evonas/evonas.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

using Points = std::vector<std::vector<double>>;

Points random_points(Rng& rng, std::size_t n, std::size_t dims, int grid) {
    Points p(n, std::vector<double>(dims));
    for (auto& x : p) {
        for (auto& v : x) v = static_cast<double>(rng.uniform_int(0, grid));
    }
    return p;
}

// The hypervolume of integer points above reference 0, by counting the unit
// cells some point covers (cell c is covered when p >= c + 1 everywhere).
double cell_count(const Points& points, std::size_t dims, int grid) {
    std::vector<int> c(dims, 0);
    double covered = 0.0;
    for (;;) {
        for (const auto& p : points) {
            bool all = true;
            for (std::size_t i = 0; i < dims && all; ++i) all = p[i] >= c[i] + 1;
            if (all) {
                covered += 1.0;
                break;
            }
        }
        std::size_t k = 0;
        while (k < dims && ++c[k] == grid) c[k++] = 0;
        if (k == dims) break;
    }
    return covered;
}

struct Member {
    Fitness fitness;
    std::uint64_t id = 0;
};

Member member(double accuracy, double params, std::uint64_t id) {
    Member m;
    m.fitness = Fitness::of(accuracy);
    m.fitness.with("params", params);
    m.id = id;
    return m;
}

}  // namespace

TEST_CASE("dominance: better somewhere and worse nowhere, and NaN never dominates", "[pareto]") {
    const std::vector<double> a{2, 3}, b{1, 3}, c{2, 3}, n{std::nan(""), 5};
    CHECK(dominates(a, b));
    CHECK_FALSE(dominates(b, a));
    CHECK_FALSE(dominates(a, c));  // equal
    CHECK_FALSE(dominates(n, b));
    CHECK_FALSE(dominates(b, n));
    // Deb's rule: feasible first, then the smaller violation.
    CHECK(constrained_dominates(b, 0.0, a, 0.5));
    CHECK(constrained_dominates(b, 0.1, a, 0.5));
    CHECK_FALSE(constrained_dominates(a, 0.5, b, 0.5));
}

TEST_CASE("non-dominated sorting agrees with the definition on random point sets", "[pareto]") {
    Rng rng(11);
    for (int round = 0; round < 300; ++round) {
        const std::size_t dims = 2 + rng.index(3), n = 1 + rng.index(25);
        const auto points = random_points(rng, n, dims, 5);
        std::vector<double> viol(n, 0.0);
        const bool constrained = round % 3 == 0;
        if (constrained) {
            for (auto& v : viol) v = rng.chance(0.3) ? static_cast<double>(rng.uniform_int(1, 3)) : 0.0;
        }
        const auto ranks = pareto_ranks(points, constrained ? std::span<const double>(viol) : std::span<const double>());
        for (std::size_t i = 0; i < n; ++i) {
            bool beaten_by_previous = false;
            for (std::size_t j = 0; j < n; ++j) {
                const bool beats = constrained_dominates(points[j], viol[j], points[i], viol[i]);
                if (beats) CHECK(ranks[j] < ranks[i]);  // nothing of the same or a later front beats it
                if (beats && ranks[j] + 1 == ranks[i]) beaten_by_previous = true;
            }
            if (ranks[i] > 0) CHECK(beaten_by_previous);  // and the front before beats it
        }
        if (constrained) {  // every feasible point ranks before every infeasible one
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t j = 0; j < n; ++j) {
                    if (viol[i] == 0.0 && viol[j] > 0.0) CHECK(ranks[i] < ranks[j]);
                }
            }
        }
    }
}

TEST_CASE("crowding distance: extremes infinite, interior the normalised neighbour gap", "[pareto]") {
    const Points front{{0, 4}, {1, 3}, {3, 1}, {4, 0}};
    const std::vector<std::size_t> all{0, 1, 2, 3};
    const auto d = crowding_distances(front, all);
    CHECK(std::isinf(d[0]));
    CHECK(std::isinf(d[3]));
    // point 1: gaps (3 - 0) / 4 in both objectives; point 2 the same
    CHECK(d[1] == Approx(1.5));
    CHECK(d[2] == Approx(1.5));
    CHECK(crowding_distances(front, std::vector<std::size_t>{}).empty());
}

TEST_CASE("the hypervolume is exact: it equals the covered cells of random integer fronts", "[pareto]") {
    Rng rng(5);
    for (int round = 0; round < 200; ++round) {
        const std::size_t dims = 1 + rng.index(4), n = rng.index(15);
        const int grid = 6;
        const auto points = random_points(rng, n, dims, grid);
        const std::vector<double> ref(dims, 0.0);
        INFO("dims " << dims << ", points " << n);
        CHECK(hypervolume(points, ref) == Approx(cell_count(points, dims, grid)).margin(1e-9));
    }
    // Points not beyond the reference, or with NaN, add nothing.
    const std::vector<double> ref{1.0, 1.0};
    CHECK(hypervolume(Points{{0.5, 3.0}, {std::nan(""), 4.0}}, ref) == 0.0);
    CHECK(hypervolume(Points{{2.0, 3.0}}, ref) == Approx(2.0));
}

TEST_CASE("hypervolume contributions: what each point alone adds, 0 for a dominated point", "[pareto]") {
    const Points points{{1, 3}, {2, 2}, {3, 1}, {1, 1}};
    const std::vector<double> ref{0, 0};
    const auto c = hypervolume_contributions(points, ref);
    CHECK(c[0] == Approx(1.0));
    CHECK(c[1] == Approx(1.0));
    CHECK(c[2] == Approx(1.0));
    CHECK(c[3] == Approx(0.0));
}

TEST_CASE("objectives: names, directions, log scale, limits and the reference point", "[objectives]") {
    const auto o = parse_objectives("accuracy,params,latency_ms,throughput:max");
    REQUIRE(o.size() == 4);
    CHECK(o[0].is_score());
    CHECK(o[0].direction == Direction::maximize);
    CHECK(o[1].direction == Direction::minimize);
    CHECK(o[1].log_scale);
    CHECK(o[2].direction == Direction::minimize);
    CHECK_FALSE(o[2].log_scale);
    CHECK(o[3].direction == Direction::maximize);

    auto f = Fitness::of(0.8);
    f.with("params", 1000.0).with("latency_ms", 2.5);
    const auto p = objective_point(Objectives{o[0], o[1], o[2]}, f);
    CHECK(p[0] == Approx(0.8));
    CHECK(p[1] == Approx(-3.0));
    CHECK(p[2] == Approx(-2.5));
    // A missing metric is a violation of 1 and a NaN coordinate.
    CHECK(std::isnan(objective_point(o, f)[3]));
    CHECK(objective_violation(o, f) == Approx(1.0));

    Objective params = o[1];
    params.limit = 500.0;
    CHECK(objective_violation({params}, f) == Approx(1.0));  // 1000 is 500 over a limit of 500
    params.limit = 2000.0;
    CHECK(objective_violation({params}, f) == 0.0);
    // The reference: the limit, 0 for the score, else none.
    CHECK(objective_reference({o[0], params}) == std::vector<double>{0.0, -std::log10(2000.0)});
    CHECK_FALSE(objective_reference({o[0], o[2]}).has_value());

    CHECK_THROWS_WITH(parse_objectives("accuracy,,params"), Contains("empty item"));
    CHECK_THROWS_WITH(parse_objectives("params:lower"), Contains("'min' or 'max'"));
    CHECK_THROWS_WITH(validate_objectives(parse_objectives("accuracy,score")), Contains("named twice"));
    Objective bad = o[1];
    bad.limit = -1.0;
    CHECK_THROWS_WITH(validate_objectives({bad}), Contains("> 0 on a log scale"));
    EvolutionOptions options;
    options.objectives = {o[0], o[0]};
    CHECK_THROWS_WITH(options.validate(), Contains("EvolutionOptions.objectives[1]"));
}

TEST_CASE("Pareto tournament: a lower front wins, then the less crowded member", "[pareto][selection]") {
    const auto objectives = parse_objectives("accuracy,params");
    // 0 dominates 3; 0, 1, 2 are the front (1 between 0 and 2, so crowded).
    const std::vector<Member> pop{member(0.9, 1e6, 0), member(0.8, 1e4, 1), member(0.5, 1e2, 2), member(0.7, 1e7, 3)};
    const auto view = ParetoView::of(objectives, std::span<const Member>(pop));
    CHECK(view.fronts == std::vector<std::size_t>{0, 0, 0, 1});
    CHECK(view.better(1, 3));
    CHECK(view.better(0, 1));  // an extreme of the front has infinite crowding distance
    // A tournament of many draws finds a front-0 extreme every time.
    const ParetoTournament select{objectives, 16};
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        Rng rng(seed);
        const auto winner = select(std::span<const Member>(pop), rng);
        CHECK((winner == 0 || winner == 2));
    }
}

TEST_CASE("replace worst front: the newcomer replaces a member of the worst front, or is dropped", "[pareto][replacement]") {
    const auto objectives = parse_objectives("accuracy,params");
    Rng rng(1);
    for (const auto rule : {ParetoRule::crowding, ParetoRule::hypervolume}) {
        const ReplaceWorstFront replace{objectives, rule};
        const std::vector<Member> pop{member(0.9, 1e6, 0), member(0.8, 1e4, 1), member(0.5, 1e2, 2),
                                      member(0.7, 1e7, 3)};
        // Dominated by everything: dropped.
        CHECK_FALSE(replace(std::span<const Member>(pop), member(0.1, 1e8, 9), rng).has_value());
        // Dominates member 3 only: member 3 (the worst front) leaves.
        CHECK(replace(std::span<const Member>(pop), member(0.85, 1e5, 9), rng) == std::optional<std::size_t>(3));
    }
    // Property: the one leaving (member or newcomer) is in the worst front of
    // population + newcomer, and with the hypervolume rule its contribution
    // there is the smallest.
    Rng draw(8);
    for (int round = 0; round < 200; ++round) {
        const std::size_t n = 2 + draw.index(12);
        std::vector<Member> pop;
        for (std::size_t i = 0; i < n; ++i) {
            pop.push_back(member(draw.uniform(), std::pow(10.0, 2.0 + 4.0 * draw.uniform()), i));
        }
        const auto newcomer = member(draw.uniform(), std::pow(10.0, 2.0 + 4.0 * draw.uniform()), 100);
        const auto view = ParetoView::of(objectives, std::span<const Member>(pop), &newcomer);
        const auto worst = *std::max_element(view.fronts.begin(), view.fronts.end());
        for (const auto rule : {ParetoRule::crowding, ParetoRule::hypervolume}) {
            const auto slot = ReplaceWorstFront{objectives, rule}(std::span<const Member>(pop), newcomer, draw);
            const auto leaving = slot ? *slot : n;
            CHECK(view.fronts[leaving] == worst);
            if (rule == ParetoRule::crowding) {
                for (std::size_t i = 0; i <= n; ++i) {
                    if (view.fronts[i] == worst) CHECK(view.crowding[leaving] <= view.crowding[i]);
                }
            }
        }
    }
}

TEST_CASE("infeasible members rank after feasible ones in selection and replacement", "[pareto]") {
    auto objectives = parse_objectives("accuracy,params");
    objectives[1].limit = 1e5;
    const std::vector<Member> pop{member(0.99, 1e6, 0), member(0.5, 1e4, 1), member(0.4, 1e3, 2)};
    const auto view = ParetoView::of(objectives, std::span<const Member>(pop));
    CHECK(view.fronts[0] > view.fronts[1]);
    Rng rng(2);
    // A feasible newcomer replaces the infeasible member, however accurate.
    CHECK(ReplaceWorstFront{objectives}(std::span<const Member>(pop), member(0.3, 1e2, 5), rng) ==
          std::optional<std::size_t>(0));
}

TEST_CASE("Chebyshev selection and replacement: deterministic per seed, never keep a dominated newcomer", "[pareto]") {
    const auto objectives = parse_objectives("accuracy,params");
    const std::vector<Member> pop{member(0.9, 1e6, 0), member(0.8, 1e4, 1), member(0.5, 1e2, 2)};
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
        Rng a(seed), b(seed);
        CHECK(ChebyshevTournament{objectives}(std::span<const Member>(pop), a) ==
              ChebyshevTournament{objectives}(std::span<const Member>(pop), b));
        Rng r(seed);
        CHECK_FALSE(ReplaceChebyshev{objectives}(std::span<const Member>(pop), member(0.1, 1e7, 9), r).has_value());
    }
}

TEST_CASE("multi-objective operators refuse a run without objectives", "[pareto]") {
    const std::vector<Member> pop{member(0.9, 1e6, 0)};
    Rng rng(1);
    CHECK_THROWS_WITH(ParetoTournament{}(std::span<const Member>(pop), rng), Contains("no objectives"));
    CHECK_THROWS_WITH(ReplaceWorstFront{}(std::span<const Member>(pop), pop[0], rng), Contains("no objectives"));
}
