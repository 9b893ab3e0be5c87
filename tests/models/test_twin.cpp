// SPDX-License-Identifier: BSD-3-Clause
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/stats.hpp"
#include "models/registry.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {

// Time-averaged value of each column of a report.
std::vector<double> column_means(const memory_sink::report_data& r) {
    std::vector<double> m(r.node_ids.size(), 0.0);
    for (std::size_t f = 0; f < r.frames; ++f) {
        for (std::size_t c = 0; c < m.size(); ++c) {
            m[c] += r.at(f, c);
        }
    }
    for (auto& v : m) {
        v /= double(r.frames);
    }
    return m;
}

}  // namespace

TEST_CASE("twin: relu <-> lif is silent exactly where z <= 0 and rises strictly above",
          "[models][twin][physics]") {
    // sum w x = 0.8 * 20 - 0.5 * 15 = 8.5; bias = -28.5 .. 11.5 in steps of 1, so
    // z = -20 .. 20 in steps of 1 with z = 0 exactly at pair 20.
    const std::string toml = R"(
[simulation]
duration = 2000.0
dt = 0.1
[[twin]]
name = "t"
size = 41
activation = "relu"
biological = "lif"
encoding = "current"
inputs = [ { rate = 20.0, weight = 0.8 }, { rate = 15.0, weight = -0.5 } ]
bias = { linspace = [-28.5, 11.5] }
params = { tau_m = 20.0, t_ref = 2.0 }
)";
    auto out = test::run_text(toml);
    const auto counts = test::spike_counts(out.sink.spikes("t.biological"), 41);
    const auto z = column_means(out.sink.report("t.artificial", "preactivation"));
    const auto a = column_means(out.sink.report("t.artificial", "activation"));
    for (std::size_t i = 0; i < 41; ++i) {
        INFO("pair " << i << ", z = " << z[i] << ", spikes = " << counts[i]);
        // z is constant after the first step (inputs arrive with a one-step delay)
        if (i <= 20) {
            CHECK(counts[i] == 0.0);
            CHECK(a[i] <= 1e-3);
        } else {
            CHECK(counts[i] > counts[i - 1]);
        }
    }
    const auto& zr = out.sink.report("t.artificial", "preactivation");
    CHECK(zr.at(zr.frames - 1, 20) == 0.0f);  // exactly zero once the inputs have arrived
    CHECK(analysis::spearman(a, counts) > 0.9);
}

TEST_CASE("twin: sigmoid <-> lif with Poisson inputs gives a monotone, sigmoid-like curve",
          "[models][twin][physics]") {
    // Poisson trains make the onset soft: the biological rate rises smoothly through z = 0
    // (noise-driven firing just below it), like a sigmoid, instead of at a sharp threshold.
    // sum w x = 0.05 * 400 - 0.05 * 200 = 10; bias -30 .. 10 gives z = -20 .. 20.
    const std::string toml = R"(
[simulation]
duration = 4000.0
seed = 7
[[twin]]
name = "s"
size = 41
activation = "sigmoid"
encoding = "poisson"
inputs = [ { rate = 400.0, weight = 0.05 }, { rate = 200.0, weight = -0.05 } ]
bias = { linspace = [-30.0, 10.0] }
params = { tau_m = 20.0 }
)";
    auto out = test::run_text(toml);
    const auto counts = test::spike_counts(out.sink.spikes("s.biological"), 41);
    const auto a = column_means(out.sink.report("s.artificial", "activation"));
    // Rank agreement over 41 pairs; Poisson noise on counts of hundreds of spikes (sd ~ sqrt)
    // allows a few local inversions, not a broken trend: 0.95 is far above chance.
    CHECK(analysis::spearman(a, counts) > 0.95);
    // z = -20 puts the mean membrane potential 16 mV below the onset: only rare large
    // fluctuations reach threshold (< 1% of the rate at z = +20).
    CHECK(counts[40] > 100.0);
    CHECK(counts[0] < 0.01 * counts[40]);
    // soft onset: some firing already at z < 0 (pairs 15..19 are z = -5 .. -1)
    double below = 0.0;
    for (std::size_t i = 15; i < 20; ++i) {
        below += counts[i];
    }
    CHECK(below > 0.0);
}

TEST_CASE("twin: perceptron <-> lif fires exactly where the perceptron outputs 1",
          "[models][twin][physics]") {
    const std::string toml = R"(
[simulation]
duration = 1000.0
[[twin]]
name = "p"
size = 21
activation = "perceptron"
inputs = [ { rate = 10.0, weight = 1.0 } ]
bias = { linspace = [-20.0, 0.0] }
)";
    auto out = test::run_text(toml);
    const auto counts = test::spike_counts(out.sink.spikes("p.biological"), 21);
    const auto& act = out.sink.report("p.artificial", "activation");
    for (std::size_t i = 0; i < 21; ++i) {
        const bool fires = act.at(act.frames - 1, i) > 0.5;  // z = 10 + bias
        INFO("pair " << i);
        CHECK((counts[i] > 0) == fires);
    }
}

TEST_CASE("twin: time-varying input moves a(t) and r(t) together", "[models][twin]") {
    // A step on input 0 at 500 ms raises z for every pair; both sides follow.
    auto out = test::run_text(test::data_text("scenarios/twin_input_step.toml"));
    const auto& act = out.sink.report("v.artificial", "activation");
    const auto& rate = out.sink.report("v.biological", "rate");
    REQUIRE(act.frames == 1000);
    CHECK(act.at(400, 0) == Approx(5.0));   // z = 10 - 5
    CHECK(act.at(900, 0) == Approx(25.0));  // z = 30 - 5
    CHECK(rate.at(900, 0) > rate.at(400, 0) * 1.5);
}

