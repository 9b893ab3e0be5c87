// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>
#include <fmt/format.h>

#include "models/lif.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {

population_init lif_init(index_t n, std::map<std::string, double, std::less<>> overrides) {
    population_init init;
    init.name = "cell";
    init.size = n;
    for (const auto& p : lif_info.params) {
        const auto it = overrides.find(p.name);
        init.params[p.name] = std::vector<double>(n, it != overrides.end() ? it->second : p.default_value);
    }
    return init;
}

// Runs one LIF neuron for `steps` steps with a jump `J` (pA) arriving in step 0 and a constant
// current; returns V_m after each step.
std::vector<double> trace(population& pop, int steps, double J_ex, double I_cont) {
    std::vector<double> V;
    double ex = 0.0, in = 0.0, cont = I_cont;
    for (int t = 0; t < steps; ++t) {
        ex = t == 0 ? J_ex : 0.0;
        step_inputs inputs{&ex, &in, &cont};
        update_status st;
        pop.update(t, 0, 1, inputs, st);
        V.push_back(pop.column("V_m")[0]);
    }
    return V;
}

}  // namespace

TEST_CASE("lif: first spike and ISI under constant current match the analytic times",
          "[models][lif][physics]") {
    // V_inf = E_L + R I with R = tau_m / C_m; from V_reset the threshold is reached after
    //   T = tau_m ln((V_inf - V_reset) / (V_inf - V_th)).
    // Exact integration: the crossing is detected at the end of the step that contains it,
    // so the first spike lies in [T, T + dt) and every ISI in [t_ref + T, t_ref + T + dt).
    for (const double dt : {0.1, 0.01}) {
        const std::string toml = fmt::format(R"(
[simulation]
duration = 200.0
dt = {}
[[population]]
name = "cell"
model = "lif"
size = 1
params = {{ tau_m = 10.0, C_m = 250.0, E_L = -70.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0, I_e = 500.0 }}
[[record]]
population = "cell"
spikes = true
)", dt);
        auto out = test::run_text(toml);
        const double V_inf = -70.0 + 10.0 / 250.0 * 500.0;  // -50 mV
        const double T = 10.0 * std::log((V_inf + 70.0) / (V_inf + 55.0));  // 13.863 ms
        const auto s = test::spike_times_of(out.sink.spikes("cell"), 0);
        REQUIRE(s.size() >= 5);
        CHECK(s[0] >= T - 1e-9);
        CHECK(s[0] < T + dt);
        for (std::size_t k = 1; k < s.size(); ++k) {
            const double isi = s[k] - s[k - 1];
            CHECK(isi >= 2.0 + T - 1e-9);
            CHECK(isi < 2.0 + T + dt);
        }
    }
}

TEST_CASE("lif: subthreshold response to one exponential synaptic current matches the closed form",
          "[models][lif][physics]") {
    // A jump J at t = 0 gives I(t) = J e^{-t/tau_s} and
    //   V(t) - E_L = J/C * tau_m tau_s / (tau_m - tau_s) * (e^{-t/tau_m} - e^{-t/tau_s}),
    // or J t / C e^{-t/tau} when tau_s == tau_m. The propagators are exact, so only rounding
    // separates the two: tolerance 1e-9 mV on deflections of about 1 mV.
    const double J = 300.0, C = 250.0, tau_m = 10.0;
    for (const double tau_s : {2.0, 10.0, 10.0 * (1 + 1e-10), 30.0}) {
        auto init = lif_init(1, {{"tau_m", tau_m}, {"C_m", C}, {"tau_syn_ex", tau_s}, {"E_L", -70.0}});
        auto pop = lif_info.create(init);
        pop->prepare(0.1);
        const auto V = trace(*pop, 1000, J, 0.0);
        // The jump arrives at the end of step 0 (after the membrane update, as in NEST), so
        // V after step k (k >= 1) is the response at t = k * dt.
        double max_dev = 0.0;
        for (int k = 1; k < 1000; ++k) {
            const double t = k * 0.1;
            const double expected =
                std::abs(tau_s - tau_m) < 1e-6
                    ? J * t / C * std::exp(-t / tau_m)
                    : J / C * tau_m * tau_s / (tau_m - tau_s) * (std::exp(-t / tau_m) - std::exp(-t / tau_s));
            max_dev = std::max(max_dev, std::abs((V[std::size_t(k)] + 70.0) - expected));
        }
        INFO("tau_syn = " << tau_s);
        CHECK(max_dev < 1e-9);
        CHECK(V[0] == Approx(-70.0).margin(1e-12));
    }
}

