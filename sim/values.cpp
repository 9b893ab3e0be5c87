// SPDX-License-Identifier: BSD-3-Clause
#include "sim/values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/random.hpp"

namespace neurotwin {

double draw(const value_spec& spec, const counter_rng& rng, std::uint64_t a) {
    if (spec.k == value_spec::kind::uniform) {
        return spec.a + (spec.b - spec.a) * rng.uniform(a, 0);
    }
    // lognormal with mean m and sd s of the value: sigma^2 = ln(1 + s^2/m^2),
    // mu = ln|m| - sigma^2 / 2
    const bool log = spec.k == value_spec::kind::lognormal;
    const double m = std::abs(spec.a);
    const double sigma = log && m > 0 ? std::sqrt(std::log1p(spec.b * spec.b / (m * m))) : 0.0;
    const double mu = log && m > 0 ? std::log(m) - 0.5 * sigma * sigma : 0.0;
    double v = 0.0;
    for (std::uint64_t attempt = 0; attempt < 1000; ++attempt) {
        const double z = rng.normal(a, attempt);
        v = log ? std::copysign(std::exp(mu + sigma * z), spec.a) : spec.a + spec.b * z;
        if (v >= spec.lo && v <= spec.hi) {
            return v;
        }
    }
    return std::clamp(v, spec.lo, spec.hi);
}

double element(const value_spec& spec, std::size_t i, std::size_t n, std::uint64_t seed,
               std::uint64_t stream) {
    switch (spec.k) {
        case value_spec::kind::constant: return spec.a;
        case value_spec::kind::uniform:
        case value_spec::kind::normal:
        case value_spec::kind::lognormal: return draw(spec, counter_rng(seed, stream), i);
        case value_spec::kind::linspace:
            // n == 1 gives the first value (as numpy.linspace).
            return n <= 1 ? spec.a
                          : spec.a + (spec.b - spec.a) * static_cast<double>(i) /
                                         static_cast<double>(n - 1);
        case value_spec::kind::array: return spec.values.at(i);
        case value_spec::kind::list:
            break;  // one list for all, no element per neuron
    }
    throw internal_error("element(): a list parameter's value has no per-neuron elements");
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
        case value_spec::kind::lognormal:
            return spec.b == 0.0 ? std::clamp(spec.a, spec.lo, spec.hi) : spec.hi;
        case value_spec::kind::linspace: return std::max(spec.a, spec.b);
        case value_spec::kind::array:
        case value_spec::kind::list:
            return spec.values.empty() ? 0.0
                                       : *std::max_element(spec.values.begin(), spec.values.end());
    }
    return 0.0;
}

}  // namespace neurotwin
