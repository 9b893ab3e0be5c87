// SPDX-License-Identifier: BSD-3-Clause
// The loader's typed readers and message helpers (declared in sim/scenario/reader.hpp).
#include "sim/scenario/reader.hpp"

namespace neurotwin::detail {

// ---------------------------------------------------------------------------------------
// Describing what was found.

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += s;
    }
    return out;
}

std::string type_phrase(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a floating-point number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        case toml::node_type::none: break;
    }
    return "nothing";
}

// The value as written: numbers, quoted strings, booleans; the type for anything else.
std::string found_value(const toml::node& n) {
    if (const auto* v = n.as_integer()) {
        return fmt::format("{}", v->get());
    }
    if (const auto* v = n.as_floating_point()) {
        return number_text(v->get());
    }
    if (const auto* v = n.as_string()) {
        return fmt::format("\"{}\"", v->get());
    }
    if (const auto* v = n.as_boolean()) {
        return v->get() ? "true" : "false";
    }
    return type_phrase(n);
}

// For a wrong type: "an integer (5)", "a floating-point number (2.0)", "a table".
std::string found_type(const toml::node& n) {
    if (const auto* v = n.as_floating_point()) {
        auto text = number_text(v->get());
        if (text.find_first_of(".eEni") == std::string::npos) {
            text += ".0";  // 2.0, not 2: the point is what makes it a float
        }
        return fmt::format("a floating-point number ({})", text);
    }
    if (n.is_integer() || n.is_string() || n.is_boolean()) {
        return fmt::format("{} ({})", type_phrase(n), found_value(n));
    }
    return type_phrase(n);
}

std::string article(std::string_view noun) {
    const bool vowel = !noun.empty() && std::string_view("aeiou").find(noun[0]) != noun.npos;
    return fmt::format("{} {}", vowel ? "an" : "a", noun);
}

// "a duration (ms)", "a unitless number".
std::string dimension_text(dimension d) {
    if (d == dimension::none) {
        return "a unitless number";
    }
    return fmt::format("{} ({})", article(dimension_name(d)), unit_symbol(d));
}

constexpr dimension all_dimensions[] = {
    dimension::none,        dimension::time,        dimension::voltage,
    dimension::current,     dimension::capacitance, dimension::conductance,
    dimension::rate,        dimension::length,      dimension::resistivity,
    dimension::specific_capacitance, dimension::specific_conductance,
};

// Why a unit string did not convert to `want`: " (a voltage)", " (unknown unit 'xyz')", or
// "" when it is not "<number> <unit>" at all.
std::string unit_trouble(std::string_view text, dimension want) {
    std::string ignored;
    for (const auto d : all_dimensions) {
        if (d != want && parse_quantity(text, d, ignored)) {
            return fmt::format(" ({})", article(dimension_name(d)));
        }
    }
    auto s = text;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '+')) {
        s.remove_prefix(1);
    }
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || !std::isfinite(v)) {
        return "";
    }
    auto unit = std::string_view(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr));
    while (!unit.empty() && (unit.front() == ' ' || unit.front() == '\t')) {
        unit.remove_prefix(1);
    }
    while (!unit.empty() && (unit.back() == ' ' || unit.back() == '\t')) {
        unit.remove_suffix(1);
    }
    return unit.empty() ? "" : fmt::format(" (unknown unit '{}')", unit);
}

// "; did you mean 'x'?" or, without a close candidate, "; expected one of a, b, c".
std::string hint(const std::string& word, const std::vector<std::string>& candidates) {
    const auto best = closest_match(word, candidates);
    if (!best.empty()) {
        return fmt::format("; did you mean '{}'?", best);
    }
    if (candidates.empty()) {
        return "";
    }
    return fmt::format("; expected one of {}", join(candidates));
}

// x = n dt with an integer n >= 1, within 1e-9 relative.
bool is_multiple(double x, double dt) {
    const double q = x / dt;
    const double r = std::round(q);
    return r >= 1.0 && std::abs(q - r) <= 1e-9 * q;
}

bool deterministic(const value_spec& s) {
    return s.k != value_spec::kind::uniform && s.k != value_spec::kind::normal &&
           s.k != value_spec::kind::lognormal;
}

