// SPDX-License-Identifier: BSD-3-Clause
// Synapse types of the ODE point models, the `synapse` and `preset` scenario keys, and the
// long noisy runs of every point model.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "models/adex.hpp"
#include "models/hh.hpp"
#include "models/hh_traub.hpp"
#include "models/izhikevich.hpp"
#include "models/registry.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

population_init init_of(const model_info& m, synapse_type s,
                        std::map<std::string, double> overrides = {}) {
    population_init init;
    init.name = "cell";
    init.size = 1;
    init.synapse = s;
    for (const auto& p : m.params) {
        const auto it = overrides.find(p.name);
        init.params[p.name] = {it != overrides.end() ? it->second : p.default_value};
    }
    return init;
}

// One jump J_ex at step 0, then `steps` steps; returns the excitatory synapse variable and
// V_m after each step.
std::pair<std::vector<double>, std::vector<double>> response(population& pop, double J_ex,
                                                              double J_in, int steps,
                                                              const char* var) {
    std::vector<double> s, V;
    pop.prepare(0.1);
    for (int t = 0; t < steps; ++t) {
        double ex = t == 0 ? J_ex : 0.0, in = t == 0 ? J_in : 0.0, cont = 0.0;
        step_inputs inputs{&ex, &in, &cont};
        update_status st;
        pop.update(t, 0, 1, inputs, st);
        s.push_back(pop.column(var)[0]);
        V.push_back(pop.column("V_m")[0]);
    }
    return {s, V};
}

}  // namespace

TEST_CASE("synapses: exp and alpha kernels have the documented shape",
          "[models][synapses][physics]") {
    // A jump at the end of step 0 (t = 0.1 ms). exp: x(t) = J e^(-t/tau); alpha:
    // x(t) = J (t/tau) e^(1 - t/tau), peak J at t = tau. The kernels are linear ODEs integrated
    // by RK4 with 0.025 ms substeps: relative error ~(h/tau)^4/120 < 1e-6 for tau = 2 ms.
    for (const model_info* m : {&izhikevich_info, &adex_info, &hh_info, &hh_traub_info}) {
        for (const auto type : {synapse_type::exp_current, synapse_type::alpha_current,
                                synapse_type::exp_cond, synapse_type::alpha_cond}) {
            CAPTURE(m->name, synapse_name(type));
            auto pop = m->create(init_of(*m, type, {{"tau_syn_ex", 2.0}, {"tau_syn_in", 2.0}}));
            const double J = is_conductance(type) ? 1.0 : 5.0;
            const auto [s, V] = response(*pop, J, 0.0, 101, is_conductance(type) ? "g_ex" : "I_syn_ex");
            const bool alpha = type == synapse_type::alpha_current || type == synapse_type::alpha_cond;
            for (const int k : {10, 20, 50, 100}) {  // t = k * 0.1 ms after the jump
                const double t = k * 0.1;
                const double expected =
                    alpha ? J * t / 2.0 * std::exp(1.0 - t / 2.0) : J * std::exp(-t / 2.0);
                // hh uses dopri5 with tol 1e-6 (absolute): allow that
                CHECK(s[k] == Approx(expected).epsilon(1e-5).margin(1e-5));
            }
            if (alpha) {
                CHECK(s[20] == Approx(J).epsilon(1e-5));  // the peak J at t = tau
            }
            if (m != &hh_traub_info) {  // (hh_traub fires spontaneously from E_L)
                CHECK(V[30] > V[0]);    // excitatory: depolarises (E_ex = 0 mV is above rest)
            }
        }
    }
}

TEST_CASE("synapses: conductance synapses drive g (E - V_m)", "[models][synapses][physics]") {
    // An inhibitory conductance with E_in at the resting potential only shunts: V_m does not
    // move. With E_in 20 mV below rest it hyperpolarises.
    auto rest_pop = adex_info.create(init_of(adex_info, synapse_type::exp_cond,
                                             {{"Delta_T", 0.0}, {"E_L", -70.0}, {"a", 0.0},
                                              {"E_in", -70.0}, {"V_peak", -40.0}}));
    const auto [g, V] = response(*rest_pop, 0.0, -10.0, 50, "g_in");
    CHECK(g[5] > 1.0);  // the conductance is there (|J| = 10 nS)
    CHECK(V[20] == Approx(-70.0).margin(1e-12));
    auto hyper = adex_info.create(init_of(adex_info, synapse_type::exp_cond,
                                          {{"Delta_T", 0.0}, {"E_L", -70.0}, {"a", 0.0},
                                           {"E_in", -90.0}, {"V_peak", -40.0}}));
    const auto [g2, V2] = response(*hyper, 0.0, -10.0, 50, "g_in");
    CHECK(V2[20] < -70.1);
}

