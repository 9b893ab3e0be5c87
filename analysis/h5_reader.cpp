// SPDX-License-Identifier: BSD-3-Clause
#include "analysis/h5_reader.hpp"

#include "sim/errors.hpp"
#include "sim/io/h5_handle.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace neurotwin::analysis {

static_assert(std::is_same_v<hid_t, std::int64_t>, "h5_file stores hid_t as std::int64_t");

namespace {

using detail::h5_id;

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Reads one string from an attribute or a scalar dataset of any string type.
template <class Read>
std::string read_any_string(hid_t ftype, Read&& read, bool& ok) {
    ok = false;
    if (H5Tget_class(ftype) != H5T_STRING) {
        return {};
    }
    const htri_t variable = H5Tis_variable_str(ftype);
    if (variable < 0) {
        return {};
    }
    h5_id mtype(H5Tcopy(ftype));
    if (!mtype.valid()) {
        return {};
    }
    std::string out;
    if (variable > 0) {
        char* p = nullptr;
        if (read(mtype.get(), static_cast<void*>(&p)) < 0) {
            return {};
        }
        if (p != nullptr) {
            out = p;
            H5free_memory(p);
        }
    } else {
        std::vector<char> buf(H5Tget_size(ftype) + 1, '\0');
        if (read(mtype.get(), static_cast<void*>(buf.data())) < 0) {
            return {};
        }
        out.assign(buf.data());  // stops at the first NUL (null-terminated or null-padded)
        if (H5Tget_strpad(ftype) == H5T_STR_SPACEPAD) {
            out.erase(out.find_last_not_of(' ') + 1);
        }
    }
    ok = true;
    return out;
}

}  // namespace

// All HDF5 access of one file; kept out of the header so hdf5.h stays here.
class h5_access {
public:
    explicit h5_access(const h5_file& f) : f_(f) { detail::silence_hdf5_errors(); }

    hid_t file() const { return static_cast<hid_t>(f_.file_); }

    [[noreturn]] void fail(const std::string& object, const std::string& what) const {
        const std::string why = detail::hdf5_error_detail();
        throw io_error(f_.path() + ": " + quoted(object) + ": " + what +
                       (why.empty() ? std::string() : " (HDF5: " + why + ")"));
    }

    h5_id open(const std::string& object) const {
        if (!detail::hdf5_path_exists(file(), object)) {
            fail(object, "not found");
        }
        h5_id id(H5Oopen(file(), object.c_str(), H5P_DEFAULT));
        if (!id.valid()) {
            fail(object, "cannot open");
        }
        return id;
    }
    h5_id open_dataset(const std::string& object) const {
        h5_id id = open(object);
        if (H5Iget_type(id.get()) != H5I_DATASET) {
            fail(object, "not a dataset");
        }
        return id;
    }

    // Dataset type class and extent; fails unless the rank is `rank`.
    std::vector<hsize_t> shape(hid_t ds, const std::string& object, int rank) const {
        h5_id space(H5Dget_space(ds));
        const int r = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
        if (r < 0) {
            fail(object, "cannot read the shape");
        }
        if (r != rank) {
            fail(object,
                 "expected " + std::to_string(rank) + " dimension(s), found " + std::to_string(r));
        }
        std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
        return dims;
    }
    void require_class(hid_t ds, const std::string& object, H5T_class_t cls,
                       const char* expected) const {
        h5_id type(H5Dget_type(ds));
        if (!type.valid() || H5Tget_class(type.get()) != cls) {
            fail(object, std::string("expected a dataset of ") + expected);
        }
    }

