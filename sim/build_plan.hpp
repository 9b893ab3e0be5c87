// SPDX-License-Identifier: BSD-3-Clause
// What the network builder (sim/network.cpp) works from before it constructs anything: plain
// populations with every parameter expanded per neuron, projections with explicit edges,
// and records in steps. Scenario populations become pop_plans in the builder; derived items
// (a twin's three populations, its two projections and its records: sim/twin.cpp) are made
// by their own module in these same terms, so the builder builds them like any other.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/errors.hpp"
#include "sim/model_api.hpp"
#include "sim/network.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin::detail {

// A population before construction: every parameter expanded per neuron.
struct pop_plan {
    std::string name;
    const model_info* info = nullptr;
    index_t size = 0;
    population_init init;
    double rate_filter_ms = 100.0;
    // > 0: the nodes are `channels` input channels per group (node id = group * channels +
    // channel), which a stimulus may address one at a time (key `channel`).
    index_t channels = 0;
    source_pos where;
};

// A projection whose connections are already known (no rule draws them).
struct wired_projection {
    std::string source;
    std::string target;
    std::vector<edge> edges;
    std::vector<double> weights;
    std::vector<step_t> delays;
    std::vector<index_t> ports;  // input port of each edge's target (empty: port 0)
    projection_encoding encoding = projection_encoding::rate;
};

// One recorder: a variable (or spikes: "") of every neuron of a population.
struct record_plan {
    std::string population;
    std::string variable;
    step_t interval = 1;
};

// Fills every parameter of plan.info (defaults for those not given), checks ranges and the
// model's cross-parameter rules for every neuron; random values are drawn from the streams
// "population/<name>/param/<key>" and "population/<name>/init/<var>".
void expand_params(pop_plan& plan, const std::map<std::string, value_spec>& given,
                   const std::map<std::string, value_spec>& init, std::uint64_t seed,
                   const std::string& context, diagnostics_list& diags);

// Compartmental models: the morphology of a plan and its input sites (port k of each neuron
// = sites[k]; port 0 is the soma, then every other location named by `used`, a stimulus or
// a projection of the scenario onto the plan, in that order).
void plan_cell(pop_plan& plan, const scenario_desc& desc, const std::string& morphology,
               const source_pos& where, std::vector<std::optional<location>> used);

// Port of `site` on a planned population (0 for point neurons and for no site).
index_t port_of(const pop_plan& plan, const std::optional<location>& site);

// The integrator given, or the model's default ("" when it has no choice).
std::string integrator_of(const model_info& m, const std::string& given);

}  // namespace neurotwin::detail
