// evonas examples: a genome of your own. A small DAG cell, as in cell-based
// architecture search (NASNet, DARTS), evolved by the same engine, drivers
// and run files as the library's layer genome, through one customisation
// point: the specialisation of evonas::genome_traits<DagGenome> at the end
// of this file.
//
// A cell is a directed acyclic graph on one tensor shape [batch, channels,
// length]. Node 0 is the cell's input; nodes n1, n2, ... follow in
// topological order, each an operation applied to the sum of one or more
// earlier nodes. The cell's output combines the nodes no other node
// consumes (the sum, or a concatenation projected back to `channels`).
// Global genes: the channel count (a choice) and the learning rate (a
// log-scaled real). Its text, one line:
//
//     n1=conv3(0) n2=maxpool3(0,1) n3=skip(2) ; channels=32 lr=0.003
//
// Core only (no LibTorch): dag_trainer.hpp builds and trains the network a
// cell describes; tests/core/test_user_genome.cpp tests this file with a
// cheap analytic trainer.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/options.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/random.hpp>

namespace evonas::examples::dag {

// ---- operations ---------------------------------------------------------------

/// What a node computes (every one keeps the shape [batch, channels, length]).
enum class DagOp : std::uint8_t {
    conv3,       ///< convolution, kernel 3, batch norm, ReLU
    conv5,       ///< convolution, kernel 5, batch norm, ReLU
    maxpool3,    ///< max pooling, window 3, stride 1
    avgpool3,    ///< average pooling, window 3, stride 1
    skip,        ///< identity: the node passes on the sum of its inputs
    relu_conv1,  ///< ReLU, 1x1 convolution, batch norm
};

/// Every operation, in the order the default space lists them.
inline constexpr std::array<DagOp, 6> all_dag_ops{DagOp::conv3,    DagOp::conv5, DagOp::maxpool3,
                                                  DagOp::avgpool3, DagOp::skip,  DagOp::relu_conv1};

/// The operation's name in the text notation and the JSON space.
inline constexpr std::string_view op_name(DagOp op) noexcept {
    switch (op) {
        case DagOp::conv3: return "conv3";
        case DagOp::conv5: return "conv5";
        case DagOp::maxpool3: return "maxpool3";
        case DagOp::avgpool3: return "avgpool3";
        case DagOp::skip: return "skip";
        case DagOp::relu_conv1: return "relu_conv1";
    }
    return "?";
}

/// The operation called `name`, if any.
inline std::optional<DagOp> op_from_name(std::string_view name) noexcept {
    for (auto op : all_dag_ops) {
        if (op_name(op) == name) return op;
    }
    return std::nullopt;
}

/// How the cell's output combines the nodes nobody consumes.
enum class CellOutput : std::uint8_t {
    sum,     ///< their sum
    concat,  ///< concatenated along channels, then a 1x1 convolution back to `channels`
};

/// "sum" or "concat".
inline constexpr std::string_view to_string(CellOutput o) noexcept { return o == CellOutput::sum ? "sum" : "concat"; }

// ---- the genome -----------------------------------------------------------------

/// One node: an operation on the sum of its inputs. Inputs are node ids
/// (0 = the cell input, k = node nk), all earlier than the node itself,
/// ascending and without repeats: one canonical form per graph, so equal
/// cells compare (and hash) equal and the duplicate index sees twins.
struct DagNode {
    DagOp op = DagOp::conv3;            ///< what the node computes
    std::vector<std::size_t> inputs;    ///< earlier node ids, ascending, distinct, at least one

    friend bool operator==(const DagNode&, const DagNode&) = default;
};

/// A DAG cell: nodes n1..nN in topological order (nodes[k - 1] is nk) plus
/// the global genes. A plain value: copyable, comparable, no space inside
/// (the space is a separate object, as genome_traits expects).
struct DagGenome {
    std::vector<DagNode> nodes;   ///< n1, n2, ... (acyclic by construction: inputs are earlier ids)
    std::int64_t channels = 16;   ///< channels of every node (one of DagSpace::channels)
    double lr = 0.01;             ///< learning rate (in [DagSpace::lr_min, lr_max])

    friend bool operator==(const DagGenome&, const DagGenome&) = default;

    /// Number of nodes besides the input.
    std::size_t size() const noexcept { return nodes.size(); }