std::string spec_text(const value_spec& s) {
    switch (s.k) {
        case value_spec::kind::constant: return number_text(s.a);
        case value_spec::kind::uniform:
            return fmt::format("{{ uniform = [{}, {}] }}", number_text(s.a), number_text(s.b));
        case value_spec::kind::normal:
            return fmt::format("{{ normal = [{}, {}] }}", number_text(s.a), number_text(s.b));
        case value_spec::kind::lognormal:
            return fmt::format("{{ lognormal = [{}, {}] }}", number_text(s.a), number_text(s.b));
        case value_spec::kind::linspace:
            return fmt::format("{{ linspace = [{}, {}] }}", number_text(s.a), number_text(s.b));
        case value_spec::kind::array: return "an array";
        case value_spec::kind::list:
            return list_text(s.values);
    }
    return "";
}

// Element i of n of a deterministic spec; the lower/upper end of a random one (corner).
double spec_value(const value_spec& s, std::size_t i, std::size_t n, bool high) {
    switch (s.k) {
        case value_spec::kind::constant: return s.a;
        case value_spec::kind::uniform: return high ? s.b : s.a;
        case value_spec::kind::normal:
        case value_spec::kind::lognormal:
            return std::clamp(high ? s.a + 4.0 * s.b : s.a - 4.0 * s.b, s.lo, s.hi);
        case value_spec::kind::linspace:
            return n <= 1 ? s.a
                          : s.a + (s.b - s.a) * static_cast<double>(i) / static_cast<double>(n - 1);
        case value_spec::kind::array: return i < s.values.size() ? s.values[i] : 0.0;
        case value_spec::kind::list:
            break;  // not a per-neuron value
    }
    return 0.0;
}

value_check range_check(const std::string& ctx, const range& valid, dimension dim) {
    return [ctx, valid, dim](double v, const std::string& found) -> std::optional<std::string> {
        if (valid.contains(v)) {
            return std::nullopt;
        }
        return fmt::format("{}: expected {}, found {}", ctx, valid.describe(dim), found);
    };
}

// A Poisson rate [Hz]: >= 0 and at most max_poisson_events_per_step per step of dt ms.
value_check poisson_rate_check(const std::string& ctx, double dt_ms) {
    const double max_hz = max_poisson_events_per_step / (dt_ms * 1e-3);
    const auto non_negative = range_check(ctx, range::at_least(0.0), dimension::rate);
    return [ctx, max_hz, dt_ms, non_negative](double v,
                                             const std::string& found) -> std::optional<std::string> {
        if (auto bad = non_negative(v, found)) {
            return bad;
        }
        if (v > max_hz) {
            return fmt::format("{}: expected at most {:g} Hz ({:g} events per step of {:g} ms), "
                               "found {}",
                               ctx, max_hz, max_poisson_events_per_step, dt_ms, found);
        }
        return std::nullopt;
    };
}

// Generic readers.

void loader::check_keys(const toml::table& t, const std::vector<std::string>& allowed,
                        const std::string& ctx) {
    for (auto&& [k, v] : t) {
        const std::string key(k.str());
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            error(pos(k), fmt::format("{}: unknown key '{}'{}", ctx, key, hint(key, allowed)));
        }
    }
}

const toml::node* loader::required(const toml::table& t, std::string_view key,
                                   const std::string& ctx) {
    const auto* n = t.get(key);
    if (n == nullptr) {
        error(pos(t), fmt::format("{}: missing required key '{}'", ctx, key));
    }
    return n;
}

const toml::table* loader::table_of(const toml::node& n, const std::string& ctx) {
    const auto* t = n.as_table();
    if (t == nullptr) {
        type_error(n, ctx, "a table");
    }
    return t;
}

std::optional<std::string> loader::string_of(const toml::node& n, const std::string& ctx) {
    if (const auto* s = n.as_string()) {
        return s->get();
    }
    type_error(n, ctx, "a string");
    return std::nullopt;
}

