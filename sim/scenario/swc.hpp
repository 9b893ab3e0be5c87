// SPDX-License-Identifier: BSD-3-Clause
// SWC reader: a reconstructed cell (Cannon et al. 1998, J Neurosci Methods 84:49-54; the
// NeuroMorpho.Org format) turned into the unbranched sections of morphology_desc, each with its
// 3-D points (path distance and diameter), from which the compartments are measured.
//
// Format. One point per line, `id type x y z radius parent`, 7 fields separated by spaces or
// tabs; coordinates and radius in um; parent -1 for the root. `#` starts a comment (a whole
// line or the end of one); blank lines are skipped. id, type and parent are integers.
//
// Checks. Each problem becomes a diagnostic at the 1-based line and column of the field
// concerned: a line without exactly 7 fields, a field that is not a (finite) number or, for
// id, type and parent, not an integer, a negative id or type, a radius <= 0, a duplicate id
// (naming the line of the first), a parent that is not the id of an earlier line (SWC lists
// parents before their children, which is what lets one pass build the tree), more than one
// root, a root that is not a soma point when the file has soma points, no points at all
// (at line 1: "empty file" or "only comments and blank lines"). All are reported at once. Only a file that passes them is
// converted; the conversion adds its own diagnostics (a section of zero length, a section
// needing more than 1e6 compartments), again all at once.
//
// Regions. Type 1 is the soma, 2 the axon ("axon"), 3 basal dendrites ("dend"), 4 apical
// dendrites ("apic"). Type 0 (undefined) and types >= 5 (custom types, and the fork and end
// points of the original SWC) are treated as basal dendrites ("dend"). Sections are split
// where the region changes, not where the raw type does, so a 3-5-6 run stays one section.
//
// Conversion (NEURON 8.2's Import3d where it has a rule; checked against it on two Allen Cell
// Types reconstructions, tests/models/test_swc_neuron.cpp):
// - Soma: all type-1 points form one section "soma", the root, even when they are not one
//   connected chain; it is a cylinder (no 3-D points). diam = mean of 2*radius over its
//   points; L = the summed distance from each soma point to its parent, counting only parents
//   that are soma points. A single-point soma (the usual case of Allen and NeuroMorpho
//   files) has L = 0 and becomes L = diam = 2r, the cylinder Import3d makes of it (3 points
//   along x at -r, 0, +r), whose lateral area is the sphere's. The 3-point soma (centre, and
//   two points at +-r) gives L = diam = 2r as well. NOTE: Import3d cuts a multi-point soma
//   into several sections in some layouts; here it stays one cylinder.
// - Neurites: a section is a maximal unbranched run of points of one region. A point starts a
//   new section when it is the root, when its parent is a soma point or a branch point (a
//   point with >= 2 children), or when its parent is of another region; a section ends at a
//   leaf, at a branch point (the branch point is its last point) or before a point of another
//   region. Its path (section_desc::points) starts at the point it attaches to and runs
//   through its points, except for the children of a single-point soma, which start at their
//   own first point (the soma centre lies inside the soma) unless they have only one point.
//   Where the path starts at a soma point it takes the neurite's own radius there (the soma's
//   radius describes the soma). These are Import3d's starting points. Each path point keeps
//   its distance along the path from the first and its diameter 2*radius; models/cable.cpp
//   measures the compartments on these frusta. L = the path's length; diam = the
//   length-weighted mean of the piece diameters (for display only). A section attached to a
//   soma point hangs at soma(0.5); any other at parent(1), its parent point being always the
//   last point of the parent section. Without a soma, the section of the root point is the
//   root (parent "").
// - Names: "soma", then per region numbered in the order of the sections' first points in
//   the file: axon[0], axon[1], ..., dend[0], ..., apic[0], ... (as NEURON's Import3D).
// - Order: soma first, then by first point in the file, so parents come before children.
// - nseg = max(1, ceil(L / segment_length)), made odd (so that x = 0.5 is a node, as in
//   NEURON's d_lambda rule); props = the region's section_props; where = the section's first
//   point (line, column 1). morphology_desc::where is the file itself.
#pragma once

#include <string>

#include "sim/errors.hpp"
#include "sim/morphology.hpp"

namespace neurotwin {

struct swc_options {
    double segment_length = 20.0;          // [um] target compartment length; must be > 0
    section_props soma, axon, dend, apic;  // properties of each region's sections
};

// Reads an SWC file into unbranched sections. `name` becomes morphology_desc::name, and
// `path` its swc_file and the file of every position. Throws io_error when the file cannot
// be read, input_error with every problem (file:line:column of the offending field) when it
// is malformed.
morphology_desc read_swc(const std::string& path, const std::string& name, const swc_options& opt);

// The same from text (tests, or text already in memory); `file_name` is used in positions
// and as swc_file.
morphology_desc parse_swc(const std::string& text, const std::string& file_name,
                          const std::string& name, const swc_options& opt);

}  // namespace neurotwin
