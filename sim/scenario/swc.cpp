// SPDX-License-Identifier: BSD-3-Clause
// SWC reader (see swc.hpp). Two passes over plain arrays: the first parses and checks every
// line (parents come first in SWC, so each parent is known when its child is read); the
// second, run only on a valid file, groups points into sections and measures them.
#include "sim/scenario/swc.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace neurotwin {

namespace {

enum class region { soma, axon, dend, apic };

constexpr std::array<const char*, 4> region_names{"soma", "axon", "dend", "apic"};

region region_of(std::int64_t type) {
    switch (type) {
        case 1:
            return region::soma;
        case 2:
            return region::axon;
        case 4:
            return region::apic;
        default:
            return region::dend;  // 3, and 0 / >= 5 by convention (see header)
    }
}

// Far more compartments than any cell needs; guards the int nseg against absurd coordinates.
constexpr double max_nseg = 1e6;

struct point {
    std::int64_t id = 0;
    std::int64_t type = 0;
    double x = 0.0, y = 0.0, z = 0.0, r = 0.0;  // [um]
    std::int64_t parent_id = -1;
    int parent = -1;  // index into the point array, -1 for the root
    int line = 0;
    int type_column = 0;
    int x_column = 0;
    bool valid = true;  // every field parsed and checked; only then is it used
};

struct field {
    std::string_view text;
    int column = 0;  // 1-based
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// from_chars rejects a leading '+', which some writers emit; accept exactly one.
std::string_view strip_plus(std::string_view s) {
    if (s.size() > 1 && s[0] == '+' && s[1] != '+' && s[1] != '-') {
        s.remove_prefix(1);
    }
    return s;
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
    s = strip_plus(s);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

std::optional<double> parse_real(std::string_view s) {
    s = strip_plus(s);
    double v = 0.0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    // "nan" and "inf" parse, but no length or position can be either.
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
        return std::nullopt;
    }
    return v;
}

double distance(const point& a, const point& b) {
    const double dx = b.x - a.x, dy = b.y - a.y, dz = b.z - a.z;
    return std::sqrt(dx * dx + dy * dy + dz * dz);  // [um]
}

// nseg = max(1, ceil(L / segment_length)), made odd (header).
int compartments(double length, double segment_length) {
    double n = std::max(1.0, std::ceil(length / segment_length));
    if (std::fmod(n, 2.0) == 0.0) {
        n += 1.0;
    }
    return static_cast<int>(n);
}

// Pass 1: the points of `text`, in file order, with every problem in `diags`.
std::vector<point> parse_points(std::string_view text, const std::string& file,
                                diagnostics_list& diags) {
    std::vector<point> points;
    std::unordered_map<std::int64_t, int> index_of_id;  // only ids that parsed
    int root_line = 0;
    bool any_data_line = false;

    // A UTF-8 byte order mark is not part of the first field.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
        text.remove_prefix(3);
    }

    std::vector<field> fields;
    int line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        ++line_no;
        const auto eol = text.find('\n', pos);
        auto line =
            text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        pos = eol == std::string_view::npos ? text.size() : eol + 1;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }

        fields.clear();
        for (std::size_t i = 0; i < line.size();) {
            if (is_space(line[i])) {
                ++i;
                continue;
            }
            const auto start = i;
            while (i < line.size() && !is_space(line[i])) {
                ++i;
            }
            fields.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
        }
        if (fields.empty()) {
            continue;
        }
        any_data_line = true;
        const auto at = [&](int column) { return source_pos{file, line_no, column}; };

        if (fields.size() != 7) {
            // Point at the first extra field, or just past the last one for a missing field.
            const int column = fields.size() > 7 ? fields[7].column
                                                 : fields.back().column +
                                                       static_cast<int>(fields.back().text.size());
            diags.add(at(column),
                      fmt::format("expected 7 fields (id type x y z radius parent), found {}",
                                  fields.size()));
            continue;
        }

        point p;
        p.line = line_no;
        p.type_column = fields[1].column;
        p.x_column = fields[2].column;

