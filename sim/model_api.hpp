// SPDX-License-Identifier: BSD-3-Clause
// The only thing a model sees of the engine. A model is (a) a descriptor (model_info): name,
// summary, parameter and state tables - the single source for defaults, units, range checks,
// `neurotwin models` and docs/models.md - and (b) a population type that owns per-neuron
// columns (struct of arrays) and advances a range of neurons by one step.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/aligned.hpp"
#include "sim/morphology.hpp"
#include "sim/units.hpp"

namespace neurotwin {

using step_t = std::int64_t;   // time is an integer number of steps inside the engine
using index_t = std::uint32_t; // neuron index within a population (0-based)

// Valid range of a parameter.
struct range {
    enum class kind { any, above, at_least, between, integer_at_least } k = kind::any;
    double lo = 0.0;
    double hi = 0.0;

    static range any() { return {}; }
    static range above(double v) { return {kind::above, v, 0.0}; }
    static range at_least(double v) { return {kind::at_least, v, 0.0}; }
    static range between(double a, double b) { return {kind::between, a, b}; }
    bool contains(double v) const;
    // "a positive duration (ms)", "a voltage (mV) in [0, 1]", ...
    std::string describe(dimension d) const;
    // The same for every element of a list: "a list of positive durations (ms)", ...
    std::string describe_list(dimension d) const;
};

// A model parameter. Most are scalars: one value per neuron, which a scenario may vary
// between neurons (docs/scenario.md, "Per-neuron values"). A list parameter (is_list) is a
// list of values of dimension `dim`, each within `valid`, of any length, the same for every
// neuron: the time constants of a model's kernels, their jumps (gif_psc_exp's tau_sfa,
// q_sfa). Its default is `default_list` (default_value is unused); make one with
// list_param().
struct param_info {
    std::string name;
    dimension dim = dimension::none;
    double default_value = 0.0;
    range valid;
    std::string meaning;
    bool is_list = false;
    std::vector<double> default_list{};
};
param_info list_param(std::string name, dimension dim, std::vector<double> defaults, range valid,
                      std::string meaning);

// The values of a population's list parameters, by name (canonical units).
using param_lists = std::map<std::string, std::vector<double>, std::less<>>;
// A list as a scenario writes it: "[30, 300]", "[]".
std::string list_text(const std::vector<double>& values);

struct state_info {
    std::string name;
    dimension dim = dimension::none;
    std::string meaning;
    bool initializable = true;  // may be given in [population.init]
};

enum class model_kind {
    spiking,     // emits spikes; output() is its causal rate estimate (Hz)
    artificial,  // activation = f(sum w x + bias); output() is the activation
    source,      // rate_source: activation set by stimuli; output() is the activation
};
std::string_view kind_name(model_kind k);

// One neuron's parameter values by name, for cross-parameter rules (and, for compartmental
// models, the cell's morphology). `values` holds one value per parameter of `params` (list
// parameters' entries unused); `lists` every list parameter's values.
class param_lookup {
public:
    param_lookup(const std::vector<param_info>& params, const std::vector<double>& values,
                 const morphology_desc* morphology = nullptr, const param_lists* lists = nullptr)
        : params_(&params), values_(&values), morphology_(morphology), lists_(lists) {}
    // A scalar parameter's value.
    double operator[](std::string_view name) const;
    // A list parameter's values (rules compare lengths: len(tau_sfa) == len(q_sfa)).
    const std::vector<double>& list(std::string_view name) const;
    const morphology_desc* morphology() const { return morphology_; }

private:
    const std::vector<param_info>* params_;
    const std::vector<double>* values_;
    const morphology_desc* morphology_;
    const param_lists* lists_;
};

// A violated cross-parameter rule: which parameter, what was expected.
struct rule_violation {
    std::string param;
    std::string expected;
};

class population;

// Synapse type of a spiking population (scenario key `synapse`). Current synapses add a
// current (pA) to the membrane equation, conductance synapses a conductance g (nS) that drives
// g (E_rev - V_m); jumps arriving in a step are pA or nS accordingly (inhibitory jumps are
// negative: the conductance grows by |J|). exp: the jump enters the variable, which decays with
// tau_syn; alpha: the jump enters its derivative (scaled by e/tau_syn), so that the variable
// peaks at J after tau_syn.
// delta: each spike moves V_m by its weight (mV) at once (as NEST's iaf_psc_delta).
enum class synapse_type { exp_current, alpha_current, exp_cond, alpha_cond, delta };
std::string_view synapse_name(synapse_type s);
// False when `name` is not a synapse type.
bool parse_synapse(std::string_view name, synapse_type& out);
inline bool is_conductance(synapse_type s) {
    return s == synapse_type::exp_cond || s == synapse_type::alpha_cond;
}
// Dimension of a synaptic jump (projection weights, Poisson stimulus weights): pA, nS or mV.
inline dimension jump_dimension(synapse_type s) {
    return is_conductance(s)            ? dimension::conductance
           : s == synapse_type::delta ? dimension::voltage
                                        : dimension::current;
}

// A named parameter set (scenario key `preset`): fills the scalar parameters the scenario
// does not give explicitly.
struct preset_info {
    std::string name;
    std::string meaning;
    std::vector<std::pair<std::string, double>> values;  // canonical units
};

// Everything a model needs to build its population: per-neuron parameter columns (every
// scalar parameter of the descriptor, defaults filled in, canonical units), the values of
// its list parameters (the same for every neuron) and the initial values of the state
// variables that the scenario set.
struct population_init {
    std::string name;
    index_t size = 0;
    std::map<std::string, std::vector<double>, std::less<>> params;
    param_lists lists;
    std::map<std::string, std::vector<double>, std::less<>> init;
    synapse_type synapse = synapse_type::exp_current;  // one of model_info::synapses
    // Compartmental models: the cell's shape, and the input sites (port k of every neuron is
    // sites[k]; synaptic and current inputs arrive per port, see population::ports()).
    const morphology_desc* morphology = nullptr;
    std::vector<location> sites;
    // One of model_info::integrators (empty when the model has no choice).
    std::string integrator;
    // Stochastic models: their random numbers are counter_rng(seed, stream) (sim/random.hpp),
    // drawn from block (neuron, step) - a pure function of the scenario's seed, the
    // population's name and the neuron and step, so no thread owns a stream. `stream` is
    // stream_id("population/<name>/model").
    std::uint64_t seed = 0;
    std::uint64_t stream = 0;

