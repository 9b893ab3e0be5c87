// SPDX-License-Identifier: BSD-3-Clause
#include "sim/units.hpp"

#include <array>
#include <charconv>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace neurotwin {

std::string_view unit_symbol(dimension d) {
    switch (d) {
        case dimension::none: return "";
        case dimension::time: return "ms";
        case dimension::voltage: return "mV";
        case dimension::current: return "pA";
        case dimension::capacitance: return "pF";
        case dimension::conductance: return "nS";
        case dimension::rate: return "Hz";
        case dimension::length: return "um";
        case dimension::resistivity: return "ohm*cm";
        case dimension::specific_capacitance: return "uF/cm2";
        case dimension::specific_conductance: return "S/cm2";
    }
    return "";
}

std::string_view dimension_name(dimension d) {
    switch (d) {
        case dimension::none: return "unitless number";
        case dimension::time: return "duration";
        case dimension::voltage: return "voltage";
        case dimension::current: return "current";
        case dimension::capacitance: return "capacitance";
        case dimension::conductance: return "conductance";
        case dimension::rate: return "rate";
        case dimension::length: return "length";
        case dimension::resistivity: return "axial resistivity";
        case dimension::specific_capacitance: return "specific capacitance";
        case dimension::specific_conductance: return "specific conductance";
    }
    return "";
}

namespace {
struct unit_entry {
    std::string_view symbol;
    dimension dim;
    double factor;  // value in the canonical unit of `dim` per 1 of this unit
};

// Canonical: ms, mV, pA, pF, nS, Hz, um, ohm*cm, uF/cm2, S/cm2.
constexpr std::array<unit_entry, 43> units{{
    {"s", dimension::time, 1e3},        {"ms", dimension::time, 1.0},
    {"us", dimension::time, 1e-3},      {"µs", dimension::time, 1e-3},
    {"min", dimension::time, 60e3},     {"V", dimension::voltage, 1e3},
    {"mV", dimension::voltage, 1.0},    {"uV", dimension::voltage, 1e-3},
    {"µV", dimension::voltage, 1e-3},   {"A", dimension::current, 1e12},
    {"mA", dimension::current, 1e9},    {"uA", dimension::current, 1e6},
    {"µA", dimension::current, 1e6},    {"nA", dimension::current, 1e3},
    {"pA", dimension::current, 1.0},    {"fA", dimension::current, 1e-3},
    {"F", dimension::capacitance, 1e12}, {"uF", dimension::capacitance, 1e6},
    {"µF", dimension::capacitance, 1e6}, {"nF", dimension::capacitance, 1e3},
    {"pF", dimension::capacitance, 1.0}, {"S", dimension::conductance, 1e9},
    {"mS", dimension::conductance, 1e6}, {"uS", dimension::conductance, 1e3},
    {"µS", dimension::conductance, 1e3}, {"nS", dimension::conductance, 1.0},
    {"pS", dimension::conductance, 1e-3}, {"Hz", dimension::rate, 1.0},
    {"kHz", dimension::rate, 1e3},      {"m", dimension::length, 1e6},
    {"cm", dimension::length, 1e4},     {"mm", dimension::length, 1e3},
    {"um", dimension::length, 1.0},     {"µm", dimension::length, 1.0},
    {"ohm*cm", dimension::resistivity, 1.0}, {"Ω·cm", dimension::resistivity, 1.0},
    {"ohm cm", dimension::resistivity, 1.0}, {"uF/cm2", dimension::specific_capacitance, 1.0},
    {"µF/cm²", dimension::specific_capacitance, 1.0},
    {"uF/cm^2", dimension::specific_capacitance, 1.0},
    {"S/cm2", dimension::specific_conductance, 1.0},
    {"S/cm²", dimension::specific_conductance, 1.0},
    {"mS/cm2", dimension::specific_conductance, 1e-3},
}};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string expected_text(dimension want) {
    if (want == dimension::none) {
        return "a unitless number";
    }
    return fmt::format("a {} ({})", dimension_name(want), unit_symbol(want));
}
}  // namespace

std::optional<double> parse_quantity(std::string_view text, dimension want, std::string& error) {
    const auto s = trim(text);
    double value = 0.0;
    const auto* first = s.data();
    const auto* last = s.data() + s.size();
    if (!s.empty() && *first == '+') {
        ++first;
    }
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr == first) {
        error = fmt::format("expected {} such as \"10 {}\", found \"{}\"", expected_text(want),
                            unit_symbol(want), std::string(text));
        return std::nullopt;
    }
    if (!std::isfinite(value)) {
        error = fmt::format("expected a finite number, found \"{}\"", std::string(text));
        return std::nullopt;
    }
    const auto unit = trim(std::string_view(ptr, static_cast<std::size_t>(last - ptr)));
    if (unit.empty()) {
        return value;
    }
    for (const auto& u : units) {
        if (u.symbol != unit) {
            continue;
        }
        if (u.dim != want) {
            error = fmt::format("unit '{}' is a {}, expected {}", std::string(unit),
                                dimension_name(u.dim), expected_text(want));
            return std::nullopt;
        }
        return value * u.factor;
    }
    error = fmt::format("unknown unit '{}', expected {}", std::string(unit), expected_text(want));
    return std::nullopt;
}

namespace {
// x = ms / dt rounded as `r`, in double (no conversion to an integer yet).
double rounded_steps(double x, step_rounding r) {
    switch (r) {
        case step_rounding::nearest: return std::round(x);  // as std::llround
        case step_rounding::at_or_after: {
            const double n = std::round(x);
            return std::abs(x - n) < 1e-9 * std::max(1.0, std::abs(x)) ? n : std::ceil(x);
        }
    }
    return x;
}
}  // namespace

std::optional<std::int64_t> steps_of(double ms, double dt, step_rounding r, std::int64_t limit) {
    const double s = rounded_steps(ms / dt, r);
    // written so that NaN fails too
    if (!(s >= 0.0 && s <= static_cast<double>(limit))) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(s);
}

std::string steps_range_message(std::string_view what, double ms, double dt,
                                std::int64_t limit) {
    const bool steps = limit == max_steps;
    return fmt::format("{}: expected at most {:g} ms ({} of dt = {:g} ms), found {:g} ms", what,
                       static_cast<double>(limit) * dt,
                       steps ? std::string("2^53 steps") : fmt::format("{} steps", limit), dt, ms);
}

std::int64_t to_steps(double ms, double dt, step_rounding r, std::string_view what,
                      const source_pos& where) {
    if (const auto s = steps_of(ms, dt, r)) {
        return *s;
    }
    throw input_error(where, steps_range_message(what, ms, dt));
}

std::int64_t event_step(double ms, double dt, std::int64_t n_steps) {
    if (!std::isfinite(ms)) {
        return n_steps;
    }
    const double s = rounded_steps(ms / dt, step_rounding::at_or_after);
    if (!(s < static_cast<double>(n_steps))) {  // after the end, or +inf
        return n_steps;
    }
    return s > 0.0 ? static_cast<std::int64_t>(s) : 0;
}

std::optional<std::int64_t> substeps_of(double dt, double h_max) {
    const double n = std::ceil(dt / h_max - 1e-9);
    // written so that NaN fails too
    if (!(n >= 1.0 && n <= static_cast<double>(max_substeps))) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(n);
}

}  // namespace neurotwin
