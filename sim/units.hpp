// SPDX-License-Identifier: BSD-3-Clause
// One internal unit per dimension (docs/scenario.md, "Units"). Strings with units ("20 ms",
// "0.5 nA") are converted by the scenario loader, through parse_quantity(), and nowhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/errors.hpp"

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

// --- Times in steps. Every conversion of a time (ms) into a number of steps of dt goes
// through steps_of() (or to_steps(), event_step()): a float -> int conversion out of range is
// undefined behaviour (in practice INT64_MIN, which made a delay of 1e20 ms one step).

// Longest time neurotwin represents, in steps: 2^53 (every count up to it is exact in a
// double, and it is 1024 times below the range of int64, so sums of two such counts - a start
// plus a delay, a step plus a ring offset - cannot overflow). At dt = 0.1 ms it is 28,500
// years.
inline constexpr std::int64_t max_steps = std::int64_t{1} << 53;
// Most substeps of an integrator within one step (h_max = dt / 2^20 at most): more would not
// finish in any useful time, and the count is an int.
inline constexpr std::int64_t max_substeps = std::int64_t{1} << 20;

// Two rules, for two kinds of time (as NEST's Time::ms and Time::ms_stamp):
enum class step_rounding {
    nearest,      // a length of time - duration, delay, interval, refractory period - is the
                  // nearest whole number of steps (std::llround)
    at_or_after,  // an event time - stimulus start, stop, switch - acts from the first step
                  // starting at or after it, so nothing acts before its time; a time within
                  // 1e-9 steps of the grid snaps to it ("10 ms" at dt = 0.1 is step 100)
};

// `ms` in steps of `dt` (ms), rounded as `r`; nullopt unless `ms` is finite and the count is
// in [0, limit]. Not for substeps: substeps_of().
std::optional<std::int64_t> steps_of(double ms, double dt, step_rounding r,
                                     std::int64_t limit = max_steps);
// "<what>: expected at most <limit x dt> ms (2^53 steps of dt = 0.1 ms), found <ms> ms": the
// message of a time that steps_of() refuses.
std::string steps_range_message(std::string_view what, double ms, double dt,
                                std::int64_t limit = max_steps);
// steps_of(), throwing input_error at `where` with steps_range_message() when it refuses.
std::int64_t to_steps(double ms, double dt, step_rounding r, std::string_view what,
                      const source_pos& where);
// Step of an event time (stimulus start, stop and switch times), rounded at_or_after and
// clamped to [0, n_steps]: a time after the end of the run (or +inf) is n_steps - a start
// there never acts, a stop there means "until the end" - however large it is.
std::int64_t event_step(double ms, double dt, std::int64_t n_steps);

// Substeps of an integrator: the fewest equal substeps of at most h_max (ms) that make up a
// step of dt - ceil(dt / h_max), a count within 1e-9 of a whole number taken as that number.
// nullopt unless it is in [1, max_substeps]. Not a time on the step grid, so not steps_of().
std::optional<std::int64_t> substeps_of(double dt, double h_max);

}  // namespace neurotwin
