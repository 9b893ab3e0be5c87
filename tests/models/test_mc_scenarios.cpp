// SPDX-License-Identifier: BSD-3-Clause
// mc_cell through the whole pipeline: [[morphology]] tables and SWC files, inputs at
// dendritic locations, compartment reports, the dendritic-integration twin, thread-count
// independence and the loader's messages.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "models/registry.hpp"
#include "sim/scenario/desc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

// NEURON's reference ball and stick (tests/reference/neuron_ball_and_stick.py).
const char* ball_and_stick_morphology = R"(
[[morphology]]
name = "bs"
[morphology.defaults]
Ra = 100
[[morphology.section]]
name = "soma"
length = 20
diam = 20
hh = true
[[morphology.section]]
name = "dend"
parent = "soma"
length = "500 um"
diam = 2
nseg = 101
g_pas = "1e-4 S/cm2"
e_pas = -65
)";

// A population of `size` ball-and-stick cells, plus extra keys of its table.
std::string cells(const std::string& name, int size, const std::string& extra = "") {
    return fmt::format("[[population]]\nname = \"{}\"\nmodel = \"mc_cell\"\nsize = {}\n"
                       "morphology = \"bs\"\n{}",
                       name, size, extra);
}

std::string scenario(const std::string& body, double duration = 50.0) {
    return fmt::format("[simulation]\nduration = {}\ndt = 0.025\nseed = 5\n{}\n{}", duration,
                       ball_and_stick_morphology, body);
}

}  // namespace

TEST_CASE("mc_cell scenario: a current step at the dendrite tip gives NEURON's soma spikes",
          "[models][mc_cell][scenario][neuron]") {
    // Same cell and stimulus as the model-level test, through loader, builder, engine and
    // the precise spike stamps (step start + interpolated offset). NEURON + CVODE reference;
    // NEURON's own Crank-Nicolson at dt = 0.025 ms differs from it by up to 0.0062 ms.
    const auto out = test::run_text(scenario(cells("cell", 1) + R"(
[[stimulus]]
type = "dc"
target = "cell"
location = { section = "dend", x = 1.0 }
amplitude = "0.3 nA"
start = 5
stop = 45
[[record]]
population = "cell"
spikes = true
)"));
    const auto t = test::spike_times_of(out.sink.spikes("cell"), 0);
    const std::vector<double> neuron{9.018841, 24.963075, 40.658763};
    REQUIRE(t.size() == neuron.size());
    for (std::size_t k = 0; k < t.size(); ++k) {
        CHECK(t[k] == Approx(neuron[k]).margin(0.01));
    }
}

TEST_CASE("mc_cell scenario: compartment reports carry SONATA element ids",
          "[models][mc_cell][scenario][io]") {
    const auto out = test::run_text(scenario(cells("cell", 2) + R"(
[[stimulus]]
type = "dc"
target = "cell"
location = { section = "dend", x = 0.5 }
amplitude = { linspace = [0.0, 50.0] }
[[record]]
population = "cell"
variables = ["V_m"]
neurons = [1]
compartments = [ { section = "dend", x = 1.0 }, { section = "soma", x = 0.5 },
                 { section = "dend", x = 0.5 } ]
interval = 1.0
)",
                                             10.0));
    const auto& r = out.sink.report("cell", "V_m");
    // ascending compartments: soma (0), dend(0.5) = 1 + 50, dend(1) = last = 1 + 100
    REQUIRE(r.element_ids == std::vector<std::uint32_t>{0, 51, 101});
    REQUIRE(r.index_pointers == std::vector<std::uint64_t>{0, 3});
    REQUIRE(r.node_ids == std::vector<std::uint64_t>{1});
    REQUIRE(r.frames == 10);
    // Current enters at dend(0.5) (column 1): that compartment is the most depolarised;
    // the sealed tip beyond it (column 2) follows it, the soma (column 0), which also loads
    // the cable with its larger membrane, lags most: V(soma) < V(tip) < V(input).
    const auto last = r.frames - 1;
    CHECK(r.at(last, 1) > r.at(last, 2));
    CHECK(r.at(last, 2) > r.at(last, 0));
    // frame 0 is the initial state: -65 mV everywhere (NEURON's v_init)
    CHECK(r.at(0, 0) == Approx(-65.0));
}