TEST_CASE("lif: propagator is continuous across tau_m == tau_syn", "[models][lif][numerics]") {
    // The limit h/C e^{-h/tau} must be approached smoothly from both sides (no cancellation).
    const double h = 0.1, C = 250.0, tau = 10.0;
    const double limit = h / C * std::exp(-h / tau);
    for (const double eps : {1e-3, 1e-6, 1e-9, 1e-12}) {
        CHECK(detail::psc_propagator(h, tau, tau * (1 + eps), C) == Approx(limit).epsilon(2 * eps + 1e-12));
        CHECK(detail::psc_propagator(h, tau, tau * (1 - eps), C) == Approx(limit).epsilon(2 * eps + 1e-12));
    }
    CHECK(detail::psc_propagator(h, tau, tau, C) == Approx(limit).epsilon(1e-15));
}

TEST_CASE("lif: refractory neuron is clamped but its synapses keep integrating",
          "[models][lif][physics]") {
    auto init = lif_init(1, {{"I_e", 2000.0}, {"t_ref", 5.0}});
    auto pop = lif_info.create(init);
    pop->prepare(0.1);
    double ex = 0.0, in = 0.0, cont = 0.0;
    int first_spike = -1;
    for (int t = 0; t < 200 && first_spike < 0; ++t) {
        step_inputs inputs{&ex, &in, &cont};
        update_status st;
        pop->update(t, 0, 1, inputs, st);
        if (pop->spiked()[0]) {
            first_spike = t;
        }
    }
    REQUIRE(first_spike >= 0);
    // 50 clamped steps (5 ms at 0.1 ms): V stays at V_reset while a jump still enters I_syn.
    for (int k = 0; k < 50; ++k) {
        ex = k == 0 ? 100.0 : 0.0;
        step_inputs inputs{&ex, &in, &cont};
        update_status st;
        pop->update(first_spike + 1 + k, 0, 1, inputs, st);
        CHECK(pop->column("V_m")[0] == -70.0);
    }
    CHECK(pop->column("I_syn_ex")[0] == Approx(100.0 * std::exp(-49 * 0.1 / 2.0)).epsilon(1e-12));
}

TEST_CASE("lif: zero input leaves the neuron at rest", "[models][lif][physics]") {
    auto init = lif_init(3, {});
    auto pop = lif_info.create(init);
    pop->prepare(0.1);
    const auto V = trace(*pop, 10000, 0.0, 0.0);
    CHECK(V.back() == -70.0);
}

TEST_CASE("lif: delta synapses move V_m by the weight at once, then it relaxes exactly",
          "[models][lif][physics]") {
    // As NEST's iaf_psc_delta: a jump J (mV) arriving in step 0 is added after the membrane
    // update, so V after step k is E_L + J e^{-k h / tau_m} (exact propagation; 1e-12 mV).
    auto init = lif_init(1, {{"tau_m", 20.0}});
    init.synapse = synapse_type::delta;
    auto pop = lif_info.create(init);
    pop->prepare(0.1);
    const auto V = trace(*pop, 500, 2.0, 0.0);
    for (int k = 0; k < 500; ++k) {
        CHECK(V[std::size_t(k)] == Approx(-70.0 + 2.0 * std::exp(-k * 0.1 / 20.0)).margin(1e-12));
    }
    CHECK(pop->column("I_syn_ex")[0] == 0.0);  // no synaptic current with delta synapses
    // inputs arriving while refractory are lost
    auto hot = lif_init(1, {{"t_ref", 2.0}});
    hot.synapse = synapse_type::delta;
    auto cell = lif_info.create(hot);
    cell->prepare(0.1);
    double ex = 20.0, in = 0.0, cont = 0.0;  // one 20 mV jump: from -70 past -55
    update_status st;
    cell->update(0, 0, 1, step_inputs{&ex, &in, &cont}, st);
    REQUIRE(cell->spiked()[0] == 1);
    cell->update(1, 0, 1, step_inputs{&ex, &in, &cont}, st);  // refractory: jump lost
    CHECK(cell->column("V_m")[0] == -70.0);
}
