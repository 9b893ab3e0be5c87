// SPDX-License-Identifier: BSD-3-Clause
// [[morphology]]: SWC files or sections, membrane properties, and locations on a cell.
#include "sim/scenario/reader.hpp"
#include "sim/scenario/swc.hpp"

namespace neurotwin::detail {

// [[morphology]]

// Membrane properties of a section, region or the defaults: the schema's "membrane" keys.
void loader::section_props_of(const toml::table& t, section_props& p, const std::string& ctx) {
    const auto& schema = schema_of("membrane");
    const auto num = [&](const char* key, double& out) {
        if (const auto* n = t.get(key)) {
            if (const auto v = ranged(*n, schema.key(key), fmt::format("{}, {}", ctx, key))) {
                out = *v;
            }
        }
    };
    if (t.get("Ra") != nullptr && t.get("ra") != nullptr) {
        error(pos(*t.get("ra")), fmt::format("{}: 'Ra' and 'ra' are the same property; give one",
                                             ctx));
    }
    num("Ra", p.Ra);
    num("ra", p.Ra);
    num("cm", p.cm);
    num("g_pas", p.g_pas);
    num("e_pas", p.e_pas);
    if (const auto* n = t.get("hh")) {
        if (const auto v = bool_of(*n, ctx + ", hh")) {
            p.hh = *v;
        }
    }
    num("gnabar", p.gnabar);
    num("gkbar", p.gkbar);
    num("gl", p.gl);
    num("el", p.el);
    num("ena", p.ena);
    num("ek", p.ek);
}

void loader::morphology(const toml::table& t, std::size_t index) {
    morphology_desc md;
    md.where = pos(t);
    std::string ctx = fmt::format("morphology #{}", index + 1);
    if (const auto* n = required(t, "name", ctx)) {
        if (const auto name = string_of(*n, ctx + ", name")) {
            if (desc_.find_morphology(*name) != nullptr) {
                error(pos(*n), fmt::format("{}: the name '{}' is already used", ctx, *name));
            }
            md.name = *name;
            ctx = fmt::format("morphology '{}'", md.name);
        }
    }
    check_keys(t, "morphology", ctx);
    section_props defaults;
    if (const auto* n = t.get("defaults")) {
        if (const auto* dt = table_of(*n, ctx + ", defaults")) {
            check_keys(*dt, "membrane", ctx + ", defaults");
            section_props_of(*dt, defaults, ctx + ", defaults");
        }
    }
    const auto* swc = t.get("swc");
    const auto* sections = t.get("section");
    if ((swc == nullptr) == (sections == nullptr)) {
        error(md.where, fmt::format("{}: expected either 'swc' (a file) or [[morphology.section]] "
                                    "tables, found {}",
                                    ctx, swc ? "both" : "neither"));
        desc_.morphologies.push_back(std::move(md));
        return;
    }
    if (swc != nullptr) {
        swc_options opt;
        if (const auto* n = t.get("segment_length")) {
            if (const auto v = ranged(*n, schema_of("morphology").key("segment_length"),
                                      ctx + ", segment_length")) {
                opt.segment_length = *v;
            }
        }
        for (const char* region : {"soma", "axon", "dend", "apic"}) {
            auto& props = std::string_view(region) == "soma"   ? opt.soma
                          : std::string_view(region) == "axon" ? opt.axon
                          : std::string_view(region) == "dend" ? opt.dend
                                                               : opt.apic;
            props = defaults;
            if (const auto* n = t.get(region)) {
                if (const auto* rt = table_of(*n, fmt::format("{}, {}", ctx, region))) {
                    check_keys(*rt, "membrane", fmt::format("{}, {}", ctx, region));
                    section_props_of(*rt, props, fmt::format("{}, {}", ctx, region));
                }
            }
        }
        if (const auto file = string_of(*swc, ctx + ", swc")) {
            md.swc_file = *file;
            const auto path = (std::filesystem::path(file_).parent_path() / *file).string();
            try {
                auto read = read_swc(path, md.name, opt);
                md.sections = std::move(read.sections);
            } catch (const input_error& e) {
                for (const auto& d : e.diagnostics()) {
                    error(d.where, fmt::format("{} (SWC file of {})", d.message, ctx));
                }
            } catch (const io_error& e) {
                error(pos(*swc), fmt::format("{}, swc: {}", ctx, e.what()));
            }
        }
        desc_.morphologies.push_back(std::move(md));
        return;
    }
    for (const char* key : {"segment_length", "soma", "axon", "dend", "apic"}) {
        if (const auto* n = t.get(key)) {
            error(pos(*n), fmt::format("{}, {}: applies to SWC morphologies only; inline sections "
                                       "take their properties from [morphology.defaults] and "
                                       "their own keys",
                                       ctx, key));
        }
    }
    const auto* arr = sections->as_array();
    if (arr == nullptr || arr->empty()) {
        type_error(*sections, ctx + ", section",
                   "a non-empty array of tables ([[morphology.section]])");
        desc_.morphologies.push_back(std::move(md));
        return;
    }
    const auto& section_schema = schema_of("morphology.section");
    for (std::size_t k = 0; k < arr->size(); ++k) {
        const auto* st = table_of((*arr)[k], fmt::format("{}, section #{}", ctx, k + 1));
        if (st == nullptr) {
            continue;
        }
        section_desc sd;
        sd.where = pos(*st);
        sd.props = defaults;
        std::string sctx = fmt::format("{}, section #{}", ctx, k + 1);
        if (const auto* n = required(*st, "name", sctx)) {
            if (const auto name = string_of(*n, sctx + ", name")) {
                if (name->empty() || md.find(*name) >= 0) {
                    error(pos(*n), fmt::format("{}, name: expected a new section name, found "
                                               "\"{}\"",
                                               sctx, *name));
                }
                sd.name = *name;
                sctx = fmt::format("{}, section '{}'", ctx, sd.name);
            }
        }
        check_keys(*st, "morphology.section", sctx);
        if (const auto* n = st->get("parent")) {
            if (const auto parent = string_of(*n, sctx + ", parent")) {
                std::vector<std::string> known;
                for (const auto& s : md.sections) {
                    known.push_back(s.name);
                }
                if (md.find(*parent) < 0) {
                    error(pos(*n), fmt::format("{}, parent: expected a section defined above, "
                                               "found '{}'{}",
                                               sctx, *parent, hint(*parent, known)));
                }
                sd.parent = *parent;
            }
        } else if (k > 0) {
            error(pos(*st), fmt::format("{}: expected a 'parent' (only the first section, the "
                                        "root, has none)",
                                        sctx));
            sd.parent = md.sections.empty() ? "" : md.sections.front().name;
        }
        if (k == 0 && !sd.parent.empty()) {
            error(pos(*st->get("parent")),
                  fmt::format("{}: the first section is the root and has no parent", sctx));
        }
        if (const auto* n = st->get("parent_x")) {
            if (const auto v = ranged(*n, section_schema.key("parent_x"),
                                      sctx + ", parent_x")) {
                sd.parent_x = *v;
            }
        }
        if (const auto* n = required(*st, "length", sctx)) {
            if (const auto v = ranged(*n, section_schema.key("length"), sctx + ", length")) {
                sd.length = *v;
            }
        }
        if (const auto* n = required(*st, "diam", sctx)) {
            if (const auto v = ranged(*n, section_schema.key("diam"), sctx + ", diam")) {
                sd.diam = *v;
            }
        }
        if (const auto* n = st->get("nseg")) {
            if (const auto v = integer_of(*n, sctx + ", nseg", 1, 1000000)) {
                sd.nseg = static_cast<int>(*v);
            }
        }
        section_props_of(*st, sd.props, sctx);
        md.sections.push_back(std::move(sd));
    }
    desc_.morphologies.push_back(std::move(md));
}

int loader::morphology_ref(const toml::table& t, const model_info* m, const std::string& ctx,
                           std::string& name_out) {
    const auto* n = t.get("morphology");
    if (m == nullptr) {
        return -1;
    }
    if (!m->compartmental) {
        if (n != nullptr) {
            error(pos(*n), fmt::format("{}, morphology: applies to compartmental models "
                                       "(mc_cell) only, found model '{}'",
                                       ctx, m->name));
        }
        return -1;
    }
    if (n == nullptr) {
        error(pos(t), fmt::format("{}: model '{}' needs a 'morphology' (the name of a "
                                  "[[morphology]])",
                                  ctx, m->name));
        return -1;
    }
    const auto name = string_of(*n, ctx + ", morphology");
    if (!name) {
        return -1;
    }
    name_out = *name;
    std::vector<std::string> names;
    for (std::size_t k = 0; k < desc_.morphologies.size(); ++k) {
        if (desc_.morphologies[k].name == *name) {
            return static_cast<int>(k);
        }
        names.push_back(desc_.morphologies[k].name);
    }
    error(pos(*n), fmt::format("{}, morphology: unknown morphology '{}'{}", ctx, *name,
                               names.empty() ? "; define it in a [[morphology]] table"
                                             : hint(*name, names)));
    return -1;
}

std::optional<location> loader::location_in(const toml::node& n, int morph,
                                            const std::string& ctx) {
    const auto* lt = table_of(n, ctx);
    if (lt == nullptr) {
        return std::nullopt;
    }
    check_keys(*lt, "location", ctx);
    location loc;
    loc.where = pos(n);
    bool ok = true;
    if (const auto* s = required(*lt, "section", ctx)) {
        if (const auto name = string_of(*s, ctx + ".section")) {
            loc.section = *name;
            if (morph >= 0) {
                const auto& md = desc_.morphologies[std::size_t(morph)];
                if (md.find(*name) < 0 && !md.sections.empty()) {
                    std::vector<std::string> names;
                    for (const auto& sec : md.sections) {
                        names.push_back(sec.name);
                    }
                    error(pos(*s), fmt::format("{}.section: unknown section '{}' of morphology "
                                               "'{}'{}",
                                               ctx, *name, md.name, hint(*name, names)));
                    ok = false;
                }
            }
        } else {
            ok = false;
        }
    } else {
        ok = false;
    }
    if (const auto* x = lt->get("x")) {
        if (const auto v = ranged(*x, schema_of("location").key("x"), ctx + ".x")) {
            loc.x = *v;
        } else {
            ok = false;
        }
    }
    return ok ? std::optional(loc) : std::nullopt;
}

std::optional<location> loader::location_of(const toml::table& t, const pop_ref* target,
                                            const std::string& target_name,
                                            const std::string& ctx) {
    const auto* n = t.get("location");
    if (n == nullptr) {
        return std::nullopt;
    }
    if (target == nullptr || target->model == nullptr) {
        return std::nullopt;  // reported with the target
    }
    if (!target->model->compartmental) {
        error(pos(*n), fmt::format("{}, location: applies to compartmental targets only; '{}' "
                                   "is a point neuron ({})",
                                   ctx, target_name, target->model->name));
        return std::nullopt;
    }
    return location_in(*n, target->morphology, ctx + ", location");
}

}  // namespace neurotwin::detail
