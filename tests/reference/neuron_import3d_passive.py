# SPDX-License-Identifier: BSD-3-Clause
"""NEURON reference values for two reconstructed cells loaded with Import3d, to check how
neurotwin turns an SWC file into compartments (sim/scenario/swc.cpp, models/cable.cpp).

Cells: tests/data/morphologies/Scnn1a_473845048_m.swc and Pvalb_470522102_m.swc (Allen Cell
Types Database, see the README there). Each is read with h.Import3d_SWC_read and instantiated
with h.Import3d_GUI(reader, 0).instantiate(None) (NEURON 8.2: the single-point soma becomes a
3-point cylinder L = diam = 2r along x; the soma's children start at their own first point
and hang at soma(0.5); other children start at their parent's last point).

Passive everywhere (soma, axon and dendrites alike): Ra = 100 ohm*cm, cm = 1 uF/cm^2, pas with
g_pas = 1e-4 S/cm^2. nseg per section = max(1, ceil(L / 20 um)), made odd: neurotwin's rule
with its default segment_length = 20 um, so both programs cut every section at the same
places and the comparison is of the geometry (area and axial resistance of each compartment),
not of the discretisation.

Resistances are the exact steady state of the discretised cell, from h.Impedance at 0 Hz
(input(x) = V(x)/I(x), transfer(x) = V(soma)/I(x) with the current at x; the cell is linear,
so these are independent of e_pas and of any holding current).

Distal site: for each cell the dendritic section (type 3, "dend[k]") whose midpoint has the
largest input resistance, at x = 0.5 (its middle compartment's node since nseg is odd); the
script finds it and prints its name, so that the C++ test can name it.

Printed per cell: the number of sections and compartments, the total membrane area (um^2),
the soma input resistance at soma(0.5) (MOhm), the distal site, its input resistance (MOhm),
and the transfer resistance distal site -> soma (MOhm), 10 significant digits.

Spike timing (Scnn1a only): the same cell with NEURON's hh in the soma instead of pas
(gnabar 0.12, gkbar 0.036, gl 0.0003 S/cm^2, el -54.3, ena 50, ek -77 mV; celsius 6.3,
usetable_hh = 0: exact rates) and pas e = -65 mV elsewhere, finitialize(-65); an IClamp at the
distal site for each pulse (PULSE_AMP_NA = 3 nA for PULSE_DUR = 2 ms from each of
PULSE_STARTS = 5, 25, 45 ms); run to 60 ms. Soma spike times (upward crossings of 0 mV): with
CVODE (atol = rtol = 1e-9, NetCon with condition_order 2)
and with fixed dt = 0.025 ms, secondorder 2 (Crank-Nicolson, neurotwin's default scheme),
crossings linearly interpolated between the samples of v (neurotwin's rule).
Run: /usr/bin/python3 tests/reference/neuron_import3d_passive.py   (a few seconds)
"""
import math
import os

from neuron import h

h.load_file("stdlib.hoc")
h.load_file("import3d.hoc")

HERE = os.path.dirname(os.path.abspath(__file__))
CELLS = ("Scnn1a_473845048_m.swc", "Pvalb_470522102_m.swc")
RA, CM, GPAS, SEGMENT_LENGTH = 100.0, 1.0, 1e-4, 20.0


def nseg_rule(length):
    n = max(1, math.ceil(length / SEGMENT_LENGTH))
    return n + 1 if n % 2 == 0 else n


def load(path):
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    reader = h.Import3d_SWC_read()
    reader.input(path)
    h.Import3d_GUI(reader, 0).instantiate(None)
    secs = list(h.allsec())
    for sec in secs:
        sec.Ra = RA
        sec.cm = CM
        sec.nseg = nseg_rule(sec.L)
        sec.insert("pas")
        for seg in sec:
            seg.pas.g = GPAS
            seg.pas.e = -70.0
    return secs


