// evonas: one lineage.jsonl job line written straight into a string.
// The lineage log writes a line per finished job; building an nlohmann::json
// object for it (a tree of maps and strings) cost most of the engine's time
// per job when the fitness is cheap. This writer produces the same fields as
// record_to_json() (same names, same key order) with no intermediate tree,
// and read_lineage() still reads it with nlohmann_json.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/compile.h>
#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/layer_genome_traits.hpp>

namespace evonas {

namespace detail {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when the bytes
/// there are not valid UTF-8 (overlong forms and surrogates included).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    std::uint32_t min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    std::uint32_t cp = c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/// True for a byte a JSON string holds as it is: printable ASCII other than
/// a quote or a backslash.
constexpr bool is_plain_json_byte(unsigned char b) noexcept {
    return b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
}

/// Index of the first byte at or after `i` that is not plain (see
/// is_plain_json_byte), or s.size(). The lineage log escapes a genome's text
/// per job, a few hundred plain bytes, so they are tested eight at a time
/// (word-parallel tests on little-endian machines; byte by byte elsewhere).
inline std::size_t next_special_json_byte(std::string_view s, std::size_t i) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        constexpr std::uint64_t ones = 0x0101010101010101ULL;
        constexpr std::uint64_t highs = 0x8080808080808080ULL;
        // High bit set in each byte of v that is zero; a byte above a zero
        // one may be marked too (a borrow), never one below it, so the lowest
        // mark is exact.
        const auto zero_bytes = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
        for (; i + 8 <= s.size(); i += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, s.data() + i, 8);
            const std::uint64_t marked = (w & highs)                       // >= 0x80
                                         | ((w - 0x20 * ones) & ~w & highs)  // < 0x20
                                         | zero_bytes(w ^ ('"' * ones)) | zero_bytes(w ^ ('\\' * ones));
            if (marked != 0) return i + static_cast<std::size_t>(std::countr_zero(marked)) / 8;
        }
    }
    while (i < s.size() && is_plain_json_byte(static_cast<unsigned char>(s[i]))) ++i;
    return i;
}

/// Appends `s` as a JSON string. Quotes, backslashes and control characters
/// are escaped; bytes that are not valid UTF-8 (an exception message from a
/// user's trainer can hold anything) become U+FFFD, so the line always parses.
inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        // Plain ASCII (the common case: genome text, op names) is copied in runs.
        const std::size_t run = next_special_json_byte(s, i);
        if (run > i) {
            out.append(s.data() + i, run - i);
            i = run;
            continue;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default:
                    if (c < 0x20) {
                        fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++i;
        } else if (const auto n = utf8_sequence_length(s, i); n > 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\\ufffd";
            ++i;
        }
    }
    out += '"';
}

/// Appends a number; NaN and infinities (no JSON form) as null, as
/// finite_or_null() does. fmt writes the shortest text that reads back as
/// the same double.
inline void append_json_number(std::string& out, double v) {
    if (std::isfinite(v)) {
        char text[32];  // the shortest round-trip form of a double fits in 24
        out.append(text, fmt::format_to(text, FMT_COMPILE("{}"), v));
    } else {
        out += "null";
    }
}

/// Appends an unsigned integer in decimal.
inline void append_uint(std::string& out, std::uint64_t v) {
    const fmt::format_int text(v);
    out.append(text.data(), text.size());
}

/// Appends `"` + 16 lower-case hex digits + `"` (seeds and hashes).
inline void append_hex64_string(std::string& out, std::uint64_t v) {
    char text[18];
    text[0] = text[17] = '"';
    for (int k = 16; k >= 1; --k, v >>= 4) text[k] = "0123456789abcdef"[v & 0xF];
    out.append(text, sizeof text);
}

/// Appends `"key":`.
inline void append_json_key(std::string& out, std::string_view key) {
    out += '"';
    out += key;
    out += "\":";
}

