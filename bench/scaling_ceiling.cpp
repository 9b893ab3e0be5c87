// SPDX-License-Identifier: BSD-3-Clause
// How much can two threads gain on this machine? Four kernels with no sharing between
// threads, each timed with 1 and 2 threads on the same total work:
//   latency  a dependent floating-point chain per thread (the core's units mostly idle)
//   cache    a read-modify-write sweep over a 256 KiB array per thread (L2-resident)
//   llc      a vectorised sweep over two arrays of 3 MiB shared between the threads (they fit
//            the last-level cache, not L2: like the neuron state of CUBA at 64,000 neurons)
//   stream   the same sweep over 64 MiB arrays (memory-bound)
// A simulation step is mostly the last three kinds (loads and stores of state, rings,
// synapses). On two hardware cores each kernel runs ~2x faster with two threads; if the
// "cores" are two hyperthreads of one physical core, or share its caches, only the latency
// kernel does. Prints medians of 5 runs.
//
// build and run: g++ -O2 -fopenmp bench/scaling_ceiling.cpp && ./a.out
// (bench/run_scaling.sh does, before and after its timings)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double latency_kernel(int threads) {
    const long total = 400000000L;
    double sink = 0.0;
    const auto t0 = std::chrono::steady_clock::now();
    #pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
        double x = 1.0 + omp_get_thread_num();
        #pragma omp for schedule(static)
        for (long i = 0; i < total; ++i) {
            x = x * 1.0000001 + 1e-9;
            sink += x;
        }
    }
    const double t = seconds_since(t0);
    return sink == 42.0 ? 0.0 : t;
}

double cache_kernel(int threads) {
    const long per_thread = 32768;  // doubles: 256 KiB
    const int sweeps = 20000;
    double sink = 0.0;
    const auto t0 = std::chrono::steady_clock::now();
    #pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
        std::vector<double> c(per_thread, 1.0);
        const int mine = sweeps / omp_get_num_threads();
        for (int r = 0; r < mine; ++r) {
            for (long i = 0; i < per_thread; ++i) {
                c[i] = c[i] * 0.5 + 1.0;
            }
        }
        sink += c[7];
    }
    const double t = seconds_since(t0);
    return sink == 42.0 ? 0.0 : t;
}

// (AVX2 where the CPU has it, as the engine's kernels: wider loads ask more of the caches)
__attribute__((target_clones("avx2", "default"))) double stream_kernel(
    int threads, std::vector<double>& a, const std::vector<double>& b, int sweeps) {
    const long n = long(a.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < sweeps; ++r) {
        #pragma omp parallel for simd num_threads(threads) schedule(static)
        for (long i = 0; i < n; ++i) {
            a[i] = a[i] * 0.5 + b[i];
        }
    }
    return seconds_since(t0);
}

template <class F>
double median_of_5(F&& f) {
    std::vector<double> t;
    for (int k = 0; k < 5; ++k) {
        t.push_back(f());
    }
    std::sort(t.begin(), t.end());
    return t[2];
}

}  // namespace

int main() {
    std::vector<double> a(8L << 20, 1.0), b(8L << 20, 2.0);  // 64 MiB each
    std::vector<double> la(3L << 17, 1.0), lb(3L << 17, 2.0);  // 3 MiB each
    std::printf("%-8s %10s %10s %9s\n", "kernel", "1 thr [s]", "2 thr [s]", "speed-up");
    const auto row = [](const char* name, double t1, double t2) {
        std::printf("%-8s %10.3f %10.3f %9.2f\n", name, t1, t2, t1 / t2);
    };
    row("latency", median_of_5([] { return latency_kernel(1); }),
        median_of_5([] { return latency_kernel(2); }));
    row("cache", median_of_5([] { return cache_kernel(1); }),
        median_of_5([] { return cache_kernel(2); }));
    row("llc", median_of_5([&] { return stream_kernel(1, la, lb, 400); }),
        median_of_5([&] { return stream_kernel(2, la, lb, 400); }));
    row("stream", median_of_5([&] { return stream_kernel(1, a, b, 20); }),
        median_of_5([&] { return stream_kernel(2, a, b, 20); }));
}
