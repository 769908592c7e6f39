// evonas::mpi: the wire format of the MPI driver's messages.
//
// Every message is a plain byte buffer (MPI_BYTE), built with Writer and
// read back with Reader, in the processes' native byte order (every rank of
// one MPI job runs the same build on the same kind of machine):
//
//   u8, u16, u64   fixed-width unsigned integers
//   f64            an IEEE double, bit for bit (NaN and infinities survive)
//   str            u64 length, then the bytes
//   vec<T>         u64 count, then the items
//
//   genome      = u64 sections, per section (u64 genes, per gene
//                 (u16 type, u8 size, size x f64 values)), vec<f64> globals
//   fitness     = f64 score, u8 status, str reason, vec<f64> objectives,
//                 vec<(str name, f64 value)> metrics
//   individual  = genome, f64 score, u64 id, u64 hash, fitness
//   record      = u64 id, u64 island, u64 seed, genome, u64 hash,
//                 vec<u64> parents, str op, u8 origin, str check_note,
//                 cursor (u64 seq, u64 seeds_used, u64 initial_proposed,
//                 u64 proposed, u64 duplicates, str rng), u64 attempt,
//                 prediction (u64 candidates, f64 mean, f64 spread),
//                 fitness, u64 worker, f64 started, f64 finished,
//                 u8 trained
//   result      = u8 has_best [individual], vec<(u8 has, [individual])>
//                 island_best, vec<individual> hall_of_fame, 9 x u64 counts,
//                 f64 elapsed, str stop_reason, vec<individual> pareto_front,
//                 f64 hypervolume
//
// Genomes travel in this binary form, not the canonical text: it is exact
// (no decimal rounding) and costs a memcpy per value instead of a parse.
// The lineage log on disk keeps the canonical text (io/record_json.hpp).
// A malformed message throws evonas::Error naming what was being read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/island_model.hpp>
#include <evonas/engine/observer.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

/// The MPI driver's message format (see the top of wire.hpp): Writer,
/// Reader, and write()/read_*() for each message part. The functions are
/// pure (thread-safe); a Writer or Reader is used by one thread at a time.
namespace evonas::mpi::wire {

/// Appends values to a byte buffer. Thread safety: a plain value.
class Writer {
public:
    Writer() = default;  ///< an empty buffer
    /// An empty buffer with room for `reserve` bytes.
    explicit Writer(std::size_t reserve) { bytes_.reserve(reserve); }

    void u8(std::uint8_t v) { bytes_.push_back(static_cast<char>(v)); }  ///< appends one byte
    void u16(std::uint16_t v) { put(v); }                                ///< appends 2 bytes, native order
    void u64(std::uint64_t v) { put(v); }                                ///< appends 8 bytes, native order
    void f64(double v) { put(v); }                                       ///< appends a double bit for bit
    /// Appends the length (u64), then the bytes.
    void str(std::string_view s) {
        u64(s.size());
        bytes_.insert(bytes_.end(), s.begin(), s.end());
    }
    /// Appends the count (u64), then the doubles.
    void f64s(const std::vector<double>& values) {
        u64(values.size());
        append(values.data(), values.size() * sizeof(double));
    }
    /// Appends the count (u64), then the integers.
    void u64s(const std::vector<std::uint64_t>& values) {
        u64(values.size());
        append(values.data(), values.size() * sizeof(std::uint64_t));
    }

    std::vector<char>& bytes() noexcept { return bytes_; }           ///< the buffer so far
    std::vector<char> take() noexcept { return std::move(bytes_); }  ///< moves the buffer out
    std::size_t size() const noexcept { return bytes_.size(); }      ///< bytes written

private:
    template <class T>
    void put(T v) {
        static_assert(std::is_trivially_copyable_v<T>);
        append(&v, sizeof v);
    }
    void append(const void* data, std::size_t n) {
        if (n == 0) return;
        const auto old = bytes_.size();
        bytes_.resize(old + n);
        std::memcpy(bytes_.data() + old, data, n);
    }

    std::vector<char> bytes_;
};

/// Reads values back in the order they were written. Reading past the end
/// throws evonas::Error naming `what` (the message kind). Thread safety: one
/// thread at a time; the bytes must outlive it.
class Reader {
public:
    /// Reads the `size` bytes at `data` (not copied); `what` names the message in errors.
    Reader(const char* data, std::size_t size, std::string_view what) : data_(data), size_(size), what_(what) {}

