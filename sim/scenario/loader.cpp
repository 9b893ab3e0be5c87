// SPDX-License-Identifier: BSD-3-Clause
// Scenario loader: TOML text -> scenario_desc, the only code that includes toml++.
//
// Every problem is collected with the position toml++ keeps on each node (values, keys and
// table headers), then all are thrown together, in file order, by diagnostics_list. The
// loader keeps going after an error wherever the rest can still be checked meaningfully:
// a bad [simulation] dt only silences the checks that need dt, an unknown model only the
// checks of that population's parameters, and so on.
//
// Messages read "<context>: expected <what>, found <what was written>", where the context
// names the item and key ("population 'exc', parameter 'tau_m'", "[simulation] dt").
#include "sim/scenario/desc.hpp"
#include "sim/scenario/swc.hpp"

#include "sim/errors.hpp"
#include "sim/model_api.hpp"
#include "sim/units.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace neurotwin {

namespace {

// ---------------------------------------------------------------------------------------
// Describing what was found.

std::string number_text(double v) { return fmt::format("{}", v); }

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
    }
    return 0.0;
}

// What a population name (or a twin-derived one) stands for.
struct pop_ref {
    const model_info* model = nullptr;  // nullptr when the model was invalid
    std::optional<index_t> size;        // nullopt when the size was invalid
    source_pos where;
    // "<twin>.inputs" only: pairs and channels (node id = pair * channels + channel).
    bool twin_inputs = false;
    std::optional<index_t> pairs;
    std::optional<std::size_t> channels;
    int morphology = -1;  // compartmental models: index into scenario_desc::morphologies
};

// A full-message check of one deterministic value: nullopt when fine. `found` is the value as
// written, with " (neuron i)" for array elements.
using value_check =
    std::function<std::optional<std::string>(double value, const std::string& found)>;

// How a value_spec is read.
struct spec_rules {
    dimension dim = dimension::none;
    value_check check;                // applied to constants, linspace ends, array elements
    value_check bound_check;          // uniform bounds; `check` when empty
    std::optional<std::size_t> count; // array length; nullopt: not known (not checked)
    std::string per = "neuron";       // "expected 50 values (one per neuron)"
};

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

