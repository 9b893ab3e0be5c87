// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>
#include <fmt/format.h>

#include "tests/test_util.hpp"

using namespace neurotwin;
using neurotwin::test::count_bursts;
using neurotwin::test::isis;

namespace {

// Spike times of one izhikevich cell with `preset` (or none) under a current step of `I` pA
// from `start` ms; extra params in `params`.
std::vector<double> izh_spikes(const std::string& preset, double I, double duration,
                               const std::string& params = "", double start = 0.0,
                               double dt = 0.1) {
    return test::step_current_spikes("izhikevich", preset, I, duration, params, start, dt);
}

}  // namespace

TEST_CASE("izhikevich: RK4 with located resets converges with order 4",
          "[models][izhikevich][physics]") {
    // RS cell under 10 pA for 200 ms (~8 spikes with resets). Reference: h_max = 0.5 us.
    // The error of the spike times should fall by 2^4 = 16 per halving of h_max; allowing for
    // the pre-asymptotic range, each halving must give at least 10x (measured ~16x).
    const auto ref = izh_spikes("RS", 10.0, 200.0, "h_max = 0.0005");
    REQUIRE(ref.size() >= 6);
    std::vector<double> err;
    for (const double h : {0.1, 0.05, 0.025}) {
        const auto t = izh_spikes("RS", 10.0, 200.0, fmt::format("h_max = {}", h));
        REQUIRE(t.size() == ref.size());
        double e = 0.0;
        for (std::size_t k = 0; k < t.size(); ++k) {
            e = std::max(e, std::abs(t[k] - ref[k]));
        }
        err.push_back(e);
    }
    INFO("max spike-time errors at h_max 0.1, 0.05, 0.025 ms: " << err[0] << " " << err[1]
                                                                << " " << err[2]);
    CHECK(err[0] / err[1] > 10.0);
    CHECK(err[1] / err[2] > 10.0);
    // the default h_max (0.025 ms): below 1e-6 ms over 200 ms (measured 2.3e-7)
    const auto t = izh_spikes("RS", 10.0, 200.0);
    REQUIRE(t.size() == ref.size());
    for (std::size_t k = 0; k < t.size(); ++k) {
        CHECK(std::abs(t[k] - ref[k]) < 1e-6);
    }
}

TEST_CASE("izhikevich: zero input leaves each preset at its resting state",
          "[models][izhikevich][physics]") {
    // Rest: lower root of 0.04 V^2 + (5 - b) V + 140 = 0 with U = b V; RS (b = 0.2): -70 mV.
    for (const char* preset : {"RS", "IB", "CH", "FS", "LTS", "TC", "RZ"}) {
        auto out = test::run_text(fmt::format(R"(
[simulation]
duration = 500.0
[[population]]
name = "cell"
model = "izhikevich"
size = 1
preset = "{}"
[[record]]
population = "cell"
spikes = true
)",
                                              preset));
        const double b = out.net.params[0].at("b")[0];
        const double rest = (-(5 - b) - std::sqrt((5 - b) * (5 - b) - 4 * 0.04 * 140)) / 0.08;
        CAPTURE(preset);
        CHECK(out.sink.spikes("cell").ids.empty());
        CHECK(out.net.populations[0]->column("V_m")[0] == Approx(rest).margin(1e-9));
        CHECK(out.net.populations[0]->column("U_m")[0] == Approx(b * rest).margin(1e-9));
    }
    CHECK(izh_spikes("RS", 0.0, 100.0).empty());
}

