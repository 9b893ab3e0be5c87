// SPDX-License-Identifier: BSD-3-Clause
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <regex>

#include "models/hh.hpp"
#include "models/hh_kernel.hpp"
#include "models/registry.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

// NEURON's hh rates at 6.3 deg C, written out independently of models/hh.cpp.
struct rates {
    double am, bm, ah, bh, an, bn;
};
rates hh_rates(double V) {
    const auto vtrap = [](double x, double y) {
        return std::abs(x / y) < 1e-6 ? y * (1 - x / y / 2) : x / (std::exp(x / y) - 1);
    };
    return {0.1 * vtrap(-(V + 40), 10), 4 * std::exp(-(V + 65) / 18),
            0.07 * std::exp(-(V + 65) / 20), 1 / (std::exp(-(V + 35) / 10) + 1),
            0.01 * vtrap(-(V + 55), 10), 0.125 * std::exp(-(V + 65) / 80)};
}

struct steady {
    double V, m, h, n;
};

// Resting state: the zero of the steady-state current I(V) = -g_Na m^3 h (V-50) -
// g_K n^4 (V+77) - g_L (V+54.3) (densities of 1952 on 1e-4 cm^2), by bisection in [-70, -60].
steady analytic_rest() {
    const auto I = [](double V) {
        const auto r = hh_rates(V);
        const double m = r.am / (r.am + r.bm), h = r.ah / (r.ah + r.bh), n = r.an / (r.an + r.bn);
        return -12000 * m * m * m * h * (V - 50) - 3600 * std::pow(n, 4) * (V + 77) -
               30 * (V + 54.3);
    };
    double a = -70, b = -60;
    for (int k = 0; k < 200; ++k) {
        const double mid = 0.5 * (a + b);
        (I(mid) > 0 ? a : b) = mid;
    }
    const double V = 0.5 * (a + b);
    const auto r = hh_rates(V);
    return {V, r.am / (r.am + r.bm), r.ah / (r.ah + r.bh), r.an / (r.an + r.bn)};
}

std::string one_cell(double duration, const std::string& params, const std::string& init,
                     const std::string& extra, double dt = 0.1) {
    return fmt::format(R"(
[simulation]
duration = {}
dt = {}
[[population]]
name = "cell"
model = "hh"
size = 1
params = {{ {} }}
init = {{ {} }}
[[record]]
population = "cell"
spikes = true
{}
)",
                       duration, dt, params, init, extra);
}

// NEURON 8.2 `hh` (tests/reference/hh_spike_times.py): one compartment of 1e-4 cm^2,
// finitialize(-65), 1 nA (10 uA/cm^2) from t = 10 ms, CVODE atol = rtol = 1e-10, exact rate
// functions (usetable_hh = 0; NEURON's default 1 mV rate tables move the 10th spike by
// 0.16 ms), upward 0 mV crossings (ms).
const double neuron_times[10] = {11.900635, 26.807482, 41.442608,  56.065671,  70.687839,
                                 85.309941, 99.932038, 114.554135, 129.176231, 143.798328};

// Spike times (ms) of one cell under NEURON's protocol above, for 150 ms, with solver
// tolerance `tol`.
std::vector<double> neuron_protocol_spikes(double tol, double dt = 0.1) {
    auto out = test::run_text(one_cell(150.0, fmt::format("tol = {}", tol), "V_m = -65.0",
                                       R"([[stimulus]]
type = "dc"
target = "cell"
amplitude = 1000.0
start = 10.0
)",
                                       dt));
    return test::spike_times_of(out.sink.spikes("cell"), 0);
}

double max_error_vs_neuron(double tol, double dt) {
    const auto t = neuron_protocol_spikes(tol, dt);
    std::string times;
    for (const double x : t) {
        times += fmt::format("{:.6f} ", x);
    }
    INFO("spike times: " << times);
    REQUIRE(t.size() == 10);
    double err = 0.0;
    for (int k = 0; k < 10; ++k) {
        err = std::max(err, std::abs(t[k] - neuron_times[k]));
    }
    return err;
}

}  // namespace