TEST_CASE("mc_cell scenario: synaptic input at dendritic sites is identical for 1 and 2 threads",
          "[models][mc_cell][determinism]") {
    const auto text = scenario(R"(
[[population]]
name = "drive"
model = "lif"
size = 20
params = { I_e = { linspace = [380.0, 500.0] } }
[[population]]
name = "cells"
model = "mc_cell"
size = 7
morphology = "bs"
synapse = "alpha_cond"
[[projection]]
source = "drive"
target = "cells"
rule = "fixed_indegree"
k = 8
weight = { uniform = [2.0, 6.0] }
delay = 1.0
location = { section = "dend", x = 0.3 }
[[stimulus]]
type = "poisson"
target = "cells"
location = { section = "dend", x = 0.8 }
rate = 800
weight = "2 nS"
[[record]]
population = "cells"
spikes = true
variables = ["V_m"]
compartments = "all"
interval = 0.5
)",
                               200.0);
    const auto a = test::run_text(text, 1);
    const auto b = test::run_text(text, 2);
    const auto& sa = a.sink.spikes("cells");
    const auto& sb = b.sink.spikes("cells");
    REQUIRE(sa.times.size() > 5);
    CHECK(sa.times == sb.times);
    CHECK(sa.ids == sb.ids);
    const auto& ra = a.sink.report("cells", "V_m");
    const auto& rb = b.sink.report("cells", "V_m");
    CHECK(ra.element_ids.size() == 7 * 102);
    CHECK(ra.data == rb.data);
}

TEST_CASE("mc_cell scenario: an SWC morphology is read relative to the scenario",
          "[models][mc_cell][scenario][swc]") {
    // tests/data/swc/ball_and_stick.swc: 3-point soma r = 10 (L = diam = 20 um) and a
    // 400 um dendrite of diameter 2 um.
    const auto path = test::temp_path("mc_swc.toml");
    const auto swc = test::source_path("tests/data/swc/ball_and_stick.swc");
    const auto text = fmt::format(R"(
[simulation]
duration = 30
dt = 0.025
[[morphology]]
name = "cell"
swc = "{}"
segment_length = 10
[morphology.soma]
hh = true
Ra = 100
[morphology.dend]
g_pas = 1e-4
e_pas = -65
Ra = 100
[[population]]
name = "c"
model = "mc_cell"
size = 1
morphology = "cell"
[[stimulus]]
type = "dc"
target = "c"
location = {{ section = "dend[0]", x = 1.0 }}
amplitude = "0.5 nA"
start = 2
[[record]]
population = "c"
spikes = true
variables = ["V_m"]
compartments = "all"
interval = 1.0
)",
                                  swc);
    const auto desc = load_scenario_text(text, path, builtin_models());
    REQUIRE(desc.morphologies.size() == 1);
    const auto& m = desc.morphologies[0];
    REQUIRE(m.sections.size() == 2);
    CHECK(m.sections[1].name == "dend[0]");
    CHECK(m.sections[1].nseg == 41);  // 400 um / 10 um, made odd
    CHECK(m.sections[0].nseg == 3);   // soma: 20 um / 10 um, made odd
    const auto out = test::run_text(text);
    CHECK(out.sink.report("c", "V_m").element_ids.size() == 3 + 41);
    CHECK(!out.sink.spikes("c").times.empty());
}

TEST_CASE("mc_cell scenario: the dendritic twin shows attenuation and linear summation",
          "[models][mc_cell][twin][physics]") {
    // Passive cell, current inputs: the soma's response is linear in the inputs, so
    //   V(both) - V_rest = (V(proximal) - V_rest) + (V(distal) - V_rest)
    // to rounding (float32 output: 1e-4 mV on ~10 mV), and the distal site's transfer
    // resistance is below the proximal one's (cable attenuation), while the linear twin's
    // activation weighs both inputs alike.
    const auto run = [](double proximal, double distal) {
        const auto text = fmt::format(R"(
[simulation]
duration = 300
dt = 0.025
[[morphology]]
name = "p"
[morphology.defaults]
Ra = 150
g_pas = 5e-5
e_pas = -70
[[morphology.section]]
name = "soma"
length = 20
diam = 20
[[morphology.section]]
name = "dend"
parent = "soma"
length = 800
diam = 1.5
nseg = 81
[[twin]]
name = "t"
size = 1
activation = "linear"
biological = "mc_cell"
morphology = "p"
current_scale = "2 pA"
inputs = [ {{ rate = {}, weight = 1.0, location = {{ section = "dend", x = 0.1 }} }},
           {{ rate = {}, weight = 1.0, location = {{ section = "dend", x = 1.0 }} }} ]
)",
                                      proximal, distal);
        const auto out = test::run_text(text);
        const auto& v = out.sink.report("t.biological", "V_m");
        const auto& z = out.sink.report("t.artificial", "activation");
        return std::pair{double(v.at(v.frames - 1, 0)) + 70.0,
                         double(z.at(z.frames - 1, 0))};  // [mV], unitless
    };
    const auto [v_p, z_p] = run(10.0, 0.0);
    const auto [v_d, z_d] = run(0.0, 10.0);
    const auto [v_b, z_b] = run(10.0, 10.0);
    CHECK(z_p == Approx(10.0));
    CHECK(z_d == Approx(10.0));
    CHECK(z_b == Approx(20.0));
    CHECK(v_p > 1.0);
    CHECK(v_d < 0.9 * v_p);  // attenuation along 800 um (L/lambda ~ 0.9)
    CHECK(v_b == Approx(v_p + v_d).margin(1e-3));
}

