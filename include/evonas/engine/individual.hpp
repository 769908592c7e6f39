// evonas: the records the engine keeps: a job sent to a worker, a finished
// job, and a population member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <evonas/engine/fitness.hpp>

namespace evonas {

/// How a job's genome came to be.
enum class Origin {
    seed,       ///< one of the user's seed genomes
    random,     ///< drawn at random (initial population, or a fallback)
    bred,       ///< selection + crossover and/or mutation
    retry,      ///< written by evonas 0.1 for a job proposed again (now the job keeps its origin and counts `attempt`)
    duplicate,  ///< identical to an evaluated genome whose fitness was reused
};

/// The origin as lineage records write it, e.g. "bred".
inline constexpr std::string_view to_string(Origin o) noexcept {
    switch (o) {
        case Origin::seed: return "seed";
        case Origin::random: return "random";
        case Origin::bred: return "bred";
        case Origin::retry: return "retry";
        case Origin::duplicate: return "duplicate";
    }
    return "?";
}

/// Where an island's proposal side stood right after a job was proposed:
/// enough to continue proposing exactly as before when a run is resumed.
struct IslandCursor {
    std::uint64_t seq = 0;               ///< proposals made by the island (this one included)
    std::size_t seeds_used = 0;          ///< seed genomes handed out
    std::size_t initial_proposed = 0;    ///< seeds + random genomes of the initial phase
    std::uint64_t proposed = 0;          ///< jobs of the island handed to workers (this one included)
    std::uint64_t duplicates = 0;        ///< twins the island bred so far
    std::string rng;                     ///< Rng::state_string() of the breeding generator

    /// Every field equal.
    friend bool operator==(const IslandCursor&, const IslandCursor&) = default;
};

/// What the surrogate predicted for a job's genome when it was picked among
/// bred candidates (SurrogateOptions); `candidates` 0: not screened.
struct Screening {
    std::uint32_t candidates = 0;  ///< valid, new candidates the genome was picked among
    double mean = 0.0;             ///< the predicted score
    double spread = 0.0;           ///< the prediction's uncertainty (spread across the ensemble)

    /// True when the job was picked by the surrogate's screen.
    bool screened() const noexcept { return candidates > 0; }
    /// Every field equal.
    friend bool operator==(const Screening&, const Screening&) = default;
};

/// One network to train: what a driver sends to a worker.
template <class G>
struct Job {
    std::uint64_t id = 0;       ///< unique in the run; island = id % islands
    std::size_t island = 0;     ///< the island that proposed it
    std::uint64_t seed = 0;     ///< derive_seed(run seed, id)
    G genome{};                 ///< the network to train
    std::uint64_t hash = 0;     ///< genome_hash of genome
    std::vector<std::uint64_t> parents;  ///< ids of the parents (empty for seeds and random)
    std::string op;             ///< "seed", "random", "mutation:insert_layer", "crossover:one_point+...", ...
    Origin origin = Origin::random;  ///< how the genome came to be
    std::string check_note;     ///< what the trainer's check repaired, if anything
    IslandCursor cursor;        ///< the island's proposal state right after this job
    /// 1 for the first dispatch; one more each time the job was sent again
    /// because its worker was lost (MPI). A job requeued on resume keeps it.
    std::uint32_t attempt = 1;
    /// The surrogate's prediction when the genome was picked by its screen.
    Screening predicted;
};

/// When and where a job ran, as the driver saw it (seconds since the run start).
struct WorkInfo {
    std::size_t worker = 0;   ///< the worker (thread, rank) that trained it
    double started = 0.0;     ///< when training began
    double finished = 0.0;    ///< when the fitness was back
};

/// A finished job: the job, its fitness and where it ran.
template <class G>
struct JobRecord {
    Job<G> job;        ///< the job as proposed
    Fitness fitness;   ///< its result
    WorkInfo work;     ///< where and when it ran
    bool trained = true;  ///< false when the fitness was reused (duplicate) or the check rejected it
};

/// What IslandModel::complete_and_propose() returns: the finished job's
/// record and the worker's next job (nullopt as propose() gives it).
template <class G>
struct Handover {
    JobRecord<G> record;        ///< the job just finished, as complete() returns it
    std::optional<Job<G>> next;  ///< the next job, or nullopt (stopping, or all in flight)
};

/// A population member. Satisfies the Scored concept (score, id).
template <class G>
struct Individual {
    G genome{};              ///< the network
    double score = 0.0;      ///< fitness.rank_score()
    std::uint64_t id = 0;    ///< the job id that produced it (smaller = older)
    std::uint64_t hash = 0;  ///< genome_hash of genome
    Fitness fitness;         ///< its evaluation
};

/// Counters over the whole run.
struct RunCounts {
    std::uint64_t proposed = 0;     ///< jobs handed to workers (a job sent again counts once)
    std::uint64_t finished = 0;     ///< jobs finished (any status), excluding reused duplicates
    std::uint64_t ok = 0;           ///< jobs trained and scored
    std::uint64_t failed = 0;       ///< jobs whose trainer failed
    std::uint64_t invalid = 0;      ///< rejected by the check or by the trainer
    std::uint64_t timed_out = 0;    ///< jobs stopped at their deadline
    std::uint64_t duplicates = 0;   ///< children identical to an evaluated or in-flight genome
    std::uint64_t migrations = 0;   ///< migrant batches sent
    std::uint64_t migrants = 0;     ///< individuals received by islands

    /// Every counter equal.
    friend bool operator==(const RunCounts&, const RunCounts&) = default;
};

}  // namespace evonas
