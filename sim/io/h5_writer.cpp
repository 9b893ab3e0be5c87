// SPDX-License-Identifier: BSD-3-Clause
#include "sim/io/h5_writer.hpp"

#include "sim/errors.hpp"
#include "sim/io/h5_handle.hpp"
#include "sim/io/sonata_names.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

namespace neurotwin {

h5_attr h5_attr::str(std::string n, std::string v) {
    h5_attr a;
    a.name = std::move(n);
    a.t = type::string;
    a.s = std::move(v);
    return a;
}

h5_attr h5_attr::real(std::string n, double v) {
    h5_attr a;
    a.name = std::move(n);
    a.t = type::f64;
    a.f = v;
    return a;
}

h5_attr h5_attr::integer(std::string n, std::int64_t v) {
    h5_attr a;
    a.name = std::move(n);
    a.t = type::i64;
    a.i = v;
    return a;
}

h5_attr h5_attr::uinteger(std::string n, std::uint64_t v) {
    h5_attr a;
    a.name = std::move(n);
    a.t = type::u64;
    a.u = v;
    return a;
}

h5_attr h5_attr::reals(std::string n, std::vector<double> v) {
    h5_attr a;
    a.name = std::move(n);
    a.t = type::f64_array;
    a.fa = std::move(v);
    return a;
}

namespace {

using detail::h5_id;

// HDF5 1.10 cannot close a file after a failed flush of its metadata cache (a full disk: the
// cache is left "prepared for flush" and every later flush or close fails), so such a file's
// id stays registered over half-destroyed state, and HDF5's atexit handler, which closes what
// is still open, crashes on it (SIGSEGV). neurotwin closes every file it opens itself (the ids
// are owned; failures discard the file, detail::discard_hdf5_file), so that handler has
// nothing useful to do: it is not installed. This runs during static initialisation, before
// any HDF5 call (H5dont_atexit only works then; later it is a harmless no-op).
const bool hdf5_without_atexit = [] {
    H5dont_atexit();
    return true;
}();

// NOTE: chunk sizes trade file size against I/O granularity. HDF5 stores every chunk at full
// size, so a population with one spike costs one chunk per dataset; 32768 elements (256 KiB)
// keeps that small while writes stay large. Writes are batched by the buffers, not the chunks.
constexpr hsize_t spike_chunk = 32768;
// Spikes buffered per population before one H5Dwrite per dataset (1 MiB of memory at most).
constexpr std::size_t spike_buffer_cap = 65536;
// Target bytes of one report chunk; rows = target / row size, at least one row. The frame
// buffer of a report holds exactly one chunk, so chunks are written whole and never re-read.
constexpr std::size_t report_chunk_bytes = 256 * 1024;

constexpr auto sorting_none = static_cast<std::uint8_t>(sonata::spike_sorting::none);
constexpr auto sorting_by_id = static_cast<std::uint8_t>(sonata::spike_sorting::by_id);
constexpr auto sorting_by_time = static_cast<std::uint8_t>(sonata::spike_sorting::by_time);

struct spike_population {
    std::string name;
    std::string path;  // "/spikes/<name>"
    h5_id group;
    h5_id timestamps;
    h5_id node_ids;
    std::vector<double> time_buffer;
    std::vector<std::uint64_t> id_buffer;
    hsize_t written = 0;
    double last_time = -std::numeric_limits<double>::infinity();
    bool time_ordered = true;  // `sorting` = by_time is only claimed while this holds
};

struct report_stream {
    std::string path;  // "/report/<population>/<variable>"
    h5_id data;
    std::size_t columns = 0;
    std::size_t chunk_rows = 1;
    std::vector<float> buffer;  // up to chunk_rows * columns values, row-major
    std::size_t buffered_rows = 0;
    hsize_t written = 0;  // rows in the dataset (columns == 0: rows counted only)
    double t_start_ms = 0.0;
    double step_ms = 0.0;
};

void check_name(const std::string& name, const char* what) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        throw internal_error("h5_writer: invalid " + std::string(what) + " name '" + name +
                             "' (must be non-empty and contain no '/')");
    }
}

// Object paths of the public calls are taken as absolute ("neurotwin/x" = "/neurotwin/x").
std::string absolute(const std::string& path) {
    std::string p = path.starts_with('/') ? path : "/" + path;
    while (p.size() > 1 && p.ends_with('/')) {
        p.pop_back();
    }
    return p;
}

}  // namespace