    const std::vector<double>& param(std::string_view key) const;
    // A list parameter's values.
    const std::vector<double>& list(std::string_view key) const;
    // The initial column of `var`: the scenario's values, or `fallback` for every neuron
    // (a state column, so on whole cache lines: sim/aligned.hpp).
    aligned_column initial(std::string_view var, const std::vector<double>& fallback) const;
};

// How a spiking model serves as the biological side of a twin (docs/scenario.md, "The mapping"): the
// membrane resistance R (mV/pA) that turns an input current into a voltage at steady state,
// and the onset voltage: the resting potential at which the neuron starts to fire.
// psc_area_ex/in: time integral of the synaptic current per unit jump (ms), so that a Poisson
// train of rate x (Hz) with jump J (pA) carries a mean current J * area * x / 1000.
struct twin_calibration {
    double R_mV_per_pA = 0.0;
    double V_onset = 0.0;
    double psc_area_ex = 0.0;
    double psc_area_in = 0.0;
    // Membrane potential at the onset (driving force of conductance synapses); differs from
    // V_onset when the onset is a value of the rest parameter (hh: E_L) rather than a voltage
    // the membrane sits at.
    double V_membrane = 0.0;
};

// model_info::calibrate gives the areas of exp_current synapses. For the other types the
// areas follow from the kernel: alpha (peak J at tau_syn) has area e tau_syn; a conductance
// kernel carries the current g (E_rev - V), taken at the membrane potential at onset
// (V_membrane), so its area is (e) tau_syn |E_rev - V_membrane| (ms mV = pA ms / nS). Reads
// tau_syn_ex/in and E_ex/E_in. An area <= 0 (a reversal potential on the wrong side) means
// the synapse cannot carry the mean current of a Poisson twin: the caller reports it.
twin_calibration adapt_calibration(twin_calibration base, synapse_type s, const param_lookup& p);

struct model_info {
    std::string name;
    std::string summary;
    model_kind kind = model_kind::spiking;
    std::vector<param_info> params;
    std::vector<state_info> state;  // every recordable variable (incl. rate/activation)
    std::function<void(const param_lookup&, std::vector<rule_violation>&)> check;
    std::function<std::unique_ptr<population>(const population_init&)> create;
    // Spiking models usable as a twin's biological side: which parameter is the resting
    // potential that the bias shifts, and the calibration.
    std::string rest_param;
    std::function<twin_calibration(const param_lookup&)> calibrate;
    // True when the output is a pure function of this step's input (no memory): the engine
    // may skip update() when the input has not changed.
    bool stateless = false;
    // True when update() also writes spike_offsets()[i] for each spike: the time (ms) of the
    // threshold crossing after the start of the step, in (0, dt]. Spikes are then stamped
    // t*dt + offset instead of the end of the step (continuous models, interpolated
    // crossings). Delivery stays on the step grid.
    bool precise_spike_times = false;
    // Synapse types the model implements (first = default); empty for non-spiking models.
    std::vector<synapse_type> synapses;
    // Named parameter sets (scenario key `preset`).
    std::vector<preset_info> presets;
    // Compartmental models: needs a morphology (scenario key `morphology`); inputs may name a
    // `location` on the cell.
    bool compartmental = false;
    // Integration methods the model offers (scenario key `integrator`; first = default), with
    // a line each for `neurotwin models`; empty when there is no choice.
    std::vector<std::pair<std::string, std::string>> integrators;

