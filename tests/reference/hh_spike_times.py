#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reference spike times of NEURON's `hh` mechanism for tests/models/test_hh.cpp.

Single compartment (nseg = 1), area 1e-4 cm^2 (L = diam = sqrt(1e4/pi) um, so that
pi * diam * L = 1e4 um^2), cm = 1 uF/cm^2, hh with its defaults (gnabar 0.12, gkbar 0.036,
gl 0.0003 S/cm^2, el -54.3, ena 50, ek -77 mV), celsius 6.3. finitialize(V0) puts m, h, n at
their steady states at V0, as neurotwin's hh does for a given initial V_m. IClamp of 1 nA
(= 10 uA/cm^2) from t = 10 ms. CVODE (variable order, variable step) with atol 1e-10 and rtol
1e-10; spike times = upward crossings of 0 mV located by CVODE's root finder (NetCon threshold
0, condition_order 2 = interpolated). Rate tables off (usetable_hh = 0). Run: /usr/bin/python3 tests/reference/hh_spike_times.py
"""
import math

from neuron import h

h.load_file("stdrun.hoc")


def spike_times(v0, amp=1.0, delay=10.0, tstop=200.0):
    soma = h.Section(name="soma")
    d = math.sqrt(1e4 / math.pi)  # um
    soma.L = d
    soma.diam = d
    soma.nseg = 1
    soma.cm = 1.0
    soma.Ra = 100.0
    soma.insert("hh")
    h.celsius = 6.3
    # hh.mod tabulates its rates in 1 mV steps (linear interpolation) unless told not to;
    # the table alone shifts the 10th spike by ~0.16 ms. Exact rate functions:
    h.usetable_hh = 0
    stim = h.IClamp(soma(0.5))
    stim.delay = delay
    stim.dur = 1e9
    stim.amp = amp  # nA
    cv = h.CVode()
    cv.active(1)
    cv.atol(1e-10)
    cv.rtol(1e-10)
    cv.condition_order(2)
    nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    nc.threshold = 0.0
    times = h.Vector()
    nc.record(times)
    h.finitialize(v0)
    h.continuerun(tstop)
    area = soma(0.5).area()  # um^2
    return list(times), area


if __name__ == "__main__":
    for v0 in (-65.0,):
        t, area = spike_times(v0)
        print(f"# area {area:.6f} um^2, V0 = {v0} mV, 1 nA from 10 ms, celsius 6.3")
        print(", ".join(f"{x:.6f}" for x in t[:10]))
