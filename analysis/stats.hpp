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

// Variance with divisor n (as numpy's default); NaN when empty.
double variance(std::span<const double> x);
// Coefficient of variation of inter-spike intervals, sd / mean (divisor n, as Elephant's
// cv); NaN for fewer than 2 intervals. 0 for a regular train, 1 for a Poisson process.
double cv(std::span<const double> isi);
// Fano factor of spike counts in equal windows, Var / mean (divisor n); NaN when the mean is 0
// or there are fewer than 2 windows. 1 for a Poisson process, -> 0 for a regular train.
double fano(std::span<const double> counts);
// q-quantile (0..1) with linear interpolation between order statistics; NaN when empty.
double quantile(std::vector<double> x, double q);

// Least squares y ~ gain * x + offset, with R^2 (1 - SS_res / SS_tot) and the RMSE of the
// residuals. NaN gain/offset/r2 when x is constant; r2 NaN when y is constant.
struct affine_fit {
    double gain;
    double offset;
    double r2;
    double rmse;
};
affine_fit fit_affine(std::span<const double> x, std::span<const double> y);

// The shift (in samples, |lag| <= max_lag) that maximises the Pearson correlation of x(t)
// with y(t + lag): a positive lag means y follows x. lag 0 and NaN when no shift has a
// defined correlation.
struct lag_result {
    long lag;
    double correlation;
};
lag_result best_lag(std::span<const double> x, std::span<const double> y, long max_lag);

// Golomb's synchrony measure chi = sqrt(Var_t[mean_i s_i(t)] / mean_i Var_t[s_i(t)])
// (Golomb & Rinzel 1993; Golomb 2007, Scholarpedia 2(1):1347) from the variance of the
// population-averaged signal and the mean of the individual variances: 1 for identical
// signals, ~1/sqrt(N) for independent ones. NaN when the individual variances are 0.
double golomb_chi(double population_variance, double mean_individual_variance);

}  // namespace neurotwin::analysis
