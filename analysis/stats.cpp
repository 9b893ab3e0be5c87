// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace neurotwin::analysis {

double mean(std::span<const double> x) {
    if (x.empty()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return std::accumulate(x.begin(), x.end(), 0.0) / double(x.size());
}

double pearson(std::span<const double> x, std::span<const double> y) {
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    if (x.size() != y.size() || x.size() < 2) {
        return nan;
    }
    const double mx = mean(x);
    const double my = mean(y);
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double dx = x[i] - mx;
        const double dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0.0 || syy == 0.0) {
        return nan;
    }
    return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::vector<double> ranks(std::span<const double> x) {
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    std::vector<double> r(x.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) {
            ++j;
        }
        const double avg = 0.5 * double(i + j) + 1.0;  // ranks i+1 .. j+1
        for (std::size_t k = i; k <= j; ++k) {
            r[order[k]] = avg;
        }
        i = j + 1;
    }
    return r;
}

double spearman(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const auto rx = ranks(x);
    const auto ry = ranks(y);
    return pearson(rx, ry);
}

double variance(std::span<const double> x) {
    if (x.empty()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const double m = mean(x);
    double s = 0.0;
    for (const double v : x) {
        s += (v - m) * (v - m);
    }
    return s / double(x.size());
}

double cv(std::span<const double> isi) {
    if (isi.size() < 2) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const double m = mean(isi);
    return m > 0.0 ? std::sqrt(variance(isi)) / m : std::numeric_limits<double>::quiet_NaN();
}

double fano(std::span<const double> counts) {
    if (counts.size() < 2) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    const double m = mean(counts);
    return m > 0.0 ? variance(counts) / m : std::numeric_limits<double>::quiet_NaN();
}

double quantile(std::vector<double> x, double q) {
    if (x.empty()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::sort(x.begin(), x.end());
    const double pos = std::clamp(q, 0.0, 1.0) * double(x.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const auto hi = std::min(lo + 1, x.size() - 1);
    return x[lo] + (x[hi] - x[lo]) * (pos - double(lo));
}

affine_fit fit_affine(std::span<const double> x, std::span<const double> y) {
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    affine_fit f{nan, nan, nan, nan};
    if (x.size() != y.size() || x.size() < 2) {
        return f;
    }
    const double mx = mean(x);
    const double my = mean(y);
    double sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx == 0.0) {
        return f;
    }
    f.gain = sxy / sxx;
    f.offset = my - f.gain * mx;
    double ss_res = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double r = y[i] - (f.gain * x[i] + f.offset);
        ss_res += r * r;
    }
    f.rmse = std::sqrt(ss_res / double(x.size()));
    f.r2 = syy > 0.0 ? 1.0 - ss_res / syy : nan;
    return f;
}

lag_result best_lag(std::span<const double> x, std::span<const double> y, long max_lag) {
    lag_result best{0, std::numeric_limits<double>::quiet_NaN()};
    const auto n = static_cast<long>(std::min(x.size(), y.size()));
    max_lag = std::min(max_lag, n - 2);
    for (long lag = -max_lag; lag <= max_lag; ++lag) {
        // x[t] against y[t + lag] over the overlap.
        const long first = std::max(0L, -lag);
        const long last = std::min(n, n - lag);
        if (last - first < 2) {
            continue;
        }
        const double c = pearson(x.subspan(std::size_t(first), std::size_t(last - first)),
                                 y.subspan(std::size_t(first + lag), std::size_t(last - first)));
        // Ties go to the smallest |lag| (the scan is symmetric, so compare magnitudes).
        if (!std::isnan(c) && (std::isnan(best.correlation) || c > best.correlation + 1e-12 ||
                               (std::abs(c - best.correlation) <= 1e-12 &&
                                std::abs(lag) < std::abs(best.lag)))) {
            best = {lag, c};
        }
    }
    return best;
}

double golomb_chi(double population_variance, double mean_individual_variance) {
    if (!(mean_individual_variance > 0.0)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return std::sqrt(std::max(0.0, population_variance) / mean_individual_variance);
}

}  // namespace neurotwin::analysis
