// SPDX-License-Identifier: BSD-3-Clause
// Analysis metrics against cases with a known answer.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "analysis/stats.hpp"

using namespace neurotwin::analysis;

namespace {

// Spike times of a Poisson process of `rate_hz` over [0, duration_ms), fixed seed.
std::vector<double> poisson_train(double rate_hz, double duration_ms, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::exponential_distribution<double> isi(rate_hz / 1000.0);
    std::vector<double> t;
    for (double x = isi(rng); x < duration_ms; x += isi(rng)) {
        t.push_back(x);
    }
    return t;
}

std::vector<double> intervals(const std::vector<double>& t) {
    std::vector<double> d;
    for (std::size_t i = 1; i < t.size(); ++i) {
        d.push_back(t[i] - t[i - 1]);
    }
    return d;
}

std::vector<double> counts(const std::vector<double>& t, double window, double duration) {
    std::vector<double> c(static_cast<std::size_t>(duration / window), 0.0);
    for (const double x : t) {
        const auto b = static_cast<std::size_t>(x / window);
        if (b < c.size()) {
            c[b] += 1.0;
        }
    }
    return c;
}

}  // namespace

TEST_CASE("metrics: a regular spike train has CV 0 and a Fano factor near 0",
          "[analysis][metrics]") {
    std::vector<double> t;
    for (int k = 0; k < 1000; ++k) {
        t.push_back(5.0 + 20.0 * k);  // 50 Hz
    }
    CHECK(cv(intervals(t)) == Approx(0.0).margin(1e-12));
    // 100 ms windows hold exactly 5 spikes each: variance 0.
    CHECK(fano(counts(t, 100.0, 20000.0)) == Approx(0.0).margin(1e-12));
}

TEST_CASE("metrics: a Poisson train has CV and Fano factor near 1", "[analysis][metrics]") {
    // 20 Hz for 1000 s: ~20000 intervals, so the CV's standard error is ~1/sqrt(20000) = 0.007;
    // 10000 windows of 100 ms (mean count 2): the Fano factor's standard error is ~0.015.
    // Bounds of 0.05 are > 3 standard errors; the seed is fixed, so the test is exact anyway.
    const auto t = poisson_train(20.0, 1e6, 12345);
    CHECK(double(t.size()) == Approx(20000.0).epsilon(0.03));
    CHECK(cv(intervals(t)) == Approx(1.0).margin(0.05));
    CHECK(fano(counts(t, 100.0, 1e6)) == Approx(1.0).margin(0.05));
}

TEST_CASE("metrics: identical count series correlate perfectly, independent ones hardly",
          "[analysis][metrics]") {
    const auto a = counts(poisson_train(30.0, 1e5, 1), 100.0, 1e5);
    const auto b = counts(poisson_train(30.0, 1e5, 2), 100.0, 1e5);
    CHECK(pearson(a, a) == Approx(1.0));
    CHECK(std::abs(pearson(a, b)) < 0.1);  // 1000 windows: standard error ~0.03
    // Golomb's chi: identical signals -> 1; N independent ones -> ~1/sqrt(N).
    const double va = variance(a);
    CHECK(golomb_chi(va, va) == Approx(1.0));
    std::vector<double> pop(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        pop[i] = 0.5 * (a[i] + b[i]);
    }
    CHECK(golomb_chi(variance(pop), 0.5 * (va + variance(b))) ==
          Approx(1.0 / std::sqrt(2.0)).margin(0.07));
}

TEST_CASE("metrics: an affine map is recovered exactly and a delay is found",
          "[analysis][metrics]") {
    std::vector<double> x, y;
    for (int i = 0; i < 200; ++i) {
        x.push_back(std::sin(0.1 * i) + 0.3 * std::cos(0.37 * i));
        y.push_back(2.5 * x.back() - 1.0);
    }
    const auto f = fit_affine(x, y);
    CHECK(f.gain == Approx(2.5));
    CHECK(f.offset == Approx(-1.0));
    CHECK(f.r2 == Approx(1.0));
    CHECK(f.rmse == Approx(0.0).margin(1e-12));
    // y(t) = x(t - 7): y follows x by 7 samples.
    std::vector<double> d(x.size(), 0.0);
    for (std::size_t i = 7; i < x.size(); ++i) {
        d[i] = x[i - 7];
    }
    const auto l = best_lag(x, d, 20);
    CHECK(l.lag == 7);
    CHECK(l.correlation == Approx(1.0));
    CHECK(quantile({3.0, 1.0, 2.0, 4.0}, 0.5) == Approx(2.5));
    CHECK(std::isnan(cv(std::vector<double>{5.0})));
}