namespace {

// A twin of `model` driven by its bias alone (one input of rate 0, current encoding) over
// `n` pairs with bias linspace [b0, b1]; `extra` is added to the [[twin]] table.
std::string bias_only_twin(const std::string& model, int n, double b0, double b1,
                           const std::string& extra = "") {
    return fmt::format(R"(
[simulation]
duration = 500.0
dt = 0.05
[[twin]]
name = "t"
size = {}
activation = "relu"
biological = "{}"
inputs = [ {{ rate = 0.0, weight = 1.0 }} ]
bias = {{ linspace = [{}, {}] }}
record = false
{}
[[record]]
population = "t.biological"
spikes = true
)",
                       n, model, b0, b1, extra);
}

// The same cells as the twin's biological side of `tw`, as a population at the model's
// default E_L = E_L0 driven by the equivalent current I_e = g_L (E_L,i - E_L0) instead.
std::string current_driven(const std::string& model, const twin_rt& tw, double g_L,
                           double E_L0) {
    std::string I;
    for (index_t i = 0; i < tw.size; ++i) {
        const double E_L = tw.E_ref[i] + tw.bias_scale[i] * tw.bias[i];  // [mV]
        I += fmt::format("{}{:.17g}", i ? ", " : "", g_L * (E_L - E_L0));
    }
    return fmt::format(R"(
[simulation]
duration = 500.0
dt = 0.05
[[population]]
name = "c"
model = "{}"
size = {}
params = {{ I_e = [{}] }}
[[record]]
population = "c"
spikes = true
)",
                       model, tw.size, I);
}

}  // namespace

TEST_CASE("twin: bias-only hh and hh_traub pairs past the onset fire as the current-driven "
          "cells do",
          "[models][twin][hh][physics]") {
    // A twin's bias sets E_L = E_ref + bias_scale b, with E_ref the onset (the E_L from which
    // a cell started in the model's initial state fires repetitively) and bias_scale = s/g_L:
    // for b > 0 the cell must fire (before the fix hh started on its rest, unstable for
    // b > 0 under the old calibration, and never left it).
    // An E_L shift dE is exactly the current g_L dE, and both start from the model's fixed
    // initial state, so the bias-only tuning curve is the current-driven F-I curve: the same
    // ODE up to the rounding of g_L (V - E_L'), integrated by the same adaptive dopri5 (tol
    // 1e-6). Spike times differ by rounding alone (measured 6e-13 ms over 500 ms); 1e-9 ms
    // leaves room, and a different initial state would shift them by milliseconds.
    for (const std::string model : {"hh", "hh_traub"}) {
        CAPTURE(model);
        const int n = 9;
        auto tw = test::run_text(bias_only_twin(model, n, 0.5, 40.0));
        const auto& spikes = tw.sink.spikes("t.biological");
        for (int i = 0; i < n; ++i) {
            CAPTURE(i);
            // Still firing in the second half: repetitive, not a transient response (near
            // its onset hh_traub's rate falls towards 0, measured 6 Hz at b = 0.5).
            const auto t = test::spike_times_of(spikes, std::uint64_t(i));
            CHECK(t.size() >= 2);
            CHECK((!t.empty() && t.back() >= 250.0));
        }
        const auto* info = builtin_models().find(model);
        REQUIRE(info != nullptr);
        auto cur = test::run_text(current_driven(model, tw.net.twins[0],
                                                 info->find_param("g_L")->default_value,
                                                 info->find_param("E_L")->default_value));
        double err = 0.0;
        for (int i = 0; i < n; ++i) {
            CAPTURE(i);
            const auto a = test::spike_times_of(spikes, std::uint64_t(i));
            const auto b = test::spike_times_of(cur.sink.spikes("c"), std::uint64_t(i));
            REQUIRE(a.size() == b.size());
            for (std::size_t k = 0; k < a.size(); ++k) {
                err = std::max(err, std::abs(a[k] - b[k]));
            }
        }
        INFO("largest spike-time difference " << err << " ms");
        CHECK(err < 1e-9);
    }
}

TEST_CASE("twin: the biological side takes an init table like a population",
          "[models][twin][scenario]") {
    // init = { V_m = ... } sets the biological side's initial state per pair; its gates then
    // start at their steady states there (hh). Frame 0 of V_m is the initial state.
    auto out = test::run_text(R"(
[simulation]
duration = 1.0
[[twin]]
name = "t"
size = 3
biological = "hh"
inputs = [ { rate = 0.0, weight = 1.0 } ]
init = { V_m = [-70.0, -65.0, -60.0] }
[[record]]
population = "t.biological"
variables = ["V_m"]
)");
    const auto& r = out.sink.report("t.biological", "V_m");
    REQUIRE(r.frames > 0);
    CHECK(r.at(0, 0) == Approx(-70.0));
    CHECK(r.at(0, 1) == Approx(-65.0));
    CHECK(r.at(0, 2) == Approx(-60.0));
    REQUIRE_THROWS_WITH(load_scenario_text(R"([simulation]
duration = 1.0
[[twin]]
name = "t"
size = 3
biological = "hh"
inputs = [ { rate = 0.0, weight = 1.0 } ]
init = { V_m = [-70.0, -65.0], q = 1.0 }
)",
                                           "ti.toml", builtin_models()),
                        Catch::Matchers::Contains("ti.toml:8:16: error: twin 't', init 'V_m': "
                                                  "expected 3 values (one per pair), found 2") &&
                            Catch::Matchers::Contains("ti.toml:8:32: error: twin 't': unknown "
                                                      "state variable 'q' for model 'hh'"));
}
