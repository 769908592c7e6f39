// evonas: the duplicate index, every genome a run has sent to training:
// canonical hash -> job id, whether its result is in, status and score.
//
// A run of 500,000 jobs keeps all of them, so an entry is 24 bytes in one
// flat open-addressing table (linear probing, at most 3/4 full): about 32 to
// 64 bytes a job including the table's free slots, and no allocation per
// insert. The full Fitness of a job (metrics, reason) is in the lineage log;
// the index keeps what the engine decides with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <evonas/engine/fitness.hpp>

namespace evonas {

/// What the duplicate index knows of one genome.
struct SeenGenome {
    std::uint64_t id = 0;                      ///< the job that trained (or is training) it
    bool finished = false;                     ///< false while the job is in flight
    FitnessStatus status = FitnessStatus::ok;  ///< its result's status (finished only)
    double score = 0.0;                        ///< its result's score (finished and ok only)

    /// Every field equal.
    friend bool operator==(const SeenGenome&, const SeenGenome&) = default;
};

/// Canonical hash -> SeenGenome, compact. Thread safety: none (the engine's).
class DuplicateIndex {
public:
    /// The entry of `hash`, if any.
    std::optional<SeenGenome> find(std::uint64_t hash) const noexcept {
        if (slots_.empty()) return std::nullopt;
        const auto key = stored_key(hash);
        for (std::size_t i = home(key);; i = (i + 1) & mask()) {
            const auto& s = slots_[i];
            if (s.key == 0) return std::nullopt;
            if (s.key == key) return decode(s);
        }
    }

    /// True when `hash` has an entry.
    bool contains(std::uint64_t hash) const noexcept { return find(hash).has_value(); }

    /// Sets the entry of `hash` (adding it when new).
    void set(std::uint64_t hash, const SeenGenome& seen) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        const auto key = stored_key(hash);
        for (std::size_t i = home(key);; i = (i + 1) & mask()) {
            auto& s = slots_[i];
            if (s.key == 0) {
                ++size_;
                s = encode(key, seen);
                return;
            }
            if (s.key == key) {
                s = encode(key, seen);
                return;
            }
        }
    }

    /// Adds `hash` as in flight with job `id` unless it has an entry already.
    void add_in_flight(std::uint64_t hash, std::uint64_t id) {
        if (!contains(hash)) set(hash, SeenGenome{id, false, FitnessStatus::ok, 0.0});
    }

    /// Genomes in the index.
    std::size_t size() const noexcept { return size_; }
    /// Bytes the table holds (its slots, used or free).
    std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(Slot); }
    /// Removes every entry (the table keeps its capacity).
    void clear() {
        for (auto& s : slots_) s = Slot{};
        size_ = 0;
    }

    /// Calls f(hash, seen) for every entry, in table order.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& s : slots_) {
            if (s.key != 0) f(s.key == remapped_zero ? std::uint64_t{0} : s.key, decode(s));
        }
    }

private:
    // 24 bytes: the key (hash; 0 marks an empty slot, so a hash of 0 is
    // stored as remapped_zero), the id with the status and the finished flag
    // in its top bits, and the score.
    struct Slot {
        std::uint64_t key = 0;
        std::uint64_t id_bits = 0;
        double score = 0.0;
    };
    static constexpr std::uint64_t remapped_zero = 0x9E3779B97F4A7C15ULL;
    static constexpr int status_shift = 60;
    static constexpr std::uint64_t finished_bit = 1ULL << 63;
    static constexpr std::uint64_t id_mask = (1ULL << status_shift) - 1;

    static std::uint64_t stored_key(std::uint64_t hash) noexcept { return hash == 0 ? remapped_zero : hash; }
    std::size_t mask() const noexcept { return slots_.size() - 1; }
    std::size_t home(std::uint64_t key) const noexcept {
        // The hashes are already well mixed; fold the high bits in anyway.
        return static_cast<std::size_t>((key ^ (key >> 29)) & mask());
    }
    static Slot encode(std::uint64_t key, const SeenGenome& s) noexcept {
        return Slot{key,
                    (s.id & id_mask) | (static_cast<std::uint64_t>(s.status) << status_shift) |
                        (s.finished ? finished_bit : 0),
                    s.score};
    }
    static SeenGenome decode(const Slot& s) noexcept {
        return SeenGenome{s.id_bits & id_mask, (s.id_bits & finished_bit) != 0,
                          static_cast<FitnessStatus>((s.id_bits >> status_shift) & 7), s.score};
    }
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
        size_ = 0;
        for (const auto& s : old) {
            if (s.key == 0) continue;
            for (std::size_t i = home(s.key);; i = (i + 1) & mask()) {
                if (slots_[i].key == 0) {
                    slots_[i] = s;
                    ++size_;
                    break;
                }
            }
        }
    }

    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace evonas
