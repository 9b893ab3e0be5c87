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
        opt("ra", kt::quantity, "35.4 ohm*cm", "the same as `Ra` (give one)", dm::resistivity,
            pos),
        opt("cm", kt::quantity, "1 uF/cm2", "specific membrane capacitance",
            dm::specific_capacitance, pos),
        opt("g_pas", kt::quantity, "0 (no leak)", "passive leak conductance (NEURON's `pas`)",
            dm::specific_conductance, nonneg),
        opt("e_pas", kt::quantity, "-70 mV", "passive leak reversal potential", dm::voltage),
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

std::vector<key_info> joined(std::vector<key_info> a, const std::vector<key_info>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<section_schema> make_schema() {
    const auto positive = range::above(0.0);
    const auto nonneg = range::at_least(0.0);
    const std::string jump = "per-connection value (pA; nS into conductance synapses, mV into "
                             "delta synapses)";
    std::vector<section_schema> s;

    s.push_back({"simulation", "[simulation]", "run length, time step, seed and threads",
                 {
                     req("duration", kt::quantity, "simulated time; a multiple of `dt`",
                         dm::time, positive),
                     opt("dt", kt::quantity, "0.1 ms", "time step", dm::time, positive),
                     opt("seed", kt::integer, "0", "seed of every random number of the run"),
                     opt("threads", kt::integer, "0",
                         "OpenMP threads; 0 = chosen from the work (`neurotwin run --threads` "
                         "overrides it)"),
                 }});

    s.push_back({"morphology", "[[morphology]]",
                 "a cell shape for `mc_cell` populations: an SWC file or inline sections",
                 {
                     req("name", kt::name, "unique name, referred to by populations and twins"),
                     opt("swc", kt::string, "",
                         "an SWC file (path relative to the scenario's folder); either `swc` or "
                         "`[[morphology.section]]`"),
                     opt("segment_length", kt::quantity, "20 um",
                         "SWC only: target compartment length (nseg = odd ceil(L / "
                         "segment_length))",
                         dm::length, positive),
                     opt("section", kt::tables, "",
                         "inline sections, root first (keys: [morphology.section](#morphology-"
                         "section))"),
                     opt("defaults", kt::table, "NEURON's",
                         "membrane properties of every section unless it sets its own (keys: "
                         "[membrane](#membrane))"),
                     opt("soma", kt::table, "`defaults`",
                         "SWC only: membrane properties of the soma's sections"),
                     opt("axon", kt::table, "`defaults`",
                         "SWC only: membrane properties of the axon's sections"),
                     opt("dend", kt::table, "`defaults`",
                         "SWC only: membrane properties of the basal dendrites"),
                     opt("apic", kt::table, "`defaults`",
                         "SWC only: membrane properties of the apical dendrites"),
                 }});

    s.push_back({"morphology.section", "[[morphology.section]]",
                 "one unbranched cylinder of an inline morphology (plus any membrane key)",
                 joined(
                     {
                         req("name", kt::name, "section name, unique within the morphology"),
                         opt("parent", kt::string, "none (the root)",
                             "the section it attaches to (defined above)"),
                         opt("parent_x", kt::quantity, "1",
                             "where on the parent its 0 end attaches, in [0, 1]", dm::none,
                             range::between(0.0, 1.0)),
                         req("length", kt::quantity, "length", dm::length, positive),
                         req("diam", kt::quantity, "diameter", dm::length, positive),
                         opt("nseg", kt::integer, "1", "compartments (1 to 1,000,000)"),
                     },
                     membrane_keys())});

    s.push_back({"membrane", "membrane properties",
                 "keys of [morphology.defaults], SWC regions and sections", membrane_keys()});

    s.push_back({"location", "location",
                 "a place on a cell: `location = { section = \"dend\", x = 0.5 }`",
                 {
                     req("section", kt::string, "a section of the target's morphology"),
                     opt("x", kt::quantity, "0.5", "position along the section, in [0, 1]",
                         dm::none, range::between(0.0, 1.0)),
                 }});

    s.push_back({"population", "[[population]]", "a group of neurons of one model",
                 {
                     req("name", kt::name, "unique name (populations and twins)"),
                     req("model", kt::choice, "a model of docs/models.md"),
                     req("size", kt::integer, "number of neurons (>= 1)"),
                     opt("rate_filter", kt::quantity, "100 ms",
                         "time constant of the causal rate estimate", dm::time, positive),
                     opt("params", kt::table, "model defaults",
                         "model parameters (per-neuron values allowed)"),
                     opt("init", kt::table, "model defaults",
                         "initial values of state variables (per-neuron values allowed)"),
                     opt("synapse", kt::choice, "the model's first",
                         "synapse type of a spiking model; sets the unit of the weights into it"),
                     opt("preset", kt::choice, "none",
                         "a named parameter set of the model; fills what `params` does not give"),
                     opt("morphology", kt::string, "",
                         "`mc_cell`: the name of a `[[morphology]]` (required there)"),
                     opt("integrator", kt::choice, "the model's first",
                         "integration method, for models that offer several (`hh`, `hh_traub`)"),
                 }});

    s.push_back({"twin", "[[twin]]",
                 "an artificial population and its biological twin, driven by the same inputs",
                 {
                     req("name", kt::name,
                         "unique name; populations `<name>.inputs`, `.artificial`, `.biological`"),
                     req("size", kt::integer, "number of pairs (>= 1)"),
                     opt("activation", kt::choice, "relu", "the artificial model"),
                     opt("biological", kt::choice, "lif",
                         "the biological model: a spiking model with a twin calibration"),
                     opt("encoding", kt::choice, "current",
                         "how inputs reach the biological side: `current` or `poisson`"),
                     req("inputs", kt::tables,
                         "input channels (keys: [twin.inputs](#twin-inputs))"),
                     opt("bias", kt::per_neuron, "0", "bias of each pair (unitless)"),
                     opt("alpha", kt::per_neuron, "the model's",
                         "`leaky_relu` only: slope below 0"),
                     opt("rate_filter", kt::quantity, "100 ms",
                         "time constant of the biological rate estimate", dm::time, positive),
                     opt("params", kt::table, "model defaults",
                         "biological parameters; the rest parameter (`E_L`) is set by the bias"),
                     opt("init", kt::table, "model defaults",
                         "initial state of the biological side (per pair allowed)"),
                     opt("current_scale", kt::quantity, "10 pA",
                         "`s`: input current per unit of `w x`", dm::current, positive),
                     opt("bias_scale", kt::quantity, "`R s`",
                         "resting-potential shift per unit of bias", dm::voltage, positive),
                     opt("E_ref", kt::quantity, "the onset",
                         "resting potential at bias 0", dm::voltage),
                     opt("record_interval", kt::quantity, "1 ms (dt if 1 ms is no multiple)",
                         "sampling of the twin's traces; a multiple of `dt`", dm::time),
                     opt("record", kt::boolean, "true", "record the twin's traces"),
                     opt("synapse", kt::choice, "the model's first",
                         "the biological side's synapse type"),
                     opt("preset", kt::choice, "none", "the biological side's preset"),
                     opt("morphology", kt::string, "",
                         "`mc_cell` biological side: its `[[morphology]]`"),
                     opt("integrator", kt::choice, "the model's first",
                         "the biological side's integrator"),
                 }});

    s.push_back({"twin.inputs", "twin inputs",
                 "one input channel of a twin: `inputs = [ { rate = 20, weight = 0.8 } ]`",
                 {
                     req("rate", kt::per_neuron, "input rate (per pair allowed)", dm::rate,
                         nonneg),
                     req("weight", kt::quantity,
                         "unitless weight, != 0 (> 0 excitatory, < 0 inhibitory)"),
                     opt("location", kt::location, "soma",
                         "`mc_cell` biological side: where the input enters"),
                 }});

    s.push_back(
        {"stimulus", "[[stimulus]]",
         "an input current (or rate) into a population",
         {
             opt("name", kt::name, "`stimulus<k>`", "label (unique when given)"),
             req("type", kt::choice, "`dc`, `step`, `ramp`, `sine` or `poisson`"),
             req("target", kt::string, "a population (or a twin's `<twin>.inputs`)"),
             opt("start", kt::quantity, "0", "active from `start`", dm::time, nonneg),
             opt("stop", kt::quantity, "end of run", "active before `stop`", dm::time),
             opt("channel", kt::integer, "all",
                 "on `<twin>.inputs` only: input channel k of every pair"),
             opt("location", kt::location, "soma",
                 "`mc_cell` targets: where the current or the Poisson synapses enter"),
             only(typed(opt("amplitude", kt::per_neuron, "", "dc: the value; sine: the "
                                                            "amplitude"),
                        "per-neuron value (pA; a rate source's unit on rate sources)"),
                  {"dc", "sine"}),
             only(opt("times", kt::list, "", "switch times, ascending (ms)", dm::time),
                  {"step"}),
             only(typed(opt("amplitudes", kt::list, "", "value from `times[k]` on"),
                        "list (pA)"),
                  {"step"}),
             only(typed(opt("from", kt::per_neuron, "", "value at `start`"),
                        "per-neuron value (pA)"),
                  {"ramp"}),
             only(typed(opt("to", kt::per_neuron, "", "value at `stop` (needs `stop`)"),
                        "per-neuron value (pA)"),
                  {"ramp"}),
             only(opt("frequency", kt::per_neuron, "", "frequency", dm::rate), {"sine"}),
             only(opt("phase", kt::per_neuron, "0", "phase (rad), t absolute"), {"sine"}),
             only(typed(opt("offset", kt::per_neuron, "0", "added to the sine"),
                        "per-neuron value (pA)"),
                  {"sine"}),
             only(opt("rate", kt::per_neuron, "", "rate of each neuron's Poisson train",
                      dm::rate, nonneg),
                  {"poisson"}),
             only(typed(opt("weight", kt::per_neuron, "",
                            "jump per event (> 0 excitatory, < 0 inhibitory)"),
                        "per-neuron value (pA; nS into conductance synapses)"),
                  {"poisson"}),
         }});

    s.push_back(
        {"projection", "[[projection]]", "connections from one population to another",
         {
             req("source", kt::string, "population name"),
             req("target", kt::string, "population name"),
             opt("rule", kt::choice, "all_to_all",
                 "`all_to_all`, `one_to_one`, `fixed_probability`, `fixed_indegree`, "
                 "`fixed_outdegree`, `fixed_total_number` or `from_file`"),
             opt("p", kt::quantity, "", "`fixed_probability`: connection probability, in [0, 1]",
                 dm::none, range::between(0.0, 1.0)),
             opt("k", kt::integer, "",
                 "`fixed_indegree` / `fixed_outdegree`: connections per target / per source"),
             opt("n", kt::integer, "", "`fixed_total_number`: connections in all"),
             opt("file", kt::string, "",
                 "`from_file`: a SONATA edge file or CSV (path relative to the scenario's "
                 "folder)"),
             opt("edge_population", kt::string, "the only one",
                 "`from_file`, SONATA: the `/edges/<name>` population"),
             typed(req("weight", kt::per_neuron,
                       "synaptic weight (`from_file`: optional, the file's); negative = "
                       "inhibitory; random forms are drawn per connection"),
                   jump + "; unitless into artificial targets"),
             opt("delay", kt::per_neuron, "dt",
                 "ms, >= dt; random delays are rounded to the step grid", dm::time),
             opt("autapses", kt::boolean, "true",
                 "connections of a neuron to itself (source = target only)"),
             opt("multapses", kt::boolean, "true",
                 "several connections between one pair (the fixed-count rules)"),
             opt("encoding", kt::choice, "rate",
                 "`poisson`: a non-spiking source drives a spiking target through Poisson "
                 "trains"),
             opt("location", kt::location, "soma", "`mc_cell` targets: where the synapses sit"),
         }});

    s.push_back({"record", "[[record]]", "what is written to the output",
                 {
                     req("population", kt::string, "population name"),
                     opt("spikes", kt::boolean, "false", "record spikes (spiking models)"),
                     opt("variables", kt::list, "[]",
                         "state variables (each model's recordable variables)"),
                     typed(opt("neurons", kt::choice, "\"all\"",
                               "the neurons whose variables are recorded (spikes: of the whole "
                               "population, unless the record has no variables)"),
                           "`\"all\"`, a list of indices or `{ first = n }`"),
                     opt("interval", kt::quantity, "dt", "sampling interval; a multiple of `dt`",
                         dm::time),
                     typed(opt("compartments", kt::list, "soma only",
                               "`mc_cell`, `V_m`: the compartments recorded"),
                           "`\"all\"` or a list of locations"),
                 }});

    s.push_back({"record.neurons", "record neurons",
                 "the table form of `neurons`: `neurons = { first = 10 }`",
                 {req("first", kt::integer, "the first n neurons (n >= 1)")}});

    s.push_back({"sweep", "[sweep]",
                 "turns one scenario into several runs (`neurotwin batch`)",
                 {
                     opt("mode", kt::choice, "product",
                         "`product`: every combination, the first key slowest; `zip`: the "
                         "lists element by element"),
                     typed(opt("<section>.<item>.<key>", kt::list, "",
                               "the values of one scenario key, e.g. "
                               "`population.exc.params.tau_m`"),
                           "list"),
                 }});
    return s;
}

}  // namespace

