// SPDX-License-Identifier: BSD-3-Clause
// `neurotwin models`: every model of the registry with its parameters, units and defaults,
// printed from the same descriptors the loader validates against.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "app/commands.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"

namespace nt = neurotwin;

namespace neurotwin::cli {

namespace {

// The model reference of README.md ("Models"); a test keeps the README in step with it.
void print_models_markdown() {
    for (const auto* m : nt::builtin_models().all()) {
        fmt::print("#### `{}` ({})\n\n{}\n\n", m->name, nt::kind_name(m->kind), m->summary);
        fmt::print("| parameter | unit | default | valid | meaning |\n|---|---|---|---|---|\n");
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("| `{}` | {} | {} | {} | {} |\n", p.name,
                       unit.empty() ? "-" : std::string(unit), p.default_value,
                       p.valid.describe(p.dim), p.meaning);
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

void print_models() {
    for (const auto* m : nt::builtin_models().all()) {
        fmt::print("{} ({}): {}\n", m->name, nt::kind_name(m->kind), m->summary);
        for (const auto& p : m->params) {
            const auto unit = nt::unit_symbol(p.dim);
            fmt::print("    {:<12} {:>10} {:<7} {:<36} {}\n", p.name, p.default_value,
                       unit.empty() ? "-" : std::string(unit), p.valid.describe(p.dim), p.meaning);
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
    sub->add_flag("--markdown", *markdown, "print the README's Markdown tables");
    return {sub, [markdown] {
                if (*markdown) {
                    print_models_markdown();
                } else {
                    print_models();
                }
                return nt::exit_ok;
            }};
}

}  // namespace neurotwin::cli
