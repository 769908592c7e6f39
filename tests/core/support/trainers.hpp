// Test support: synthetic trainers with analytic fitness, and a temporary
// directory that removes itself.
#pragma once

#include <evonas/engine/trainer.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

namespace evonas::test {

/// Similarity in [0, 1] of `g` to `target`: layer by layer, a matching type
/// earns 1 plus how close each numeric parameter is (choices: equal or not);
/// extra or missing layers cost; global genes count too. Rewards one target
/// architecture, so random search rarely gets close and evolution climbs.
inline double target_similarity(const Genome<LayerGene>& g, const Genome<LayerGene>& target,
                                 const SearchSpace& space) {
    double score = 0.0;
    double best = 0.0;
    for (std::size_t s = 0; s < target.section_count(); ++s) {
        const auto& a = g.section(s);
        const auto& t = target.section(s);
        best += 2.0 * static_cast<double>(t.size());
        for (std::size_t i = 0; i < std::max(a.size(), t.size()); ++i) {
            if (i >= a.size() || i >= t.size()) {
                score -= 1.0;
                continue;
            }
            if (a[i].type != t[i].type) continue;
            score += 1.0;
            const auto& params = space.layer_type(t[i].type).params;
            double close = params.empty() ? 1.0 : 0.0;
            for (std::size_t p = 0; p < params.size(); ++p) {
                const auto& spec = params[p];
                if (spec.is_numeric() && spec.hi > spec.lo) {
                    close += 1.0 - std::abs(a[i].values[p] - t[i].values[p]) / (spec.hi - spec.lo);
                } else {
                    close += a[i].values[p] == t[i].values[p] ? 1.0 : 0.0;
                }
            }
            score += params.empty() ? 1.0 : close / static_cast<double>(params.size());
        }
    }
    return std::max(0.0, score / best);
}

/// Fitness = target_similarity to a fixed target genome.
struct TargetTrainer {
    Genome<LayerGene> target;
    const SearchSpace* space = nullptr;

    std::string name() const { return "target"; }
    Fitness evaluate(const Genome<LayerGene>& genome, const JobContext&) const {
        return Fitness::of(target_similarity(genome, target, *space));
    }
};

/// A directory under the system's temporary directory, removed at scope exit.
class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("evonas-test-" + tag + "-" + std::to_string(std::random_device{}()) + "-" +
                 std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace evonas::test
