// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>

#include "sim/poisson.hpp"
#include "sim/random.hpp"

using namespace neurotwin;

TEST_CASE("poisson: large-mean counts have the right mean and variance",
          "[sim][poisson][physics]") {
    // N = 20,000 draws of Poisson(lambda) (PTRS above lambda = 20, fixed seed). The sample mean
    // has standard error sqrt(lambda / N), the sample variance sqrt((2 lambda^2 + lambda) / N)
    // (the fourth central moment of a Poisson law is lambda (1 + 3 lambda)): both must lie
    // within 5 standard errors (a false alarm has probability < 1e-6).
    const counter_rng rng(2024, 7);
    constexpr std::size_t N = 20000;
    for (const double lambda : {25.0, 1e4, 1e9}) {
        double sum = 0.0, sum2 = 0.0;
        for (std::uint64_t t = 0; t < N; ++t) {
            const double k = double(poisson_count(rng, 3, t, lambda));
            sum += k;
            sum2 += (k - lambda) * (k - lambda);
        }
        const double mean = sum / double(N);
        // variance about the known mean lambda: the same standard error to first order
        const double var = sum2 / double(N);
        INFO("lambda " << lambda << ": mean " << mean << ", variance " << var);
        CHECK(std::abs(mean - lambda) < 5.0 * std::sqrt(lambda / double(N)));
        CHECK(std::abs(var - lambda) <
              5.0 * std::sqrt((2.0 * lambda * lambda + lambda) / double(N)));
    }
}

TEST_CASE("poisson: small-mean counts are the inversion of one uniform, as before",
          "[sim][poisson]") {
    // lambda <= 20: K = min{k : u <= F(k)} for the first uniform of block (c, t << 8) -- the
    // draw every earlier version made, so shipped scenarios keep their spikes.
    const counter_rng rng(99, 1);
    for (const double lambda : {0.3, 2.0, 19.9}) {
        for (std::uint64_t t = 0; t < 200; ++t) {
            const double u = rng.uniform2(5, t << 8)[0];
            std::uint64_t k = 0;
            double p = std::exp(-lambda), F = p;
            while (u > F) {
                ++k;
                p *= lambda / double(k);
                F += p;
            }
            REQUIRE(poisson_count(rng, 5, t, lambda) == k);
        }
    }
}
