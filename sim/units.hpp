// SPDX-License-Identifier: BSD-3-Clause
// One internal unit per dimension (see README "Units"). Strings with units ("20 ms",
// "0.5 nA") are converted by the scenario loader, through parse_quantity(), and nowhere else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace neurotwin {

enum class dimension {
    none,                  // unitless (weights, probabilities, activations)
    time,                  // ms
    voltage,               // mV
    current,               // pA
    capacitance,           // pF
    conductance,           // nS
    rate,                  // Hz
    length,                // um
    resistivity,           // ohm*cm
    specific_capacitance,  // uF/cm2
    specific_conductance,  // S/cm2
};

// Canonical (internal) unit symbol of a dimension: "ms", "mV", "pA", ... ("" for none).
std::string_view unit_symbol(dimension d);
// Human name of a dimension: "duration", "voltage", ...
std::string_view dimension_name(dimension d);

// Parses "<number> <unit>" (space optional) and converts to the canonical unit of `want`.
// A bare number string ("3.5") is taken as already canonical. On failure returns nullopt and
// sets `error` to a sentence such as "unit 'mV' is a voltage, expected a duration (ms)".
std::optional<double> parse_quantity(std::string_view text, dimension want, std::string& error);

}  // namespace neurotwin