    /// The next byte.
    std::uint8_t u8() {
        need(1);
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    std::uint16_t u16() { return get<std::uint16_t>(); }  ///< the next 2-byte integer
    std::uint64_t u64() { return get<std::uint64_t>(); }  ///< the next 8-byte integer
    double f64() { return get<double>(); }                ///< the next double
    /// The next string (u64 length, then the bytes).
    std::string str() {
        const auto n = count(1);
        std::string s(data_ + pos_, n);
        pos_ += n;
        return s;
    }
    /// The next vector of doubles (u64 count, then the values).
    std::vector<double> f64s() {
        std::vector<double> v(count(sizeof(double)));
        copy(v.data(), v.size() * sizeof(double));
        return v;
    }
    /// The next vector of integers (u64 count, then the values).
    std::vector<std::uint64_t> u64s() {
        std::vector<std::uint64_t> v(count(sizeof(std::uint64_t)));
        copy(v.data(), v.size() * sizeof(std::uint64_t));
        return v;
    }
    /// A count of items of at least `item_bytes` each, checked against the bytes left.
    std::size_t count(std::size_t item_bytes) {
        const auto n = u64();
        if (item_bytes != 0 && n > (size_ - pos_) / item_bytes) fail(fmt::format("a count of {} is too large", n));
        return static_cast<std::size_t>(n);
    }

    bool at_end() const noexcept { return pos_ == size_; }  ///< every byte has been read
    /// Throws Error when bytes are left over (a message longer than expected).
    void expect_end() const {
        if (!at_end()) fail(fmt::format("{} bytes left over", size_ - pos_));
    }
    /// Throws Error naming the message, its size, the position and `problem`.
    [[noreturn]] void fail(const std::string& problem) const {
        throw Error(fmt::format("evonas::mpi: a malformed '{}' message ({} bytes, at byte {}): {}", what_, size_,
                                pos_, problem));
    }

private:
    template <class T>
    T get() {
        T v;
        copy(&v, sizeof v);
        return v;
    }
    void copy(void* out, std::size_t n) {
        need(n);
        if (n) std::memcpy(out, data_ + pos_, n);
        pos_ += n;
    }
    void need(std::size_t n) const {
        if (n > size_ - pos_) fail(fmt::format("needs {} more bytes, {} left", n, size_ - pos_));
    }

    const char* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
    std::string_view what_;
};

// ---------------------------------------------------------------- genome

/// Appends a genome (structure and values, exact).
inline void write(Writer& w, const Genome<LayerGene>& g) {
    w.u64(g.section_count());
    for (const auto& section : g.sections()) {
        w.u64(section.size());
        for (const auto& gene : section) {
            w.u16(gene.type);
            w.u8(gene.size);
            for (std::size_t i = 0; i < gene.size; ++i) w.f64(gene.values[i]);
        }
    }
    w.f64s(g.globals());
}

/// Reads a genome; the structure (layer type ids, parameter counts) is
/// checked against `space`, the values are taken as sent.
inline Genome<LayerGene> read_genome(Reader& r, const SearchSpace& space) {
    const auto sections = r.count(8);
    if (sections != space.sections().size()) {
        r.fail(fmt::format("a genome with {} sections, the space '{}' has {}", sections, space.name(),
                           space.sections().size()));
    }
    std::vector<GeneSection<LayerGene>> out(sections);
    for (auto& section : out) {
        const auto genes = r.count(3);
        section.genes().resize(genes);
        for (auto& gene : section.genes()) {
            gene.type = r.u16();
            gene.size = r.u8();
            if (gene.type >= space.layer_types().size()) r.fail(fmt::format("layer type id {} is unknown", gene.type));
            if (gene.size != space.layer_type(gene.type).params.size()) {
                r.fail(fmt::format("layer type '{}' with {} values", space.layer_type(gene.type).name, gene.size));
            }
            for (std::size_t i = 0; i < gene.size; ++i) gene.values[i] = r.f64();
        }
    }
    auto globals = r.f64s();
    return Genome<LayerGene>(std::move(out), std::move(globals));
}

// ---------------------------------------------------------------- fitness

/// Appends a fitness: score, status, reason, objectives, metrics.
inline void write(Writer& w, const Fitness& f) {
    w.f64(f.score);
    w.u8(static_cast<std::uint8_t>(f.status));
    w.str(f.reason);
    w.f64s(f.objectives);
    w.u64(f.metrics.size());
    for (const auto& m : f.metrics) {
        w.str(m.name);
        w.f64(m.value);
    }
}

/// Reads a fitness; Error for an unknown status.
inline Fitness read_fitness(Reader& r) {
    Fitness f;
    f.score = r.f64();
    const auto status = r.u8();
    if (status > static_cast<std::uint8_t>(FitnessStatus::timed_out)) r.fail(fmt::format("fitness status {}", status));
    f.status = static_cast<FitnessStatus>(status);
    f.reason = r.str();
    f.objectives = r.f64s();
    f.metrics.resize(r.count(16));
    for (auto& m : f.metrics) {
        m.name = r.str();
        m.value = r.f64();
    }
    return f;
}

/// Appends a genome of any type: the layer genome in binary (exact, no
/// space needed), any other as its text (genome_traits<G>), which needs
/// the space.
template <class G>
void write_genome(Writer& w, const G& g, const space_of<G>* space) {
    if constexpr (std::is_same_v<G, Genome<LayerGene>>) {
        write(w, g);
    } else {
        if (!space) throw Error("evonas::mpi::wire: writing a genome of your own needs its space");
        w.str(genome_text_of(g, *space));
    }
}

/// Reads what write_genome() wrote; a text that does not parse in `space`
/// is a wire error.
template <class G>
G read_genome_as(Reader& r, const space_of<G>& space) {
    if constexpr (std::is_same_v<G, Genome<LayerGene>>) {
        return read_genome(r, space);
    } else {
        const auto text = r.str();
        try {
            return genome_from_text_of<G>(text, space, "genome on the wire");
        } catch (const Error& e) {
            r.fail(e.what());  // [[noreturn]]
        }
    }
}

// ---------------------------------------------------------------- individuals

/// Appends an individual: genome, score, id, hash, fitness.
template <class G>
void write(Writer& w, const Individual<G>& m, const space_of<G>* space = nullptr) {
    write_genome(w, m.genome, space);
    w.f64(m.score);
    w.u64(m.id);
    w.u64(m.hash);
    write(w, m.fitness);
}

/// Reads an individual, its genome checked against `space`.
template <class G = Genome<LayerGene>>
Individual<G> read_individual(Reader& r, const space_of<G>& space) {
    Individual<G> m;
    m.genome = read_genome_as<G>(r, space);
    m.score = r.f64();
    m.id = r.u64();
    m.hash = r.u64();
    m.fitness = read_fitness(r);
    return m;
}

/// Appends a count, then the individuals.
template <class G>
void write(Writer& w, const std::vector<Individual<G>>& members, const space_of<G>* space = nullptr) {
    w.u64(members.size());
    for (const auto& m : members) write(w, m, space);
}

/// Reads what write() of a vector of individuals wrote.
template <class G = Genome<LayerGene>>
std::vector<Individual<G>> read_individuals(Reader& r, const space_of<G>& space) {
    std::vector<Individual<G>> out(r.count(8));
    for (auto& m : out) m = read_individual<G>(r, space);
    return out;
}

// ---------------------------------------------------------------- finished jobs

/// Appends a job: id, island, seed, genome, hash, parents, op, origin,
/// check note, cursor, attempt and the surrogate's prediction.
template <class G>
void write(Writer& w, const Job<G>& job, const space_of<G>* space = nullptr) {
    w.u64(job.id);
    w.u64(job.island);
    w.u64(job.seed);
    write_genome(w, job.genome, space);
    w.u64(job.hash);
    w.u64s(job.parents);
    w.str(job.op);
    w.u8(static_cast<std::uint8_t>(job.origin));
    w.str(job.check_note);
    w.u64(job.cursor.seq);
    w.u64(job.cursor.seeds_used);
    w.u64(job.cursor.initial_proposed);
    w.u64(job.cursor.proposed);
    w.u64(job.cursor.duplicates);
    w.str(job.cursor.rng);
    w.u64(job.attempt);
    w.u64(job.predicted.candidates);
    w.f64(job.predicted.mean);
    w.f64(job.predicted.spread);
}

/// Reads a job; Error for an unknown origin or a genome not of `space`.
template <class G = Genome<LayerGene>>
Job<G> read_job(Reader& r, const space_of<G>& space) {
    Job<G> job;
    job.id = r.u64();
    job.island = static_cast<std::size_t>(r.u64());
    job.seed = r.u64();
    job.genome = read_genome_as<G>(r, space);
    job.hash = r.u64();
    job.parents = r.u64s();
    job.op = r.str();
    const auto origin = r.u8();
    if (origin > static_cast<std::uint8_t>(Origin::duplicate)) r.fail(fmt::format("job origin {}", origin));
    job.origin = static_cast<Origin>(origin);
    job.check_note = r.str();
    job.cursor.seq = r.u64();
    job.cursor.seeds_used = static_cast<std::size_t>(r.u64());
    job.cursor.initial_proposed = static_cast<std::size_t>(r.u64());
    job.cursor.proposed = r.u64();
    job.cursor.duplicates = r.u64();
    job.cursor.rng = r.str();
    job.attempt = static_cast<std::uint32_t>(r.u64());
    job.predicted.candidates = static_cast<std::uint32_t>(r.u64());
    job.predicted.mean = r.f64();
    job.predicted.spread = r.f64();
    return job;
}

// ---------------------------------------------------------------- finished jobs

/// Appends a finished job: the job, its fitness and work info.
template <class G>
void write(Writer& w, const JobRecord<G>& rec, const space_of<G>* space = nullptr) {
    write(w, rec.job, space);
    write(w, rec.fitness);
    w.u64(rec.work.worker);
    w.f64(rec.work.started);
    w.f64(rec.work.finished);
    w.u8(rec.trained ? 1 : 0);
}

/// Reads a finished job; Error for an unknown origin or a genome not of `space`.
template <class G = Genome<LayerGene>>
JobRecord<G> read_record(Reader& r, const space_of<G>& space) {
    JobRecord<G> rec;
    rec.job = read_job<G>(r, space);
    rec.fitness = read_fitness(r);
    rec.work.worker = static_cast<std::size_t>(r.u64());
    rec.work.started = r.f64();
    rec.work.finished = r.f64();
    rec.trained = r.u8() != 0;
    return rec;
}

/// Appends a migration: from, to, the migrants' ids.
inline void write(Writer& w, const MigrationEvent& e) {
    w.u64(e.from);
    w.u64(e.to);
    w.u64s(e.ids);
}

/// Reads a migration.
inline MigrationEvent read_migration(Reader& r) {
    MigrationEvent e;
    e.from = static_cast<std::size_t>(r.u64());
    e.to = static_cast<std::size_t>(r.u64());
    e.ids = r.u64s();
    return e;
}

// ---------------------------------------------------------------- results

/// Appends the run's 9 counters.
inline void write(Writer& w, const RunCounts& c) {
    for (auto v : {c.proposed, c.finished, c.ok, c.failed, c.invalid, c.timed_out, c.duplicates, c.migrations,
                   c.migrants}) {
        w.u64(v);
    }
}

/// Reads the run's 9 counters.
inline RunCounts read_counts(Reader& r) {
    RunCounts c;
    for (auto* v : {&c.proposed, &c.finished, &c.ok, &c.failed, &c.invalid, &c.timed_out, &c.duplicates,
                    &c.migrations, &c.migrants}) {
        *v = r.u64();
    }
    return c;
}

/// Appends a run's result: best, island bests, hall of fame, counts, time, stop reason, Pareto front.
template <class G>
void write(Writer& w, const EvolutionResult<G>& result, const space_of<G>* space = nullptr) {
    const auto optional = [&](const std::optional<Individual<G>>& m) {
        w.u8(m ? 1 : 0);
        if (m) write(w, *m, space);
    };
    optional(result.best);
    w.u64(result.island_best.size());
    for (const auto& m : result.island_best) optional(m);
    write(w, result.hall_of_fame, space);
    write(w, result.counts);
    w.f64(result.elapsed_seconds);
    w.str(result.stop_reason);
    write(w, result.pareto_front, space);
    w.f64(result.hypervolume);
}

/// Reads a run's result, its genomes checked against `space`.
template <class G = Genome<LayerGene>>
EvolutionResult<G> read_result(Reader& r, const space_of<G>& space) {
    EvolutionResult<G> result;
    const auto optional = [&] {
        std::optional<Individual<G>> m;
        if (r.u8() != 0) m = read_individual<G>(r, space);
        return m;
    };
    result.best = optional();
    result.island_best.resize(r.count(1));
    for (auto& m : result.island_best) m = optional();
    result.hall_of_fame = read_individuals<G>(r, space);
    result.counts = read_counts(r);
    result.elapsed_seconds = r.f64();
    result.stop_reason = r.str();
    result.pareto_front = read_individuals<G>(r, space);
    result.hypervolume = r.f64();
    return result;
}

}  // namespace evonas::mpi::wire
