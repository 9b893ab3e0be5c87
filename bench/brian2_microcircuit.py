#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Potjans & Diesmann (2014) microcircuit of scenarios/benchmarks/microcircuit.toml in
Brian2's C++ standalone mode, for the side-by-side benchmark bench/run_microcircuit.sh.

The network is read from the neurotwin scenario itself (by default generated into WORKDIR by
bench/make_microcircuit.py --scale S; --toml uses a given file), so both simulators run the
same description. How each part is translated:

- lif (NEST iaf_psc_exp): one NeuronGroup of all populations (subgroups in scenario order),
  dV_m/dt = (E_L - V_m)/tau_m + (I_ex + I_in)/C_m with exponential current synapses
  dI_ex/dt = -I_ex/tau_syn_ex, dI_in/dt = -I_in/tau_syn_in (pA jumps), method "exact" (the
  same exponential propagators as neurotwin). Threshold V_m >= V_th, reset V_m = V_reset.
- Refractoriness: V_m clamped ("unless refractory"), synaptic currents keep decaying and
  receiving. neurotwin (as NEST) clamps round(t_ref/dt) updates after the spiking step;
  Brian2 clamps while timestep(t - lastspike) < timestep(refractory), i.e. one update fewer,
  so refractory = t_ref + dt here (checked: identical V_m traces to float precision).
- Timing: a spike of step t arrives in step t + d and is added to I after that step's
  membrane update - Brian2's default schedule (groups, thresholds, synapses) does the same.
- fixed_total_number with autapses and multapses (neurotwin's defaults): n iid uniform
  (source, target) pairs. Drawn as a multinomial out-degree per source neuron (numpy) and,
  inside the binary, uniform targets per source (connect generator syntax) - the same
  distribution, without shipping 3e8 index pairs through Python.
- Weights and delays: normal(mean, sd) redrawn until within [min, max] (neurotwin's and NEST's
  "redraw"): drawn in the binary, then redrawn with conditional assignments until fewer than
  1e-3 out-of-range values are expected in the whole network, then clipped. Delays are
  rounded to the step grid as neurotwin does (llround(d/dt), at least 1 step: Brian2's queue
  rounds (int)(d/dt + 0.5), the same for d >= dt).
- Poisson background (neurotwin "poisson" stimulus, dense mode: one Poisson(rate dt) count per
  neuron and step, added to I_ex after that step's update): one PoissonInput per population,
  i.e. independent per-neuron trains added in the "synapses" slot after the update. It draws
  Binomial(N, rate dt / N) per neuron and step; N = 1e6 makes that Poisson(rate dt) to 1e-6
  at the cost of the usual N = K_ext form (Brian2's poisson() in run_regularly is exact too,
  but ~1.7x slower).
- Initial V_m: normal(mean, sd) per population, unbounded as in the scenario; I_ex = I_in = 0.

Compiles once (not counted), runs the binary (under /usr/bin/time) and prints one JSON line:
build_s (wall time of the binary minus its simulation loop: connectivity, initialisation and
Brian2's writing of all arrays, synapses included, to WORKDIR/results at the end),
simulate_s (device._last_run_time), peak_rss_mb (of the binary), spikes, rates_hz per
population, synapses.

usage: brian2_microcircuit.py THREADS DURATION_MS WORKDIR [--scale S] [--toml FILE] [--seed N]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tomllib

import brian2 as b2
import numpy as np
from brian2 import Hz, ms, mV, pA, pF

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("threads", type=int)
ap.add_argument("duration_ms", type=float)
ap.add_argument("workdir")
ap.add_argument("--scale", type=float, default=1.0, help="network scale (fixed in-degrees)")
ap.add_argument("--toml", help="scenario to translate (default: make_microcircuit.py --scale)")
ap.add_argument("--seed", type=int, default=1, help="Brian2 and numpy seed")
args = ap.parse_args()
os.makedirs(args.workdir, exist_ok=True)

# --- the scenario -------------------------------------------------------------------------
toml_path = args.toml
if toml_path is None:
    toml_path = os.path.join(args.workdir, "microcircuit.toml")
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "make_microcircuit.py"), "-o", toml_path,
                    "--scale", repr(args.scale), "--duration", repr(args.duration_ms)],
                   check=True, stdout=subprocess.DEVNULL)
with open(toml_path, "rb") as f:
    sc = tomllib.load(f)
dt_ms = float(sc["simulation"].get("dt", 0.1))
pops = sc["population"]
names = [p["name"] for p in pops]
sizes = [int(p["size"]) for p in pops]
offsets = [0] + [int(x) for x in np.cumsum(sizes)]
index = {name: k for k, name in enumerate(names)}
n_total = int(offsets[-1])

lif_defaults = {"tau_m": 10.0, "C_m": 250.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
                "t_ref": 2.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0, "I_e": 0.0}
params = None
for p in pops:
    if p["model"] != "lif" or p.get("synapse", "exp_current") != "exp_current":
        sys.exit(f"{p['name']}: only lif with exp_current synapses is translated")
    pp = dict(lif_defaults, **p.get("params", {}))
    if not all(isinstance(v, (int, float)) for v in pp.values()):
        sys.exit(f"{p['name']}: per-neuron parameters are not translated")
    if params is not None and pp != params:
        sys.exit("populations with different lif parameters are not translated")
    params = pp