class loader {
public:
    explicit loader(std::string file) : file_(std::move(file)) {}
    scenario_desc run(const std::string& text);

private:
    // --- positions and reporting
    source_pos pos(const toml::node& n) const { return pos(n.source()); }
    source_pos pos(const toml::key& k) const { return pos(k.source()); }
    source_pos pos(const toml::source_region& r) const {
        return {file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
    }
    void error(source_pos at, std::string message) {
        diags_.add(std::move(at), std::move(message));
    }
    // Accepted but probably not what the user meant: kept in the description, printed by
    // `validate` and `run` ("file:line:col: warning: ..."), never fatal.
    void warn(source_pos at, std::string message) {
        desc_.warnings.push_back({std::move(at), std::move(message)});
    }
    void type_error(const toml::node& n, const std::string& ctx, const std::string& expected) {
        error(pos(n), fmt::format("{}: expected {}, found {}", ctx, expected, found_type(n)));
    }

    // --- generic readers (all report their own errors)
    void check_keys(const toml::table& t, const std::vector<std::string>& allowed,
                    const std::string& ctx);
    const toml::node* required(const toml::table& t, std::string_view key, const std::string& ctx);
    const toml::table* table_of(const toml::node& n, const std::string& ctx);
    std::optional<std::string> string_of(const toml::node& n, const std::string& ctx);
    std::optional<bool> bool_of(const toml::node& n, const std::string& ctx);
    std::optional<std::int64_t> integer_of(const toml::node& n, const std::string& ctx,
                                           std::int64_t lo, std::int64_t hi);
    std::optional<std::string> choice_of(const toml::node& n, const std::string& ctx,
                                         const std::vector<std::string>& options);
    std::optional<double> quantity_of(const toml::node& n, dimension dim, const std::string& ctx);
    std::optional<double> checked_quantity(const toml::node& n, dimension dim,
                                           const value_check& check, const std::string& ctx,
                                           const std::string& suffix = "");
    std::optional<double> ranged(const toml::node& n, dimension dim, const range& valid,
                                 const std::string& ctx) {
        return checked_quantity(n, dim, range_check(ctx, valid, dim), ctx);
    }
    std::optional<value_spec> spec_of(const toml::node& n, const spec_rules& rules,
                                      const std::string& ctx);
    // An interval (recording) in ms: >= dt and a multiple of dt.
    std::optional<double> interval_of(const toml::node& n, const std::string& ctx);
    // `what` (ms) must be at least dt and, when `exact`, a multiple of dt.
    value_check step_multiple_check(const std::string& ctx, const std::string& what,
                                    bool exact = true);

    // Parameters of a model (population params, twin params), cross-parameter rules.
    bool read_params(const toml::table& t, const model_info& m, std::optional<index_t> size,
                     const std::string& ctx, const std::string& per,
                     std::map<std::string, value_spec>& out, const std::string& forbidden,
                     const std::string& forbidden_why);
    void cross_check(const model_info& m, const std::map<std::string, value_spec>& given,
                     std::optional<index_t> size, const source_pos& fallback,
                     const std::string& ctx);

    // Population references.
    // `head` names the item in an unknown-population message ("projection").
    const pop_ref* resolve(const toml::node& n, const std::string& ctx, const std::string& head,
                           std::string* name_out);
    void register_name(const std::string& name, pop_ref ref, const source_pos& at,
                       const std::string& ctx);

    // Morphologies and locations on them.
    void morphology(const toml::table& t, std::size_t index);
    void section_props_of(const toml::table& t, section_props& p, const std::string& ctx);
    // Key `morphology` of a population or twin whose model is `m`: the morphology's index
    // (-1 when absent or wrong; reported unless `m` is unknown).
    int morphology_ref(const toml::table& t, const model_info* m, const std::string& ctx,
                       std::string& name_out);
    // Key `location` of an input into population `target` (nullopt when absent or wrong).
    std::optional<location> location_of(const toml::table& t, const pop_ref* target,
                                        const std::string& target_name, const std::string& ctx);
    std::optional<location> location_in(const toml::node& n, int morph, const std::string& ctx);

    // Sections.
    void simulation(const toml::table& root);
    std::vector<const toml::table*> tables(const toml::table& root, std::string_view key);
    void population(const toml::table& t, std::size_t index);
    void twin(const toml::table& t, std::size_t index);
    // Key `init` of a population or twin whose (biological) model is `m`.
    void init_of(const toml::table& t, const model_info& m, std::optional<index_t> size,
                 const std::string& ctx, const std::string& per,
                 std::map<std::string, value_spec>& out);
    // Keys `synapse` and `preset` of a population or twin (model `m`): the synapse type, and
    // the preset's values merged into `params` where the scenario gave none (`forbidden` is
    // skipped: a twin's rest parameter).
    void synapse_and_preset(const toml::table& t, const model_info& m, const std::string& ctx,
                            std::optional<synapse_type>& synapse, std::string& preset,
                            std::map<std::string, value_spec>& params,
                            const std::string& forbidden);
    // Key `integrator` of a population or twin whose model is `m`.
    void integrator_of(const toml::table& t, const model_info& m, const std::string& ctx,
                       std::string& out);
    // Dimension of the jumps into population `name` (pA unless it has conductance synapses).
    dimension jump_dim(const std::string& name) const {
        const auto it = synapse_of_.find(name);
        return it == synapse_of_.end() ? dimension::current : jump_dimension(it->second);
    }
    void stimulus(const toml::table& t, std::size_t index);
    void projection(const toml::table& t);
    void record(const toml::table& t, std::size_t index);

    std::string file_;
    diagnostics_list diags_;
    scenario_desc desc_;
    double dt_ = 0.1;
    bool dt_ok_ = true;
    std::map<std::string, pop_ref> pops_;
    std::map<std::string, source_pos> twin_names_;
    std::map<std::string, source_pos> stimulus_names_;
    // Synapse type of each spiking population (and twin biological side): the dimension of
    // its synaptic jumps (projection and Poisson weights: pA or nS).
    std::map<std::string, synapse_type> synapse_of_;
};

// ---------------------------------------------------------------------------------------
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
                if (steps_of(dt, x, step_rounding::up, max_substeps)) {
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
    for (std::size_t k = 0; k < m.params.size(); ++k) {
        const auto it = given.find(m.params[k].name);
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
            m.check(param_lookup(m.params, values), out);
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
            std::string found;
            if (it == given.end()) {
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
                              per_neuron ? fmt::format(" (neuron {})", i) : std::string()));
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

// ---------------------------------------------------------------------------------------
// [simulation]

void loader::simulation(const toml::table& root) {
    auto& sim = desc_.simulation;
    const auto* node = root.get("simulation");
    if (node == nullptr) {
        error({file_, 1, 1}, "missing table [simulation] (it needs at least 'duration')");
        return;
    }
    const auto* t = table_of(*node, "[simulation]");
    if (t == nullptr) {
        dt_ok_ = false;
        return;
    }
    sim.where = pos(*t);
    check_keys(*t, {"duration", "dt", "seed", "threads"}, "[simulation]");
    if (const auto* n = t->get("dt")) {
        const auto v = ranged(*n, dimension::time, range::above(0.0), "[simulation] dt");
        dt_ok_ = v.has_value();
        if (v) {
            dt_ = *v;
        }
    }
    sim.dt_ms = dt_;
    std::optional<double> duration;
    if (const auto* n = required(*t, "duration", "[simulation]")) {
        duration = ranged(*n, dimension::time, range::above(0.0), "[simulation] duration");
        if (duration && dt_ok_) {
            if (!is_multiple(*duration, dt_)) {
                error(pos(*n), fmt::format("[simulation]: duration {} ms is not a multiple of dt "
                                           "{} ms",
                                           number_text(*duration), number_text(dt_)));
            } else if (const auto steps = steps_of(*duration, dt_, step_rounding::nearest)) {
                sim.duration_ms = *duration;
                sim.n_steps = *steps;
            } else {
                error(pos(*n), steps_range_message("[simulation] duration", *duration, dt_));
            }
        }
    }
    if (const auto* n = t->get("seed")) {
        if (const auto v = integer_of(*n, "[simulation] seed", 0,
                                      std::numeric_limits<std::int64_t>::max())) {
            sim.seed = static_cast<std::uint64_t>(*v);
        }
    }
    if (const auto* n = t->get("threads")) {
        if (const auto v =
                integer_of(*n, "[simulation] threads", 0, std::numeric_limits<int>::max())) {
            sim.threads = static_cast<int>(*v);
            sim.threads_where = pos(*n);  // the thread limit depends on the machine: run.cpp
        }
    }
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
// [[morphology]]

const std::vector<std::string>& section_prop_keys() {
    static const std::vector<std::string> keys{"Ra", "ra",     "cm",    "g_pas", "e_pas", "hh",
                                               "gnabar", "gkbar", "gl", "el",    "ena",   "ek"};
    return keys;
}

// Membrane properties of a section, region or the defaults: keys of section_prop_keys().
void loader::section_props_of(const toml::table& t, section_props& p, const std::string& ctx) {
    const auto num = [&](const char* key, dimension dim, const range& valid, double& out) {
        if (const auto* n = t.get(key)) {
            if (const auto v = ranged(*n, dim, valid, fmt::format("{}, {}", ctx, key))) {
                out = *v;
            }
        }
    };
    if (t.get("Ra") != nullptr && t.get("ra") != nullptr) {
        error(pos(*t.get("ra")), fmt::format("{}: 'Ra' and 'ra' are the same property; give one",
                                             ctx));
    }
    num("Ra", dimension::resistivity, range::above(0.0), p.Ra);
    num("ra", dimension::resistivity, range::above(0.0), p.Ra);
    num("cm", dimension::specific_capacitance, range::above(0.0), p.cm);
    num("g_pas", dimension::specific_conductance, range::at_least(0.0), p.g_pas);
    num("e_pas", dimension::voltage, range::any(), p.e_pas);
    if (const auto* n = t.get("hh")) {
        if (const auto v = bool_of(*n, ctx + ", hh")) {
            p.hh = *v;
        }
    }
    num("gnabar", dimension::specific_conductance, range::at_least(0.0), p.gnabar);
    num("gkbar", dimension::specific_conductance, range::at_least(0.0), p.gkbar);
    num("gl", dimension::specific_conductance, range::at_least(0.0), p.gl);
    num("el", dimension::voltage, range::any(), p.el);
    num("ena", dimension::voltage, range::any(), p.ena);
    num("ek", dimension::voltage, range::any(), p.ek);
}

void loader::morphology(const toml::table& t, std::size_t index) {
    morphology_desc md;
    md.where = pos(t);
    std::string ctx = fmt::format("morphology #{}", index + 1);
    if (const auto* n = required(t, "name", ctx)) {
        if (const auto name = string_of(*n, ctx + ", name")) {
            if (desc_.find_morphology(*name) != nullptr) {
                error(pos(*n), fmt::format("{}: the name '{}' is already used", ctx, *name));
            }
            md.name = *name;
            ctx = fmt::format("morphology '{}'", md.name);
        }
    }
    check_keys(t,
               {"name", "swc", "segment_length", "section", "defaults", "soma", "axon", "dend",
                "apic"},
               ctx);
    section_props defaults;
    if (const auto* n = t.get("defaults")) {
        if (const auto* dt = table_of(*n, ctx + ", defaults")) {
            check_keys(*dt, section_prop_keys(), ctx + ", defaults");
            section_props_of(*dt, defaults, ctx + ", defaults");
        }
    }
    const auto* swc = t.get("swc");
    const auto* sections = t.get("section");
    if ((swc == nullptr) == (sections == nullptr)) {
        error(md.where, fmt::format("{}: expected either 'swc' (a file) or [[morphology.section]] "
                                    "tables, found {}",
                                    ctx, swc ? "both" : "neither"));
        desc_.morphologies.push_back(std::move(md));
        return;
    }
    if (swc != nullptr) {
        swc_options opt;
        if (const auto* n = t.get("segment_length")) {
            if (const auto v = ranged(*n, dimension::length, range::above(0.0),
                                      ctx + ", segment_length")) {
                opt.segment_length = *v;
            }
        }
        for (const char* region : {"soma", "axon", "dend", "apic"}) {
            auto& props = std::string_view(region) == "soma"   ? opt.soma
                          : std::string_view(region) == "axon" ? opt.axon
                          : std::string_view(region) == "dend" ? opt.dend
                                                               : opt.apic;
            props = defaults;
            if (const auto* n = t.get(region)) {
                if (const auto* rt = table_of(*n, fmt::format("{}, {}", ctx, region))) {
                    check_keys(*rt, section_prop_keys(), fmt::format("{}, {}", ctx, region));
                    section_props_of(*rt, props, fmt::format("{}, {}", ctx, region));
                }
            }
        }
        if (const auto file = string_of(*swc, ctx + ", swc")) {
            md.swc_file = *file;
            const auto path = (std::filesystem::path(file_).parent_path() / *file).string();
            try {
                auto read = read_swc(path, md.name, opt);
                md.sections = std::move(read.sections);
            } catch (const input_error& e) {
                for (const auto& d : e.diagnostics()) {
                    error(d.where, fmt::format("{} (SWC file of {})", d.message, ctx));
                }
            } catch (const io_error& e) {
                error(pos(*swc), fmt::format("{}, swc: {}", ctx, e.what()));
            }
        }
        desc_.morphologies.push_back(std::move(md));
        return;
    }
    for (const char* key : {"segment_length", "soma", "axon", "dend", "apic"}) {
        if (const auto* n = t.get(key)) {
            error(pos(*n), fmt::format("{}, {}: applies to SWC morphologies only; inline sections "
                                       "take their properties from [morphology.defaults] and "
                                       "their own keys",
                                       ctx, key));
        }
    }
    const auto* arr = sections->as_array();
    if (arr == nullptr || arr->empty()) {
        type_error(*sections, ctx + ", section",
                   "a non-empty array of tables ([[morphology.section]])");
        desc_.morphologies.push_back(std::move(md));
        return;
    }
    std::vector<std::string> allowed{"name", "parent", "parent_x", "length", "diam", "nseg"};
    allowed.insert(allowed.end(), section_prop_keys().begin(), section_prop_keys().end());
    for (std::size_t k = 0; k < arr->size(); ++k) {
        const auto* st = table_of((*arr)[k], fmt::format("{}, section #{}", ctx, k + 1));
        if (st == nullptr) {
            continue;
        }
        section_desc sd;
        sd.where = pos(*st);
        sd.props = defaults;
        std::string sctx = fmt::format("{}, section #{}", ctx, k + 1);
        if (const auto* n = required(*st, "name", sctx)) {
            if (const auto name = string_of(*n, sctx + ", name")) {
                if (name->empty() || md.find(*name) >= 0) {
                    error(pos(*n), fmt::format("{}, name: expected a new section name, found "
                                               "\"{}\"",
                                               sctx, *name));
                }
                sd.name = *name;
                sctx = fmt::format("{}, section '{}'", ctx, sd.name);
            }
        }
        check_keys(*st, allowed, sctx);
        if (const auto* n = st->get("parent")) {
            if (const auto parent = string_of(*n, sctx + ", parent")) {
                std::vector<std::string> known;
                for (const auto& s : md.sections) {
                    known.push_back(s.name);
                }
                if (md.find(*parent) < 0) {
                    error(pos(*n), fmt::format("{}, parent: expected a section defined above, "
                                               "found '{}'{}",
                                               sctx, *parent, hint(*parent, known)));
                }
                sd.parent = *parent;
            }
        } else if (k > 0) {
            error(pos(*st), fmt::format("{}: expected a 'parent' (only the first section, the "
                                        "root, has none)",
                                        sctx));
            sd.parent = md.sections.empty() ? "" : md.sections.front().name;
        }
        if (k == 0 && !sd.parent.empty()) {
            error(pos(*st->get("parent")),
                  fmt::format("{}: the first section is the root and has no parent", sctx));
        }
        if (const auto* n = st->get("parent_x")) {
            if (const auto v = ranged(*n, dimension::none, range::between(0.0, 1.0),
                                      sctx + ", parent_x")) {
                sd.parent_x = *v;
            }
        }
        if (const auto* n = required(*st, "length", sctx)) {
            if (const auto v = ranged(*n, dimension::length, range::above(0.0), sctx + ", length")) {
                sd.length = *v;
            }
        }
        if (const auto* n = required(*st, "diam", sctx)) {
            if (const auto v = ranged(*n, dimension::length, range::above(0.0), sctx + ", diam")) {
                sd.diam = *v;
            }
        }
        if (const auto* n = st->get("nseg")) {
            if (const auto v = integer_of(*n, sctx + ", nseg", 1, 1000000)) {
                sd.nseg = static_cast<int>(*v);
            }
        }
        section_props_of(*st, sd.props, sctx);
        md.sections.push_back(std::move(sd));
    }
    desc_.morphologies.push_back(std::move(md));
}

int loader::morphology_ref(const toml::table& t, const model_info* m, const std::string& ctx,
                           std::string& name_out) {
    const auto* n = t.get("morphology");
    if (m == nullptr) {
        return -1;
    }
    if (!m->compartmental) {
        if (n != nullptr) {
            error(pos(*n), fmt::format("{}, morphology: applies to compartmental models "
                                       "(mc_cell) only, found model '{}'",
                                       ctx, m->name));
        }
        return -1;
    }
    if (n == nullptr) {
        error(pos(t), fmt::format("{}: model '{}' needs a 'morphology' (the name of a "
                                  "[[morphology]])",
                                  ctx, m->name));
        return -1;
    }
    const auto name = string_of(*n, ctx + ", morphology");
    if (!name) {
        return -1;
    }
    name_out = *name;
    std::vector<std::string> names;
    for (std::size_t k = 0; k < desc_.morphologies.size(); ++k) {
        if (desc_.morphologies[k].name == *name) {
            return static_cast<int>(k);
        }
        names.push_back(desc_.morphologies[k].name);
    }
    error(pos(*n), fmt::format("{}, morphology: unknown morphology '{}'{}", ctx, *name,
                               names.empty() ? "; define it in a [[morphology]] table"
                                             : hint(*name, names)));
    return -1;
}

std::optional<location> loader::location_in(const toml::node& n, int morph,
                                            const std::string& ctx) {
    const auto* lt = table_of(n, ctx);
    if (lt == nullptr) {
        return std::nullopt;
    }
    check_keys(*lt, {"section", "x"}, ctx);
    location loc;
    loc.where = pos(n);
    bool ok = true;
    if (const auto* s = required(*lt, "section", ctx)) {
        if (const auto name = string_of(*s, ctx + ".section")) {
            loc.section = *name;
            if (morph >= 0) {
                const auto& md = desc_.morphologies[std::size_t(morph)];
                if (md.find(*name) < 0 && !md.sections.empty()) {
                    std::vector<std::string> names;
                    for (const auto& sec : md.sections) {
                        names.push_back(sec.name);
                    }
                    error(pos(*s), fmt::format("{}.section: unknown section '{}' of morphology "
                                               "'{}'{}",
                                               ctx, *name, md.name, hint(*name, names)));
                    ok = false;
                }
            }
        } else {
            ok = false;
        }
    } else {
        ok = false;
    }
    if (const auto* x = lt->get("x")) {
        if (const auto v = ranged(*x, dimension::none, range::between(0.0, 1.0), ctx + ".x")) {
            loc.x = *v;
        } else {
            ok = false;
        }
    }
    return ok ? std::optional(loc) : std::nullopt;
}

std::optional<location> loader::location_of(const toml::table& t, const pop_ref* target,
                                            const std::string& target_name,
                                            const std::string& ctx) {
    const auto* n = t.get("location");
    if (n == nullptr) {
        return std::nullopt;
    }
    if (target == nullptr || target->model == nullptr) {
        return std::nullopt;  // reported with the target
    }
    if (!target->model->compartmental) {
        error(pos(*n), fmt::format("{}, location: applies to compartmental targets only; '{}' "
                                   "is a point neuron ({})",
                                   ctx, target_name, target->model->name));
        return std::nullopt;
    }
    return location_in(*n, target->morphology, ctx + ", location");
}

// ---------------------------------------------------------------------------------------
// [[population]]

const std::vector<std::string>& model_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto* m : all_models()) {
            out.push_back(m->name);
        }
        return out;
    }();
    return names;
}

