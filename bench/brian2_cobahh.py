#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Brian2's COBAHH benchmark (examples/COBAHH.py: Brette et al. 2007, benchmark 3) in C++
standalone mode, for the side-by-side run of bench/run_cobahh.sh against
scenarios/benchmarks/cobahh.toml: 4,000 Traub-Miles HH cells (3,200 exc / 800 inh), area
20,000 um2, exponential conductance synapses (6 / 67 nS, 5 / 10 ms), p = 0.02, exponential
Euler at dt = 0.1 ms, spike = v > -20 mV with 3 ms refractoriness.

Compiles once (not counted), then runs the binary REPEATS times and prints one JSON line with
the median build (connectivity + setup inside the binary) and simulate seconds, spikes and
mean rate.

usage: brian2_cobahh.py THREADS DURATION_MS WORKDIR [REPEATS]
"""
import json
import sys

import brian2 as b2
from brian2_timing import timed_runs
from brian2 import cm, ms, msiemens, mV, nS, siemens, ufarad, umetre

threads, duration_ms, workdir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
b2.set_device("cpp_standalone", build_on_run=False)
b2.prefs.devices.cpp_standalone.openmp_threads = threads
b2.prefs.codegen.cpp.extra_compile_args_gcc = ["-O3", "-w"]
b2.defaultclock.dt = 0.1 * ms
b2.seed(1)

area = 20000 * umetre ** 2
Cm = (1 * ufarad * cm ** -2) * area
gl = (5e-5 * siemens * cm ** -2) * area
El, EK, ENa, VT = -60 * mV, -90 * mV, 50 * mV, -63 * mV
g_na = (100 * msiemens * cm ** -2) * area
g_kd = (30 * msiemens * cm ** -2) * area
taue, taui = 5 * ms, 10 * ms
Ee, Ei = 0 * mV, -80 * mV
we, wi = 6 * nS, 67 * nS
eqs = b2.Equations("""
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-g_na*(m*m*m)*h*(v-ENa)-g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
""")
P = b2.NeuronGroup(4000, model=eqs, threshold="v>-20*mV", refractory=3 * ms,
                   method="exponential_euler")
Pe, Pi = P[:3200], P[3200:]
Ce = b2.Synapses(Pe, P, on_pre="ge+=we")
Ci = b2.Synapses(Pi, P, on_pre="gi+=wi")
Ce.connect(p=0.02)
Ci.connect(p=0.02)
P.v = "El + (randn() * 5 - 5)*mV"
P.ge = "(randn() * 1.5 + 4) * 10.*nS"
P.gi = "(randn() * 12 + 20) * 10.*nS"
s_mon = b2.SpikeMonitor(P)
b2.run(duration_ms * ms)
b2.device.build(directory=workdir, compile=True, run=False)
build_s, simulate_s, runs = timed_runs(workdir, repeats)
spikes = int(s_mon.num_spikes)
print(json.dumps({"simulator": "brian2", "n": 4000, "threads": threads,
                  "build_s": build_s, "simulate_s": simulate_s,
                  "simulate_all_s": runs, "spikes": spikes,
                  "rate_hz": spikes / 4000 / (duration_ms / 1000.0)}))