TEST_CASE("hh: the resting state matches the analytic steady state to 1e-6",
          "[models][hh][physics]") {
    const auto ss = analytic_rest();
    CHECK(ss.V == Approx(-64.974).margin(1e-3));  // the documented resting potential
    // (a) By default the cell starts at -65 mV, 0.026 mV below its rest, (b) from V_m = -60 mV
    // (gating at their steady states at the initial V_m in both) it relaxes to rest; the
    // slowest relaxation time at rest is ~6 ms, so after 300 ms the transient is below 1e-20
    // and what remains is the integrator's error at a fixed point (far below tol = 1e-6).
    for (const std::string init : {"", "V_m = -60.0"}) {
        auto out = test::run_text(one_cell(300.0, "I_e = 0.0", init, ""));
        const auto& pop = *out.net.populations[0];
        CHECK(pop.column("V_m")[0] == Approx(ss.V).margin(1e-6));
        CHECK(pop.column("m")[0] == Approx(ss.m).margin(1e-6));
        CHECK(pop.column("h")[0] == Approx(ss.h).margin(1e-6));
        CHECK(pop.column("n")[0] == Approx(ss.n).margin(1e-6));
        CHECK(out.sink.spikes("cell").ids.empty());
    }
}

TEST_CASE("hh: spike times under 10 uA/cm2 agree with NEURON's hh with CVODE",
          "[models][hh][physics]") {
    // The issue asks for <= 0.05 ms on the first 10 spikes at default settings (dt 0.1 ms,
    // tol 1e-6). The reference itself is converged far below that (CVODE at 1e-10), and the
    // same equations are integrated, so the difference measures our integration error alone.
    const double err = max_error_vs_neuron(1e-6, 0.1);
    CHECK(err < 0.05);
    CHECK(err < 0.005);  // what the defaults actually reach (a margin of ~3x over measured)
    // The spike times do not depend on dt (interpolated crossings, adaptive steps).
    CHECK(max_error_vs_neuron(1e-6, 0.025) < 0.005);
}

TEST_CASE("hh: the integration error falls with the tolerance", "[models][hh][physics]") {
    // dopri5 under error control: the global error falls about in proportion to the
    // tolerance (local error per step ~ tol, step count ~ tol^(-1/5)). Reference: the same
    // run at tol = 1e-11 (NEURON's printed 1e-6 ms would hide the small errors). Step-size
    // control makes single decades irregular (measured 2.2e-4, 6.4e-5, 3.2e-5, 1.7e-6,
    // 2.0e-7 ms for 1e-3..1e-7), so: monotone, and 1e-7 at least 300x better than 1e-3.
    const auto ref = neuron_protocol_spikes(1e-11);
    REQUIRE(ref.size() == 10);
    std::vector<double> err;
    for (const double tol : {1e-3, 1e-4, 1e-5, 1e-6, 1e-7}) {
        const auto t = neuron_protocol_spikes(tol);
        REQUIRE(t.size() == 10);
        double e = 0.0;
        for (int k = 0; k < 10; ++k) {
            e = std::max(e, std::abs(t[k] - ref[k]));
        }
        err.push_back(e);
    }
    INFO("errors at tol 1e-3..1e-7: " << err[0] << " " << err[1] << " " << err[2] << " "
                                      << err[3] << " " << err[4]);
    for (std::size_t k = 1; k < err.size(); ++k) {
        CHECK(err[k] < err[k - 1]);
    }
    CHECK(err.back() < err.front() / 300.0);
}

TEST_CASE("hh: spike times are interpolated, not on the step grid", "[models][hh][physics]") {
    auto out = test::run_text(one_cell(150.0, "I_e = 1000.0", "", ""));
    const auto t = test::spike_times_of(out.sink.spikes("cell"), 0);
    REQUIRE(t.size() > 5);
    int off_grid = 0;
    for (const double s : t) {
        const double steps = s / 0.1;
        off_grid += std::abs(steps - std::round(steps)) > 1e-6 ? 1 : 0;
    }
    CHECK(off_grid == int(t.size()));
}

TEST_CASE("hh: type-II onset, no firing at low rates", "[models][hh][physics]") {
    // Hodgkin's class II: repetitive firing starts at a finite rate (~50 Hz at 6.3 deg C)
    // rather than from zero. Current steps from rest, 0..2 nA in 50 pA steps (500 ms each);
    // every rate is either < 5 Hz (at most two spikes: transient responses) or > 40 Hz.
    const int n = 41;
    auto out = test::run_text(fmt::format(R"(
[simulation]
duration = 500.0
[[population]]
name = "cell"
model = "hh"
size = {}
[[stimulus]]
type = "dc"
target = "cell"
amplitude = {{ linspace = [0.0, 2000.0] }}
[[record]]
population = "cell"
spikes = true
)",
                                          n));
    const auto counts = test::spike_counts(out.sink.spikes("cell"), n);
    double lowest_firing = 1e9;
    int firing = 0;
    for (int i = 0; i < n; ++i) {
        const double rate = counts[i] / 0.5;  // [Hz]
        if (rate >= 5.0) {
            lowest_firing = std::min(lowest_firing, rate);
            ++firing;
        }
    }
    CHECK(counts[0] == 0);
    CHECK(counts[4] <= 1);  // 200 pA: subthreshold
    CHECK(firing > 20);
    CHECK(lowest_firing > 40.0);
}

