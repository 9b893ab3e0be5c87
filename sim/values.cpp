// SPDX-License-Identifier: BSD-3-Clause
#include "sim/values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/random.hpp"

namespace neurotwin {

double element(const value_spec& spec, std::size_t i, std::size_t n, std::uint64_t seed,
               std::uint64_t stream) {
    switch (spec.k) {
        case value_spec::kind::constant: return spec.a;
        case value_spec::kind::uniform: {
            const counter_rng rng(seed, stream);
            return spec.a + (spec.b - spec.a) * rng.uniform(i, 0);
        }
        case value_spec::kind::normal: {
            const counter_rng rng(seed, stream);
            return spec.a + spec.b * rng.normal(i, 0);
        }
        case value_spec::kind::linspace:
            // n == 1 gives the first value (as numpy.linspace).
            return n <= 1 ? spec.a
                          : spec.a + (spec.b - spec.a) * static_cast<double>(i) /
                                         static_cast<double>(n - 1);
        case value_spec::kind::array: return spec.values.at(i);
    }
    return 0.0;
}

std::vector<double> expand(const value_spec& spec, std::size_t n, std::uint64_t seed,
                           std::uint64_t stream) {
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = element(spec, i, n, seed, stream);
    }
    return out;
}

double upper_bound(const value_spec& spec) {
    switch (spec.k) {
        case value_spec::kind::constant: return spec.a;
        case value_spec::kind::uniform: return std::max(spec.a, spec.b);
        case value_spec::kind::normal:
            return spec.b == 0.0 ? spec.a : std::numeric_limits<double>::infinity();
        case value_spec::kind::linspace: return std::max(spec.a, spec.b);
        case value_spec::kind::array:
            return spec.values.empty() ? 0.0
                                       : *std::max_element(spec.values.begin(), spec.values.end());
    }
    return 0.0;
}

}  // namespace neurotwin
