// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>
#include <fmt/format.h>

#include "tests/test_util.hpp"

using namespace neurotwin;
using neurotwin::test::count_bursts;
using neurotwin::test::isis;

namespace {

std::vector<double> adex_spikes(const std::string& preset, double I, double duration,
                                const std::string& params = "", double dt = 0.1) {
    return test::step_current_spikes("adex", preset, I, duration, params, 0.0, dt);
}

std::string describe(const std::vector<double>& t) {
    std::string s;
    for (const double x : t) {
        s += fmt::format("{:.2f} ", x);
    }
    return s;
}

}  // namespace

TEST_CASE("adex: presets reproduce the firing patterns of Naud et al. (2008)",
          "[models][adex][physics]") {
    // Each preset under the paper's step current, 600 ms from rest (V_m = E_L, w = 0), as in
    // the paper's Fig. 4/5. Class boundaries with wide margins; bursts are ISIs < 15 ms.
    SECTION("tonic") {
        const auto t = adex_spikes("tonic", 500.0, 600.0);
        INFO(describe(t));
        const auto d = isis(t);
        REQUIRE(d.size() > 10);
        CHECK(d.front() / d.back() > 0.8);  // no adaptation to speak of
        CHECK(count_bursts(t, 15.0) <= 1);
    }
    SECTION("adapting") {
        const auto t = adex_spikes("adapting", 500.0, 600.0);
        INFO(describe(t));
        const auto d = isis(t);
        REQUIRE(d.size() > 4);
        CHECK(d.front() / d.back() < 0.5);  // strong spike-frequency adaptation
    }
    SECTION("initial_burst") {
        const auto t = adex_spikes("initial_burst", 400.0, 600.0);
        INFO(describe(t));
        const auto d = isis(t);
        REQUIRE(d.size() > 4);
        CHECK(d[0] < 15.0);
        CHECK(d.back() > 2.0 * d[0]);
        CHECK(count_bursts(t, 15.0) == 1);
    }
    SECTION("regular_bursting") {
        const auto t = adex_spikes("regular_bursting", 210.0, 600.0);
        INFO(describe(t));
        CHECK(count_bursts(t, 15.0) >= 3);
        CHECK(t.size() >= 2 * std::size_t(count_bursts(t, 15.0)));
    }
    SECTION("delayed") {
        const auto t = adex_spikes("delayed", 300.0, 600.0);
        INFO(describe(t));
        const auto d = isis(t);
        REQUIRE(d.size() > 2);
        CHECK(t.front() > 30.0);            // delayed onset
        CHECK(d.front() > 1.2 * d.back());  // accelerating
    }
    SECTION("transient") {
        const auto t = adex_spikes("transient", 180.0, 600.0);
        INFO(describe(t));
        REQUIRE(!t.empty());
        CHECK(t.size() <= 6);
        CHECK(t.back() < 200.0);  // then silent
    }
    SECTION("irregular") {
        const auto t = adex_spikes("irregular", 160.0, 600.0);
        INFO(describe(t));
        const auto d = isis(t);
        REQUIRE(d.size() > 4);
        double mean = 0.0, var = 0.0;
        for (const double x : d) {
            mean += x / d.size();
        }
        for (const double x : d) {
            var += (x - mean) * (x - mean) / d.size();
        }
        CHECK(std::sqrt(var) / mean > 0.2);  // irregular ISIs
    }
}

