// SPDX-License-Identifier: BSD-3-Clause
// [[record]]: spikes and variables of chosen neurons, compartments, intervals.
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

// ---------------------------------------------------------------------------------------
// [[record]]

void loader::record(const toml::table& t, std::size_t index) {
    record_desc rd;
    rd.where = pos(t);
    rd.interval_ms = dt_;
    std::string ctx = fmt::format("record #{}", index + 1);
    const pop_ref* pop = nullptr;
    if (const auto* n = required(t, "population", ctx)) {
        pop = resolve(*n, "record, population", "record", &rd.population);
        if (!rd.population.empty()) {
            ctx = fmt::format("record of '{}'", rd.population);
        }
    }
    check_keys(t, "record", ctx);
    const model_info* model = pop ? pop->model : nullptr;
    if (const auto* n = t.get("spikes")) {
        if (const auto v = bool_of(*n, ctx + ", spikes")) {
            rd.spikes = *v;
            if (*v && model && model->kind != model_kind::spiking) {
                error(pos(*n), fmt::format("{}, spikes: expected false ('{}' is {} and emits no "
                                           "spikes; record variables such as 'activation'), "
                                           "found true",
                                           ctx, rd.population,
                                           model->kind == model_kind::source
                                               ? "a rate source"
                                               : "artificial"));
            }
        }
    }
    bool variables_ok = true;
    if (const auto* n = t.get("variables")) {
        const auto* arr = n->as_array();
        if (arr == nullptr) {
            type_error(*n, ctx + ", variables", "an array of state variable names");
            variables_ok = false;
        } else {
            for (const auto& el : *arr) {
                const auto v = string_of(el, ctx + ", variables");
                if (!v) {
                    variables_ok = false;
                    continue;
                }
                if (std::find(rd.variables.begin(), rd.variables.end(), *v) !=
                    rd.variables.end()) {
                    error(pos(el), fmt::format("{}, variables: '{}' is listed twice", ctx, *v));
                    continue;
                }
                if (model && model->find_state(*v) == nullptr) {
                    error(pos(el), fmt::format("{}, variables: unknown variable '{}' for model "
                                               "'{}'{}",
                                               ctx, *v, model->name,
                                               hint(*v, model->state_names())));
                }
                rd.variables.push_back(*v);
            }
        }
    }
    if (!rd.spikes && rd.variables.empty() && variables_ok) {
        error(rd.where, fmt::format("{}: nothing to record; set spikes = true or list variables",
                                    ctx));
    }
    if (const auto* n = t.get("neurons")) {
        // Indices are checked against the size when it is known.
        std::int64_t size_max = std::numeric_limits<index_t>::max();
        if (pop != nullptr && pop->size.has_value()) {
            size_max = pop->size.value();
        }
        const auto nctx = ctx + ", neurons";
        if (const auto* s = n->as_string()) {
            if (s->get() != "all") {
                error(pos(*n), fmt::format("{}: expected \"all\", a list of indices or {{ first = "
                                           "n }}, found \"{}\"",
                                           nctx, s->get()));
            }
        } else if (const auto* arr = n->as_array()) {
            rd.neurons.k = neuron_selection::kind::list;
            const std::int64_t max = size_max - 1;
            std::set<index_t> seen;
            for (const auto& el : *arr) {
                const auto v = integer_of(el, nctx, 0, max);
                if (!v) {
                    continue;
                }
                const auto id = static_cast<index_t>(*v);
                if (!seen.insert(id).second) {
                    error(pos(el), fmt::format("{}: neuron {} is listed twice", nctx, id));
                }
            }
            rd.neurons.ids.assign(seen.begin(), seen.end());
            if (arr->empty()) {
                error(pos(*n), fmt::format("{}: expected at least one index, found an empty "
                                           "array",
                                           nctx));
            }
        } else if (const auto* ft = n->as_table()) {
            check_keys(*ft, "record.neurons", nctx);
            if (const auto* f = required(*ft, "first", nctx)) {
                if (const auto v = integer_of(*f, nctx + ".first", 1, size_max)) {
                    rd.neurons.k = neuron_selection::kind::first;
                    rd.neurons.first = static_cast<index_t>(*v);
                }
            }
        } else {
            type_error(*n, nctx, "\"all\", a list of indices or { first = n }");
        }
    }
    if (const auto* n = t.get("interval")) {
        if (const auto v = interval_of(*n, ctx + ", interval")) {
            rd.interval_ms = *v;
        }
    }
    if (const auto* n = t.get("compartments")) {
        const auto cctx = ctx + ", compartments";
        if (model && !model->compartmental) {
            error(pos(*n), fmt::format("{}: applies to compartmental populations only; '{}' is "
                                       "a point neuron ({})",
                                       cctx, rd.population, model->name));
        } else if (model) {
            for (const auto& v : rd.variables) {
                if (v != "V_m") {
                    error(pos(*n), fmt::format("{}: only V_m is recorded per compartment; record "
                                               "'{}' in a record of its own",
                                               cctx, v));
                }
            }
            if (const auto* s = n->as_string()) {
                if (s->get() == "all") {
                    rd.all_compartments = true;
                } else {
                    error(pos(*n), fmt::format("{}: expected \"all\" or a list of {{ section, x }} "
                                               "locations, found \"{}\"",
                                               cctx, s->get()));
                }
            } else if (const auto* arr = n->as_array(); arr && !arr->empty()) {
                for (const auto& el : *arr) {
                    if (auto loc = location_in(el, pop->morphology, cctx)) {
                        rd.compartments.push_back(std::move(*loc));
                    }
                }
            } else {
                type_error(*n, cctx, "\"all\" or a non-empty list of { section, x } locations");
            }
        }
    }
    desc_.records.push_back(std::move(rd));
}

}  // namespace neurotwin::detail
