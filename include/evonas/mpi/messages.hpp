// evonas::mpi: the contents of the driver's messages (the tags are in
// transport.hpp, the encoding of each field in wire.hpp).
//
//   job       master -> worker   u64 id, u64 seed, u64 island, f64 timeout (0: none),
//                                f64 seconds left in the run (< 0: no limit), genome
//   result    worker -> master   u64 id, f64 seconds the evaluation took, fitness
//   stop      master -> worker   u8 failed, str error, result
//   migrants  master -> master   u64 to island, u64 from island, vec<individual>
//   notice    master -> master   u8 failed, str stop reason or error, u64 from rank
//   events    master -> rank 0   (u8 kind, record | migration)... until the end
//   done      master -> rank 0   vec<u64> messages sent to each island's master, str end note
//   finish    rank 0 -> master   u64 messages to expect from other masters, u8 failed,
//                                str error, result
//   report    worker -> master   u64 job id, f64 step, f64 value
//   decision  master -> worker   u8 decision (0 keep training, 1 stop)
//   reports   master -> master   (u64 job, u64 island, f64 step, f64 value, u8 decision)...
//                                (also an events entry, for rank 0's lineage log)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <evonas/engine/island_model.hpp>
#include <evonas/mpi/wire.hpp>

namespace evonas::mpi::detail {

/// A job as a worker needs it.
template <class G>
struct JobOrder {
    std::uint64_t id = 0;
    std::uint64_t seed = 0;
    std::size_t island = 0;
    double timeout = 0.0;    ///< the job's own deadline in seconds (0: none)
    double run_left = -1.0;  ///< seconds left in the run when sent (< 0: no limit)
    G genome;
};

template <class G>
std::vector<char> encode_job(const Job<G>& job, double timeout, double run_left,
                             const space_of<G>* space = nullptr) {
    // Room for the header and the genome: the layer genome's values, or its text.
    std::size_t genome_bytes = 256;
    if constexpr (requires { job.genome.gene_count(); }) genome_bytes = 16 * job.genome.gene_count() * 8;
    wire::Writer w(64 + genome_bytes);
    w.u64(job.id);
    w.u64(job.seed);
    w.u64(job.island);
    w.f64(timeout);
    w.f64(run_left);
    wire::write_genome(w, job.genome, space);
    return w.take();
}

template <class G = Genome<LayerGene>>
JobOrder<G> decode_job(const std::vector<char>& bytes, const space_of<G>& space) {
    wire::Reader r(bytes.data(), bytes.size(), "job");
    JobOrder<G> job;
    job.id = r.u64();
    job.seed = r.u64();
    job.island = static_cast<std::size_t>(r.u64());
    job.timeout = r.f64();
    job.run_left = r.f64();
    job.genome = wire::read_genome_as<G>(r, space);
    r.expect_end();
    return job;
}

struct ResultMessage {
    std::uint64_t id = 0;
    double seconds = 0.0;
    Fitness fitness;
};

inline std::vector<char> encode_result(std::uint64_t id, double seconds, const Fitness& fitness) {
    wire::Writer w(64 + fitness.reason.size());
    w.u64(id);
    w.f64(seconds);
    wire::write(w, fitness);
    return w.take();
}

inline ResultMessage decode_result(const std::vector<char>& bytes) {
    wire::Reader r(bytes.data(), bytes.size(), "result");
    ResultMessage m;
    m.id = r.u64();
    m.seconds = r.f64();
    m.fitness = wire::read_fitness(r);
    r.expect_end();
    return m;
}

/// The outcome of a run, as stop and finish messages carry it.
template <class G>
struct Outcome {
    bool failed = false;
    std::string error;
    EvolutionResult<G> result;
};

template <class G>
void write_outcome(wire::Writer& w, const Outcome<G>& o, const space_of<G>& space) {
    w.u8(o.failed ? 1 : 0);
    w.str(o.error);
    wire::write(w, o.result, &space);
}

template <class G = Genome<LayerGene>>
Outcome<G> read_outcome(wire::Reader& r, const space_of<G>& space) {
    Outcome<G> o;
    o.failed = r.u8() != 0;
    o.error = r.str();
    o.result = wire::read_result<G>(r, space);
    return o;
}

template <class G>
std::vector<char> encode_stop(const Outcome<G>& o, const space_of<G>& space) {
    wire::Writer w;
    write_outcome(w, o, space);
    return w.take();
}

template <class G = Genome<LayerGene>>
Outcome<G> decode_stop(const std::vector<char>& bytes, const space_of<G>& space) {
    wire::Reader r(bytes.data(), bytes.size(), "stop");
    auto o = read_outcome<G>(r, space);
    r.expect_end();
    return o;
}

struct Notice {
    bool failed = false;
    std::string text;  ///< the stop reason, or the error
    int from = 0;
};

inline std::vector<char> encode_notice(const Notice& n) {
    wire::Writer w;
    w.u8(n.failed ? 1 : 0);
    w.str(n.text);
    w.u64(static_cast<std::uint64_t>(n.from));
    return w.take();
}

inline Notice decode_notice(const std::vector<char>& bytes) {
    wire::Reader r(bytes.data(), bytes.size(), "notice");
    Notice n;
    n.failed = r.u8() != 0;
    n.text = r.str();
    n.from = static_cast<int>(r.u64());
    r.expect_end();
    return n;
}

/// What one entry of an events batch (master -> rank 0) is.
enum EventKind : std::uint8_t {
    event_record = 0,
    event_migration = 1,
    event_dispatched = 2,
    event_warning = 3,
    event_report = 4,
};

/// A worker's report: an intermediate result of the job it is training.
struct ReportMessage {
    std::uint64_t id = 0;
    double step = 0.0;
    double value = 0.0;
};

inline std::vector<char> encode_report(const ReportMessage& m) {
    wire::Writer w(24);
    w.u64(m.id);
    w.f64(m.step);
    w.f64(m.value);
    return w.take();
}

inline ReportMessage decode_report(const std::vector<char>& bytes) {
    wire::Reader r(bytes.data(), bytes.size(), "report");
    ReportMessage m;
    m.id = r.u64();
    m.step = r.f64();
    m.value = r.f64();
    r.expect_end();
    return m;
}

inline std::vector<char> encode_decision(Decision d) {
    wire::Writer w(1);
    w.u8(d == Decision::stop ? 1 : 0);
    return w.take();
}

inline Decision decode_decision(const std::vector<char>& bytes) {
    wire::Reader r(bytes.data(), bytes.size(), "decision");
    const auto d = r.u8();
    if (d > 1) r.fail(fmt::format("decision {}", d));
    r.expect_end();
    return d == 1 ? Decision::stop : Decision::keep_training;
}

/// Appends one answered report (shared reports between masters, and
/// rank 0's events).
inline void write_report(wire::Writer& w, const Report& report, Decision decision) {
    w.u64(report.job);
    w.u64(report.island);
    w.f64(report.step);
    w.f64(report.value);
    w.u8(decision == Decision::stop ? 1 : 0);
}

/// Reads what write_report() wrote.
inline std::pair<Report, Decision> read_report(wire::Reader& r) {
    Report report;
    report.job = r.u64();
    report.island = static_cast<std::size_t>(r.u64());
    report.step = r.f64();
    report.value = r.f64();
    const auto d = r.u8();
    if (d > 1) r.fail(fmt::format("decision {}", d));
    return {report, d == 1 ? Decision::stop : Decision::keep_training};
}

/// Reads a batch of write_report() entries, calling f(report, decision) for each.
template <class F>
void read_reports(const std::vector<char>& bytes, F&& f) {
    wire::Reader r(bytes.data(), bytes.size(), "reports");
    while (!r.at_end()) {
        const auto [report, decision] = read_report(r);
        f(report, decision);
    }
}

/// Appends duplicate-index entries (master -> master, tag_seen): the
/// genomes a master sent to training or got results for.
inline void write_seen(wire::Writer& w, std::uint64_t hash, const SeenGenome& s) {
    w.u64(hash);
    w.u64(s.id);
    w.u8(static_cast<std::uint8_t>((s.finished ? 8 : 0) | static_cast<std::uint8_t>(s.status)));
    w.f64(s.score);
}

/// Reads the entries write_seen() wrote, calling f(hash, seen) for each.
template <class F>
void read_seen(const std::vector<char>& bytes, F&& f) {
    wire::Reader r(bytes.data(), bytes.size(), "seen");
    while (!r.at_end()) {
        const auto hash = r.u64();
        SeenGenome s;
        s.id = r.u64();
        const auto bits = r.u8();
        s.finished = (bits & 8) != 0;
        if ((bits & 7) > static_cast<std::uint8_t>(FitnessStatus::timed_out)) r.fail(fmt::format("status {}", bits & 7));
        s.status = static_cast<FitnessStatus>(bits & 7);
        s.score = r.f64();
        f(hash, s);
    }
}

struct Done {
    std::vector<std::uint64_t> sent;  ///< master -> master messages sent, per destination island
    std::string note;                 ///< why the island ended early ("workers_lost"), or empty
};

inline std::vector<char> encode_done(const Done& d) {
    wire::Writer w;
    w.u64s(d.sent);
    w.str(d.note);
    return w.take();
}

inline Done decode_done(const std::vector<char>& bytes) {
    wire::Reader r(bytes.data(), bytes.size(), "done");
    Done d;
    d.sent = r.u64s();
    d.note = r.str();
    r.expect_end();
    return d;
}

template <class G>
struct Finish {
    std::uint64_t expected = 0;  ///< master -> master messages the receiver gets in all
    Outcome<G> outcome;
};

template <class G>
std::vector<char> encode_finish(const Finish<G>& f, const space_of<G>& space) {
    wire::Writer w;
    w.u64(f.expected);
    write_outcome(w, f.outcome, space);
    return w.take();
}

template <class G = Genome<LayerGene>>
Finish<G> decode_finish(const std::vector<char>& bytes, const space_of<G>& space) {
    wire::Reader r(bytes.data(), bytes.size(), "finish");
    Finish<G> f;
    f.expected = r.u64();
    f.outcome = read_outcome<G>(r, space);
    r.expect_end();
    return f;
}

}  // namespace evonas::mpi::detail