    /// The ids of the nodes no other node consumes, ascending: the cell's
    /// output combines them. The last node is always one.
    std::vector<std::size_t> outputs() const {
        std::vector<bool> consumed(nodes.size() + 1, false);
        for (const auto& n : nodes) {
            for (auto i : n.inputs) {
                if (i < consumed.size()) consumed[i] = true;
            }
        }
        std::vector<std::size_t> out;
        for (std::size_t k = 1; k <= nodes.size(); ++k) {
            if (!consumed[k]) out.push_back(k);
        }
        return out;
    }

    /// Operations on the longest path from the input to the output.
    std::size_t depth() const {
        std::vector<std::size_t> d(nodes.size() + 1, 0);
        std::size_t deepest = 0;
        for (std::size_t k = 1; k <= nodes.size(); ++k) {
            for (auto i : nodes[k - 1].inputs) {
                if (i < k) d[k] = std::max(d[k], d[i] + 1);
            }
            deepest = std::max(deepest, d[k]);
        }
        return deepest;
    }
};

// ---- the search space ---------------------------------------------------------

/// What a cell may look like. Plain data; validate() says what is wrong.
struct DagSpace {
    std::size_t min_nodes = 2;                               ///< nodes besides the input, at least
    std::size_t max_nodes = 6;                               ///< and at most (<= 32)
    std::vector<DagOp> ops{all_dag_ops.begin(), all_dag_ops.end()};  ///< operations allowed
    std::size_t max_inputs = 2;                              ///< inputs per node, 1 to 4
    std::vector<std::int64_t> channels{8, 16, 32};          ///< channel choices, ascending
    double lr_min = 1e-3;                                    ///< learning rate range (log-scaled)
    double lr_max = 0.3;
    CellOutput output = CellOutput::sum;                     ///< how the cell's output is formed

    /// True when `op` is allowed.
    bool allows(DagOp op) const noexcept { return std::find(ops.begin(), ops.end(), op) != ops.end(); }

