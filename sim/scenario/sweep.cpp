// SPDX-License-Identifier: BSD-3-Clause
// Sweep expansion (see sweep.hpp). toml++ locates every swept value in the original text;
// the text itself is then edited, so that a point is the user's file with a few values
// changed, not a re-serialisation (which would lose comments, key order and the spelling of
// numbers, and move every line).
#include "sim/scenario/sweep.hpp"
#include "sim/scenario/schema.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace neurotwin {

namespace {

using namespace std::string_view_literals;

// The sections a sweep key may start with: the schema's top-level sections but
// [[morphology]] (a cell's shape is swept through the population's `morphology` name).
const std::vector<std::string> sections = [] {
    auto s = top_level_sections();
    s.erase(std::find(s.begin(), s.end(), "morphology"));
    return s;
}();

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) {
            return out;
        }
        start = end + 1;
    }
}

std::string join(const std::vector<std::string>& parts, std::size_t first, std::size_t last,
                 const char* sep = ".") {
    std::string out;
    for (std::size_t i = first; i < last; ++i) {
        out += (i > first ? sep : "") + parts[i];
    }
    return out;
}

std::optional<std::size_t> index_of(const std::string& s) {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(std::stoul(s));
}

bool is_bare_key(const std::string& k) {
    return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

std::string toml_key(const std::vector<std::string>& segments) {
    std::string out;
    for (const auto& s : segments) {
        out += (out.empty() ? "" : ".") + (is_bare_key(s) ? s : fmt::format("\"{}\"", s));
    }
    return out;
}

// The original text as lines (without '\n'), addressed by toml++ positions (1-based line,
// 1-based column counted in code points).
class text_lines {
public:
    explicit text_lines(const std::string& text) : lines_(split(text, '\n')) {}
    std::vector<std::string>& lines() { return lines_; }
    const std::string& line(std::size_t l) const { return lines_.at(l - 1); }
    // Byte offset in its line of a (line, column) position.
    std::size_t byte(std::size_t l, std::size_t column) const {
        const auto& s = line(l);
        std::size_t b = 0;
        for (std::size_t c = 1; c < column && b < s.size(); ++c) {
            ++b;
            while (b < s.size() && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) {
                ++b;  // continuation bytes of a multi-byte code point
            }
        }
        return b;
    }
    char at(const toml::source_position& p) const {
        if (p.line == 0 || p.line > lines_.size()) {
            return '\0';
        }
        const auto& s = line(p.line);
        const auto b = byte(p.line, p.column);
        return b < s.size() ? s[b] : '\0';
    }
    std::string slice(const toml::source_region& r) const {
        const auto& s = line(r.begin.line);
        const auto b = byte(r.begin.line, r.begin.column);
        const auto e = byte(r.begin.line, r.end.column);
        return s.substr(b, e - b);
    }
    std::string join() const {
        std::string out;
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            out += (i > 0 ? "\n" : "") + lines_[i];
        }
        return out;
    }

private:
    std::vector<std::string> lines_;
};

