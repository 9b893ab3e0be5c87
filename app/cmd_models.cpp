// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin models`: every model of the registry with its parameters, units and defaults,
// printed from the same descriptors the loader validates against.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"

namespace nt = neurotwin;

namespace neurotwin::cli {

namespace {

// Default and valid values of a parameter row: a list parameter's default list and the
// description of its elements ("a list of positive durations (ms)").
std::string default_text(const nt::param_info& p, bool compact) {
    if (!p.is_list) {
        return fmt::format("{}", p.default_value);
    }
    auto text = nt::list_text(p.default_list);
    if (compact) {  // one word in the plain listing's column
        std::erase(text, ' ');
    }
    return text;
}

std::string valid_text(const nt::param_info& p) {
    return p.is_list ? p.valid.describe_list(p.dim) : p.valid.describe(p.dim);
}

// The model reference of README.md ("Models"); a test keeps the README in step with it.
void print_models_markdown() {
    for (const auto* m : nt::builtin_models().all()) {
        fmt::print("#### `{}` ({})\n\n{}\n\n", m->name, nt::kind_name(m->kind), m->summary);
        fmt::print("| parameter | unit | default | valid | meaning |\n|---|---|---|---|---|\n");
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("| `{}` | {} | {} | {} | {} |\n", p.name,
                       unit.empty() ? "-" : std::string(unit), default_text(p, false),
                       valid_text(p), p.meaning);
        }
        std::string vars;
        for (const auto& st : m->state) {
            const auto unit = nt::unit_symbol(st.dim);
            vars += fmt::format("{}`{}`{}", vars.empty() ? "" : ", ", st.name,
                                unit.empty() ? "" : fmt::format(" ({})", unit));
        }
        fmt::print("\nRecordable: {}{}.\n\n", vars,
                   m->kind == nt::model_kind::spiking ? ", spikes" : "");
    }
}

// The models named (all when none is), in the registry's order; an unknown name is an error
// with the closest model's name.
std::vector<const nt::model_info*> chosen(const std::vector<std::string>& names) {
    std::vector<std::string> known;
    for (const auto* m : nt::builtin_models().all()) {
        known.push_back(m->name);
    }
    for (const auto& n : names) {
        if (nt::builtin_models().find(n) == nullptr) {
            const auto best = nt::closest_match(n, known);
            throw nt::input_error(
                nt::source_pos{},
                fmt::format(
                    "models: unknown model '{}'{}", n,
                    best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best)));
        }
    }
    std::vector<const nt::model_info*> out;
    for (const auto* m : nt::builtin_models().all()) {
        if (names.empty() || std::find(names.begin(), names.end(), m->name) != names.end()) {
            out.push_back(m);
        }
    }
    return out;
}

void print_models(const std::vector<std::string>& names) {
    for (const auto* m : chosen(names)) {
        fmt::print("{} ({}): {}\n", m->name, nt::kind_name(m->kind), m->summary);
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("    {:<12} {:>10} {:<7} {:<36} {}\n", p.name, default_text(p, true),
                       unit.empty() ? "-" : std::string(unit), valid_text(p), p.meaning);
        }
        std::string vars;
        for (const auto& s : m->state) {
            vars += (vars.empty() ? "" : ", ") + s.name +
                    (nt::unit_symbol(s.dim).empty() ? ""
                                                    : fmt::format(" [{}]", nt::unit_symbol(s.dim)));
        }
        fmt::print("    recordable: {}{}\n\n", vars,
                   m->kind == nt::model_kind::spiking ? ", spikes" : "");
    }
}

}  // namespace

command add_models_command(CLI::App& app) {
    auto* sub = app.add_subcommand("models", "list every model with its parameters, units "
                                             "and defaults");
    auto markdown = std::make_shared<bool>(false);
    auto names = std::make_shared<std::vector<std::string>>();
    sub->add_flag("--markdown", *markdown, "print the README's Markdown tables");
    sub->add_option("names", *names, "only these models (default: all)");
    return {sub, [markdown, names] {
                if (*markdown) {
                    print_models_markdown();
                } else {
                    print_models(*names);
                }
                return nt::exit_ok;
            }};
}

}  // namespace neurotwin::cli