    /// Throws ConfigError("DagSpace.<field>", ...) for a space no genome
    /// could live in, or one the operators could not move in.
    void validate() const {
        const auto fail = [](std::string_view field, const std::string& problem) {
            throw ConfigError(fmt::format("DagSpace.{}", field), problem);
        };
        if (min_nodes < 1) fail("min_nodes", "must be at least 1, got 0");
        if (max_nodes < min_nodes) {
            fail("max_nodes", fmt::format("({}) is smaller than min_nodes ({})", max_nodes, min_nodes));
        }
        if (max_nodes > 32) fail("max_nodes", fmt::format("must be at most 32, got {}", max_nodes));
        if (ops.empty()) fail("ops", "must allow at least one operation");
        for (std::size_t i = 0; i < ops.size(); ++i) {
            if (!op_from_name(op_name(ops[i]))) fail("ops", fmt::format("entry {} is not an operation", i));
            if (std::find(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(i), ops[i]) !=
                ops.begin() + static_cast<std::ptrdiff_t>(i)) {
                fail("ops", fmt::format("'{}' is listed twice", op_name(ops[i])));
            }
        }
        if (max_inputs < 1 || max_inputs > 4) fail("max_inputs", fmt::format("must be 1 to 4, got {}", max_inputs));
        if (channels.empty()) fail("channels", "must offer at least one channel count");
        for (std::size_t i = 0; i < channels.size(); ++i) {
            if (channels[i] < 1 || channels[i] > 4096) {
                fail("channels", fmt::format("entry {} must be 1 to 4096, got {}", i, channels[i]));
            }
            // Ascending, so "change channels" can step to a neighbouring choice.
            if (i > 0 && channels[i] <= channels[i - 1]) {
                fail("channels", fmt::format("must be ascending without repeats, got {} after {}", channels[i],
                                             channels[i - 1]));
            }
        }
        if (!(std::isfinite(lr_min) && lr_min > 0.0)) fail("lr_min", fmt::format("must be a positive number, got {}", lr_min));
        if (!(std::isfinite(lr_max) && lr_max >= lr_min)) {
            fail("lr_max", fmt::format("must be a number >= lr_min ({}), got {}", lr_min, lr_max));
        }
        if (output != CellOutput::sum && output != CellOutput::concat) fail("output", "must be sum or concat");
    }
};

/// "" when `g` is valid in `space`, else the first problem, naming the node.
inline std::string dag_problem(const DagGenome& g, const DagSpace& space) {
    if (g.nodes.size() < space.min_nodes || g.nodes.size() > space.max_nodes) {
        return fmt::format("the cell has {} nodes; the space allows {} to {}", g.nodes.size(), space.min_nodes,
                           space.max_nodes);
    }
    for (std::size_t k = 1; k <= g.nodes.size(); ++k) {
        const auto& n = g.nodes[k - 1];
        if (!space.allows(n.op)) return fmt::format("n{}: operation '{}' is not allowed in the space", k, op_name(n.op));
        if (n.inputs.empty()) return fmt::format("n{}: has no input", k);
        if (n.inputs.size() > space.max_inputs) {
            return fmt::format("n{}: has {} inputs; the space allows {}", k, n.inputs.size(), space.max_inputs);
        }
        for (std::size_t j = 0; j < n.inputs.size(); ++j) {
            // Inputs are earlier nodes: this is what keeps the graph acyclic.
            if (n.inputs[j] >= k) return fmt::format("n{}: input {} is not an earlier node", k, n.inputs[j]);
            if (j > 0 && n.inputs[j] <= n.inputs[j - 1]) {
                return fmt::format("n{}: inputs must be ascending without repeats", k);
            }
        }
    }
    if (std::find(space.channels.begin(), space.channels.end(), g.channels) == space.channels.end()) {
        return fmt::format("channels={} is not one of the space's choices", g.channels);
    }
    if (!(std::isfinite(g.lr) && g.lr >= space.lr_min && g.lr <= space.lr_max)) {
        return fmt::format("lr={} is outside [{}, {}]", g.lr, space.lr_min, space.lr_max);
    }
    return {};
}

namespace detail {

/// A learning rate kept to 3 significant digits, within the space's range:
/// drawn and mutated values stay short in the text and read back exactly.
inline double round_lr(double lr, const DagSpace& space) {
    const auto text = fmt::format("{:.3g}", lr);
    double rounded = lr;
    std::from_chars(text.data(), text.data() + text.size(), rounded);
    return std::clamp(rounded, space.lr_min, space.lr_max);
}

/// `count` distinct node ids drawn from [0, below), ascending.
inline std::vector<std::size_t> draw_inputs(std::size_t below, std::size_t count, Rng& rng) {
    std::vector<std::size_t> pool(below);
    for (std::size_t i = 0; i < below; ++i) pool[i] = i;
    for (std::size_t i = 0; i < count; ++i) std::swap(pool[i], pool[i + rng.index(below - i)]);
    pool.resize(count);
    std::sort(pool.begin(), pool.end());
    return pool;
}

/// A random node that may read from ids [0, below).
inline DagNode random_node(std::size_t below, const DagSpace& space, Rng& rng) {
    DagNode n;
    n.op = space.ops[rng.index(space.ops.size())];
    const auto most = std::min(space.max_inputs, below);
    n.inputs = draw_inputs(below, 1 + rng.index(most), rng);
    return n;
}

inline void sort_unique(std::vector<std::size_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace detail

/// A random cell valid in `space` (which it validates first): a node count,
/// then each node's operation and 1..max_inputs distinct earlier inputs,
/// a channel choice and a log-uniform learning rate.
inline DagGenome random_dag(const DagSpace& space, Rng& rng) {
    space.validate();
    DagGenome g;
    const auto n = space.min_nodes + rng.index(space.max_nodes - space.min_nodes + 1);
    for (std::size_t k = 1; k <= n; ++k) g.nodes.push_back(detail::random_node(k, space, rng));
    g.channels = space.channels[rng.index(space.channels.size())];
    // Log-uniform: lr = lr_min * (lr_max / lr_min)^u.
    g.lr = detail::round_lr(space.lr_min * std::pow(space.lr_max / space.lr_min, rng.uniform()), space);
    return g;
}

// ---- text ---------------------------------------------------------------------

/// The canonical one-line text: "n1=conv3(0) n2=maxpool3(0,1) ; channels=32 lr=0.003".
/// The learning rate is written in the shortest form that reads back to the
/// same double, so from_text(to_text(g)) == g exactly.
inline std::string dag_to_text(const DagGenome& g) {
    std::string out;
    for (std::size_t k = 1; k <= g.nodes.size(); ++k) {
        const auto& n = g.nodes[k - 1];
        fmt::format_to(std::back_inserter(out), "n{}={}(", k, op_name(n.op));
        for (std::size_t j = 0; j < n.inputs.size(); ++j) {
            fmt::format_to(std::back_inserter(out), "{}{}", j ? "," : "", n.inputs[j]);
        }
        out += ") ";
    }
    fmt::format_to(std::back_inserter(out), "; channels={} lr={}", g.channels, g.lr);
    return out;
}

namespace detail {

/// Reads the text notation; every error is a ParseError naming `where` and
/// the column. Whitespace between tokens is free; nodes are numbered n1,
/// n2, ... in order; the global genes follow ';' in any order, each once.
class DagTextParser {
public:
    DagTextParser(std::string_view text, const DagSpace& space, std::string where)
        : text_(text), space_(space), where_(std::move(where)) {}

    DagGenome parse() {
        DagGenome g;
        skip_space();
        while (pos_ < text_.size() && text_[pos_] != ';') g.nodes.push_back(node(g.nodes.size() + 1));
        if (g.nodes.empty()) fail(pos_, "expected a node such as n1=conv3(0)");
        if (!eat(';')) fail(pos_, "expected ';' and the global genes (channels=... lr=...)");
        bool has_channels = false, has_lr = false;
        for (skip_space(); pos_ < text_.size(); skip_space()) {
            const auto at = pos_;
            const auto key = word();
            if (key.empty()) fail(at, "expected a global gene such as channels=32");
            expect('=');
            if (key == "channels") {
                if (has_channels) fail(at, "channels is given twice");
                has_channels = true;
                const auto value_at = pos_;
                g.channels = static_cast<std::int64_t>(integer());
                if (std::find(space_.channels.begin(), space_.channels.end(), g.channels) == space_.channels.end()) {
                    fail(value_at, fmt::format("channels={} is not one of the space's choices ({})", g.channels,
                                               fmt::join(space_.channels, ", ")));
                }
            } else if (key == "lr") {
                if (has_lr) fail(at, "lr is given twice");
                has_lr = true;
                g.lr = real(at);
            } else {
                fail(at, fmt::format("unknown global gene '{}' (expected channels or lr)", key));
            }
        }
        if (!has_channels) fail(pos_, "missing channels=...");
        if (!has_lr) fail(pos_, "missing lr=...");
        if (g.nodes.size() < space_.min_nodes || g.nodes.size() > space_.max_nodes) {
            fail(0, fmt::format("the cell has {} nodes; the space allows {} to {}", g.nodes.size(), space_.min_nodes,
                                space_.max_nodes));
        }
        if (auto problem = dag_problem(g, space_); !problem.empty()) fail(0, problem);  // a safety net
        return g;
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& problem) const {
        throw ParseError(where_, 1, at + 1, problem);
    }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }

    bool eat(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            skip_space();
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!eat(c)) fail(pos_, fmt::format("expected '{}'", c));
    }

    std::string_view word() {
        const auto start = pos_;
        while (pos_ < text_.size() && ((text_[pos_] >= 'a' && text_[pos_] <= 'z') ||
                                       (text_[pos_] >= '0' && text_[pos_] <= '9') || text_[pos_] == '_')) {
            ++pos_;
        }
        return text_.substr(start, pos_ - start);
    }

    std::size_t integer() {
        const auto start = pos_;
        std::size_t value = 0;
        const auto [end, error] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
        if (error != std::errc{} || end == text_.data() + start) fail(start, "expected a whole number");
        pos_ = static_cast<std::size_t>(end - text_.data());
        return value;
    }

    double real(std::size_t key_at) {
        const auto start = pos_;
        double value = 0.0;
        const auto [end, error] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
        if (error != std::errc{} || end == text_.data() + start) fail(start, "expected a number");
        pos_ = static_cast<std::size_t>(end - text_.data());
        if (!(std::isfinite(value) && value >= space_.lr_min && value <= space_.lr_max)) {
            fail(key_at, fmt::format("lr={} is outside the space's range [{}, {}]", value, space_.lr_min,
                                     space_.lr_max));
        }
        return value;
    }

    // nK=op(i,j,...)
    DagNode node(std::size_t k) {
        const auto at = pos_;
        if (pos_ >= text_.size() || text_[pos_] != 'n') fail(at, fmt::format("expected node n{}", k));
        ++pos_;
        const auto id_at = pos_;
        if (integer() != k) fail(id_at, fmt::format("expected node n{} (nodes are numbered in order from n1)", k));
        expect('=');
        const auto op_at = pos_;
        const auto name = word();
        const auto op = op_from_name(name);
        if (!op) {
            std::vector<std::string_view> names;
            for (auto o : all_dag_ops) names.push_back(op_name(o));
            fail(op_at, fmt::format("unknown operation '{}' (expected one of {})", name, fmt::join(names, ", ")));
        }
        if (!space_.allows(*op)) fail(op_at, fmt::format("operation '{}' is not allowed in the space", name));
        DagNode n;
        n.op = *op;
        expect('(');
        do {
            const auto input_at = pos_;
            const auto i = integer();
            // Earlier nodes only: the text cannot describe a cycle.
            if (i >= k) {
                fail(input_at, fmt::format("n{} reads {}, which is not an earlier node (0 is the cell input{})", k, i,
                                           k > 1 ? fmt::format(", then n1..n{}", k - 1) : std::string()));
            }
            if (!n.inputs.empty() && i <= n.inputs.back()) {
                fail(input_at, fmt::format("the inputs of n{} must be ascending without repeats", k));
            }
            n.inputs.push_back(i);
            skip_space();
        } while (eat(','));
        if (n.inputs.size() > space_.max_inputs) {
            fail(at, fmt::format("n{} has {} inputs; the space allows {}", k, n.inputs.size(), space_.max_inputs));
        }
        expect(')');
        return n;
    }

    std::string_view text_;
    const DagSpace& space_;
    std::string where_;
    std::size_t pos_ = 0;
};

}  // namespace detail

/// Reads a cell's text (dag_to_text's, or written by hand with any spacing).
/// Throws ParseError naming `where` and the column for bad text or a cell
/// outside `space`.
inline DagGenome dag_from_text(std::string_view text, const DagSpace& space, const std::string& where = "dag cell") {
    return detail::DagTextParser(text, space, where).parse();
}

/// A stable 64-bit hash of the cell (the same on every machine and run):
/// operation names, inputs, channels and the learning rate's bits. The
/// engine hashes every child it breeds (duplicate detection), so this
/// walks the structure instead of formatting the text.
inline std::uint64_t dag_hash(const DagGenome& g) {
    std::uint64_t state = 0x6461675F63656C6CULL;  // "dag_cell"
    const auto add = [&state](std::uint64_t word) {
        std::uint64_t s = state ^ word;
        state = splitmix64(s);  // a full 64-bit mix per word
    };
    add(g.nodes.size());
    for (const auto& n : g.nodes) {
        std::uint64_t name = 0;  // the name, not the enum value: reordering the enum keeps hashes
        const auto text = op_name(n.op);
        for (std::size_t c = 0; c < text.size() && c < 8; ++c) name |= std::uint64_t(std::uint8_t(text[c])) << (8 * c);
        add(name);
        add(text.size());
        add(n.inputs.size());
        for (auto i : n.inputs) add(i);
    }
    add(static_cast<std::uint64_t>(g.channels));
    add(std::bit_cast<std::uint64_t>(g.lr == 0.0 ? 0.0 : g.lr));  // -0.0 and 0.0 alike
    return state;
}

/// The space as JSON (run.json records it: a resume with another space is refused).
inline nlohmann::json dag_space_to_json(const DagSpace& space) {
    std::vector<std::string> ops;
    for (auto op : space.ops) ops.emplace_back(op_name(op));
    return {{"type", "dag_cell"},          {"min_nodes", space.min_nodes}, {"max_nodes", space.max_nodes},
            {"ops", ops},                  {"max_inputs", space.max_inputs}, {"channels", space.channels},
            {"lr", {space.lr_min, space.lr_max}}, {"output", std::string(to_string(space.output))}};
}

// ---- mutations ------------------------------------------------------------------
//
// Each takes a valid cell and leaves it valid. It returns false when it
// does not apply to this cell (nothing changed), so the mix can try another.

/// Gives one node another allowed operation.
struct ChangeOp {
    std::string_view name() const noexcept { return "change_op"; }
    bool operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        if (space.ops.size() < 2 || g.nodes.empty()) return false;
        auto& n = g.nodes[rng.index(g.nodes.size())];
        const auto current = static_cast<std::size_t>(std::find(space.ops.begin(), space.ops.end(), n.op) - space.ops.begin());
        auto pick = rng.index(space.ops.size() - 1);
        if (pick >= current) ++pick;  // any other operation, uniformly
        n.op = space.ops[pick];
        return true;
    }
};