    // A whole 1-D dataset of class `cls`, converted to T.
    template <class T>
    std::vector<T> read_1d(const std::string& object, hid_t mtype, H5T_class_t cls,
                           const char* expected) const {
        h5_id ds = open_dataset(object);
        require_class(ds.get(), object, cls, expected);
        const auto dims = shape(ds.get(), object, 1);
        std::vector<T> out(static_cast<std::size_t>(dims[0]));
        if (!out.empty() &&
            H5Dread(ds.get(), mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
            fail(object, "cannot read");
        }
        return out;
    }

    h5_id open_attr(const std::string& object, const std::string& name) const {
        h5_id obj = open(object);
        const std::string where = object + "@" + name;
        const htri_t present = H5Aexists(obj.get(), name.c_str());
        if (present < 0) {
            fail(where, "cannot look up the attribute");
        }
        if (present == 0) {
            fail(where, "attribute not found");
        }
        h5_id attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT));
        if (!attr.valid()) {
            fail(where, "cannot open the attribute");
        }
        return attr;
    }
    // Opens a one-element attribute of type class `cls`; returns it and its file type.
    std::pair<h5_id, h5_id> scalar_attr(const std::string& object, const std::string& name,
                                        H5T_class_t cls, const char* expected) const {
        const std::string where = object + "@" + name;
        h5_id attr = open_attr(object, name);
        h5_id type(H5Aget_type(attr.get()));
        h5_id space(H5Aget_space(attr.get()));
        if (!type.valid() || H5Tget_class(type.get()) != cls) {
            fail(where, std::string("expected ") + expected);
        }
        if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) {
            fail(where, std::string("expected a single ") + expected);
        }
        return {std::move(attr), std::move(type)};
    }

    // An integer attribute as int64 or uint64, refusing values that do not fit.
    template <class T>
    T integer_attr(const std::string& object, const std::string& name) const {
        const std::string where = object + "@" + name;
        auto [attr, type] = scalar_attr(object, name, H5T_INTEGER, "an integer");
        if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
            std::uint64_t v = 0;
            if (H5Aread(attr.get(), H5T_NATIVE_UINT64, &v) < 0) {
                fail(where, "cannot read");
            }
            if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
                fail(where, "value " + std::to_string(v) + " does not fit");
            }
            return static_cast<T>(v);
        }
        std::int64_t v = 0;
        if (H5Aread(attr.get(), H5T_NATIVE_INT64, &v) < 0) {
            fail(where, "cannot read");
        }
        if (std::is_unsigned_v<T> && v < 0) {
            fail(where, "value " + std::to_string(v) + " is negative");
        }
        return static_cast<T>(v);
    }

    // Reads `count` spikes from `first` of both datasets into the buffers.
    void read_spike_slice(hid_t ts, hid_t ids, const std::string& pop_path, hsize_t first,
                          hsize_t count, double* t, std::uint64_t* id) const {
        for (auto [ds, mtype, buf, name] :
             {std::tuple{ts, H5T_NATIVE_DOUBLE, static_cast<void*>(t), sonata::timestamps},
              std::tuple{ids, H5T_NATIVE_UINT64, static_cast<void*>(id), sonata::node_ids}}) {
            h5_id fspace(H5Dget_space(ds));
            h5_id mspace(H5Screate_simple(1, &count, nullptr));
            if (!fspace.valid() || !mspace.valid() ||
                H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &first, nullptr, &count,
                                    nullptr) < 0 ||
                H5Dread(ds, mtype, mspace.get(), fspace.get(), H5P_DEFAULT, buf) < 0) {
                fail(pop_path + "/" + name, "cannot read");
            }
        }
    }

    // Both spike datasets of a population, checked for type and equal length.
    struct spike_datasets {
        h5_id timestamps;
        h5_id node_ids;
        hsize_t n = 0;
        std::string path;                      // sonata::spike_group(population)
        std::string population;
        std::string timestamps_path() const { return path + "/" + sonata::timestamps; }
        std::string node_ids_path() const { return path + "/" + sonata::node_ids; }
        std::optional<std::uint64_t> n_nodes;  // the population's declared size, if any
    };
    spike_datasets open_spikes(const std::string& population) const {
        const std::string p = sonata::spike_group(population);
        spike_datasets s;
        s.path = p;
        s.population = population;
        s.timestamps = open_dataset(s.timestamps_path());
        s.node_ids = open_dataset(s.node_ids_path());
        require_class(s.timestamps.get(), s.timestamps_path(), H5T_FLOAT, "floats");
        require_class(s.node_ids.get(), s.node_ids_path(), H5T_INTEGER, "integers");
        const hsize_t nt = shape(s.timestamps.get(), s.timestamps_path(), 1)[0];
        const hsize_t ni = shape(s.node_ids.get(), s.node_ids_path(), 1)[0];
        if (nt != ni) {
            fail(p, fmt::format("{} ({}) and {} ({}) differ in length", sonata::timestamps, nt,
                                sonata::node_ids, ni));
        }
        s.n = nt;
        s.n_nodes = f_.population_size(population);
        return s;
    }

    // What every slice of spikes read must satisfy, whoever reads it: finite times and node
    // ids below the population's declared size (a damaged or foreign file must never make a
    // reader index past its per-neuron arrays). `first` is the index of t[0] in the file.
    void check_spikes(const spike_datasets& s, hsize_t first, std::size_t n, const double* t,
                      const std::uint64_t* id) const {
        for (std::size_t k = 0; k < n; ++k) {
            if (!std::isfinite(t[k])) {
                fail(s.timestamps_path(),
                     fmt::format("spike {} has time {} (expected a finite time in ms)", first + k,
                                 t[k]));
            }
            if (s.n_nodes && id[k] >= *s.n_nodes) {
                fail(s.node_ids_path(),
                     fmt::format("node id {} of spike {} is not below the population's size {} "
                                 "(/neurotwin/populations/{}@size)",
                                 id[k], first + k, *s.n_nodes, s.population));
            }
        }
    }

    std::vector<std::string> child_groups(const std::string& group) const {
        std::vector<std::string> out;
        if (!detail::hdf5_path_exists(file(), group)) {
            return out;
        }
        for (const auto& name : f_.list(group)) {
            h5_id child = open(group + "/" + name);
            if (H5Iget_type(child.get()) == H5I_GROUP) {
                out.push_back(name);
            }
        }
        return out;
    }