int code_points(const std::string& s) {
    return static_cast<int>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Where a swept key's value goes.
struct target {
    const toml::node* existing = nullptr;  // replace this value
    // or insert `rest = value` into `table` (inline: after its '{'; header: after its line;
    // root: before line 1)
    const toml::table* table = nullptr;
    bool inline_table = false;
    bool root = false;
    std::vector<std::string> rest;
    std::string canonical;  // "population[0].params.tau_m": to find duplicates and overlaps
};

// One key of [sweep] with its values.
struct sweep_key {
    std::string key;
    source_pos where;
    const toml::array* values = nullptr;
    target to;
    std::string label;
};

class expander {
public:
    expander(const std::string& text, std::string file)
        : text_(text), file_(std::move(file)), lines_(text) {}

    sweep_plan run();

private:
    source_pos pos(const toml::source_region& r) const {
        return {file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
    }
    void error(const source_pos& at, std::string message) { diags_.add(at, std::move(message)); }

    void collect(const toml::table& t, const std::string& prefix);
    std::optional<target> resolve(const sweep_key& k);
    std::string value_text(const toml::node& v) const;
    sweep_value make_value(const sweep_key& k, const toml::node& v, std::size_t index) const;
    sweep_point make_point(const std::vector<std::size_t>& choice, std::size_t n_sweep_lines);

    const std::string& text_;
    std::string file_;
    text_lines lines_;
    toml::table root_;
    diagnostics_list diags_;
    std::vector<sweep_key> keys_;
    std::size_t sweep_first_ = 0, sweep_last_ = 0;  // lines of the [sweep] block
};

void expander::collect(const toml::table& t, const std::string& prefix) {
    for (auto&& [k, v] : t) {
        const std::string key = prefix + std::string(k.str());
        if (prefix.empty() && key == "mode") {
            continue;
        }
        if (const auto* sub = v.as_table(); sub != nullptr && !sub->is_inline()) {
            collect(*sub, key + ".");  // dotted keys: [sweep] population.exc.x = [...]
            continue;
        }
        const auto* list = v.as_array();
        if (list == nullptr) {
            error(pos(v.source()),
                  fmt::format("[sweep] '{}': expected a list of values, e.g. [10.0, 20.0]", key));
            continue;
        }
        if (list->empty()) {
            error(pos(v.source()), fmt::format("[sweep] '{}': expected at least one value, "
                                               "found an empty list",
                                               key));
            continue;
        }
        keys_.push_back({key, pos(k.source()), list, {}, {}});
    }
}

std::optional<target> expander::resolve(const sweep_key& k) {
    const auto seg = split(k.key, '.');
    const auto fail = [&](const std::string& why) {
        error(k.where, fmt::format("[sweep] '{}': {}", k.key, why));
        return std::nullopt;
    };
    if (std::find(sections.begin(), sections.end(), seg[0]) == sections.end()) {
        const auto best = closest_match(seg[0], sections);
        return fail(fmt::format("unknown section '{}'{}", seg[0],
                                best.empty() ? fmt::format("; expected one of {}",
                                                           join(sections, 0, sections.size(), ", "))
                                             : fmt::format("; did you mean '{}'?", best)));
    }
    target t;
    // Tables from the root down to the current one; an insertion climbs back up to the
    // nearest table that has a header or braces.
    std::vector<std::pair<const toml::table*, std::string>> stack{{&root_, ""}};
    std::size_t next = 1;
    if (seg[0] == "simulation") {
        stack.push_back({nullptr, "simulation"});
        t.canonical = "simulation";
    } else {
        const auto* arr = root_[seg[0]].as_array();
        std::vector<std::string> names;
        std::size_t found = 0;
        std::size_t used = 0;  // segments used by the element's name
        if (seg.size() < 2) {
            return fail(fmt::format("name an item: {}.<name or index>.<key>", seg[0]));
        }
        for (std::size_t i = 0; arr != nullptr && i < arr->size(); ++i) {
            const auto* el = arr->get(i)->as_table();
            if (el == nullptr) {
                continue;
            }
            std::string name;
            if (seg[0] == "projection") {
                name = fmt::format("{}->{}",
                                   el->get("source") ? el->get("source")->value_or(""sv) : ""sv,
                                   el->get("target") ? el->get("target")->value_or(""sv) : ""sv);
            } else if (const auto* n = el->get("name")) {
                name = std::string(n->value_or(""sv));
            }
            if (name.empty()) {
                continue;
            }
            names.push_back(name);
            // Names may contain dots (twin populations): match whole segments, longest first.
            const auto parts = split(name, '.');
            if (parts.size() + 1 < seg.size() &&
                std::equal(parts.begin(), parts.end(), seg.begin() + 1) && parts.size() > used) {
                if (used == parts.size()) {
                    return fail(
                        fmt::format("more than one [[{}]] is '{}'; use its index", seg[0], name));
                }
                used = parts.size();
                found = i;
            }
        }
        if (used == 0) {
            if (const auto i = index_of(seg[1])) {
                if (arr == nullptr || *i >= arr->size() || !arr->get(*i)->is_table()) {
                    return fail(
                        fmt::format("there is no [[{}]] number {} (counting from 0; the "
                                    "file has {})",
                                    seg[0], *i, arr != nullptr ? arr->size() : 0));
                }
                found = *i;
                used = 1;
            } else {
                const auto best = closest_match(seg[1], names);
                return fail(fmt::format(
                    "no [[{}]] named '{}'{}", seg[0], seg[1],
                    !best.empty() ? fmt::format("; did you mean '{}'?", best)
                    : names.empty()
                        ? std::string()
                        : fmt::format("; the file has {}", join(names, 0, names.size(), ", "))));
            }
        }
        if (seg.size() <= 1 + used) {
            return fail(fmt::format("names a whole [[{}]]; add the key to sweep", seg[0]));
        }
        stack.push_back({arr->get(found)->as_table(), seg[0]});
        t.canonical = fmt::format("{}[{}]", seg[0], found);
        next = 1 + used;
    }
    // seg[next..] within the current table; stack.back().first may be null (missing table).
    const toml::node* node = stack.back().first;
    if (seg[0] == "simulation") {
        node = root_.get("simulation");
        stack.back().first = node != nullptr ? node->as_table() : nullptr;
        if (node != nullptr && stack.back().first == nullptr) {
            return fail("[simulation] is not a table");
        }
    }
    std::size_t i = next;
    for (; i < seg.size() && node != nullptr; ++i) {
        if (const auto* tbl = node->as_table()) {
            const auto* child = tbl->get(seg[i]);
            t.canonical += "." + seg[i];
            if (child == nullptr) {
                break;
            }
            node = child;
            if (const auto* ct = child->as_table()) {
                stack.push_back({ct, seg[i]});
            }
        } else if (const auto* arr = node->as_array()) {
            const auto idx = index_of(seg[i]);
            if (!idx || *idx >= arr->size()) {
                return fail(
                    fmt::format("'{}' is a list of {} items: expected an index from 0 "
                                "to {}, found '{}'",
                                join(seg, 0, i), arr->size(), arr->size() - 1, seg[i]));
            }
            t.canonical += "." + seg[i];
            node = arr->get(*idx);
            if (const auto* ct = node->as_table()) {
                // A table inside an array is always inline: insertions go after its '{'.
                stack.push_back({ct, seg[i]});
            }
        } else {
            return fail(fmt::format("'{}' is a single value, not a table", join(seg, 0, i)));
        }
    }
    if (node != nullptr && i == seg.size()) {
        if (const auto* tbl = node->as_table(); tbl != nullptr && !tbl->is_inline()) {
            return fail("names a table section; sweep the keys inside it");
        }
        t.existing = node;
        return t;
    }
    // Missing from here on: seg[i..] (or, when even the current table is missing, more).
    t.rest.assign(seg.begin() + static_cast<std::ptrdiff_t>(i), seg.end());
    if (node == nullptr) {
        // Only [simulation] can be missing as a whole (items are found by name or index).
        t.rest.insert(t.rest.begin(), "simulation");
        stack.pop_back();
    }
    if (t.rest.empty()) {
        return fail("cannot be set");
    }
    // Climb to a table with braces (insert after '{'), a header (insert below it) or the root.
    while (true) {
        const auto* tbl = stack.back().first;
        if (tbl == &root_) {
            t.root = true;
            t.table = tbl;
            break;
        }
        if (tbl->is_inline() || lines_.at(tbl->source().begin) == '[') {
            t.table = tbl;
            t.inline_table = tbl->is_inline();
            break;
        }
        t.rest.insert(t.rest.begin(), stack.back().second);  // a dotted-key table
        stack.pop_back();
    }
    return t;
}

std::string expander::value_text(const toml::node& v) const {
    const auto& r = v.source();
    if (r.begin.line == r.end.line && r.begin.line > 0) {
        return lines_.slice(r);
    }
    std::ostringstream os;  // spans lines (an array written over several): one line instead
    v.visit([&](const auto& x) { os << x; });
    return os.str();
}

sweep_value expander::make_value(const sweep_key& k, const toml::node& v, std::size_t index) const {
    sweep_value s;
    s.key = k.key;
    s.label = k.label;
    s.toml = value_text(v);
    s.where = k.where;
    if (const auto* x = v.as_integer()) {
        s.t = sweep_value::type::integer;
        s.number = static_cast<double>(x->get());
    } else if (const auto* f = v.as_floating_point()) {
        s.t = sweep_value::type::real;
        s.number = f->get();
    } else if (const auto* b = v.as_boolean()) {
        s.t = sweep_value::type::boolean;
        s.number = b->get() ? 1.0 : 0.0;
    } else if (const auto* str = v.as_string()) {
        s.t = sweep_value::type::string;
        s.text = str->get();
    } else {
        s.t = sweep_value::type::other;
        s.text = s.toml;
    }
    (void)index;
    return s;
}

// A file-name-safe label of a value: strings and numbers as written, lists and tables by
// their position in the list ("v2").
std::string value_label(const sweep_value& v, std::size_t index) {
    std::string raw = v.t == sweep_value::type::string  ? v.text
                      : v.t == sweep_value::type::other ? fmt::format("v{}", index + 1)
                                                        : v.toml;
    std::string out;
    for (const char c : raw) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
            c == '_') {
            out += c;
        } else if (c != ' ' && c != '\'' && c != '"') {
            out += '_';
        }
    }
    if (out.size() > 40) {
        out.resize(40);
    }
    return out.empty() ? fmt::format("v{}", index + 1) : out;
}