/// Moves one edge: a node reads another earlier node instead of one of its inputs.
struct Rewire {
    std::string_view name() const noexcept { return "rewire"; }
    bool operator()(DagGenome& g, const DagSpace&, Rng& rng) const {
        std::vector<std::size_t> movable;  // nodes with an earlier node they do not read yet
        for (std::size_t k = 1; k <= g.nodes.size(); ++k) {
            if (g.nodes[k - 1].inputs.size() < k) movable.push_back(k);
        }
        if (movable.empty()) return false;
        const auto k = movable[rng.index(movable.size())];
        auto& inputs = g.nodes[k - 1].inputs;
        std::vector<std::size_t> free;
        for (std::size_t i = 0; i < k; ++i) {
            if (std::find(inputs.begin(), inputs.end(), i) == inputs.end()) free.push_back(i);
        }
        inputs[rng.index(inputs.size())] = free[rng.index(free.size())];
        std::sort(inputs.begin(), inputs.end());
        return true;
    }
};

/// Adds an input to a node that has room for one.
struct AddEdge {
    std::string_view name() const noexcept { return "add_edge"; }
    bool operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        std::vector<std::size_t> open;
        for (std::size_t k = 1; k <= g.nodes.size(); ++k) {
            if (g.nodes[k - 1].inputs.size() < std::min(space.max_inputs, k)) open.push_back(k);
        }
        if (open.empty()) return false;
        const auto k = open[rng.index(open.size())];
        auto& inputs = g.nodes[k - 1].inputs;
        std::vector<std::size_t> free;
        for (std::size_t i = 0; i < k; ++i) {
            if (std::find(inputs.begin(), inputs.end(), i) == inputs.end()) free.push_back(i);
        }
        inputs.push_back(free[rng.index(free.size())]);
        std::sort(inputs.begin(), inputs.end());
        return true;
    }
};

