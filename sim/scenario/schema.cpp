// SPDX-License-Identifier: BSD-3-Clause
// The declared keys of every scenario section (see schema.hpp). Order within a section is
// the order of unknown-key hints ("expected one of ...") and of the docs' tables.
#include "sim/scenario/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace neurotwin {

namespace {

using kt = key_type;
using dm = dimension;

key_info req(std::string name, key_type t, std::string doc, dimension d = dm::none,
             range valid = range::any()) {
    key_info k;
    k.name = std::move(name);
    k.type = t;
    k.dim = d;
    k.valid = valid;
    k.required = true;
    k.doc = std::move(doc);
    return k;
}

key_info opt(std::string name, key_type t, std::string default_text, std::string doc,
             dimension d = dm::none, range valid = range::any()) {
    key_info k;
    k.name = std::move(name);
    k.type = t;
    k.dim = d;
    k.valid = valid;
    k.default_text = std::move(default_text);
    k.doc = std::move(doc);
    return k;
}

key_info typed(key_info k, std::string type_text) {
    k.type_override = std::move(type_text);
    return k;
}

key_info only(key_info k, std::vector<std::string> types) {
    k.only_for = std::move(types);
    return k;
}

// Membrane properties of a cell section: [morphology.defaults], SWC regions
// ([morphology.soma], ...) and [[morphology.section]] tables (NEURON's names and units).
std::vector<key_info> membrane_keys() {
    const auto pos = range::above(0.0);
    const auto nonneg = range::at_least(0.0);
    return {
        opt("Ra", kt::quantity, "35.4 ohm*cm", "axial resistivity", dm::resistivity, pos),
        opt("ra", kt::quantity, "35.4 ohm*cm", "`Ra` by another name (give one of the two)",
            dm::resistivity, pos),
        opt("cm", kt::quantity, "1 uF/cm2", "specific membrane capacitance",
            dm::specific_capacitance, pos),
        opt("g_pas", kt::quantity, "0 (no leak)", "passive leak (NEURON's `pas`)",
            dm::specific_conductance, nonneg),
        opt("e_pas", kt::quantity, "-70 mV", "reversal potential of the passive leak",
            dm::voltage),
        opt("hh", kt::boolean, "false",
            "Hodgkin-Huxley channels (NEURON's `hh`: rates scaled by `celsius`, Q10 = 3)"),
        opt("gnabar", kt::quantity, "0.12 S/cm2", "hh sodium density",
            dm::specific_conductance, nonneg),
        opt("gkbar", kt::quantity, "0.036 S/cm2", "hh potassium density",
            dm::specific_conductance, nonneg),
        opt("gl", kt::quantity, "0.0003 S/cm2", "hh leak density", dm::specific_conductance,
            nonneg),
        opt("el", kt::quantity, "-54.3 mV", "hh leak reversal potential", dm::voltage),
        opt("ena", kt::quantity, "50 mV", "hh sodium reversal potential", dm::voltage),
        opt("ek", kt::quantity, "-77 mV", "hh potassium reversal potential", dm::voltage),
    };
}

key_info integer(key_info k, double lo) {
    k.valid = range::at_least(lo);
    return k;
}

section_schema simulation_section() {
    const auto positive = range::above(0.0);
    return {"simulation", "[simulation]", "run length, time step, seed and threads",
            {
                req("duration", kt::quantity, "simulated time; must be a multiple of `dt`",
                    dm::time, positive),
                opt("dt", kt::quantity, "0.1 ms", "time step", dm::time, positive),
                integer(opt("seed", kt::integer, "0", "random seed (`run --seed` overrides it)"),
                        0),
                integer(opt("threads", kt::integer, "0",
                            "OpenMP threads; 0 = chosen from the work ([how](cli.md#run)); at "
                            "most 4 per core and 1024 (`run --threads` overrides it)"),
                        0),
            }};
}

std::vector<section_schema> morphology_sections() {
    const auto positive = range::above(0.0);
    return {
        {"morphology", "[[morphology]]",
         "a cell shape for `mc_cell` populations: an SWC file or inline sections",
         {
             req("name", kt::name,
                 "unique name, referred to by `morphology` of populations and twins"),
             opt("swc", kt::string, "", "SWC file, relative to the scenario's folder"),
             opt("segment_length", kt::quantity, "20 um",
                 "SWC only: nseg = max(1, ceil(L / segment_length)), made odd", dm::length,
                 positive),
             opt("section", kt::tables, "",
                 "inline sections (`[[morphology.section]]`), root first; either `swc` or "
                 "sections"),
             opt("defaults", kt::table, "NEURON's", "membrane properties of every section"),
             opt("soma", kt::table, "`defaults`", "SWC only: properties of the soma sections"),
             opt("axon", kt::table, "`defaults`", "SWC only: properties of the axon sections"),
             opt("dend", kt::table, "`defaults`",
                 "SWC only: properties of the dendrite (and SWC types 0, >= 5) sections"),
             opt("apic", kt::table, "`defaults`",
                 "SWC only: properties of the apical dendrite sections"),
         }},
        {"morphology.section", "[[morphology.section]]",
         "one unbranched cylinder of an inline morphology",
         {
             req("name", kt::name, "section name, unique within the morphology"),
             opt("parent", kt::string, "none: the root",
                 "a section defined above; the first section is the root and has none"),
             opt("parent_x", kt::quantity, "1", "where on the parent the section's 0 end attaches",
                 dm::none, range::between(0.0, 1.0)),
             req("length", kt::quantity, "section length", dm::length, positive),
             req("diam", kt::quantity, "section diameter", dm::length, positive),
             typed(opt("nseg", kt::integer, "1", "compartments"), "integer in [1, 10^6]"),
         },
         {"membrane"}},
        {"membrane", "membrane properties",
         "keys of [morphology.defaults], SWC regions and sections", membrane_keys(), {},
         "property: "},
        {"location", "location", "a place on a cell: `{ section = \"dend\", x = 0.5 }`",
         {
             req("section", kt::string, "a section of the target's morphology"),
             opt("x", kt::quantity, "0.5", "position along the section", dm::none,
                 range::between(0.0, 1.0)),
         }},
    };
}

section_schema population_section() {
    return {"population", "[[population]]", "a group of neurons of one model",
            {
                req("name", kt::name, "unique name"),
                req("model", kt::choice, "a model of [the model reference](models.md)"),
                integer(req("size", kt::integer, "number of neurons"), 1),
                opt("rate_filter", kt::quantity, "100 ms",
                    "time constant of the causal rate estimate (the `rate` column)", dm::time,
                    range::above(0.0)),
                typed(opt("params", kt::table, "model defaults",
                          "model parameters, in the model's units; unknown names are errors"),
                      "table of per-neuron values"),
                typed(opt("init", kt::table, "model defaults",
                          "initial values of state variables, e.g. `V_m = { uniform = [-70, "
                          "-55] }`"),
                      "table of per-neuron values"),
                opt("synapse", kt::choice, "the model's first",
                    "[synapse type](#synapse-types) of a spiking model; sets the unit of the "
                    "weights into it"),
                opt("preset", kt::choice, "",
                    "a named parameter set of the model ([values](models.md)); it fills the "
                    "parameters that `params` does not give"),
                opt("morphology", kt::string, "- (required for `mc_cell`)",
                    "the name of a [`[[morphology]]`](#morphology-multi-compartment-cells); "
                    "compartmental models only"),
                opt("integrator", kt::choice, "the model's first",
                    "`hh`, `hh_traub`: `dopri5` (adaptive Runge-Kutta within `tol`, accurate) "
                    "or `exp_euler` (exponential Euler with the step dt, as Brian2's "
                    "`exponential_euler`: fast, first order)"),
            }};
}

std::vector<section_schema> twin_sections() {
    const auto positive = range::above(0.0);
    return {
        {"twin", "[[twin]]",
         "an artificial population and its biological twin, driven by the same inputs",
         {
             req("name", kt::name,
                 "unique name; the twin's populations are `<name>.inputs`, `.artificial`, "
                 "`.biological`"),
             integer(req("size", kt::integer, "number of pairs"), 1),
             opt("activation", kt::choice, "`relu`",
                 "the artificial model: `perceptron`, `sigmoid`, `tanh`, `relu`, "
                 "`leaky_relu`, `linear`"),
             opt("biological", kt::choice, "`lif`",
                 "the biological model: `lif`, `adex`, `hh`, `hh_traub` or `mc_cell` (not "
                 "`izhikevich`: it has no resting-potential parameter for the bias)"),
             opt("encoding", kt::choice, "`current`",
                 "how inputs reach the biological side: `current` or `poisson` ([the "
                 "mapping](#the-mapping))"),
             req("inputs", kt::tables, "input channels, at least one"),
             typed(opt("bias", kt::per_neuron, "0", "bias b"), "per-pair number"),
             typed(opt("alpha", kt::per_neuron, "0.01", "`leaky_relu` only: the slope for z <= 0"),
                   "per-pair number, >= 0"),
             opt("rate_filter", kt::quantity, "100 ms",
                 "time constant of the biological rate estimate r(t)", dm::time, positive),
             typed(opt("params", kt::table, "model defaults",
                       "biological parameters; the resting potential (`E_L`, mc_cell's "
                       "`dE_L`) is set by the bias and refused here"),
                   "table of per-pair values"),
             typed(opt("init", kt::table, "model defaults",
                       "initial state of the biological side, as `[population.init]`"),
                   "table of per-pair values"),
             opt("current_scale", kt::quantity, "10 pA",
                 "`s`: pA of input current per unit of `w x`", dm::current, positive),
             opt("bias_scale", kt::quantity, "`R s`", "mV of resting potential per unit of bias",
                 dm::voltage, positive),
             opt("E_ref", kt::quantity, "the onset", "resting potential at `b = 0`",
                 dm::voltage),
             opt("record_interval", kt::quantity, "1 ms (`dt` when 1 ms is not a multiple of "
                                                   "`dt`)",
                 "sampling of the twin's traces; >= `dt`, a multiple of `dt`", dm::time),
             opt("record", kt::boolean, "true", "record the twin's traces (below)"),
             opt("synapse", kt::choice, "the model's first",
                 "the biological side's [synapse type](#synapse-types)"),
             opt("preset", kt::choice, "", "the biological side's preset, as for populations"),
             opt("morphology", kt::string, "- (required for `mc_cell`)",
                 "`mc_cell` only: the cell's `[[morphology]]`"),
             opt("integrator", kt::choice, "the model's first",
                 "the biological side's integrator, as for populations"),
         }},
        {"twin.inputs", "twin inputs", "one input channel of a twin",
         {
             typed(req("rate", kt::per_neuron,
                       "rate x of the channel (`poisson` encoding: >= 0, at most 10^9 events "
                       "per step)",
                       dm::rate),
                   "per-pair rate (Hz)"),
             typed(req("weight", kt::quantity, "weight w of the channel (the same for every pair)"),
                   "number, != 0"),
             opt("location", kt::location, "soma", "`mc_cell` only: where the input enters the cell"),
         }},
    };
}

section_schema stimulus_section() {
    const auto nonneg = range::at_least(0.0);
    return {
        "stimulus", "[[stimulus]]", "an input current (or rate) into a population",
        {
            opt("name", kt::name, "`stimulus<k>` (k: its position, from 1)",
                "label, used by sweep keys"),
            req("type", kt::choice, "`dc`, `step`, `ramp`, `sine`, `poisson`"),
            req("target", kt::string,
                "a spiking population or a rate source (a twin's `<twin>.inputs`); not an "
                "artificial one"),
            opt("start", kt::quantity, "0",
                "active for `start <= t < stop`; a start not before the end of the run is a "
                "warning",
                dm::time, nonneg),
            typed(opt("stop", kt::quantity, "end of run (required for `ramp`)",
                      "end of the active interval", dm::time),
                  "duration (ms), > `start`"),
            integer(opt("channel", kt::integer, "all",
                        "on `<twin>.inputs` only: drive just input channel k of every pair "
                        "(values then run over the pairs)"),
                    0),
            opt("location", kt::location, "soma",
                "on `mc_cell` targets: where the current or the Poisson synapses enter "
                "([locations](#morphology-multi-compartment-cells))"),
            only(typed(opt("amplitude", kt::per_neuron, "required (`dc`, `sine`)",
                           "`dc`: the value; `sine`: the amplitude"),
                       "per-neuron current (pA)"),
                 {"dc", "sine"}),
            only(typed(opt("times", kt::list, "required (`step`)", "switch times"),
                       "array of times (ms), >= 0, ascending"),
                 {"step"}),
            only(typed(opt("amplitudes", kt::list, "required (`step`)",
                           "one value per time: `amplitudes[k]` from `times[k]` on"),
                       "array of currents (pA)"),
                 {"step"}),
            only(typed(opt("from", kt::per_neuron, "required (`ramp`)", "value at `start`"),
                       "per-neuron current (pA)"),
                 {"ramp"}),
            only(typed(opt("to", kt::per_neuron, "required (`ramp`)", "value at `stop`"),
                       "per-neuron current (pA)"),
                 {"ramp"}),
            only(opt("frequency", kt::per_neuron, "required (`sine`)", "frequency", dm::rate,
                     nonneg),
                 {"sine"}),
            only(typed(opt("phase", kt::per_neuron, "0", "`sine`: phase"),
                       "per-neuron number (rad)"),
                 {"sine"}),
            only(typed(opt("offset", kt::per_neuron, "0", "`sine`: offset"),
                       "per-neuron current (pA)"),
                 {"sine"}),
            only(opt("rate", kt::per_neuron, "required (`poisson`)",
                     "rate of each target neuron's Poisson train; at most 10^9 events per step",
                     dm::rate, nonneg),
                 {"poisson"}),
            only(typed(opt("weight", kt::per_neuron, "required (`poisson`)",
                           "jump per spike (nS into conductance synapses, mV into `delta`); > 0 "
                           "excitatory, < 0 inhibitory"),
                       "per-neuron current (pA), != 0"),
                 {"poisson"}),
        }};
}

section_schema projection_section() {
    return {
        "projection", "[[projection]]", "connections from one population to another",
        {
            req("source", kt::string,
                "source population (twins: `<twin>.inputs`, `.artificial`, `.biological`)"),
            req("target", kt::string,
                "target population; not a rate source (they take no inputs)"),
            opt("rule", kt::choice, "`all_to_all`", "connection rule (table below)"),
            opt("p", kt::quantity, "required (`fixed_probability`)", "connection probability",
                dm::none, range::between(0.0, 1.0)),
            typed(opt("k", kt::integer, "required (`fixed_indegree`, `fixed_outdegree`)",
                      "connections per target / per source"),
                  "integer in [0, 2^32)"),
            integer(opt("n", kt::integer, "required (`fixed_total_number`)",
                        "connections in all"),
                    0),
            opt("file", kt::string, "required (`from_file`)",
                "an edge file, relative to the scenario's folder"),
            opt("edge_population", kt::string, "the file's only one",
                "`from_file`, SONATA files with several: the `/edges/<name>` population"),
            typed(opt("weight", kt::per_neuron, "required (`from_file`: the file's)",
                      "pA per spike for spiking -> spiking (nS when the target has conductance "
                      "synapses, mV for `delta`; the same for `encoding = \"poisson\"`); pA per "
                      "unit of source output for non-spiking -> spiking (a current `w x`); "
                      "unitless for any source -> artificial. Negative = inhibitory. Any "
                      "per-neuron form; random forms are drawn per connection"),
                  "per-neuron, per connection"),
            typed(opt("delay", kt::per_neuron, "`dt` (`from_file`: the file's)",
                      ">= `dt`, a multiple of `dt` (random delays are rounded to the step grid)",
                      dm::time),
                  "per-neuron duration (ms), per connection"),
            opt("autapses", kt::boolean, "true",
                "connections of a neuron to itself (source = target only)"),
            opt("multapses", kt::boolean, "true",
                "several connections between the same pair (`fixed_indegree`, "
                "`fixed_outdegree`, `fixed_total_number`)"),
            opt("encoding", kt::choice, "`rate`",
                "`poisson`: a rate source drives a spiking target through independent Poisson "
                "trains of rate `x` with jump `weight`"),
            opt("location", kt::location, "soma", "on `mc_cell` targets: where the synapses sit"),
        }};
}

std::vector<section_schema> record_sections() {
    return {
        {"record", "[[record]]", "what is written to the output",
         {
             req("population", kt::string,
                 "population name (twins: `<twin>.inputs`, `.artificial`, `.biological`)"),
             opt("spikes", kt::boolean, "false", "record spikes (spiking models only)"),
             typed(opt("variables", kt::list, "[]",
                       "state variables (each model's \"Recordable\" in [the model "
                       "reference](models.md)); a record needs spikes or variables"),
                   "array of strings"),
             typed(opt("neurons", kt::choice, "`\"all\"`",
                       "the neurons whose `variables` are recorded; spikes are then recorded for "
                       "the whole population, and only a record without `variables` (`spikes = "
                       "true` alone) selects the neurons whose spikes are recorded"),
                   "`\"all\"`, array of indices or `{ first = n }`"),
             opt("interval", kt::quantity, "`dt`",
                 "sampling interval; >= `dt`, a multiple of `dt`", dm::time),
             typed(opt("compartments", kt::list, "soma only",
                       "`mc_cell`, variable `V_m` only: the report then holds one column per "
                       "(neuron, compartment), `element_ids` naming the compartments"),
                   "`\"all\"` or array of locations"),
         }},
        {"record.neurons", "record neurons", "the table form of `neurons`: `{ first = 10 }`",
         {integer(req("first", kt::integer, "the first n neurons"), 1)}},
    };
}

section_schema sweep_section() {
    return {"sweep", "[sweep]", "turns one scenario into several runs (`neurotwin batch`)",
            {
                opt("mode", kt::choice, "`product`",
                    "`product`: every combination, the first key varying slowest; `zip`: the "
                    "lists element by element (equal lengths)"),
                typed(req("\"<path>\"", kt::list,
                          "the values of the scenario key at `<path>` (below), one run per "
                          "value (or combination); one or more keys"),
                      "array, at least one value"),
            }};
}

std::vector<section_schema> make_schema() {
    std::vector<section_schema> s{simulation_section()};
    for (auto& m : morphology_sections()) {
        s.push_back(std::move(m));
    }
    s.push_back(population_section());
    for (auto& t : twin_sections()) {
        s.push_back(std::move(t));
    }
    s.push_back(stimulus_section());
    s.push_back(projection_section());
    for (auto& r : record_sections()) {
        s.push_back(std::move(r));
    }
    s.push_back(sweep_section());
    return s;
}

}  // namespace

