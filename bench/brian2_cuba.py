#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The CUBA network of scenarios/benchmarks/cuba*.toml in Brian2's C++ standalone mode, for the
side-by-side benchmark (bench/run_networks.sh). Same model as Brian2's examples/CUBA.py, scaled
to N neurons with in-degree 80 (p = 80 / N).

Compiles once (not counted), then runs the binary REPEATS times and prints one JSON line with
the median build (connectivity + setup inside the binary) and simulate seconds, spikes and
mean rate.

usage: brian2_cuba.py N THREADS DURATION_MS WORKDIR [REPEATS]
"""
import json
import sys

import brian2 as b2
from brian2_timing import timed_runs
from brian2 import ms, mV

n, threads, duration_ms, workdir = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 1
b2.set_device("cpp_standalone", build_on_run=False)
b2.prefs.devices.cpp_standalone.openmp_threads = threads
b2.prefs.codegen.cpp.extra_compile_args_gcc = ["-O3", "-w"]
b2.defaultclock.dt = 0.1 * ms
b2.seed(1)

taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = b2.NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
we = (60 * 0.27 / 10) * mV  # 1.62 mV = 16.2 pA at C_m 200 pF, tau_m 20 ms
wi = (-20 * 4.5 / 10) * mV  # -9 mV = -90 pA
n_exc = n * 4 // 5
p = 80.0 / n
Ce = b2.Synapses(P, P, on_pre="ge += we")
Ci = b2.Synapses(P, P, on_pre="gi += wi")
Ce.connect("i<n_exc", p=p)
Ci.connect("i>=n_exc", p=p)
s_mon = b2.SpikeMonitor(P)
b2.run(duration_ms * ms)
b2.device.build(directory=workdir, compile=True, run=False)
build_s, simulate_s, runs = timed_runs(workdir, repeats)
spikes = int(s_mon.num_spikes)
print(json.dumps({"simulator": "brian2", "n": n, "threads": threads,
                  "build_s": build_s, "simulate_s": simulate_s,
                  "simulate_all_s": runs, "spikes": spikes,
                  "rate_hz": spikes / n / (duration_ms / 1000.0)}))
