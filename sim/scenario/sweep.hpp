// SPDX-License-Identifier: BSD-3-Clause
// Parameter sweeps: a scenario with a [sweep] table stands for several concrete scenarios,
// one per point of the sweep (docs/scenario.md, "[sweep]: parameter sweeps"). Expansion works on the text:
// each swept value is written over the value it replaces (or inserted next to its table),
// and the [sweep] lines are turned into comments, so comments and formatting survive, and
// every problem the normal loader finds in a point is reported at a position of the
// original file (for a swept value: the key in [sweep] that set it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/errors.hpp"
#include "sim/scenario/desc.hpp"

namespace neurotwin {

// One swept value of one point.
struct sweep_value {
    enum class type { integer, real, boolean, string, other };
    std::string key;    // as written in [sweep], e.g. "population.exc.params.tau_m"
    std::string label;  // its short form in run names, e.g. "tau_m" ("exc.tau_m" if ambiguous)
    std::string toml;   // the value as TOML text, as written in the list ("20.0", "'poisson'")
    type t = type::other;
    double number = 0.0;  // integer, real and boolean values
    std::string text;     // string values; for `other` the TOML text
    source_pos where;     // the key in [sweep]
};

namespace detail {
// One change made to the text of a point, kept to map loader positions back to the file.
struct sweep_edit {
    int line = 0;           // 1-based line of the point's text the edit is on
    int column = 0;         // first column of the new text
    int new_columns = 0;    // columns of the new text (an inserted line: its length)
    int old_columns = 0;    // columns it replaced (0 for an insertion)
    bool new_line = false;  // a whole line was inserted before `line` of the original
    std::size_t value = 0;  // index into sweep_point::values
};
}  // namespace detail

struct sweep_point {
    std::string name;                 // "<stem>__tau_m=10__seed=2" (the file stem if no sweep)
    std::vector<sweep_value> values;  // in the order of the keys in [sweep]
    std::string text;                 // the concrete scenario (no [sweep])
    std::vector<detail::sweep_edit> edits;
};

struct sweep_plan {
    std::string file;       // as given
    bool is_sweep = false;  // false: one point, the file as it is
    std::string mode;       // "product" or "zip"
    source_pos where;       // the [sweep] header
    std::vector<sweep_point> points;
};

// Most points a sweep may have.
inline constexpr std::size_t max_sweep_points = 100000;

// Expands the [sweep] table of a scenario. Products vary the first key slowest. Throws
// input_error (every problem of the [sweep] table, positioned at its key) or, for a TOML
// syntax error, the loader's error. Without [sweep]: one point, `text` unchanged.
sweep_plan expand_sweep(const std::string& text, const std::string& file_name);
sweep_plan expand_sweep_file(const std::string& path);  // io_error if unreadable

// The loader's result for one point; input_error positions refer to the original file.
scenario_desc load_sweep_point(const sweep_plan& plan, const sweep_point& point,
                               const model_registry& models);
// Maps the positions of an input_error raised for `point` (e.g. by build_network) back to the
// original file.
input_error remap_sweep_error(const input_error& e, const sweep_plan& plan,
                              const sweep_point& point);

// The [sweep] header of a scenario, when there is one and the text parses (else line 0).
source_pos sweep_position(const std::string& text, const std::string& file_name);

}  // namespace neurotwin