if params["I_e"] != 0.0:
    sys.exit("I_e is not translated")


def normal_spec(v, what):
    """(mean, sd, lo, hi) of a number or { normal = [mean, sd], min, max }."""
    if isinstance(v, (int, float)):
        return float(v), 0.0, -math.inf, math.inf
    if "normal" not in v:
        sys.exit(f"{what}: only constants and normal distributions are translated")
    m, s = v["normal"]
    return float(m), float(s), float(v.get("min", -math.inf)), float(v.get("max", math.inf))


# --- Brian2 --------------------------------------------------------------------------------
b2.set_device("cpp_standalone", build_on_run=False)
b2.prefs.devices.cpp_standalone.openmp_threads = args.threads
b2.prefs.codegen.cpp.extra_compile_args_gcc = ["-O3", "-w"]
b2.defaultclock.dt = dt_ms * ms
b2.seed(args.seed)
rng = np.random.default_rng(args.seed)

tau_m, C_m = params["tau_m"] * ms, params["C_m"] * pF
E_L, V_th, V_reset = params["E_L"] * mV, params["V_th"] * mV, params["V_reset"] * mV
tau_syn_ex, tau_syn_in = params["tau_syn_ex"] * ms, params["tau_syn_in"] * ms

# out-degree variables: one per (sign, target population) that has projections
projs = sc.get("projection", [])
if len({(pr["source"], pr["target"]) for pr in projs}) != len(projs):
    sys.exit("several projections between the same populations are not translated")
for pr in projs:
    if pr.get("rule") != "fixed_total_number" or not pr.get("autapses", True) \
            or not pr.get("multapses", True) or pr.get("encoding", "rate") != "rate":
        sys.exit(f"{pr['source']} -> {pr['target']}: only fixed_total_number with autapses and "
                 "multapses is translated")
    pr["_w"] = normal_spec(pr["weight"], "weight")
    pr["_d"] = normal_spec(pr.get("delay", dt_ms), "delay")
    pr["_sign"] = "ex" if pr["_w"][0] >= 0 else "in"
    if (pr["_w"][0] >= 0 and pr["_w"][2] < 0) or (pr["_w"][0] < 0 and pr["_w"][3] > 0):
        sys.exit("weights that may change sign are not translated (neurotwin routes each "
                 "synapse by the sign of its own weight)")
kout_vars = sorted({(pr["_sign"], pr["target"]) for pr in projs})
eqs = """
dV_m/dt = (E_L - V_m) / tau_m + (I_ex + I_in) / C_m : volt (unless refractory)
dI_ex/dt = -I_ex / tau_syn_ex : amp
dI_in/dt = -I_in / tau_syn_in : amp
pop : integer (constant)
""" + "".join(f"kout_{s}_{t} : integer (constant)\n" for s, t in kout_vars)
# refractory = t_ref + dt: neurotwin/NEST clamp round(t_ref/dt) updates, Brian2 one fewer
G = b2.NeuronGroup(n_total, eqs, threshold="V_m >= V_th", reset="V_m = V_reset",
                   refractory=(params["t_ref"] + dt_ms) * ms, method="exact", name="neurons")
G.pop = np.repeat(np.arange(len(names)), sizes)
for k, p in enumerate(pops):
    init = p.get("init", {}).get("V_m", params["E_L"])
    m, s, lo, hi = normal_spec(init, f"{p['name']} init V_m")
    if lo > -math.inf or hi < math.inf:
        sys.exit("bounded initial values are not translated")
    G[offsets[k]:offsets[k + 1]].V_m = f"({m} + {s} * randn()) * mV"

# Poisson background: PoissonInput draws Binomial(N, rate dt / N) events per neuron and step
# (added in the "synapses" slot, after the update, as neurotwin adds its events of the step);
# with N = 1e6 that is neurotwin's Poisson(rate dt) count to 1e-6 (variance factor 1 - p),
# at the cost of Brian2's usual N = K_ext, 8 Hz form (one uniform and a short inversion loop)
N_BG = 1_000_000
background = []
for st in sc.get("stimulus", []):
    if st["type"] != "poisson" or not isinstance(st["rate"], (int, float)) \
            or not isinstance(st["weight"], (int, float)) or "start" in st or "stop" in st \
            or st["weight"] <= 0:
        sys.exit(f"stimulus {st['name']}: only constant excitatory poisson stimuli are translated")
    k = index[st["target"]]
    background.append(b2.PoissonInput(G[offsets[k]:offsets[k + 1]], "I_ex", N_BG,
                                      st["rate"] / N_BG * Hz, st["weight"] * pA))

