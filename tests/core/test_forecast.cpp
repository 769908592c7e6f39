// The forecast (drivers/sim/forecast.hpp): a run's measured job times fed
// to the simulation driver. Runs with known job times (the simulation
// driver's virtual clock, or a trainer that sleeps) are forecast on their
// own and on other worker counts.
#include <evonas/drivers/sim.hpp>
#include <evonas/drivers/sim/forecast.hpp>
#include <evonas/drivers/sim/measured.hpp>
#include <evonas/drivers/threads.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/spaces.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace forecast_test {

/// Fitness = 1 / (1 + layers): instant and deterministic.
struct LayerCountTrainer {
    Fitness evaluate(const Genome<>& g, const JobContext&) const {
        return Fitness::of(1.0 / static_cast<double>(1 + g.gene_count()));
    }
};

/// Simulates a run of `jobs` networks on `workers` workers into `dir`.
sim::SimResult simulated_run(const std::filesystem::path& dir, std::size_t workers, std::uint64_t jobs,
                             sim::CostModel cost, double fail_fraction = 0.0) {
    const auto space = test::small_space();
    sim::SimOptions options{.evolution = {.islands = 2, .population = 8, .seed = 9,
                                          .stop = {.max_evaluations = jobs}},
                            .workers = workers,
                            .cost = std::move(cost),
                            .run_dir = dir};
    options.failures.fail_fraction = fail_fraction;
    return sim::simulate(space, LayerCountTrainer{}, options);
}

}  // namespace forecast_test

using namespace forecast_test;

TEST_CASE("measured job times are each trained job's end - start", "[forecast]") {
    test::TempDir dir("forecast-measured");
    const auto run = simulated_run(dir.path(), 3, 30, sim::CostModel::log_normal(20.0, 0.5), 0.2);
    const auto m = sim::measured_job_times(dir.path());
    REQUIRE(m.jobs.size() == 30);
    CHECK(m.trained == 30);
    CHECK(m.cut_off == 0);
    CHECK(m.workers == 3);
    CHECK(m.islands == 2);
    CHECK(m.wall_seconds == Approx(run.report.virtual_seconds));
    const auto log = read_run_log(dir.path());
    double busy = 0.0;
    std::size_t failed = 0;
    for (std::size_t i = 0; i < m.jobs.size(); ++i) {
        const auto* job = log.find(m.jobs[i].id);
        REQUIRE(job);
        CHECK(m.jobs[i].seconds == job->end - job->start);
        CHECK(m.jobs[i].status == job->fitness.status);
        busy += m.jobs[i].seconds;
        failed += m.jobs[i].status != FitnessStatus::ok;
    }
    CHECK(m.busy_seconds == Approx(busy));
    CHECK(m.busy_seconds == Approx(run.report.busy_seconds));
    CHECK(failed == run.report.jobs.failed);
    CHECK(m.not_ok_fraction() == Approx(static_cast<double>(failed) / 30.0));
    CHECK(m.mean_seconds() == Approx(busy / 30.0));

    // The resampler draws the same job for the same id, whatever the order.
    const sim::MeasuredResampler resampler(m.jobs, 5);
    CHECK(&resampler.pick(17) == &resampler.pick(17));
    const auto cost = resampler.cost_model();
    Job<Genome<>> job;
    job.id = 17;
    Rng rng(1);
    CHECK(cost.draw({job}, rng) == resampler.pick(17).seconds);
    CHECK_THROWS_AS(sim::MeasuredResampler({}, 1), ConfigError);
}