std::optional<std::string> loader::name_of(const toml::node& n, const std::string& ctx) {
    const auto name = string_of(n, ctx + ", name");
    if (!name) {
        return std::nullopt;
    }
    if (const auto bad = checked_name(*name)) {
        error(pos(n),
              fmt::format("{}, name: expected {}, found \"{}\"", ctx, *bad, shown_name(*name)));
        return std::nullopt;
    }
    return name;
}

std::optional<bool> loader::bool_of(const toml::node& n, const std::string& ctx) {
    if (const auto* b = n.as_boolean()) {
        return b->get();
    }
    type_error(n, ctx, "true or false");
    return std::nullopt;
}

std::optional<std::int64_t> loader::integer_of(const toml::node& n, const std::string& ctx,
                                               std::int64_t lo, std::int64_t hi) {
    const auto* i = n.as_integer();
    if (i == nullptr) {
        type_error(n, ctx, "an integer");
        return std::nullopt;
    }
    const auto v = i->get();
    if (v < lo || v > hi) {
        // Limits of the storage type (uint32 sizes, int threads) are not worth mentioning.
        const bool unbounded = hi >= std::numeric_limits<int>::max();
        const auto expected =
            unbounded
                ? (lo == 0 ? std::string("a non-negative integer")
                           : fmt::format("an integer of at least {}", lo))
                : fmt::format("an integer in [{}, {}]", lo, hi);
        error(pos(n), fmt::format("{}: expected {}, found {}", ctx, expected, v));
        return std::nullopt;
    }
    return v;
}

