// SPDX-License-Identifier: BSD-3-Clause
#include "sim/io/edges.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <unistd.h>

#include "sim/errors.hpp"
#include "sim/io/h5_handle.hpp"
#include "sim/io/sonata_names.hpp"

namespace neurotwin {

namespace {

using detail::h5_id;

std::vector<std::string> group_members(hid_t group) {
    std::vector<std::string> names;
    H5Literate(
        group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    return names;
}

// Length of the 1-D dataset `name`, checked against what the file holds before anything is
// allocated for it: a dataset whose chunks were never written (or a truncated file) declares
// entries it has no bytes for. Compressed data need at least 1/1024 of the raw size (deflate
// cannot do better than about 1032:1).
hsize_t dataset_length(hid_t ds, const std::string& path, const std::string& where,
                       const std::string& name) {
    h5_id space(H5Dget_space(ds));
    if (H5Sget_simple_extent_ndims(space.get()) != 1) {
        throw io_error(fmt::format("{}: {}/{} must be one-dimensional", path, where, name));
    }
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    h5_id type(H5Dget_type(ds));
    const double raw = double(n) * double(H5Tget_size(type.get()));  // [bytes]
    const double stored = double(H5Dget_storage_size(ds));            // [bytes]
    if (n > 0 && stored * 1024.0 < raw) {
        throw io_error(fmt::format("{}: {}/{} declares {} entries ({:.3g} bytes) but the file "
                                   "holds {:.0f} bytes of it (unwritten or damaged)",
                                   path, where, name, n, raw, stored));
    }
    return n;
}

template <class T>
std::vector<T> read_1d(hid_t loc, const std::string& name, hid_t mem_type, const std::string& path,
                       const std::string& where, std::optional<hsize_t> expected = {}) {
    h5_id ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
    if (!ds.valid()) {
        throw io_error(fmt::format("{}: cannot open dataset {}/{}", path, where, name));
    }
    h5_id type(H5Dget_type(ds.get()));
    const auto cls = H5Tget_class(type.get());
    const bool want_int = std::is_integral_v<T>;
    if ((want_int && cls != H5T_INTEGER) || (!want_int && cls != H5T_FLOAT && cls != H5T_INTEGER)) {
        throw io_error(fmt::format("{}: {}/{} must be {}", path, where, name,
                                   want_int ? "integer" : "numeric"));
    }
    const auto n = dataset_length(ds.get(), path, where, name);
    if (expected && n != *expected) {
        throw io_error(fmt::format("{}: {}/{} has {} entries for {} edges", path, where, name, n,
                                   *expected));
    }
    std::vector<T> out(n);
    if (n > 0 && H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
        throw io_error(fmt::format("{}: cannot read {}/{} ({})", path, where, name,
                                   detail::hdf5_error_detail()));
    }
    return out;
}

// Node ids of a SONATA dataset: read as int64 (a negative id converted to uint64 by HDF5
// became 0), each in [0, limit).
std::vector<std::uint64_t> read_ids(hid_t loc, const std::string& name, const std::string& path,
                                    const std::string& where, std::optional<hsize_t> expected,
                                    std::uint64_t limit, const std::string& pop_name) {
    h5_id ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT));
    bool is_signed = true;
    if (ds.valid()) {
        h5_id type(H5Dget_type(ds.get()));
        is_signed = H5Tget_class(type.get()) != H5T_INTEGER ||
                    H5Tget_sign(type.get()) != H5T_SGN_NONE;
    }
    std::vector<std::uint64_t> out;
    if (is_signed) {
        const auto v = read_1d<std::int64_t>(loc, name, H5T_NATIVE_INT64, path, where, expected);
        out.resize(v.size());
        for (std::size_t e = 0; e < v.size(); ++e) {
            if (v[e] < 0) {
                throw io_error(fmt::format("{}: {}/{}[{}]: expected a node id (an integer >= 0), "
                                           "found {}",
                                           path, where, name, e, v[e]));
            }
            out[e] = static_cast<std::uint64_t>(v[e]);
        }
    } else {
        out = read_1d<std::uint64_t>(loc, name, H5T_NATIVE_UINT64, path, where, expected);
    }
    for (std::size_t e = 0; e < out.size(); ++e) {
        if (out[e] >= limit) {
            throw io_error(fmt::format("{}: {}/{}[{}]: node id {}, but '{}' has {} neurons", path,
                                       where, name, e, out[e], pop_name, limit));
        }
    }
    return out;
}

// Weights and delays must be finite numbers (as in CSV files).
void check_finite(const std::vector<double>& v, const std::string& path, const std::string& grp,
                  const char* name) {
    for (std::size_t e = 0; e < v.size(); ++e) {
        if (!std::isfinite(v[e])) {
            throw io_error(fmt::format("{}: {}/{}[{}]: expected a finite number, found {}", path,
                                       grp, name, e, v[e]));
        }
    }
}

std::string string_attr(hid_t obj, const char* name) {
    if (H5Aexists(obj, name) <= 0) {
        return "";
    }
    h5_id attr(H5Aopen(obj, name, H5P_DEFAULT));
    h5_id type(H5Aget_type(attr.get()));
    if (H5Tget_class(type.get()) != H5T_STRING) {
        return "";
    }
    if (H5Tis_variable_str(type.get()) > 0) {
        char* s = nullptr;
        h5_id mem = detail::make_utf8_string_type();
        if (H5Aread(attr.get(), mem.get(), &s) < 0 || s == nullptr) {
            return "";
        }
        std::string out(s);
        H5free_memory(s);
        return out;
    }
    const auto size = H5Tget_size(type.get());
    std::string out(size, '\0');
    h5_id mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), size);
    H5Aread(attr.get(), mem.get(), out.data());
    out.resize(std::strlen(out.c_str()));
    return out;
}

}  // namespace