/// Drops one input of a node that has several (a node it read from may
/// become an output of the cell: nothing is ever left dangling).
struct RemoveEdge {
    std::string_view name() const noexcept { return "remove_edge"; }
    bool operator()(DagGenome& g, const DagSpace&, Rng& rng) const {
        std::vector<std::size_t> several;
        for (std::size_t k = 1; k <= g.nodes.size(); ++k) {
            if (g.nodes[k - 1].inputs.size() >= 2) several.push_back(k);
        }
        if (several.empty()) return false;
        auto& inputs = g.nodes[several[rng.index(several.size())] - 1].inputs;
        inputs.erase(inputs.begin() + static_cast<std::ptrdiff_t>(rng.index(inputs.size())));
        return true;
    }
};

/// Inserts a random node at a random place; later ids shift up by one. Half
/// of the time a later node is rewired to read it, so the new node does
/// not always end up as just another output.
struct AddNode {
    std::string_view name() const noexcept { return "add_node"; }
    bool operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        if (g.nodes.size() >= space.max_nodes) return false;
        const auto p = 1 + rng.index(g.nodes.size() + 1);  // the new node's id
        for (std::size_t k = p; k <= g.nodes.size(); ++k) {
            for (auto& i : g.nodes[k - 1].inputs) {
                if (i >= p) ++i;
            }
        }
        g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(p - 1), detail::random_node(p, space, rng));
        if (p < g.nodes.size() && rng.chance(0.5)) {
            auto& inputs = g.nodes[p + rng.index(g.nodes.size() - p)].inputs;  // a node after p
            if (inputs.size() < space.max_inputs) inputs.push_back(p);
            else inputs[rng.index(inputs.size())] = p;
            detail::sort_unique(inputs);
        }
        return true;
    }
};