std::optional<std::string> loader::choice_of(const toml::node& n, const std::string& ctx,
                                             const std::vector<std::string>& options) {
    const auto s = string_of(n, ctx);
    if (!s) {
        return std::nullopt;
    }
    if (std::find(options.begin(), options.end(), *s) != options.end()) {
        return s;
    }
    const auto best = closest_match(*s, options);
    error(pos(n), fmt::format("{}: expected one of {}, found \"{}\"{}", ctx, join(options), *s,
                              best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
    return std::nullopt;
}

std::optional<double> loader::quantity_of(const toml::node& n, dimension dim,
                                          const std::string& ctx) {
    if (const auto* i = n.as_integer()) {
        return static_cast<double>(i->get());
    }
    if (const auto* f = n.as_floating_point()) {
        if (!std::isfinite(f->get())) {
            error(pos(n), fmt::format("{}: expected a finite number, found {}", ctx,
                                      found_value(n)));
            return std::nullopt;
        }
        return f->get();
    }
    if (const auto* s = n.as_string()) {
        std::string why;
        if (const auto v = parse_quantity(s->get(), dim, why)) {
            return v;
        }
        error(pos(n), fmt::format("{}: expected {}, found \"{}\"{}", ctx, dimension_text(dim),
                                  s->get(), unit_trouble(s->get(), dim)));
        return std::nullopt;
    }
    type_error(n, ctx,
               dim == dimension::none
                   ? std::string("a number")
                   : fmt::format("{} (a number, or a string with a unit such as \"10 {}\")",
                                 dimension_text(dim), unit_symbol(dim)));
    return std::nullopt;
}

std::optional<double> loader::checked_quantity(const toml::node& n, dimension dim,
                                               const value_check& check, const std::string& ctx,
                                               const std::string& suffix) {
    const auto v = quantity_of(n, dim, ctx);
    if (!v) {
        return std::nullopt;
    }
    if (check) {
        if (auto msg = check(*v, found_value(n) + suffix)) {
            error(pos(n), std::move(*msg));
            return std::nullopt;
        }
    }
    return v;
}

std::optional<value_spec> loader::spec_of(const toml::node& n, const spec_rules& rules,
                                          const std::string& ctx) {
    value_spec s;
    s.where = pos(n);
    if (n.is_number() || n.is_string()) {
        const auto v = checked_quantity(n, rules.dim, rules.check, ctx);
        if (!v) {
            return std::nullopt;
        }
        s.a = *v;
        return s;
    }
    if (const auto* arr = n.as_array()) {
        bool ok = true;
        if (rules.count && arr->size() != *rules.count) {
            error(pos(n), fmt::format("{}: expected {} value{} (one per {}), found {}", ctx,
                                      *rules.count, *rules.count == 1 ? "" : "s", rules.per,
                                      arr->size()));
            ok = false;
        }
        s.k = value_spec::kind::array;
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const auto v = checked_quantity((*arr)[i], rules.dim, rules.check, ctx,
                                            fmt::format(" ({} {})", rules.per, i));
            ok = ok && v.has_value();
            s.values.push_back(v.value_or(0.0));
        }
        return ok ? std::optional(s) : std::nullopt;
    }
    const std::vector<std::string> forms{"uniform", "normal", "lognormal", "linspace"};
    if (const auto* t = n.as_table()) {
        // One form key, plus optional redraw bounds `min`/`max` for normal and lognormal.
        const toml::key* key = nullptr;
        const toml::node* value = nullptr;
        const toml::node* n_min = nullptr;
        const toml::node* n_max = nullptr;
        for (auto&& [k0, v0] : *t) {
            if (k0.str() == "min") {
                n_min = &v0;
            } else if (k0.str() == "max") {
                n_max = &v0;
            } else if (key == nullptr) {
                key = &k0;
                value = &v0;
            } else {
                error(pos(k0), fmt::format("{}: expected one distribution key, found '{}' after "
                                           "'{}'",
                                           ctx, std::string(k0.str()), std::string(key->str())));
                return std::nullopt;
            }
        }
        if (key == nullptr) {
            error(pos(n), fmt::format("{}: expected one of {{ uniform = [low, high] }}, "
                                      "{{ normal = [mean, sd] }}, {{ lognormal = [mean, sd] }}, "
                                      "{{ linspace = [first, last] }}, found a table without one",
                                      ctx));
            return std::nullopt;
        }
        const auto& k = *key;
        const auto& v = *value;
        const std::string form(k.str());
        if (form == "uniform") {
            s.k = value_spec::kind::uniform;
        } else if (form == "normal") {
            s.k = value_spec::kind::normal;
        } else if (form == "lognormal") {
            s.k = value_spec::kind::lognormal;
        } else if (form == "linspace") {
            s.k = value_spec::kind::linspace;
        } else {
            error(pos(k), fmt::format("{}: unknown key '{}'{}", ctx, form, hint(form, forms)));
            return std::nullopt;
        }
        const bool gaussian = s.k == value_spec::kind::normal || s.k == value_spec::kind::lognormal;
        for (const auto* b : {n_min, n_max}) {
            if (b != nullptr && !gaussian) {
                error(pos(*b), fmt::format("{}: 'min'/'max' (redraw bounds) apply to normal and "
                                           "lognormal only, found them with {}",
                                           ctx, form));
                return std::nullopt;
            }
        }
        const auto* pair = v.as_array();
        const char* shape = s.k == value_spec::kind::uniform ? "[low, high]"
                            : gaussian                       ? "[mean, sd]"
                                                             : "[first, last]";
        if (pair == nullptr || pair->size() != 2) {
            error(pos(v), fmt::format("{}: expected {} = {} (two values), found {}", ctx, form,
                                      shape,
                                      pair ? fmt::format("{} values", pair->size())
                                           : found_type(v)));
            return std::nullopt;
        }
        const auto& n_a = (*pair)[0];
        const auto& n_b = (*pair)[1];
        if (gaussian) {
            const auto a = quantity_of(n_a, rules.dim, ctx);
            const auto b = quantity_of(n_b, rules.dim, ctx);
            if (b && *b < 0.0) {
                error(pos(n_b), fmt::format("{}: expected a non-negative standard deviation, "
                                            "found {}",
                                            ctx, found_value(n_b)));
                return std::nullopt;
            }
            if (s.k == value_spec::kind::lognormal && a && *a == 0.0) {
                error(pos(n_a), fmt::format("{}: expected a non-zero lognormal mean, found 0",
                                            ctx));
                return std::nullopt;
            }
            const auto lo = n_min ? quantity_of(*n_min, rules.dim, ctx + ", min")
                                  : std::optional<double>(s.lo);
            const auto hi = n_max ? quantity_of(*n_max, rules.dim, ctx + ", max")
                                  : std::optional<double>(s.hi);
            if (!a || !b || !lo || !hi) {
                return std::nullopt;
            }
            if (*lo >= *hi) {
                error(pos(n), fmt::format("{}: expected min < max, found min {} and max {}", ctx,
                                          number_text(*lo), number_text(*hi)));
                return std::nullopt;
            }
            s.a = *a;
            s.b = *b;
            s.lo = *lo;
            s.hi = *hi;
            return s;
        }
        const auto& check = s.k == value_spec::kind::uniform && rules.bound_check
                                ? rules.bound_check
                                : rules.check;
        const auto a = checked_quantity(n_a, rules.dim, check, ctx);
        const auto b = checked_quantity(n_b, rules.dim, check, ctx);
        if (!a || !b) {
            return std::nullopt;
        }
        if (s.k == value_spec::kind::uniform && *a > *b) {
            error(pos(v), fmt::format("{}: expected uniform = [low, high] with low <= high, "
                                      "found [{}, {}]",
                                      ctx, found_value(n_a), found_value(n_b)));
            return std::nullopt;
        }
        s.a = *a;
        s.b = *b;
        return s;
    }
    type_error(n, ctx,
               fmt::format("{}: a number, a string with a unit, an array or "
                           "{{ uniform | normal | lognormal | linspace = [a, b] }}",
                           dimension_text(rules.dim)));
    return std::nullopt;
}

value_check loader::step_multiple_check(const std::string& ctx, const std::string& what,
                                        bool exact) {
    const double dt = dt_;
    return [ctx, what, dt, exact](double v, const std::string&) -> std::optional<std::string> {
        if (v < dt * (1.0 - 1e-9)) {
            return fmt::format("{}: {} {} ms is shorter than dt {} ms", ctx, what, number_text(v),
                               number_text(dt));
        }
        if (exact && !is_multiple(v, dt)) {
            return fmt::format("{}: {} {} ms is not a multiple of dt {} ms", ctx, what,
                               number_text(v), number_text(dt));
        }
        if (!steps_of(v, dt, step_rounding::nearest)) {
            return fmt::format("{}: {} {:g} ms is longer than the longest time neurotwin "
                               "represents, {:g} ms (2^53 steps of dt {} ms)",
                               ctx, what, v, double(max_steps) * dt, number_text(dt));
        }
        return std::nullopt;
    };
}

std::optional<double> loader::interval_of(const toml::node& n, const std::string& ctx) {
    const auto v = quantity_of(n, dimension::time, ctx);
    if (!v || !dt_ok_) {
        return v;
    }
    if (auto msg = step_multiple_check(ctx, "interval")(*v, found_value(n))) {
        error(pos(n), std::move(*msg));
        return std::nullopt;
    }
    return v;
}

// ---------------------------------------------------------------------------------------
// Parameters of a model.

bool loader::read_params(const toml::table& t, const model_info& m, std::optional<index_t> size,
                         const std::string& ctx, const std::string& per,
                         std::map<std::string, value_spec>& out, const std::string& forbidden,
                         const std::string& forbidden_why) {
    bool ok = true;
    const auto names = m.param_names();
    for (auto&& [k, v] : t) {
        const std::string key(k.str());
        const auto* p = m.find_param(key);
        if (p == nullptr) {
            error(pos(k), fmt::format("{}: unknown parameter '{}' for model '{}'{}", ctx, key,
                                      m.name, hint(key, names)));
            ok = false;
            continue;
        }
        const auto pctx = fmt::format("{}, parameter '{}'", ctx, key);
        if (key == forbidden) {
            error(pos(k), fmt::format("{}: {}", pctx, forbidden_why));
            ok = false;
            continue;
        }
        if (p->is_list) {
            if (auto s = list_of(v, *p, pctx)) {
                out[key] = std::move(*s);
            } else {
                ok = false;
            }
            continue;
        }
        spec_rules rules;
        rules.dim = p->dim;
        rules.check = range_check(pctx, p->valid, p->dim);
        if (key == "h_max" && p->dim == dimension::time && dt_ok_) {
            // the longest substep of an integrator: at most max_substeps per step
            const double dt = dt_;
            rules.check = [pctx, dt, in_range = rules.check](
                              double x, const std::string& found) -> std::optional<std::string> {
                if (auto msg = in_range(x, found)) {
                    return msg;
                }
                if (substeps_of(dt, x)) {
                    return std::nullopt;
                }
                return fmt::format("{}: expected at least {:g} ms (dt / {}: at most {} substeps "
                                   "per step of dt = {:g} ms), found {}",
                                   pctx, dt / double(max_substeps), max_substeps, max_substeps,
                                   dt, found);
            };
        }
        rules.count = size;
        rules.per = per;
        if (auto s = spec_of(v, rules, pctx)) {
            out[key] = std::move(*s);
        } else {
            ok = false;
        }
    }
    return ok;
}

std::optional<value_spec> loader::list_of(const toml::node& n, const param_info& p,
                                          const std::string& ctx) {
    const auto* arr = n.as_array();
    if (arr == nullptr) {
        error(pos(n), fmt::format("{}: expected {} as an array, e.g. [10, 100], found {}{}", ctx,
                                  p.valid.describe_list(p.dim), found_type(n),
                                  n.is_table() ? "; a list parameter is the same for every "
                                                 "neuron: per-neuron forms do not apply"
                                               : ""));
        return std::nullopt;
    }
    std::vector<double> values;
    bool ok = true;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto ectx = fmt::format("{}, element {}", ctx, i);
        const auto v = checked_quantity((*arr)[i], p.dim, range_check(ectx, p.valid, p.dim), ectx);
        ok = ok && v.has_value();
        values.push_back(v.value_or(0.0));
    }
    return ok ? std::optional(value_spec::list(std::move(values), pos(n))) : std::nullopt;
}