sweep_point expander::make_point(const std::vector<std::size_t>& choice,
                                 std::size_t n_sweep_lines) {
    sweep_point p;
    text_lines out(text_);
    auto& lines = out.lines();
    // [sweep] block -> comments (keeps the line numbers).
    for (std::size_t l = sweep_first_; l < sweep_first_ + n_sweep_lines; ++l) {
        lines[l - 1] = "# " + lines[l - 1];
    }
    struct inline_edit {
        std::size_t line, byte;
        int column;
        std::size_t old_bytes;
        int old_columns;
        std::string text;
        std::size_t value;
    };
    std::vector<inline_edit> inl;
    std::map<std::size_t, std::vector<std::pair<std::string, std::size_t>>> inserted;
    for (std::size_t k = 0; k < keys_.size(); ++k) {
        const auto& key = keys_[k];
        const auto& node = *key.values->get(choice[k]);
        p.values.push_back(make_value(key, node, choice[k]));
        const auto& val = p.values.back();
        const auto& to = key.to;
        if (to.existing != nullptr) {
            const auto& r = to.existing->source();
            const auto b = lines_.byte(r.begin.line, r.begin.column);
            if (r.end.line == r.begin.line) {
                const auto e = lines_.byte(r.begin.line, r.end.column);
                inl.push_back({r.begin.line, b, static_cast<int>(r.begin.column), e - b,
                               static_cast<int>(r.end.column - r.begin.column), val.toml, k});
            } else {
                // A value over several lines: the new one on the first, the others emptied
                // except for what follows the old value, so that line numbers stay.
                const auto& first = lines_.line(r.begin.line);
                inl.push_back({r.begin.line, b, static_cast<int>(r.begin.column), first.size() - b,
                               code_points(first.substr(b)), val.toml, k});
                for (auto l = r.begin.line + 1; l < r.end.line; ++l) {
                    lines[l - 1].clear();
                }
                lines[r.end.line - 1] =
                    lines_.line(r.end.line).substr(lines_.byte(r.end.line, r.end.column));
            }
        } else if (to.inline_table) {
            const auto& r = to.table->source();
            const bool empty = to.table->empty();
            inl.push_back(
                {r.begin.line, lines_.byte(r.begin.line, r.begin.column) + 1,
                 static_cast<int>(r.begin.column) + 1, 0, 0,
                 fmt::format(" {} = {}{}", toml_key(to.rest), val.toml, empty ? " " : ","), k});
        } else {
            const std::size_t before = to.root ? 1 : to.table->source().end.line + 1;
            inserted[before].push_back({fmt::format("{} = {}", toml_key(to.rest), val.toml), k});
        }
    }
    // Inline edits from the right, so that earlier byte offsets stay valid.
    std::sort(inl.begin(), inl.end(), [](const auto& a, const auto& b) {
        return a.line != b.line ? a.line > b.line : a.byte > b.byte;
    });
    for (const auto& e : inl) {
        lines[e.line - 1].replace(e.byte, e.old_bytes, e.text);
        p.edits.push_back({static_cast<int>(e.line), e.column, code_points(e.text), e.old_columns,
                           false, e.value});
    }
    // Whole lines, from the bottom up; their edits record the original line they precede.
    for (auto it = inserted.rbegin(); it != inserted.rend(); ++it) {
        std::vector<std::string> add;
        for (const auto& [text, value] : it->second) {
            add.push_back(text);
            p.edits.push_back({static_cast<int>(it->first), 1, code_points(text), 0, true, value});
        }
        lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(it->first - 1), add.begin(),
                     add.end());
    }
    p.text = out.join();
    return p;
}

