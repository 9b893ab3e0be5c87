// SPDX-License-Identifier: BSD-3-Clause
// SWC reader: sections, names, parents and geometry of small cells whose lengths follow from
// 3-4-5 triangles (so every expected number is exact), and every class of malformed file
// reported with file:line:column, what was expected and what was found.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "models/cable.hpp"
#include "sim/scenario/swc.hpp"

using namespace neurotwin;
using Catch::Matchers::Contains;

namespace {

morphology_desc parse(const std::string& text, const swc_options& opt = {}) {
    return parse_swc(text, "file.swc", "cell", opt);
}

std::vector<std::string> names(const morphology_desc& m) {
    std::vector<std::string> out;
    for (const auto& s : m.sections) {
        out.push_back(s.name);
    }
    return out;
}

const section_desc& section(const morphology_desc& m, const std::string& name) {
    const int k = m.find(name);
    REQUIRE(k >= 0);
    return m.sections[static_cast<std::size_t>(k)];
}

// A 3-point soma (r = 10) with a dendrite that starts on its surface and bifurcates, an
// apical piece and an axon from the soma centre. Per section, path and pieces
// (length, mean of the two end diameters):
//   soma    points 1-3: L = 10 + 10, diam = 20
//   dend[0] 3 -> 4 (0) -> 5 (5, d 2) -> 6 (5, d 3): L = 10, diam = 2.5; 6 is the branch point
//   dend[1] 6 -> 7 (5, d 2.5) -> 8 (5, d 1):        L = 10, diam = 1.75
//   dend[2] 6 -> 9 (5, d 2.5):                      L = 5,  diam = 2.5
//   apic[0] 2 -> 10 (0) -> 11 (30, d 3):            L = 30, diam = 3
//   axon[0] 1 -> 12 (50, from the soma: d 1):       L = 50, diam = 1
const std::string cell = R"(# id type x y z radius parent
1 1 0 0 0 10 -1
2 1 0 -10 0 10 1
3 1 0 10 0 10 1
4 3 0 10 0 1 3
5 3 3 14 0 1 4
6 3 6 18 0 2 5
7 3 9 22 0 0.5 6
8 3 12 26 0 0.5 7
9 3 3 22 0 0.5 6
10 4 0 -10 0 2 2
11 4 0 -40 0 1 10
12 2 -30 -40 0 0.5 1
)";

}  // namespace

TEST_CASE("swc: a soma with a branching dendrite, an apical piece and an axon becomes sections",
          "[scenario][swc]") {
    swc_options opt;
    opt.segment_length = 4.0;
    opt.soma.hh = true;
    opt.dend.Ra = 100.0;
    opt.apic.Ra = 150.0;
    opt.axon.gnabar = 0.5;
    const auto m = parse_swc(cell, "dir/cell.swc", "pyr", opt);

    CHECK(m.name == "pyr");
    CHECK(m.swc_file == "dir/cell.swc");
    CHECK(m.where.file == "dir/cell.swc");
    CHECK(m.where.line == 0);
    // Parents before children: the order of the sections' first points in the file.
    REQUIRE(names(m) == std::vector<std::string>{"soma", "dend[0]", "dend[1]", "dend[2]", "apic[0]",
                                                 "axon[0]"});

    const auto& soma = section(m, "soma");
    CHECK(soma.parent == "");
    CHECK(soma.length == Approx(20.0));
    CHECK(soma.diam == Approx(20.0));
    CHECK(soma.nseg == 5);  // 20 / 4 = 5, odd already
    CHECK(soma.props.hh);
    CHECK(soma.where.line == 2);

    const auto& d0 = section(m, "dend[0]");
    CHECK(d0.parent == "soma");
    CHECK(d0.parent_x == 0.5);
    CHECK(d0.length == Approx(10.0));
    CHECK(d0.diam == Approx(2.5));
    CHECK(d0.nseg == 3);  // ceil(2.5) = 3
    CHECK(d0.props.Ra == 100.0);
    CHECK_FALSE(d0.props.hh);
    CHECK(d0.where.file == "dir/cell.swc");
    CHECK(d0.where.line == 5);
    CHECK(d0.where.column == 1);

    const auto& d1 = section(m, "dend[1]");
    CHECK(d1.parent == "dend[0]");
    CHECK(d1.parent_x == 1.0);
    CHECK(d1.length == Approx(10.0));
    CHECK(d1.diam == Approx(1.75));
    CHECK(d1.nseg == 3);
    CHECK(d1.where.line == 8);

    const auto& d2 = section(m, "dend[2]");
    CHECK(d2.parent == "dend[0]");
    CHECK(d2.parent_x == 1.0);
    CHECK(d2.length == Approx(5.0));
    CHECK(d2.diam == Approx(2.5));
    CHECK(d2.nseg == 3);  // ceil(1.25) = 2, made odd
    CHECK(d2.props.Ra == 100.0);

    const auto& apic = section(m, "apic[0]");
    CHECK(apic.parent == "soma");
    CHECK(apic.parent_x == 0.5);
    CHECK(apic.length == Approx(30.0));
    CHECK(apic.diam == Approx(3.0));
    CHECK(apic.nseg == 9);  // ceil(7.5) = 8, made odd
    CHECK(apic.props.Ra == 150.0);

    const auto& axon = section(m, "axon[0]");
    CHECK(axon.parent == "soma");
    CHECK(axon.parent_x == 0.5);
    CHECK(axon.length == Approx(50.0));
    CHECK(axon.diam == Approx(1.0));  // a piece from the soma takes the neurite's radius
    CHECK(axon.nseg == 13);           // ceil(12.5) = 13
    CHECK(axon.props.gnabar == 0.5);
    CHECK(axon.where.line == 13);
}

