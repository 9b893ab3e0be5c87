// SPDX-License-Identifier: BSD-3-Clause
// The team barrier of the time loop: sense-reversing, on one counter and one flag in cache
// lines of their own. A step (or interval) has one or two of them, so their latency bounds
// how far small networks scale: on the 2-core test machine an OpenMP barrier took 1.46 us,
// this one 0.4-0.5 us when it spins (bench/scaling_ceiling.cpp measures the machine; a cache
// line takes ~0.2 us from core to core). The arriving thread's acq_rel increment and the
// release/acquire flag make every write before the barrier visible after it.
//
// Spinning pays only while the awaited threads are running. When they are not -- another
// program holds their core, or there are more threads than cores -- a spinning waiter burns
// the very core the late thread needs, and yielding does not help (CFS puts a yielding thread
// back at once): small runs took 5-400x longer than on one thread with one core busy. So a
// waiter spins (with the pause hint) for at most its spin budget, then sleeps on the flag
// (std::atomic::wait, a futex on Linux) until the last thread flips it. The budget adapts per
// thread: it halves (down to spin_min) after every wait whose release came more than
// spin_max after the thread arrived (no spinning could have caught it), is reset to spin_max
// after a wait that slept although the release came sooner, and doubles after every wait
// that spinning ended -- so where spinning does not pay the threads soon stop spinning, a
// thread whose partners are running keeps its core, and an idle machine keeps the spin
// barrier's latency. The last thread makes the futex call only when someone sleeps
// (sleepers_), so the spinning case costs no system call. Which thread waits how never
// changes a result.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace neurotwin {

class spin_barrier {
public:
    // Per-thread state: the sense of the next barrier and the current spin budget.
    struct waiter {
        int sense = 0;
        std::int64_t spin_ns = spin_max_ns;
    };
    // A futex wake-up costs about 2-10 us from the call to the sleeper running again
    // (more on a VM); spinning longer than that before sleeping gains nothing.
    static constexpr std::int64_t spin_max_ns = 20000;
    static constexpr std::int64_t spin_min_ns = 500;  // still catches a barrier in step

    explicit spin_barrier(int threads) : n_(threads) {}

    // Returns when all `threads` threads have called wait(); `w` is the caller's own.
    void wait(waiter& w) {
        if (n_ == 1) {
            return;  // nothing to wait for
        }
        const int sense = w.sense ^= 1;
        if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
            count_.store(0, std::memory_order_relaxed);
            if (sleepers_.load(std::memory_order_relaxed) > 0) {
                release_ns_.store(now_ns(), std::memory_order_relaxed);  // published below
            }
            // seq_cst with the load of sleepers_: either a sleeper's increment is seen here
            // (and it is woken), or its load of sense_ after the increment sees the flip.
            sense_.store(sense, std::memory_order_seq_cst);
            if (sleepers_.load(std::memory_order_seq_cst) > 0) {
                sense_.notify_all();
            }
            return;
        }
        const std::int64_t t0 = now_ns();
        for (std::uint32_t spins = 1;; ++spins) {
            if (sense_.load(std::memory_order_acquire) == sense) {
                w.spin_ns = std::min(spin_max_ns, 2 * w.spin_ns);
                return;
            }
            __builtin_ia32_pause();
            // the clock costs ~20 ns (vDSO): read it every 32 pauses (~0.1-1 us)
            if (spins % 32 == 0 && now_ns() - t0 > w.spin_ns) {
                break;
            }
        }
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        for (int v = sense_.load(std::memory_order_seq_cst); v != sense;
             v = sense_.load(std::memory_order_seq_cst)) {
            sense_.wait(v, std::memory_order_seq_cst);
        }
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        // Would spinning have paid? The last thread stamped the release (when it saw a
        // sleeper; an older stamp reads as "soon"). Released within spin_max of our arrival:
        // a longer spin would have caught it without giving up the core -- which on a shared
        // core costs the other program's whole time slice (ms), not the futex's microseconds
        // -- so the budget goes back to spin_max. Released later: no spin could have caught
        // it; spin less next time.
        if (release_ns_.load(std::memory_order_relaxed) - t0 < spin_max_ns) {
            w.spin_ns = spin_max_ns;
        } else {
            w.spin_ns = std::max(spin_min_ns, w.spin_ns / 2);
        }
    }

private:
    static std::int64_t now_ns() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    alignas(64) std::atomic<int> count_{0};
    // the flag and the release stamp share a line: sleepers read both
    alignas(64) std::atomic<int> sense_{0};
    std::atomic<std::int64_t> release_ns_{0};
    alignas(64) std::atomic<int> sleepers_{0};
    int n_;
};
}  // namespace neurotwin
