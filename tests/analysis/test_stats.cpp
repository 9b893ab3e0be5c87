// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/stats.hpp"

using namespace neurotwin::analysis;

TEST_CASE("stats: Pearson and Spearman on hand-computable cases", "[analysis][stats]") {
    const std::vector<double> x{1, 2, 3, 4, 5};
    const std::vector<double> y{2, 4, 6, 8, 10};
    const std::vector<double> y_cubed{1, 8, 27, 64, 125};
    const std::vector<double> rev{5, 4, 3, 2, 1};
    CHECK(pearson(x, y) == Approx(1.0));
    CHECK(pearson(x, rev) == Approx(-1.0));
    CHECK(spearman(x, y_cubed) == Approx(1.0));   // monotone, not linear
    CHECK(pearson(x, y_cubed) < 1.0);
    // ranks with ties: {10, 20, 20, 30} -> {1, 2.5, 2.5, 4}
    const std::vector<double> tied{10, 20, 20, 30};
    CHECK(ranks(tied) == std::vector<double>{1, 2.5, 2.5, 4});
    // constant input: undefined
    const std::vector<double> c{3, 3, 3, 3, 3};
    CHECK(std::isnan(spearman(x, c)));
    // x = 1..5, y = {1, 3, 2, 5, 4}: d^2 = 0+1+1+1+1 = 4, rho = 1 - 6*4/(5*24) = 0.8
    const std::vector<double> y2{1, 3, 2, 5, 4};
    CHECK(spearman(x, y2) == Approx(0.8));
}