std::vector<std::string> section_schema::names(std::string_view for_type) const {
    std::vector<std::string> out;
    const auto add = [&](const std::vector<key_info>& ks) {
        for (const auto& k : ks) {
            if (for_type.empty() || k.only_for.empty() ||
                std::find(k.only_for.begin(), k.only_for.end(), for_type) != k.only_for.end()) {
                if (std::find(out.begin(), out.end(), k.name) == out.end()) {
                    out.push_back(k.name);
                }
            }
        }
    };
    add(keys);
    for (const auto& a : also) {
        add(schema_of(a).keys);
    }
    return out;
}

const key_info& section_schema::key(std::string_view key) const {
    for (const auto& k : keys) {
        if (k.name == key) {
            return k;
        }
    }
    for (const auto& a : also) {
        for (const auto& k : schema_of(a).keys) {
            if (k.name == key) {
                return k;
            }
        }
    }
    throw std::logic_error(fmt::format("schema: section '{}' declares no key '{}'", name, key));
}

const std::vector<section_schema>& scenario_schema() {
    static const std::vector<section_schema> schema = make_schema();
    return schema;
}

const section_schema& schema_of(std::string_view name) {
    for (const auto& s : scenario_schema()) {
        if (s.name == name) {
            return s;
        }
    }
    throw std::logic_error(fmt::format("schema: no section '{}'", name));
}