def resistances(soma, sec, x):
    imp = h.Impedance()
    imp.loc(x, sec=sec)
    imp.compute(0.0)
    return imp.input(x, sec=sec), imp.transfer(0.5, sec=soma)


PULSE_STARTS, PULSE_DUR, PULSE_AMP_NA, TSTOP = (5.0, 25.0, 45.0), 2.0, 3.0, 60.0


def crossings(t, v, thr=0.0):
    """Upward crossings of thr, linearly interpolated between samples."""
    out = []
    for i in range(1, len(v)):
        if v[i - 1] < thr <= v[i]:
            out.append(t[i - 1] + (thr - v[i - 1]) * (t[i] - t[i - 1]) / (v[i] - v[i - 1]))
    return out


def spike_times(secs, soma, site, mode):
    h.celsius = 6.3
    h.usetable_hh = 0
    for sec in secs:
        for seg in sec:
            seg.pas.e = -65.0
    soma.uninsert("pas")
    soma.insert("hh")
    for seg in soma:
        seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl, seg.hh.el = 0.12, 0.036, 0.0003, -54.3
        seg.ena, seg.ek = 50.0, -77.0
    stims = []
    for start in PULSE_STARTS:
        stim = h.IClamp(site)
        stim.delay, stim.dur, stim.amp = start, PULSE_DUR, PULSE_AMP_NA
        stims.append(stim)
    cv = h.CVode()
    nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    nc.threshold = 0.0
    spikes, tv, vv = h.Vector(), h.Vector(), h.Vector()
    nc.record(spikes)
    if mode == "cvode":
        cv.active(1)
        cv.atol(1e-9)
        cv.rtol(1e-9)
        cv.condition_order(2)
    else:
        cv.active(0)
        h.secondorder = 2
        h.dt = 0.025
        tv.record(h._ref_t, h.dt)
        vv.record(soma(0.5)._ref_v, h.dt)
    h.finitialize(-65.0)
    if mode == "cvode":
        cv.solve(TSTOP)
        out = list(spikes)
    else:
        while h.t < TSTOP - h.dt / 2:
            h.fadvance()
        out = crossings(list(tv), list(vv))
    cv.active(0)
    h.secondorder = 0
    return out


def fmt(xs):
    return "[" + ", ".join(f"{x:.6f}" for x in xs) + "]"


def main():
    for name in CELLS:
        secs = load(os.path.join(HERE, "..", "data", "morphologies", name))
        soma = next(s for s in secs if s.name().startswith("soma"))
        area = sum(seg.area() for s in secs for seg in s)
        n_comp = sum(s.nseg for s in secs)
        r_soma, _ = resistances(soma, soma, 0.5)
        dends = [s for s in secs if s.name().startswith("dend")]
        rin = {s.name(): resistances(soma, s, 0.5)[0] for s in dends}
        distal = max(dends, key=lambda s: rin[s.name()])
        r_in, r_tr = resistances(soma, distal, 0.5)
        print(f"{name}: {len(secs)} sections, {n_comp} compartments")
        print(f"  area            {area:.10g} um2")
        print(f"  R_in soma(0.5)  {r_soma:.10g} MOhm")
        print(f"  distal site     {distal.name()}(0.5), L = {distal.L:.6g} um, "
              f"nseg = {distal.nseg}")
        print(f"  R_in distal     {r_in:.10g} MOhm")
        print(f"  R_transfer      {r_tr:.10g} MOhm (distal -> soma)")
        if name.startswith("Scnn1a"):
            distal_name = distal.name()
            for mode in ("cvode", "cn"):
                secs = load(os.path.join(HERE, "..", "data", "morphologies", name))
                soma = next(s for s in secs if s.name().startswith("soma"))
                site = next(s for s in secs if s.name() == distal_name)(0.5)
                t = spike_times(secs, soma, site, mode)
                print(f"  soma spikes ({mode}, {PULSE_AMP_NA} nA x {PULSE_DUR} ms at the distal "
                      f"site from {PULSE_STARTS} ms) {fmt(t)}")


if __name__ == "__main__":
    main()