struct h5_writer::impl {
    std::string temp_path;
    h5_id file;
    h5_id lcpl;  // link creation: intermediate groups, UTF-8 names
    // Creation properties without modification times, so that the same run gives a
    // byte-identical file (HDF5 stores object times by default).
    h5_id gcpl;
    h5_id dcpl;
    h5_id utf8;  // variable-length UTF-8 string type
    h5_id sorting_type;
    std::vector<spike_population> spikes;
    std::vector<report_stream> reports;
    bool closed = false;

    [[noreturn]] void fail(const std::string& what) const {
        const std::string why = detail::hdf5_error_detail();
        throw io_error(temp_path + ": cannot " + what +
                       (why.empty() ? std::string() : " (HDF5: " + why + ")"));
    }
    void ok(herr_t status, const std::string& what) const {
        if (status < 0) {
            fail(what);
        }
    }
    h5_id own(hid_t id, const std::string& what) const {
        if (id < 0) {
            fail(what);
        }
        return h5_id(id);
    }

    void require_open(const char* function) const {
        if (closed || !file.valid()) {
            throw internal_error(std::string("h5_writer::") + function +
                                 " called after finish() or abandon()");
        }
    }

    bool exists(const std::string& path) const {
        return detail::hdf5_path_exists(file.get(), path);
    }

