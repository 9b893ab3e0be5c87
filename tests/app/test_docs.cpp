// SPDX-License-Identifier: BSD-3-Clause
// The documentation must stay true: docs/models.md holds the output of `neurotwin models
// --markdown` (generated from the descriptors the loader validates against), the h5py example
// of docs/output.md runs on a fresh output, and every relative link of README.md and
// docs/*.md leads to an existing file and, with an #anchor, to one of its headings.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.hpp"

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

bool is_fence(const std::string& line) {
    const auto first = line.find_first_not_of(' ');
    return first != std::string::npos && first < 4 &&
           (line.compare(first, 3, "```") == 0 || line.compare(first, 3, "~~~") == 0);
}

// Decodes the UTF-8 sequence at s[i], advancing i; invalid bytes decode as themselves.
std::uint32_t next_code_point(const std::string& s, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b = byte(i);
    const int extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
    if (extra == 0 || i + std::size_t(extra) >= s.size()) {
        ++i;
        return b;
    }
    std::uint32_t cp = b & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
        cp = (cp << 6) | (byte(i + std::size_t(k)) & 0x3f);
    }
    i += std::size_t(extra) + 1;
    return cp;
}

// GitHub drops punctuation and symbols from an anchor and keeps letters, digits, '-' and
// '_' of every script. Beyond ASCII this knows the punctuation and symbol blocks (Latin-1's
// signs, general punctuation, currency, arrows, mathematical operators, technical and box
// symbols, dingbats), which covers what the docs put in headings (–, —, ↔, ·, ×).
bool dropped_from_anchor(std::uint32_t cp) {
    if (cp < 0x80) {
        const auto c = static_cast<char>(cp);
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == ' ');
    }
    if (cp >= 0xa0 && cp <= 0xbf) {
        // Latin-1 signs, except its letters (ª µ º) and digits (² ³ ¹ ¼ ½ ¾)
        return cp != 0xaa && cp != 0xb5 && cp != 0xba && cp != 0xb2 && cp != 0xb3 &&
               cp != 0xb9 && !(cp >= 0xbc && cp <= 0xbe);
    }
    return cp == 0xd7 || cp == 0xf7 || (cp >= 0x2000 && cp <= 0x206f) ||
           (cp >= 0x20a0 && cp <= 0x20cf) || (cp >= 0x2190 && cp <= 0x23ff) ||
           (cp >= 0x2500 && cp <= 0x27bf) || (cp >= 0x3000 && cp <= 0x303f);
}

// The text a heading shows: inline links reduced to their text ("[a](b)" -> "a"), code-span
// backticks dropped.
std::string heading_text(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == ']' && i + 1 < raw.size() && raw[i + 1] == '(') {
            const auto close = raw.find(')', i);
            if (close != std::string::npos) {
                i = close;
                continue;
            }
        }
        if (raw[i] != '`') {
            out += raw[i];
        }
    }
    return out;
}

// GitHub's anchor of a heading: lower case, spaces to '-', punctuation dropped.
std::string anchor_of(const std::string& heading) {
    const std::string text = heading_text(heading);
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const std::uint32_t cp = next_code_point(text, i);
        if (dropped_from_anchor(cp)) {
            continue;
        }
        if (cp == ' ') {
            out += '-';
        } else if (cp < 0x80) {
            out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp);
        } else {
            out += text.substr(start, i - start);
        }
    }
    return out;
}

// The anchors of a Markdown file's ATX headings outside fenced code; a repeated anchor gets
// "-1", "-2", ... as on GitHub.
std::set<std::string> anchors_of(const std::string& text) {
    std::set<std::string> out;
    std::map<std::string, int> seen;
    bool fenced = false;
    for (const auto& line : lines_of(text)) {
        if (is_fence(line)) {
            fenced = !fenced;
            continue;
        }
        const auto hashes = line.find_first_not_of('#');
        if (fenced || hashes == 0 || hashes > 6 || hashes == std::string::npos ||
            line[hashes] != ' ') {
            continue;
        }
        std::string title = line.substr(hashes + 1);
        while (!title.empty() && (title.back() == ' ' || title.back() == '#')) {
            title.pop_back();
        }
        const auto anchor = anchor_of(title);
        const int n = seen[anchor]++;
        out.insert(n == 0 ? anchor : anchor + "-" + std::to_string(n));
    }
    return out;
}

