// SPDX-License-Identifier: BSD-3-Clause
// A tree of analysis results (scalars, numeric arrays, sub-trees), in insertion order. The
// same tree becomes the /analysis group of an HDF5 file (scalars as attributes, arrays as
// datasets, sub-trees as groups) or JSON, so the two outputs cannot drift apart.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace neurotwin::analysis {

using result_scalar = std::variant<double, std::int64_t, std::string>;

struct result_node {
    std::string name;
    std::vector<std::pair<std::string, result_scalar>> scalars;
    std::vector<std::pair<std::string, std::vector<double>>> arrays;
    std::vector<result_node> children;

    void set(const std::string& key, double v) { scalars.emplace_back(key, v); }
    void set(const std::string& key, std::int64_t v) { scalars.emplace_back(key, v); }
    void set(const std::string& key, std::uint64_t v) {
        scalars.emplace_back(key, static_cast<std::int64_t>(v));
    }
    void set(const std::string& key, std::string v) { scalars.emplace_back(key, std::move(v)); }
    void set(const std::string& key, const char* v) { scalars.emplace_back(key, std::string(v)); }
    void set_array(const std::string& key, std::vector<double> v) {
        arrays.emplace_back(key, std::move(v));
    }
    // A new child (the reference stays valid until the next call of child()).
    result_node& child(const std::string& key) {
        children.push_back(result_node{key, {}, {}, {}});
        return children.back();
    }
    const result_node* find(const std::string& key) const;
    // Scalar by name; NaN when absent or not numeric.
    double number(const std::string& key) const;
    // String scalar by name; "" when absent or not a string.
    std::string text(const std::string& key) const;
};

// JSON: objects for nodes, NaN and infinities as null.
void write_json(const result_node& node, std::ostream& out, int indent = 0);
std::string json_string(const std::string& s);  // quoted and escaped

}  // namespace neurotwin::analysis