TEST_CASE("swc: a single-point soma is a cylinder with L = diam = 2r", "[scenario][swc]") {
    // As NEURON's Import3d: the soma's children start at their own first point (the soma
    // centre is inside the sphere), a one-point child at the centre with its own diameter.
    const auto m = parse("1 1 0 0 0 7.5 -1\n2 3 7.5 0 0 1 1\n3 3 37.5 0 0 1 2\n4 3 0 10 0 1 1\n");
    REQUIRE(names(m) == std::vector<std::string>{"soma", "dend[0]", "dend[1]"});
    CHECK(m.sections[0].length == Approx(15.0));
    CHECK(m.sections[0].diam == Approx(15.0));
    CHECK(m.sections[0].nseg == 1);
    CHECK(m.sections[0].points.empty());  // a cylinder
    // 2 -> 3 (30, d 2)
    CHECK(m.sections[1].parent == "soma");
    CHECK(m.sections[1].parent_x == 0.5);
    CHECK(m.sections[1].length == Approx(30.0));
    CHECK(m.sections[1].diam == Approx(2.0));
    CHECK(m.sections[1].nseg == 3);  // ceil(30 / 20) = 2, made odd
    REQUIRE(m.sections[1].points.size() == 2);
    CHECK(m.sections[1].points[0].arc == 0.0);
    CHECK(m.sections[1].points[1].arc == Approx(30.0));
    // 1 (the centre, the neurite's d 2) -> 4 (10, d 2)
    CHECK(m.sections[2].length == Approx(10.0));
    REQUIRE(m.sections[2].points.size() == 2);
    CHECK(m.sections[2].points[0].diam == Approx(2.0));
}

TEST_CASE("swc: a section keeps its 3-D points as path distance and diameter", "[scenario][swc]") {
    // dend[0] of `cell`: 3 (soma point, the neurite's d 2) -> 4 (0, d 2) -> 5 (5, d 2) ->
    // 6 (5, d 4); dend[1] from the branch point 6 (d 4) -> 7 (5, d 1) -> 8 (5, d 1).
    const auto m = parse(cell);
    const auto& d0 = section(m, "dend[0]");
    REQUIRE(d0.points.size() == 4);
    const double arcs[] = {0.0, 0.0, 5.0, 10.0};
    const double diams[] = {2.0, 2.0, 2.0, 4.0};
    for (std::size_t k = 0; k < 4; ++k) {
        CHECK(d0.points[k].arc == Approx(arcs[k]));
        CHECK(d0.points[k].diam == Approx(diams[k]));
    }
    CHECK(d0.points.back().arc == d0.length);
    const auto& d1 = section(m, "dend[1]");
    REQUIRE(d1.points.size() == 3);
    CHECK(d1.points[0].diam == Approx(4.0));
    CHECK(d1.points[1].arc == Approx(5.0));
    CHECK(d1.points[2].arc == Approx(10.0));
    CHECK(d1.points[2].diam == Approx(1.0));
}