TEST_CASE("izhikevich: presets reproduce the firing patterns of Izhikevich (2003), Fig. 2",
          "[models][izhikevich][physics]") {
    // Step of 10 pA from rest (the paper's I = 10), 500 ms. Thresholds between the classes
    // with wide margins: bursts are ISIs < 10 ms, tonic ISIs are > 20 ms.
    SECTION("RS: tonic spiking with adaptation, no bursts") {
        const auto d = isis(izh_spikes("RS", 10.0, 500.0));
        REQUIRE(d.size() >= 5);
        CHECK(d.front() < d.back() * 0.75);  // adaptation: first ISI shorter than the last
        CHECK(count_bursts(izh_spikes("RS", 10.0, 500.0), 10.0) == 0);
    }
    SECTION("IB: an initial burst, then tonic single spikes") {
        const auto t = izh_spikes("IB", 10.0, 500.0);
        const auto d = isis(t);
        REQUIRE(d.size() >= 4);
        CHECK(d[0] < 10.0);  // burst at onset
        CHECK(d.back() > 20.0);  // then regular spiking
        CHECK(count_bursts(t, 10.0) == 1);
    }
    SECTION("CH: repetitive bursts") {
        const auto t = izh_spikes("CH", 10.0, 500.0);
        CHECK(count_bursts(t, 10.0) >= 5);
        CHECK(t.size() >= 3 * std::size_t(count_bursts(t, 10.0)));
    }
    SECTION("FS: high rate without adaptation") {
        const auto t = izh_spikes("FS", 10.0, 500.0);
        const auto d = isis(t);
        REQUIRE(d.size() > 10);
        CHECK(t.size() > 2 * izh_spikes("RS", 10.0, 500.0).size());
        // weak adaptation (a = 0.1: U_m settles within ~10 ms): the rate is steady after the
        // first few spikes, first/last ISI well above RS's
        const auto rs = isis(izh_spikes("RS", 10.0, 500.0));
        INFO("FS first/last " << d.front() / d.back() << ", RS " << rs.front() / rs.back());
        CHECK(d.front() / d.back() > 1.2 * rs.front() / rs.back());
        CHECK(d[d.size() - 1] == Approx(d[d.size() - 2]).epsilon(0.01));
    }
    SECTION("LTS: high rate with adaptation") {
        const auto t = izh_spikes("LTS", 10.0, 500.0);
        const auto d = isis(t);
        REQUIRE(d.size() > 10);
        CHECK(d.front() < d.back() * 0.75);
    }
    SECTION("TC: tonic at depolarisation; rebound burst after hyperpolarisation") {
        CHECK(isis(izh_spikes("TC", 10.0, 300.0)).size() >= 3);
        // -10 pA for 200 ms, then release: the de-inactivated cell fires a rebound burst
        auto out = test::run_text(test::data_text("scenarios/izhikevich_tc_rebound.toml"));
        const auto t = test::spike_times_of(out.sink.spikes("cell"), 0);
        REQUIRE(t.size() >= 2);
        CHECK(t.front() > 200.0);
        CHECK(t[1] - t[0] < 10.0);
    }
    SECTION("RZ: damped subthreshold oscillation (resonator)") {
        // 1 ms pulse of 0.5 pA (0.5 mV, a small perturbation of the stable focus at
        // -62.5 mV): V_m returns to rest through an undershoot below rest.
        auto out = test::run_text(test::data_text("scenarios/izhikevich_rz_pulse.toml"));
        const auto& r = out.sink.report("cell", "V_m");
        const double rest = r.at(0, 0);
        double lowest = rest, highest = rest;
        for (std::size_t k = 210; k < r.frames; ++k) {
            lowest = std::min(lowest, double(r.at(k, 0)));
            highest = std::max(highest, double(r.at(k, 0)));
        }
        INFO("rest " << rest << ", range " << lowest << " .. " << highest);
        CHECK(out.sink.spikes("cell").ids.empty());
        CHECK(highest > rest + 0.2);
        CHECK(lowest < rest - 0.02);  // undershoot: an oscillation, not a relaxation
    }
}

TEST_CASE("izhikevich: spike times are located between grid points",
          "[models][izhikevich][physics]") {
    const auto t = izh_spikes("RS", 10.0, 200.0);
    REQUIRE(t.size() > 3);
    for (const double s : t) {
        CHECK(std::abs(s / 0.1 - std::round(s / 0.1)) > 1e-6);
    }
}