private:
    const h5_file& f_;
};

h5_file::h5_file(const std::string& path) : path_(path) {
    detail::silence_hdf5_errors();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw io_error(path + ": no such file");
    }
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        detail::hdf5_error_detail();
        throw io_error(path + ": not an HDF5 file");
    }
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        const std::string why = detail::hdf5_error_detail();
        throw io_error(path + ": cannot open" +
                       (why.empty() ? std::string() : " (HDF5: " + why + ")"));
    }
    file_ = f;
}

h5_file::~h5_file() {
    if (file_ >= 0) {
        H5Fclose(static_cast<hid_t>(file_));
    }
}

h5_file::h5_file(h5_file&& other) noexcept
    : path_(std::move(other.path_)), file_(std::exchange(other.file_, -1)) {}

h5_file& h5_file::operator=(h5_file&& other) noexcept {
    if (this != &other) {
        if (file_ >= 0) {
            H5Fclose(static_cast<hid_t>(file_));
        }
        path_ = std::move(other.path_);
        file_ = std::exchange(other.file_, -1);
    }
    return *this;
}

bool h5_file::exists(const std::string& object_path) const {
    h5_access a(*this);
    return detail::hdf5_path_exists(a.file(), object_path);
}

std::vector<std::string> h5_file::list(const std::string& group) const {
    h5_access a(*this);
    h5_id g = a.open(group);
    if (H5Iget_type(g.get()) != H5I_GROUP) {
        a.fail(group, "not a group");
    }
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    if (H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0) {
        a.fail(group, "cannot list");
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> h5_file::spike_populations() const {
    return h5_access(*this).child_groups(sonata::spikes);
}

std::size_t h5_file::spike_count(const std::string& population) const {
    return static_cast<std::size_t>(h5_access(*this).open_spikes(population).n);
}

spike_data h5_file::read_spikes(const std::string& population) const {
    h5_access a(*this);
    auto s = a.open_spikes(population);
    spike_data out;
    out.timestamps.resize(static_cast<std::size_t>(s.n));
    out.node_ids.resize(static_cast<std::size_t>(s.n));
    if (s.n > 0) {
        a.read_spike_slice(s.timestamps.get(), s.node_ids.get(), s.path, 0, s.n,
                           out.timestamps.data(), out.node_ids.data());
        a.check_spikes(s, 0, out.timestamps.size(), out.timestamps.data(), out.node_ids.data());
    }
    return out;
}

spike_data h5_file::read_spikes(const std::string& population, std::size_t first,
                                std::size_t count) const {
    h5_access a(*this);
    auto s = a.open_spikes(population);
    spike_data out;
    const hsize_t f0 = std::min<hsize_t>(first, s.n);
    const hsize_t n = std::min<hsize_t>(count, s.n - f0);
    out.timestamps.resize(static_cast<std::size_t>(n));
    out.node_ids.resize(static_cast<std::size_t>(n));
    if (n > 0) {
        a.read_spike_slice(s.timestamps.get(), s.node_ids.get(), s.path, f0, n,
                           out.timestamps.data(), out.node_ids.data());
        a.check_spikes(s, f0, out.timestamps.size(), out.timestamps.data(), out.node_ids.data());
    }
    return out;
}

spike_sorting h5_file::read_sorting(const std::string& population) const {
    h5_access a(*this);
    const std::string p = sonata::spike_group(population);
    const std::string where = p + "@" + sonata::sorting;
    h5_id group = a.open(p);
    const htri_t present = H5Aexists(group.get(), sonata::sorting);
    if (present < 0) {
        a.fail(where, "cannot look up the attribute");
    }
    if (present == 0) {
        return spike_sorting::none;
    }
    {
        h5_id attr = a.open_attr(p, sonata::sorting);
        h5_id type(H5Aget_type(attr.get()));
        if (type.valid() && H5Tget_class(type.get()) == H5T_STRING) {
            // bmtk's string values: SONATA's names, or "time" / "id".
            const auto v = attr_string(p, sonata::sorting);
            if (v == sonata::sorting_by_time || v == "time") {
                return spike_sorting::by_time;
            }
            if (v == sonata::sorting_by_id || v == "id") {
                return spike_sorting::by_id;
            }
            return spike_sorting::none;  // "none", "unknown" or anything else: no order assumed
        }
    }
    auto [attr, type] = a.scalar_attr(p, sonata::sorting, H5T_ENUM, "an enum");
    // Map by name, not by number: the names are what SONATA fixes.
    std::vector<unsigned char> raw(H5Tget_size(type.get()));
    char name[16] = {};
    if (raw.empty() || H5Aread(attr.get(), type.get(), raw.data()) < 0 ||
        H5Tenum_nameof(type.get(), raw.data(), name, sizeof name) < 0) {
        a.fail(where, "cannot read the enum value");
    }
    const std::string n = name;
    if (n == sonata::sorting_none) {
        return spike_sorting::none;
    }
    if (n == sonata::sorting_by_id) {
        return spike_sorting::by_id;
    }
    if (n == sonata::sorting_by_time) {
        return spike_sorting::by_time;
    }
    a.fail(where, fmt::format("unknown value '{}' (expected {}, {} or {})", n, sonata::sorting_none,
                              sonata::sorting_by_id, sonata::sorting_by_time));
}

void h5_file::for_each_spike_block(
    const std::string& population, std::size_t block_size,
    const std::function<void(std::span<const double>, std::span<const std::uint64_t>)>& block)
    const {
    if (block_size == 0) {
        throw internal_error("h5_file::for_each_spike_block: block_size must be positive");
    }
    const auto sorting = read_sorting(population);
    h5_access a(*this);
    auto s = a.open_spikes(population);
    const std::size_t cap = static_cast<std::size_t>(std::min<hsize_t>(block_size, s.n));
    std::vector<double> t(cap);
    std::vector<std::uint64_t> ids(cap);
    // The order the file declares is checked as the blocks go by: readers rely on it.
    double last_t = -std::numeric_limits<double>::infinity();
    std::uint64_t last_id = 0;
    for (hsize_t first = 0; first < s.n; first += cap) {
        const hsize_t count = std::min<hsize_t>(cap, s.n - first);
        a.read_spike_slice(s.timestamps.get(), s.node_ids.get(), s.path, first, count, t.data(),
                           ids.data());
        const auto k = static_cast<std::size_t>(count);
        a.check_spikes(s, first, k, t.data(), ids.data());
        for (std::size_t j = 0; j < k; ++j) {
            if (sorting == spike_sorting::by_time && t[j] < last_t) {
                a.fail(s.timestamps_path(),
                       fmt::format("the group says sorting = by_time, but spike {} (t = {} ms) "
                                   "comes after a spike at t = {} ms",
                                   first + j, t[j], last_t));
            }
            if (sorting == spike_sorting::by_id && ids[j] < last_id) {
                a.fail(s.node_ids_path(),
                       fmt::format("the group says sorting = by_id, but spike {} (node {}) comes "
                                   "after a spike of node {}",
                                   first + j, ids[j], last_id));
            }
            last_t = t[j];
            last_id = ids[j];
        }
        block(std::span<const double>(t.data(), k), std::span<const std::uint64_t>(ids.data(), k));
    }
}

std::optional<std::vector<std::uint64_t>> h5_file::recorded_spikes(
    const std::string& population) const {
    h5_access a(*this);
    const auto path = recorded_spikes_path(population);
    if (!detail::hdf5_path_exists(a.file(), path)) {
        return std::nullopt;
    }
    auto ids = a.read_1d<std::uint64_t>(path, H5T_NATIVE_UINT64, H5T_INTEGER, "integers");
    const auto n = population_size(population);
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (k > 0 && ids[k] <= ids[k - 1]) {
            a.fail(path, fmt::format("expected ascending, distinct node ids, found {} after {} "
                                     "at index {}",
                                     ids[k], ids[k - 1], k));
        }
        if (n && ids[k] >= *n) {
            a.fail(path, fmt::format("node id {} at index {} is not below the population's size "
                                     "{} (/neurotwin/populations/{}@size)",
                                     ids[k], k, *n, population));
        }
    }
    return ids;
}

std::optional<std::uint64_t> h5_file::population_size(const std::string& population) const {
    const std::string g = "/neurotwin/populations/" + population;
    if (!has_attr(g, "size")) {
        return std::nullopt;
    }
    return attr_u64(g, "size");
}

void h5_file::fail(const std::string& object, const std::string& what) const {
    h5_access(*this).fail(object, what);
}

std::vector<std::string> h5_file::report_populations() const {
    return h5_access(*this).child_groups(sonata::report);
}

std::vector<std::string> h5_file::report_variables(const std::string& population) const {
    h5_access a(*this);
    const std::string p = sonata::report_population(population);
    a.open(p);  // a missing population is an error, not an empty list
    return a.child_groups(p);
}

report_data h5_file::read_report(const std::string& population, const std::string& variable) const {
    // the mapping, shape and units, then the data itself
    report_data r = read_report_mapping(population, variable);
    h5_access a(*this);
    const std::string d = sonata::report_group(population, variable) + "/" + sonata::data;
    h5_id ds = a.open_dataset(d);
    r.data.resize(r.frames * r.columns);
    if (!r.data.empty() &&
        H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, r.data.data()) < 0) {
        a.fail(d, "cannot read");
    }
    return r;
}