        const auto integer = [&](const field& f, const char* what) -> std::optional<std::int64_t> {
            auto v = parse_integer(f.text);
            if (!v) {
                diags.add(at(f.column),
                          fmt::format("field '{}': expected an integer, found '{}'", what, f.text));
            }
            return v;
        };
        const auto real = [&](const field& f, const char* what) -> std::optional<double> {
            auto v = parse_real(f.text);
            if (!v) {
                diags.add(at(f.column),
                          fmt::format("field '{}': expected a number, found '{}'", what, f.text));
            }
            return v;
        };

        const auto id = integer(fields[0], "id");
        const auto type = integer(fields[1], "type");
        const auto x = real(fields[2], "x");
        const auto y = real(fields[3], "y");
        const auto z = real(fields[4], "z");
        const auto r = real(fields[5], "radius");
        const auto parent = integer(fields[6], "parent");
        p.valid = id && type && x && y && z && r && parent;

        if (id && *id < 0) {
            diags.add(at(fields[0].column),
                      fmt::format("field 'id': expected a non-negative integer, found {}", *id));
            p.valid = false;
        }
        if (type && *type < 0) {
            diags.add(at(fields[1].column),
                      fmt::format("field 'type': expected a structure type >= 0 (1 soma, "
                                  "2 axon, 3 basal dendrite, 4 apical dendrite), found {}",
                                  *type));
            p.valid = false;
        }
        if (r && *r <= 0.0) {
            diags.add(at(fields[5].column),
                      fmt::format("field 'radius': expected a positive radius (um), found {}",
                                  fields[5].text));
            p.valid = false;
        }

        if (parent) {
            if (*parent == -1) {
                if (root_line == 0) {
                    root_line = line_no;
                } else {
                    diags.add(at(fields[6].column),
                              fmt::format("a second root (parent -1); expected one connected "
                                          "cell, whose root is on line {}",
                                          root_line));
                    p.valid = false;
                }
            } else if (*parent < 0) {
                diags.add(at(fields[6].column),
                          fmt::format("field 'parent': expected -1 (root) or the id of an "
                                      "earlier point, found {}",
                                      *parent));
                p.valid = false;
            } else if (id && *parent == *id) {
                diags.add(at(fields[6].column),
                          fmt::format("point {} is its own parent; expected the id of an "
                                      "earlier point or -1",
                                      *id));
                p.valid = false;
            } else if (const auto it = index_of_id.find(*parent); it == index_of_id.end()) {
                diags.add(at(fields[6].column),
                          fmt::format("parent {} is not defined on an earlier line; expected "
                                      "the id of an earlier point (SWC lists every parent "
                                      "before its children)",
                                      *parent));
                p.valid = false;
            } else {
                p.parent = it->second;
            }
        }

        if (id && *id >= 0) {
            const auto [it, inserted] = index_of_id.emplace(*id, static_cast<int>(points.size()));
            if (!inserted) {
                diags.add(at(fields[0].column),
                          fmt::format("id {} is already defined on line {}; expected unique ids",
                                      *id, points[static_cast<std::size_t>(it->second)].line));
                p.valid = false;
            }
        }

        // A point with a bad field is kept (its id registered) so that its children are not
        // reported as orphans too; the file is rejected anyway.
        p.id = id.value_or(0);
        p.type = type.value_or(0);
        p.x = x.value_or(0.0);
        p.y = y.value_or(0.0);
        p.z = z.value_or(0.0);
        p.r = r.value_or(0.0);
        p.parent_id = parent.value_or(-1);
        points.push_back(p);
    }

    if (!any_data_line) {
        // Positioned at line 1, so that editors and the message style (file:line:col) find it.
        const bool empty = text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
        diags.add(source_pos{file, 1, 1},
                  fmt::format("no points ({}); expected lines 'id type x y z radius parent'",
                              empty ? "empty file" : "only comments and blank lines"));
    }
    return points;
}

