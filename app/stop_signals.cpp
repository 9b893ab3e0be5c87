// SPDX-License-Identifier: BSD-3-Clause
#include "app/stop_signals.hpp"

#include <csignal>
#include <signal.h>

namespace neurotwin::cli {

namespace {

std::atomic<bool> g_interrupt{false};
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) {
    g_stop_signal.store(sig);
    g_interrupt.store(true);
}

}  // namespace

// Without the handler, SIGTERM/SIGHUP would kill the process and leave the temporary file
// behind. SA_RESTART: slow system calls are resumed, not failed with EINTR. A signal ignored
// when neurotwin starts stays ignored: `nohup neurotwin run ...` must survive the terminal
// closing, and a shell script's background job does not get Ctrl-C.
void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) {
            continue;
        }
        ::sigaction(sig, &sa, nullptr);
    }
}

const std::atomic<bool>& stop_requested() {
    return g_interrupt;
}

const std::atomic<int>& stop_signal() {
    return g_stop_signal;
}

}  // namespace neurotwin::cli