/// Removes a node; the nodes that read it read its inputs instead (trimmed
/// to max_inputs at random), and later ids shift down by one.
struct RemoveNode {
    std::string_view name() const noexcept { return "remove_node"; }
    bool operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        if (g.nodes.size() <= space.min_nodes) return false;
        const auto p = 1 + rng.index(g.nodes.size());
        const auto bypass = g.nodes[p - 1].inputs;  // all earlier than p
        g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(p - 1));
        for (std::size_t k = p; k <= g.nodes.size(); ++k) {
            auto& inputs = g.nodes[k - 1].inputs;
            std::vector<std::size_t> next;
            for (auto i : inputs) {
                if (i == p) next.insert(next.end(), bypass.begin(), bypass.end());
                else next.push_back(i > p ? i - 1 : i);
            }
            detail::sort_unique(next);
            while (next.size() > space.max_inputs) next.erase(next.begin() + static_cast<std::ptrdiff_t>(rng.index(next.size())));
            inputs = std::move(next);
        }
        return true;
    }
};

/// Multiplies the learning rate by a factor in (1/sqrt(10), sqrt(10)),
/// peaked at 1, within the space's range.
struct PerturbLr {
    std::string_view name() const noexcept { return "perturb_lr"; }
    bool operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        const auto before = g.lr;
        g.lr = detail::round_lr(g.lr * std::pow(10.0, 0.5 * rng.triangular()), space);
        return g.lr != before;
    }
};

