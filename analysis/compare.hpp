// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin compare A.h5 B.h5`: are the spike trains identical (same spikes, same order,
// bit-identical times); if not, where they first differ, and how rates and ISI distributions
// differ per population.
#pragma once

#include <string>

#include "analysis/analyze.hpp"

namespace neurotwin::analysis {

struct comparison {
    bool identical = true;
    std::string report;  // lines for stdout
};

// `options`: the windows of the rate statistics and the rule for old files.
comparison compare_files(const std::string& a, const std::string& b,
                         const analyze_options& options);

}  // namespace neurotwin::analysis