# recurrent synapses: one Synapses object per sign, every projection connected into it
syn = {
    "ex": b2.Synapses(G, G, "w : amp", on_pre="I_ex_post += w", name="syn_ex"),
    "in": b2.Synapses(G, G, "w : amp", on_pre="I_in_post += w", name="syn_in"),
}
kout = {key: np.zeros(n_total, dtype=np.int64) for key in kout_vars}
n_syn = {"ex": 0, "in": 0}
for pr in projs:
    s, t = index[pr["source"]], index[pr["target"]]
    n = int(pr["n"])
    # n iid uniform sources = a multinomial out-degree per source neuron
    kout[(pr["_sign"], pr["target"])][offsets[s]:offsets[s + 1]] += \
        rng.multinomial(n, np.full(sizes[s], 1.0 / sizes[s]))
    n_syn[pr["_sign"]] += n
for (sign, tname), arr in kout.items():
    setattr(G, f"kout_{sign}_{tname}", arr)
    t = index[tname]
    syn[sign].connect(j=f"{offsets[t]} + int(rand() * {sizes[t]}) "
                        f"for _ in range(kout_{sign}_{tname}_pre)")


def draw(S, var, unit, spec_groups):
    """Sets S.var from normal specs, each with the condition selecting its synapses; the most
    common spec unconditionally. Out-of-range values are redrawn (conditional assignments)
    until fewer than 1e-3 are expected to remain, then clipped."""
    spec_groups = sorted(spec_groups.items(), key=lambda kv: -kv[1]["n"])
    for k, (spec, g) in enumerate(spec_groups):
        m, sd, lo, hi = spec
        expr = f"({m} + {sd} * randn()) * {unit}"
        cond = " or ".join(g["conds"])
        if k == 0:
            setattr(S, var, expr)
        else:
            getattr(S, var)[cond] = expr
        if sd == 0.0:
            continue
        p_out = 0.5 * math.erfc((m - lo) / (sd * math.sqrt(2))) \
            + 0.5 * math.erfc((hi - m) / (sd * math.sqrt(2)))
        rounds = 0
        while p_out > 0 and g["n"] * p_out ** (rounds + 1) > 1e-3 and rounds < 100:
            rounds += 1
        out = " or ".join(c for c in (f"{var} < {lo} * {unit}" if lo > -math.inf else "",
                                      f"{var} > {hi} * {unit}" if hi < math.inf else "") if c)
        sel = f"({out})" if k == 0 else f"({out}) and ({cond})"
        for _ in range(rounds):
            getattr(S, var)[sel] = expr
        if out:
            lo_s = f"{lo} * {unit}" if lo > -math.inf else f"-inf * {unit}"
            hi_s = f"{hi} * {unit}" if hi < math.inf else f"inf * {unit}"
            getattr(S, var)[sel] = f"clip({var}, {lo_s}, {hi_s})"


for sign, S_sign in syn.items():
    wspec, dspec = {}, {}
    for pr in projs:
        if pr["_sign"] != sign:
            continue
        cond = f"(pop_pre == {index[pr['source']]} and pop_post == {index[pr['target']]})"
        for specs, key in ((wspec, pr["_w"]), (dspec, pr["_d"])):
            g = specs.setdefault(key, {"n": 0, "conds": []})
            g["n"] += int(pr["n"])
            g["conds"].append(cond)
    if n_syn[sign] == 0:
        continue
    draw(S_sign, "w", "pA", wspec)
    draw(S_sign, "delay", "ms", dspec)
    # the step grid as neurotwin: llround(d / dt), at least one step
    S_sign.delay = f"clip(floor(delay / ({dt_ms} * ms) + 0.5), 1, inf) * {dt_ms} * ms"

s_mon = b2.SpikeMonitor(G, record=True, name="spikes")
# an explicit Network: the magic one only finds objects bound to names, not in the dict
net = b2.Network(G, s_mon, *background, *(syn[sign] for sign in syn if n_syn[sign] > 0))
net.run(args.duration_ms * ms)
b2.device.build(directory=args.workdir, compile=True, run=False)
# the binary alone under /usr/bin/time: its peak memory, without Python's or the compiler's
rss_file = os.path.join(os.path.abspath(args.workdir), "peak_rss_kb.txt")
b2.prefs.devices.cpp_standalone.run_cmd_unix = ["/usr/bin/time", "-f", "%M", "-o", rss_file,
                                                "./main"]
b2.device.run(directory=args.workdir, with_output=False, run_args=[])
wall = float(b2.device.timers["run_binary"])  # wall time of the binary
run_s = float(b2.device._last_run_time)  # its simulation loop
with open(rss_file) as f:
    peak_mb = int(f.read().split()[-1]) / 1024.0
counts = np.bincount(np.asarray(s_mon.i[:], dtype=np.int64), minlength=n_total)
t_s = args.duration_ms / 1000.0
rates = {name: float(counts[offsets[k]:offsets[k + 1]].sum()) / sizes[k] / t_s
         for k, name in enumerate(names)}
synapses = int(len(syn["ex"])) + int(len(syn["in"]))
print(json.dumps({"simulator": "brian2", "scale": args.scale, "threads": args.threads,
                  "duration_ms": args.duration_ms, "neurons": n_total,
                  "build_s": wall - run_s, "simulate_s": run_s, "peak_rss_mb": peak_mb,
                  "spikes": int(counts.sum()), "rates_hz": rates, "synapses": synapses}))