// Runs the model's cross-parameter rules per neuron. Random parameters are evaluated at the
// ends of their ranges (normal: mean +- 4 sd), and a rule is reported only when every
// combination of ends violates it: exact when the values involved are deterministic, and
// never a false alarm for a draw that may well be fine.
void loader::cross_check(const model_info& m, const std::map<std::string, value_spec>& given,
                         std::optional<index_t> size, const source_pos& fallback,
                         const std::string& ctx) {
    if (!m.check || !size) {
        return;
    }
    std::vector<const value_spec*> specs(m.params.size(), nullptr);
    std::vector<std::size_t> random;
    bool per_neuron = false;
    param_lists lists;  // the same for every neuron
    for (std::size_t k = 0; k < m.params.size(); ++k) {
        const auto it = given.find(m.params[k].name);
        if (m.params[k].is_list) {
            lists[m.params[k].name] =
                it != given.end() ? it->second.values : m.params[k].default_list;
            continue;
        }
        if (it == given.end()) {
            continue;
        }
        specs[k] = &it->second;
        if (!deterministic(it->second)) {
            random.push_back(k);
        }
        per_neuron = per_neuron || it->second.k == value_spec::kind::linspace ||
                     it->second.k == value_spec::kind::array;
    }
    if (random.size() > 4) {
        return;  // 2^k corners per neuron: not worth it for a load-time hint
    }
    const std::size_t n = *size;
    const std::size_t n_eval = per_neuron ? n : std::min<std::size_t>(n, 1);
    const std::size_t corners = std::size_t(1) << random.size();
    std::vector<double> values(m.params.size());
    for (std::size_t i = 0; i < n_eval; ++i) {
        std::vector<rule_violation> common;
        for (std::size_t c = 0; c < corners; ++c) {
            for (std::size_t k = 0; k < m.params.size(); ++k) {
                values[k] =
                    specs[k] ? spec_value(*specs[k], i, n, false) : m.params[k].default_value;
            }
            for (std::size_t r = 0; r < random.size(); ++r) {
                values[random[r]] = spec_value(*specs[random[r]], i, n, (c >> r) & 1U);
            }
            std::vector<rule_violation> out;
            m.check(param_lookup(m.params, values, nullptr, &lists), out);
            if (c == 0) {
                common = std::move(out);
                continue;
            }
            std::erase_if(common, [&](const rule_violation& v) {
                return std::none_of(out.begin(), out.end(), [&](const rule_violation& w) {
                    return w.param == v.param && w.expected == v.expected;
                });
            });
        }
        if (common.empty()) {
            continue;
        }
        for (const auto& v : common) {
            const auto it = given.find(v.param);
            const auto list = lists.find(v.param);
            std::string found;
            if (list != lists.end()) {
                found = list_text(list->second) + (it == given.end() ? " (the default)" : "");
            } else if (it == given.end()) {
                const auto* p = m.find_param(v.param);
                found = fmt::format("{} (the default)", p ? number_text(p->default_value) : "?");
            } else if (deterministic(it->second)) {
                found = number_text(spec_value(it->second, i, n, false));
            } else {
                found = spec_text(it->second);
            }
            error(it == given.end() ? fallback : it->second.where,
                  fmt::format("{}, parameter '{}': expected {}, found {}{}", ctx, v.param,
                              v.expected, found,
                              per_neuron && list == lists.end() ? fmt::format(" (neuron {})", i)
                                                                : std::string()));
        }
        return;  // the first violating neuron is enough
    }
}

