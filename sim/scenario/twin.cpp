// SPDX-License-Identifier: BSD-3-Clause
// [[twin]]: an artificial population and its biological twin, with shared inputs.
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

// ---------------------------------------------------------------------------------------
// [[twin]]

// Key `inputs` of a twin: one { rate, weight, location } table per input channel. True when
// every input is valid.
bool loader::twin_inputs(const toml::node& n, const model_info* bio, int morph,
                         std::optional<index_t> size, twin_encoding encoding,
                         const std::string& ctx, std::vector<twin_input>& out) {
    bool inputs_ok = false;
    const auto* arr = n.as_array();
    if (arr == nullptr) {
        type_error(n, ctx + ", inputs",
                   "an array of { rate = <Hz>, weight = <number> } tables");
    } else if (arr->empty()) {
        error(pos(n), fmt::format("{}, inputs: expected at least one input, found an empty "
                                   "array",
                                   ctx));
    } else {
        inputs_ok = true;
        for (std::size_t k = 0; k < arr->size(); ++k) {
            const auto& el = (*arr)[k];
            const auto ictx = fmt::format("{}, inputs[{}]", ctx, k);
            const auto* it = table_of(el, ictx);
            if (it == nullptr) {
                inputs_ok = false;
                continue;
            }
            check_keys(*it, "twin.inputs", ictx);
            twin_input in;
            in.where = pos(el);
            bool ok = true;
            if (const auto* ln = it->get("location")) {
                if (bio != nullptr && !bio->compartmental) {
                    error(pos(*ln), fmt::format("{}, location: applies to compartmental "
                                                "biological sides only, found '{}'",
                                                ictx, bio->name));
                } else if (bio != nullptr) {
                    in.site = location_in(*ln, morph, ictx + ", location");
                    ok = ok && in.site.has_value();
                }
            }
            if (const auto* r = required(*it, "rate", ictx)) {
                spec_rules rules;
                rules.dim = dimension::rate;
                rules.count = size;
                rules.per = "pair";
                if (encoding == twin_encoding::poisson) {
                    rules.check = poisson_rate_check(ictx + ".rate", dt_);
                }
                if (auto s = spec_of(*r, rules, ictx + ".rate")) {
                    in.rate = std::move(*s);
                } else {
                    ok = false;
                }
            } else {
                ok = false;
            }
            if (const auto* w = required(*it, "weight", ictx)) {
                const value_check nonzero = [ictx](double v, const std::string& found)
                    -> std::optional<std::string> {
                    if (v != 0.0) {
                        return std::nullopt;
                    }
                    return fmt::format("{}.weight: expected a nonzero number, found {}",
                                       ictx, found);
                };
                if (const auto v = checked_quantity(*w, dimension::none, nonzero,
                                                    ictx + ".weight")) {
                    in.weight = *v;
                } else {
                    ok = false;
                }
            } else {
                ok = false;
            }
            inputs_ok = inputs_ok && ok;
            out.push_back(std::move(in));
        }
    }
    return inputs_ok;
}

