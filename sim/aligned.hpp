// SPDX-License-Identifier: BSD-3-Clause
// Storage on whole cache lines, for arrays that the threads of the time loop write side by
// side (state columns, input rings, per-thread lists).
//
// Two reasons. Threads own neuron ranges that start on multiples of 8 (split_point), i.e. on
// 64-byte boundaries of a column only if the column itself starts on one: malloc's 16-byte
// alignment left one line per column shared by two threads, bounced between the cores every
// step. And a small per-thread array (a spike list, a status) allocated next to another
// thread's shares its line with it. Here every allocation starts on a line and owns whole
// lines; aligned columns also spare the vector kernels loads that straddle two lines.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace neurotwin {

inline constexpr std::size_t cache_line = 64;

template <class T>
struct cache_aligned_allocator {
    using value_type = T;

    cache_aligned_allocator() noexcept = default;
    template <class U>
    cache_aligned_allocator(const cache_aligned_allocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > (static_cast<std::size_t>(-1) - cache_line) / sizeof(T)) {
            throw std::bad_array_new_length();
        }
        const std::size_t bytes = (n * sizeof(T) + cache_line - 1) / cache_line * cache_line;
        return static_cast<T*>(::operator new(bytes, std::align_val_t(cache_line)));
    }
    void deallocate(T* p, std::size_t) noexcept {
        ::operator delete(p, std::align_val_t(cache_line));
    }
    template <class U>
    bool operator==(const cache_aligned_allocator<U>&) const noexcept {
        return true;
    }
};

template <class T>
using aligned_vector = std::vector<T, cache_aligned_allocator<T>>;

// A per-neuron column of a population.
using aligned_column = aligned_vector<double>;

inline aligned_column to_column(const std::vector<double>& v) {
    return aligned_column(v.begin(), v.end());
}

// n rounded up to whole cache lines of T (the stride of per-slot planes, so each starts on one).
template <class T>
constexpr std::size_t line_stride(std::size_t n) {
    constexpr std::size_t per_line = cache_line / sizeof(T);
    return (n + per_line - 1) / per_line * per_line;
}

}  // namespace neurotwin