TEST_CASE("swc: a 100k-section reconstruction loads and discretises", "[scenario][swc]") {
    // A comb: a soma, a spine of 50,000 points along x and a one-point side branch on every
    // spine point, so every spine point but the last is a branch point and ends a
    // section: 99,999 neurite sections. Loading was quadratic in the number of sections (> 120 s
    // here); the suite's time shows that it no longer is (no wall-clock assertion).
    constexpr int spine = 50000;
    std::string text = "1 1 0 0 0 5 -1\n";
    text.reserve(std::size_t(spine) * 2 * 32);
    int id = 1;
    int prev = 1;
    for (int i = 0; i < spine; ++i) {
        const int s = ++id;
        text += fmt::format("{} 3 {} 0 0 0.5 {}\n", s, 10 + 2 * i, prev);
        text += fmt::format("{} 3 {} 3 0 0.25 {}\n", ++id, 10 + 2 * i, s);
        prev = s;
    }
    const auto m = parse(text);
    // the last spine point has one child: its side branch continues the last spine section
    REQUIRE(m.sections.size() == 2 * std::size_t(spine));
    CHECK(m.sections.back().name == fmt::format("dend[{}]", 2 * spine - 2));
    CHECK(m.sections.back().parent == fmt::format("dend[{}]", 2 * spine - 4));
    const auto t = detail::discretize(m);
    // every section has nseg 1: its centre node and its 1-end node, plus the soma's 0 end
    CHECK(t.n_nodes == 1 + 2 * m.sections.size());
    CHECK(t.compartment_at(int(m.sections.size()) - 1, 0.5) == m.sections.size() - 1);
}

TEST_CASE("swc: sections split where the region changes, types 0 and >= 5 count as dend",
          "[scenario][swc]") {
    // No soma: the root point starts the root section. Tabs, a CR LF line end, a '+' sign,
    // an exponent and trailing comments are all accepted.
    const auto m = parse(
        "# no soma\n"
        "1 3 0 0 0 1 -1   # root\n"
        "2\t0\t3\t4\t0\t1\t1\r\n"
        "3 5 6 +8 0 1e0 2\n"
        "\n"
        "4 2 9 12 0 0.5 3 # the axon leaves the dendrite\n"
        "5 7 12 16 0 0.5 4\n");
    REQUIRE(names(m) == std::vector<std::string>{"dend[0]", "axon[0]", "dend[1]"});
    CHECK(m.sections[0].parent == "");
    CHECK(m.sections[0].length == Approx(10.0));  // 1 -> 2 -> 3, types 3, 0, 5
    CHECK(m.sections[0].diam == Approx(2.0));
    CHECK(m.sections[0].where.line == 2);
    CHECK(m.sections[1].parent == "dend[0]");
    CHECK(m.sections[1].parent_x == 1.0);
    CHECK(m.sections[1].length == Approx(5.0));
    CHECK(m.sections[1].diam == Approx(1.5));  // (2 + 1) / 2
    CHECK(m.sections[1].where.line == 6);
    CHECK(m.sections[2].parent == "axon[0]");
    CHECK(m.sections[2].length == Approx(5.0));
    CHECK(m.sections[2].diam == Approx(1.0));
}

TEST_CASE("swc: a line without 7 fields is rejected with its position", "[scenario][swc]") {
    // Too few: the position is just past the last field; too many: the first extra field.
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10\n"), Contains("file.swc:1:13") &&
                                                     Contains("expected 7 fields") &&
                                                     Contains("found 6"));
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1 5\n"),
                        Contains("file.swc:1:17") && Contains("found 8"));
}

TEST_CASE("swc: a field that is not a number is rejected with its position", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 1.5 abc 0 1 1\n"),
                        Contains("file.swc:2:9") && Contains("field 'y'") &&
                            Contains("expected a number, found 'abc'"));
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2.5 3 0 0 0 1 1\n"),
                        Contains("file.swc:2:1") && Contains("field 'id'") &&
                            Contains("expected an integer, found '2.5'"));
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 dend 0 0 0 1 1\n"),
                        Contains("file.swc:2:3") && Contains("field 'type'") &&
                            Contains("expected an integer, found 'dend'"));
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 10 0 0 1 x\n"),
                        Contains("file.swc:2:14") && Contains("field 'parent'") &&
                            Contains("expected an integer, found 'x'"));
    REQUIRE_THROWS_WITH(parse("1 1 0 0 nan 10 -1\n"),
                        Contains("file.swc:1:9") && Contains("found 'nan'"));
}

TEST_CASE("swc: a radius that is not positive is rejected", "[scenario][swc]") {
    // Leading spaces count: the column is the character column where the field starts.
    REQUIRE_THROWS_WITH(
        parse("1 1 0 0 0 10 -1\n  2 3 10 0 0 -1 1\n"),
        Contains("file.swc:2:14") && Contains("expected a positive radius (um), found -1"));
    REQUIRE_THROWS_WITH(
        parse("1 1 0 0 0 0 -1\n"),
        Contains("file.swc:1:11") && Contains("expected a positive radius (um), found 0"));
}

TEST_CASE("swc: a duplicate id names the line of the first", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 10 0 0 1 1\n2 3 20 0 0 1 1\n"),
                        Contains("file.swc:3:1") && Contains("id 2 is already defined on line 2"));
}