TEST_CASE("hh: Q10 scaling speeds up the kinetics with temperature", "[models][hh][physics]") {
    // Rates scale by 3^((T - 6.3)/10): at 16.3 deg C the gating is 3x faster, the spikes
    // narrower and the firing rate under the same current higher.
    auto out = test::run_text(test::data_text("scenarios/hh_two_temperatures.toml"));
    const auto c = test::spike_counts(out.sink.spikes("cell"), 2);
    CHECK(c[0] > 10);
    CHECK(c[1] > c[0]);
}

TEST_CASE("hh: twin calibration finds the onset of repetitive firing, a sigmoid-hh twin runs",
          "[models][hh][physics]") {
    // HH at 6.3 deg C loses the stability of its rest at I ~ 9.78 uA/cm^2 (Rinzel & Miller
    // 1980; 978 pA on 1e-4 cm^2), but is bistable from the fold of its periodic orbits at
    // ~6.26 uA/cm^2 on: a cell started at -65 mV (where a twin's cell starts, its bias
    // acting from t = 0) fires repetitively from there. The twin's onset E_L is E_L + I_r/g_L
    // with I_r that threshold; "repetitive" means still firing after 150 ms, which admits a
    // slow passage just below the fold (measured I_r = 622.6 pA): 626 +- 10 pA. R = 1/g_L.
    std::vector<double> values;
    for (const auto& p : hh_info.params) {
        values.push_back(p.default_value);
    }
    const auto cal = hh_info.calibrate(param_lookup(hh_info.params, values));
    const double I_r = (cal.V_onset + 54.3) * 30.0;  // [pA]
    CHECK(I_r == Approx(626.0).margin(10.0));
    CHECK(cal.R_mV_per_pA == Approx(1.0 / 30.0));
    const detail::hh_cell cell{100.0, 12000.0, 3600.0, 30.0, 50.0, -77.0, -54.3, 1.0};
    CHECK(detail::onset_current<detail::hh_kinetics>(cell) == Approx(978.0).margin(10.0));
    // The rest under I_r is the stable one of the bistable range: the driving force of
    // conductance synapses is taken there.
    CHECK(cal.V_membrane == Approx(detail::resting_potential<detail::hh_kinetics>(cell, I_r)));
    // Poisson encoding into conductance synapses: E_ex = 0 mV is above the onset, E_in =
    // -80 mV below: accepted. (Each event carries s w 1000 pA ms = 0.1 pC, ~1 mV: many small
    // events, so that the bias, not the fluctuations, decides below the onset.) E_ex = -100 mV cannot excite: refused with the reason.
    const auto twin = [](const std::string& extra) {
        return fmt::format(R"(
[simulation]
duration = 300.0
dt = 0.05
[[twin]]
name = "t"
size = 5
activation = "sigmoid"
biological = "hh"
encoding = "poisson"
synapse = "exp_cond"
inputs = [ {{ rate = 4000.0, weight = 0.01 }}, {{ rate = 2000.0, weight = -0.01 }} ]
bias = {{ linspace = [-100.0, 40.0] }}
{}
)",
                           extra);
    };
    auto out = test::run_text(twin(""));
    const auto c = test::spike_counts(out.sink.spikes("t.biological"), 5);
    // Pair 0: z = 20 - 100 = -80, 800 pA below I_c in the mean, yet input fluctuations
    // (conductance jumps of ~1 mV) still fire it now and then; pair 4 (z = +60) fires
    // tonically. With current encoding (no fluctuations) pair 0 is silent.
    CHECK(c[0] < c[4] / 3);
    CHECK(c[4] > 10);  // far above
    auto quiet = test::run_text(
        std::regex_replace(twin(""), std::regex("encoding = \"poisson\""), "encoding = \"current\""));
    CHECK(test::spike_counts(quiet.sink.spikes("t.biological"), 5)[0] == 0);
    REQUIRE_THROWS_WITH(test::run_text(twin("params = { E_ex = -100.0 }")),
                        Catch::Matchers::Contains("exp_cond synapses cannot carry the Poisson "
                                                  "encoding's mean current"));
}