TEST_CASE("synapses: every point model survives a long noisy run with every synapse type",
          "[models][synapses][physics]") {
    // Poisson excitation and inhibition (5 kHz total per neuron, large jumps) for 2 s. The
    // engine throws runtime_fault on NaN/inf, so completing is the check; plus some spikes.
    for (const char* model : {"izhikevich", "adex", "hh", "hh_traub"}) {
        for (const char* syn : {"exp_current", "alpha_current", "exp_cond", "alpha_cond"}) {
            const bool cond = std::string(syn).find("cond") != std::string::npos;
            const std::string m = model;
            // jumps of a few mV each (izhikevich's implied 1 pF makes 1 pA = 1 mV/ms; adex
            // has tau_syn_ex = 0.2 ms by default, so larger jumps)
            const double w_ex = m == "izhikevich" ? (cond ? 0.05 : 3.0)
                                : m == "adex"     ? (cond ? 15.0 : 800.0)
                                : m == "hh"       ? (cond ? 15.0 : 150.0)
                                                  : (cond ? 3.0 : 150.0);
            // (NEST's default adex adapts to silence under this input: the tonic preset)
            const std::string bias = m == "adex" ? "preset = \"tonic\"" : "";
            // (adex: tau_syn_in = 10 x tau_syn_ex by default)
            const double w_in = m == "adex" ? -w_ex / 10.0 : -w_ex;
            CAPTURE(model, syn);
            auto out = test::run_text(fmt::format(R"(
[simulation]
duration = 2000.0
seed = 3
[[population]]
name = "cell"
model = "{}"
size = 4
synapse = "{}"
{}
[[stimulus]]
type = "poisson"
target = "cell"
rate = 4000.0
weight = {}
[[stimulus]]
type = "poisson"
target = "cell"
rate = 1000.0
weight = {}
[[record]]
population = "cell"
spikes = true
)",
                                                  model, syn, bias, w_ex, w_in));
            CHECK(out.result.completed);
            CHECK(out.sink.spikes("cell").ids.size() > 4);
            for (const char* var : {"V_m", cond ? "g_ex" : "I_syn_ex"}) {
                CHECK(std::isfinite(out.net.populations[0]->column(var)[0]));
            }
        }
    }
}

TEST_CASE("scenario: synapse and preset keys are validated", "[scenario][errors][synapses]") {
    const auto load = [](const std::string& pop) {
        return load_scenario_text(
            "[simulation]\nduration = 10\n[[population]]\nname = \"c\"\n" + pop, "bad.toml",
            builtin_models());
    };
    REQUIRE_THROWS_WITH(load("model = \"adex\"\nsize = 1\nsynapse = \"exp_cnd\"\n"),
                        Contains("bad.toml:7:11: error: population 'c', synapse: expected one "
                                 "of exp_current, alpha_current, exp_cond, alpha_cond") &&
                            Contains("did you mean 'exp_cond'?"));
    REQUIRE_THROWS_WITH(load("model = \"lif\"\nsize = 1\nsynapse = \"exp_cond\"\n"),
                        Contains("synapse: expected one of exp_current"));
    REQUIRE_THROWS_WITH(load("model = \"izhikevich\"\nsize = 1\npreset = \"XX\"\n"),
                        Contains("bad.toml:7:10: error: population 'c', preset: expected one of "
                                 "RS, IB, CH, FS, LTS, TC, RZ"));
    REQUIRE_THROWS_WITH(load("model = \"lif\"\nsize = 1\npreset = \"RS\"\n"),
                        Contains("preset: model 'lif' has no presets"));
    // Conductance synapses take weights in nS: a current is the wrong dimension.
    const auto path = test::data_path("bad/conductance_weights_in_pA.toml");
    REQUIRE_THROWS_WITH(load_scenario_file(path, builtin_models()),
                        Contains(path + ":17:10: error: projection 'a' -> 'b', weight") &&
                            Contains("conductance") && Contains(path + ":22:10"));
}

TEST_CASE("scenario: a preset fills parameters, explicit values win", "[models][synapses]") {
    auto out = test::run_text(test::data_text("scenarios/presets_and_explicit_values.toml"));
    CHECK(out.net.params[0].at("c")[0] == -50.0);  // from CH
    CHECK(out.net.params[0].at("d")[0] == 3.0);    // explicit
    CHECK(out.net.params[1].at("C_m")[0] == 130.0);
    CHECK(out.net.params[1].at("b")[0] == 120.0);
}

TEST_CASE("synapses: the ODE point models give identical spikes on 1 and 2 threads",
          "[models][synapses][determinism]") {
    // Each neuron is integrated on its own (its own steps, no shared scratch), so the thread
    // split cannot change a result: spike times must be bit-identical.
    const std::string toml = test::data_text("scenarios/ode_models_two_threads.toml");
    auto one = test::run_text(toml, 1);
    auto two = test::run_text(toml, 2);
    for (const char* pop : {"a", "h"}) {
        CHECK(one.sink.spikes(pop).times == two.sink.spikes(pop).times);
        CHECK(one.sink.spikes(pop).ids == two.sink.spikes(pop).ids);
        CHECK(!one.sink.spikes(pop).ids.empty());
    }
}