// One neurite section under construction.
struct run {
    region reg = region::dend;
    int attach = -1;          // the point it hangs from (-1: it holds the root)
    std::vector<int> points;  // in file order, which is path order (each is its
                              // predecessor's only child)
};

}  // namespace

morphology_desc parse_swc(const std::string& text, const std::string& file_name,
                          const std::string& name, const swc_options& opt) {
    if (!(opt.segment_length > 0.0) || !std::isfinite(opt.segment_length)) {
        throw internal_error(fmt::format(
            "swc_options::segment_length must be a positive length, got {} (please report)",
            opt.segment_length));
    }

    diagnostics_list diags;
    const auto points = parse_points(text, file_name, diags);
    const auto n = points.size();

    bool has_soma = false;
    int root = -1;
    for (std::size_t i = 0; i < n; ++i) {
        has_soma = has_soma || (points[i].valid && points[i].type == 1);
        if (points[i].valid && points[i].parent_id == -1 && root < 0) {
            root = static_cast<int>(i);
        }
    }
    if (has_soma && root >= 0 && points[static_cast<std::size_t>(root)].type != 1) {
        // NOTE: turning the tree around to hang it from the soma would reverse sections;
        // reconstructions start at the soma, so a file that does not is rejected instead.
        const auto& p = points[static_cast<std::size_t>(root)];
        diags.add(source_pos{file_name, p.line, p.type_column},
                  fmt::format("the root point (parent -1) has type {}, but the file has soma "
                              "points; expected the root to be a soma point (type 1)",
                              p.type));
    }
    diags.throw_if_any();

    // Pass 2: every point is valid and every parent index is earlier than its child.
    std::vector<int> children(n, 0);
    for (const auto& p : points) {
        if (p.parent >= 0) {
            ++children[static_cast<std::size_t>(p.parent)];
        }
    }

    std::vector<region> reg(n);
    for (std::size_t i = 0; i < n; ++i) {
        reg[i] = region_of(points[i].type);
    }

    std::vector<run> runs;
    std::vector<int> run_of(n, -1);  // -1 for soma points
    std::vector<int> soma_points;
    for (std::size_t i = 0; i < n; ++i) {
        if (reg[i] == region::soma) {
            soma_points.push_back(static_cast<int>(i));
            continue;
        }
        const int parent = points[i].parent;
        const auto pi = static_cast<std::size_t>(parent);
        const bool starts =
            parent < 0 || reg[pi] == region::soma || children[pi] >= 2 || reg[pi] != reg[i];
        if (starts) {
            runs.push_back({reg[i], parent, {static_cast<int>(i)}});
            run_of[i] = static_cast<int>(runs.size()) - 1;
        } else {
            run_of[i] = run_of[pi];
            runs[static_cast<std::size_t>(run_of[i])].points.push_back(static_cast<int>(i));
        }
    }

    morphology_desc m;
    m.name = name;
    m.swc_file = file_name;
    m.where = source_pos{file_name, 0, 0};

    const auto props_of = [&](region r) -> const section_props& {
        switch (r) {
            case region::soma:
                return opt.soma;
            case region::axon:
                return opt.axon;
            case region::apic:
                return opt.apic;
            default:
                return opt.dend;
        }
    };
    const auto set_nseg = [&](section_desc& s, const point& first) {
        if (s.length / opt.segment_length > max_nseg) {
            diags.add(source_pos{file_name, first.line, first.x_column},
                      fmt::format("section '{}' is {} um long, which needs more than {} "
                                  "compartments of {} um; expected a shorter section",
                                  s.name, s.length, max_nseg, opt.segment_length));
            return;
        }
        s.nseg = compartments(s.length, opt.segment_length);
    };

    if (has_soma) {
        section_desc s;
        s.name = "soma";
        double diam_sum = 0.0;
        double length = 0.0;
        for (const int i : soma_points) {
            const auto& p = points[static_cast<std::size_t>(i)];
            diam_sum += 2.0 * p.r;  // [um]
            if (p.parent >= 0 && reg[static_cast<std::size_t>(p.parent)] == region::soma) {
                length += distance(points[static_cast<std::size_t>(p.parent)], p);
            }
        }
        s.diam = diam_sum / static_cast<double>(soma_points.size());
        // A single-point soma is a sphere of radius r; the cylinder L = diam = 2r has its
        // lateral area (NEURON's convention).
        s.length = length > 0.0 ? length : s.diam;
        s.props = opt.soma;
        const auto& first = points[static_cast<std::size_t>(soma_points.front())];
        s.where = source_pos{file_name, first.line, 1};
        set_nseg(s, first);
        m.sections.push_back(std::move(s));
    }

    std::array<int, 4> count{};
    m.sections.reserve(m.sections.size() + runs.size());
    for (const auto& rn : runs) {
        section_desc s;
        const auto r = static_cast<std::size_t>(rn.reg);
        s.name = fmt::format("{}[{}]", region_names[r], count[r]++);
        const auto& first = points[static_cast<std::size_t>(rn.points.front())];
        s.where = source_pos{file_name, first.line, 1};
        s.props = props_of(rn.reg);

        if (rn.attach < 0) {
            s.parent = "";
        } else if (reg[static_cast<std::size_t>(rn.attach)] == region::soma) {
            s.parent = "soma";
            s.parent_x = 0.5;
        } else {
            // The attach point ends its section: it is a branch point or the last point of
            // its region, so the child hangs at the parent's 1 end.
            const int parent_run = run_of[static_cast<std::size_t>(rn.attach)];
            s.parent = m.sections[static_cast<std::size_t>(parent_run + (has_soma ? 1 : 0))].name;
            s.parent_x = 1.0;
        }

        // The path: the point it attaches to, then its own points. Children of a
        // single-point soma start at their own first point instead (the soma centre lies
        // inside the soma's sphere), unless that would leave them a single point; a path
        // from a soma point takes the neurite's own radius there (the soma's radius describes
        // the soma). Import3D does the same (header).
        int from = rn.attach;
        if (from >= 0 && reg[static_cast<std::size_t>(from)] == region::soma &&
            soma_points.size() == 1 && rn.points.size() >= 2) {
            from = -1;
        }
        std::vector<pt3d> path;
        path.reserve(rn.points.size() + 1);
        const point* prev = nullptr;
        double length = 0.0;    // [um]
        double weighted = 0.0;  // [um^2] sum of piece length * mean piece diameter
        const auto add = [&](const point& p, double radius) {
            if (prev != nullptr) {
                const double len = distance(*prev, p);
                length += len;
                weighted += len * (path.back().diam + 2.0 * radius) / 2.0;
            }
            path.push_back({length, 2.0 * radius});
            prev = &p;
        };
        if (from >= 0) {
            const auto& a = points[static_cast<std::size_t>(from)];
            add(a, reg[static_cast<std::size_t>(from)] == region::soma ? first.r : a.r);
        }
        for (const int i : rn.points) {
            const auto& b = points[static_cast<std::size_t>(i)];
            add(b, b.r);
        }
        if (!(length > 0.0)) {
            diags.add(source_pos{file_name, first.line, first.x_column},
                      fmt::format("section '{}' has zero length: its points coincide with the "
                                  "point it starts from; expected points that are apart",
                                  s.name));
        } else {
            s.length = length;
            s.diam = weighted / length;
            s.points = std::move(path);
            set_nseg(s, first);
        }
        m.sections.push_back(std::move(s));
    }
    diags.throw_if_any();
    return m;
}

morphology_desc read_swc(const std::string& path, const std::string& name, const swc_options& opt) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw io_error(fmt::format("cannot read SWC file '{}': it is a directory", path));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw io_error(fmt::format("cannot open SWC file '{}': {}", path, std::strerror(errno)));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw io_error(fmt::format("cannot read SWC file '{}': {}", path, std::strerror(errno)));
    }
    return parse_swc(buffer.str(), path, name, opt);
}

}  // namespace neurotwin
