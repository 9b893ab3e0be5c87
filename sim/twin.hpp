// SPDX-License-Identifier: BSD-3-Clause
// Twins, lowered: a [[twin]] becomes plain build items (sim/build_plan.hpp) - three
// populations, two projections with explicit edges, and records - plus the twin's own
// description for the output (/neurotwin/twins/<name>). The builder never looks at a twin:
// everything a twin means (the mapping of weights, bias and inputs onto the biological side,
// its calibration) is here.
//
// The mapping (docs/scenario.md, "The mapping"), for pair i and input k of rate x_ik:
//   <twin>.inputs      rate_source, node i*K + k, activation x_ik
//   <twin>.artificial  z_i = sum_k w_k x_ik + b_i, a_i = f(z_i)      (projection, weight w_k)
//   <twin>.biological  rest_i = E_ref + bias_scale * b_i; input k carries the mean current
//                      s w_k x_ik (current encoding: a rate projection of weight s w_k;
//                      Poisson encoding: Poisson trains of jump s w_k 1000 / area).
// E_ref (default: the onset), bias_scale (default R s) and the synaptic areas come from one
// calibration of the biological model per distinct parameter set, at the model's own rest.
#pragma once

#include <vector>

#include "sim/build_plan.hpp"

namespace neurotwin::detail {

struct lowered_twin {
    std::vector<pop_plan> populations;              // inputs, artificial, biological
    std::vector<wired_projection> projections;      // inputs -> artificial, -> biological
    std::vector<record_plan> records;               // none when record = false
    twin_rt info;                                   // population indices not yet known
};

// Throws input_error for what only the lowering can see (a synapse that cannot carry the
// Poisson encoding's mean current); parameter problems go to `diags`.
lowered_twin lower_twin(const twin_desc& td, const scenario_desc& desc, double dt,
                        diagnostics_list& diags);

}  // namespace neurotwin::detail
