// evonas: the run directory and the small files in it:
//   run.json        what the run is (space, options, seeds, versions)
//   lineage.jsonl   the write-ahead log: dispatched and finished jobs (io/lineage.hpp)
//   checkpoint.json the last snapshot (io/checkpoint.hpp)
//   seen.bin        the duplicate index, 24 bytes per trained job (io/seen_file.hpp)
//   best.txt        the best genome so far, its score and job id
//   pareto.txt      multi-objective runs: the Pareto front, one network per
//   pareto.json     block (text) or array item (JSON), best score first
// A directory holding a different run is refused, never overwritten.
#pragma once

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/individual.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/layer_genome_traits.hpp>
#include <evonas/io/files.hpp>
#include <evonas/version.hpp>

namespace evonas {

/// The parts of EvolutionOptions that define a run (the stop criteria do
/// not: a resumed run may be given a larger budget), with every auto field
/// resolved (EvolutionOptions::resolved()).
///
/// Options added after the first release are written only when they differ
/// from what the versions without them did (e.g. "preset" only when it is
/// not classic), so a run directory written by an older evonas keeps its
/// identity and still resumes.
inline nlohmann::json options_to_json(const EvolutionOptions& options) {
    const auto o = options.resolved();
    nlohmann::json j{{"islands", o.islands},
            {"population", o.population},
            {"tournament_size", o.tournament_size},
            {"crossover_probability", o.crossover_probability.value_or(0.5)},
            {"mutate_after_crossover", o.mutate_after_crossover},
            {"seed", o.seed},
            {"migration", {{"topology", std::string(to_string(o.migration.topology))},
                           {"interval", o.migration.interval},
                           {"migrants", o.migration.migrants},
                           {"pick", std::string(to_string(o.migration.pick))},
                           {"replace", std::string(to_string(o.migration.replace))}}},
            {"duplicates", std::string(to_string(o.duplicates))},
            {"max_rebreed", o.max_rebreed},
            {"hall_of_fame", o.hall_of_fame}};
    if (o.effective_preset() != EvolutionPreset::classic) j["preset"] = std::string(to_string(o.effective_preset()));
    if (o.random_fraction.value_or(0.0) != 0.0) j["random_fraction"] = *o.random_fraction;
    if (o.job_seeds != JobSeeds::per_job) j["job_seeds"] = std::string(to_string(o.job_seeds));
    if (const auto& e = o.early_stopping; e.kind != EarlyStopping::none) {
        j["early_stopping"] = {{"kind", std::string(to_string(e.kind))},
                               {"min_step", e.min_step},
                               {"eta", e.eta},
                               {"min_comparisons", e.comparisons()},
                               {"warmup_steps", e.warmup_steps},
                               {"per_island", e.per_island}};
    }
    if (!o.objectives.empty()) {
        auto& list = j["objectives"] = nlohmann::json::array();
        for (const auto& ob : o.objectives) {
            nlohmann::json item{{"name", ob.name}, {"direction", std::string(to_string(ob.direction))},
                                {"log_scale", ob.log_scale}};
            if (ob.limit) item["limit"] = *ob.limit;
            if (ob.reference) item["reference"] = *ob.reference;
            list.push_back(std::move(item));
        }
        j["pareto_rule"] = std::string(to_string(o.pareto_rule));
    }
    if (const auto& sg = o.surrogate; sg.active()) {
        j["surrogate"] = {{"candidates", sg.candidates},
                          {"min_trained", sg.min_trained},
                          {"refit_every", sg.refit_every},
                          {"exploration", sg.exploration},
                          {"acquisition", std::string(to_string(sg.acquisition))},
                          {"ucb_kappa", sg.ucb_kappa},
                          {"trees", sg.trees}};
    }
    return j;
}

/// `requested` with its auto fields (preset, population, tournament_size,
/// crossover_probability, random_fraction left unset or 0) taken from a
/// run's stored options (run.json's "options"), so a run resumes as it was
/// started even when the defaults or the budget changed since; a key an
/// older evonas did not write means its behaviour then (preset classic,
/// random_fraction 0). Explicit values are kept (and must match, or the run
/// is refused as a different one).
inline EvolutionOptions adopt_run_options(EvolutionOptions requested, const nlohmann::json& stored) {
    if (!stored.is_object()) return requested;
    if (!requested.preset) {
        const auto name = stored.value("preset", std::string("classic"));
        requested.preset = name == "regularized" ? EvolutionPreset::regularized : EvolutionPreset::classic;
    }
    const auto count = [&](const char* key) -> std::size_t {
        const auto it = stored.find(key);
        return it != stored.end() && it->is_number_unsigned() ? it->get<std::size_t>() : 0;
    };
    if (requested.population == 0) requested.population = count("population");
    if (requested.tournament_size == 0) requested.tournament_size = count("tournament_size");
    if (!requested.crossover_probability) {
        if (const auto it = stored.find("crossover_probability"); it != stored.end() && it->is_number()) {
            requested.crossover_probability = it->get<double>();
        }
    }
    if (!requested.random_fraction) {
        const auto it = stored.find("random_fraction");
        requested.random_fraction = it != stored.end() && it->is_number() ? it->get<double>() : 0.0;
    }
    return requested;
}

/// The stop criteria as JSON, for run.json (informational: they are not part
/// of the run's identity).
inline nlohmann::json stop_to_json(const StopCriteria& s) {
    nlohmann::json j{{"max_evaluations", s.max_evaluations}, {"max_seconds", s.max_seconds},
                     {"patience", s.patience}, {"callback", static_cast<bool>(s.callback)}};
    j["target_score"] = s.target_score ? nlohmann::json(*s.target_score) : nlohmann::json(nullptr);
    if (s.max_resource > 0.0) {  // only when set: run.json of runs without it unchanged
        j["max_resource"] = s.max_resource;
        j["resource_metric"] = s.resource_metric;
    }
    return j;
}

/// Paths of the files in a run directory.
struct RunPaths {
    std::filesystem::path dir;  ///< the run directory
    std::filesystem::path run() const { return dir / "run.json"; }                ///< what the run is
    std::filesystem::path lineage() const { return dir / "lineage.jsonl"; }       ///< the write-ahead log
    std::filesystem::path checkpoint() const { return dir / "checkpoint.json"; }  ///< the last snapshot
    std::filesystem::path seen() const { return dir / "seen.bin"; }               ///< the duplicate index
    std::filesystem::path best() const { return dir / "best.txt"; }               ///< the best genome so far
    std::filesystem::path pareto() const { return dir / "pareto.txt"; }           ///< the Pareto front (text)
    std::filesystem::path pareto_json() const { return dir / "pareto.json"; }     ///< the Pareto front (JSON)
};

/// The identity of a run as run.json stores it.
template <class G = Genome<LayerGene>>
nlohmann::json run_identity(const space_of<G>& space, const EvolutionOptions& options,
                            const std::vector<G>& seeds) {
    nlohmann::json seed_texts = nlohmann::json::array();
    for (const auto& s : seeds) seed_texts.push_back(genome_text_of(s, space));
    return {{"space", space_json_of<G>(space)}, {"options", options_to_json(options)}, {"seeds", seed_texts}};
}

/// Prepares `dir` for a run. A fresh or empty directory gets run.json. A
/// directory that already holds a run is refused unless `resume`, and then
/// only when its run.json describes the same run (same space, options and
/// seeds); ConfigError names the first difference. Returns true when there
/// is an earlier run to resume.
inline bool prepare_run_directory(const RunPaths& paths, const nlohmann::json& identity,
                                  const nlohmann::json& extra, bool resume) {
    std::error_code ec;
    std::filesystem::create_directories(paths.dir, ec);
    if (ec) throw IoError(paths.dir, "cannot create the run directory", ec);
    const bool has_run = std::filesystem::exists(paths.run());
    if (!has_run) {
        if (std::filesystem::exists(paths.lineage()) || std::filesystem::exists(paths.checkpoint())) {
            throw ConfigError("run_dir", fmt::format("{} has a lineage log or checkpoint but no run.json: "
                                                     "refusing to guess which run it is",
                                                     paths.dir.string()));
        }
        auto j = identity;
        for (const auto& [k, v] : extra.items()) j[k] = v;
        j["evonas_version"] = version_string();
        write_file_atomically(paths.run(), j.dump(2) + "\n", "run description");
        return false;
    }
    if (!resume) {
        throw ConfigError("run_dir", fmt::format("{} already holds a run; resume it, or choose an empty "
                                                 "directory (nothing was changed)",
                                                 paths.dir.string()));
    }
    const auto stored = parse_json_text(read_text_file(paths.run(), "run description"), paths.run().string());
    for (const char* key : {"space", "options", "seeds"}) {
        if (!stored.contains(key) || stored.at(key) != identity.at(key)) {
            // The first difference, by JSON path: "('population' was 16, now 10)".
            std::string detail;
            if (stored.contains(key)) {
                const auto patch = nlohmann::json::diff(stored.at(key), identity.at(key));
                if (!patch.empty()) {
                    const auto& op = patch.front();
                    const auto path = op.value("path", std::string());
                    const auto where = path.size() > 1 ? path.substr(1) : path;
                    const nlohmann::json::json_pointer pointer(path);
                    const auto was = stored.at(key).contains(pointer) ? stored.at(key).at(pointer).dump() : "absent";
                    const auto now = identity.at(key).contains(pointer) ? identity.at(key).at(pointer).dump() : "absent";
                    const auto shorten = [](std::string text) {
                        return text.size() > 80 ? text.substr(0, 77) + "..." : text;
                    };
                    detail = fmt::format(" ('{}' was {}, now {})", where, shorten(was), shorten(now));
                }
            }
            std::string hint;
            if (std::string(key) == "options" && stored.contains(key) && stored.at(key).is_object() &&
                stored.at(key).value("preset", std::string("classic")) !=
                    identity.at(key).value("preset", std::string("classic"))) {
                hint = fmt::format(" (the run was started with the {} preset{}; leave "
                                   "EvolutionOptions::preset unset to resume it as it was started)",
                                   stored.at(key).value("preset", std::string("classic")),
                                   stored.at(key).contains("preset") ? "" : ", as every run of evonas 0.1");
            } else if (std::string(key) == "space") {
                hint = " (a space of evonas 0.1's cnn_space() had no require_any; resume such a run with "
                       "CnnSpaceOptions{.require_convolution = false})";
                if (stored.at(key).dump().find("require_any") != std::string::npos ||
                    identity.at(key).dump().find("require_any") == std::string::npos) {
                    hint.clear();
                }
            }
            throw ConfigError("run_dir", fmt::format("{} holds a different run: its {} differs{}{}; "
                                                     "refusing to resume (nothing was changed)",
                                                     paths.dir.string(), key, detail, hint));
        }
    }
    return true;
}

/// best.txt's content: score, job id and the genome's canonical text.
template <class G>
std::string best_text(const Individual<G>& best, const space_of<G>& space) {
    return fmt::format("score {}\njob {}\n{}\n", best.score, best.id, genome_text_of(best.genome, space));
}

/// Writes best.txt (best_text()) atomically.
template <class G>
void write_best(const RunPaths& paths, const Individual<G>& best, const space_of<G>& space) {
    write_file_atomically(paths.best(), best_text(best, space), "best genome");
}

/// pareto.txt's content: the objectives, then per network of the front
/// (best score first) its objective values, job id and canonical text.
template <class G>
std::string pareto_text(const std::vector<Individual<G>>& front, const Objectives& objectives, double hv,
                        const space_of<G>& space) {
    std::string out = fmt::format("# Pareto front: {} networks; objectives", front.size());
    for (const auto& o : objectives) out += fmt::format(" {} ({})", o.name, to_string(o.direction));
    out += std::isnan(hv) ? std::string("; hypervolume: no reference point\n") : fmt::format("; hypervolume {}\n", hv);
    for (const auto& m : front) {
        out += "\n";
        for (std::size_t k = 0; k < objectives.size(); ++k) {
            out += fmt::format("{}{} {}", k ? "  " : "", objectives[k].name, objectives[k].raw(m.fitness));
        }
        out += fmt::format("\njob {}\n{}\n", m.id, genome_text_of(m.genome, space));
    }
    return out;
}

/// pareto.json's content: {"objectives", "hypervolume", "front": [{"job",
/// "objectives": {name: value}, "score", "genome"}]}.
template <class G>
nlohmann::json pareto_json(const std::vector<Individual<G>>& front, const Objectives& objectives, double hv,
                           const space_of<G>& space) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& o : objectives) names.push_back({{"name", o.name}, {"direction", std::string(to_string(o.direction))}});
    nlohmann::json items = nlohmann::json::array();
    for (const auto& m : front) {
        nlohmann::json values = nlohmann::json::object();
        for (const auto& o : objectives) {
            const double v = o.raw(m.fitness);
            values[o.name] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
        }
        items.push_back({{"job", m.id}, {"objectives", values}, {"score", m.score},
                         {"genome", genome_text_of(m.genome, space)}});
    }
    return {{"objectives", names}, {"hypervolume", std::isfinite(hv) ? nlohmann::json(hv) : nlohmann::json(nullptr)},
            {"front", items}};
}

}  // namespace evonas
