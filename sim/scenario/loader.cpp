// SPDX-License-Identifier: BSD-3-Clause
// Scenario loader: TOML text -> scenario_desc. The sections are read in the order below, one
// file each (sim/scenario/<section>.cpp) on the typed readers of sim/scenario/reader.hpp.
//
// Every problem is collected with the position toml++ keeps on each node (values, keys and
// table headers), then all are thrown together, in file order, by diagnostics_list. The
// loader keeps going after an error wherever the rest can still be checked meaningfully:
// a bad [simulation] dt only silences the checks that need dt, an unknown model only the
// checks of that population's parameters, and so on.
//
// Messages read "<context>: expected <what>, found <what was written>", where the context
// names the item and key ("population 'exc', parameter 'tau_m'", "[simulation] dt").
#include "sim/scenario/reader.hpp"

#include <fstream>
#include <sstream>

namespace neurotwin {

namespace detail {

// ---------------------------------------------------------------------------------------

scenario_desc loader::run(const std::string& text) {
    desc_.models = &models_;
    desc_.file = file_;
    desc_.text = text;
    toml::table root;
    try {
        root = toml::parse(std::string_view(text), std::string_view(file_));
    } catch (const toml::parse_error& e) {
        throw input_error(pos(e.source()), fmt::format("TOML syntax error: {}", e.description()));
    }
    check_keys(root, top_level_sections(), "top level");

    // [simulation] first: defaults and checks of delays and intervals depend on dt. Then
    // every population name (populations and twins), then what refers to them.
    simulation(root);
    const auto morphologies = tables(root, "morphology");
    for (std::size_t i = 0; i < morphologies.size(); ++i) {
        morphology(*morphologies[i], i);
    }
    const auto populations = tables(root, "population");
    for (std::size_t i = 0; i < populations.size(); ++i) {
        population(*populations[i], i);
    }
    const auto twins = tables(root, "twin");
    for (std::size_t i = 0; i < twins.size(); ++i) {
        twin(*twins[i], i);
    }
    const auto stimuli = tables(root, "stimulus");
    for (std::size_t i = 0; i < stimuli.size(); ++i) {
        stimulus(*stimuli[i], i);
    }
    for (const auto* t : tables(root, "projection")) {
        projection(*t);
    }
    const auto records = tables(root, "record");
    for (std::size_t i = 0; i < records.size(); ++i) {
        record(*records[i], i);
    }
    diags_.throw_if_any();
    return std::move(desc_);
}

}  // namespace detail

scenario_desc load_scenario_text(const std::string& text, const std::string& file_name,
                                 const model_registry& models) {
    return detail::loader(file_name, models).run(text);
}

const model_registry& scenario_desc::registry() const {
    if (models == nullptr) {
        throw std::logic_error("scenario_desc without a model registry (not from the loader)");
    }
    return *models;
}

scenario_desc load_scenario_file(const std::string& path, const model_registry& models) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw io_error(
            fmt::format("cannot open scenario file '{}': {}", path, std::strerror(errno)));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw io_error(
            fmt::format("cannot read scenario file '{}': {}", path, std::strerror(errno)));
    }
    return load_scenario_text(buffer.str(), path, models);
}

}  // namespace neurotwin
