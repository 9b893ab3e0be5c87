// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/batch_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "analysis/h5_output.hpp"
#include "sim/errors.hpp"

namespace neurotwin::analysis {

namespace {

// A parsed JSON value; scalars keep their source text (what the table shows).
struct json {
    enum class kind { null, boolean, number, string, array, object } k = kind::null;
    std::string text;  // string: the decoded string; other scalars: as written
    std::vector<json> items;
    std::vector<std::pair<std::string, json>> members;

    const json* get(const std::string& key) const {
        for (const auto& [k2, v] : members) {
            if (k2 == key) {
                return &v;
            }
        }
        return nullptr;
    }
};

// Recursive descent over RFC 8259 JSON, with line:column in every error.
class json_parser {
public:
    json_parser(const std::string& text, std::string file) : s_(text), file_(std::move(file)) {}

    json document() {
        json v = value(0);
        skip_space();
        if (i_ < s_.size()) {
            fail("expected the end of the document");
        }
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& expected) const {
        int line = 1, col = 1;
        for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
            if (s_[k] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        const std::string found =
            i_ < s_.size() ? fmt::format("'{}'", s_[i_]) : std::string("the end of the file");
        throw input_error(source_pos{file_, line, col},
                          fmt::format("batch.json: {}, found {}", expected, found));
    }
    void skip_space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
            ++i_;
        }
    }
    bool eat(char c) {
        skip_space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) {
            fail(fmt::format("expected '{}'", c));
        }
    }
    json value(int depth) {
        if (depth > 64) {
            fail("expected at most 64 levels of nesting");
        }
        skip_space();
        if (i_ >= s_.size()) {
            fail("expected a value");
        }
        json v;
        const char c = s_[i_];
        if (c == '{') {
            ++i_;
            v.k = json::kind::object;
            if (eat('}')) {
                return v;
            }
            do {
                skip_space();
                if (i_ >= s_.size() || s_[i_] != '"') {
                    fail("expected a member name in double quotes");
                }
                std::string key = string();
                expect(':');
                v.members.emplace_back(std::move(key), value(depth + 1));
            } while (eat(','));
            expect('}');
        } else if (c == '[') {
            ++i_;
            v.k = json::kind::array;
            if (eat(']')) {
                return v;
            }
            do {
                v.items.push_back(value(depth + 1));
            } while (eat(','));
            expect(']');
        } else if (c == '"') {
            v.k = json::kind::string;
            v.text = string();
        } else if (s_.compare(i_, 4, "null") == 0) {
            i_ += 4;
            v.text = "null";
        } else if (s_.compare(i_, 4, "true") == 0 || s_.compare(i_, 5, "false") == 0) {
            v.k = json::kind::boolean;
            v.text = s_[i_] == 't' ? "true" : "false";
            i_ += v.text.size();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            const std::size_t start = i_;
            while (i_ < s_.size() &&
                   std::string_view("+-.eE0123456789").find(s_[i_]) != std::string_view::npos) {
                ++i_;
            }
            v.k = json::kind::number;
            v.text = s_.substr(start, i_ - start);
            std::size_t used = 0;
            try {
                (void)std::stod(v.text, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != v.text.size()) {
                i_ = start;
                fail("expected a number");
            }
        } else {
            fail("expected a value");
        }
        return v;
    }
    std::string string() {
        ++i_;  // the opening quote
        std::string out;
        while (true) {
            if (i_ >= s_.size()) {
                fail("expected the closing '\"' of a string");
            }
            const char c = s_[i_++];
            if (c == '"') {
                return out;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) {
                fail("expected an escape sequence");
            }
            const char e = s_[i_++];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    if (i_ + 4 > s_.size()) {
                        fail("expected four hex digits after \\u");
                    }
                    unsigned cp = 0;
                    for (int k = 0; k < 4; ++k) {
                        const char h = s_[i_];
                        const int d = h >= '0' && h <= '9'   ? h - '0'
                                      : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                      : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                             : -1;
                        if (d < 0) {
                            fail("expected a hex digit");
                        }
                        cp = cp * 16 + unsigned(d);
                        ++i_;
                    }
                    // UTF-8 (a surrogate half is kept as its own code point: names are ASCII)
                    if (cp < 0x80) {
                        out += char(cp);
                    } else if (cp < 0x800) {
                        out += char(0xC0 | (cp >> 6));
                        out += char(0x80 | (cp & 0x3F));
                    } else {
                        out += char(0xE0 | (cp >> 12));
                        out += char(0x80 | ((cp >> 6) & 0x3F));
                        out += char(0x80 | (cp & 0x3F));
                    }
                    break;
                }
                default:
                    --i_;
                    fail("expected an escape sequence (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
            }
        }
    }

    const std::string& s_;
    std::string file_;
    std::size_t i_ = 0;
};

// The value text shown in the table and stored as `sweep.<key>`.
std::string value_text(const json& v) {
    if (v.k == json::kind::array || v.k == json::kind::object) {
        return v.k == json::kind::array ? "[...]" : "{...}";
    }
    return v.text;
}

}  // namespace

