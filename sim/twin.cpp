// SPDX-License-Identifier: BSD-3-Clause
#include "sim/twin.hpp"

#include <fmt/format.h>

#include "sim/random.hpp"
#include "sim/values.hpp"

namespace neurotwin::detail {

namespace {

// s: pA of input current per unit of w x (docs/scenario.md, "The mapping").
constexpr double default_current_scale = 10.0;

// <twin>.inputs: one rate source per (pair, input), node id = pair * K + k.
pop_plan inputs_plan(const twin_desc& td, const model_info& source, std::uint64_t seed) {
    const index_t n = td.size;
    const auto K = static_cast<index_t>(td.inputs.size());
    pop_plan inputs;
    inputs.name = td.name + ".inputs";
    inputs.info = &source;
    inputs.size = n * K;
    inputs.channels = K;
    inputs.where = td.where;
    inputs.rate_filter_ms = td.rate_filter_ms;
    inputs.init.name = inputs.name;
    inputs.init.size = inputs.size;
    std::vector<double> rates(inputs.size);
    for (index_t k = 0; k < K; ++k) {
        const auto col = expand(td.inputs[k].rate, n, seed,
                                stream_id(fmt::format("twin/{}/input/{}", td.name, k)));
        for (index_t i = 0; i < n; ++i) {
            rates[std::size_t(i) * K + k] = col[i];
        }
    }
    inputs.init.params["rate"] = std::move(rates);
    return inputs;
}

// One side of the pairs (node i = pair i), before its parameters are expanded.
pop_plan side_plan(const twin_desc& td, const char* suffix, const model_info& model) {
    pop_plan side;
    side.name = td.name + suffix;
    side.info = &model;
    side.size = td.size;
    side.where = td.where;
    side.rate_filter_ms = td.rate_filter_ms;
    return side;
}

}  // namespace

lowered_twin lower_twin(const twin_desc& td, const scenario_desc& desc, double dt,
                        diagnostics_list& diags) {
    const auto seed = desc.simulation.seed;
    const auto* act = desc.registry().find(td.activation);
    const auto* bio = desc.registry().find(td.biological);
    const auto* source = desc.registry().find("rate_source");
    if (act == nullptr || act->kind != model_kind::artificial) {
        throw input_error(td.where, fmt::format("twin '{}': unknown activation '{}'", td.name,
                                                td.activation));
    }
    if (bio == nullptr || bio->kind != model_kind::spiking || !bio->calibrate) {
        throw input_error(td.where, fmt::format("twin '{}': '{}' cannot be a biological twin",
                                                td.name, td.biological));
    }
    if (source == nullptr || source->kind != model_kind::source) {
        throw input_error(td.where, fmt::format("twin '{}': its inputs need the model "
                                                "'rate_source', which this build does not have",
                                                td.name));
    }
    const index_t n = td.size;
    const auto K = static_cast<index_t>(td.inputs.size());
    lowered_twin out;
    twin_rt& tw = out.info;
    tw.name = td.name;
    tw.size = n;
    tw.n_inputs = K;
    tw.activation = td.activation;
    tw.biological_model = td.biological;
    tw.encoding = td.encoding;
    tw.current_scale = td.current_scale.value_or(default_current_scale);
    for (const auto& in : td.inputs) {
        tw.weights.push_back(in.weight);
    }
    tw.bias = expand(td.bias, n, seed, stream_id(fmt::format("twin/{}/bias", td.name)));

    pop_plan inputs = inputs_plan(td, *source, seed);

    // <twin>.artificial: the bias is the artificial model's own parameter.
    pop_plan art = side_plan(td, ".artificial", *act);
    std::map<std::string, value_spec> art_params = td.activation_params;
    art_params.erase("bias");
    expand_params(art, art_params, {}, seed, fmt::format("twin '{}'", td.name), diags);
    art.init.params["bias"] = tw.bias;

    // <twin>.biological: the bias is the resting potential,
    //   rest_i = E_ref_i + bias_scale_i * b_i, with E_ref = onset (the resting potential at
    //   which the neuron starts to fire) and bias_scale = R * current_scale by default,
    // so that the steady-state drive relative to the onset, R * s * (sum w x + b), has the
    // sign of the artificial pre-activation.
    pop_plan bio_plan = side_plan(td, ".biological", *bio);
    auto bio_params = td.params;
    bio_params.erase(bio->rest_param);
    expand_params(bio_plan, bio_params, td.init, seed, fmt::format("twin '{}'", td.name), diags);
    const auto synapse = td.synapse.value_or(bio->synapses.front());
    bio_plan.init.synapse = synapse;
    bio_plan.init.integrator = integrator_of(*bio, td.integrator);
    if (bio->compartmental) {
        std::vector<std::optional<location>> input_sites;
        for (const auto& in : td.inputs) {
            input_sites.push_back(in.site);
        }
        plan_cell(bio_plan, desc, td.morphology, td.where, input_sites);
    }

    // Calibration, once per distinct parameter set (a compartmental cell's solves its
    // resting state; hh's simulates its onset), at the model's own rest: R and the onset
    // place the bias, the synaptic areas scale the Poisson encoding's jumps.
    std::vector<twin_calibration> cal(n);
    {
        std::vector<double> values(bio->params.size());
        std::vector<double> last_values;
        twin_calibration c;
        for (index_t i = 0; i < n; ++i) {
            for (std::size_t k = 0; k < values.size(); ++k) {
                const auto& p = bio->params[k];
                values[k] = p.is_list ? 0.0 : bio_plan.init.params[p.name][i];
            }
            if (values != last_values) {  // pairs with the same parameters share it
                const param_lookup lookup(bio->params, values, bio_plan.init.morphology,
                                          &bio_plan.init.lists);
                c = adapt_calibration(bio->calibrate(lookup), synapse, lookup);
                last_values = values;
                if (td.encoding == twin_encoding::poisson &&
                    (c.psc_area_ex <= 0.0 || c.psc_area_in <= 0.0)) {
                    throw input_error(
                        td.where,
                        fmt::format("twin '{}': {} synapses cannot carry the Poisson "
                                    "encoding's mean current: a reversal potential (E_ex {} mV, "
                                    "E_in {} mV) is on the wrong side of the membrane potential "
                                    "at onset {:.4g} mV (pair {}); use encoding = \"current\" or "
                                    "a current synapse",
                                    td.name, synapse_name(synapse), lookup["E_ex"],
                                    lookup["E_in"], c.V_membrane, i));
                }
            }
            cal[i] = c;
        }
    }
    auto& rest = bio_plan.init.params[bio->rest_param];
    tw.bias_scale.resize(n);
    tw.E_ref.resize(n);
    for (index_t i = 0; i < n; ++i) {
        tw.bias_scale[i] = td.bias_scale.value_or(cal[i].R_mV_per_pA * tw.current_scale);
        tw.E_ref[i] = td.E_ref.value_or(cal[i].V_onset);
        rest[i] = tw.E_ref[i] + tw.bias_scale[i] * tw.bias[i];  // [mV]
    }

    // Wiring: input k of pair i onto pair i of both sides, one step of delay.
    wired_projection to_art;
    to_art.source = inputs.name;
    to_art.target = art.name;
    for (std::uint32_t i = 0; i < n; ++i) {
        for (std::uint32_t k = 0; k < K; ++k) {
            to_art.edges.push_back({i * K + k, i});
            to_art.weights.push_back(tw.weights[k]);
        }
    }
    to_art.delays.assign(to_art.edges.size(), 1);

    // Biological side: input k is a synapse of strength s * w_k (pA per Hz): its mean
    // current is s * w_k * x_k for either encoding. Poisson: jump J = s w_k 1000 / area,
    // since a train of rate x (Hz) with jump J carries J * area * x / 1000 (pA).
    wired_projection to_bio;
    to_bio.source = inputs.name;
    to_bio.target = bio_plan.name;
    to_bio.edges = to_art.edges;
    to_bio.delays = to_art.delays;
    to_bio.encoding = td.encoding == twin_encoding::current ? projection_encoding::rate
                                                            : projection_encoding::poisson;
    to_bio.weights.resize(to_bio.edges.size());
    std::vector<index_t> port_of_input(K);
    for (std::uint32_t k = 0; k < K; ++k) {
        port_of_input[k] = port_of(bio_plan, td.inputs[k].site);
    }
    to_bio.ports.resize(to_bio.edges.size());
    for (std::uint32_t i = 0; i < n; ++i) {
        for (std::uint32_t k = 0; k < K; ++k) {
            const double mean_scale = tw.current_scale * tw.weights[k];  // [pA/Hz]
            double w = mean_scale;
            if (td.encoding == twin_encoding::poisson) {
                const double area = tw.weights[k] > 0 ? cal[i].psc_area_ex : cal[i].psc_area_in;
                w = mean_scale * 1000.0 / area;  // [pA] or [nS]
            }
            to_bio.weights[i * K + k] = w;
            to_bio.ports[i * K + k] = port_of_input[k];
        }
    }

    if (td.record) {
        const auto interval = std::max<step_t>(
            1, to_steps(td.record_interval_ms, dt, step_rounding::nearest,
                        fmt::format("twin '{}', record_interval", td.name), td.where));
        out.records = {{inputs.name, "activation", interval},
                       {art.name, "activation", interval},
                       {art.name, "preactivation", interval},
                       {bio_plan.name, "rate", interval},
                       {bio_plan.name, "V_m", interval},
                       {bio_plan.name, "", 1}};
    }
    out.projections.push_back(std::move(to_art));
    out.projections.push_back(std::move(to_bio));
    out.populations.push_back(std::move(inputs));
    out.populations.push_back(std::move(art));
    out.populations.push_back(std::move(bio_plan));
    return out;
}

}  // namespace neurotwin::detail