    const param_info* find_param(std::string_view key) const;
    const state_info* find_state(std::string_view key) const;
    const preset_info* find_preset(std::string_view key) const;
    bool supports(synapse_type s) const;
    std::vector<std::string> param_names() const;
    std::vector<std::string> state_names() const;
};

// Input of a range of neurons for one step, indexed by neuron (absolute index) - or, for
// populations with several input ports per neuron (compartmental models), by port
// i * ports() + k.
//  - spiking:    ex/in are the synaptic jumps arriving this step (pA for current synapses,
//                ex >= 0, in <= 0); cont is a continuous current (pA) held over the step.
//  - artificial: cont is the net input sum_j w_j x_j (bias not included).
//  - source:     cont is the sum of the stimuli at the start of the step.
struct step_inputs {
    const double* ex = nullptr;
    const double* in = nullptr;
    const double* cont = nullptr;
    // false when cont is all zeros (no stimulus or rate input reaches the population)
    bool has_cont = true;
    // ex/in are the engine's ring slot of this step, owned by the caller's range: a model
    // whose clears_inputs() is true zeroes ex[i], in[i] after reading them (one pass over
    // memory fewer than a separate clearing pass).
    bool consume = false;
};

// A population: per-neuron columns, advanced by the engine through update(). update() is
// called concurrently on disjoint neuron ranges [lo, hi): it must write only those neurons
// and allocate nothing. It reports the first numerical problem of its range through
// `status` (never throws), and, for non-spiking models, whether any output in its range
// changed (the engine skips recomputing inputs that cannot have changed).
struct update_status {
    bool fault = false;
    index_t neuron = 0;
    const char* variable = "";
    double value = 0.0;
    bool output_changed = false;

