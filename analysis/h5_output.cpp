// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/h5_output.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <variant>
#include <vector>

#include "analysis/h5_reader.hpp"
#include "sim/errors.hpp"
#include "sim/io/h5_handle.hpp"
#include "sim/io/sonata_names.hpp"

namespace neurotwin::analysis {

namespace {

using detail::h5_id;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
    const auto why = detail::hdf5_error_detail();
    throw io_error(fmt::format("{}: {}{}", file, what, why.empty() ? "" : " (HDF5: " + why + ")"));
}

void scalar_attr(hid_t obj, const std::string& name, hid_t type, const void* value,
                 const std::string& file) {
    h5_id space(H5Screate(H5S_SCALAR));
    h5_id a(H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a.valid() || H5Awrite(a.get(), type, value) < 0) {
        fail(file, "cannot write attribute '" + name + "'");
    }
}

void string_attr(hid_t obj, const std::string& name, const std::string& value,
                 const std::string& file) {
    h5_id t = detail::make_utf8_string_type();
    const char* p = value.c_str();
    scalar_attr(obj, name, t.get(), &p, file);
}

void write_node(hid_t group, const result_node& n, const std::string& file) {
    for (const auto& [k, v] : n.scalars) {
        if (const auto* d = std::get_if<double>(&v)) {
            scalar_attr(group, k, H5T_NATIVE_DOUBLE, d, file);
        } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
            scalar_attr(group, k, H5T_NATIVE_INT64, i, file);
        } else {
            string_attr(group, k, std::get<std::string>(v), file);
        }
    }
    for (const auto& [k, a] : n.arrays) {
        const hsize_t dims[1] = {a.size()};
        h5_id space(H5Screate_simple(1, dims, nullptr));
        h5_id ds(H5Dcreate2(group, k.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT));
        if (!ds.valid() || (!a.empty() && H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                                   H5P_DEFAULT, a.data()) < 0)) {
            fail(file, "cannot write dataset '" + k + "'");
        }
    }
    for (const auto& c : n.children) {
        h5_id g(H5Gcreate2(group, c.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        if (!g.valid()) {
            fail(file, "cannot create group '" + c.name + "'");
        }
        write_node(g.get(), c, file);
    }
}

// Root attributes every SONATA file carries.
void sonata_root(hid_t f, const std::string& file) {
    scalar_attr(f, sonata::magic, H5T_STD_U32LE, &sonata::magic_value, file);
    const hsize_t two = 2;
    h5_id space(H5Screate_simple(1, &two, nullptr));
    h5_id a(H5Acreate2(f, sonata::version, H5T_STD_U32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a.valid() || H5Awrite(a.get(), H5T_NATIVE_UINT32, sonata::version_value) < 0) {
        fail(file, fmt::format("cannot write attribute '{}'", sonata::version));
    }
}

h5_id make_group(hid_t loc, const std::string& path, const std::string& file) {
    h5_id lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    h5_id g(H5Gcreate2(loc, path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!g.valid()) {
        fail(file, "cannot create group '" + path + "'");
    }
    return g;
}

// Copies the attributes of one object to another (same names, types and shapes).
void copy_attributes(hid_t from, hid_t to, const std::string& file, const std::string& what) {
    struct ctx {
        hid_t to;
        bool ok = true;
    } c{to};
    const auto one = [](hid_t obj, const char* name, const H5A_info_t*, void* data) -> herr_t {
        auto& cx = *static_cast<ctx*>(data);
        h5_id a(H5Aopen(obj, name, H5P_DEFAULT));
        h5_id type(a.valid() ? H5Aget_type(a.get()) : -1);
        h5_id space(a.valid() ? H5Aget_space(a.get()) : -1);
        if (!type.valid() || !space.valid()) {
            cx.ok = false;
            return -1;
        }
        const hssize_t n = H5Sget_simple_extent_npoints(space.get());
        std::vector<unsigned char> buf(std::size_t(std::max<hssize_t>(n, 1)) *
                                       H5Tget_size(type.get()));
        h5_id b(H5Acreate2(cx.to, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
        const bool ok = b.valid() && H5Aread(a.get(), type.get(), buf.data()) >= 0 &&
                        H5Awrite(b.get(), type.get(), buf.data()) >= 0;
        if (H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0) {
            H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buf.data());
        }
        cx.ok = ok;
        return ok ? 0 : -1;
    };
    hsize_t idx = 0;
    if (H5Aiterate2(from, H5_INDEX_NAME, H5_ITER_INC, &idx, one, &c) < 0 || !c.ok) {
        fail(file, "cannot copy the attributes of '" + what + "'");
    }
}

// Copies a dataset in blocks of rows (memory stays bounded for large reports), with its
// creation properties (chunking) and attributes. Datasets of variable-length types are not
// part of what export-sonata copies.
void copy_dataset(hid_t src, const std::string& from, hid_t dst, const std::string& to, hid_t lcpl,
                  const std::string& file) {
    h5_id in(H5Dopen2(src, from.c_str(), H5P_DEFAULT));
    h5_id type(in.valid() ? H5Dget_type(in.get()) : -1);
    h5_id space(in.valid() ? H5Dget_space(in.get()) : -1);
    h5_id dcpl(in.valid() ? H5Dget_create_plist(in.get()) : -1);
    const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (!type.valid() || !dcpl.valid() || rank < 0 || rank > 2) {
        fail(file, "cannot copy '" + from + "'");
    }
    hsize_t dims[2] = {1, 1};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    h5_id out(H5Dcreate2(dst, to.c_str(), type.get(), space.get(), lcpl, dcpl.get(), H5P_DEFAULT));
    if (!out.valid()) {
        fail(file, "cannot copy '" + from + "'");
    }
    const std::size_t elem = H5Tget_size(type.get());
    const hsize_t row = rank == 2 ? dims[1] : 1;
    const hsize_t rows_per_block =
        std::max<hsize_t>(1, (hsize_t(1) << 24) / std::max<hsize_t>(1, row * elem));
    std::vector<unsigned char> buf;
    for (hsize_t r0 = 0; rank > 0 && r0 < dims[0] && row > 0; r0 += rows_per_block) {
        const hsize_t start[2] = {r0, 0};
        const hsize_t count[2] = {std::min(rows_per_block, dims[0] - r0), row};
        buf.resize(std::size_t(count[0] * row) * elem);
        h5_id fin(H5Dget_space(in.get()));
        h5_id fout(H5Dget_space(out.get()));
        h5_id mem(H5Screate_simple(rank, count, nullptr));
        if (!fin.valid() || !fout.valid() || !mem.valid() ||
            H5Sselect_hyperslab(fin.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
            H5Sselect_hyperslab(fout.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
            H5Dread(in.get(), type.get(), mem.get(), fin.get(), H5P_DEFAULT, buf.data()) < 0 ||
            H5Dwrite(out.get(), type.get(), mem.get(), fout.get(), H5P_DEFAULT, buf.data()) < 0) {
            fail(file, "cannot copy '" + from + "'");
        }
    }
    if (rank == 0) {  // a scalar
        buf.resize(elem);
        if (H5Dread(in.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0 ||
            H5Dwrite(out.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) {
            fail(file, "cannot copy '" + from + "'");
        }
    }
    copy_attributes(in.get(), out.get(), file, from);
}

// Copies a group (recursively) or a dataset. Written with plain reads and writes rather than
// H5Ocopy: HDF5 1.10's H5Ocopy crashes (SIGSEGV) when a write fails inside it (a full disk).
void copy(hid_t src, const std::string& from, hid_t dst, const std::string& to,
          const std::string& file) {
    h5_id lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    H5O_info_t info;
    if (H5Oget_info_by_name(src, from.c_str(), &info, H5P_DEFAULT) < 0) {
        fail(file, "cannot copy '" + from + "'");
    }
    if (info.type == H5O_TYPE_DATASET) {
        copy_dataset(src, from, dst, to, lcpl.get(), file);
        return;
    }
    if (info.type != H5O_TYPE_GROUP) {
        fail(file, "cannot copy '" + from + "' (neither a group nor a dataset)");
    }
    h5_id in(H5Gopen2(src, from.c_str(), H5P_DEFAULT));
    h5_id out(H5Gcreate2(dst, to.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!in.valid() || !out.valid()) {
        fail(file, "cannot copy '" + from + "'");
    }
    copy_attributes(in.get(), out.get(), file, from);
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    if (H5Literate(in.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0) {
        fail(file, "cannot list '" + from + "'");
    }
    for (const auto& n : names) {
        copy(src, from + "/" + n, dst, to + "/" + n, file);
    }
}

// A new file under a temporary name; commit() renames it, the destructor removes it otherwise.
class new_file {
public:
    explicit new_file(std::string path)
        : path_(std::move(path)), temp_(path_ + ".tmp-" + std::to_string(::getpid())) {
        id_ = h5_id(H5Fcreate(temp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
        if (!id_.valid()) {
            fail(path_, "cannot create");
        }
        sonata_root(id_.get(), path_);
    }
    ~new_file() {
        if (!committed_) {
            detail::discard_hdf5_file(id_);  // a failed file must not stay open in HDF5
            std::error_code ec;
            std::filesystem::remove(temp_, ec);
        }
    }
    new_file(const new_file&) = delete;
    new_file& operator=(const new_file&) = delete;
    hid_t get() const { return id_.get(); }
    void commit() {
        // A full disk fails in the flush, while the id can still be discarded cleanly.
        if (H5Fflush(id_.get(), H5F_SCOPE_GLOBAL) < 0) {
            fail(path_, "cannot write");
        }
        if (id_.reset() < 0) {
            fail(path_, "cannot close");
        }
        std::error_code ec;
        std::filesystem::rename(temp_, path_, ec);
        if (ec) {
            throw io_error(
                fmt::format("{}: cannot rename from {}: {}", path_, temp_, ec.message()));
        }
        committed_ = true;
    }

private:
    std::string path_, temp_;
    h5_id id_;
    bool committed_ = false;
};

}  // namespace

void write_analysis_group(const std::string& path, const result_node& result) {
    detail::silence_hdf5_errors();
    // The run file is never written in place: a failure half-way (a full disk) would leave a
    // damaged /analysis link that breaks every later read. The analysis goes into a copy,
    // which replaces the file by rename() once it is complete and closed; on any failure the
    // copy is removed and the file is as it was.
    const std::string temp = path + ".tmp-analysis-" + std::to_string(::getpid());
    {
        h5_file check(path);  // a clear io_error for a missing or non-HDF5 file
    }
    std::error_code ec;
    std::filesystem::copy_file(path, temp, std::filesystem::copy_options::overwrite_existing, ec);
    const auto remove_temp = [&] {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
    };
    if (ec) {
        remove_temp();
        throw io_error(
            fmt::format("{}: cannot copy it to {} to write the analysis: {}; the file "
                        "is unchanged",
                        path, temp, ec.message()));
    }
    h5_id f;
    try {
        h5_id fapl(H5Pcreate(H5P_FILE_ACCESS));
        if (!fapl.valid() || H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0) {
            fail(path, "cannot open for writing");
        }
        f = h5_id(H5Fopen(temp.c_str(), H5F_ACC_RDWR, fapl.get()));
        if (!f.valid()) {
            fail(path, "cannot open for writing");
        }
        // NOTE: HDF5 does not reclaim the space of a deleted group; files grow by the size of
        // the analysis each time it is rewritten (h5repack compacts them).
        if (detail::hdf5_path_exists(f.get(), "/analysis") &&
            H5Ldelete(f.get(), "/analysis", H5P_DEFAULT) < 0) {
            fail(path, "cannot remove the old /analysis");
        }
        h5_id g(H5Gcreate2(f.get(), "/analysis", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        if (!g.valid()) {
            fail(path, "cannot create /analysis");
        }
        write_node(g.get(), result, path);
        g.reset();
        // Everything reaches the disk here, so a full disk fails here, before the close.
        if (H5Fflush(f.get(), H5F_SCOPE_GLOBAL) < 0) {
            fail(path, "cannot write /analysis");
        }
        if (f.reset() < 0) {
            fail(path, "cannot close");
        }
    } catch (const io_error& e) {
        detail::discard_hdf5_file(f);
        remove_temp();
        throw io_error(std::string(e.what()) + "; the file is unchanged");
    }
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        remove_temp();
        throw io_error(fmt::format("{}: cannot rename {} over it: {}; the file is unchanged", path,
                                   temp, ec.message()));
    }
}

std::vector<std::string> export_sonata(const std::string& run_file, const std::string& out_dir) {
    detail::silence_hdf5_errors();
    const h5_file in(run_file);  // throws a clear io_error for a missing or non-HDF5 file
    h5_id src(H5Fopen(run_file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!src.valid()) {
        fail(run_file, "cannot open");
    }
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) {
        throw io_error(fmt::format("cannot create directory '{}': {}", out_dir, ec.message()));
    }
    std::vector<std::string> written;
    {
        const auto path = (std::filesystem::path(out_dir) / sonata::spikes_file).string();
        new_file out(path);
        make_group(out.get(), sonata::spikes, path);
        for (const auto& pop : in.spike_populations()) {
            copy(src.get(), sonata::spike_group(pop), out.get(), sonata::spike_group(pop), path);
        }
        out.commit();
        written.push_back(path);
    }
    // variable -> populations that recorded it
    std::map<std::string, std::vector<std::string>> by_variable;
    for (const auto& pop : in.report_populations()) {
        for (const auto& var : in.report_variables(pop)) {
            by_variable[var].push_back(pop);
        }
    }
    for (const auto& [var, pops] : by_variable) {
        const auto path = (std::filesystem::path(out_dir) / (var + ".h5")).string();
        new_file out(path);
        for (const auto& pop : pops) {
            // neurotwin's /report/<pop>/<var> becomes SONATA's /report/<pop> of <var>.h5
            const auto from = sonata::report_group(pop, var);
            const auto to = sonata::report_population(pop);
            copy(src.get(), from + "/" + sonata::data, out.get(), to + "/" + sonata::data, path);
            for (const char* m :
                 {sonata::node_ids, sonata::index_pointers, sonata::element_ids, sonata::time}) {
                copy(src.get(), sonata::mapping_path(from, m), out.get(),
                     sonata::mapping_path(to, m), path);
            }
            // bmtk reads the singular name: a second link to the same dataset, no copy.
            if (H5Lcreate_hard(out.get(), sonata::mapping_path(to, sonata::index_pointers).c_str(),
                               out.get(), sonata::mapping_path(to, sonata::index_pointer).c_str(),
                               H5P_DEFAULT, H5P_DEFAULT) < 0) {
                fail(path, fmt::format("cannot link {}", sonata::index_pointer));
            }
        }
        out.commit();
        written.push_back(path);
    }
    return written;
}

}  // namespace neurotwin::analysis
