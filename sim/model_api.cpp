// SPDX-License-Identifier: BSD-3-Clause
#include "sim/model_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/errors.hpp"

namespace neurotwin {

bool range::contains(double v) const {
    if (!std::isfinite(v)) {
        return false;
    }
    switch (k) {
        case kind::any: return true;
        case kind::above: return v > lo;
        case kind::at_least: return v >= lo;
        case kind::between: return v >= lo && v <= hi;
        case kind::integer_at_least: return v >= lo && std::floor(v) == v;
    }
    return false;
}

std::string range::describe(dimension d) const {
    const std::string what = d == dimension::none
                                 ? "a number"
                                 : fmt::format("a {} ({})", dimension_name(d), unit_symbol(d));
    switch (k) {
        case kind::any: return what;
        case kind::above:
            return lo == 0.0 ? fmt::format("a positive {}",
                                           d == dimension::none ? "number" : what.substr(2))
                             : fmt::format("{} above {}", what, lo);
        case kind::at_least:
            return lo == 0.0 ? fmt::format("a non-negative {}",
                                           d == dimension::none ? "number" : what.substr(2))
                             : fmt::format("{} of at least {}", what, lo);
        case kind::between: return fmt::format("{} in [{}, {}]", what, lo, hi);
        case kind::integer_at_least: return fmt::format("an integer of at least {}", lo);
    }
    return what;
}

namespace {
std::string plural(std::string_view noun) {
    if (!noun.empty() && noun.back() == 'y') {
        return std::string(noun.substr(0, noun.size() - 1)) + "ies";
    }
    return std::string(noun) + "s";
}
}  // namespace

std::string range::describe_list(dimension d) const {
    const std::string what =
        d == dimension::none ? "numbers"
                             : fmt::format("{} ({})", plural(dimension_name(d)), unit_symbol(d));
    switch (k) {
        case kind::any:
            return "a list of " + what;
        case kind::above:
            return lo == 0.0 ? "a list of positive " + what
                             : fmt::format("a list of {} above {}", what, lo);
        case kind::at_least:
            return lo == 0.0 ? "a list of non-negative " + what
                             : fmt::format("a list of {} of at least {}", what, lo);
        case kind::between:
            return fmt::format("a list of {} in [{}, {}]", what, lo, hi);
        case kind::integer_at_least:
            return fmt::format("a list of integers of at least {}", lo);
    }
    return "a list of " + what;
}

std::string list_text(const std::vector<double>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += fmt::format("{}{}", i > 0 ? ", " : "", values[i]);
    }
    return out + "]";
}

param_info list_param(std::string name, dimension dim, std::vector<double> defaults, range valid,
                      std::string meaning) {
    param_info p{std::move(name), dim, 0.0, valid, std::move(meaning)};
    p.is_list = true;
    p.default_list = std::move(defaults);
    return p;
}

std::string_view kind_name(model_kind k) {
    switch (k) {
        case model_kind::spiking: return "spiking";
        case model_kind::artificial: return "artificial";
        case model_kind::source: return "source";
    }
    return "";
}

double param_lookup::operator[](std::string_view name) const {
    for (std::size_t i = 0; i < params_->size(); ++i) {
        if ((*params_)[i].name == name) {
            if ((*params_)[i].is_list) {
                throw internal_error(
                    fmt::format("param_lookup: '{}' is a list parameter (use list())", name));
            }
            return (*values_)[i];
        }
    }
    throw internal_error(fmt::format("param_lookup: no parameter '{}'", name));
}

const std::vector<double>& param_lookup::list(std::string_view name) const {
    if (lists_ != nullptr) {
        if (const auto it = lists_->find(name); it != lists_->end()) {
            return it->second;
        }
    }
    throw internal_error(fmt::format("param_lookup: no list parameter '{}'", name));
}

const std::vector<double>& population_init::param(std::string_view key) const {
    const auto it = params.find(key);
    if (it == params.end()) {
        throw internal_error(fmt::format("population '{}': parameter '{}' missing", name, key));
    }
    return it->second;
}

const std::vector<double>& population_init::list(std::string_view key) const {
    const auto it = lists.find(key);
    if (it == lists.end()) {
        throw internal_error(
            fmt::format("population '{}': list parameter '{}' missing", name, key));
    }
    return it->second;
}

aligned_column population_init::initial(std::string_view var,
                                        const std::vector<double>& fallback) const {
    const auto it = init.find(var);
    return to_column(it == init.end() ? fallback : it->second);
}