sweep_plan expander::run() {
    sweep_plan plan;
    plan.file = file_;
    try {
        root_ = toml::parse(std::string_view(text_), std::string_view(file_));
    } catch (const toml::parse_error&) {
        // the loader's syntax error message (it stops at the syntax, before any model matters)
        (void)load_scenario_text(text_, file_, model_registry{});
        throw internal_error("sweep: toml++ and the loader disagree about the syntax");
    }
    const std::string stem = std::filesystem::path(file_).stem().string();
    const auto* node = root_.get("sweep");
    if (node == nullptr) {
        plan.points.push_back({stem, {}, text_, {}});
        return plan;
    }
    plan.is_sweep = true;
    plan.where = pos(node->source());
    const auto* sweep = node->as_table();
    if (sweep == nullptr || sweep->is_inline() || lines_.at(node->source().begin) != '[') {
        throw input_error(plan.where, "[sweep]: expected a table written as a [sweep] section");
    }
    plan.mode = "product";
    if (const auto* m = sweep->get("mode")) {
        const auto mode = m->value<std::string>();
        if (!mode || (*mode != "product" && *mode != "zip")) {
            error(pos(m->source()), "[sweep] mode: expected \"product\" or \"zip\"");
        } else {
            plan.mode = *mode;
        }
    }
    collect(*sweep, "");
    // toml++ tables iterate in key order; a sweep goes in the order of the file.
    std::stable_sort(keys_.begin(), keys_.end(), [](const sweep_key& a, const sweep_key& b) {
        return a.where.line != b.where.line ? a.where.line < b.where.line
                                            : a.where.column < b.where.column;
    });
    if (keys_.empty() && diags_.empty()) {
        error(plan.where,
              "[sweep]: expected at least one key with a list of values, e.g. "
              "\"population.exc.params.tau_m\" = [10.0, 20.0]");
    }
    // The block of lines [sweep] occupies; it must not enclose anything else.
    sweep_first_ = node->source().begin.line;
    sweep_last_ = node->source().end.line;
    const std::function<void(const toml::node&)> extend = [&](const toml::node& n) {
        sweep_last_ = std::max<std::size_t>(sweep_last_, n.source().end.line);
        if (const auto* t = n.as_table()) {
            for (auto&& [k, v] : *t) {
                extend(v);
            }
        } else if (const auto* a = n.as_array()) {
            for (const auto& v : *a) {
                extend(v);
            }
        }
    };
    extend(*node);
    for (auto&& [k, v] : root_) {
        const auto line = v.source().begin.line;
        if (k.str() != "sweep" && line > sweep_first_ && line <= sweep_last_) {
            error(pos(v.source()),
                  "[sweep] must be one block: move this section out of it "
                  "(after the last swept key)");
        }
    }
    std::set<std::string> seen;
    for (auto& k : keys_) {
        if (auto t = resolve(k)) {
            k.to = std::move(*t);
            for (const auto& s : seen) {
                if (s == k.to.canonical || k.to.canonical.starts_with(s + ".") ||
                    s.starts_with(k.to.canonical + ".")) {
                    error(k.where, fmt::format("[sweep] '{}': overlaps another swept key "
                                               "(both set {})",
                                               k.key, s));
                }
            }
            seen.insert(k.to.canonical);
        }
    }
    std::size_t n_points = 1;
    if (plan.mode == "zip") {
        for (const auto& k : keys_) {
            if (k.values->size() != keys_.front().values->size()) {
                error(k.where, fmt::format("[sweep] '{}': mode \"zip\" needs lists of equal "
                                           "length; '{}' has {} values, this one {}",
                                           k.key, keys_.front().key, keys_.front().values->size(),
                                           k.values->size()));
            }
        }
        n_points = keys_.empty() ? 0 : keys_.front().values->size();
    } else {
        // the product stops at the first key that takes it past the limit (16 keys of 16
        // values wrapped a size_t to 0 points)
        for (const auto& k : keys_) {
            if (n_points > max_sweep_points / k.values->size()) {
                error(k.where, fmt::format("[sweep] '{}': more than {} points (this key "
                                           "multiplies {} points by {} values); at most {} are "
                                           "allowed",
                                           k.key, max_sweep_points, n_points, k.values->size(),
                                           max_sweep_points));
                n_points = max_sweep_points + 1;
                break;
            }
            n_points *= k.values->size();
        }
    }
    if (n_points > max_sweep_points && plan.mode == "zip") {
        error(plan.where, fmt::format("[sweep]: {} points; at most {} are allowed", n_points,
                                      max_sweep_points));
    }
    diags_.throw_if_any();

    // Labels: the last segment of each key, lengthened where two keys would share one.
    std::vector<std::vector<std::string>> segs;
    std::vector<std::size_t> used(keys_.size(), 1);
    for (const auto& k : keys_) {
        segs.push_back(split(k.key, '.'));
    }
    for (bool again = true; again;) {
        again = false;
        for (auto& k : keys_) {
            const auto i = static_cast<std::size_t>(&k - keys_.data());
            k.label = join(segs[i], segs[i].size() - used[i], segs[i].size());
        }
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            for (std::size_t j = i + 1; j < keys_.size(); ++j) {
                if (keys_[i].label == keys_[j].label) {
                    used[i] = std::min(used[i] + 1, segs[i].size());
                    used[j] = std::min(used[j] + 1, segs[j].size());
                    again = true;
                }
            }
        }
    }

    const std::size_t n_sweep_lines = sweep_last_ - sweep_first_ + 1;
    std::vector<std::size_t> choice(keys_.size(), 0);
    std::map<std::string, int> names;
    for (std::size_t n = 0; n < n_points; ++n) {
        if (plan.mode == "zip") {
            std::fill(choice.begin(), choice.end(), n);
        }
        auto p = make_point(choice, n_sweep_lines);
        p.name = stem;
        for (std::size_t k = 0; k < keys_.size(); ++k) {
            p.name += fmt::format("__{}={}", keys_[k].label, value_label(p.values[k], choice[k]));
        }
        if (const int dup = names[p.name]++; dup > 0) {
            p.name += fmt::format("__p{}", n);  // values that sanitise to the same label
        }
        plan.points.push_back(std::move(p));
        if (plan.mode == "product") {
            // Odometer: the last key varies fastest.
            for (std::size_t k = keys_.size(); k-- > 0;) {
                if (++choice[k] < keys_[k].values->size()) {
                    break;
                }
                choice[k] = 0;
            }
        }
    }
    return plan;
}

}  // namespace

