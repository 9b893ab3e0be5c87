// SPDX-License-Identifier: BSD-3-Clause
// A cell's shape as plain data: unbranched sections (cylinders, or chains of frusta when they
// carry 3-D points) in a tree, each cut into `nseg` compartments, with its membrane
// properties (NEURON's names and units: um, ohm*cm, uF/cm2, S/cm2, mV). Written by the
// scenario loader (inline [[morphology.section]] tables or an SWC file,
// sim/scenario/swc.cpp) and read by compartmental models (models/mc_cell.cpp), which turn
// densities into absolute conductances and capacitances once, when they are built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/errors.hpp"

namespace neurotwin {

// Membrane and cable properties of one section (canonical units).
struct section_props {
    double Ra = 35.4;      // axial resistivity [ohm*cm] (NEURON's default)
    double cm = 1.0;       // specific capacitance [uF/cm2]
    double g_pas = 0.0;    // passive leak [S/cm2]; 0 = no leak
    double e_pas = -70.0;  // leak reversal [mV]
    bool hh = false;       // Hodgkin-Huxley channels (NEURON's hh mechanism)
    double gnabar = 0.12;  // [S/cm2]
    double gkbar = 0.036;  // [S/cm2]
    double gl = 0.0003;    // hh leak [S/cm2]
    double el = -54.3;     // hh leak reversal [mV]
    double ena = 50.0;     // [mV]
    double ek = -77.0;     // [mV]
};

// A 3-D point of a section's path as NEURON's pt3d keeps it: the distance along the path from
// the section's 0 end and the diameter there (between two points the diameter changes
// linearly: the section is a chain of frusta).
struct pt3d {
    double arc = 0.0;   // [um], non-decreasing, 0 at the first point and `length` at the last
    double diam = 0.0;  // [um], > 0
};

struct section_desc {
    std::string name;
    std::string parent;        // "" for the root (exactly one section)
    double parent_x = 1.0;     // where on the parent the section's 0 end attaches, in [0, 1]
    double length = 0.0;       // [um]
    double diam = 0.0;         // [um]; with `points`, their length-weighted mean (display)
    int nseg = 1;              // compartments
    // Empty: a cylinder of `length` x `diam`. Otherwise (SWC sections, >= 2 points) the
    // compartments' membrane areas and axial resistances are integrated over these frusta
    // (models/cable.cpp), as NEURON does for a section with 3-D points.
    std::vector<pt3d> points;
    section_props props;
    source_pos where;
};

struct morphology_desc {
    std::string name;
    std::string swc_file;               // as given (empty for inline morphologies)
    std::vector<section_desc> sections; // parents before children
    source_pos where;

    // Index of a section by name, or -1. Linear in the number of sections: code that looks
    // up every section's parent builds a map instead (models/cable.cpp).
    int find(const std::string& section) const {
        for (std::size_t k = 0; k < sections.size(); ++k) {
            if (sections[k].name == section) {
                return static_cast<int>(k);
            }
        }
        return -1;
    }
};

// A point on a cell: section and relative position x in [0, 1] (NEURON's sec(x)).
struct location {
    std::string section;
    double x = 0.5;
    source_pos where;
    bool operator==(const location& o) const { return section == o.section && x == o.x; }
};

}  // namespace neurotwin