    // Creates the missing groups along an absolute `path` itself (rather than through the
    // intermediate-group flag) so that they, too, get `gcpl`.
    void make_groups(const std::string& path) {
        std::size_t pos = 1;
        while (pos < path.size()) {
            std::size_t end = path.find('/', pos);
            if (end == std::string::npos) {
                end = path.size();
            }
            const std::string prefix = path.substr(0, end);
            if (end > pos && !exists(prefix)) {
                own(H5Gcreate2(file.get(), prefix.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT),
                    "create group '" + prefix + "'");
            }
            pos = end + 1;
        }
    }
    void make_parent_groups(const std::string& path) {
        const std::size_t slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0) {
            make_groups(path.substr(0, slash));
        }
    }
    // Before a one-shot dataset is written at the absolute `path`: the file is open, nothing
    // is there yet, and the parent groups exist.
    void prepare_new_dataset(const std::string& path, const char* function) {
        require_open(function);
        if (exists(path)) {
            throw internal_error(std::string("h5_writer::") + function + ": '" + path +
                                 "' written twice");
        }
        make_parent_groups(path);
    }
    // Opens the object at `path` (any kind), creating a group with its parents if missing.
    h5_id open_or_create(const std::string& path) {
        make_groups(path);
        return own(H5Oopen(file.get(), path.c_str(), H5P_DEFAULT), "open '" + path + "'");
    }

    // Writes (replacing) one attribute; `space` and the buffer must match.
    void write_attr(hid_t obj, const std::string& obj_path, const std::string& name, hid_t ftype,
                    hid_t space, hid_t mtype, const void* buf) {
        const std::string what = "write attribute '" + name + "' of '" + obj_path + "'";
        const htri_t present = H5Aexists(obj, name.c_str());
        ok(present, what);
        if (present > 0) {
            ok(H5Adelete(obj, name.c_str()), what);
        }
        h5_id attr =
            own(H5Acreate2(obj, name.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT), what);
        ok(H5Awrite(attr.get(), mtype, buf), what);
    }
    void write_scalar_attr(hid_t obj, const std::string& obj_path, const std::string& name,
                           hid_t ftype, hid_t mtype, const void* buf) {
        h5_id space = own(H5Screate(H5S_SCALAR), "create a dataspace");
        write_attr(obj, obj_path, name, ftype, space.get(), mtype, buf);
    }
    void write_string_attr(hid_t obj, const std::string& obj_path, const std::string& name,
                           const std::string& value) {
        const char* p = value.c_str();
        write_scalar_attr(obj, obj_path, name, utf8.get(), utf8.get(), &p);
    }

    // A fixed-size 1-D dataset, written at once.
    // `name` is relative to `loc` (or absolute); `shown` is the full path for messages.
    h5_id write_fixed(hid_t loc, const std::string& name, const std::string& shown, hid_t ftype,
                      hid_t mtype, hsize_t n, const void* buf) {
        const std::string what = "write dataset '" + shown + "'";
        h5_id space = own(H5Screate_simple(1, &n, nullptr), what);
        h5_id ds = own(
            H5Dcreate2(loc, name.c_str(), ftype, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
            what);
        if (n > 0) {
            ok(H5Dwrite(ds.get(), mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), what);
        }
        return ds;
    }

    // An empty dataset extendable in its first dimension: [0] or [0 x columns].
    h5_id create_extendable(hid_t loc, const std::string& path, const char* name, hid_t ftype,
                            int rank, hsize_t chunk_rows, hsize_t columns) {
        const std::string what = "create dataset '" + path + "/" + name + "'";
        const hsize_t dims[2] = {0, columns};
        // A zero-width report cannot have a chunk wider than its fixed maximum (0), so its
        // column dimension is declared unlimited; it never grows.
        const hsize_t maxdims[2] = {H5S_UNLIMITED, columns == 0 ? H5S_UNLIMITED : columns};
        const hsize_t chunk[2] = {chunk_rows, std::max<hsize_t>(columns, 1)};
        h5_id space = own(H5Screate_simple(rank, dims, maxdims), what);
        h5_id chunked = own(H5Pcopy(dcpl.get()), what);
        ok(H5Pset_chunk(chunked.get(), rank, chunk), what);
        return own(
            H5Dcreate2(loc, name, ftype, space.get(), lcpl.get(), chunked.get(), H5P_DEFAULT),
            what);
    }

    // Appends `rows` rows (of `columns` values; 0 = a 1-D dataset) after `written` rows.
    void append_rows(hid_t ds, const std::string& what, hsize_t written, hsize_t rows,
                     hsize_t columns, hid_t mtype, const void* buf) {
        const int rank = columns == 0 ? 1 : 2;
        const hsize_t new_dims[2] = {written + rows, columns};
        const hsize_t start[2] = {written, 0};
        const hsize_t count[2] = {rows, columns};
        ok(H5Dset_extent(ds, new_dims), what);
        h5_id fspace = own(H5Dget_space(ds), what);
        ok(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), what);
        h5_id mspace = own(H5Screate_simple(rank, count, nullptr), what);
        ok(H5Dwrite(ds, mtype, mspace.get(), fspace.get(), H5P_DEFAULT, buf), what);
    }

    void write_spikes(spike_population& p, const double* t, const std::uint64_t* ids,
                      std::size_t n) {
        const std::string what = "write spikes of population '" + p.name + "'";
        append_rows(p.timestamps.get(), what, p.written, n, 0, H5T_NATIVE_DOUBLE, t);
        append_rows(p.node_ids.get(), what, p.written, n, 0, H5T_NATIVE_UINT64, ids);
        p.written += n;
    }
    void flush_spikes(spike_population& p) {
        if (!p.time_buffer.empty()) {
            write_spikes(p, p.time_buffer.data(), p.id_buffer.data(), p.time_buffer.size());
            p.time_buffer.clear();
            p.id_buffer.clear();
        }
    }
    void write_sorting(spike_population& p, std::uint8_t value) {
        write_scalar_attr(p.group.get(), p.path, sonata::sorting, sorting_type.get(),
                          sorting_type.get(), &value);
    }

    void write_frames(report_stream& r, const float* rows, std::size_t n) {
        append_rows(r.data.get(), "write frames of '" + r.path + "'", r.written, n, r.columns,
                    H5T_NATIVE_FLOAT, rows);
        r.written += n;
    }
    void flush_frames(report_stream& r) {
        if (r.buffered_rows > 0) {
            write_frames(r, r.buffer.data(), r.buffered_rows);
            r.buffered_rows = 0;
        }
    }

    // Closes every handle; the file last. Returns the status of the file close. `discard`: the
    // file is thrown away, closed so that a failing disk cannot leave its id open.
    herr_t close_all(bool discard = false) noexcept {
        for (auto& p : spikes) {
            p.group.reset();
            p.timestamps.reset();
            p.node_ids.reset();
        }
        for (auto& r : reports) {
            r.data.reset();
        }
        lcpl.reset();
        gcpl.reset();
        dcpl.reset();
        utf8.reset();
        sorting_type.reset();
        if (discard) {
            detail::discard_hdf5_file(file);
            return 0;
        }
        return file.reset();
    }
};

