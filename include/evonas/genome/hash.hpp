// evonas: a stable 64-bit hash of a genome's canonical form.
//
// The hash reads what the canonical text shows (layer type names, parameter
// values, choice names, global genes) in a fixed byte order, never raw memory
// or pointer values, so it is the same on every run, machine and compiler.
// Two genomes with the same canonical text have the same hash.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

namespace detail {

/// A small, portable streaming hash (64-bit multiply-xorshift mixing).
class StableHasher {
public:
    void add(std::uint64_t word) noexcept {
        state_ = (state_ ^ mix(word + 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
        state_ ^= state_ >> 29;
    }
    void add(std::string_view text) noexcept {
        add(static_cast<std::uint64_t>(text.size()));
        // Bytes go in as little-endian words of eight, the last one padded
        // with zero bytes. A little-endian machine loads them whole (two
        // overlapping loads for a short tail give the same word); others
        // build them byte by byte. Names are short: this runs per gene.
        if constexpr (std::endian::native == std::endian::little) {
            const char* p = text.data();
            std::size_t n = text.size();
            for (; n >= 8; p += 8, n -= 8) {
                std::uint64_t whole = 0;
                std::memcpy(&whole, p, 8);
                add(whole);
            }
            if (n >= 4) {
                std::uint32_t low = 0, high = 0;
                std::memcpy(&low, p, 4);
                std::memcpy(&high, p + n - 4, 4);
                add(low | (static_cast<std::uint64_t>(high) << (8 * (n - 4))));
            } else if (n >= 2) {
                std::uint16_t low = 0, high = 0;
                std::memcpy(&low, p, 2);
                std::memcpy(&high, p + n - 2, 2);
                add(low | (static_cast<std::uint64_t>(high) << (8 * (n - 2))));
            } else if (n == 1) {
                add(static_cast<std::uint64_t>(static_cast<unsigned char>(*p)));
            }
        } else {
            std::uint64_t word = 0;
            int filled = 0;
            for (unsigned char c : text) {
                word |= static_cast<std::uint64_t>(c) << (8 * filled);
                if (++filled == 8) {
                    add(word);
                    word = 0;
                    filled = 0;
                }
            }
            if (filled > 0) add(word);
        }
    }
    void add_value(const ParamSpec& spec, double value) noexcept {
        switch (spec.kind) {
            case ParamKind::real:
            case ParamKind::log_real:
                add(std::bit_cast<std::uint64_t>(value == 0.0 ? 0.0 : value));
                break;
            case ParamKind::choice: {
                const auto i = static_cast<std::size_t>(value);
                if (i < spec.choices.size()) add(std::string_view(spec.choices[i]));
                else add(std::bit_cast<std::uint64_t>(value));
                break;
            }
            default: add(static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
        }
    }
    std::uint64_t digest() const noexcept { return mix(state_); }

private:
    static constexpr std::uint64_t mix(std::uint64_t z) noexcept {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t state_ = 0x243F6A8885A308D3ULL;
};

}  // namespace detail

/// Stable hash of `genome`'s canonical form in `space` (the genome must be
/// valid in the space). Equal canonical text gives equal hashes; used to
/// find identical networks so none is trained twice.
inline std::uint64_t genome_hash(const Genome<LayerGene>& genome, const SearchSpace& space) {
    detail::StableHasher h;
    h.add(static_cast<std::uint64_t>(genome.section_count()));
    for (const auto& section : genome.sections()) {
        h.add(static_cast<std::uint64_t>(section.size()));
        for (const auto& gene : section) {
            const auto& type = space.layer_type(gene.type);
            h.add(std::string_view(type.name));
            for (std::size_t p = 0; p < type.params.size(); ++p) {
                h.add_value(type.params[p], gene.values[p]);
            }
        }
    }
    const auto& globals = space.globals();
    for (std::size_t g = 0; g < globals.size() && g < genome.globals().size(); ++g) {
        h.add_value(globals[g], genome.globals()[g]);
    }
    return h.digest();
}

}  // namespace evonas