TEST_CASE("adex: RK4 converges with order 4 below threshold and spike times converge",
          "[models][adex][physics]") {
    const auto run = [](double I, double h_max, double duration) {
        return test::run_text(fmt::format(R"(
[simulation]
duration = {}
[[population]]
name = "cell"
model = "adex"
size = 1
preset = "adapting"
params = {{ I_e = {}, h_max = {} }}
[[record]]
population = "cell"
spikes = true
)",
                                          duration, I, h_max));
    };
    // Subthreshold (100 pA, 50 ms; h_max = dt steps): V_m and w are smooth, the error of the
    // final V_m must fall ~16x per halving of h_max (at least 10x).
    const auto v_end = [&](double h) {
        return run(100.0, h, 50.0).net.populations[0]->column("V_m")[0];
    };
    const double v_ref = v_end(0.1 / 64);
    const double e1 = std::abs(v_end(0.1) - v_ref), e2 = std::abs(v_end(0.05) - v_ref),
                 e3 = std::abs(v_end(0.025) - v_ref);
    INFO("V_m errors " << e1 << " " << e2 << " " << e3);
    CHECK(e1 / e2 > 10.0);
    CHECK(e2 / e3 > 10.0);
    // Spiking (500 pA, 200 ms): on the upstroke the steps follow the local time scale, not
    // h_max, so the spike times converge to ~1e-9 ms and depend on h_max only through the
    // approach (measured first-spike errors 5.5e-7, 2.6e-7, 1.3e-7 ms at h_max = 0.02, 0.01,
    // 0.005 against 0.1 us): monotone, and every spike within 1e-5 ms of the reference.
    const auto times = [&](double h) {
        auto out = run(500.0, h, 200.0);
        return test::spike_times_of(out.sink.spikes("cell"), 0);
    };
    const auto ref = times(0.0001);
    REQUIRE(ref.size() > 5);
    const auto err = [&](const std::vector<double>& t) {
        REQUIRE(t.size() == ref.size());
        double e = 0.0;
        for (std::size_t k = 0; k < t.size(); ++k) {
            e = std::max(e, std::abs(t[k] - ref[k]));
        }
        return e;
    };
    const double s1 = err(times(0.02)), s2 = err(times(0.01)), s3 = err(times(0.005));
    INFO("spike-time errors " << s1 << " " << s2 << " " << s3);
    CHECK(s2 < s1);
    CHECK(s3 < s2);
    CHECK(s1 < 1e-5);
    CHECK(err(times(0.025)) < 1e-5);  // the default h_max
}

TEST_CASE("adex: the capped exponential cannot overflow", "[models][adex][physics]") {
    // A steep, high cut-off (exp argument up to (V_peak - V_T)/Delta_T = 400) and a huge
    // current: every RK4 stage may overshoot V_peak, yet nothing becomes infinite or NaN.
    auto out = test::run_text(R"(
[simulation]
duration = 50.0
dt = 1.0
[[population]]
name = "cell"
model = "adex"
size = 2
params = { Delta_T = 0.2, V_peak = 30.0, V_T = -50.0, I_e = [1e6, 1e3], h_max = 1.0 }
[[record]]
population = "cell"
spikes = true
)");
    CHECK(out.result.completed);  // a fault would have thrown runtime_fault
    const auto c = test::spike_counts(out.sink.spikes("cell"), 2);
    CHECK(c[0] >= 40);  // one per step at most
    CHECK(c[1] > 0);
    CHECK(std::isfinite(out.net.populations[0]->column("V_m")[0]));
    CHECK(std::isfinite(out.net.populations[0]->column("w")[0]));
}

TEST_CASE("adex: zero input rests at E_L, spike times lie between grid points",
          "[models][adex][physics]") {
    // Rest: (g_L + a)(V - E_L) = g_L Delta_T exp((V - V_T)/Delta_T), w = a (V - E_L): with
    // NEST's defaults 4.1e-5 mV above E_L. From V_m = E_L, w = 0 the cell relaxes with
    // tau_w = 144 ms; after 3 s the transient is ~1e-13 of the offset.
    auto out = test::run_text(R"(
[simulation]
duration = 3000.0
[[population]]
name = "cell"
model = "adex"
size = 1
[[record]]
population = "cell"
spikes = true
)");
    double lo = -70.6, hi = -70.0;
    for (int k = 0; k < 200; ++k) {
        const double V = 0.5 * (lo + hi);
        ((30.0 + 4.0) * (V + 70.6) < 30.0 * 2.0 * std::exp((V + 50.4) / 2.0) ? lo : hi) = V;
    }
    CHECK(out.sink.spikes("cell").ids.empty());
    CHECK(out.net.populations[0]->column("V_m")[0] == Approx(lo).margin(1e-9));
    CHECK(out.net.populations[0]->column("w")[0] == Approx(4.0 * (lo + 70.6)).margin(1e-9));
    const auto t = adex_spikes("tonic", 500.0, 100.0);
    REQUIRE(t.size() > 3);
    for (const double s : t) {
        CHECK(std::abs(s / 0.1 - std::round(s / 0.1)) > 1e-6);
    }
}