edge_list read_sonata_edges(const std::string& path, const std::string& population,
                            const edge_limits& limits) {
    detail::silence_hdf5_errors();
    if (!std::filesystem::exists(path)) {
        throw io_error(fmt::format("cannot open edge file '{}': no such file", path));
    }
    h5_id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) {
        throw io_error(fmt::format("cannot open edge file '{}': not an HDF5 file", path));
    }
    if (!detail::hdf5_path_exists(file.get(), sonata::edges)) {
        throw io_error(
            fmt::format("{}: no {} group (not a SONATA edge file)", path, sonata::edges));
    }
    h5_id edges(H5Gopen2(file.get(), sonata::edges, H5P_DEFAULT));
    const auto pops = group_members(edges.get());
    std::string name = population;
    if (name.empty()) {
        if (pops.size() != 1) {
            throw io_error(fmt::format("{}: {} holds {} populations ({}); name one with "
                                       "'edge_population'",
                                       path, sonata::edges, pops.size(), fmt::join(pops, ", ")));
        }
        name = pops.front();
    } else if (std::find(pops.begin(), pops.end(), name) == pops.end()) {
        throw io_error(fmt::format("{}: no edge population '{}' under {} (found: {})", path,
                                   name, sonata::edges, fmt::join(pops, ", ")));
    }
    const std::string where = sonata::edge_population(name);
    h5_id pop(H5Gopen2(edges.get(), name.c_str(), H5P_DEFAULT));
    edge_list out;
    // every length is checked before the first dataset is read
    hsize_t n_edges = 0;
    {
        h5_id s(H5Dopen2(pop.get(), sonata::source_node_id, H5P_DEFAULT));
        h5_id t(H5Dopen2(pop.get(), sonata::target_node_id, H5P_DEFAULT));
        for (const auto* id : {&s, &t}) {
            if (!id->valid()) {
                throw io_error(fmt::format("{}: cannot open dataset {}/{}", path, where,
                                           id == &s ? sonata::source_node_id
                                                    : sonata::target_node_id));
            }
        }
        n_edges = dataset_length(s.get(), path, where, sonata::source_node_id);
        const auto n_t = dataset_length(t.get(), path, where, sonata::target_node_id);
        if (n_edges != n_t) {
            throw io_error(fmt::format("{}: {}/{} has {} entries but {} {}", path, where,
                                       sonata::source_node_id, n_edges, sonata::target_node_id,
                                       n_t));
        }
    }
    out.source = read_ids(pop.get(), sonata::source_node_id, path, where, n_edges, limits.sources,
                          limits.source_name);
    out.target = read_ids(pop.get(), sonata::target_node_id, path, where, n_edges, limits.targets,
                          limits.target_name);
    {
        h5_id s(H5Dopen2(pop.get(), sonata::source_node_id, H5P_DEFAULT));
        h5_id t(H5Dopen2(pop.get(), sonata::target_node_id, H5P_DEFAULT));
        out.source_population = string_attr(s.get(), sonata::node_population);
        out.target_population = string_attr(t.get(), sonata::node_population);
    }
    // weights and delays: SONATA's edge group "0", or directly under the population; the
    // weight as syn_weight (SONATA) or weight
    for (const std::string& grp : {where + "/" + sonata::edge_group, where}) {
        if (!detail::hdf5_path_exists(file.get(), grp)) {
            continue;
        }
        h5_id g(H5Gopen2(file.get(), grp.c_str(), H5P_DEFAULT));
        for (const char* wname : {sonata::syn_weight, "weight"}) {
            if (out.weight.empty() && detail::hdf5_path_exists(g.get(), wname)) {
                out.weight =
                    read_1d<double>(g.get(), wname, H5T_NATIVE_DOUBLE, path, grp, n_edges);
                check_finite(out.weight, path, grp, wname);
            }
        }
        if (out.delay_ms.empty() && detail::hdf5_path_exists(g.get(), sonata::delay)) {
            out.delay_ms =
                read_1d<double>(g.get(), sonata::delay, H5T_NATIVE_DOUBLE, path, grp, n_edges);
            check_finite(out.delay_ms, path, grp, sonata::delay);
        }
    }
    return out;
}

