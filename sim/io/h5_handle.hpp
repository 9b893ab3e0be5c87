// SPDX-License-Identifier: BSD-3-Clause
// Internal to the HDF5 code (sim/io/h5_writer.cpp, sim/io/edges.cpp, analysis/h5_reader.cpp,
// analysis/h5_output.cpp): an owning HDF5 identifier and the few helpers they share. It
// includes hdf5.h, so include it only from those sources, never from a header that other code
// sees.
#pragma once

#include <hdf5.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

namespace neurotwin::detail {

// Turns off HDF5's printing of its error stack to stderr; failures become io_error messages
// instead. The Debian library is built thread-safe, where this setting is per thread, so every
// public entry point calls it (the engine may call the writer from any OpenMP thread).
inline void silence_hdf5_errors() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// The description of the innermost entry of this thread's HDF5 error stack (the place where
// the failure was detected, e.g. "unable to open file: ... errno = 2 ..."), or "" when the
// stack is empty. Clears the stack.
inline std::string hdf5_error_detail() {
    std::string out;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
            if (n == 0 && err != nullptr && err->desc != nullptr) {
                *static_cast<std::string*>(data) = err->desc;
            }
            return 0;
        },
        &out);
    H5Eclear2(H5E_DEFAULT);
    // A failed system call is described with time, descriptor, buffer address and offsets
    // (over two lines); what the user needs is the operation and the system's reason:
    // "file write failed: No space left on device".
    const auto op_end = std::min(out.find(':'), out.find(", errno"));
    const auto reason = out.find("error message = '");
    if (op_end != std::string::npos && reason != std::string::npos) {
        const auto start = reason + 17;
        const auto end = out.find('\'', start);
        if (end != std::string::npos) {
            out = out.substr(0, op_end) + ": " + out.substr(start, end - start);
        }
    }
    return out;
}

// Closes an identifier with the function its kind requires.
inline herr_t close_hdf5_id(hid_t id) noexcept {
    switch (H5Iget_type(id)) {
        case H5I_FILE: return H5Fclose(id);
        case H5I_GROUP: return H5Gclose(id);
        case H5I_DATATYPE: return H5Tclose(id);
        case H5I_DATASPACE: return H5Sclose(id);
        case H5I_DATASET: return H5Dclose(id);
        case H5I_ATTR: return H5Aclose(id);
        case H5I_GENPROP_LST: return H5Pclose(id);
        default: return H5Idec_ref(id) < 0 ? -1 : 0;
    }
}

// Owns one identifier returned by an H5*create/open/copy call (never a predefined type such as
// H5T_STD_U64LE, which must not be closed). An invalid (negative) id is allowed and owns nothing.
class h5_id {
public:
    h5_id() = default;
    explicit h5_id(hid_t id) noexcept : id_(id) {}
    h5_id(h5_id&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    h5_id& operator=(h5_id&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    h5_id(const h5_id&) = delete;
    h5_id& operator=(const h5_id&) = delete;
    ~h5_id() { reset(); }

    hid_t get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }

    // Returns the close status: closing the file flushes it, and that failure must be seen.
    herr_t reset() noexcept {
        herr_t status = 0;
        if (id_ >= 0) {
            status = close_hdf5_id(id_);
        }
        id_ = H5I_INVALID_HID;
        return status;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Closes a file that is being thrown away (its temporary name is removed next) so that the
// close itself does not fail for the reason the writing did. HDF5 (1.10) flushes what it has
// cached when it closes a file; when that fails (a full disk: ENOSPC), H5Fclose gives up
// half-way and the id stays registered with a half-destroyed file behind it. So the file's
// descriptor is first pointed at an anonymous in-memory file (memfd_create): the last flush
// goes there and succeeds (the memory file is sparse), and the id is released. When an
// earlier H5Fflush failed inside the metadata cache, HDF5 1.10 cannot close the file at all;
// the id then stays (sim/io/h5_writer.cpp keeps HDF5's atexit handler from crashing on it).
// Files of other drivers are closed as they are.
inline void discard_hdf5_file(h5_id& file) noexcept {
    if (!file.valid()) {
        return;
    }
    const hid_t fapl = H5Fget_access_plist(file.get());
    const bool sec2 = fapl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2;
    if (fapl >= 0) {
        H5Pclose(fapl);
    }
    void* handle = nullptr;
    if (sec2 && H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
        const int fd = *static_cast<int*>(handle);
        const int sink = ::memfd_create("neurotwin-discarded-hdf5", MFD_CLOEXEC);
        if (sink >= 0) {
            ::dup2(sink, fd);  // the descriptor keeps its number (and HDF5's view of it)
            ::close(sink);
        }
    }
    file.reset();
    H5Eclear2(H5E_DEFAULT);
}

// A variable-length UTF-8 string type: what SONATA readers expect for `units` and what h5py
// returns as str. Invalid on failure.
inline h5_id make_utf8_string_type() {
    h5_id t(H5Tcopy(H5T_C_S1));
    if (!t.valid() || H5Tset_size(t.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(t.get(), H5T_CSET_UTF8) < 0) {
        return h5_id{};
    }
    return t;
}

// Whether every link of `path` (absolute, or relative to `loc`) exists. H5Lexists alone fails
// instead of answering when an intermediate group is missing, so walk the path.
inline bool hdf5_path_exists(hid_t loc, const std::string& path) {
    std::string prefix = path.starts_with('/') ? "/" : "";
    std::size_t pos = prefix.size();
    while (pos < path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string::npos) {
            end = path.size();
        }
        if (end > pos) {
            if (!prefix.empty() && !prefix.ends_with('/')) {
                prefix += '/';
            }
            prefix.append(path, pos, end - pos);
            if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
                H5Eclear2(H5E_DEFAULT);
                return false;
            }
        }
        pos = end + 1;
    }
    return true;
}

}  // namespace neurotwin::detail