h5_writer::h5_writer(std::string final_path)
    : impl_(std::make_unique<impl>()),
      final_path_(std::move(final_path)),
      temp_path_(final_path_ + ".tmp-" + std::to_string(::getpid())) {
    detail::silence_hdf5_errors();
    auto& m = *impl_;
    m.temp_path = temp_path_;
    try {
        h5_id fcpl = m.own(H5Pcreate(H5P_FILE_CREATE), "create the file");
        m.ok(H5Pset_obj_track_times(fcpl.get(), 0), "create the file");  // of the root group
        h5_id fapl = m.own(H5Pcreate(H5P_FILE_ACCESS), "create the file");
        // Closing the file closes whatever is still open in it, so abandon() cannot leak.
        m.ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "create the file");
        m.file = m.own(H5Fcreate(temp_path_.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                       "create the file");

        m.lcpl = m.own(H5Pcreate(H5P_LINK_CREATE), "create a property list");
        m.ok(H5Pset_create_intermediate_group(m.lcpl.get(), 1), "create a property list");
        m.ok(H5Pset_char_encoding(m.lcpl.get(), H5T_CSET_UTF8), "create a property list");
        m.gcpl = m.own(H5Pcreate(H5P_GROUP_CREATE), "create a property list");
        m.ok(H5Pset_obj_track_times(m.gcpl.get(), 0), "create a property list");
        m.dcpl = m.own(H5Pcreate(H5P_DATASET_CREATE), "create a property list");
        m.ok(H5Pset_obj_track_times(m.dcpl.get(), 0), "create a property list");
        m.utf8 = detail::make_utf8_string_type();
        if (!m.utf8.valid()) {
            m.fail("create the string type");
        }
        m.sorting_type = m.own(H5Tenum_create(H5T_STD_U8LE), "create the sorting enum");
        for (auto [name, value] :
             {std::pair{sonata::sorting_none, sorting_none},
              std::pair{sonata::sorting_by_id, sorting_by_id},
              std::pair{sonata::sorting_by_time, sorting_by_time}}) {
            m.ok(H5Tenum_insert(m.sorting_type.get(), name, &value), "create the sorting enum");
        }

        h5_id root = m.own(H5Oopen(m.file.get(), "/", H5P_DEFAULT), "open '/'");
        m.write_scalar_attr(root.get(), "/", sonata::magic, H5T_STD_U32LE, H5T_NATIVE_UINT32,
                            &sonata::magic_value);
        const hsize_t two = 2;
        h5_id space = m.own(H5Screate_simple(1, &two, nullptr), "create a dataspace");
        m.write_attr(root.get(), "/", sonata::version, H5T_STD_U32LE, space.get(),
                     H5T_NATIVE_UINT32, sonata::version_value);
    } catch (...) {
        abandon();
        throw;
    }
}

h5_writer::~h5_writer() {
    try {
        abandon();
    } catch (...) {  // a destructor must not throw; abandon() is best effort anyway
    }
}

int h5_writer::add_spike_population(const std::string& population,
                                    const std::vector<std::uint64_t>& recorded) {
    detail::silence_hdf5_errors();
    auto& m = *impl_;
    m.require_open("add_spike_population");
    check_name(population, "population");
    if (!std::is_sorted(recorded.begin(), recorded.end()) ||
        std::adjacent_find(recorded.begin(), recorded.end()) != recorded.end()) {
        throw internal_error("h5_writer::add_spike_population '" + population +
                             "': the recorded node ids must be ascending and distinct");
    }
    spike_population p;
    p.name = population;
    p.path = sonata::spike_group(population);
    if (m.exists(p.path)) {
        throw internal_error("h5_writer: spike population '" + population + "' added twice");
    }
    m.make_groups(sonata::spikes);
    p.group =
        m.own(H5Gcreate2(m.file.get(), p.path.c_str(), m.lcpl.get(), m.gcpl.get(), H5P_DEFAULT),
              "create group '" + p.path + "'");
    // The engine appends in time order; finish() downgrades to `none` if that ever failed.
    m.write_sorting(p, sorting_by_time);
    p.timestamps = m.create_extendable(p.group.get(), p.path, sonata::timestamps, H5T_IEEE_F64LE,
                                       1, spike_chunk, 0);
    m.write_string_attr(p.timestamps.get(), p.path + "/" + sonata::timestamps, sonata::units,
                        sonata::time_unit);
    p.node_ids = m.create_extendable(p.group.get(), p.path, sonata::node_ids, H5T_STD_U64LE, 1,
                                     spike_chunk, 0);
    const auto rpath = recorded_spikes_path(population);
    m.prepare_new_dataset(rpath, "add_spike_population");
    m.write_fixed(m.file.get(), rpath, rpath, H5T_STD_U64LE, H5T_NATIVE_UINT64, recorded.size(),
                  recorded.data());
    m.spikes.push_back(std::move(p));
    return static_cast<int>(m.spikes.size() - 1);
}