std::vector<std::string> top_level_sections() {
    return {"simulation", "morphology", "population", "twin", "stimulus", "projection", "record"};
}

namespace {

// ", > 0", ", >= 0", " in [0, 1]", or "".
std::string range_suffix(const range& r) {
    switch (r.k) {
        case range::kind::above: return fmt::format(", > {}", r.lo);
        case range::kind::at_least:
        case range::kind::integer_at_least: return fmt::format(", >= {}", r.lo);
        case range::kind::between: return fmt::format(" in [{}, {}]", r.lo, r.hi);
        case range::kind::any: return "";
    }
    return "";
}

std::string quantity_text(const key_info& k) {
    if (k.dim == dimension::none) {
        return "number" + range_suffix(k.valid);
    }
    return fmt::format("{} ({}){}", dimension_name(k.dim), unit_symbol(k.dim),
                       range_suffix(k.valid));
}

}  // namespace

std::string key_type_text(const key_info& k) {
    if (!k.type_override.empty()) {
        return k.type_override;
    }
    switch (k.type) {
        case key_type::name: return "name";
        case key_type::string:
        case key_type::choice: return "string";
        case key_type::boolean: return "bool";
        case key_type::integer:
            return "integer" + (k.valid.k == range::kind::any
                                    ? std::string()
                                    : fmt::format(" >= {}", k.valid.lo));
        case key_type::quantity: return quantity_text(k);
        case key_type::per_neuron: return "per-neuron " + quantity_text(k);
        case key_type::table: return "table";
        case key_type::tables: return "array of tables";
        case key_type::list: return "array";
        case key_type::location: return "location";
    }
    return "";
}