std::vector<std::string> section_schema::names(std::string_view for_type) const {
    std::vector<std::string> out;
    for (const auto& k : keys) {
        if (for_type.empty() || k.only_for.empty() ||
            std::find(k.only_for.begin(), k.only_for.end(), for_type) != k.only_for.end()) {
            if (std::find(out.begin(), out.end(), k.name) == out.end()) {
                out.push_back(k.name);
            }
        }
    }
    return out;
}

const key_info& section_schema::key(std::string_view key) const {
    for (const auto& k : keys) {
        if (k.name == key) {
            return k;
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

std::string key_type_text(const key_info& k) {
    if (!k.type_override.empty()) {
        return k.type_override;
    }
    const auto unit = [&](const char* what) {
        return k.dim == dimension::none
                   ? std::string(what)
                   : fmt::format("{} ({})", what, unit_symbol(k.dim));
    };
    switch (k.type) {
        case key_type::name: return "name";
        case key_type::string: return "string";
        case key_type::choice: return "choice";
        case key_type::boolean: return "boolean";
        case key_type::integer: return "integer";
        case key_type::quantity: return unit("number");
        case key_type::per_neuron: return unit("per-neuron value");
        case key_type::table: return "table";
        case key_type::tables: return "array of tables";
        case key_type::list: return unit("list");
        case key_type::location: return "location";
    }
    return "";
}

std::string schema_markdown(const section_schema& s) {
    std::string out = "| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const auto& k : s.keys) {
        std::string doc = k.doc;
        if (!k.only_for.empty()) {
            std::string types;
            for (const auto& t : k.only_for) {
                types += (types.empty() ? "" : ", ") + fmt::format("`{}`", t);
            }
            doc = fmt::format("{}: {}", types, doc);
        }
        if (k.type == key_type::quantity || k.type == key_type::per_neuron) {
            switch (k.valid.k) {
                case range::kind::above: doc += fmt::format("; > {}", k.valid.lo); break;
                case range::kind::at_least: doc += fmt::format("; >= {}", k.valid.lo); break;
                default: break;  // between: the doc states it; any: nothing to say
            }
        }
        out += fmt::format("| `{}` | {} | {} | {} |\n", k.name, key_type_text(k),
                           k.required ? "required" : (k.default_text.empty() ? "-" : k.default_text),
                           doc);
    }
    return out;
}

}  // namespace neurotwin
