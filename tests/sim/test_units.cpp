// SPDX-License-Identifier: BSD-3-Clause
#include "sim/units.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {
// The converted value; fails the test with the loader's message when there is none.
double convert(const std::string& text, dimension want) {
    std::string error;
    const auto v = parse_quantity(text, want, error);
    INFO("text: \"" << text << "\", error: " << error);
    REQUIRE(v.has_value());
    return *v;
}

std::string failure(const std::string& text, dimension want) {
    std::string error;
    const auto v = parse_quantity(text, want, error);
    INFO("text: \"" << text << "\"");
    REQUIRE_FALSE(v.has_value());
    return error;
}
}  // namespace

TEST_CASE("units: strings with units convert to the canonical unit", "[units]") {
    CHECK(convert("2 s", dimension::time) == Approx(2000.0));
    CHECK(convert("20 ms", dimension::time) == Approx(20.0));
    CHECK(convert("20ms", dimension::time) == Approx(20.0));
    CHECK(convert("250 us", dimension::time) == Approx(0.25));
    CHECK(convert("1 min", dimension::time) == Approx(60000.0));
    CHECK(convert("-70 mV", dimension::voltage) == Approx(-70.0));
    CHECK(convert("0.01 V", dimension::voltage) == Approx(10.0));
    CHECK(convert("0.5 nA", dimension::current) == Approx(500.0));
    CHECK(convert("+5 pA", dimension::current) == Approx(5.0));
    CHECK(convert("1 uA", dimension::current) == Approx(1e6));
    CHECK(convert("0.25 nF", dimension::capacitance) == Approx(250.0));
    CHECK(convert("10 uS", dimension::conductance) == Approx(1e4));
    CHECK(convert("3 kHz", dimension::rate) == Approx(3000.0));
    CHECK(convert("1 mm", dimension::length) == Approx(1000.0));
    CHECK(convert("100 ohm*cm", dimension::resistivity) == Approx(100.0));
    CHECK(convert("1 uF/cm2", dimension::specific_capacitance) == Approx(1.0));
    CHECK(convert("120 mS/cm2", dimension::specific_conductance) == Approx(0.12));
    CHECK(convert("  1e-3 s  ", dimension::time) == Approx(1.0));
}

TEST_CASE("units: a bare number string is taken in the canonical unit", "[units]") {
    CHECK(convert("3.5", dimension::time) == Approx(3.5));
    CHECK(convert("-65", dimension::voltage) == Approx(-65.0));
    CHECK(convert(" 42 ", dimension::none) == Approx(42.0));
}

TEST_CASE("units: a wrong dimension names the unit found and the dimension expected",
          "[units]") {
    const auto error = failure("2 mV", dimension::time);
    CHECK_THAT(error, Contains("'mV'") && Contains("voltage") && Contains("duration (ms)"));
    CHECK_THAT(failure("1 nA", dimension::none), Contains("'nA'") && Contains("current"));
}

TEST_CASE("units: an unknown unit is rejected", "[units]") {
    CHECK_THAT(failure("5 parsec", dimension::length),
               Contains("unknown unit 'parsec'") && Contains("length (um)"));
    CHECK_THAT(failure("5 MS", dimension::time), Contains("unknown unit 'MS'"));
}

TEST_CASE("units: garbage is rejected and quoted", "[units]") {
    CHECK_THAT(failure("abc", dimension::time), Contains("found \"abc\""));
    CHECK_THAT(failure("ms 5", dimension::time), Contains("found \"ms 5\""));
    CHECK_THAT(failure("", dimension::voltage), Contains("voltage (mV)"));
    CHECK_THAT(failure("inf ms", dimension::time), Contains("finite"));
}

TEST_CASE("units: every dimension has a symbol and a name", "[units]") {
    CHECK(unit_symbol(dimension::time) == "ms");
    CHECK(unit_symbol(dimension::current) == "pA");
    CHECK(unit_symbol(dimension::none).empty());
    CHECK(dimension_name(dimension::time) == "duration");
    CHECK(dimension_name(dimension::voltage) == "voltage");
}

TEST_CASE("units: substeps_of counts the substeps of at most h_max in a step", "[sim][units]") {
    CHECK(substeps_of(0.1, 0.025) == 4);  // 0.1 / 0.025 is 4.000000000000001 in doubles
    CHECK(substeps_of(0.1, 0.03) == 4);   // 3.33 -> 4 substeps of 0.025 ms <= 0.03
    CHECK(substeps_of(0.1, 1.0) == 1);    // h_max above dt: one substep
    CHECK(substeps_of(0.1, 0.1 / double(max_substeps)) == max_substeps);
    CHECK_FALSE(substeps_of(0.1, 1e-12));  // 1e11 substeps: more than 2^20
    CHECK_FALSE(substeps_of(0.1, 0.0));    // dt / 0 = inf
    CHECK_FALSE(substeps_of(0.1, std::numeric_limits<double>::quiet_NaN()));
}

TEST_CASE("units: steps_of refuses times that are not finite, negative or beyond 2^53 steps",
          "[sim][units]") {
    CHECK(steps_of(10.0, 0.1, step_rounding::nearest) == 100);
    CHECK(steps_of(0.25, 0.1, step_rounding::nearest) == 3);  // llround: halves away from 0
    CHECK(steps_of(10.0, 0.1, step_rounding::at_or_after) == 100);  // snaps to the grid
    CHECK(steps_of(10.05, 0.1, step_rounding::at_or_after) == 101);
    const double limit = static_cast<double>(max_steps);  // exact in a double
    CHECK(steps_of(limit, 1.0, step_rounding::nearest) == max_steps);
    CHECK_FALSE(steps_of(2.0 * limit, 1.0, step_rounding::nearest));
    CHECK_FALSE(steps_of(1e20, 0.1, step_rounding::nearest));  // was one step (INT64_MIN)
    CHECK_FALSE(steps_of(-1.0, 0.1, step_rounding::nearest));
    CHECK_FALSE(steps_of(std::numeric_limits<double>::quiet_NaN(), 0.1, step_rounding::nearest));
    CHECK_FALSE(steps_of(std::numeric_limits<double>::infinity(), 0.1, step_rounding::at_or_after));
    REQUIRE_THROWS_WITH(to_steps(1e20, 0.1, step_rounding::nearest, "projection 'a' -> 'a', delay",
                                 source_pos{"x.toml", 3, 9}),
                        Contains("x.toml:3:9: error: projection 'a' -> 'a', delay: expected at "
                                 "most 9.0072e+14 ms (2^53 steps of dt = 0.1 ms), found 1e+20 "
                                 "ms"));
}

TEST_CASE("units: an event time after the end of the run is the end, however large",
          "[sim][units]") {
    CHECK(event_step(5.0, 0.1, 100) == 50);
    CHECK(event_step(5.05, 0.1, 100) == 51);
    CHECK(event_step(0.0, 0.1, 100) == 0);
    CHECK(event_step(20.0, 0.1, 100) == 100);
    CHECK(event_step(1e300, 0.1, 100) == 100);  // wrapped to step 0 before
    CHECK(event_step(std::numeric_limits<double>::infinity(), 0.1, 100) == 100);
}
