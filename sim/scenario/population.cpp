// SPDX-License-Identifier: BSD-3-Clause
// [[population]]: model, size, parameters, presets, synapse type, integrator, init.
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

void loader::population(const toml::table& t, std::size_t index) {
    population_desc pd;
    pd.where = pos(t);
    std::string ctx = fmt::format("population #{}", index + 1);
    bool name_ok = false;
    if (const auto* n = required(t, "name", ctx)) {
        if (const auto name = name_of(*n, ctx)) {
            pd.name = *name;
            ctx = fmt::format("population '{}'", pd.name);
            name_ok = true;
        }
    }
    check_keys(t, "population", ctx);

    const model_info* model = nullptr;
    if (const auto* n = required(t, "model", ctx)) {
        if (const auto m = choice_of(*n, ctx + ", model", model_names())) {
            model = models_.find(*m);
            pd.model = *m;
        }
    }
    std::optional<index_t> size;
    if (const auto* n = required(t, "size", ctx)) {
        if (const auto v =
                integer_of(*n, ctx + ", size", 1, std::numeric_limits<index_t>::max())) {
            size = static_cast<index_t>(*v);
            pd.size = *size;
        }
    }
    if (const auto* n = t.get("rate_filter")) {
        if (const auto v =
                ranged(*n, schema_of("population").key("rate_filter"), ctx + ", rate_filter")) {
            pd.rate_filter_ms = *v;
        }
    }
    bool params_ok = true;
    if (const auto* n = t.get("params")) {
        const auto* pt = table_of(*n, ctx + ", params");
        params_ok = pt && model && read_params(*pt, *model, size, ctx, "neuron", pd.params, "", "");
    }
    if (model) {
        synapse_and_preset(t, *model, ctx, pd.synapse, pd.preset, pd.params, "");
        integrator_of(t, *model, ctx, pd.integrator);
        if (params_ok) {
            cross_check(*model, pd.params, size, pd.where, ctx);
        }
    }
    if (model) {
        init_of(t, *model, size, ctx, "neuron", pd.init);
    }
    const int morph = morphology_ref(t, model, ctx, pd.morphology);
    if (name_ok) {
        register_name(pd.name, pop_ref{model, size, pd.where, false, {}, {}, morph},
                      pos(*t.get("name")), ctx);
        if (model && !model->synapses.empty()) {
            synapse_of_[pd.name] = pd.synapse.value_or(model->synapses.front());
        }
    }
    desc_.populations.push_back(std::move(pd));
}

void loader::synapse_and_preset(const toml::table& t, const model_info& m,
                                const std::string& ctx, std::optional<synapse_type>& synapse,
                                std::string& preset, std::map<std::string, value_spec>& params,
                                const std::string& forbidden) {
    if (const auto* n = t.get("synapse")) {
        if (m.synapses.empty()) {
            error(pos(*n), fmt::format("{}, synapse: model '{}' has no synapses", ctx, m.name));
        } else {
            std::vector<std::string> names;
            for (const auto s : m.synapses) {
                names.emplace_back(synapse_name(s));
            }
            if (const auto v = choice_of(*n, ctx + ", synapse", names)) {
                synapse_type s{};
                parse_synapse(*v, s);
                synapse = s;
            }
        }
    }
    if (const auto* n = t.get("preset")) {
        if (m.presets.empty()) {
            error(pos(*n), fmt::format("{}, preset: model '{}' has no presets", ctx, m.name));
            return;
        }
        std::vector<std::string> names;
        for (const auto& p : m.presets) {
            names.push_back(p.name);
        }
        if (const auto v = choice_of(*n, ctx + ", preset", names)) {
            preset = *v;
            for (const auto& [key, value] : m.find_preset(*v)->values) {
                if (key != forbidden && params.count(key) == 0) {
                    params[key] = value_spec::constant(value, pos(*n));
                }
            }
        }
    }
}

void loader::integrator_of(const toml::table& t, const model_info& m, const std::string& ctx,
                           std::string& out) {
    const auto* n = t.get("integrator");
    if (n == nullptr) {
        return;
    }
    if (m.integrators.empty()) {
        error(pos(*n), fmt::format("{}, integrator: model '{}' has no choice of integrator", ctx,
                                   m.name));
        return;
    }
    std::vector<std::string> names;
    for (const auto& [name, meaning] : m.integrators) {
        names.push_back(name);
    }
    if (const auto v = choice_of(*n, ctx + ", integrator", names)) {
        out = *v;
    }
}

// Key `init` of a population or twin (the biological side's model `m`): initial values of
// initializable state variables, one per `per` ("neuron", "pair").
void loader::init_of(const toml::table& t, const model_info& m, std::optional<index_t> size,
                     const std::string& ctx, const std::string& per,
                     std::map<std::string, value_spec>& out) {
    const auto* n = t.get("init");
    if (n == nullptr) {
        return;
    }
    const auto* it = table_of(*n, ctx + ", init");
    if (it == nullptr) {
        return;
    }
    std::vector<std::string> settable;
    for (const auto& s : m.state) {
        if (s.initializable) {
            settable.push_back(s.name);
        }
    }
    for (auto&& [k, v] : *it) {
        const std::string key(k.str());
        const auto* s = m.find_state(key);
        if (s == nullptr || !s->initializable) {
            error(pos(k), s == nullptr
                              ? fmt::format("{}: unknown state variable '{}' for model '{}'{}", ctx,
                                            key, m.name, hint(key, settable))
                              : fmt::format("{}: '{}' cannot be initialized; expected one of {}",
                                            ctx, key, join(settable)));
            continue;
        }
        spec_rules rules;
        rules.dim = s->dim;
        rules.count = size;
        rules.per = per;
        if (auto spec = spec_of(v, rules, fmt::format("{}, init '{}'", ctx, key))) {
            out[key] = std::move(*spec);
        }
    }
}

}  // namespace neurotwin::detail
