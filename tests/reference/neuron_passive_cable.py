# SPDX-License-Identifier: BSD-3-Clause
"""NEURON vs. the analytic steady state of a finite passive cable with sealed ends, to check
neurotwin's cable discretisation and Hines solver.

One section: L = 1000 um, diam = 2 um, nseg = 1001, Ra = 100 ohm*cm, cm = 1 uF/cm^2, pas with
g_pas = 1e-4 S/cm^2, e_pas = 0 mV; finitialize(0). IClamp of I = 0.1 nA at sec(0) (the zero-area
end node) from t = 0 for 1e9 ms. Fixed step dt = 0.025 ms, backward Euler (secondorder 0), run to
300 ms = 30 membrane time constants (tau_m = R_m c_m = 10 ms, the slowest mode of a sealed cable),
so the transient is ~e^-30 below the steady state.

Analytic steady state (x measured from the injection end, sealed far end):
    V(x) = I r_a lambda cosh((L - x)/lambda) / sinh(L/lambda)
    lambda = sqrt(d R_m / (4 R_a)),  R_m = 1/g_pas,  r_a = 4 R_a / (pi d^2)
computed in SI-consistent units: d, L, x in cm, R_m in ohm*cm^2, R_a in ohm*cm, r_a in ohm/cm,
I in A, V in V, printed in mV.

Prints v at x = 0, 0.25, 0.5, 0.75, 1 (NEURON and analytic, mV, 6 decimals) and the relative
differences. NEURON's sec(0.25) is the centre of the segment containing 0.25, i.e.
250.5/1001 = 0.250250 (0.25 um away), which alone makes a ~3e-4 relative difference there; the
analytic values at the actual node positions are printed too (these agree to ~1e-7, the
O(dx^2) discretisation error). Run: /usr/bin/python3 tests/reference/neuron_passive_cable.py   (about a second)
"""
import math
import time

from neuron import h

h.load_file("stdrun.hoc")

L_UM, DIAM_UM, NSEG, RA, CM, GPAS, EPAS = 1000.0, 2.0, 1001, 100.0, 1.0, 1e-4, 0.0
I_NA, DT, TSTOP = 0.1, 0.025, 300.0
XS = (0.0, 0.25, 0.5, 0.75, 1.0)


def neuron_values():
    sec = h.Section(name="cable")
    sec.L = L_UM
    sec.diam = DIAM_UM
    sec.nseg = NSEG
    sec.Ra = RA
    sec.cm = CM
    sec.insert("pas")
    for seg in sec:
        seg.pas.g = GPAS
        seg.pas.e = EPAS
    stim = h.IClamp(sec(0.0))
    stim.delay = 0.0
    stim.dur = 1e9
    stim.amp = I_NA
    h.cvode_active(0)
    h.secondorder = 0
    h.dt = DT
    h.steps_per_ms = 1.0 / DT
    h.finitialize(EPAS)
    h.continuerun(TSTOP)
    assert abs(h.t - TSTOP) < 1e-6, h.t
    # sec(x) is the node of the segment containing x: its centre (i + 0.5)/nseg, or the
    # zero-area end node for x = 0 and 1
    nodes = [x if x in (0.0, 1.0) else (min(int(x * NSEG), NSEG - 1) + 0.5) / NSEG for x in XS]
    assert all(sec(x).v == sec(xn).v for x, xn in zip(XS, nodes))
    return [sec(x).v for x in XS], nodes


def analytic_values(xs=XS):
    d = DIAM_UM * 1e-4  # cm
    length = L_UM * 1e-4  # cm
    rm = 1.0 / GPAS  # ohm cm^2
    lam = math.sqrt(d * rm / (4.0 * RA))  # cm
    r_a = 4.0 * RA / (math.pi * d * d)  # ohm / cm
    i_a = I_NA * 1e-9  # A
    vals = [EPAS + 1e3 * i_a * r_a * lam * math.cosh((length - x * length) / lam)
            / math.sinh(length / lam) for x in xs]  # mV
    return vals, lam, r_a


if __name__ == "__main__":
    t0 = time.perf_counter()
    v_nrn, x_nodes = neuron_values()
    v_ana, lam, r_a = analytic_values()
    v_ana_nodes, _, _ = analytic_values(x_nodes)
    print(f"# {h.nrnversion()}")
    print(f"# lambda = {lam * 1e4:.6f} um, L/lambda = {L_UM * 1e-4 / lam:.6f}, "
          f"r_a = {r_a:.6e} ohm/cm, input resistance = {v_ana[0] / I_NA:.6f} MOhm")
    print(f"x = {list(XS)!r}")
    print("v_neuron_mV = [" + ", ".join(f"{v:.6f}" for v in v_nrn) + "]")
    print("v_analytic_mV = [" + ", ".join(f"{v:.6f}" for v in v_ana) + "]")
    print("rel_diff = [" + ", ".join(f"{(a - b) / b:.3e}" for a, b in zip(v_nrn, v_ana)) + "]")
    print("# NEURON's sec(x) is the centre of the segment containing x, not x itself:")
    print("x_nodes = [" + ", ".join(f"{x:.9f}" for x in x_nodes) + "]")
    print("v_analytic_at_nodes_mV = [" + ", ".join(f"{v:.6f}" for v in v_ana_nodes) + "]")
    print("rel_diff_at_nodes = ["
          + ", ".join(f"{(a - b) / b:.3e}" for a, b in zip(v_nrn, v_ana_nodes)) + "]")
    print(f"# fixed dt {DT} ms backward Euler, nseg {NSEG}, t = {TSTOP} ms; "
          f"elapsed {time.perf_counter() - t0:.1f} s")