inline void append_fitness_json(std::string& out, const Fitness& f) {
    out += '{';
    if (!f.metrics.empty()) {
        append_json_key(out, "metrics");
        out += '{';
        bool first = true;
        for (const auto& metric : f.metrics) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, metric.name);
            out += ':';
            append_json_number(out, metric.value);
        }
        out += "},";
    }
    if (!f.objectives.empty()) {
        append_json_key(out, "objectives");
        out += '[';
        for (std::size_t i = 0; i < f.objectives.size(); ++i) {
            if (i > 0) out += ',';
            append_json_number(out, f.objectives[i]);
        }
        out += "],";
    }
    if (!f.reason.empty()) {
        append_json_key(out, "reason");
        append_json_string(out, f.reason);
        out += ',';
    }
    append_json_key(out, "score");
    append_json_number(out, f.score);
    out += ',';
    append_json_key(out, "status");
    append_json_string(out, to_string(f.status));
    out += '}';
}

}  // namespace detail

namespace detail {

inline bool is_plain_json_text(std::string_view s) noexcept { return next_special_json_byte(s, 0) == s.size(); }

// True when every genome of `space` has a text a JSON string holds as it is:
// a layer genome's text is its space's names and choices, numbers and
// separators, so it is when those names are. Other genome types: false
// (their text is escaped).
template <class G>
bool genome_text_is_plain(const space_of<G>& space) {
    if constexpr (std::is_same_v<G, Genome<LayerGene>>) {
        const auto plain_spec = [](const ParamSpec& p) {
            if (!is_plain_json_text(p.name)) return false;
            for (const auto& c : p.choices) {
                if (!is_plain_json_text(c)) return false;
            }
            return true;
        };
        for (const auto& type : space.layer_types()) {
            if (!is_plain_json_text(type.name)) return false;
            for (const auto& p : type.params) {
                if (!plain_spec(p)) return false;
            }
        }
        for (const auto& g : space.globals()) {
            if (!plain_spec(g)) return false;
        }
        return true;
    } else {
        return false;
    }
}

// The job's genome as a JSON string (text notation, escaped). `plain`
// (genome_text_is_plain of the space): written straight in, no escaping
// pass.
template <class G>
void append_genome_json(std::string& out, const G& genome, const space_of<G>& space, std::string& scratch,
                        bool plain = false) {
    if (plain) {
        out += '"';
        append_genome_text(out, genome, space);
        out += '"';
        return;
    }
    scratch.clear();
    append_genome_text(scratch, genome, space);
    append_json_string(out, scratch);
}

// Where a dispatched line's parts are (bytes from its start): a job line
// is that line with the result's fields put in at these two places.
struct DispatchedMarks {
    std::size_t after_cursor = 0;  // just after the "cursor" object
    std::size_t before_type = 0;   // at ",\"type\":\"dispatched\""
};

// The fields of a job line, or of a dispatched line (record == nullptr), in
// nlohmann's (sorted) key order. `marks`: where a dispatched line's parts
// are, for append_job_line_from_dispatched(). `plain_genome`: as
// append_genome_json's `plain`.
template <class G>
void append_job_line(std::string& out, const Job<G>& job, const JobRecord<G>* r, const space_of<G>& space,
                     std::string& scratch, DispatchedMarks* marks = nullptr, bool plain_genome = false) {
    using namespace std::string_view_literals;  // literals appended with no strlen each
    const auto start = out.size();
    out += '{';
    if (job.attempt > 1) {
        append_json_key(out, "attempt");
        append_uint(out, job.attempt);
        out += ',';
    }
    if (!job.check_note.empty()) {
        append_json_key(out, "check");
        append_json_string(out, job.check_note);
        out += ',';
    }
    const auto& c = job.cursor;
    out += "\"cursor\":{\"duplicates\":"sv;
    append_uint(out, c.duplicates);
    out += ",\"initial_proposed\":"sv;
    append_uint(out, c.initial_proposed);
    out += ",\"proposed\":"sv;
    append_uint(out, c.proposed);
    out += ",\"rng\":"sv;
    append_json_string(out, c.rng);
    out += ",\"seeds_used\":"sv;
    append_uint(out, c.seeds_used);
    out += ",\"seq\":"sv;
    append_uint(out, c.seq);
    out += '}';
    if (marks) marks->after_cursor = out.size() - start;
    if (r) {
        out += ",\"end\":"sv;
        append_json_number(out, r->work.finished);
        out += ",\"fitness\":"sv;
        append_fitness_json(out, r->fitness);
    }
    out += ",\"genome\":"sv;
    append_genome_json(out, job.genome, space, scratch, plain_genome);
    out += ",\"hash\":"sv;
    append_hex64_string(out, job.hash);
    out += ",\"id\":"sv;
    append_uint(out, job.id);
    out += ",\"island\":"sv;
    append_uint(out, job.island);
    out += ",\"op\":"sv;
    append_json_string(out, job.op);
    out += ",\"origin\":"sv;
    append_json_string(out, to_string(job.origin));
    out += ",\"parents\":["sv;
    for (std::size_t i = 0; i < job.parents.size(); ++i) {
        if (i > 0) out += ',';
        append_uint(out, job.parents[i]);
    }
    out += ']';
    if (job.predicted.screened()) {
        out += ",\"predicted\":{\"candidates\":"sv;
        append_uint(out, job.predicted.candidates);
        out += ",\"mean\":"sv;
        append_json_number(out, job.predicted.mean);
        out += ",\"spread\":"sv;
        append_json_number(out, job.predicted.spread);
        out += '}';
    }
    out += ",\"seed\":"sv;
    append_hex64_string(out, job.seed);
    if (r) {
        out += ",\"start\":"sv;
        append_json_number(out, r->work.started);
        out += r->trained ? ",\"trained\":true" : ",\"trained\":false";
        out += ",\"type\":\"job\",\"worker\":"sv;
        append_uint(out, r->work.worker);
        out += "}\n"sv;
    } else {
        if (marks) marks->before_type = out.size() - start;
        out += ",\"type\":\"dispatched\"}\n"sv;
    }
}

// The job line of a job whose dispatched line is `dispatched` (written by
// append_job_line with `marks`), finished with `fitness`, `work` and
// `trained`: the job's own fields are copied from that line, not formatted
// again. The same bytes as append_job_line() with the record.
inline void append_job_line_from_dispatched(std::string& out, std::string_view dispatched,
                                            const DispatchedMarks& marks, const Fitness& fitness,
                                            const WorkInfo& work, bool trained) {
    using namespace std::string_view_literals;
    out += dispatched.substr(0, marks.after_cursor);
    out += ",\"end\":"sv;
    append_json_number(out, work.finished);
    out += ",\"fitness\":"sv;
    append_fitness_json(out, fitness);
    out += dispatched.substr(marks.after_cursor, marks.before_type - marks.after_cursor);
    out += ",\"start\":"sv;
    append_json_number(out, work.started);
    out += trained ? ",\"trained\":true"sv : ",\"trained\":false"sv;
    out += ",\"type\":\"job\",\"worker\":"sv;
    append_uint(out, work.worker);
    out += "}\n"sv;
}

}  // namespace detail

/// Appends one lineage job line to `out`: the fields of record_to_json()
/// plus `"type":"job"`, in nlohmann's (sorted) key order, and a newline.
/// Metrics with the same name are all written; a reader keeps the last, as
/// record_to_json() does. `scratch` holds the genome's text on the way (a
/// caller writing many lines keeps one, so nothing is allocated per line).
/// Reentrant: touches nothing but `out` and `scratch`.
template <class G>
void append_record_line(std::string& out, const JobRecord<G>& r, const space_of<G>& space, std::string& scratch) {
    detail::append_job_line<G>(out, r.job, &r, space, scratch);
}

/// Appends one lineage "dispatched" line to `out`: the fields of
/// job_to_json() plus `"type":"dispatched"`, sorted, and a newline; written
/// when a job goes to a worker, so a resume can send it again.
template <class G>
void append_dispatched_line(std::string& out, const Job<G>& job, const space_of<G>& space, std::string& scratch) {
    detail::append_job_line<G>(out, job, nullptr, space, scratch);
}

/// append_record_line() with a scratch string of its own.
template <class G>
void append_record_line(std::string& out, const JobRecord<G>& r, const space_of<G>& space) {
    std::string scratch;
    append_record_line(out, r, space, scratch);
}

}  // namespace evonas