report_data h5_file::read_report_mapping(const std::string& population,
                                         const std::string& variable) const {
    h5_access a(*this);
    const std::string p = sonata::report_group(population, variable);
    const std::string d = p + "/" + sonata::data;
    const auto m = [&](const char* name) { return sonata::mapping_path(p, name); };
    report_data r;
    {
        h5_id ds = a.open_dataset(d);
        a.require_class(ds.get(), d, H5T_FLOAT, "floats");
        const auto dims = a.shape(ds.get(), d, 2);
        r.frames = static_cast<std::size_t>(dims[0]);
        r.columns = static_cast<std::size_t>(dims[1]);
    }
    r.units = attr_string(d, sonata::units);
    r.node_ids = a.read_1d<std::uint64_t>(m(sonata::node_ids), H5T_NATIVE_UINT64, H5T_INTEGER,
                                          "integers");
    r.index_pointers = a.read_1d<std::uint64_t>(m(sonata::index_pointers), H5T_NATIVE_UINT64,
                                                H5T_INTEGER, "integers");
    r.element_ids = a.read_1d<std::uint32_t>(m(sonata::element_ids), H5T_NATIVE_UINT32,
                                             H5T_INTEGER, "integers");
    const auto time = a.read_1d<double>(m(sonata::time), H5T_NATIVE_DOUBLE, H5T_FLOAT, "floats");
    if (time.size() != 3) {
        a.fail(m(sonata::time),
               "expected 3 values (start, stop, step), found " + std::to_string(time.size()));
    }
    std::copy(time.begin(), time.end(), r.time.begin());
    r.time_units = attr_string(m(sonata::time), sonata::units);
    // The mapping must describe the data it maps, or readers index past their arrays.
    if (!std::isfinite(r.time[0]) || !(r.time[2] > 0.0) || !std::isfinite(r.time[2])) {
        a.fail(m(sonata::time), fmt::format("expected a finite start and a positive, finite step "
                                            "(ms), found start {} and step {}",
                                            r.time[0], r.time[2]));
    }
    if (r.element_ids.size() != r.columns) {
        a.fail(m(sonata::element_ids),
               fmt::format("expected one entry per column of data ({}), found {}", r.columns,
                           r.element_ids.size()));
    }
    const bool no_nodes = r.node_ids.empty() && r.index_pointers.empty() && r.columns == 0;
    if (!no_nodes && r.index_pointers.size() != r.node_ids.size() + 1) {
        a.fail(m(sonata::index_pointers),
               fmt::format("expected {} entries (one more than {}), found {}",
                           r.node_ids.size() + 1, sonata::node_ids, r.index_pointers.size()));
    }
    for (std::size_t k = 0; k < r.index_pointers.size(); ++k) {
        const auto v = r.index_pointers[k];
        const bool ok = k == 0 ? v == 0 : v >= r.index_pointers[k - 1];
        if (!ok || v > r.columns || (k + 1 == r.index_pointers.size() && v != r.columns)) {
            a.fail(m(sonata::index_pointers),
                   fmt::format("expected values rising from 0 to the number of columns ({}), "
                               "found {} at index {}",
                               r.columns, v, k));
        }
    }
    if (const auto n = population_size(population)) {
        for (std::size_t k = 0; k < r.node_ids.size(); ++k) {
            if (r.node_ids[k] >= *n) {
                a.fail(m(sonata::node_ids),
                       fmt::format("node id {} at index {} is not below the population's size "
                                   "{} (/neurotwin/populations/{}@size)",
                                   r.node_ids[k], k, *n, population));
            }
        }
    }
    return r;
}

