// SPDX-License-Identifier: BSD-3-Clause
// scenario_desc: a scenario file turned into plain data, in canonical units (ms, mV, pA, pF,
// nS, Hz, um, ohm*cm, uF/cm2, S/cm2), with every user error already reported by the loader
// (sim/scenario/loader.cpp, the only code that includes toml++). Each item keeps its source
// position so that later stages can still point at the file.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/errors.hpp"
#include "sim/model_api.hpp"

namespace neurotwin {

// A value that may differ per neuron (or per connection): a constant, a random draw, an
// evenly spaced sweep, or an explicit array. Canonical units. The value of a list parameter
// (param_info::is_list) is a `list`: `values`, the same for every neuron.
struct value_spec {
    enum class kind { constant, uniform, normal, lognormal, linspace, array, list };
    kind k = kind::constant;
    double a = 0.0;               // constant value; uniform low; (log)normal mean; linspace first
    double b = 0.0;               // uniform high; (log)normal sd; linspace last
    // normal / lognormal: draws outside [lo, hi] are redrawn (NEST's redraw)
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    std::vector<double> values;  // array, list
    source_pos where;

    static value_spec constant(double v, source_pos at = {}) {
        value_spec s;
        s.a = v;
        s.where = std::move(at);
        return s;
    }
    static value_spec list(std::vector<double> v, source_pos at = {}) {
        value_spec s;
        s.k = kind::list;
        s.values = std::move(v);
        s.where = std::move(at);
        return s;
    }
    bool is_constant() const { return k == kind::constant; }
};

struct simulation_desc {
    double duration_ms = 0.0;
    double dt_ms = 0.1;
    std::uint64_t seed = 0;
    int threads = 0;        // 0 = chosen from the work (sim/run.cpp)
    source_pos threads_where;  // position of the `threads` value (none: not given)
    step_t n_steps = 0;     // duration / dt, checked to be an exact multiple
    source_pos where;
};

struct population_desc {
    std::string name;
    std::string model;
    index_t size = 0;
    std::map<std::string, value_spec> params;  // only the ones the scenario gave
    std::map<std::string, value_spec> init;    // state variable -> initial value
    double rate_filter_ms = 100.0;              // time constant of the causal rate estimate
    // Synapse type (key `synapse`); the model's first (default) type when not given.
    std::optional<synapse_type> synapse;
    std::string preset;  // key `preset`: already merged into params (explicit values win)
    std::string morphology;  // compartmental models: name of a [[morphology]]
    std::string integrator;  // key `integrator`; empty = the model's default
    source_pos where;
};

enum class stimulus_type { dc, step, ramp, sine, poisson };

// Poisson inputs: at most this many events per step and channel (rate * dt). The engine
// draws each step's count in O(1) at any rate, but a rate beyond this is no input a neuron
// can tell from a current (1e9 jumps of a step) and is taken for a typo (rate = 1e19 Hz);
// the bound also keeps counts far inside the sampler's exact range (sim/poisson.cpp).
inline constexpr double max_poisson_events_per_step = 1e9;

struct stimulus_desc {
    std::string name;
    stimulus_type type = stimulus_type::dc;
    std::string target;          // population name (twins: "<twin>.inputs", ...)
    double start_ms = 0.0;
    double stop_ms = std::numeric_limits<double>::infinity();
    // Per-neuron-capable parameters by type (canonical units):
    //   dc: amplitude | ramp: from, to | sine: amplitude, frequency, phase (rad), offset
    //   poisson: rate (Hz), weight (pA jump per spike)
    std::map<std::string, value_spec> params;
    std::vector<double> times;       // step: switch times (ms, ascending)
    std::vector<double> amplitudes;  // step: value from times[i] on
    // On a twin's inputs population: restrict to one input channel k (every pair's k-th
    // input); nullopt = all channels.
    std::optional<index_t> channel;
    std::optional<location> site;  // compartmental target: where the current enters
    source_pos where;
};

enum class connection_rule {
    all_to_all,
    one_to_one,
    fixed_probability,   // p
    fixed_indegree,      // k sources per target
    fixed_outdegree,     // k targets per source
    fixed_total_number,  // n connections in all
    from_file,           // explicit edge list (SONATA edges HDF5 or CSV)
};
// How a non-spiking source drives a spiking target: a continuous current w*x (rate) or an
// independent Poisson spike train of rate x per connection with jump w (poisson).
enum class projection_encoding { rate, poisson };

struct projection_desc {
    std::string source;
    std::string target;
    connection_rule rule = connection_rule::all_to_all;
    double p = 1.0;                       // fixed_probability
    std::uint64_t k = 0;                  // fixed_indegree / fixed_outdegree
    std::uint64_t n = 0;                  // fixed_total_number
    bool autapses = true;                 // source == target only
    bool multapses = true;                // several connections between one pair
    std::string file;                     // from_file: path (relative to the scenario's folder)
    std::string edge_population;          // from_file, SONATA: /edges/<name>; "" = the only one
    value_spec weight;                    // pA (spiking target) or unitless (artificial)
    value_spec delay;                     // ms, >= dt, multiple of dt; default dt
    bool has_weight = true;               // false: from_file takes the file's weights
    bool has_delay = false;               // false: default dt, or the file's delays
    projection_encoding encoding = projection_encoding::rate;
    std::optional<location> site;  // compartmental target: where the synapses sit
    source_pos where;
};

enum class twin_encoding { current, poisson };

struct twin_input {
    value_spec rate;    // Hz, may be per pair
    double weight = 0;  // unitless; > 0 excitatory, < 0 inhibitory
    std::optional<location> site;  // compartmental biological side: where the input enters
    source_pos where;
};

struct twin_desc {
    std::string name;
    index_t size = 0;
    std::string activation = "relu";   // an artificial model
    std::string biological = "lif";    // a spiking model with a twin calibration
    twin_encoding encoding = twin_encoding::current;
    std::vector<twin_input> inputs;
    value_spec bias;                   // unitless, may be per pair
    std::map<std::string, value_spec> activation_params;  // e.g. alpha for leaky_relu
    std::map<std::string, value_spec> params;             // biological model's parameters
    std::map<std::string, value_spec> init;  // biological side's initial state (key `init`)
    std::optional<synapse_type> synapse;  // biological side's synapse type (key `synapse`)
    std::string preset;                   // biological side's preset, merged into params
    std::string morphology;               // compartmental biological side's [[morphology]]
    std::string integrator;               // biological side's integrator (empty = default)
    double rate_filter_ms = 100.0;
    std::optional<double> current_scale;  // pA per input unit (default: see network.cpp)
    std::optional<double> bias_scale;     // mV per unit of bias (default: R * current_scale)
    std::optional<double> E_ref;          // resting potential at bias 0 (default: onset)
    double record_interval_ms = 1.0;
    bool record = true;
    source_pos where;
};

struct neuron_selection {
    enum class kind { all, list, first };
    kind k = kind::all;
    std::vector<index_t> ids;  // list
    index_t first = 0;         // first n neurons
};

struct record_desc {
    std::string population;
    bool spikes = false;
    std::vector<std::string> variables;
    neuron_selection neurons;
    double interval_ms = 0.0;  // 0 = dt (the loader fills dt)
    // Compartmental populations: V_m of these compartments instead of the soma's (key
    // `compartments`: "all" or a list of locations).
    bool all_compartments = false;
    std::vector<location> compartments;
    source_pos where;
};

struct scenario_desc {
    std::string file;   // path as given
    std::string text;   // verbatim scenario text (stored in the output)
    simulation_desc simulation;
    std::vector<morphology_desc> morphologies;
    std::vector<population_desc> populations;
    std::vector<stimulus_desc> stimuli;
    std::vector<projection_desc> projections;
    std::vector<twin_desc> twins;
    std::vector<record_desc> records;
    // Accepted but suspicious (e.g. a stimulus that starts after the run ends), in file
    // order; `validate` and `run` print them (format_warning), they never stop a run.
    std::vector<diagnostic> warnings;

    // The models the scenario was checked against (load_scenario_*'s registry), for the
    // builder; registry() is a programming error (logic_error) on a desc built by hand
    // without one.
    const model_registry* models = nullptr;
    const model_registry& registry() const;

    const morphology_desc* find_morphology(const std::string& name) const {
        for (const auto& m : morphologies) {
            if (m.name == name) {
                return &m;
            }
        }
        return nullptr;
    }
};

// Parses and validates against the models of `models` (which must outlive the result);
// throws input_error with every problem found (file order).
scenario_desc load_scenario_file(const std::string& path, const model_registry& models);
scenario_desc load_scenario_text(const std::string& text, const std::string& file_name,
                                 const model_registry& models);

}  // namespace neurotwin
