// SPDX-License-Identifier: BSD-3-Clause
#include "sim/errors.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace neurotwin {

std::string format_pos(const source_pos& where) {
    if (where.line <= 0) {
        return where.file;
    }
    return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

std::string format_warning(const diagnostic& d) {
    const auto pos = format_pos(d.where);
    return (pos.empty() ? "warning: " : pos + ": warning: ") + d.message;
}

namespace {
std::string join(const std::vector<diagnostic>& diags) {
    std::string out;
    for (const auto& d : diags) {
        if (!out.empty()) {
            out += '\n';
        }
        const auto pos = format_pos(d.where);
        out += pos.empty() ? "error: " : pos + ": error: ";
        out += d.message;
    }
    return out;
}
}  // namespace

input_error::input_error(std::vector<diagnostic> diags)
    : std::runtime_error(join(diags)), diags_(std::move(diags)) {}

input_error::input_error(source_pos where, std::string message)
    : input_error(std::vector<diagnostic>{{std::move(where), std::move(message)}}) {}

void diagnostics_list::throw_if_any() {
    if (items_.empty()) {
        return;
    }
    std::stable_sort(items_.begin(), items_.end(), [](const diagnostic& a, const diagnostic& b) {
        if (a.where.line != b.where.line) {
            return a.where.line < b.where.line;
        }
        return a.where.column < b.where.column;
    });
    throw input_error(std::move(items_));
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}
}  // namespace

// Case does not count: "LIF" is 'lif' (distance 0), "Tau_M" is 'tau_m'.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    const auto lower = [](std::string s) {
        for (auto& ch : s) {
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        return s;
    };
    const auto w = lower(word);
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const auto d = edit_distance(w, lower(c));
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

}  // namespace neurotwin