sweep_plan expand_sweep(const std::string& text, const std::string& file_name) {
    return expander(text, file_name).run();
}

sweep_plan expand_sweep_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw io_error(
            fmt::format("cannot open scenario file '{}': {}", path, std::strerror(errno)));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return expand_sweep(buffer.str(), path);
}

input_error remap_sweep_error(const input_error& e, const sweep_plan& plan,
                              const sweep_point& point) {
    if (!plan.is_sweep) {
        return e;
    }
    // Inserted lines in the order they appear in the point's text.
    std::vector<const detail::sweep_edit*> ins;
    for (const auto& ed : point.edits) {
        if (ed.new_line) {
            ins.push_back(&ed);
        }
    }
    std::stable_sort(ins.begin(), ins.end(),
                     [](const auto* a, const auto* b) { return a->line < b->line; });
    std::vector<diagnostic> out;
    for (auto d : e.diagnostics()) {
        const auto swept = [&](std::size_t value) {
            const auto& v = point.values.at(value);
            d.where = v.where;
            d.message =
                fmt::format("[sweep] '{}' = {} (run {}): {}", v.key, v.toml, point.name, d.message);
        };
        if (d.where.file != plan.file || d.where.line <= 0) {
            out.push_back(d);
            continue;
        }
        bool done = false;
        int shift = 0;
        for (std::size_t i = 0; i < ins.size(); ++i) {
            const int at = ins[i]->line + static_cast<int>(i);  // its line in the point's text
            if (d.where.line == at) {
                swept(ins[i]->value);
                done = true;
                break;
            }
            if (at < d.where.line) {
                ++shift;
            }
        }
        if (!done) {
            d.where.line -= shift;
            std::vector<const detail::sweep_edit*> on_line;
            for (const auto& ed : point.edits) {
                if (!ed.new_line && ed.line == d.where.line) {
                    on_line.push_back(&ed);
                }
            }
            std::sort(on_line.begin(), on_line.end(),
                      [](const auto* a, const auto* b) { return a->column < b->column; });
            int cshift = 0;
            for (const auto* ed : on_line) {
                const int start = ed->column + cshift;
                if (d.where.column < start) {
                    break;
                }
                if (d.where.column < start + ed->new_columns) {
                    swept(ed->value);
                    done = true;
                    break;
                }
                cshift += ed->new_columns - ed->old_columns;
            }
            if (!done) {
                d.where.column -= cshift;
            }
        }
        out.push_back(d);
    }
    std::stable_sort(out.begin(), out.end(), [](const diagnostic& a, const diagnostic& b) {
        return a.where.line != b.where.line ? a.where.line < b.where.line
                                            : a.where.column < b.where.column;
    });
    return input_error(std::move(out));
}

scenario_desc load_sweep_point(const sweep_plan& plan, const sweep_point& point,
                               const model_registry& models) {
    try {
        return load_scenario_text(point.text, plan.file, models);
    } catch (const input_error& e) {
        throw remap_sweep_error(e, plan, point);
    }
}

source_pos sweep_position(const std::string& text, const std::string& file_name) {
    try {
        const auto root = toml::parse(std::string_view(text), std::string_view(file_name));
        if (const auto* n = root.get("sweep")) {
            return {file_name, static_cast<int>(n->source().begin.line),
                    static_cast<int>(n->source().begin.column)};
        }
    } catch (const toml::parse_error&) {
        // the loader reports it
    }
    return {file_name, 0, 0};
}

}  // namespace neurotwin
