// SPDX-License-Identifier: BSD-3-Clause
// Expansion of value_spec (constant, uniform, normal, linspace, array) into one value per
// neuron or connection. Random forms draw from counter_rng(seed, stream) at counter (i, 0),
// so element i's value does not depend on the thread count or on other elements.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/scenario/desc.hpp"

namespace neurotwin {

std::vector<double> expand(const value_spec& spec, std::size_t n, std::uint64_t seed,
                           std::uint64_t stream);
// One element (i of n) of a spec, without expanding the rest.
double element(const value_spec& spec, std::size_t i, std::size_t n, std::uint64_t seed,
               std::uint64_t stream);
// Largest value the spec can produce (normal: +inf unless sd == 0 or bounded).
double upper_bound(const value_spec& spec);

class counter_rng;
// A random draw of a uniform, normal or lognormal spec from counter block (a, attempt):
// normal and lognormal draws outside [lo, hi] are redrawn with the next attempt (up to 1000,
// then clamped to the bound). Lognormal is parameterised by the mean and sd of the value
// itself (negative mean: the mirrored distribution, for inhibitory weights).
double draw(const value_spec& spec, const counter_rng& rng, std::uint64_t a);

}  // namespace neurotwin