TEST_CASE("constant job time t, J jobs, W workers: the forecast is ceil(J / W) * t", "[forecast]") {
    test::TempDir dir("forecast-constant");
    const auto run = simulated_run(dir.path(), 4, 40, sim::CostModel::constant(10.0));
    REQUIRE(run.report.virtual_seconds == 100.0);  // 10 rounds of 4 jobs

    const auto same = sim::forecast_run(dir.path(), {.workers = 4});
    CHECK(same.options.jobs == 40);
    CHECK(same.options.islands == 2);
    CHECK(same.sample == 40);
    CHECK(same.mean_job_seconds == 10.0);
    CHECK(same.space == "run");
    CHECK(same.measured.workers == 4);
    CHECK(same.measured.jobs == 40);
    CHECK(same.measured.wall_seconds == 100.0);
    CHECK(same.forecast.wall_seconds == 100.0);
    CHECK(same.forecast.jobs == 40);
    CHECK(same.forecast.utilisation == Approx(1.0));
    CHECK(same.forecast.jobs_per_hour == Approx(40.0 / 100.0 * 3600.0));
    REQUIRE(same.calibration);
    CHECK(same.calibration->wall_seconds == 100.0);

    for (const auto& [workers, rounds] : std::vector<std::pair<std::size_t, double>>{{1, 40}, {3, 14}, {8, 5}, {16, 3}, {40, 1}}) {
        INFO(workers << " workers");
        const auto f = sim::forecast_run(dir.path(), {.workers = workers, .calibrate = false});
        CHECK(f.forecast.wall_seconds == rounds * 10.0);
        CHECK(f.forecast.jobs == 40);
        CHECK_FALSE(f.calibration);
    }
    // Doubling the workers halves the time; more jobs take longer.
    const auto eight = sim::forecast_run(dir.path(), {.workers = 8});
    CHECK(eight.forecast.wall_seconds == Approx(same.forecast.wall_seconds / 2.0));
    const auto more = sim::forecast_run(dir.path(), {.workers = 4, .jobs = 80});
    CHECK(more.forecast.wall_seconds == 200.0);
    // A dispatch latency adds to every round.
    const auto late = sim::forecast_run(dir.path(), {.workers = 4, .dispatch_latency = 1.0});
    CHECK(late.forecast.wall_seconds == Approx(110.0));
    CHECK(late.forecast.utilisation == Approx(400.0 / 440.0));
}

TEST_CASE("the forecast for the run's own workers lands near its measured wall time", "[forecast]") {
    // 300 jobs of log-normal time (mean 60 s), 10% failing part-way, on 6
    // workers: resampling those times and simulating 6 workers again must
    // land within 10% of the measured wall time (the draws differ, the
    // distribution does not).
    test::TempDir dir("forecast-own");
    const auto run = simulated_run(dir.path(), 6, 300, sim::CostModel::log_normal_with_mean(60.0, 0.5), 0.1);
    for (const std::uint64_t seed : {1, 2, 3}) {
        INFO("seed " << seed);
        const auto f = sim::forecast_run(dir.path(), {.seed = seed});
        CHECK(f.options.workers == 6);
        CHECK(f.measured.wall_seconds == Approx(run.report.virtual_seconds));
        CHECK(f.forecast.wall_seconds == Approx(run.report.virtual_seconds).epsilon(0.10));
        CHECK(f.forecast.utilisation == Approx(run.report.utilisation).margin(0.05));
        // The run's failure rate is kept: 10% injected, drawn with their (shorter) times.
        const double failed = static_cast<double>(f.report.jobs.failed) / static_cast<double>(f.report.jobs.evaluated);
        CHECK(failed == Approx(f.not_ok_fraction).margin(0.06));
        REQUIRE(f.calibration);
        CHECK(f.calibration->wall_seconds == f.forecast.wall_seconds);  // the same setup
    }
    // Twice the workers: close to half the time (a longer tail at the end).
    const auto twice = sim::forecast_run(dir.path(), {.workers = 12});
    CHECK(twice.forecast.wall_seconds == Approx(run.report.virtual_seconds / 2.0).epsilon(0.15));
}