void h5_writer::append_spikes(int handle, const double* times_ms, const std::uint64_t* node_ids,
                              std::size_t n) {
    detail::silence_hdf5_errors();
    auto& m = *impl_;
    m.require_open("append_spikes");
    if (handle < 0 || static_cast<std::size_t>(handle) >= m.spikes.size()) {
        throw internal_error("h5_writer::append_spikes: invalid handle " + std::to_string(handle));
    }
    if (n == 0) {
        return;
    }
    auto& p = m.spikes[static_cast<std::size_t>(handle)];
    for (std::size_t i = 0; i < n; ++i) {
        if (!(times_ms[i] >= p.last_time)) {
            p.time_ordered = false;
        }
        p.last_time = times_ms[i];
    }
    if (p.time_buffer.size() + n > spike_buffer_cap) {
        m.flush_spikes(p);
    }
    if (n >= spike_buffer_cap) {
        m.write_spikes(p, times_ms, node_ids, n);  // already one big write: no copy
    } else {
        p.time_buffer.insert(p.time_buffer.end(), times_ms, times_ms + n);
        p.id_buffer.insert(p.id_buffer.end(), node_ids, node_ids + n);
    }
}

int h5_writer::add_report(const std::string& population, const std::string& variable,
                          const std::string& units, const std::vector<std::uint64_t>& node_ids,
                          const std::vector<std::uint64_t>& index_pointers,
                          const std::vector<std::uint32_t>& element_ids, double t_start_ms,
                          double step_ms) {
    detail::silence_hdf5_errors();
    auto& m = *impl_;
    m.require_open("add_report");
    check_name(population, "population");
    check_name(variable, "variable");
    report_stream r;
    r.path = sonata::report_group(population, variable);

    // A malformed mapping is a bug in the caller, not a user error: readers would silently
    // attribute columns to the wrong nodes.
    const auto bad = [&](const std::string& why) {
        throw internal_error("h5_writer::add_report '" + r.path + "': " + why);
    };
    if (index_pointers.size() != node_ids.size() + 1) {
        bad("index_pointers must have node_ids.size() + 1 entries");
    }
    if (index_pointers.front() != 0 || index_pointers.back() != element_ids.size() ||
        !std::is_sorted(index_pointers.begin(), index_pointers.end())) {
        bad("index_pointers must rise from 0 to the number of columns");
    }
    if (!(step_ms > 0.0) || !std::isfinite(step_ms) || !std::isfinite(t_start_ms)) {
        bad("the frame step must be positive and finite");
    }
    if (m.exists(r.path)) {
        bad("added twice");
    }

    r.columns = element_ids.size();
    r.t_start_ms = t_start_ms;
    r.step_ms = step_ms;
    r.chunk_rows = std::max<std::size_t>(
        1, report_chunk_bytes / (std::max<std::size_t>(r.columns, 1) * sizeof(float)));

    m.make_parent_groups(r.path);
    h5_id group =
        m.own(H5Gcreate2(m.file.get(), r.path.c_str(), m.lcpl.get(), m.gcpl.get(), H5P_DEFAULT),
              "create group '" + r.path + "'");
    r.data = m.create_extendable(group.get(), r.path, sonata::data, H5T_IEEE_F32LE, 2,
                                 r.chunk_rows, r.columns);
    m.write_string_attr(r.data.get(), r.path + "/" + sonata::data, sonata::units, units);

    const std::string mpath = r.path + "/" + sonata::mapping;
    h5_id mapping =
        m.own(H5Gcreate2(group.get(), sonata::mapping, m.lcpl.get(), m.gcpl.get(), H5P_DEFAULT),
              "create group '" + mpath + "'");
    const auto in_mapping = [&](const char* name) { return sonata::mapping_path(r.path, name); };
    h5_id ids =
        m.write_fixed(mapping.get(), sonata::node_ids, in_mapping(sonata::node_ids), H5T_STD_U64LE,
                      H5T_NATIVE_UINT64, node_ids.size(), node_ids.data());
    const std::uint8_t sorted = std::is_sorted(node_ids.begin(), node_ids.end()) ? 1 : 0;
    m.write_scalar_attr(ids.get(), in_mapping(sonata::node_ids), sonata::sorted, H5T_STD_U8LE,
                        H5T_NATIVE_UINT8, &sorted);
    m.write_fixed(mapping.get(), sonata::index_pointers, in_mapping(sonata::index_pointers),
                  H5T_STD_U64LE, H5T_NATIVE_UINT64, index_pointers.size(), index_pointers.data());
    // bmtk reads the singular name; a hard link serves both without a copy.
    m.ok(H5Lcreate_hard(mapping.get(), sonata::index_pointers, mapping.get(),
                        sonata::index_pointer, H5P_DEFAULT, H5P_DEFAULT),
         "link '" + in_mapping(sonata::index_pointer) + "'");
    m.write_fixed(mapping.get(), sonata::element_ids, in_mapping(sonata::element_ids),
                  H5T_STD_U32LE, H5T_NATIVE_UINT32, element_ids.size(), element_ids.data());

    m.reports.push_back(std::move(r));
    return static_cast<int>(m.reports.size() - 1);
}

