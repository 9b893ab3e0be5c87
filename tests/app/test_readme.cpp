// SPDX-License-Identifier: BSD-3-Clause
// README.md must stay true: its model reference is the output of `neurotwin models
// --markdown`, generated from the descriptors the loader validates against.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/test_util.hpp"

TEST_CASE("readme: the model reference matches `neurotwin models --markdown`", "[readme]") {
    std::ifstream in(neurotwin::test::source_path("README.md"));
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string readme = ss.str();
    const std::string begin_marker = "<!-- models:begin";
    const std::string end_marker = "<!-- models:end -->";
    const auto b = readme.find(begin_marker);
    const auto e = readme.find(end_marker);
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    const auto body_start = readme.find('\n', b) + 1;
    std::string section = readme.substr(body_start, e - body_start);

    FILE* p = popen((std::string("'") + NEUROTWIN_BINARY + "' models --markdown").c_str(), "r");
    REQUIRE(p != nullptr);
    std::string generated;
    char buf[4096];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        generated.append(buf, n);
    }
    REQUIRE(pclose(p) == 0);
    // the README has one blank line after the marker line
    CHECK(section == "\n" + generated);
}
