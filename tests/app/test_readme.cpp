// SPDX-License-Identifier: BSD-3-Clause
// README.md must stay true: its model reference is the output of `neurotwin models
// --markdown`, generated from the descriptors the loader validates against.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
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

TEST_CASE("readme: the h5py example runs on a fresh output and prints what it says",
          "[readme][analysis]") {
    // The snippet between the h5py-example markers, run as it stands with /usr/bin/python3
    // (python3-h5py is a listed dependency) in a folder holding the run it reads.
    std::ifstream in(neurotwin::test::source_path("README.md"));
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string readme = ss.str();
    const auto b = readme.find("<!-- h5py-example:begin -->");
    const auto e = readme.find("<!-- h5py-example:end -->");
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    const auto code_start = readme.find("```python\n", b);
    const auto code_end = readme.find("```\n", code_start + 10);
    REQUIRE(code_start < e);
    REQUIRE(code_end < e);
    const std::string code = readme.substr(code_start + 10, code_end - code_start - 10);

    const auto dir = std::filesystem::path(neurotwin::test::temp_path("readme_h5py"));
    std::filesystem::create_directories(dir);
    {
        std::ofstream script(dir / "example.py");
        script << code;
    }
    const std::string command = "cd '" + dir.string() + "' && '" + NEUROTWIN_BINARY + "' run '" +
                                neurotwin::test::source_path("scenarios/relu_lif_twin.toml") +
                                "' -o relu_lif_twin.h5 -q && /usr/bin/python3 example.py 2>&1";
    FILE* p = popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string output;
    char buf[4096];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        output.append(buf, n);
    }
    const int status = pclose(p);
    std::filesystem::remove_all(dir);
    INFO(output);
    REQUIRE(status == 0);
    CHECK_THAT(output, Catch::Matchers::Contains(" spikes; neuron 40 fires first at ") &&
                           Catch::Matchers::Contains("V_m of neuron 40 at t = 100.0 ms: ") &&
                           Catch::Matchers::Contains(" mV\n"));
}
