#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""NEURON side of the multi-compartment benchmark: N unconnected ball-and-stick cells, each
  soma: L = diam = 20 um, nseg 1, Ra 100 ohm*cm, cm 1 uF/cm^2, hh (gnabar 0.12, gkbar 0.036,
        gl 0.0003 S/cm^2, el -54.3, ena 50, ek -77 mV; rate tables off, usetable_hh = 0, as in
        tests/reference/neuron_ball_and_stick.py);
  dend: L = 1000 um, diam 2 um, nseg = --nseg (default 999, i.e. 1000 compartments per cell
        with the soma), Ra 100, cm 1, pas g 1e-4 S/cm^2, e -65 mV; dend(0) on soma(1);
  IClamp at dend(1): delay 5 ms, dur 1e9 ms, amp --amp nA (default 0.8: tonic firing at
        ~78 Hz, steady ISI 12.8 ms. This cell fires tonically only for about 0.6-1.0 nA:
        0.5 nA gives just 2 spikes then rests, 1.5 nA 2 spikes then depolarisation block).
celsius 6.3, finitialize(-65), fixed step --dt (0.025 ms), backward Euler (secondorder 0),
tstop --tstop (1000 ms). Spikes: a NetCon with threshold 0 on each soma(0.5), collected with
ParallelContext.spike_record. --threads n > 1 uses ParallelContext.nthread(n) (cells are spread
over the threads). cache_efficient(1) is on (NEURON's fast memory layout; same results).

Prints one JSON line: simulator, version, cells, compartments_per_cell, threads, build_s (creating
the cells), sim_s (finitialize + psolve), spikes, dt, tstop (times by time.perf_counter()).

usage: /usr/bin/python3 bench/neuron_ball_and_stick.py [--cells 100] [--nseg 999] [--tstop 1000]
                                                      [--threads 1] [--amp 0.8] [--dt 0.025]
"""
import argparse
import json
import time

import neuron
from neuron import h


class BallAndStick:
    def __init__(self, gid, nseg, amp):
        self.soma = h.Section(name=f"soma_{gid}")
        self.soma.L = 20.0
        self.soma.diam = 20.0
        self.soma.nseg = 1
        self.soma.Ra = 100.0
        self.soma.cm = 1.0
        self.soma.insert("hh")
        for seg in self.soma:
            seg.hh.gnabar = 0.12
            seg.hh.gkbar = 0.036
            seg.hh.gl = 0.0003
            seg.hh.el = -54.3
            seg.ena = 50.0
            seg.ek = -77.0
        self.dend = h.Section(name=f"dend_{gid}")
        self.dend.L = 1000.0
        self.dend.diam = 2.0
        self.dend.nseg = nseg
        self.dend.Ra = 100.0
        self.dend.cm = 1.0
        self.dend.insert("pas")
        for seg in self.dend:
            seg.pas.g = 1e-4
            seg.pas.e = -65.0
        self.dend.connect(self.soma(1), 0)
        self.stim = h.IClamp(self.dend(1.0))
        self.stim.delay = 5.0
        self.stim.dur = 1e9
        self.stim.amp = amp
        self.nc = h.NetCon(self.soma(0.5)._ref_v, None, sec=self.soma)
        self.nc.threshold = 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=100)
    ap.add_argument("--nseg", type=int, default=999, help="dendrite segments")
    ap.add_argument("--tstop", type=float, default=1000.0, help="ms")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--amp", type=float, default=0.8, help="IClamp amplitude at dend(1), nA")
    ap.add_argument("--dt", type=float, default=0.025, help="ms")
    args = ap.parse_args()

    h.load_file("stdrun.hoc")
    pc = h.ParallelContext()
    h.celsius = 6.3
    h.usetable_hh = 0
    h.cvode_active(0)
    h.secondorder = 0
    h.dt = args.dt
    h.steps_per_ms = 1.0 / args.dt

    t0 = time.perf_counter()
    cells = []
    for gid in range(args.cells):
        c = BallAndStick(gid, args.nseg, args.amp)
        pc.set_gid2node(gid, pc.id())
        pc.cell(gid, c.nc)
        cells.append(c)
    if args.threads > 1:
        pc.nthread(args.threads)
    h.CVode().cache_efficient(1)
    spike_t, spike_gid = h.Vector(), h.Vector()
    pc.spike_record(-1, spike_t, spike_gid)
    pc.set_maxstep(10)
    build_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    h.finitialize(-65.0)
    pc.psolve(args.tstop)
    sim_s = time.perf_counter() - t0

    print(json.dumps({
        "simulator": "NEURON",
        "version": neuron.__version__,
        "cells": args.cells,
        "compartments_per_cell": 1 + args.nseg,
        "threads": max(1, int(pc.nthread())),
        "build_s": round(build_s, 6),
        "sim_s": round(sim_s, 6),
        "spikes": int(spike_t.size()),
        "dt": args.dt,
        "tstop": args.tstop,
    }))


if __name__ == "__main__":
    main()