// The targets of the inline links ("[text](target)") of a Markdown file, outside fenced code
// and code spans, with the line they are on.
std::vector<std::pair<int, std::string>> links_of(const std::string& text) {
    std::vector<std::pair<int, std::string>> out;
    bool fenced = false;
    int number = 0;
    for (const auto& line : lines_of(text)) {
        ++number;
        if (is_fence(line)) {
            fenced = !fenced;
            continue;
        }
        if (fenced) {
            continue;
        }
        std::string prose;
        bool in_code = false;
        for (const char c : line) {
            if (c == '`') {
                in_code = !in_code;
            } else if (!in_code) {
                prose += c;
            }
        }
        for (auto at = prose.find("]("); at != std::string::npos; at = prose.find("](", at + 2)) {
            const auto close = prose.find(')', at + 2);
            if (close == std::string::npos) {
                break;
            }
            auto target = prose.substr(at + 2, close - at - 2);
            target = target.substr(0, target.find(' '));  // drop a "title"
            out.emplace_back(number, target);
        }
    }
    return out;
}

std::string generated_models_markdown() {
    FILE* p = popen((std::string("'") + NEUROTWIN_BINARY + "' models --markdown").c_str(), "r");
    REQUIRE(p != nullptr);
    std::string generated;
    char buf[4096];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        generated.append(buf, n);
    }
    REQUIRE(pclose(p) == 0);
    return generated;
}

}  // namespace

TEST_CASE("docs: docs/models.md holds the output of `neurotwin models --markdown`",
          "[docs]") {
    const std::string doc = read_text(neurotwin::test::source_path("docs/models.md"));
    const std::string begin_marker = "<!-- models:begin";
    const std::string end_marker = "<!-- models:end -->";
    const auto b = doc.find(begin_marker);
    const auto e = doc.find(end_marker);
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    const auto body_start = doc.find('\n', b) + 1;
    const std::string section = doc.substr(body_start, e - body_start);
    const std::string generated = generated_models_markdown();
    // one blank line after the marker line
    CHECK(section == "\n" + generated);
}

TEST_CASE("docs: the h5py example of docs/output.md runs on a fresh output and prints what "
          "it says",
          "[docs][analysis]") {
    // The snippet between the h5py-example markers, run as it stands with /usr/bin/python3
    // (python3-h5py is a listed dependency) in a folder holding the run it reads.
    const std::string doc = read_text(neurotwin::test::source_path("docs/output.md"));
    const auto b = doc.find("<!-- h5py-example:begin -->");
    const auto e = doc.find("<!-- h5py-example:end -->");
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    const auto code_start = doc.find("```python\n", b);
    const auto code_end = doc.find("```\n", code_start + 10);
    REQUIRE(code_start < e);
    REQUIRE(code_end < e);
    const std::string code = doc.substr(code_start + 10, code_end - code_start - 10);

    const auto dir = std::filesystem::path(neurotwin::test::temp_path("docs_h5py"));
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

TEST_CASE("docs: every relative link of README.md and docs/*.md leads to a file and heading",
          "[docs]") {
    // GitHub's anchor rules, on headings the docs use.
    REQUIRE(anchor_of("`[[morphology]]`: multi-compartment cells") ==
            "morphology-multi-compartment-cells");
    REQUIRE(anchor_of("hh and hh_traub") == "hh-and-hh_traub");
    REQUIRE(anchor_of("4. Plot") == "4-plot");
    REQUIRE(anchor_of("Tutorial: a twin from scratch — run, plot") ==
            "tutorial-a-twin-from-scratch--run-plot");

    namespace fs = std::filesystem;
    const fs::path root = neurotwin::test::source_path("");
    std::vector<fs::path> files{root / "README.md"};
    for (const auto& entry : fs::directory_iterator(root / "docs")) {
        if (entry.path().extension() == ".md") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 1);

    std::map<fs::path, std::set<std::string>> anchors;
    const auto anchors_in = [&](const fs::path& file) -> const std::set<std::string>& {
        const auto key = fs::weakly_canonical(file);
        auto it = anchors.find(key);
        if (it == anchors.end()) {
            it = anchors.emplace(key, anchors_of(read_text(key))).first;
        }
        return it->second;
    };
    std::vector<std::string> broken;
    std::size_t checked = 0;
    for (const auto& file : files) {
        const auto shown = fs::relative(file, root).string();
        for (const auto& [line, target] : links_of(read_text(file))) {
            if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0) {
                continue;
            }
            ++checked;
            const auto hash = target.find('#');
            const std::string path = target.substr(0, hash);
            const std::string anchor = hash == std::string::npos ? "" : target.substr(hash + 1);
            const fs::path dest = path.empty() ? file : file.parent_path() / path;
            const auto where = shown + ":" + std::to_string(line) + ": (" + target + ")";
            if (!fs::exists(dest)) {
                broken.push_back(where + " names no file");
            } else if (!anchor.empty() &&
                       (dest.extension() != ".md" || anchors_in(dest).count(anchor) == 0)) {
                broken.push_back(where + " names no heading of " +
                                 fs::relative(fs::weakly_canonical(dest), root).string());
            }
        }
    }
    std::string report;
    for (const auto& b : broken) {
        report += b + "\n";
    }
    INFO(report);
    CHECK(broken.empty());
    CHECK(checked > 50);  // the docs link to each other; none found means the parser broke
}