TEST_CASE("mc_cell scenario: errors name the place and what was expected",
          "[models][mc_cell][scenario][errors]") {
    const auto fails = [](const std::string& body) {
        try {
            load_scenario_text(scenario(body), "cell.toml", builtin_models());
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(fails(cells("c", 1) + R"(
[[stimulus]]
type = "dc"
target = "c"
location = { section = "dendd", x = 0.5 }
amplitude = 10
)"),
               Contains("cell.toml:33:24") && Contains("unknown section 'dendd'") &&
                   Contains("did you mean 'dend'"));
    CHECK_THAT(fails(R"(
[[population]]
name = "c"
model = "mc_cell"
size = 1
)"),
               Contains("cell.toml:25:1") && Contains("needs a 'morphology'"));
    CHECK_THAT(fails(R"(
[[population]]
name = "c"
model = "lif"
size = 1
[[stimulus]]
type = "dc"
target = "c"
location = { section = "dend", x = 0.5 }
amplitude = 10
)"),
               Contains("compartmental targets only") && Contains("point neuron (lif)"));
    CHECK_THAT(fails(cells("c", 1) + R"(
[[stimulus]]
type = "dc"
target = "c"
location = { section = "dend", x = 1.5 }
amplitude = 10
)"),
               Contains("location.x") && Contains("found 1.5"));
    CHECK_THAT(fails(cells("c", 1) + R"(
[[record]]
population = "c"
variables = ["V_m", "rate"]
compartments = "all"
)"),
               Contains("only V_m is recorded per compartment"));
    CHECK_THAT(fails(R"(
[[morphology]]
name = "bad"
[[morphology.section]]
name = "soma"
length = -3
diam = 10
[[morphology.section]]
name = "dend"
parent = "axon"
length = 10
diam = 1
)"),
               Contains("length: expected a positive length") &&
                   Contains("parent: expected a section defined above, found 'axon'"));
}

TEST_CASE("mc_cell scenario: a long noisy run stays finite with every synapse type",
          "[models][mc_cell][synapses][physics]") {
    // Poisson excitation (4 kHz) at dend(0.5) and inhibition (1 kHz) at the soma, 2 s: the
    // engine raises runtime_fault on NaN/inf, so completing is the check; plus some spikes.
    for (const char* syn : {"exp_current", "alpha_current", "exp_cond", "alpha_cond"}) {
        const bool cond = std::string(syn).find("cond") != std::string::npos;
        CAPTURE(syn);
        const auto body = fmt::format(R"(
[[stimulus]]
type = "poisson"
target = "c"
location = {{ section = "dend", x = 0.5 }}
rate = 4000
weight = {}
[[stimulus]]
type = "poisson"
target = "c"
rate = 1000
weight = {}
[[record]]
population = "c"
spikes = true
)",
                                      cond ? 2.0 : 100.0, cond ? -2.0 : -100.0);
        const auto out = test::run_text(
            scenario(cells("c", 2, fmt::format("synapse = \"{}\"\n", syn)) + body, 2000.0));
        CHECK(out.result.completed);
        // the input fires the cells (alpha synapses carry e times the charge of exp ones and
        // may drive the soma into depolarisation block after a few spikes: allowed)
        CHECK(out.sink.spikes("c").ids.size() >= 2);
        CHECK(std::isfinite(out.net.populations[0]->column("V_m")[0]));
    }
}