std::vector<batch_run> read_batch_json(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw io_error(path + ": cannot open");
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const json doc = json_parser(text, path).document();
    const json* runs = doc.k == json::kind::object ? doc.get("runs") : nullptr;
    if (runs == nullptr || runs->k != json::kind::array) {
        throw input_error(source_pos{path, 1, 1},
                          "batch.json: expected an object with an array 'runs' (the file "
                          "`neurotwin batch` writes)");
    }
    const auto dir = std::filesystem::path(path).parent_path();
    std::vector<batch_run> out;
    for (const auto& r : runs->items) {
        const json* status = r.get("status");
        const json* output = r.get("output");
        const json* name = r.get("name");
        if (status == nullptr || status->text != "ok" || output == nullptr ||
            output->k != json::kind::string || name == nullptr) {
            continue;
        }
        batch_run b;
        b.name = name->text;
        b.output = output->text;
        std::error_code ec;
        if (!std::filesystem::path(b.output).is_absolute() &&
            !std::filesystem::exists(b.output, ec)) {
            b.output = (dir / std::filesystem::path(b.output).filename()).string();
        }
        if (const json* sweep = r.get("sweep"); sweep != nullptr) {
            for (const auto& [k, v] : sweep->members) {
                b.sweep.push_back({k, value_text(v), v.k == json::kind::number});
            }
        }
        out.push_back(std::move(b));
    }
    return out;
}

result_node analyze_batch(const std::string& path, const analyze_options& options, bool write) {
    result_node table;
    table.name = "batch";
    table.set("batch", path);
    auto& points = table.child("points");
    for (const auto& run : read_batch_json(path)) {
        const auto r = analyze_file(run.output, options);
        if (write) {
            write_analysis_group(run.output, r);
        }
        auto& p = points.child(run.name);
        p.set("output", run.output);
        for (const auto& v : run.sweep) {
            if (v.number) {
                p.set("sweep." + v.key, std::stod(v.text));
            } else {
                p.set("sweep." + v.key, v.text);
            }
        }
        if (const auto* pops = r.find("populations")) {
            for (const auto& pop : pops->children) {
                const auto kind =
                    pop.scalars.empty() ? result_scalar{} : pop.scalars.front().second;
                if (std::get_if<std::string>(&kind) != nullptr &&
                    std::get<std::string>(kind) == "spiking") {
                    p.set("rate_hz." + pop.name, pop.number("rate_hz_mean"));
                }
            }
        }
        if (const auto* tw = r.find("twins")) {
            for (const auto& t : tw->children) {
                if (const auto* ag = t.find("agreement")) {
                    p.set("agreement." + t.name, ag->number("spearman"));
                    for (const auto& [k, v] : ag->scalars) {
                        if (k == "response") {
                            p.set("agreement_vs." + t.name, std::get<std::string>(v));
                        }
                    }
                }
            }
        }
        if (r.number("completed") == 0) {
            p.set("completed", std::int64_t(0));  // a column only when some run is incomplete
        }
    }
    return table;
}

std::string format_batch_table(const result_node& table) {
    const auto* points = table.find("points");
    std::string out;
    if (points == nullptr || points->children.empty()) {
        return "no successful runs in the batch\n";
    }
    // Columns: every scalar key but `output`, in order of first appearance.
    std::vector<std::string> keys;
    for (const auto& p : points->children) {
        for (const auto& [k, v] : p.scalars) {
            if (k != "output" && !k.starts_with("agreement_vs.") &&
                std::find(keys.begin(), keys.end(), k) == keys.end()) {
                keys.push_back(k);
            }
        }
    }
    const auto header = [](const std::string& k) {
        if (k.starts_with("sweep.")) {
            return k.substr(k.rfind('.') + 1);  // the last segment, as in run names
        }
        if (k.starts_with("rate_hz.")) {
            return k.substr(8) + " [Hz]";
        }
        if (k.starts_with("agreement.")) {
            return k.substr(10) + " rho";
        }
        return k;
    };
    const auto cell = [](const result_node& p, const std::string& k) -> std::string {
        for (const auto& [k2, v] : p.scalars) {
            if (k2 != k) {
                continue;
            }
            if (const auto* s = std::get_if<std::string>(&v)) {
                return *s;
            }
            if (const auto* i = std::get_if<std::int64_t>(&v)) {
                return std::to_string(*i);
            }
            const double d = std::get<double>(v);
            std::string text = std::isnan(d) ? "n/a" : fmt::format("{:.4g}", d);
            if (k.starts_with("agreement.")) {
                for (const auto& [k3, v3] : p.scalars) {
                    if (k3 == "agreement_vs." + k.substr(10) &&
                        std::get<std::string>(v3) == "V_m") {
                        text += " (V_m)";
                    }
                }
            }
            return text;
        }
        return "-";
    };
    std::size_t name_w = 3;
    std::vector<std::size_t> w;
    for (const auto& k : keys) {
        w.push_back(header(k).size());
    }
    for (const auto& p : points->children) {
        name_w = std::max(name_w, p.name.size());
        for (std::size_t c = 0; c < keys.size(); ++c) {
            w[c] = std::max(w[c], cell(p, keys[c]).size());
        }
    }
    out += fmt::format("{:<{}}", "run", name_w);
    for (std::size_t c = 0; c < keys.size(); ++c) {
        out += fmt::format("  {:>{}}", header(keys[c]), w[c]);
    }
    out += '\n';
    for (const auto& p : points->children) {
        out += fmt::format("{:<{}}", p.name, name_w);
        for (std::size_t c = 0; c < keys.size(); ++c) {
            out += fmt::format("  {:>{}}", cell(p, keys[c]), w[c]);
        }
        out += '\n';
    }
    out +=
        "rates: mean over neurons (Hz); rho: Spearman of activation against rate across pairs "
        "((V_m): against mean soma V_m, the cell never fires)\n";
    return out;
}

}  // namespace neurotwin::analysis