    void note_fault(index_t i, const char* var, double v) {
        if (!fault) {
            fault = true;
            neuron = i;
            variable = var;
            value = v;
        }
    }
};

class population {
public:
    population(const model_info& info, std::string name, index_t size);
    virtual ~population() = default;
    population(const population&) = delete;
    population& operator=(const population&) = delete;

    const model_info& info() const { return *info_; }
    const std::string& name() const { return name_; }
    index_t size() const { return size_; }
    model_kind kind() const { return info_->kind; }

    // dt-dependent constants (propagators, refractory steps) are computed here, once.
    virtual void prepare(double dt_ms) = 0;
    // Advances neurons [lo, hi) from step `step` to step + 1. Spiking models set spiked()[i].
    virtual void update(step_t step, index_t lo, index_t hi, const step_inputs& in,
                        update_status& status) = 0;

    // 1 where neuron i spiked in the last update (spiking models only; zeros otherwise).
    std::span<std::uint8_t> spiked() { return spiked_; }
    // Crossing time within the step (ms) of each spike of the last update, for models with
    // precise_spike_times (empty otherwise).
    std::span<double> spike_offsets() { return spike_offsets_; }
    // Output seen by projections from non-spiking connections: activation for artificial and
    // source models, causal rate estimate (Hz) for spiking ones.
    const double* output() const { return output_; }
    // Column of a recordable variable (nullptr when unknown).
    const double* column(std::string_view var) const;
    double* column(std::string_view var);

    // Rate estimate of spiking models, maintained by the engine: r <- r*decay + spike*gain.
    aligned_column& rate() { return rate_; }

    // True when update() zeroes its range of ex/in itself whenever step_inputs::consume is set.
    virtual bool clears_inputs() const { return false; }

    // Input ports per neuron (1 for point neurons): the engine's input arrays hold
    // size() * ports() values, port k of neuron i at i * ports() + k.
    index_t ports() const { return ports_; }

    // Compartmental models. compartments(): number per neuron (0 for point neurons);
    // compartment_at(): the compartment of a location (-1 when the cell has no such place);
    // compartment_value(var, c, i): where variable `var` (only V_m) of compartment c of
    // neuron i lives (nullptr when unknown); valid for the population's lifetime.
    virtual std::uint32_t compartments() const { return 0; }
    virtual std::int64_t compartment_at(const location& /*where*/) const { return -1; }
    virtual const double* compartment_value(std::string_view /*var*/,
                                            std::uint32_t /*compartment*/,
                                            index_t /*neuron*/) const {
        return nullptr;
    }

protected:
    // Registers a column under a state name of the descriptor (must exist there).
    void bind(std::string_view var, std::vector<double>& values);
    void bind(std::string_view var, aligned_column& values);
    void bind(std::string_view var, double* column);
    void set_output(const double* out) { output_ = out; }
    void set_ports(index_t k) { ports_ = k; }

private:
    const model_info* info_;
    std::string name_;
    index_t size_;
    aligned_vector<std::uint8_t> spiked_;
    aligned_column spike_offsets_;
    aligned_column rate_;
    const double* output_ = nullptr;
    index_t ports_ = 1;
    std::vector<std::pair<std::string, double*>> columns_;
};

// The models a scenario may name, in the order `neurotwin models` lists them. The core (sim/)
// never knows which models exist: the application passes models/registry.hpp's
// builtin_models() to the loader, which keeps a pointer to it in the scenario_desc for the
// builder; tests may pass a registry with fake models of their own. The registry must
// outlive every scenario_desc and network built from it (builtin_models() is static).
class model_registry {
public:
    model_registry() = default;
    explicit model_registry(std::vector<const model_info*> models);
    // Adds a model; a second model of the same name is a programming error (logic_error).
    void add(const model_info& m);
    const std::vector<const model_info*>& all() const { return models_; }
    // The model `name`, or nullptr.
    const model_info* find(std::string_view name) const;

private:
    std::vector<const model_info*> models_;
};

}  // namespace neurotwin