std::vector<float> h5_file::read_report_block(const std::string& population,
                                              const std::string& variable, std::size_t f0,
                                              std::size_t nf, std::size_t c0,
                                              std::size_t nc) const {
    h5_access a(*this);
    const std::string p = sonata::report_group(population, variable) + "/" + sonata::data;
    h5_id ds = a.open_dataset(p);
    const auto dims = a.shape(ds.get(), p, 2);
    if (f0 + nf > dims[0] || c0 + nc > dims[1]) {
        a.fail(p, "block outside the data");
    }
    std::vector<float> out(nf * nc);
    if (out.empty()) {
        return out;
    }
    const hsize_t start[2] = {f0, c0};
    const hsize_t count[2] = {nf, nc};
    h5_id fspace(H5Dget_space(ds.get()));
    h5_id mspace(H5Screate_simple(2, count, nullptr));
    if (!fspace.valid() || !mspace.valid() ||
        H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
        H5Dread(ds.get(), H5T_NATIVE_FLOAT, mspace.get(), fspace.get(), H5P_DEFAULT,
                out.data()) < 0) {
        a.fail(p, "cannot read");
    }
    return out;
}

double h5_file::attr_f64(const std::string& object, const std::string& name) const {
    h5_access a(*this);
    auto [attr, type] = a.scalar_attr(object, name, H5T_FLOAT, "a floating-point number");
    double v = 0.0;
    if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) < 0) {
        a.fail(object + "@" + name, "cannot read");
    }
    return v;
}

