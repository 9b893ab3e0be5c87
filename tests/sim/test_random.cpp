// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>

#include "sim/random.hpp"

using namespace neurotwin;

TEST_CASE("random: philox4x32-10 reproduces the Random123 known-answer vectors", "[sim][random]") {
    // Known-answer tests published with Random123 (kat_vectors), Salmon et al. 2011.
    CHECK(philox4x32({0, 0, 0, 0}, {0, 0}) ==
          std::array<std::uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
    CHECK(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
          std::array<std::uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
    CHECK(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
          std::array<std::uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("random: uniform, normal and exponential draws have the right moments",
          "[sim][random]") {
    // n = 200000 draws: the standard error of a mean is sd/sqrt(n) ~ 0.0022 sd; bounds are
    // 5 standard errors, so a correct generator fails with probability < 1e-6.
    const counter_rng rng(42, stream_id("test"));
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0, se = 0;
    for (int i = 0; i < n; ++i) {
        const double u = rng.uniform(std::uint64_t(i), 1);
        REQUIRE(u > 0.0);
        REQUIRE(u < 1.0);
        su += u;
        const double z = rng.normal(std::uint64_t(i), 2);
        sn += z;
        sn2 += z * z;
        se += rng.exponential(std::uint64_t(i), 3);
    }
    const double se_mean = 1.0 / std::sqrt(double(n));
    CHECK(su / n == Approx(0.5).margin(5 * se_mean * std::sqrt(1.0 / 12)));
    CHECK(sn / n == Approx(0.0).margin(5 * se_mean));
    CHECK(sn2 / n == Approx(1.0).margin(5 * se_mean * std::sqrt(2.0)));
    CHECK(se / n == Approx(1.0).margin(5 * se_mean));
}

TEST_CASE("random: draws depend on seed and stream, never on call order", "[sim][random]") {
    const counter_rng a(1, stream_id("x"));
    const counter_rng b(2, stream_id("x"));
    const counter_rng c(1, stream_id("y"));
    const double first = a.uniform(5, 7);
    for (int k = 0; k < 100; ++k) {
        (void)a.uniform(std::uint64_t(k), 0);
    }
    CHECK(a.uniform(5, 7) == first);
    CHECK(b.uniform(5, 7) != first);
    CHECK(c.uniform(5, 7) != first);
}