std::string_view synapse_name(synapse_type s) {
    switch (s) {
        case synapse_type::exp_current: return "exp_current";
        case synapse_type::alpha_current: return "alpha_current";
        case synapse_type::exp_cond: return "exp_cond";
        case synapse_type::alpha_cond: return "alpha_cond";
        case synapse_type::delta: return "delta";
    }
    return "";
}

bool parse_synapse(std::string_view name, synapse_type& out) {
    for (const auto s : {synapse_type::exp_current, synapse_type::alpha_current,
                         synapse_type::exp_cond, synapse_type::alpha_cond, synapse_type::delta}) {
        if (synapse_name(s) == name) {
            out = s;
            return true;
        }
    }
    return false;
}

twin_calibration adapt_calibration(twin_calibration base, synapse_type s, const param_lookup& p) {
    if (s == synapse_type::exp_current) {
        return base;
    }
    if (s == synapse_type::delta) {
        // a jump of J mV carries the charge C_m J: the "area" of a unit jump is C_m
        base.psc_area_ex = p["C_m"];
        base.psc_area_in = p["C_m"];
        return base;
    }
    const bool alpha = s == synapse_type::alpha_current || s == synapse_type::alpha_cond;
    const double shape = alpha ? std::exp(1.0) : 1.0;  // integral of the unit-peak kernel / tau
    base.psc_area_ex = shape * p["tau_syn_ex"];        // [ms]
    base.psc_area_in = shape * p["tau_syn_in"];
    if (is_conductance(s)) {
        base.psc_area_ex *= p["E_ex"] - base.V_membrane;  // [ms mV]
        base.psc_area_in *= base.V_membrane - p["E_in"];
    }
    return base;
}

const preset_info* model_info::find_preset(std::string_view key) const {
    for (const auto& p : presets) {
        if (p.name == key) {
            return &p;
        }
    }
    return nullptr;
}

bool model_info::supports(synapse_type s) const {
    return std::find(synapses.begin(), synapses.end(), s) != synapses.end();
}

const param_info* model_info::find_param(std::string_view key) const {
    for (const auto& p : params) {
        if (p.name == key) {
            return &p;
        }
    }
    return nullptr;
}

const state_info* model_info::find_state(std::string_view key) const {
    for (const auto& s : state) {
        if (s.name == key) {
            return &s;
        }
    }
    return nullptr;
}

std::vector<std::string> model_info::param_names() const {
    std::vector<std::string> out;
    for (const auto& p : params) {
        out.push_back(p.name);
    }
    return out;
}

std::vector<std::string> model_info::state_names() const {
    std::vector<std::string> out;
    for (const auto& s : state) {
        out.push_back(s.name);
    }
    return out;
}

population::population(const model_info& info, std::string name, index_t size)
    : info_(&info), name_(std::move(name)), size_(size), spiked_(size, 0), rate_(size, 0.0) {
    if (info.precise_spike_times) {
        spike_offsets_.assign(size, 0.0);
    }
    if (info.kind == model_kind::spiking) {
        output_ = rate_.data();
        columns_.emplace_back("rate", rate_.data());
    }
}

void population::bind(std::string_view var, std::vector<double>& values) {
    bind(var, values.data());
}

void population::bind(std::string_view var, aligned_column& values) {
    bind(var, values.data());
}

void population::bind(std::string_view var, double* column) {
    if (info_->find_state(var) == nullptr) {
        throw internal_error(fmt::format("model '{}' binds unknown state '{}'", info_->name, var));
    }
    columns_.emplace_back(std::string(var), column);
}

const double* population::column(std::string_view var) const {
    for (const auto& [n, p] : columns_) {
        if (n == var) {
            return p;
        }
    }
    return nullptr;
}

double* population::column(std::string_view var) {
    for (const auto& [n, p] : columns_) {
        if (n == var) {
            return p;
        }
    }
    return nullptr;
}

model_registry::model_registry(std::vector<const model_info*> models) {
    for (const auto* m : models) {
        add(*m);
    }
}

void model_registry::add(const model_info& m) {
    if (find(m.name) != nullptr) {
        throw std::logic_error(fmt::format("model '{}' is registered twice", m.name));
    }
    models_.push_back(&m);
}

const model_info* model_registry::find(std::string_view name) const {
    for (const auto* m : models_) {
        if (m->name == name) {
            return m;
        }
    }
    return nullptr;
}

}  // namespace neurotwin