std::int64_t h5_file::attr_i64(const std::string& object, const std::string& name) const {
    return h5_access(*this).integer_attr<std::int64_t>(object, name);
}

std::uint64_t h5_file::attr_u64(const std::string& object, const std::string& name) const {
    return h5_access(*this).integer_attr<std::uint64_t>(object, name);
}

std::string h5_file::attr_string(const std::string& object, const std::string& name) const {
    h5_access a(*this);
    const std::string where = object + "@" + name;
    h5_id attr = a.open_attr(object, name);
    h5_id type(H5Aget_type(attr.get()));
    bool ok = false;
    std::string out;
    if (type.valid()) {
        out = read_any_string(
            type.get(), [&](hid_t mtype, void* buf) { return H5Aread(attr.get(), mtype, buf); },
            ok);
    }
    if (!ok) {
        a.fail(where, "expected a string");
    }
    return out;
}

std::vector<double> h5_file::attr_f64_array(const std::string& object,
                                            const std::string& name) const {
    h5_access a(*this);
    const std::string where = object + "@" + name;
    h5_id attr = a.open_attr(object, name);
    h5_id type(H5Aget_type(attr.get()));
    h5_id space(H5Aget_space(attr.get()));
    if (!type.valid() || H5Tget_class(type.get()) != H5T_FLOAT) {
        a.fail(where, "expected floating-point numbers");
    }
    const hssize_t n = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
    if (n < 0) {
        a.fail(where, "cannot read the shape");
    }
    std::vector<double> out(static_cast<std::size_t>(n));
    if (n > 0 && H5Aread(attr.get(), H5T_NATIVE_DOUBLE, out.data()) < 0) {
        a.fail(where, "cannot read");
    }
    return out;
}

bool h5_file::has_attr(const std::string& object, const std::string& name) const {
    h5_access a(*this);
    if (!detail::hdf5_path_exists(a.file(), object)) {
        return false;
    }
    h5_id obj = a.open(object);
    return H5Aexists(obj.get(), name.c_str()) > 0;
}

std::vector<double> h5_file::read_vector(const std::string& path) const {
    return h5_access(*this).read_1d<double>(path, H5T_NATIVE_DOUBLE, H5T_FLOAT, "floats");
}

std::string h5_file::read_string(const std::string& path) const {
    h5_access a(*this);
    h5_id ds = a.open_dataset(path);
    h5_id type(H5Dget_type(ds.get()));
    h5_id space(H5Dget_space(ds.get()));
    if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) {
        a.fail(path, "expected a single string");
    }
    bool ok = false;
    std::string out;
    if (type.valid()) {
        out = read_any_string(
            type.get(),
            [&](hid_t mtype, void* buf) {
                return H5Dread(ds.get(), mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            },
            ok);
    }
    if (!ok) {
        a.fail(path, "expected a string");
    }
    return out;
}

}  // namespace neurotwin::analysis
