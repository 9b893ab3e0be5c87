// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/result.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <ostream>

namespace neurotwin::analysis {

const result_node* result_node::find(const std::string& key) const {
    for (const auto& c : children) {
        if (c.name == key) {
            return &c;
        }
    }
    return nullptr;
}

double result_node::number(const std::string& key) const {
    for (const auto& [k, v] : scalars) {
        if (k == key) {
            if (const auto* d = std::get_if<double>(&v)) {
                return *d;
            }
            if (const auto* i = std::get_if<std::int64_t>(&v)) {
                return static_cast<double>(*i);
            }
        }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

std::string result_node::text(const std::string& key) const {
    for (const auto& [k, v] : scalars) {
        if (k == key) {
            if (const auto* s = std::get_if<std::string>(&v)) {
                return *s;
            }
        }
    }
    return {};
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += fmt::format("\\u{:04x}", static_cast<int>(c));
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

namespace {
std::string json_number(double v) {
    // Shortest text that reads back to the same double; JSON has no NaN or infinity.
    return std::isfinite(v) ? fmt::format("{}", v) : "null";
}
}  // namespace

void write_json(const result_node& node, std::ostream& out, int indent) {
    const std::string pad(std::size_t(indent + 2), ' ');
    out << "{";
    bool first = true;
    const auto next = [&](const std::string& key) {
        out << (first ? "\n" : ",\n") << pad << json_string(key) << ": ";
        first = false;
    };
    for (const auto& [k, v] : node.scalars) {
        next(k);
        if (const auto* d = std::get_if<double>(&v)) {
            out << json_number(*d);
        } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
            out << *i;
        } else {
            out << json_string(std::get<std::string>(v));
        }
    }
    for (const auto& [k, a] : node.arrays) {
        next(k);
        out << "[";
        for (std::size_t i = 0; i < a.size(); ++i) {
            out << (i > 0 ? ", " : "") << json_number(a[i]);
        }
        out << "]";
    }
    for (const auto& c : node.children) {
        next(c.name);
        write_json(c, out, indent + 2);
    }
    if (!first) {
        out << '\n' << std::string(std::size_t(indent), ' ');
    }
    out << '}';
}

}  // namespace neurotwin::analysis
