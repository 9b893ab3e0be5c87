// SPDX-License-Identifier: BSD-3-Clause
// Reading HDF5 files with the raw C API in tests, not analysis/h5_reader, so that a bug
// shared by the writer and the reader cannot hide. Every failed call fails the test.
#pragma once

#include <catch2/catch.hpp>
#include <hdf5.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace neurotwin::test {

// Silences HDF5's automatic error printing while alive (a failed REQUIRE says enough).
struct hdf5_quiet {
    H5E_auto2_t func = nullptr;
    void* data = nullptr;
    hdf5_quiet();
    ~hdf5_quiet();
    hdf5_quiet(const hdf5_quiet&) = delete;
    hdf5_quiet& operator=(const hdf5_quiet&) = delete;
};

// Owning id, closed by kind; a negative id (a failed open) fails the test.
struct raw {
    hid_t id;
    explicit raw(hid_t i);
    raw(const raw&) = delete;
    raw& operator=(const raw&) = delete;
    ~raw();
    operator hid_t() const { return id; }
};

// Does `path` (absolute, any depth) exist in `f`?
bool exists(hid_t f, const std::string& path);

std::vector<hsize_t> dims_of(hid_t ds);
std::vector<hsize_t> dims_of(hid_t f, const std::string& path);

// Is the dataset stored with exactly this file type?
bool dataset_type_is(hid_t f, const std::string& path, hid_t expected);

// Every element of a dataset, converted to the memory type `mtype`.
template <class T>
std::vector<T> read_all(hid_t f, const std::string& path, hid_t mtype) {
    INFO(path);
    raw ds(H5Dopen2(f, path.c_str(), H5P_DEFAULT));
    std::size_t n = 1;
    for (const auto d : dims_of(ds)) {
        n *= static_cast<std::size_t>(d);
    }
    std::vector<T> out(n);
    if (n > 0) {
        REQUIRE(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
    }
    return out;
}

// The stored bytes of a dataset (read in its own file type, so no conversion can hide a
// difference).
std::vector<unsigned char> raw_bytes(hid_t f, const std::string& path);

// A variable-length string attribute.
std::string string_attr(hid_t f, const std::string& object, const char* name);

// A scalar attribute of exactly `file_type`.
template <class T>
T scalar_attr(hid_t f, const std::string& object, const char* name, hid_t file_type,
              hid_t mtype) {
    INFO(object << " @" << name);
    raw a(H5Aopen_by_name(f, object.c_str(), name, H5P_DEFAULT, H5P_DEFAULT));
    raw t(H5Aget_type(a));
    raw s(H5Aget_space(a));
    REQUIRE(H5Tequal(t, file_type) > 0);
    REQUIRE(H5Sget_simple_extent_type(s) == H5S_SCALAR);
    T v{};
    REQUIRE(H5Aread(a, mtype, &v) >= 0);
    return v;
}

double f64_attr(hid_t f, const std::string& object, const char* name);
std::uint64_t u64_attr(hid_t f, const std::string& object, const char* name);

// A scalar variable-length string dataset.
std::string scalar_string_dataset(hid_t f, const std::string& path);

// The root attributes of a SONATA file: magic 0x0A7A and version [0, 1], both uint32.
void check_magic_and_version(hid_t f);

// Names of the direct children of a group, in name order.
std::vector<std::string> children_of(hid_t f, const std::string& group);

// Stored bytes of every dataset below `group` (paths relative to it, in name order).
std::map<std::string, std::vector<unsigned char>> datasets_below(hid_t f,
                                                                 const std::string& group);

}  // namespace neurotwin::test