void h5_writer::append_frames(int handle, const float* data, std::size_t frames) {
    detail::silence_hdf5_errors();
    auto& m = *impl_;
    m.require_open("append_frames");
    if (handle < 0 || static_cast<std::size_t>(handle) >= m.reports.size()) {
        throw internal_error("h5_writer::append_frames: invalid handle " + std::to_string(handle));
    }
    auto& r = m.reports[static_cast<std::size_t>(handle)];
    if (r.columns == 0) {
        r.written += frames;  // nothing to store; finish() sets the extent
        return;
    }
    // Whole chunks go straight to the file; the rest is gathered until a chunk is full, so
    // each chunk is written once, completely.
    while (frames > 0) {
        if (r.buffered_rows == 0 && frames >= r.chunk_rows) {
            const std::size_t rows = frames / r.chunk_rows * r.chunk_rows;
            m.write_frames(r, data, rows);
            data += rows * r.columns;
            frames -= rows;
            continue;
        }
        if (r.buffer.empty()) {
            r.buffer.resize(r.chunk_rows * r.columns);
        }
        const std::size_t rows = std::min(frames, r.chunk_rows - r.buffered_rows);
        std::memcpy(r.buffer.data() + r.buffered_rows * r.columns, data,
                    rows * r.columns * sizeof(float));
        r.buffered_rows += rows;
        data += rows * r.columns;
        frames -= rows;
        if (r.buffered_rows == r.chunk_rows) {
            m.flush_frames(r);
        }
    }
}

void h5_writer::write_attributes(const std::string& object, const std::vector<h5_attr>& attrs) {
    detail::silence_hdf5_errors();
    const std::string group = absolute(object);
    auto& m = *impl_;
    m.require_open("write_attributes");
    h5_id obj = m.open_or_create(group);
    for (const auto& a : attrs) {
        switch (a.t) {
            case h5_attr::type::string: m.write_string_attr(obj.get(), group, a.name, a.s); break;
            case h5_attr::type::f64:
                m.write_scalar_attr(obj.get(), group, a.name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                    &a.f);
                break;
            case h5_attr::type::i64:
                m.write_scalar_attr(obj.get(), group, a.name, H5T_STD_I64LE, H5T_NATIVE_INT64,
                                    &a.i);
                break;
            case h5_attr::type::u64:
                m.write_scalar_attr(obj.get(), group, a.name, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                                    &a.u);
                break;
            case h5_attr::type::f64_array: {
                const hsize_t n = a.fa.size();
                h5_id space = m.own(H5Screate_simple(1, &n, nullptr), "create a dataspace");
                m.write_attr(obj.get(), group, a.name, H5T_IEEE_F64LE, space.get(),
                             H5T_NATIVE_DOUBLE, a.fa.data());
                break;
            }
        }
    }
}

