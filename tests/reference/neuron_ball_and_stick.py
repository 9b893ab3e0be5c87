# SPDX-License-Identifier: BSD-3-Clause
"""NEURON reference values for a ball-and-stick cell, to check neurotwin's multi-compartment
(Hines) solver against.

Model (all in NEURON, `from neuron import h`):
  soma: L = 20 um, diam = 20 um, nseg = 1, Ra = 100 ohm*cm, cm = 1 uF/cm^2, hh with
        gnabar 0.12, gkbar 0.036, gl 0.0003 S/cm^2, el -54.3, ena 50, ek -77 mV.
  dend: L = 500 um, diam = 2 um, nseg = 101, Ra = 100, cm = 1, pas g = 1e-4 S/cm^2,
        e_pas = -65 mV; dend(0) connected to soma(1).
  celsius 6.3, finitialize(-65) (hh gates at their steady state at -65 mV).
  IClamp at dend(1.0): delay 5 ms, dur 40 ms, amplitude A nA, run to 50 ms.
hh rate tables are switched off (usetable_hh = 0: exact rate functions, as neurotwin uses and
as in hh_spike_times.py).

NEURON's node layout (matters when mapping onto another solver): the soma has one node at
soma(0.5) (area pi*20*20 um^2) and a zero-area node at soma(1) = dend(0); the dendrite has nseg
nodes at the segment centres (i + 0.5)/nseg and a zero-area node at dend(1). The IClamp at
dend(1.0) therefore injects into the zero-area sealed-end node, half a segment (L/(2 nseg))
beyond the last segment centre; variant (a2) puts it on the last segment centre instead. The
two give identical soma voltages: a zero-area node has no capacitive or membrane current, so
all current injected there flows through the half-segment resistance into the last segment
node (only dend(1) itself sits higher, by I * R_half).

Printed (lists of spike times in ms, 6 decimals):
  A   the chosen amplitude: smallest of {0.1, 0.2, 0.3, 0.5} nA giving >= 3 somatic spikes;
  (a) CVODE atol = rtol = 1e-9, spike times from a NetCon (threshold 0, condition_order 2,
      i.e. the crossing located by interpolation), plus linear interpolation of v sampled
      every 0.001 ms as a cross-check. Tolerances 1e-8 / 1e-10 / 1e-11 move these by at
      most ~3e-6 ms, so (a) is accurate to a few us (of the nseg = 101 discretisation);
  (a2) as (a) with the IClamp at the last dendritic segment centre instead of dend(1);
  (b) fixed dt 0.025 ms, secondorder 0 (backward Euler), crossings linearly interpolated
      between the samples of v (first order: dt 0.0025 / 0.00025 give 3rd spike 40.6768 /
      40.6606 ms against 40.6588 from CVODE); the NetCon times of fixed-step runs are only
      the step at which the threshold was passed (printed for completeness);
  (c) fixed dt 0.025 ms, secondorder 2 (Crank-Nicolson), same;
  (d) as (a) but dend nseg = 1001;
  (e) resting soma voltage (IClamp amp 0, 200 ms, CVODE), and v at t = 7 ms (2 ms into a
      subthreshold 0.05 nA step) at soma(0.5) and dend(1), CVODE.

Run: /usr/bin/python3 tests/reference/neuron_ball_and_stick.py   (a few seconds)
"""
import time

from neuron import h

h.load_file("stdrun.hoc")

DELAY, DUR, TSTOP = 5.0, 40.0, 50.0


def build(dend_nseg=101, dend_L=500.0):
    soma = h.Section(name="soma")
    soma.L = 20.0
    soma.diam = 20.0
    soma.nseg = 1
    soma.Ra = 100.0
    soma.cm = 1.0
    soma.insert("hh")
    for seg in soma:
        seg.hh.gnabar = 0.12
        seg.hh.gkbar = 0.036
        seg.hh.gl = 0.0003
        seg.hh.el = -54.3
        seg.ena = 50.0
        seg.ek = -77.0
    dend = h.Section(name="dend")
    dend.L = dend_L
    dend.diam = 2.0
    dend.nseg = dend_nseg
    dend.Ra = 100.0
    dend.cm = 1.0
    dend.insert("pas")
    for seg in dend:
        seg.pas.g = 1e-4
        seg.pas.e = -65.0
    dend.connect(soma(1), 0)
    return soma, dend


def crossings(t, v, thr=0.0):
    """Upward crossings of thr, linearly interpolated between samples."""
    out = []
    for i in range(1, len(v)):
        if v[i - 1] < thr <= v[i]:
            out.append(t[i - 1] + (thr - v[i - 1]) * (t[i] - t[i - 1]) / (v[i] - v[i - 1]))
    return out


