// SPDX-License-Identifier: BSD-3-Clause
// The scenario file's keys, declared once: for every section (and every sub-table with a
// fixed set of keys) the keys it accepts, in the order messages list them, with each key's
// type, unit dimension, valid range, default, whether it is required, and a one-line doc.
//
// The loader takes from here the keys a table may have (unknown-key errors and their
// did-you-mean hints), the ranges of its plain quantities (range errors name the key's
// position) and the defaults it states; [sweep] takes the section names; docs/scenario.md's
// key tables are generated from here (tests/scenario/test_schema.cpp checks them and rewrites
// them with NEUROTWIN_UPDATE_DOCS=1).
// A new key is one entry here plus the code that reads its value into scenario_desc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/model_api.hpp"
#include "sim/units.hpp"

namespace neurotwin {

enum class key_type {
    name,        // a name (letters, digits, '_', '-'; starts with a letter or '_')
    string,      // free text: a file path, a population name, a variable
    choice,      // one of a fixed or model-dependent list of words
    boolean,
    integer,
    quantity,    // a number or "<number> <unit>" of the key's dimension
    per_neuron,  // a quantity, or a per-neuron form (array, linspace, uniform, normal, ...)
    table,       // an inline or [header] table (its keys: another schema section or model)
    tables,      // an array of tables ([[a.b]] or [ { ... }, { ... } ])
    list,        // an array of values
    location,    // { section = "...", x = 0.5 } on a cell's morphology
};

struct key_info {
    std::string name;
    key_type type = key_type::string;
    dimension dim = dimension::none;  // quantity, per_neuron
    range valid;                      // quantity, per_neuron (checked by the loader)
    bool required = false;
    std::string default_text;         // as the docs show it; "" when required or no default
    std::string doc;
    // Stimulus keys: the stimulus types the key belongs to (empty: every type).
    std::vector<std::string> only_for;
    // Shown in the type column instead of the one derived from type and dim (e.g. weights,
    // whose unit follows the target's synapse type).
    std::string type_override;
};

struct section_schema {
    std::string name;     // "simulation", "population", "twin.inputs", ...
    std::string heading;  // how the docs and messages write it: "[[population]]"
    std::string doc;      // one line
    std::vector<key_info> keys;
    // Sections whose keys a table of this one also accepts (a cell section takes every
    // membrane property); names() includes them after the own keys.
    std::vector<std::string> also = {};
    // Docs: the prefix of the meaning of this section's keys when they are listed in another
    // section's table ("property: ").
    std::string doc_prefix = {};

    // The keys a table of this section may have, in declaration order; `for_type`: only
    // the keys of that stimulus type (plus the common ones).
    std::vector<std::string> names(std::string_view for_type = {}) const;
    // The key `key` (a programming error, std::logic_error, when it is not declared).
    const key_info& key(std::string_view key) const;
};

// Every section, in the order of the docs.
const std::vector<section_schema>& scenario_schema();
// The section `name` (std::logic_error when it is not declared).
const section_schema& schema_of(std::string_view name);
// The top-level sections a scenario may have ("simulation", "morphology", ...).
std::vector<std::string> top_level_sections();

// The type column of the docs: "quantity (ms)", "per-neuron value (pA)", "boolean", ...
std::string key_type_text(const key_info& k);
// A section's key table in markdown: | key | type | default | meaning |. Keys of type table
// or tables that have a section of their own ("<section>.<key>") are followed by its keys
// ("<key>.<name>"), and the sections these include (`also`) close the table.
std::string schema_markdown(const section_schema& s);

}  // namespace neurotwin
