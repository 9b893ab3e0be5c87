// SPDX-License-Identifier: BSD-3-Clause
// The scenario schema (sim/scenario/schema.cpp) is the one list of keys: docs/scenario.md's
// key tables are generated from it, and the loader accepts exactly its keys.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "models/registry.hpp"
#include "sim/scenario/desc.hpp"
#include "sim/scenario/schema.hpp"
#include "tests/test_util.hpp"

using namespace neurotwin;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The sections that have a table of their own in docs/scenario.md (nested ones are listed
// inside their parent's: morphology.section, twin.inputs, membrane, ...).
const std::vector<std::string> documented{"simulation", "population", "morphology",
                                          "stimulus",   "projection", "twin",
                                          "record",     "sweep"};

}  // namespace

TEST_CASE("schema: docs/scenario.md's key tables are the schema's",
          "[schema][docs]") {
    const auto path = test::source_path("docs/scenario.md");
    std::string doc = read_file(path);
    REQUIRE(!doc.empty());
    std::string updated = doc;
    for (const auto& name : documented) {
        INFO("section " << name);
        const std::string begin = "<!-- keys:" + name + ":begin -->\n";
        const std::string end = "<!-- keys:" + name + ":end -->";
        const auto b = updated.find(begin);
        REQUIRE(b != std::string::npos);
        const auto e = updated.find(end, b);
        REQUIRE(e != std::string::npos);
        const auto body_start = b + begin.size();
        const std::string generated = schema_markdown(schema_of(name));
        CHECK(updated.substr(body_start, e - body_start) == generated);
        updated.replace(body_start, e - body_start, generated);
    }
    // NEUROTWIN_UPDATE_DOCS=1 writes the generated tables into the file (then rerun).
    if (const char* u = std::getenv("NEUROTWIN_UPDATE_DOCS"); u != nullptr && updated != doc) {
        std::ofstream(path, std::ios::binary) << updated;
    }
}

TEST_CASE("schema: every declared key of a section is accepted, any other is not",
          "[schema][scenario]") {
    // [simulation] is the one section whose every key can stand alone: each declared key
    // passes check_keys (a wrong value is another message), an undeclared one is reported
    // with the schema's list.
    for (const auto& key : schema_of("simulation").names()) {
        INFO(key);
        const std::string toml = "[simulation]\nduration = 10.0\n" +
                                 (key == "duration" ? std::string() : key + " = 1\n");
        CHECK_NOTHROW(load_scenario_text(toml, "s.toml", builtin_models()));
    }
    try {
        load_scenario_text("[simulation]\nduration = 10.0\nsed = 1\n", "s.toml", builtin_models());
        FAIL("no error");
    } catch (const input_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("unknown key 'sed'; did you mean 'seed'?"));
    }
    // the stimulus keys of one type are the common ones and that type's
    const auto dc = schema_of("stimulus").names("dc");
    CHECK(std::find(dc.begin(), dc.end(), "amplitude") != dc.end());
    CHECK(std::find(dc.begin(), dc.end(), "rate") == dc.end());
    CHECK(std::find(dc.begin(), dc.end(), "target") != dc.end());
    // a cell section takes the membrane properties after its own keys
    const auto sec = schema_of("morphology.section").names();
    CHECK(sec.front() == "name");
    CHECK(std::find(sec.begin(), sec.end(), "g_pas") != sec.end());
}