TEST_CASE("a forecast is reproducible from its seed", "[forecast][determinism]") {
    test::TempDir dir("forecast-seed");
    simulated_run(dir.path(), 4, 60, sim::CostModel::log_normal(30.0, 0.8), 0.1);
    const sim::ForecastOptions o{.workers = 7, .islands = 3, .jobs = 90, .seed = 42};
    const auto a = sim::forecast_json(sim::forecast_run(dir.path(), o));
    const auto b = sim::forecast_json(sim::forecast_run(dir.path(), o));
    auto strip = [](nlohmann::json j) {  // real seconds differ between runs
        j["simulation"].erase("real");
        return j;
    };
    CHECK(strip(a) == strip(b));
    CHECK(a.at("options").at("islands") == 3);
    CHECK(a.at("forecast").at("jobs") == 90);
    auto other = o;
    other.seed = 43;
    const auto c = sim::forecast_json(sim::forecast_run(dir.path(), other));
    CHECK(c.at("forecast").at("wall_seconds") != a.at("forecast").at("wall_seconds"));
}

TEST_CASE("a thread-driver run whose jobs sleep: the forecast for its own workers is near its wall time",
          "[forecast][threads]") {
    // 24 jobs of 30 ms on 2 workers: about 0.36 s of wall time. The forecast
    // resamples the measured times (the sleeps and the machine's overshoot)
    // and leaves out the driver's gaps between jobs, so it may only be
    // shorter, and not by much on an idle machine (a loaded one stretches
    // the gaps: the bound below is loose for that).
    struct Sleeper {
        Fitness evaluate(const Genome<>& g, const JobContext&) const {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            return Fitness::of(1.0 / static_cast<double>(1 + g.gene_count()));
        }
    };
    const auto space = test::small_space();
    test::TempDir dir("forecast-threads");
    evolve(space, [](std::size_t) { return Sleeper{}; },
           RunOptions{.evolution = {.population = 6, .seed = 2, .stop = {.max_evaluations = 24}},
                      .workers = 2,
                      .run_dir = dir.path(),
                      .progress = false});
    const auto f = sim::forecast_run(dir.path());
    CHECK(f.sample == 24);
    CHECK(f.mean_job_seconds >= 0.030);
    CHECK(f.measured.workers == 2);
    CHECK(f.options.workers == 2);
    const double ratio = f.forecast.wall_seconds / f.measured.wall_seconds;
    INFO(sim::format_forecast(f));
    CHECK(ratio <= 1.02);
    CHECK(ratio >= 0.5);
    CHECK(f.forecast.wall_seconds >= 12 * 0.030);
}

TEST_CASE("the forecast as text and JSON", "[forecast]") {
    test::TempDir dir("forecast-text");
    simulated_run(dir.path(), 4, 40, sim::CostModel::constant(10.0));
    const auto f = sim::forecast_run(dir.path(), {.workers = 8});
    const auto text = sim::format_forecast(f);
    INFO(text);
    CHECK_THAT(text, Contains("8 workers, 2 island(s), 40 networks (seed 1)"));
    CHECK_THAT(text, Contains("40 measured jobs resampled"));
    CHECK_THAT(text, Contains("wall time"));
    CHECK_THAT(text, Contains("100.0 s"));
    CHECK_THAT(text, Contains("50.0 s"));
    CHECK_THAT(text, Contains("the simulator gives 1.000 times the measured wall time"));
    const auto j = sim::forecast_json(f);
    CHECK(j.at("measured").at("wall_seconds") == 100.0);
    CHECK(j.at("forecast").at("wall_seconds") == 50.0);
    CHECK(j.at("calibration").at("wall_seconds") == 100.0);
    CHECK(j.at("forecast").at("workers") == 8);
    CHECK(j.at("sample").at("jobs") == 40);
    CHECK(j.at("simulation").at("workers") == 8);
    CHECK_FALSE(j.at("simulation").contains("series"));
}

TEST_CASE("a run without measured jobs, or without its files, cannot be forecast", "[forecast][errors]") {
    test::TempDir dir("forecast-errors");
    CHECK_THROWS_AS(sim::forecast_run(dir / "nothing-here"), IoError);
    std::ofstream(dir / "run.json") << R"({"driver": "threads", "workers": 2, "options": {"islands": 1}})";
    std::ofstream(dir / "lineage.jsonl") << "";
    CHECK_THROWS_AS(sim::forecast_run(dir.path()), ConfigError);
    CHECK_THROWS_WITH(sim::forecast_run(dir.path()), Contains("nothing to resample"));
}
