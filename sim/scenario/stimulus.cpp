// SPDX-License-Identifier: BSD-3-Clause
// [[stimulus]]: dc, step, ramp, sine and Poisson inputs.
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

// ---------------------------------------------------------------------------------------
// [[stimulus]]

// The stimulus types; the keys of each are the schema's keys with `only_for` naming it.
struct stimulus_kind {
    const char* name;
    stimulus_type type;
};

const std::vector<stimulus_kind>& stimulus_kinds() {
    static const std::vector<stimulus_kind> kinds{
        {"dc", stimulus_type::dc},     {"step", stimulus_type::step},
        {"ramp", stimulus_type::ramp}, {"sine", stimulus_type::sine},
        {"poisson", stimulus_type::poisson},
    };
    return kinds;
}

void loader::stimulus(const toml::table& t, std::size_t index) {
    stimulus_desc sd;
    sd.where = pos(t);
    sd.name = fmt::format("stimulus{}", index + 1);
    const toml::node* name_node = t.get("name");
    if (name_node) {
        if (const auto name = name_of(*name_node, fmt::format("stimulus #{}", index + 1))) {
            sd.name = *name;
        }
    }
    const auto ctx = fmt::format("stimulus '{}'", sd.name);
    // Given names are unique; a default name ("stimulus<k>") is not checked against them.
    if (name_node != nullptr) {
        if (const auto it = stimulus_names_.find(sd.name); it != stimulus_names_.end()) {
            error(pos(*name_node), fmt::format("{}: the name '{}' is already used (line {})", ctx,
                                               sd.name, it->second.line));
        } else {
            stimulus_names_.emplace(sd.name, pos(*name_node));
        }
    }

    std::vector<std::string> type_names;
    for (const auto& k : stimulus_kinds()) {
        type_names.push_back(k.name);
    }
    const stimulus_kind* kind = nullptr;
    if (const auto* n = required(t, "type", ctx)) {
        if (const auto ty = choice_of(*n, ctx + ", type", type_names)) {
            for (const auto& k : stimulus_kinds()) {
                if (*ty == k.name) {
                    kind = &k;
                }
            }
        }
    }
    // Common keys and the type's own ones (every type's when the type is unknown).
    const auto& schema = schema_of("stimulus");
    const auto allowed = schema.names(kind != nullptr ? kind->name : "");
    if (kind != nullptr) {
        sd.type = kind->type;
        // Keys of another stimulus type get a precise message rather than "unknown key".
        for (auto&& [k, v] : t) {
            const std::string key(k.str());
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
                continue;
            }
            const auto all = schema.names();
            if (std::find(all.begin(), all.end(), key) != all.end()) {
                error(pos(k),
                      fmt::format("{}: '{}' does not apply to type '{}'; expected one of {}", ctx,
                                  key, kind->name, join(allowed)));
            } else {
                error(pos(k), fmt::format("{}: unknown key '{}'{}", ctx, key, hint(key, allowed)));
            }
        }
    } else {
        check_keys(t, allowed, ctx);
    }

    const pop_ref* target = nullptr;
    if (const auto* n = required(t, "target", ctx)) {
        target = resolve(*n, ctx + ", target", ctx, &sd.target);
        if (target && target->model && target->model->kind == model_kind::artificial) {
            error(pos(*n), fmt::format("{}: stimuli drive spiking populations and rate sources; "
                                       "'{}' is artificial",
                                       ctx, sd.target));
            target = nullptr;
        }
    }
    sd.site = location_of(t, target, sd.target, ctx);
    std::optional<double> start = 0.0;
    if (const auto* n = t.get("start")) {
        start = ranged(*n, schema.key("start"), ctx + ", start");
        if (start) {
            sd.start_ms = *start;
            const double T = desc_.simulation.duration_ms;  // [ms], 0 when not valid
            if (T > 0.0 && *start >= T) {
                warn(pos(*n), fmt::format("{}, start: {} ms is not before the end of the run "
                                          "(duration {} ms); the stimulus never acts",
                                          ctx, number_text(*start), number_text(T)));
            }
        }
    }
    if (const auto* n = t.get("stop")) {
        const auto stop = quantity_of(*n, dimension::time, ctx + ", stop");
        if (stop && start && *stop <= *start) {
            error(pos(*n), fmt::format("{}, stop: expected a time after start ({} ms), found {}",
                                       ctx, number_text(*start), found_value(*n)));
        } else if (stop) {
            sd.stop_ms = *stop;
        }
    } else if (kind && kind->type == stimulus_type::ramp) {
        error(sd.where, fmt::format("{}: missing required key 'stop' (a ramp needs an end)", ctx));
    }
    std::optional<std::size_t> count = target ? target->size : std::nullopt;
    if (const auto* n = t.get("channel")) {
        if (target && !target->twin_inputs) {
            error(pos(*n), fmt::format("{}, channel: applies to a twin's inputs population "
                                       "('<twin>.inputs') only, found target '{}'",
                                       ctx, sd.target));
        } else if (target) {
            const auto max = target->channels ? std::int64_t(*target->channels) - 1
                                              : std::numeric_limits<std::int64_t>::max();
            if (const auto c = integer_of(*n, ctx + ", channel", 0, max)) {
                sd.channel = static_cast<index_t>(*c);
            }
            count = target->pairs;
        }
    }
    if (kind == nullptr || target == nullptr) {
        desc_.stimuli.push_back(std::move(sd));
        return;  // the dimension of the values depends on both
    }
    const bool spiking = target->model && target->model->kind == model_kind::spiking;
    const dimension amp_dim = spiking ? dimension::current : dimension::rate;
    if (kind->type == stimulus_type::poisson && target->model && !spiking) {
        error(pos(*t.get("target")),
              fmt::format("{}: poisson stimuli drive spiking populations; '{}' is a rate source",
                          ctx, sd.target));
        desc_.stimuli.push_back(std::move(sd));
        return;
    }
    const auto param = [&](const std::string& key, dimension dim, value_check check,
                           bool needed) {
        const auto* n = needed ? required(t, key, ctx) : t.get(key);
        if (n == nullptr) {
            return;
        }
        spec_rules rules;
        rules.dim = dim;
        rules.check = std::move(check);
        rules.count = count;
        if (auto s = spec_of(*n, rules, fmt::format("{}, {}", ctx, key))) {
            sd.params[key] = std::move(*s);
        }
    };
    switch (kind->type) {
        case stimulus_type::dc: param("amplitude", amp_dim, {}, true); break;
        case stimulus_type::ramp:
            param("from", amp_dim, {}, true);
            param("to", amp_dim, {}, true);
            break;
        case stimulus_type::sine:
            param("amplitude", amp_dim, {}, true);
            param("frequency", dimension::rate,
                  range_check(ctx + ", frequency", range::at_least(0.0), dimension::rate), true);
            param("phase", dimension::none, {}, false);
            param("offset", amp_dim, {}, false);
            break;
        case stimulus_type::poisson: {
            param("rate", dimension::rate, poisson_rate_check(ctx + ", rate", dt_), true);
            const auto wctx = ctx + ", weight";
            const auto wdim = jump_dim(sd.target);
            param("weight", wdim,
                  [wctx, wdim](double v, const std::string& found) -> std::optional<std::string> {
                      if (v != 0.0) {
                          return std::nullopt;
                      }
                      return fmt::format("{}: expected a nonzero {} ({}), found {}", wctx,
                                         dimension_name(wdim), unit_symbol(wdim), found);
                  },
                  true);
            break;
        }
        case stimulus_type::step: {
            const auto* tn = required(t, "times", ctx);
            const auto* an = required(t, "amplitudes", ctx);
            const auto* times = tn ? tn->as_array() : nullptr;
            const auto* amps = an ? an->as_array() : nullptr;
            if (tn && !times) {
                type_error(*tn, ctx + ", times", "an array of times");
            }
            if (an && !amps) {
                type_error(*an, ctx + ", amplitudes", "an array of values");
            }
            if (!times || !amps) {
                break;
            }
            bool ok = true;
            for (std::size_t i = 0; i < times->size(); ++i) {
                const auto& el = (*times)[i];
                const auto v = ranged(el, dimension::time, range::at_least(0.0), ctx + ", times");
                if (v && !sd.times.empty() && *v <= sd.times.back()) {
                    error(pos(el), fmt::format("{}, times: expected ascending times (after {} "
                                               "ms), found {}",
                                               ctx, number_text(sd.times.back()),
                                               found_value(el)));
                    ok = false;
                }
                ok = ok && v.has_value();
                sd.times.push_back(v.value_or(0.0));
            }
            for (const auto& el : *amps) {
                const auto v = quantity_of(el, amp_dim, ctx + ", amplitudes");
                ok = ok && v.has_value();
                sd.amplitudes.push_back(v.value_or(0.0));
            }
            if (times->empty()) {
                error(pos(*tn), fmt::format("{}, times: expected at least one time, found an "
                                            "empty array",
                                            ctx));
            } else if (ok && times->size() != amps->size()) {
                error(pos(*an), fmt::format("{}, amplitudes: expected {} value{} (one per time), "
                                            "found {}",
                                            ctx, times->size(), times->size() == 1 ? "" : "s",
                                            amps->size()));
            }
            break;
        }
    }
    desc_.stimuli.push_back(std::move(sd));
}

}  // namespace neurotwin::detail
