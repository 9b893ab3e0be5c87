// SPDX-License-Identifier: BSD-3-Clause
#include "tests/h5_raw.hpp"

namespace neurotwin::test {

hdf5_quiet::hdf5_quiet() {
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

hdf5_quiet::~hdf5_quiet() {
    H5Eset_auto2(H5E_DEFAULT, func, data);
}

raw::raw(hid_t i) : id(i) {
    REQUIRE(id >= 0);
}

raw::~raw() {
    switch (H5Iget_type(id)) {
        case H5I_FILE: H5Fclose(id); break;
        case H5I_GROUP: H5Gclose(id); break;
        case H5I_DATASET: H5Dclose(id); break;
        case H5I_DATATYPE: H5Tclose(id); break;
        case H5I_DATASPACE: H5Sclose(id); break;
        case H5I_ATTR: H5Aclose(id); break;
        default: break;
    }
}

bool exists(hid_t f, const std::string& path) {
    // H5Lexists wants every parent to exist; walk down.
    std::size_t pos = 1;
    while (true) {
        const auto end = path.find('/', pos);
        const std::string prefix = path.substr(0, end);
        if (H5Lexists(f, prefix.c_str(), H5P_DEFAULT) <= 0) {
            return false;
        }
        if (end == std::string::npos) {
            return true;
        }
        pos = end + 1;
    }
}

std::vector<hsize_t> dims_of(hid_t ds) {
    raw space(H5Dget_space(ds));
    const int rank = H5Sget_simple_extent_ndims(space);
    REQUIRE(rank >= 0);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    return dims;
}

std::vector<hsize_t> dims_of(hid_t f, const std::string& path) {
    INFO(path);
    raw ds(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
    return dims_of(ds);
}

bool dataset_type_is(hid_t f, const std::string& path, hid_t expected) {
    INFO(path);
    raw ds(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
    raw t(H5Dget_type(ds));
    return H5Tequal(t, expected) > 0;
}

std::vector<unsigned char> raw_bytes(hid_t f, const std::string& path) {
    INFO(path);
    raw ds(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
    raw t(H5Dget_type(ds));
    raw space(H5Dget_space(ds));
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<unsigned char> out(n * H5Tget_size(t));
    if (n > 0) {
        REQUIRE(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
    }
    return out;
}

std::string string_attr(hid_t f, const std::string& object, const char* name) {
    INFO(object << " @" << name);
    raw a(H5Aopen_by_name(f, object.c_str(), name, H5P_DEFAULT, H5P_DEFAULT));
    raw t(H5Aget_type(a));
    REQUIRE(H5Tget_class(t) == H5T_STRING);
    REQUIRE(H5Tis_variable_str(t) > 0);
    char* p = nullptr;
    REQUIRE(H5Aread(a, t, &p) >= 0);
    std::string out = p != nullptr ? p : "";
    H5free_memory(p);
    return out;
}

double f64_attr(hid_t f, const std::string& object, const char* name) {
    return scalar_attr<double>(f, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}
std::uint64_t u64_attr(hid_t f, const std::string& object, const char* name) {
    return scalar_attr<std::uint64_t>(f, object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64);
}

std::string scalar_string_dataset(hid_t f, const std::string& path) {
    INFO(path);
    raw ds(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
    raw t(H5Dget_type(ds));
    REQUIRE(H5Tget_class(t) == H5T_STRING);
    REQUIRE(H5Tis_variable_str(t) > 0);
    char* p = nullptr;
    REQUIRE(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0);
    std::string out = p != nullptr ? p : "";
    H5free_memory(p);
    return out;
}

void check_magic_and_version(hid_t f) {
    CHECK(scalar_attr<std::uint32_t>(f, "/", "magic", H5T_STD_U32LE, H5T_NATIVE_UINT32) ==
          0x0A7A);
    raw a(H5Aopen_by_name(f, "/", "version", H5P_DEFAULT, H5P_DEFAULT));
    raw t(H5Aget_type(a));
    raw s(H5Aget_space(a));
    CHECK(H5Tequal(t, H5T_STD_U32LE) > 0);
    REQUIRE(H5Sget_simple_extent_npoints(s) == 2);
    std::uint32_t v[2] = {9, 9};
    REQUIRE(H5Aread(a, H5T_NATIVE_UINT32, v) >= 0);
    CHECK(v[0] == 0);
    CHECK(v[1] == 1);
}

std::vector<std::string> children_of(hid_t f, const std::string& group) {
    std::vector<std::string> names;
    H5L_iterate_t collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
    };
    raw g(H5Gopen2(f, group.c_str(), H5P_DEFAULT));
    REQUIRE(H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) >= 0);
    return names;
}

std::map<std::string, std::vector<unsigned char>> datasets_below(hid_t f,
                                                                 const std::string& group) {
    std::vector<std::string> paths;
    H5L_iterate_t collect = [](hid_t g, const char* name, const H5L_info_t*,
                               void* data) -> herr_t {
        const hid_t obj = H5Oopen(g, name, H5P_DEFAULT);
        if (obj < 0) {
            return -1;
        }
        if (H5Iget_type(obj) == H5I_DATASET) {
            static_cast<std::vector<std::string>*>(data)->push_back(name);
        }
        H5Oclose(obj);
        return 0;
    };
    raw g(H5Gopen2(f, group.c_str(), H5P_DEFAULT));
    REQUIRE(H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, collect, &paths) >= 0);
    std::map<std::string, std::vector<unsigned char>> out;
    for (const auto& p : paths) {
        out[p] = raw_bytes(f, group + "/" + p);
    }
    return out;
}

}  // namespace neurotwin::test
