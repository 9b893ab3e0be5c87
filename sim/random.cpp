// SPDX-License-Identifier: BSD-3-Clause
#include "sim/random.hpp"

#include <cmath>
#include <numbers>

namespace neurotwin {

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> ctr,
                                        std::array<std::uint32_t, 2> key) {
    constexpr std::uint32_t M0 = 0xD2511F53u;
    constexpr std::uint32_t M1 = 0xCD9E8D57u;
    constexpr std::uint32_t W0 = 0x9E3779B9u;  // golden ratio
    constexpr std::uint32_t W1 = 0xBB67AE85u;  // sqrt(3) - 1
    for (int round = 0; round < 10; ++round) {
        const std::uint64_t p0 = std::uint64_t{M0} * ctr[0];
        const std::uint64_t p1 = std::uint64_t{M1} * ctr[2];
        const auto hi0 = static_cast<std::uint32_t>(p0 >> 32);
        const auto lo0 = static_cast<std::uint32_t>(p0);
        const auto hi1 = static_cast<std::uint32_t>(p1 >> 32);
        const auto lo1 = static_cast<std::uint32_t>(p1);
        ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
        key[0] += W0;
        key[1] += W1;
    }
    return ctr;
}

std::uint64_t stream_id(std::string_view name) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

counter_rng::counter_rng(std::uint64_t seed, std::uint64_t stream) {
    // Mix seed and stream into the 64-bit key with one Philox block, so that nearby seeds
    // and streams give unrelated keys.
    const auto k = philox4x32({static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32),
                               static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
                              {0x5eed5eedu, 0x0badcafeu});
    key_ = {k[0], k[1]};
}

std::array<double, 2> counter_rng::uniform2(std::uint64_t a, std::uint64_t b) const {
    const auto r = philox4x32({static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32),
                               static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32)},
                              key_);
    const std::uint64_t u0 = (std::uint64_t{r[0]} << 32 | r[1]) >> 11;  // 53 bits
    const std::uint64_t u1 = (std::uint64_t{r[2]} << 32 | r[3]) >> 11;
    constexpr double scale = 1.0 / 9007199254740992.0;  // 2^-53
    // (u + 0.5) * 2^-53 lies strictly inside (0, 1).
    return {(static_cast<double>(u0) + 0.5) * scale, (static_cast<double>(u1) + 0.5) * scale};
}

double counter_rng::normal(std::uint64_t a, std::uint64_t b) const {
    const auto u = uniform2(a, b);
    return std::sqrt(-2.0 * std::log(u[0])) * std::cos(2.0 * std::numbers::pi * u[1]);
}

double counter_rng::exponential(std::uint64_t a, std::uint64_t b) const {
    return -std::log(uniform2(a, b)[0]);
}

}  // namespace neurotwin