/// Steps the channel count to a neighbouring choice (the choices are ascending).
struct ChangeChannels {
    std::string_view name() const noexcept { return "change_channels"; }
    bool operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        const auto& c = space.channels;
        if (c.size() < 2) return false;
        const auto i = static_cast<std::size_t>(std::find(c.begin(), c.end(), g.channels) - c.begin());
        if (i >= c.size()) return false;
        const bool up = i == 0 || (i + 1 < c.size() && rng.chance(0.5));
        g.channels = c[up ? i + 1 : i - 1];
        return true;
    }
};

/// A weighted mix: draws one mutation; when it does not apply, draws again
/// among the others. Returns the name of the one applied ("" when none
/// could), which the engine logs as "mutation:<name>".
class DagMutationMix {
public:
    using Fn = std::function<bool(DagGenome&, const DagSpace&, Rng&)>;

    /// Adds a mutation with its weight (> 0).
    DagMutationMix& add(std::string name, double weight, Fn mutation) {
        if (!(weight > 0.0)) throw ConfigError("DagMutationMix.weight", fmt::format("must be positive, got {}", weight));
        entries_.push_back({std::move(name), weight, std::move(mutation)});
        return *this;
    }

    /// The eight mutations above; structure changes weigh most.
    static DagMutationMix standard() {
        DagMutationMix mix;
        const auto with = [&mix](auto m, double weight) { mix.add(std::string(m.name()), weight, m); };
        with(ChangeOp{}, 2.0);
        with(Rewire{}, 2.0);
        with(AddEdge{}, 1.0);
        with(RemoveEdge{}, 1.0);
        with(AddNode{}, 1.5);
        with(RemoveNode{}, 1.0);
        with(PerturbLr{}, 1.0);
        with(ChangeChannels{}, 1.0);
        return mix;
    }

    /// The names, in the order added.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : entries_) out.push_back(e.name);
        return out;
    }

    std::string operator()(DagGenome& g, const DagSpace& space, Rng& rng) const {
        std::vector<double> weights;
        for (const auto& e : entries_) weights.push_back(e.weight);
        for (std::size_t tries = 0; tries < entries_.size(); ++tries) {
            const auto i = rng.weighted(weights);
            if (weights[i] <= 0.0) break;
            if (entries_[i].mutation(g, space, rng)) return entries_[i].name;
            weights[i] = 0.0;  // not applicable to this cell: try the others
        }
        return {};
    }

private:
    struct Entry {
        std::string name;
        double weight;
        Fn mutation;
    };
    std::vector<Entry> entries_;
};

// ---- crossover ------------------------------------------------------------------