def run(amp, mode="cvode", dend_nseg=101, tstop=TSTOP, delay=DELAY, dur=DUR, stim_x=1.0,
        probe_t=None):
    """mode: 'cvode', 'be' (fixed dt, secondorder 0) or 'cn' (fixed dt, secondorder 2).
    Returns (NetCon spike times, interpolated crossings of recorded v, soma v at end,
    {t: (soma v, dend(1) v)} for probe_t)."""
    h.celsius = 6.3
    h.usetable_hh = 0
    soma, dend = build(dend_nseg)
    if stim_x == "last":
        stim_x = 1.0 - 0.5 / dend_nseg
    stim = h.IClamp(dend(stim_x))
    stim.delay = delay
    stim.dur = dur
    stim.amp = amp
    cv = h.CVode()
    nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    nc.threshold = 0.0
    spikes = h.Vector()
    nc.record(spikes)
    tv, vv = h.Vector(), h.Vector()
    if mode == "cvode":
        cv.active(1)
        cv.atol(1e-9)
        cv.rtol(1e-9)
        cv.condition_order(2)
        rec_dt = 0.001
    else:
        cv.active(0)
        h.secondorder = 0 if mode == "be" else 2
        h.dt = 0.025
        h.steps_per_ms = 40
        rec_dt = h.dt
    tv.record(h._ref_t, rec_dt)
    vv.record(soma(0.5)._ref_v, rec_dt)
    probes = {}
    h.dt = 0.025  # stdrun's continuerun stops at tstop - dt/2; CVODE leaves its last step in dt

    def advance_to(tt):
        if mode == "cvode":
            cv.solve(tt)  # integrates to exactly tt
        else:
            h.continuerun(tt)

    h.finitialize(-65.0)
    if probe_t is not None:
        for pt in sorted(probe_t):
            advance_to(pt)
            probes[pt] = (soma(0.5).v, dend(1.0).v, h.t)
    advance_to(tstop)
    assert abs(h.t - tstop) < 1e-9, (h.t, tstop)
    out = (list(spikes), crossings(list(tv), list(vv)), soma(0.5).v, probes)
    cv.active(0)
    h.secondorder = 0
    return out


def fmt(xs):
    return "[" + ", ".join(f"{x:.6f}" for x in xs) + "]"


if __name__ == "__main__":
    t0 = time.perf_counter()
    print(f"# {h.nrnversion()}")
    counts = {}
    amp = None
    for a in (0.1, 0.2, 0.3, 0.5):
        nc_t, _, _, _ = run(a)
        counts[a] = len(nc_t)
        if amp is None and len(nc_t) >= 3:
            amp = a
    print(f"spike_counts_by_amp_nA = {counts!r}  # CVODE, IClamp at dend(1), 5-45 ms")
    print(f"AMP_nA = {amp}")

    a_nc, a_lin, _, _ = run(amp, "cvode")
    print("# (a) CVODE atol=rtol=1e-9, nseg 101; NetCon (interpolated) / v sampled at 1 us")
    print(f"spikes_cvode = {fmt(a_nc)}")
    print(f"spikes_cvode_lininterp_1us = {fmt(a_lin)}")
    a2_nc, _, _, _ = run(amp, "cvode", stim_x="last")
    print(f"# (a2) as (a), IClamp at the last dend segment centre x = {1 - 0.5 / 101:.6f}")
    print(f"spikes_cvode_stim_last_centre = {fmt(a2_nc)}")
    b_nc, b_lin, _, _ = run(amp, "be")
    print("# (b) fixed dt 0.025, secondorder 0 (backward Euler); crossings interpolated from v")
    print(f"spikes_be_dt025 = {fmt(b_lin)}")
    print(f"spikes_be_dt025_netcon = {fmt(b_nc)}")
    c_nc, c_lin, _, _ = run(amp, "cn")
    print("# (c) fixed dt 0.025, secondorder 2 (Crank-Nicolson); crossings interpolated from v")
    print(f"spikes_cn_dt025 = {fmt(c_lin)}")
    print(f"spikes_cn_dt025_netcon = {fmt(c_nc)}")
    d_nc, _, _, _ = run(amp, "cvode", dend_nseg=1001)
    print("# (d) as (a) with dend nseg = 1001")
    print(f"spikes_cvode_nseg1001 = {fmt(d_nc)}")

    _, _, v_rest, _ = run(0.0, "cvode", tstop=200.0)
    print("# (e) resting soma(0.5) v, IClamp amp 0, after 200 ms (CVODE)")
    print(f"v_rest_soma = {v_rest:.6f}")
    _, _, _, pr = run(0.05, "cvode", tstop=7.0, probe_t=[7.0])
    vs, vd, tt = pr[7.0]
    print("# (e) 0.05 nA from 5 ms at dend(1), v at t = 7.0 ms (CVODE)")
    print(f"v_soma_t7_amp005 = {vs:.6f}")
    print(f"v_dend1_t7_amp005 = {vd:.6f}  # at t = {tt:.6f}")

    def maxdiff(x, y):
        return max(abs(p - q) for p, q in zip(x, y)) if x and len(x) == len(y) else float("nan")

    print("# max |difference| to (a), ms: "
          f"lininterp {maxdiff(a_nc, a_lin):.6f}, a2 {maxdiff(a_nc, a2_nc):.6f}, "
          f"BE {maxdiff(a_nc, b_lin):.6f}, CN {maxdiff(a_nc, c_lin):.6f}, "
          f"nseg1001 {maxdiff(a_nc, d_nc):.6f}")
    print(f"# elapsed {time.perf_counter() - t0:.1f} s")
