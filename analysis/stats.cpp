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

}  // namespace neurotwin::analysis