// Names of populations, twins and stimuli become HDF5 paths (/spikes/<name>, ...) and parts
// of dotted sweep keys ("population.<name>.size"): a letter or '_', then letters, digits, '_'
// and '-' (no '.', '/', NUL, space; README "Units", names).
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

void loader::population(const toml::table& t, std::size_t index) {
    population_desc pd;
    pd.where = pos(t);
    std::string ctx = fmt::format("population #{}", index + 1);
    bool name_ok = false;
    if (const auto* n = required(t, "name", ctx)) {
        if (const auto name = string_of(*n, ctx + ", name")) {
            if (const auto bad = checked_name(*name)) {
                error(pos(*n), fmt::format("{}, name: expected {}, found \"{}\"", ctx, *bad,
                                           shown_name(*name)));
            } else {
                pd.name = *name;
                ctx = fmt::format("population '{}'", pd.name);
                name_ok = true;
            }
        }
    }
    check_keys(t,
               {"name", "model", "size", "rate_filter", "params", "init", "synapse", "preset",
                "morphology", "integrator"},
               ctx);

    const model_info* model = nullptr;
    if (const auto* n = required(t, "model", ctx)) {
        if (const auto m = choice_of(*n, ctx + ", model", model_names())) {
            model = find_model(*m);
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
                ranged(*n, dimension::time, range::above(0.0), ctx + ", rate_filter")) {
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

// ---------------------------------------------------------------------------------------
// [[twin]]

void loader::twin(const toml::table& t, std::size_t index) {
    twin_desc td;
    td.where = pos(t);
    std::string ctx = fmt::format("twin #{}", index + 1);
    const toml::node* name_node = nullptr;
    if ((name_node = required(t, "name", ctx))) {
        if (const auto name = string_of(*name_node, ctx + ", name")) {
            if (const auto bad = checked_name(*name)) {
                error(pos(*name_node),
                      fmt::format("{}, name: expected {}, found \"{}\"", ctx, *bad,
                                  shown_name(*name)));
                name_node = nullptr;
            } else {
                td.name = *name;
                ctx = fmt::format("twin '{}'", td.name);
            }
        } else {
            name_node = nullptr;
        }
    }
    check_keys(t,
               {"name", "size", "activation", "biological", "encoding", "inputs", "bias", "alpha",
                "rate_filter", "params", "init", "current_scale", "bias_scale", "E_ref",
                "record_interval", "record", "synapse", "preset", "morphology", "integrator"},
               ctx);

    std::optional<index_t> size;
    if (const auto* n = required(t, "size", ctx)) {
        if (const auto v =
                integer_of(*n, ctx + ", size", 1, std::numeric_limits<index_t>::max())) {
            size = static_cast<index_t>(*v);
            td.size = *size;
        }
    }
    const model_info* act = find_model(td.activation);
    if (const auto* n = t.get("activation")) {
        std::vector<std::string> names;
        for (const auto* m : all_models()) {
            if (m->kind == model_kind::artificial) {
                names.push_back(m->name);
            }
        }
        act = nullptr;
        if (const auto a = choice_of(*n, ctx + ", activation", names)) {
            td.activation = *a;
            act = find_model(*a);
        }
    }
    const model_info* bio = find_model(td.biological);
    if (const auto* n = t.get("biological")) {
        std::vector<std::string> names;
        for (const auto* m : all_models()) {
            if (m->kind == model_kind::spiking && !m->rest_param.empty() && m->calibrate) {
                names.push_back(m->name);
            }
        }
        bio = nullptr;
        if (const auto b = choice_of(*n, ctx + ", biological", names)) {
            td.biological = *b;
            bio = find_model(*b);
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
        const auto* arr = n->as_array();
        if (arr == nullptr) {
            type_error(*n, ctx + ", inputs",
                       "an array of { rate = <Hz>, weight = <number> } tables");
        } else if (arr->empty()) {
            error(pos(*n), fmt::format("{}, inputs: expected at least one input, found an empty "
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
                check_keys(*it, {"rate", "weight", "location"}, ictx);
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
                    if (td.encoding == twin_encoding::poisson) {
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
                td.inputs.push_back(std::move(in));
            }
        }
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
                ranged(*n, dimension::time, range::above(0.0), ctx + ", rate_filter")) {
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
            ranged(*n, dimension::current, range::above(0.0), ctx + ", current_scale");
    }
    if (const auto* n = t.get("bias_scale")) {
        td.bias_scale = ranged(*n, dimension::voltage, range::above(0.0), ctx + ", bias_scale");
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
                          pop_ref{find_model("rate_source"), n_inputs, at, true, size, channels},
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

// ---------------------------------------------------------------------------------------
// [[stimulus]]

struct stimulus_kind {
    const char* name;
    stimulus_type type;
    std::vector<std::string> keys;  // beyond the common ones
};

const std::vector<stimulus_kind>& stimulus_kinds() {
    static const std::vector<stimulus_kind> kinds{
        {"dc", stimulus_type::dc, {"amplitude"}},
        {"step", stimulus_type::step, {"times", "amplitudes"}},
        {"ramp", stimulus_type::ramp, {"from", "to"}},
        {"sine", stimulus_type::sine, {"amplitude", "frequency", "phase", "offset"}},
        {"poisson", stimulus_type::poisson, {"rate", "weight"}},
    };
    return kinds;
}

void loader::stimulus(const toml::table& t, std::size_t index) {
    stimulus_desc sd;
    sd.where = pos(t);
    sd.name = fmt::format("stimulus{}", index + 1);
    const toml::node* name_node = t.get("name");
    if (name_node) {
        if (const auto name = string_of(*name_node, fmt::format("stimulus #{}, name", index + 1))) {
            if (const auto bad = checked_name(*name)) {
                error(pos(*name_node), fmt::format("stimulus #{}, name: expected {}, found \"{}\"",
                                                   index + 1, *bad, shown_name(*name)));
            } else {
                sd.name = *name;
            }
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
    std::vector<std::string> allowed{"name",  "type",    "target",  "start",
                                     "stop",  "channel", "location"};
    for (const auto& k : stimulus_kinds()) {
        if (kind == nullptr || kind == &k) {
            for (const auto& key : k.keys) {
                if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                    allowed.push_back(key);
                }
            }
        }
    }
    if (kind != nullptr) {
        sd.type = kind->type;
        // Keys of another stimulus type get a precise message rather than "unknown key".
        for (auto&& [k, v] : t) {
            const std::string key(k.str());
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
                continue;
            }
            const auto other = std::find_if(
                stimulus_kinds().begin(), stimulus_kinds().end(), [&](const stimulus_kind& sk) {
                    return std::find(sk.keys.begin(), sk.keys.end(), key) != sk.keys.end();
                });
            if (other != stimulus_kinds().end()) {
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
        start = ranged(*n, dimension::time, range::at_least(0.0), ctx + ", start");
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
    check_keys(t,
               {"source", "target", "rule", "p", "k", "n", "file", "edge_population", "weight",
                "delay", "autapses", "multapses", "encoding", "location"},
               ctx);
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
                        ranged(*n, dimension::none, range::between(0.0, 1.0), ctx + ", p")) {
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
    check_keys(t, {"population", "spikes", "variables", "neurons", "interval", "compartments"},
               ctx);
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
            check_keys(*ft, {"first"}, nctx);
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

// ---------------------------------------------------------------------------------------

scenario_desc loader::run(const std::string& text) {
    desc_.file = file_;
    desc_.text = text;
    toml::table root;
    try {
        root = toml::parse(std::string_view(text), std::string_view(file_));
    } catch (const toml::parse_error& e) {
        throw input_error(pos(e.source()), fmt::format("TOML syntax error: {}", e.description()));
    }
    const std::vector<std::string> sections{"simulation", "morphology", "population", "twin",
                                            "stimulus",   "projection", "record"};
    check_keys(root, sections, "top level");

    // [simulation] first: defaults and checks of delays and intervals depend on dt. Then
    // every population name (populations and twins), then what refers to them.
    simulation(root);
    const auto morphologies = tables(root, "morphology");
    for (std::size_t i = 0; i < morphologies.size(); ++i) {
        morphology(*morphologies[i], i);
    }
    const auto populations = tables(root, "population");
    for (std::size_t i = 0; i < populations.size(); ++i) {
        population(*populations[i], i);
    }
    const auto twins = tables(root, "twin");
    for (std::size_t i = 0; i < twins.size(); ++i) {
        twin(*twins[i], i);
    }
    const auto stimuli = tables(root, "stimulus");
    for (std::size_t i = 0; i < stimuli.size(); ++i) {
        stimulus(*stimuli[i], i);
    }
    for (const auto* t : tables(root, "projection")) {
        projection(*t);
    }
    const auto records = tables(root, "record");
    for (std::size_t i = 0; i < records.size(); ++i) {
        record(*records[i], i);
    }
    diags_.throw_if_any();
    return std::move(desc_);
}

}  // namespace

scenario_desc load_scenario_text(const std::string& text, const std::string& file_name) {
    return loader(file_name).run(text);
}

scenario_desc load_scenario_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw io_error(
            fmt::format("cannot open scenario file '{}': {}", path, std::strerror(errno)));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw io_error(
            fmt::format("cannot read scenario file '{}': {}", path, std::strerror(errno)));
    }
    return load_scenario_text(buffer.str(), path);
}

}  // namespace neurotwin
