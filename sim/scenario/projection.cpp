// SPDX-License-Identifier: BSD-3-Clause
// [[projection]]: connection rules, weights, delays, edge files, encodings.
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

// ---------------------------------------------------------------------------------------
// [[projection]]

void loader::projection(const toml::table& t) {
    projection_desc pd;
    pd.where = pos(t);
    std::string ctx = "projection";
    const pop_ref* src = nullptr;
    const pop_ref* tgt = nullptr;
    const auto* src_node = required(t, "source", ctx);
    const auto* tgt_node = required(t, "target", ctx);
    if (src_node) {
        src = resolve(*src_node, "projection, source", "projection", &pd.source);
    }
    if (tgt_node) {
        tgt = resolve(*tgt_node, "projection, target", "projection", &pd.target);
    }
    if (!pd.source.empty() && !pd.target.empty()) {
        ctx = fmt::format("projection '{}' -> '{}'", pd.source, pd.target);
    }
    check_keys(t, "projection", ctx);
    pd.site = location_of(t, tgt, pd.target, ctx);
    if (tgt && tgt->model && tgt->model->kind == model_kind::source) {
        error(pos(*tgt_node), fmt::format("{}: rate sources take no inputs; use a stimulus", ctx));
        tgt = nullptr;
    }
    struct rule_entry {
        const char* name;
        connection_rule rule;
        const char* key;  // the rule's own parameter, "" = none
    };
    static const std::vector<rule_entry> rule_table{
        {"all_to_all", connection_rule::all_to_all, ""},
        {"one_to_one", connection_rule::one_to_one, ""},
        {"fixed_probability", connection_rule::fixed_probability, "p"},
        {"fixed_indegree", connection_rule::fixed_indegree, "k"},
        {"fixed_outdegree", connection_rule::fixed_outdegree, "k"},
        {"fixed_total_number", connection_rule::fixed_total_number, "n"},
        {"from_file", connection_rule::from_file, "file"},
    };
    const rule_entry* rule = &rule_table[0];
    if (const auto* n = t.get("rule")) {
        std::vector<std::string> names;
        for (const auto& r : rule_table) {
            names.emplace_back(r.name);
        }
        if (const auto r = choice_of(*n, ctx + ", rule", names)) {
            for (const auto& e : rule_table) {
                if (*r == e.name) {
                    rule = &e;
                }
            }
        }
    }
    pd.rule = rule->rule;
    for (const char* key : {"p", "k", "n", "file"}) {
        const auto* n = t.get(key);
        if (n != nullptr && std::string_view(key) != rule->key) {
            error(pos(*n), fmt::format("{}, {}: applies to rule '{}' only, found rule '{}'", ctx,
                                       key,
                                       std::string_view(key) == "p"   ? "fixed_probability"
                                       : std::string_view(key) == "n" ? "fixed_total_number"
                                       : std::string_view(key) == "k"
                                           ? "fixed_indegree' or 'fixed_outdegree"
                                           : "from_file",
                                       rule->name));
        }
    }
    if (const auto* n = t.get("edge_population"); n && pd.rule != connection_rule::from_file) {
        error(pos(*n), fmt::format("{}, edge_population: applies to rule 'from_file' only, "
                                   "found rule '{}'",
                                   ctx, rule->name));
    }
    if (const auto* n = t.get("autapses")) {
        if (const auto v = bool_of(*n, ctx + ", autapses")) {
            pd.autapses = *v;
        }
    }
    if (const auto* n = t.get("multapses")) {
        if (const auto v = bool_of(*n, ctx + ", multapses")) {
            pd.multapses = *v;
        }
    }
    const bool sizes_known = src && tgt && src->size && tgt->size;
    const bool same = sizes_known && pd.source == pd.target;
    // pairs available without multapses
    const std::uint64_t n_src = sizes_known ? *src->size : 0;
    const std::uint64_t n_tgt = sizes_known ? *tgt->size : 0;
    const std::uint64_t self = same && !pd.autapses ? 1 : 0;
    switch (pd.rule) {
        case connection_rule::fixed_probability:
            if (const auto* n = required(t, "p", ctx)) {
                if (const auto p =
                        ranged(*n, schema_of("projection").key("p"), ctx + ", p")) {
                    pd.p = *p;
                }
            }
            break;
        case connection_rule::fixed_indegree:
        case connection_rule::fixed_outdegree:
            if (const auto* n = required(t, "k", ctx)) {
                if (const auto k = integer_of(*n, ctx + ", k", 0,
                                              std::numeric_limits<std::uint32_t>::max())) {
                    pd.k = static_cast<std::uint64_t>(*k);
                    const bool in = pd.rule == connection_rule::fixed_indegree;
                    const std::uint64_t avail = (in ? n_src : n_tgt) - self;
                    if (sizes_known && !pd.multapses && pd.k > avail) {
                        error(pos(*n), fmt::format("{}, k: expected at most {} without "
                                                   "multapses (the {} has {} neurons{}), found {}",
                                                   ctx, avail, in ? "source" : "target",
                                                   in ? n_src : n_tgt,
                                                   self ? ", no autapses" : "", pd.k));
                    }
                    if (sizes_known && (in ? n_src : n_tgt) == self && pd.k > 0) {
                        error(pos(*n), fmt::format("{}, k: no {} neuron can be drawn, found k = "
                                                   "{}",
                                                   ctx, in ? "source" : "target", pd.k));
                    }
                }
            }
            break;
        case connection_rule::fixed_total_number:
            if (const auto* n = required(t, "n", ctx)) {
                if (const auto v = integer_of(*n, ctx + ", n", 0,
                                              std::numeric_limits<std::int64_t>::max())) {
                    pd.n = static_cast<std::uint64_t>(*v);
                    const std::uint64_t avail = n_src * n_tgt - (self ? n_src : 0);
                    if (sizes_known && !pd.multapses && pd.n > avail) {
                        error(pos(*n), fmt::format("{}, n: expected at most {} without multapses "
                                                   "({} x {} pairs{}), found {}",
                                                   ctx, avail, n_src, n_tgt,
                                                   self ? ", no autapses" : "", pd.n));
                    }
                    if (sizes_known && avail == 0 && pd.n > 0) {
                        error(pos(*n), fmt::format("{}, n: no pair can be drawn, found n = {}",
                                                   ctx, pd.n));
                    }
                }
            }
            break;
        case connection_rule::from_file:
            if (const auto* n = required(t, "file", ctx)) {
                if (const auto f = string_of(*n, ctx + ", file")) {
                    pd.file = *f;
                }
            }
            if (const auto* n = t.get("edge_population")) {
                if (const auto e = string_of(*n, ctx + ", edge_population")) {
                    pd.edge_population = *e;
                }
            }
            break;
        case connection_rule::one_to_one:
            if (sizes_known && n_src != n_tgt) {
                error(pd.where, fmt::format("{}: rule 'one_to_one' needs equal sizes, found {} "
                                            "and {}",
                                            ctx, n_src, n_tgt));
            }
            break;
        case connection_rule::all_to_all: break;
    }
    const bool tgt_spiking = tgt && tgt->model && tgt->model->kind == model_kind::spiking;
    const bool kinds_known = src && src->model && tgt && tgt->model;
    if (const auto* n = t.get("encoding")) {
        if (const auto e = choice_of(*n, ctx + ", encoding", {"rate", "poisson"})) {
            if (*e == "poisson") {
                pd.encoding = projection_encoding::poisson;
                // Thinning needs a bounded rate: only rate sources (baseline + stimuli) have
                // one known before the run.
                if (kinds_known && (src->model->kind != model_kind::source || !tgt_spiking)) {
                    error(pos(*n),
                          fmt::format("{}, encoding: \"poisson\" turns a rate source into "
                                      "spike trains for a spiking target, found {} source and "
                                      "{} target",
                                      ctx, article(kind_name(src->model->kind)),
                                      article(kind_name(tgt->model->kind))));
                }
            }
        }
    }
    // linspace and arrays of weights/delays run over the target neuron (see network.cpp).
    const std::optional<std::size_t> count =
        tgt ? std::optional<std::size_t>(tgt->size) : std::nullopt;
    // from_file: weights and delays may come from the file (keys here override it)
    const bool from_file = pd.rule == connection_rule::from_file;
    pd.has_weight = t.get("weight") != nullptr;
    pd.has_delay = t.get("delay") != nullptr;
    if (const auto* n = from_file ? t.get("weight") : required(t, "weight", ctx)) {
        if (tgt && tgt->model) {
            spec_rules rules;
            // Synaptic jumps (spikes, Poisson trains) have the dimension of the target's
            // synapses (pA, or nS for conductance synapses); a rate-coded input is a current.
            const bool jumps = (src && src->model && src->model->kind == model_kind::spiking) ||
                               pd.encoding == projection_encoding::poisson;
            rules.dim = !tgt_spiking ? dimension::none
                        : jumps      ? jump_dim(pd.target)
                                     : dimension::current;
            rules.count = count;
            rules.per = "target neuron";
            if (auto s = spec_of(*n, rules, ctx + ", weight")) {
                pd.weight = std::move(*s);
            }
        }
    }
    pd.delay = value_spec::constant(dt_, pd.where);
    if (const auto* n = t.get("delay")) {
        spec_rules rules;
        rules.dim = dimension::time;
        rules.count = count;
        rules.per = "target neuron";
        if (dt_ok_) {
            // Random delays are rounded to the step grid: only their range must reach dt.
            rules.check = step_multiple_check(ctx, "delay");
            rules.bound_check = step_multiple_check(ctx, "delay", false);
        }
        if (auto s = spec_of(*n, rules, ctx + ", delay")) {
            pd.delay = std::move(*s);
        }
    }
    desc_.projections.push_back(std::move(pd));
}

}  // namespace neurotwin::detail
