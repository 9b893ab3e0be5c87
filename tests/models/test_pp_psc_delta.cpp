// SPDX-License-Identifier: BSD-3-Clause
// pp_psc_delta: the escape-noise neuron's rates against the closed forms of its process, the
// membrane against Campbell's theorem, and its random stream against the thread count.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {

std::string scenario(const std::string& params, int size, double duration_ms,
                     const std::string& extra = "", std::uint64_t seed = 1) {
    return fmt::format(R"(
[simulation]
duration = {}
dt = 0.1
seed = {}
[[population]]
name = "pp"
model = "pp_psc_delta"
size = {}
params = {{ {} }}
[[record]]
population = "pp"
spikes = true
{}
)",
                       duration_ms, seed, size, params, extra);
}

double mean_rate_hz(const test::sim_output& out, int size, double duration_ms) {
    return double(out.sink.spikes("pp").times.size()) / size / (duration_ms * 1e-3);
}

}  // namespace

TEST_CASE("pp_psc_delta: a constant hazard with dead time fires at 1 / (D + 1/p) steps",
          "[models][pp_psc_delta][physics]") {
    // c_3 = 0: the hazard is c_2 = 20 Hz whatever V_m is. Per step (h = 0.1 ms) a live neuron
    // fires with p = 1 - exp(-20 Hz * 0.1 ms); after a spike it is dead for D = 20 steps, so
    // an interval is D + G steps with G geometric (mean 1/p): rate = 1000 / ((D + 1/p) h).
    const double h = 0.1, D = 20.0;
    const double p = -std::expm1(-20.0 * h * 1e-3);
    const double expected = 1000.0 / ((D + 1.0 / p) * h);  // 19.21 Hz
    const int n = 1000;
    const double T = 10000.0;
    const auto out = test::run_text(scenario("c_2 = 20.0, c_3 = 0.0, dead_time = 2.0", n, T));
    // ~192,000 spikes; the count of a renewal process with CV ~0.96 has a relative sd of
    // about 0.22 %: 1 % is 4.5 sd.
    CHECK(mean_rate_hz(out, n, T) == Approx(expected).epsilon(0.01));
    // No interval is shorter than D + 1 steps; the mean interval is (D + 1/p) h.
    const auto& s = out.sink.spikes("pp");
    double min_isi = 1e9, sum_isi = 0.0;
    std::size_t n_isi = 0;
    for (int i = 0; i < 50; ++i) {
        const auto t = test::spike_times_of(s, std::uint64_t(i));
        for (std::size_t k = 1; k < t.size(); ++k) {
            min_isi = std::min(min_isi, t[k] - t[k - 1]);
            sum_isi += t[k] - t[k - 1];
            ++n_isi;
        }
    }
    CHECK(min_isi >= (D + 1.0) * h - 1e-9);
    // ~9,600 intervals of sd ~50 ms: the mean's relative sd is ~1 %; 4 % is 4 sd.
    CHECK(sum_isi / double(n_isi) == Approx((D + 1.0 / p) * h).epsilon(0.04));
}

TEST_CASE("pp_psc_delta: the hazard is c_2 exp(c_3 (V_m - E_L)) at a clamped depolarisation",
          "[models][pp_psc_delta][physics]") {
    // with_reset = 0 and no dead time: V_m stays at its steady state E_L + R I_e =
    // -70 + (10 ms / 250 pF) * 250 pA = -60 mV (started there), so the hazard is
    // 1.238 * e^(0.25 * 10) = 15.08 Hz throughout, and the rate is p / h with
    // p = 1 - exp(-15.08 Hz * h).
    const double lambda = 1.238 * std::exp(0.25 * 10.0);
    const double expected = -std::expm1(-lambda * 0.1e-3) / 0.1e-3;
    const int n = 1000;
    const double T = 10000.0;
    const auto out = test::run_text(
        scenario("I_e = 250.0, with_reset = 0, dead_time = 0.0", n, T,
                 "[population.init]\nV_m = -60.0"));
    // ~151,000 Poisson spikes: relative sd 0.26 %; 1.5 % is 5.8 sd.
    CHECK(mean_rate_hz(out, n, T) == Approx(expected).epsilon(0.015));
}

TEST_CASE("pp_psc_delta: delta synapses move V_m by their weight (Campbell's theorem)",
          "[models][pp_psc_delta][physics]") {
    // c_2 = 0: the neuron never fires. Poisson input of rate 1000 Hz and jump 0.1 mV gives
    // <V_m - E_L> = w nu tau_m = 0.1 mV * 1000 Hz * 10 ms = 1 mV (Campbell), sd 0.22 mV.
    const std::string toml = R"(
[simulation]
duration = 1100.0
dt = 0.1
seed = 3
[[population]]
name = "pp"
model = "pp_psc_delta"
size = 100
params = { c_2 = 0.0 }
[[stimulus]]
type = "poisson"
target = "pp"
rate = 1000.0
weight = 0.1
[[record]]
population = "pp"
variables = ["V_m"]
interval = 1.0
)";
    const auto out = test::run_text(toml);
    const auto& r = out.sink.report("pp", "V_m");
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t f = 100; f < r.frames; ++f) {  // after 10 tau_m of transient
        for (std::size_t c = 0; c < r.columns(); ++c) {
            sum += r.at(f, c) + 70.0;
            ++count;
        }
    }
    // ~10,000 independent samples (correlation time 10 ms): the mean's sd is ~0.2 %, and
    // float storage of V_m (~-69 mV, 4e-6 mV steps) adds nothing; 2 % is 9 sd.
    CHECK(sum / double(count) == Approx(1.0).epsilon(0.02));
    CHECK(out.result.spikes.at(0) == 0);
}

TEST_CASE("pp_psc_delta: the random stream is the population's, not a thread's",
          "[models][pp_psc_delta][determinism]") {
    const auto toml = scenario("c_2 = 50.0, c_3 = 0.0", 1001, 500.0);
    const auto one = test::run_text(toml, 1);
    for (const int threads : {2, 3}) {
        const auto more = test::run_text(toml, threads);
        CHECK(more.sink.spikes("pp").times == one.sink.spikes("pp").times);
        CHECK(more.sink.spikes("pp").ids == one.sink.spikes("pp").ids);
    }
    // another seed, other spikes; neurons have their own draws
    const auto other = test::run_text(scenario("c_2 = 50.0, c_3 = 0.0", 1001, 500.0, "", 2));
    CHECK(other.sink.spikes("pp").ids != one.sink.spikes("pp").ids);
    const auto& s = one.sink.spikes("pp");
    CHECK(test::spike_times_of(s, 0) != test::spike_times_of(s, 1));
}