TEST_CASE("swc: a parent must be defined on an earlier line", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 10 0 0 1 3\n3 3 20 0 0 1 2\n"),
                        Contains("file.swc:2:14") &&
                            Contains("parent 3 is not defined on an earlier line") &&
                            Contains("SWC lists every parent before its children"));
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 10 0 0 1 2\n"),
                        Contains("file.swc:2:14") && Contains("its own parent"));
}

TEST_CASE("swc: a second root is rejected", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 10 0 0 1 -1\n"),
                        Contains("file.swc:2:14") && Contains("a second root (parent -1)") &&
                            Contains("root is on line 1"));
}

TEST_CASE("swc: a file without points is rejected at line 1", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("# only a comment\n\n   \n"),
                        Contains("file.swc:1:1: error: no points (only comments and blank "
                                 "lines)") &&
                            Contains("expected lines 'id type x y z radius parent'"));
    REQUIRE_THROWS_WITH(parse(""), Contains("file.swc:1:1: error: no points (empty file)"));
    REQUIRE_THROWS_WITH(parse("\n  \n"), Contains("file.swc:1:1: error: no points (empty file)"));
}

TEST_CASE("swc: a section of zero length is rejected at its first point", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("1 1 0 0 0 10 -1\n2 3 0 0 0 1 1\n"),
                        Contains("file.swc:2:5") && Contains("section 'dend[0]' has zero length"));
}

TEST_CASE("swc: with soma points, the root must be a soma point", "[scenario][swc]") {
    REQUIRE_THROWS_WITH(parse("1 3 0 0 0 1 -1\n2 1 10 0 0 5 1\n"),
                        Contains("file.swc:1:3") && Contains("root point (parent -1) has type 3") &&
                            Contains("expected the root to be a soma point"));
}

TEST_CASE("swc: every problem of a file is reported at once, in line order", "[scenario][swc]") {
    const std::string text =
        "1 1 0 0 0 10 -1\n"
        "2 3 10 0 0 0 1\n"
        "3 3 20 0 0 1 2\n"
        "4 3 30 y 0 1 3\n";
    try {
        parse(text);
        FAIL("expected an input_error");
    } catch (const input_error& e) {
        const auto& d = e.diagnostics();
        REQUIRE(d.size() == 2);
        CHECK(d[0].where.file == "file.swc");
        CHECK(d[0].where.line == 2);
        CHECK(d[0].where.column == 12);
        CHECK_THAT(d[0].message, Contains("expected a positive radius (um), found 0"));
        CHECK(d[1].where.line == 4);
        CHECK(d[1].where.column == 8);
        CHECK_THAT(d[1].message, Contains("field 'y'") && Contains("found 'y'"));
        // Point 3 hangs from the bad point 2 but is not reported as an orphan.
        CHECK_THAT(std::string(e.what()), Contains("file.swc:2:12") && Contains("file.swc:4:8"));
    }
}

TEST_CASE("swc: a file that cannot be read is an io_error naming the path", "[scenario][swc]") {
    const std::string path = "no/such/dir/missing.swc";
    REQUIRE_THROWS_AS(read_swc(path, "cell", {}), io_error);
    REQUIRE_THROWS_WITH(read_swc(path, "cell", {}), Contains("no/such/dir/missing.swc"));
}

TEST_CASE("swc: the ball-and-stick file in tests/data reads as a soma and one dendrite",
          "[scenario][swc]") {
    const auto path = (std::filesystem::path(NEUROTWIN_SOURCE_DIR) / "tests" / "data" / "swc" /
                       "ball_and_stick.swc")
                          .string();
    swc_options opt;
    opt.dend.g_pas = 1e-4;
    const auto m = read_swc(path, "bs", opt);
    CHECK(m.name == "bs");
    CHECK(m.swc_file == path);
    REQUIRE(names(m) == std::vector<std::string>{"soma", "dend[0]"});
    CHECK(m.sections[0].length == Approx(20.0));
    CHECK(m.sections[0].diam == Approx(20.0));
    CHECK(m.sections[0].nseg == 1);
    // The dendrite's first point sits on the soma point it hangs from: a zero-length piece
    // that adds nothing, then 4 pieces of 100 um.
    CHECK(m.sections[1].parent == "soma");
    CHECK(m.sections[1].parent_x == 0.5);
    CHECK(m.sections[1].length == Approx(400.0));
    CHECK(m.sections[1].diam == Approx(2.0));
    CHECK(m.sections[1].nseg == 21);  // 400 / 20 = 20, made odd
    CHECK(m.sections[1].props.g_pas == 1e-4);
    CHECK(m.sections[1].where.file == path);
    CHECK(m.sections[1].where.line == 8);
}
