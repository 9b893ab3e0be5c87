// SPDX-License-Identifier: BSD-3-Clause
// SWC geometry against NEURON's Import3d on two real reconstructions (Allen Cell Types
// Database, tests/data/morphologies/README.md): total membrane area, soma input resistance,
// input resistance at a distal dendritic site and the transfer resistance from there to the
// soma. Reference numbers from tests/reference/neuron_import3d_passive.py (NEURON 8.2,
// Import3d_SWC_read + Import3d_GUI(..., 0).instantiate(None), exact 0 Hz impedance of the
// discretised cell), with the same passive properties and the same nseg per section.
//
// neurotwin's resistances come from the assembled matrix (detail::passive_response: the
// steady state of the cell's own axial conductances and leaks for 1 pA at one node), which is
// what every simulation step solves with dt -> infinity.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "models/cable.hpp"
#include "sim/scenario/swc.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {

struct neuron_reference {
    const char* file;
    std::size_t sections;
    std::size_t compartments;
    double area;         // [um2]
    double R_soma;       // [MOhm] input resistance at soma(0.5)
    const char* distal;  // distal site: section(0.5)
    double R_distal;     // [MOhm] input resistance there
    double R_transfer;   // [MOhm] distal site -> soma(0.5)
};

// Printed by tests/reference/neuron_import3d_passive.py.
const neuron_reference references[] = {
    {"Scnn1a_473845048_m.swc", 123, 351, 7114.84932, 170.9675414, "dend[37]", 1450.481739,
     84.66634169},
    {"Pvalb_470522102_m.swc", 38, 154, 3205.152439, 349.597086, "dend[9]", 3039.223965,
     237.0269316},
};

}  // namespace

TEST_CASE(
    "swc: compartments of real reconstructions match NEURON's Import3d in area and "
    "input and transfer resistance",
    "[scenario][swc][models][mc_cell][neuron]") {
    for (const auto& ref : references) {
        INFO(ref.file);
        section_props passive;  // the reference script's: Ra 100, cm 1, g_pas 1e-4
        passive.Ra = 100.0;
        passive.cm = 1.0;
        passive.g_pas = 1e-4;
        swc_options opt;
        opt.segment_length = 20.0;  // the script's nseg rule
        opt.soma = opt.axon = opt.dend = opt.apic = passive;
        const auto m = read_swc(
            test::source_path(std::string("tests/data/morphologies/") + ref.file), "cell", opt);
        const auto t = detail::discretize(m);
        REQUIRE(m.sections.size() == ref.sections);
        REQUIRE(t.compartment_node.size() == ref.compartments);

        double area = 0.0;  // [um2]
        for (const double a : t.area) {
            area += a;
        }
        const int distal = m.find(ref.distal);
        REQUIRE(distal >= 0);
        const auto site = t.node_at(distal, 0.5);
        const auto from_soma = detail::passive_response(t, t.soma);  // [mV/pA] = [GOhm]
        const auto from_site = detail::passive_response(t, site);

        // Tolerance 1e-4 relative, far inside the issue's 1 % bound: both programs integrate
        // the same frusta over the same compartments, and the only difference left is that
        // NEURON stores the 3-D points in single precision (relative 6e-8 per coordinate;
        // measured agreement 2e-7 for all eight numbers). The old geometry (one mean diameter per
        // section, soma children from the soma centre) was off by -9.7 % (Scnn1a) and -27 % (Pvalb)
        // in the distal input resistance and +5.4 % in the Scnn1a transfer resistance.
        CHECK(area == Approx(ref.area).epsilon(1e-4));
        CHECK(from_soma[t.soma] * 1e3 == Approx(ref.R_soma).epsilon(1e-4));  // [MOhm]
        CHECK(from_site[site] * 1e3 == Approx(ref.R_distal).epsilon(1e-4));
        CHECK(from_site[t.soma] * 1e3 == Approx(ref.R_transfer).epsilon(1e-4));
        // reciprocity of a passive cable: the transfer resistance is symmetric
        CHECK(from_soma[site] == Approx(from_site[t.soma]).epsilon(1e-9));
    }
}

TEST_CASE(
    "mc_cell scenario: soma spikes from distal pulses on a real reconstruction match "
    "NEURON",
    "[models][mc_cell][scenario][swc][neuron]") {
    // Scnn1a cell, hh soma (NEURON's hh, exact rates, celsius 6.3), pas e = -65 mV elsewhere;
    // 3 nA for 2 ms at dend[37](0.5) from 5, 25 and 45 ms. NEURON with CVODE (1e-9) and with
    // its own Crank-Nicolson at dt = 0.025 ms (tests/reference/neuron_import3d_passive.py);
    // the two differ by 0.001 ms. Allowed: 0.01 ms from CVODE, the bound the ball-and-stick
    // tests use for this scheme at this dt, and 1e-4 ms from NEURON's Crank-Nicolson, which is
    // neurotwin's scheme on the same compartments (measured: 2e-6 ms; what is left is NEURON's
    // single-precision 3-D points). The old geometry fired 0.35-0.41 ms early here.
    std::string stimuli;
    for (const double start : {5.0, 25.0, 45.0}) {
        stimuli += fmt::format(R"(
[[stimulus]]
type = "dc"
target = "cell"
location = {{ section = "dend[37]", x = 0.5 }}
amplitude = "3 nA"
start = {}
stop = {}
)",
                               start, start + 2.0);
    }
    const auto text =
        fmt::format(R"(
[simulation]
duration = 60
dt = 0.025
[[morphology]]
name = "scnn1a"
swc = "{}"
segment_length = 20
[morphology.defaults]
Ra = 100
cm = 1
g_pas = 1e-4
e_pas = -65
[morphology.soma]
g_pas = 0
hh = true
[[population]]
name = "cell"
model = "mc_cell"
size = 1
morphology = "scnn1a"
{}
[[record]]
population = "cell"
spikes = true
)",
                    test::source_path("tests/data/morphologies/Scnn1a_473845048_m.swc"), stimuli);
    const auto out = test::run_text(text);
    const auto t = test::spike_times_of(out.sink.spikes("cell"), 0);
    const std::vector<double> cvode{9.257397, 29.617426, 49.631581};
    const std::vector<double> cn{9.258431, 29.618418, 49.632601};
    REQUIRE(t.size() == cvode.size());
    for (std::size_t k = 0; k < t.size(); ++k) {
        CHECK(t[k] == Approx(cvode[k]).margin(0.01));
        CHECK(t[k] == Approx(cn[k]).margin(1e-4));
    }
}