TEST_CASE("hh: exponential Euler converges to NEURON's spike times at first order",
          "[models][hh][physics][integrator]") {
    // integrator = "exp_euler" (Brian2's exponential_euler): each variable moves along its
    // own exponential with the others frozen over the step, an O(dt) error. The first 10
    // spike times under 10 uA/cm2 against NEURON + CVODE: halving dt halves the error
    // (order 1 +- 0.3). The error accumulates over the spikes: ~0.6% of the interspike
    // interval per 0.01 ms of dt (measured 3.47, 1.73, 0.86 ms at the 10th spike, t = 144 ms),
    // hence below 1 ms at dt = 0.0125 ms (dopri5 is within 1e-6 ms, see above).
    const auto max_error = [](double dt) {
        auto out = test::run_text(fmt::format(R"(
[simulation]
duration = 150
dt = {}
[[population]]
name = "cell"
model = "hh"
size = 1
integrator = "exp_euler"
init = {{ V_m = -65.0 }}
[[stimulus]]
type = "dc"
target = "cell"
amplitude = 1000.0
start = 10.0
[[record]]
population = "cell"
spikes = true
)",
                                              dt));
        const auto t = test::spike_times_of(out.sink.spikes("cell"), 0);
        REQUIRE(t.size() == 10);
        double err = 0.0;
        for (int k = 0; k < 10; ++k) {
            err = std::max(err, std::abs(t[k] - neuron_times[k]));
        }
        return err;
    };
    const double e1 = max_error(0.05), e2 = max_error(0.025), e3 = max_error(0.0125);
    INFO("errors " << e1 << ", " << e2 << ", " << e3);
    CHECK(std::log2(e1 / e2) == Approx(1.0).margin(0.3));
    CHECK(std::log2(e2 / e3) == Approx(1.0).margin(0.3));
    CHECK(e3 < 1.0);
}

TEST_CASE("hh: the integrator key is checked", "[models][hh][scenario][errors]") {
    const auto fails = [](const std::string& model, const std::string& value) {
        try {
            load_scenario_text(fmt::format("[simulation]\nduration = 10\n[[population]]\n"
                                           "name = \"c\"\nmodel = \"{}\"\nsize = 1\n"
                                           "integrator = \"{}\"\n",
                                           model, value),
                               "int.toml", builtin_models());
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(fails("hh_traub", "exp_euler") == "no error");
    CHECK_THAT(fails("hh", "rk4"), Contains("int.toml:7:14") && Contains("dopri5") &&
                                       Contains("exp_euler") && Contains("found \"rk4\""));
    CHECK_THAT(fails("lif", "exp_euler"),
               Contains("int.toml:7:14") && Contains("model 'lif' has no choice of integrator"));
}

TEST_CASE("hh: every cell whose E_L lies past the onset fires without input",
          "[models][hh][physics]") {
    // Past the onset E_L (E_L + I_r/g_L, ~ -33.5 mV: repetitive firing from -65 mV, see the
    // calibration test) the cell fires tonically up to depolarisation block (the rest
    // regains stability near 76 uA/cm2 here); from the Hopf point on (~ -21.7 mV) the rest
    // is unstable and the limit cycle the only attractor. Before the fix the cell started
    // exactly on its rest and stayed there when that rest was unstable (0 spikes, V_m frozen
    // at -59.45 mV for E_L = -20). The cell starts at -65 mV whatever E_L is; E_L up to
    // onset + 120 mV is 42 uA/cm2 at most. At >= 40 Hz over the last 250 ms a cell has >= 10
    // spikes there; >= 5 leaves room and excludes any transient response.
    std::vector<double> values;
    for (const auto& p : hh_info.params) {
        values.push_back(p.default_value);
    }
    const double E_on = hh_info.calibrate(param_lookup(hh_info.params, values)).V_onset;
    const std::vector<double> dE{0.2, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 120.0};
    std::string E_L;
    for (const double d : dE) {
        E_L += fmt::format("{}{:.17g}", E_L.empty() ? "" : ", ", E_on + d);
    }
    auto out = test::run_text(fmt::format(R"(
[simulation]
duration = 500.0
dt = 0.05
[[population]]
name = "cell"
model = "hh"
size = {}
params = {{ E_L = [{}] }}
[[record]]
population = "cell"
spikes = true
variables = ["V_m"]
interval = 1.0
)",
                                          dE.size(), E_L));
    const auto& s = out.sink.spikes("cell");
    const auto& V = out.sink.report("cell", "V_m");
    for (std::size_t i = 0; i < dE.size(); ++i) {
        CAPTURE(dE[i]);
        CHECK(V.at(0, i) == -65.0f);  // the documented initial V_m
        int late = 0;
        for (const double t : test::spike_times_of(s, i)) {
            late += t >= 250.0 ? 1 : 0;
        }
        CHECK(late >= 5);
    }
}
