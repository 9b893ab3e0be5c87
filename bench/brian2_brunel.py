#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Brunel (2000) network of scenarios/benchmarks/brunel_{ai,sr}.toml in Brian2's C++
standalone mode, for the side-by-side benchmark (bench/run_brunel.sh): 10,000 excitatory and
2,500 inhibitory LIF cells with delta synapses, fixed in-degree 1,000 / 250, delay 1.5 ms,
external drive as one Poisson train of rate C_E nu_ext per neuron (PoissonInput).

Compiles once (not counted), runs REPEATS times, prints one JSON line with median build and
simulate seconds, spikes and mean excitatory rate.

Timing of delayed jumps: Brian2 runs `on_pre` after the threshold check of the step in
which a delayed spike arrives, so the jump acts on the next step; NEST's iaf_psc_delta and
neurotwin add it within that step's update. The effective delay here is thus one step (0.1 ms)
longer than neurotwin's. The AI regime does not notice; the SR regime's oscillation does:
neurotwin at delay 1.5 ms fires 6.6% more than this script, and at 1.6 ms matches it (311.6 vs
311.9 Hz, 1 s, 2 threads).

usage: brian2_brunel.py {ai|sr} THREADS DURATION_MS WORKDIR [REPEATS]
"""
import json
import sys

import brian2 as b2
from brian2_timing import timed_runs
import numpy as np
from brian2 import ms, mV

regime, threads, duration_ms, workdir = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 1
g, eta = (6.0, 4.0) if regime == "ai" else (3.0, 2.0)
b2.set_device("cpp_standalone", build_on_run=False)
b2.prefs.devices.cpp_standalone.openmp_threads = threads
b2.prefs.codegen.cpp.extra_compile_args_gcc = ["-O3", "-w"]
b2.defaultclock.dt = 0.1 * ms
b2.seed(1)

N_E, N_I, C_E, C_I = 10000, 2500, 1000, 250
tau, theta, V_r, t_ref, J, D = 20 * ms, 20 * mV, 10 * mV, 2 * ms, 0.1 * mV, 1.5 * ms
nu_thr = theta / (J * C_E * tau)
P = b2.NeuronGroup(N_E + N_I, "dv/dt = -v/tau : volt (unless refractory)", threshold="v > theta",
                   reset="v = V_r", refractory=t_ref, method="exact")
P.v = "rand() * theta"
exc = b2.Synapses(P, P, on_pre="v += J", delay=D)
inh = b2.Synapses(P, P, on_pre="v += -g * J", delay=D)
# fixed in-degree: every target draws C_E excitatory and C_I inhibitory sources (with
# replacement, as neurotwin's multapses = true default)
rng = np.random.default_rng(1)
n = N_E + N_I
exc.connect(i=rng.integers(0, N_E, size=n * C_E), j=np.repeat(np.arange(n), C_E))
inh.connect(i=rng.integers(N_E, n, size=n * C_I), j=np.repeat(np.arange(n), C_I))
ext = b2.PoissonInput(P, "v", N=C_E, rate=eta * nu_thr, weight=J)
s_mon = b2.SpikeMonitor(P[:N_E])
b2.run(duration_ms * ms)
b2.device.build(directory=workdir, compile=True, run=False)
build_s, simulate_s, runs = timed_runs(workdir, repeats)
spikes = int(s_mon.num_spikes)
print(json.dumps({"simulator": "brian2", "regime": regime, "threads": threads,
                  "build_s": build_s, "simulate_s": simulate_s,
                  "spikes_exc": spikes, "rate_exc_hz": spikes / N_E / (duration_ms / 1000.0)}))