edge_list read_csv_edges(const std::string& path, const edge_limits& limits) {
    std::ifstream in(path);
    if (!in) {
        throw io_error(fmt::format("cannot open edge file '{}': {}", path, std::strerror(errno)));
    }
    edge_list out;
    int col_source = -1, col_target = -1, col_weight = -1, col_delay = -1;
    std::size_t n_cols = 0;
    std::string line;
    std::size_t line_no = 0;
    bool header = false;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        std::vector<std::string> fields;
        std::stringstream ss(line);
        std::string f;
        while (std::getline(ss, f, ',')) {
            const auto a = f.find_first_not_of(" \t");
            const auto b = f.find_last_not_of(" \t");
            fields.push_back(a == std::string::npos ? "" : f.substr(a, b - a + 1));
        }
        if (!header) {
            header = true;
            n_cols = fields.size();
            for (std::size_t c = 0; c < fields.size(); ++c) {
                const auto& h = fields[c];
                int* slot = h == "source" ? &col_source : h == "target" ? &col_target
                            : h == "weight" ? &col_weight : h == "delay" ? &col_delay : nullptr;
                if (slot == nullptr) {
                    throw io_error(fmt::format("{}:{}: unknown column '{}'; expected source, "
                                               "target, weight, delay",
                                               path, line_no, h));
                }
                *slot = static_cast<int>(c);
            }
            if (col_source < 0 || col_target < 0) {
                throw io_error(fmt::format("{}:{}: the header must name the columns 'source' and "
                                           "'target', found \"{}\"",
                                           path, line_no, line));
            }
            continue;
        }
        if (fields.size() != n_cols) {
            throw io_error(fmt::format("{}:{}: expected {} fields, found {}", path, line_no, n_cols,
                                       fields.size()));
        }
        const auto number = [&](int c, const char* what) {
            const auto& text = fields[std::size_t(c)];
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
                throw io_error(fmt::format("{}:{}: {}: expected a number, found \"{}\"", path,
                                           line_no, what, text));
            }
            return v;
        };
        // Node ids: integers ("3", or "3.0" and "3e2" when exact below 2^53), below the
        // population's size (1e30 was cast to uint64, undefined, and became a real edge).
        const auto id = [&](int c, const char* what, std::uint64_t limit,
                            const std::string& pop_name) {
            const auto& text = fields[std::size_t(c)];
            std::uint64_t v = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (ec != std::errc{} || ptr != text.data() + text.size()) {
                const double x = number(c, what);
                if (x < 0 || std::floor(x) != x || x >= 9007199254740992.0) {  // 2^53
                    throw io_error(fmt::format("{}:{}: {}: expected a node id (an integer >= 0), "
                                               "found \"{}\"",
                                               path, line_no, what, text));
                }
                v = static_cast<std::uint64_t>(x);
            }
            if (v >= limit) {
                throw io_error(fmt::format("{}:{}: {} node id {}, but '{}' has {} neurons", path,
                                           line_no, what, text, pop_name, limit));
            }
            return v;
        };
        out.source.push_back(id(col_source, "source", limits.sources, limits.source_name));
        out.target.push_back(id(col_target, "target", limits.targets, limits.target_name));
        if (col_weight >= 0) {
            out.weight.push_back(number(col_weight, "weight"));
        }
        if (col_delay >= 0) {
            out.delay_ms.push_back(number(col_delay, "delay"));
        }
    }
    if (!header) {
        throw io_error(fmt::format("{}: empty edge file (expected a header line such as "
                                   "\"source,target,weight,delay\")",
                                   path));
    }
    return out;
}