// ---------------------------------------------------------------------------------------
// Population names.

const pop_ref* loader::resolve(const toml::node& n, const std::string& ctx,
                               const std::string& head, std::string* name_out) {
    const auto name = string_of(n, ctx);
    if (!name) {
        return nullptr;
    }
    *name_out = *name;
    const auto it = pops_.find(*name);
    if (it != pops_.end()) {
        return &it->second;
    }
    if (twin_names_.count(*name) != 0) {
        error(pos(n), fmt::format("{}: '{}' is a twin; use '{}.inputs', '{}.artificial' or "
                                  "'{}.biological'",
                                  head, *name, *name, *name, *name));
        return nullptr;
    }
    std::vector<std::string> names;
    for (const auto& [k, ignored] : pops_) {
        names.push_back(k);
    }
    const auto best = closest_match(*name, names);
    error(pos(n), fmt::format("{}: unknown population '{}'{}", head, *name,
                              best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
    return nullptr;
}

void loader::register_name(const std::string& name, pop_ref ref, const source_pos& at,
                           const std::string& ctx) {
    const auto it = pops_.find(name);
    if (it != pops_.end()) {
        error(at, fmt::format("{}: the name '{}' is already used (line {})", ctx, name,
                              it->second.where.line));
        return;
    }
    pops_.emplace(name, std::move(ref));
}

// The tables of an array of tables ([[population]] ...), reporting anything else.
std::vector<const toml::table*> loader::tables(const toml::table& root, std::string_view key) {
    std::vector<const toml::table*> out;
    const auto* node = root.get(key);
    if (node == nullptr) {
        return out;
    }
    const auto* arr = node->as_array();
    if (arr == nullptr) {
        type_error(*node, fmt::format("[[{}]]", key),
                   fmt::format("an array of tables ([[{}]])", key));
        return out;
    }
    for (const auto& el : *arr) {
        if (const auto* t = el.as_table()) {
            out.push_back(t);
        } else {
            type_error(el, fmt::format("[[{}]]", key), "a table");
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// [[population]]

std::vector<std::string> loader::model_names() const {
    std::vector<std::string> out;
    for (const auto* m : models_.all()) {
        out.push_back(m->name);
    }
    return out;
}

// Names of populations, twins and stimuli become HDF5 paths (/spikes/<name>, ...) and parts
// of dotted sweep keys ("population.<name>.size"): a letter or '_', then letters, digits, '_'
// and '-' (no '.', '/', NUL, space; docs/scenario.md, "Names").
std::optional<std::string> checked_name(const std::string& name) {
    const auto letter = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    };
    const bool ok = !name.empty() && letter(name.front()) &&
                    std::all_of(name.begin(), name.end(), [&](char c) {
                        return letter(c) || (c >= '0' && c <= '9') || c == '-';
                    });
    if (ok) {
        return std::nullopt;
    }
    return "a name of letters, digits, '_' and '-' that starts with a letter or '_' (it "
           "becomes an HDF5 path and a part of sweep keys)";
}

// A name as it can be printed: control characters and non-ASCII bytes as \xNN.
std::string shown_name(const std::string& name) {
    std::string out;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u >= 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
    }
    return out;
}

}  // namespace neurotwin::detail
