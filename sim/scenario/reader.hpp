// SPDX-License-Identifier: BSD-3-Clause
// The scenario loader's shared part: the loader class (its state: the description being
// built, the diagnostics, the names seen so far) and the typed readers every section uses
// (strings, choices, integers, quantities with units, per-neuron values, population
// references), each of which reports its own errors with the node's position. Internal to
// sim/scenario/: one file per section (simulation.cpp, morphology.cpp, population.cpp,
// twin.cpp, stimulus.cpp, projection.cpp, record.cpp) defines that section's member
// function; loader.cpp runs them in order. The only code besides sweep.cpp that includes
// toml++.
#pragma once

#include "sim/scenario/desc.hpp"
#include "sim/scenario/schema.hpp"

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

namespace neurotwin::detail {

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

inline std::string number_text(double v) { return fmt::format("{}", v); }

std::string join(const std::vector<std::string>& items);
std::string type_phrase(const toml::node& n);
// The value as written: numbers, quoted strings, booleans; the type for anything else.
std::string found_value(const toml::node& n);
// For a wrong type: "an integer (5)", "a floating-point number (2.0)", "a table".
std::string found_type(const toml::node& n);
std::string article(std::string_view noun);
// "a duration (ms)", "a unitless number".
std::string dimension_text(dimension d);
// Why a unit string did not convert to `want`: " (a voltage)", " (unknown unit 'xyz')", or
// "" when it is not "<number> <unit>" at all.
std::string unit_trouble(std::string_view text, dimension want);
// "; did you mean 'x'?" or, without a close candidate, "; expected one of a, b, c".
std::string hint(const std::string& word, const std::vector<std::string>& candidates);
// x = n dt with an integer n >= 1, within 1e-9 relative.
bool is_multiple(double x, double dt);
bool deterministic(const value_spec& s);
std::string spec_text(const value_spec& s);
// Element i of n of a deterministic spec; the lower/upper end of a random one (corner).
double spec_value(const value_spec& s, std::size_t i, std::size_t n, bool high);
value_check range_check(const std::string& ctx, const range& valid, dimension dim);
// A Poisson rate [Hz]: >= 0 and at most max_poisson_events_per_step per step of dt ms.
value_check poisson_rate_check(const std::string& ctx, double dt_ms);
// Names of populations, twins and stimuli become HDF5 paths (/spikes/<name>, ...) and parts
// of dotted sweep keys ("population.<name>.size"): a letter or '_', then letters, digits, '_'
// and '-' (no '.', '/', NUL, space; docs/scenario.md, "Names").
std::optional<std::string> checked_name(const std::string& name);
// A name as it can be printed: control characters and non-ASCII bytes as \xNN.
std::string shown_name(const std::string& name);

class loader {
public:
    loader(std::string file, const model_registry& models)
        : file_(std::move(file)), models_(models) {}
    scenario_desc run(const std::string& text);

private:
    // The registry's model names, in its order (the choices of `model`).
    std::vector<std::string> model_names() const;

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
    // The keys of `section` (sim/scenario/schema.cpp).
    void check_keys(const toml::table& t, std::string_view section, const std::string& ctx) {
        check_keys(t, schema_of(section).names(), ctx);
    }
    const toml::node* required(const toml::table& t, std::string_view key, const std::string& ctx);
    const toml::table* table_of(const toml::node& n, const std::string& ctx);
    std::optional<std::string> string_of(const toml::node& n, const std::string& ctx);
    std::optional<bool> bool_of(const toml::node& n, const std::string& ctx);
    // Key `name` of an item (`ctx`: the item): a string that checked_name() accepts.
    std::optional<std::string> name_of(const toml::node& n, const std::string& ctx);
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
    // A plain quantity of the schema: its dimension and range.
    std::optional<double> ranged(const toml::node& n, const key_info& key, const std::string& ctx) {
        return ranged(n, key.dim, key.valid, ctx);
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
    // The value of list parameter `p`: an array of quantities, each checked against the
    // parameter's range; per-neuron forms are errors (a list is the same for every neuron).
    std::optional<value_spec> list_of(const toml::node& n, const param_info& p,
                                      const std::string& ctx);
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
    bool twin_inputs(const toml::node& n, const model_info* bio, int morph,
                     std::optional<index_t> size, twin_encoding encoding, const std::string& ctx,
                     std::vector<twin_input>& out);
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
    const model_registry& models_;
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

}  // namespace neurotwin::detail
