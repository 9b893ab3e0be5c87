// SPDX-License-Identifier: BSD-3-Clause
// Basic statistics used by the analysis commands.
#pragma once

#include <span>
#include <vector>

namespace neurotwin::analysis {

double mean(std::span<const double> x);
// Pearson correlation; NaN when either input is constant or the sizes differ or are < 2.
double pearson(std::span<const double> x, std::span<const double> y);
// Ranks 1..n, ties get their average rank.
std::vector<double> ranks(std::span<const double> x);
// Spearman rank correlation = Pearson correlation of the (tie-averaged) ranks.
double spearman(std::span<const double> x, std::span<const double> y);

}  // namespace neurotwin::analysis