/// Child = the first nodes of `a` followed by the last nodes of `b`. An edge
/// of b's part that pointed into b's dropped prefix is repaired to point at
/// the node with the same id in a's part (or a's last one), so every edge
/// still points to an earlier node. Both cut points are drawn so the child's
/// size is in the space's range; the global genes come from either parent.
struct PrefixSuffixCrossover {
    std::string_view name() const noexcept { return "prefix_suffix"; }
    DagGenome operator()(const DagGenome& a, const DagGenome& b, const DagSpace& space, Rng& rng) const {
        const auto na = static_cast<std::int64_t>(a.nodes.size()), nb = static_cast<std::int64_t>(b.nodes.size());
        const auto min = static_cast<std::int64_t>(space.min_nodes), max = static_cast<std::int64_t>(space.max_nodes);
        // Keep a's first `ca` nodes (1..na) and b's nodes after its first `cb`
        // (0..nb): the child has ca + nb - cb nodes, which must be in [min, max].
        const auto cb_range = [&](std::int64_t ca) {
            return std::pair{std::max<std::int64_t>(0, ca + nb - max), std::min(nb, ca + nb - min)};
        };
        std::vector<std::int64_t> cuts;
        for (std::int64_t ca = 1; ca <= na; ++ca) {
            if (const auto [lo, hi] = cb_range(ca); lo <= hi) cuts.push_back(ca);
        }
        if (cuts.empty()) return a;  // not with parents in the space: ca = na, cb = nb always fits
        const auto ca = static_cast<std::size_t>(cuts[rng.index(cuts.size())]);
        const auto [lo, hi] = cb_range(static_cast<std::int64_t>(ca));
        const auto cb = static_cast<std::size_t>(lo) + rng.index(static_cast<std::size_t>(hi - lo + 1));

        DagGenome child;
        child.nodes.assign(a.nodes.begin(), a.nodes.begin() + static_cast<std::ptrdiff_t>(ca));
        for (std::size_t j = cb; j < b.nodes.size(); ++j) {  // b's node n(j+1) becomes n(ca + j - cb + 1)
            DagNode n = b.nodes[j];
            for (auto& i : n.inputs) {
                if (i == 0) continue;                   // the cell input stays
                if (i > cb) i = ca + (i - cb);          // a node of b's part: shifted
                else i = std::min(i, ca);               // dropped by the cut: a's node in its place
            }
            detail::sort_unique(n.inputs);
            child.nodes.push_back(std::move(n));
        }
        child.channels = rng.chance(0.5) ? a.channels : b.channels;
        child.lr = rng.chance(0.5) ? a.lr : b.lr;
        return child;
    }
};

}  // namespace evonas::examples::dag

// ---- the customisation point --------------------------------------------------
//
// Everything the engine, the drivers and the run files need of DagGenome.
// Each member forwards to a function above, so the example's code stays
// usable without the traits.
template <>
struct evonas::genome_traits<evonas::examples::dag::DagGenome> {
    using genome_type = evonas::examples::dag::DagGenome;
    using space_type = evonas::examples::dag::DagSpace;

    /// "" when valid; the engine checks seeds with it.
    static std::string problem(const genome_type& g, const space_type& space) {
        return evonas::examples::dag::dag_problem(g, space);
    }
    /// Initial populations and random fallbacks.
    static genome_type random(const space_type& space, Rng& rng) { return evonas::examples::dag::random_dag(space, rng); }
    /// One line: the lineage log, checkpoints, best.txt and the MPI wire carry it.
    static std::string to_text(const genome_type& g, const space_type&) { return evonas::examples::dag::dag_to_text(g); }
    /// Reads to_text's line back (resume); ParseError names `where` and the column.
    static genome_type from_text(std::string_view text, const space_type& space,
                                 const std::string& where = "dag cell") {
        return evonas::examples::dag::dag_from_text(text, space, where);
    }
    /// run.json's record of the space: a resume with a different space is refused.
    static nlohmann::json space_to_json(const space_type& space) { return evonas::examples::dag::dag_space_to_json(space); }
    /// Optional: refuses a space no cell can live in when the model is built.
    static void validate_space(const space_type& space) { space.validate(); }
    /// Optional: a structural hash, cheaper than hashing the text.
    static std::uint64_t hash(const genome_type& g, const space_type&) { return evonas::examples::dag::dag_hash(g); }
    /// Optional: the mutation a run uses unless it is given one (both presets).
    static evonas::examples::dag::DagMutationMix default_mutation(const EvolutionOptions&) {
        return evonas::examples::dag::DagMutationMix::standard();
    }
    /// Optional: the crossover a run uses unless it is given one; logged as
    /// "crossover:prefix_suffix".
    static NamedCrossover<genome_type, space_type> default_crossover(const EvolutionOptions&) {
        return {evonas::examples::dag::PrefixSuffixCrossover{}, "prefix_suffix"};
    }
};