edge_list read_edges(const std::string& path, const std::string& population,
                     const edge_limits& limits) {
    const auto ext = std::filesystem::path(path).extension().string();
    if (ext == ".csv") {
        if (!population.empty()) {
            throw io_error(fmt::format("{}: 'edge_population' applies to SONATA (HDF5) edge "
                                       "files only",
                                       path));
        }
        return read_csv_edges(path, limits);
    }
    if (ext == ".h5" || ext == ".hdf5" || ext == ".sonata") {
        return read_sonata_edges(path, population, limits);
    }
    throw io_error(fmt::format("{}: unknown edge file type '{}'; expected .h5 (SONATA) or .csv",
                               path, ext));
}

void write_sonata_edges(const std::string& path, const std::string& population,
                        const edge_list& edges) {
    detail::silence_hdf5_errors();
    const auto tmp = fmt::format("{}.tmp-{}", path, getpid());
    {
        h5_id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
        if (!file.valid()) {
            throw io_error(fmt::format("{}: cannot create the file ({})", tmp,
                                       detail::hdf5_error_detail()));
        }
        h5_id lcpl(H5Pcreate(H5P_LINK_CREATE));
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        const auto write = [&](const std::string& name, hid_t file_type, hid_t mem_type,
                               const void* data, std::size_t n, const std::string& node_pop) {
            const hsize_t dims = n;
            h5_id space(H5Screate_simple(1, &dims, nullptr));
            h5_id ds(H5Dcreate2(file.get(), name.c_str(), file_type, space.get(), lcpl.get(),
                                H5P_DEFAULT, H5P_DEFAULT));
            if (!ds.valid() || (n > 0 && H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL,
                                                  H5P_DEFAULT, data) < 0)) {
                throw io_error(fmt::format("{}: cannot write {}", tmp, name));
            }
            if (!node_pop.empty()) {
                h5_id st = detail::make_utf8_string_type();
                h5_id as(H5Screate(H5S_SCALAR));
                h5_id a(H5Acreate2(ds.get(), sonata::node_population, st.get(), as.get(),
                                   H5P_DEFAULT, H5P_DEFAULT));
                const char* v = node_pop.c_str();
                H5Awrite(a.get(), st.get(), &v);
            }
        };
        const auto base = sonata::edge_population(population) + "/";
        const auto group = base + sonata::edge_group + "/";
        write(base + sonata::source_node_id, H5T_STD_U64LE, H5T_NATIVE_UINT64,
              edges.source.data(), edges.source.size(), edges.source_population);
        write(base + sonata::target_node_id, H5T_STD_U64LE, H5T_NATIVE_UINT64,
              edges.target.data(), edges.target.size(), edges.target_population);
        if (!edges.weight.empty()) {
            write(group + sonata::syn_weight, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                  edges.weight.data(), edges.weight.size(), "");
        }
        if (!edges.delay_ms.empty()) {
            write(group + sonata::delay, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, edges.delay_ms.data(),
                  edges.delay_ms.size(), "");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        throw io_error(fmt::format("cannot rename '{}' to '{}'", tmp, path));
    }
}

}  // namespace neurotwin