namespace {

// Rows of `s` and of its nested sections; the sections they include are collected in `also`.
void markdown_rows(std::string& out, const section_schema& s, const std::string& prefix,
                   const std::string& doc_prefix, std::vector<std::string>& also) {
    for (const auto& a : s.also) {
        if (std::find(also.begin(), also.end(), a) == also.end()) {
            also.push_back(a);
        }
    }
    for (const auto& k : s.keys) {
        const std::string def =
            k.required ? "required" : (k.default_text.empty() ? "-" : k.default_text);
        out += fmt::format("| `{}{}` | {} | {} | {}{} |\n", prefix, k.name, key_type_text(k), def,
                           doc_prefix, k.doc);
        if (k.type == key_type::table || k.type == key_type::tables) {
            const auto nested = s.name + "." + k.name;
            for (const auto& n : scenario_schema()) {
                if (n.name == nested) {
                    markdown_rows(out, n, prefix + k.name + ".", n.doc_prefix, also);
                }
            }
        }
    }
}

}  // namespace

std::string schema_markdown(const section_schema& s) {
    std::string out = "| key | type | default | meaning |\n|---|---|---|---|\n";
    std::vector<std::string> also;
    markdown_rows(out, s, "", "", also);
    for (std::size_t i = 0; i < also.size(); ++i) {  // (grows while included ones include)
        const auto& inc = schema_of(also[i]);
        markdown_rows(out, inc, "", inc.doc_prefix, also);
    }
    return out;
}

}  // namespace neurotwin
