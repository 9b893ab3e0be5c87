// SPDX-License-Identifier: BSD-3-Clause
// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel
// random numbers: as easy as 1, 2, 3", doi:10.1145/2063384.2063405). A draw is a pure
// function of (seed, stream, a, b): no generator state belongs to a thread, so results do
// not depend on the thread count. Streams name what is drawn (a population's initial V_m,
// a projection's connections, a Poisson generator's events, ...).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace neurotwin {

// The 4 x 32-bit output block of Philox4x32-10 for counter (c0..c3) and key (k0, k1).
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> ctr,
                                        std::array<std::uint32_t, 2> key);

// Stream id from a name (FNV-1a 64); stable across runs, platforms and versions.
std::uint64_t stream_id(std::string_view name);

// Keyed generator: one key per (seed, stream); counters (a, b) address independent blocks.
class counter_rng {
public:
    counter_rng(std::uint64_t seed, std::uint64_t stream);
    // Two uniform doubles in (0, 1) (53-bit resolution, never 0 or 1) from block (a, b).
    std::array<double, 2> uniform2(std::uint64_t a, std::uint64_t b) const;
    double uniform(std::uint64_t a, std::uint64_t b) const { return uniform2(a, b)[0]; }
    // Standard normal from block (a, b) (Box-Muller on the block's two uniforms).
    double normal(std::uint64_t a, std::uint64_t b) const;
    // Exponential with mean 1 from block (a, b).
    double exponential(std::uint64_t a, std::uint64_t b) const;

private:
    std::array<std::uint32_t, 2> key_;
};

}  // namespace neurotwin