void loader::twin(const toml::table& t, std::size_t index) {
    twin_desc td;
    td.where = pos(t);
    std::string ctx = fmt::format("twin #{}", index + 1);
    const toml::node* name_node = nullptr;
    if ((name_node = required(t, "name", ctx))) {
        if (const auto name = name_of(*name_node, ctx)) {
            td.name = *name;
            ctx = fmt::format("twin '{}'", td.name);
        } else {
            name_node = nullptr;
        }
    }
    const auto& schema = schema_of("twin");
    check_keys(t, schema.names(), ctx);

    std::optional<index_t> size;
    if (const auto* n = required(t, "size", ctx)) {
        if (const auto v =
                integer_of(*n, ctx + ", size", 1, std::numeric_limits<index_t>::max())) {
            size = static_cast<index_t>(*v);
            td.size = *size;
        }
    }
    const model_info* act = models_.find(td.activation);
    if (const auto* n = t.get("activation")) {
        std::vector<std::string> names;
        for (const auto* m : models_.all()) {
            if (m->kind == model_kind::artificial) {
                names.push_back(m->name);
            }
        }
        act = nullptr;
        if (const auto a = choice_of(*n, ctx + ", activation", names)) {
            td.activation = *a;
            act = models_.find(*a);
        }
    }
    const model_info* bio = models_.find(td.biological);
    if (const auto* n = t.get("biological")) {
        std::vector<std::string> names;
        for (const auto* m : models_.all()) {
            if (m->kind == model_kind::spiking && !m->rest_param.empty() && m->calibrate) {
                names.push_back(m->name);
            }
        }
        bio = nullptr;
        if (const auto b = choice_of(*n, ctx + ", biological", names)) {
            td.biological = *b;
            bio = models_.find(*b);
        }
    }
    const int morph = morphology_ref(t, bio, ctx, td.morphology);
    if (bio != nullptr) {
        integrator_of(t, *bio, ctx, td.integrator);
    }
    if (const auto* n = t.get("encoding")) {
        if (const auto e = choice_of(*n, ctx + ", encoding", {"current", "poisson"})) {
            td.encoding = *e == "current" ? twin_encoding::current : twin_encoding::poisson;
        }
    }
    bool inputs_ok = false;
    if (const auto* n = required(t, "inputs", ctx)) {
        inputs_ok = twin_inputs(*n, bio, morph, size, td.encoding, ctx, td.inputs);
    }
    td.bias = value_spec::constant(0.0, td.where);
    if (const auto* n = t.get("bias")) {
        spec_rules rules;
        rules.count = size;
        rules.per = "pair";
        if (auto s = spec_of(*n, rules, ctx + ", bias")) {
            td.bias = std::move(*s);
        }
    }
    if (const auto* n = t.get("alpha")) {
        const auto* alpha = act ? act->find_param("alpha") : nullptr;
        if (act == nullptr) {
            // the activation is already reported
        } else if (alpha == nullptr) {
            error(pos(*n), fmt::format("{}, alpha: applies to activation 'leaky_relu' only, "
                                       "found activation '{}'",
                                       ctx, td.activation));
        } else {
            spec_rules rules;
            rules.count = size;
            rules.per = "pair";
            rules.check = range_check(ctx + ", alpha", alpha->valid, alpha->dim);
            if (auto s = spec_of(*n, rules, ctx + ", alpha")) {
                td.activation_params["alpha"] = std::move(*s);
            }
        }
    }
    if (const auto* n = t.get("rate_filter")) {
        if (const auto v =
                ranged(*n, schema.key("rate_filter"), ctx + ", rate_filter")) {
            td.rate_filter_ms = *v;
        }
    }
    bool params_ok = true;
    if (const auto* n = t.get("params")) {
        const auto* pt = table_of(*n, ctx + ", params");
        params_ok = pt && bio;
        if (params_ok) {
            const auto why = fmt::format("{} of a twin's biological side is set by the bias; use "
                                         "E_ref to move the reference",
                                         bio->rest_param);
            params_ok = read_params(*pt, *bio, size, ctx, "pair", td.params, bio->rest_param, why);
        }
    }
    if (bio) {
        synapse_and_preset(t, *bio, ctx, td.synapse, td.preset, td.params, bio->rest_param);
        if (params_ok) {
            cross_check(*bio, td.params, size, td.where, ctx);
        }
        init_of(t, *bio, size, ctx, "pair", td.init);
    }
    if (const auto* n = t.get("current_scale")) {
        td.current_scale =
            ranged(*n, schema.key("current_scale"), ctx + ", current_scale");
    }
    if (const auto* n = t.get("bias_scale")) {
        td.bias_scale = ranged(*n, schema.key("bias_scale"), ctx + ", bias_scale");
    }
    if (const auto* n = t.get("E_ref")) {
        td.E_ref = quantity_of(*n, dimension::voltage, ctx + ", E_ref");
    }
    td.record_interval_ms = is_multiple(1.0, dt_) ? 1.0 : dt_;
    if (const auto* n = t.get("record_interval")) {
        if (const auto v = interval_of(*n, ctx + ", record_interval")) {
            td.record_interval_ms = *v;
        }
    }
    if (const auto* n = t.get("record")) {
        if (const auto v = bool_of(*n, ctx + ", record")) {
            td.record = *v;
        }
    }

    if (name_node != nullptr) {
        const auto at = pos(*name_node);
        const auto clash = pops_.find(td.name);
        if (clash != pops_.end()) {
            error(at, fmt::format("{}: the name '{}' is already used (line {})", ctx, td.name,
                                  clash->second.where.line));
        } else if (const auto tw = twin_names_.find(td.name); tw != twin_names_.end()) {
            error(at, fmt::format("{}: the name '{}' is already used (line {})", ctx, td.name,
                                  tw->second.line));
        } else {
            twin_names_.emplace(td.name, at);
            const std::optional<std::size_t> channels =
                inputs_ok ? std::optional(td.inputs.size()) : std::nullopt;
            std::optional<index_t> n_inputs;
            if (size && channels) {
                n_inputs = static_cast<index_t>(*size * *channels);
            }
            register_name(td.name + ".inputs",
                          pop_ref{models_.find("rate_source"), n_inputs, at, true, size, channels},
                          at, ctx);
            register_name(td.name + ".artificial", pop_ref{act, size, at, false, {}, {}}, at, ctx);
            register_name(td.name + ".biological", pop_ref{bio, size, at, false, {}, {}, morph},
                          at, ctx);
            if (bio && !bio->synapses.empty()) {
                synapse_of_[td.name + ".biological"] =
                    td.synapse.value_or(bio->synapses.front());
            }
        }
    }
    desc_.twins.push_back(std::move(td));
}

}  // namespace neurotwin::detail