void h5_writer::write_vector(const std::string& object, const std::vector<double>& values,
                             const std::string& units) {
    detail::silence_hdf5_errors();
    const std::string path = absolute(object);
    auto& m = *impl_;
    m.prepare_new_dataset(path, "write_vector");
    h5_id ds = m.write_fixed(m.file.get(), path, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                             values.size(), values.data());
    if (!units.empty()) {
        m.write_string_attr(ds.get(), path, sonata::units, units);
    }
}

void h5_writer::write_string(const std::string& object, const std::string& value) {
    detail::silence_hdf5_errors();
    const std::string path = absolute(object);
    auto& m = *impl_;
    m.prepare_new_dataset(path, "write_string");
    const std::string what = "write dataset '" + path + "'";
    h5_id space = m.own(H5Screate(H5S_SCALAR), what);
    h5_id ds = m.own(H5Dcreate2(m.file.get(), path.c_str(), m.utf8.get(), space.get(), m.lcpl.get(),
                                m.dcpl.get(), H5P_DEFAULT),
                     what);
    const char* p = value.c_str();
    m.ok(H5Dwrite(ds.get(), m.utf8.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), what);
}

void h5_writer::write_strings(const std::string& object, const std::vector<std::string>& values) {
    detail::silence_hdf5_errors();
    const std::string path = absolute(object);
    auto& m = *impl_;
    m.prepare_new_dataset(path, "write_strings");
    std::vector<const char*> p;
    for (const auto& v : values) {
        p.push_back(v.c_str());
    }
    m.write_fixed(m.file.get(), path, path, m.utf8.get(), m.utf8.get(), p.size(), p.data());
}

void h5_writer::finish(bool completed, double t_reached_ms) {
    detail::silence_hdf5_errors();
    auto& m = *impl_;
    m.require_open("finish");
    try {
        for (auto& p : m.spikes) {
            m.flush_spikes(p);
            if (!p.time_ordered) {
                m.write_sorting(p, sorting_none);  // a false by_time would mislead readers
            }
        }
        for (auto& r : m.reports) {
            m.flush_frames(r);
            const std::string tpath = sonata::mapping_path(r.path, sonata::time);
            const hsize_t dims[2] = {r.written, r.columns};
            m.ok(H5Dset_extent(r.data.get(), dims), "write '" + tpath + "'");
            // SONATA's interval is open on the right: frame k is at start + k * step, k < frames.
            const double time[3] = {
                r.t_start_ms, r.t_start_ms + static_cast<double>(r.written) * r.step_ms, r.step_ms};
            h5_id ds = m.write_fixed(m.file.get(), tpath, tpath, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                     3, time);
            m.write_string_attr(ds.get(), tpath, sonata::units, sonata::time_unit);
        }
        h5_id own_group = m.open_or_create("/neurotwin");
        const std::uint8_t done = completed ? 1 : 0;
        m.write_scalar_attr(own_group.get(), "/neurotwin", "completed", H5T_STD_U8LE,
                            H5T_NATIVE_UINT8, &done);
        m.write_scalar_attr(own_group.get(), "/neurotwin", "t_reached_ms", H5T_IEEE_F64LE,
                            H5T_NATIVE_DOUBLE, &t_reached_ms);
        own_group.reset();
        m.ok(H5Fflush(m.file.get(), H5F_SCOPE_GLOBAL), "flush the file");
        if (m.close_all() < 0) {
            m.fail("close the file");
        }
        std::error_code ec;
        std::filesystem::rename(temp_path_, final_path_, ec);
        if (ec) {
            throw io_error(temp_path_ + ": cannot rename to " + final_path_ + ": " + ec.message());
        }
        m.closed = true;
    } catch (...) {
        abandon();
        throw;
    }
}

void h5_writer::abandon() {
    if (!impl_ || impl_->closed) {
        return;
    }
    impl_->closed = true;
    impl_->close_all(/*discard=*/true);
    impl_->spikes.clear();
    impl_->reports.clear();
    detail::hdf5_error_detail();  // drop errors from closing a half-written file
    std::error_code ec;
    std::filesystem::remove(temp_path_, ec);
}

}  // namespace neurotwin
