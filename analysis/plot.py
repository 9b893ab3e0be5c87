#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Figures of neurotwin outputs (called by `neurotwin plot`; runs on its own too).

    plot.py -o DIR FILE.h5 ... [OUTDIR/batch.json ...]

For every HDF5 file: a spike raster over the population rate, membrane traces, ISI and rate
histograms per spiking population, and per twin an overlay of a(t) and r(t) and its tuning
curves. For a batch.json: a summary of each swept parameter (mean firing rate against it).
Works on any SONATA spike file; what is missing from a file is skipped. PNGs are 1200 x 750
pixels (12 x 7.5 in at 100 dpi).
"""
import argparse
import json
import math
import os
import re
import sys

try:
    import tomllib  # Python >= 3.11: reads the scenario of old files (recorded_ids_old_file)
except ImportError:
    tomllib = None

try:
    import numpy as np
    import h5py
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError as e:  # a clear message instead of a traceback
    sys.stderr.write(f"error: plotting needs numpy, h5py and matplotlib ({e}); on Debian: "
                     "apt-get install python3-h5py python3-matplotlib\n")
    sys.exit(3)

FIGSIZE = (12, 7.5)
DPI = 100
MAX_RASTER_NEURONS = 300
MAX_TRACES = 5
TRACE_MS = 500.0
MAX_PAIRS = 4

plt.rcParams.update({"font.size": 12, "axes.titlesize": 13, "legend.fontsize": 10,
                     "axes.grid": True, "grid.alpha": 0.3})


def ordinal(n):
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def empty_panel(ax, message):
    """Says in the panel why it is empty instead of leaving a blank frame."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            fontsize=14, color="0.35")
    ax.set_xticks([])
    ax.set_yticks([])


def log_axis(ax, lo, hi):
    """A log x axis with readable tick labels over [lo, hi]: a label at each decade when the
    range spans several, at 1-2-5 steps when it spans about one or two (one label per decade
    would leave a single number), plain numbers ("0.5", "20") rather than powers."""
    ax.set_xscale("log")
    decades = math.log10(hi / lo) if hi > lo > 0 else 0.0
    subs = (1.0,) if decades > 3 else (1.0, 2.0, 5.0) if decades > 1.3 else \
        (1.0, 1.5, 2.0, 3.0, 5.0, 7.0) if decades > 0.5 else \
        (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10.0, subs=subs))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def compartment_names(f, pop, elements):
    """NEURON-style names of compartments, sec(x), from /neurotwin/populations/<pop>/
    compartments (written for compartmental populations); "compartment c" without it."""
    g = f.get(f"neurotwin/populations/{pop}/compartments")
    if g is None or "section" not in g or "x" not in g:
        return [f"compartment {int(c)}" for c in elements]
    sec, x = g["section"][()], g["x"][()]
    return [f"{text(sec[c])}({x[c]:.3g})" if 0 <= c < len(sec) else f"compartment {int(c)}"
            for c in (int(e) for e in elements)]


def safe(name):
    return re.sub(r"[^A-Za-z0-9._=+-]", "_", name)


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def save(fig, out_dir, name, written):
    path = os.path.join(out_dir, safe(name) + ".png")
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    written.append(path)


def scenario_name(f, path):
    nt = f.get("neurotwin")
    if nt is not None and "scenario_file" in nt.attrs:
        name = os.path.splitext(os.path.basename(text(nt.attrs["scenario_file"])))[0]
        if "sweep" in nt and "point" in nt["sweep"].attrs:
            name = text(nt["sweep"].attrs["point"])
        return name
    return os.path.splitext(os.path.basename(path))[0]


def duration_ms(f, t):
    nt = f.get("neurotwin")
    if nt is not None and "t_reached_ms" in nt.attrs:
        return float(nt.attrs["t_reached_ms"])
    return float(t.max()) if t.size else 0.0


def n_neurons(f, pop, ids):
    g = f.get(f"neurotwin/populations/{pop}")
    if g is not None and "size" in g.attrs:
        return int(g.attrs["size"])
    return int(ids.max()) + 1 if ids.size else 0


def recorded_ids(f, pop, n):
    """Ids of the neurons whose spikes were recorded: the list the file holds
    (/neurotwin/records/<pop>/spikes/node_ids, the network builder's resolution of the
    [[record]]s); for older files without it, recorded_ids_old_file; all for another
    simulator's file."""
    ids = f.get(f"neurotwin/records/{pop}/spikes/node_ids")
    if ids is not None:
        ids = ids[()].astype(np.int64)
        return ids[ids < n]
    return recorded_ids_old_file(f, pop, n)


def recorded_ids_old_file(f, pop, n):
    """The fallback for files written before neurotwin stored the recorded neurons: the rule
    re-derived from the scenario text the file keeps (as app/old_files.cpp does in C++): a
    spikes-only [[record]]'s neurons; all beside variables (`neurons` select traces there) or
    when no record names the population; all when unknown."""
    nt = f.get("neurotwin")
    if tomllib is None or nt is None or "scenario" not in nt:
        return np.arange(n)
    try:
        sc = tomllib.loads(text(nt["scenario"][()]))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return np.arange(n)
    mask = np.zeros(n, dtype=bool)
    found = False
    for r in sc.get("record", []):
        if r.get("population") != pop or not r.get("spikes", False):
            continue
        found = True
        if r.get("variables"):
            return np.arange(n)  # beside variables, `neurons` selects traces: all spikes kept
        sel = r.get("neurons", "all")
        if sel == "all":
            return np.arange(n)
        if isinstance(sel, dict):
            mask[: min(n, int(sel.get("first", 0)))] = True
        else:
            mask[[i for i in sel if 0 <= i < n]] = True
    return np.where(mask)[0] if found else np.arange(n)


def param_units(path, key):
    """Units of a swept model parameter (population.<pop>.params.<name> or
    twin.<twin>.params.<name>), or ""."""
    parts = key.split(".")
    if len(parts) != 4 or parts[0] not in ("population", "twin") or parts[2] != "params":
        return "ms" if key in ("simulation.duration", "simulation.dt") else ""
    pop = parts[1] + (".biological" if parts[0] == "twin" else "")
    try:
        with h5py.File(path, "r") as f:
            d = f.get(f"neurotwin/populations/{pop}/params/{parts[3]}")
            return text(d.attrs.get("units", "")) if d is not None else ""
    except OSError:
        return ""


def report(f, pop, var):
    """(time [ms], data [frames x columns], node ids, units) of /report/<pop>/<var>."""
    g = f.get(f"report/{pop}/{var}")
    if g is None or "data" not in g:
        return None
    for k in ("mapping/time", "mapping/node_ids", "mapping/index_pointers"):
        if k not in g:
            raise KeyError(f"/report/{pop}/{var}/{k} is missing")
    data = g["data"][()]
    if data.ndim != 2:
        raise ValueError(f"/report/{pop}/{var}/data: expected 2 dimensions, found {data.ndim}")
    start, _stop, step = g["mapping/time"][()]
    t = start + step * np.arange(data.shape[0])
    return t, data, g["mapping/node_ids"][()], text(g["data"].attrs.get("units", ""))


def plot_spikes(f, path, scen, out_dir, written):
    if "spikes" not in f:
        return
    for pop in sorted(f["spikes"].keys()):
        g = f["spikes"][pop]
        if not isinstance(g, h5py.Group) or "timestamps" not in g:
            continue
        if "node_ids" not in g:
            raise KeyError(f"/spikes/{pop}/node_ids is missing")
        t = g["timestamps"][()]
        ids = g["node_ids"][()].astype(np.int64)
        if t.shape != ids.shape or t.ndim != 1:
            raise ValueError(f"/spikes/{pop}: timestamps {t.shape} and node_ids {ids.shape} "
                             "differ in shape")
        n = n_neurons(f, pop, ids)
        T = duration_ms(f, t)
        if n == 0 or T <= 0:
            continue
        rec = recorded_ids(f, pop, n)
        n_rec = max(1, rec.size)
        # Raster over the population rate (a shared time axis).
        fig, (ax, axr) = plt.subplots(2, 1, figsize=FIGSIZE, sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
        stride = max(1, math.ceil(n / MAX_RASTER_NEURONS))
        keep = ids % stride == 0
        ax.plot(t[keep], ids[keep], "|", color="k", markersize=3 if n / stride > 100 else 6)
        ax.set_ylabel("neuron id" + (f" (every {ordinal(stride)})" if stride > 1 else ""))
        ax.set_ylim(-0.5, n - 0.5)
        ax.set_title(f"{scen} - population '{pop}': spike raster ({t.size} spikes, "
                     f"{rec.size} of {n} neurons recorded)")
        if t.size == 0:
            empty_panel(ax, f"no spikes in {T:g} ms")
        bin_ms = max(T / 200.0, 1.0)
        edges = np.arange(0.0, T + bin_ms, bin_ms)
        counts, _ = np.histogram(t, edges)
        axr.step(edges[:-1], counts / n_rec / (bin_ms / 1000.0), where="post", color="C0",
                 label=f"population rate ({bin_ms:.3g} ms bins)")
        axr.set_xlabel("time (ms)")
        axr.set_ylabel("rate (Hz)")
        axr.set_xlim(0, T)
        axr.legend(loc="upper right")
        fig.tight_layout()
        save(fig, out_dir, f"{scen}_raster_{pop}", written)

        # ISI and firing-rate histograms.
        order = np.lexsort((t, ids))
        ts, si = t[order], ids[order]
        same = si[1:] == si[:-1]
        isi = (ts[1:] - ts[:-1])[same]
        rates = np.bincount(ids, minlength=n)[rec] / (T / 1000.0)
        fig, (a1, a2) = plt.subplots(1, 2, figsize=FIGSIZE)
        if isi.size:
            lo, hi = max(isi.min(), 1e-3), max(isi.max(), 1e-3 * 1.01)
            if hi < lo * 1.01:  # all ISIs alike (a regular train): a bin around them
                lo, hi = lo / 1.1, hi * 1.1
            a1.hist(isi, bins=np.logspace(np.log10(lo), np.log10(hi) + 1e-9, 50), color="C1",
                    label=f"{isi.size} ISIs, mean {isi.mean():.3g} ms")
            log_axis(a1, lo, hi)
            a1.legend()
        else:
            empty_panel(a1, "no spikes" if t.size == 0 else
                        "no ISIs: no neuron fired twice")
        a1.set_xlabel("inter-spike interval (ms)")
        a1.set_ylabel("count")
        a1.set_title(f"{scen} - '{pop}': ISI distribution")
        if t.size:
            a2.hist(rates, bins=30, color="C2",
                    label=f"{rates.size} recorded neurons, mean {rates.mean():.3g} Hz")
            a2.legend()
        else:
            empty_panel(a2, f"no spikes: all {rates.size} recorded neurons at 0 Hz")
        a2.set_xlabel("firing rate (Hz)")
        a2.set_ylabel("neurons")
        a2.set_title(f"{scen} - '{pop}': firing rates")
        fig.tight_layout()
        save(fig, out_dir, f"{scen}_isi_rate_{pop}", written)


def plot_traces(f, scen, out_dir, written):
    if "report" not in f:
        return
    for pop in sorted(f["report"].keys()):
        r = report(f, pop, "V_m")
        if r is None:
            continue
        t, data, nodes, units = r
        mapping = f[f"report/{pop}/V_m/mapping"]
        ptr = mapping["index_pointers"][()]
        if data.shape[1] > nodes.size:
            plot_compartments(t, data, nodes, ptr,
                              compartment_names(f, pop, mapping["element_ids"][()]), units, scen,
                              pop, out_dir, written)
            continue
        cols = np.unique(np.linspace(0, data.shape[1] - 1, min(MAX_TRACES, data.shape[1]))
                         .astype(int))
        # One row per neuron; spiking traces longer than TRACE_MS are unreadable at this
        # size, so only their beginning is shown (the title says so).
        shown = t < t[0] + TRACE_MS
        fig, axes = plt.subplots(len(cols), 1, figsize=FIGSIZE, sharex=True, squeeze=False)
        for k, c in enumerate(cols):
            ax = axes[k, 0]
            ax.plot(t[shown], data[shown, c], lw=1, color=f"C{k}", label=f"neuron {nodes[c]}")
            ax.legend(loc="upper right")
            ax.set_ylabel(f"V_m ({units or 'mV'})")
            ax.yaxis.get_major_formatter().set_useOffset(False)
        axes[-1, 0].set_xlabel("time (ms)")
        part = f", first {TRACE_MS:.0f} ms" if not shown.all() else ""
        axes[0, 0].set_title(f"{scen} - population '{pop}': membrane potential{part}")
        fig.tight_layout()
        save(fig, out_dir, f"{scen}_traces_{pop}", written)


def plot_compartments(t, data, nodes, ptr, names, units, scen, pop, out_dir, written):
    """A compartment report: one row per neuron (up to MAX_TRACES), a line per compartment
    (up to MAX_TRACES of them, spread over the recorded ones)."""
    rows = np.unique(np.linspace(0, nodes.size - 1, min(MAX_TRACES, nodes.size)).astype(int))
    shown = t < t[0] + TRACE_MS
    fig, axes = plt.subplots(len(rows), 1, figsize=FIGSIZE, sharex=True, squeeze=False)
    for k, i in enumerate(rows):
        ax = axes[k, 0]
        first, last = int(ptr[i]), int(ptr[i + 1])
        cols = np.unique(np.linspace(first, last - 1, min(MAX_TRACES, last - first)).astype(int))
        for m, c in enumerate(cols):
            ax.plot(t[shown], data[shown, c], lw=1, color=f"C{m}",
                    label=names[c])
        ax.set_ylabel(f"neuron {nodes[i]}\nV_m ({units or 'mV'})")
        ax.yaxis.get_major_formatter().set_useOffset(False)
        ax.legend(loc="upper right", fontsize="small")
    axes[-1, 0].set_xlabel("time (ms)")
    part = f", first {TRACE_MS:.0f} ms" if not shown.all() else ""
    axes[0, 0].set_title(f"{scen} - population '{pop}': membrane potential per compartment{part}")
    fig.tight_layout()
    save(fig, out_dir, f"{scen}_traces_{pop}", written)


def plot_twins(f, scen, out_dir, written):
    tw = f.get("neurotwin/twins")
    if tw is None:
        return
    T = float(f["neurotwin"].attrs.get("t_reached_ms", 0.0))
    for name in sorted(tw.keys()):
        g = tw[name]
        art = text(g.attrs["artificial"])
        bio = text(g.attrs["biological_population"])
        act_name = text(g.attrs["activation"])
        a = report(f, art, "activation")
        z = report(f, art, "preactivation")
        r = report(f, bio, "rate")
        if a is None or z is None or r is None:
            continue
        t, A, _, a_units = a
        _, Z, _, _ = z
        tr, R, _, r_units = r
        # A biological side that never fires (a passive dendritic-integration twin) is
        # compared through its soma potential instead of its rate.
        v = report(f, bio, "V_m")
        subthreshold = not np.any(R > 0) and v is not None
        bio_label = "soma V_m" if subthreshold else "biological rate r"
        if subthreshold:
            tr, R, _, r_units = v
            if R.shape[1] > A.shape[1]:
                # a compartment report: each pair's first recorded compartment
                m = f[f"report/{bio}/V_m/mapping"]
                first = m["index_pointers"][()][:-1].astype(np.int64)
                R = R[:, first]
                where = compartment_names(f, bio, m["element_ids"][()][first[:1]])[0]
                bio_label = f"V_m at {where}"
        bio_short = "V_m(t)" if subthreshold else "r(t)"
        pairs = A.shape[1]
        a_label = f"activation a ({a_units})" if a_units else "activation a (unitless)"

        # Overlay: pairs spread over the active ones, a(t) solid (left), r(t) dashed (right).
        active = np.where(A.max(axis=0) > 0)[0]
        pool = active if active.size else np.arange(pairs)
        pick = pool[np.unique(np.linspace(0, pool.size - 1, min(MAX_PAIRS, pool.size))
                              .astype(int))]
        fig, ax = plt.subplots(figsize=FIGSIZE)
        ax2 = ax.twinx()
        lines = []
        for k, p in enumerate(pick):
            lines += ax.plot(t, A[:, p], color=f"C{k}", lw=1.5, label=f"pair {p}: a(t)")
            lines += ax2.plot(tr, R[:, p], color=f"C{k}", lw=1.2, ls="--",
                              label=f"pair {p}: {bio_short}")
        ax.set_xlabel("time (ms)")
        ax.set_ylabel(f"{a_label}, solid")
        ax2.set_ylabel(f"{bio_label} ({r_units or 'Hz'}), dashed")
        ax2.grid(False)
        ax.set_title(f"{scen} - twin '{name}' ({act_name} vs {text(g.attrs['biological'])}): "
                     f"a(t) and {bio_short}")
        ax.legend(lines, [ln.get_label() for ln in lines], loc="upper center",
                  bbox_to_anchor=(0.5, -0.1), ncol=2 * len(pick), frameon=False)
        fig.tight_layout()
        save(fig, out_dir, f"{scen}_twin_{name}_overlay", written)

        # Tuning: time-averaged pre-activation against activation and firing rate.
        zm = Z.mean(axis=0)
        am = A.mean(axis=0)
        sp = f.get(f"spikes/{bio}")
        if subthreshold:
            rate = R.mean(axis=0)
        elif sp is not None and T > 0:
            rate = np.bincount(sp["node_ids"][()].astype(np.int64), minlength=pairs)[:pairs] \
                / (T / 1000.0)
        else:
            rate = R.mean(axis=0)
        order = np.argsort(zm)
        fig, (a1, a2) = plt.subplots(1, 2, figsize=FIGSIZE)
        a1.plot(zm[order], am[order], "o-", color="C0", ms=4, label=f"artificial ({act_name})")
        a1.set_xlabel("pre-activation z = w.x + b (unitless)")
        a1.set_ylabel(a_label)
        a1.set_title(f"{scen} - '{name}': artificial tuning")
        a1.axvline(0.0, color="gray", ls=":", label="z = 0")
        a1.legend()
        a2.plot(zm[order], rate[order], "s-", color="C3", ms=4,
                label=f"biological ({text(g.attrs['biological'])})")
        a2.set_xlabel("pre-activation z = w.x + b (unitless)")
        a2.set_ylabel(f"mean soma V_m ({r_units or 'mV'})" if subthreshold else "firing rate (Hz)")
        a2.set_title(f"{scen} - '{name}': biological tuning")
        a2.axvline(0.0, color="gray", ls=":", label="z = 0")
        a2.legend()
        fig.tight_layout()
        save(fig, out_dir, f"{scen}_twin_{name}_tuning", written)


def mean_rates(f):
    """Mean firing rate (Hz) of every spiking population of an open output file."""
    out = {}
    for pop in sorted(f.get("spikes", {}).keys()):
        g = f["spikes"][pop]
        ids = g["node_ids"][()].astype(np.int64)
        t = g["timestamps"][()]
        n, T = n_neurons(f, pop, ids), duration_ms(f, t)
        if n > 0 and T > 0:
            out[pop] = ids.size / max(1, recorded_ids(f, pop, n).size) / (T / 1000.0)
    return out


def spearman(x, y):
    """Spearman's rank correlation with average ranks for ties (analysis/stats.cpp); NaN
    when either side is constant."""
    def ranks(v):
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            r[order[i:j + 1]] = 0.5 * (i + j) + 1.0
            i = j + 1
        return r
    if len(x) != len(y) or len(x) < 2:
        return float("nan")
    rx, ry = ranks(np.asarray(x)), ranks(np.asarray(y))
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.clip(np.corrcoef(rx, ry)[0, 1], -1.0, 1.0))


def twin_summary(f):
    """Per twin: (mean activation, mean biological rate [Hz], agreement, what it is against)
    -- the agreement `neurotwin summary` prints (analysis/summary.cpp): Spearman of each
    pair's time-averaged activation against its firing rate, or against its mean soma V_m
    when the biological side never fires."""
    out = {}
    tw = f.get("neurotwin/twins")
    if tw is None:
        return out
    T = float(f["neurotwin"].attrs.get("t_reached_ms", 0.0))
    for name in sorted(tw.keys()):
        g = tw[name]
        n = int(g.attrs["size"])
        art, bio = text(g.attrs["artificial"]), text(g.attrs["biological_population"])

        def time_average(pop, var):
            r = f.get(f"report/{pop}/{var}")
            if r is None:
                return None
            avg = np.zeros(n)
            data = r["data"][()].astype(np.float64)
            ptr = r["mapping/index_pointers"][()].astype(np.int64)
            for k, node in enumerate(r["mapping/node_ids"][()].astype(np.int64)):
                if 0 <= node < n and ptr[k] < ptr[k + 1] and data.shape[0] > 0:
                    avg[node] = data[:, ptr[k]].mean()
            return avg

        a = time_average(art, "activation")
        if a is None:
            continue
        sp = f.get(f"spikes/{bio}")
        ids = sp["node_ids"][()].astype(np.int64) if sp is not None else np.zeros(0, np.int64)
        rate = np.bincount(ids[ids < n], minlength=n)[:n] / (T / 1000.0) if T > 0 \
            else np.zeros(n)
        vs, response = "rate", rate
        if not np.any(rate > 0):
            v = time_average(bio, "V_m")
            if v is not None:
                vs, response = "V_m", v
        out[name] = (float(a.mean()), float(rate.mean()), spearman(a, response), vs)
    return out


def plot_batch(path, out_dir, written):
    with open(path) as fh:
        batch = json.load(fh)
    base = os.path.dirname(path)
    runs = [r for r in batch.get("runs", []) if r.get("status") == "ok" and r.get("sweep")]
    if not runs:
        sys.stderr.write(f"{path}: no successful sweep runs to summarise\n")
        return
    keys = list(runs[0]["sweep"].keys())
    rates, twins = {}, {}
    for r in runs:
        out = r["output"]
        if not os.path.isabs(out) and not os.path.exists(out):
            out = os.path.join(base, os.path.basename(out))  # batch.json moved with its runs
        r["output"] = out
        with h5py.File(out, "r") as f:
            rates[r["name"]] = mean_rates(f)
            twins[r["name"]] = twin_summary(f)
    pops = sorted({p for v in rates.values() for p in v})
    twin_names = sorted({t for v in twins.values() for t in v})
    stem = os.path.splitext(os.path.basename(runs[0]["scenario_file"]))[0]
    for key in keys:
        numeric = all(isinstance(r["sweep"].get(key), (int, float)) for r in runs)
        others = [k for k in keys if k != key]

        def curves(value_of):
            """(label, xs, ys) per setting of the other swept keys."""
            groups = {}
            for r in runs:
                label = ", ".join(f"{k.split('.')[-1]}={r['sweep'][k]}" for k in others)
                groups.setdefault(label, []).append((r["sweep"][key], value_of(r["name"])))
            for label, pts in sorted(groups.items()):
                if numeric:
                    pts.sort()
                xs = [p[0] for p in pts] if numeric else [str(p[0]) for p in pts]
                yield label, xs, [p[1] for p in pts]

        # A twin sweep is run for the artificial side, the biological side and how well they
        # agree: one panel each. Otherwise the mean rate of every spiking population.
        rows = 3 if twin_names else 1
        fig, axes = plt.subplots(rows, 1, figsize=FIGSIZE, sharex=True, squeeze=False)
        axes = axes[:, 0]
        nan = float("nan")
        if twin_names:
            for tw in twin_names:
                for label, xs, ys in curves(lambda n, tw=tw: twins[n].get(tw, (nan,) * 4)[0]):
                    axes[0].plot(xs, ys, "o-", label=tw + (f" ({label})" if label else ""))
                for label, xs, ys in curves(lambda n, tw=tw: twins[n].get(tw, (nan,) * 4)[1]):
                    axes[1].plot(xs, ys, "s-", label=tw + (f" ({label})" if label else ""))
                vs = {twins[n][tw][3] for n in twins if tw in twins[n]}
                for label, xs, ys in curves(lambda n, tw=tw: twins[n].get(tw, (nan,) * 4)[2]):
                    axes[2].plot(xs, ys, "^-", label=tw + (f" ({label})" if label else "") +
                                 (" vs V_m" if vs == {"V_m"} else ""))
            axes[0].set_ylabel("mean activation a")
            axes[1].set_ylabel("mean biological\nrate (Hz)")
            axes[2].set_ylabel("agreement\n(Spearman)")
            axes[2].set_ylim(-1.05, 1.05)
            title = f"sweep of {stem}: activation, rate and agreement against {key.split('.')[-1]}"
        else:
            for pop in pops:
                for label, xs, ys in curves(lambda n, pop=pop: rates[n].get(pop, nan)):
                    axes[0].plot(xs, ys, "o-", label=pop + (f" ({label})" if label else ""))
            axes[0].set_ylabel("mean firing rate (Hz)")
            title = f"sweep of {stem}: mean firing rate against {key.split('.')[-1]}"
        for ax in axes:
            if ax.lines:
                ax.legend(fontsize=9, loc="best")
        units = param_units(runs[0]["output"], key)
        axes[-1].set_xlabel(f"{key}" + (f" ({units})" if units else "") + ", swept")
        axes[0].set_title(title)
        fig.tight_layout()
        save(fig, out_dir, f"sweep_{stem}_{key.split('.')[-1]}", written)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", required=True, help="folder for the PNG files")
    ap.add_argument("files", nargs="+", help="HDF5 outputs and/or batch.json files")
    args = ap.parse_args()
    try:
        os.makedirs(args.output, exist_ok=True)
    except OSError as e:
        sys.stderr.write(f"error: cannot create the output folder {args.output}: "
                         f"{e.strerror or e}\n")
        return 3
    written = []
    for path in args.files:
        try:
            if path.endswith(".json"):
                plot_batch(path, args.output, written)
                continue
            with h5py.File(path, "r") as f:
                scen = scenario_name(f, path)
                plot_spikes(f, path, scen, args.output, written)
                plot_traces(f, scen, args.output, written)
                plot_twins(f, scen, args.output, written)
        except Exception as e:  # pylint: disable=broad-except
            # A damaged or foreign file, or an output folder that cannot be written: one line,
            # no traceback (the figures of the other files are not made either).
            reason = " ".join(str(e).split()) or type(e).__name__
            if isinstance(e, OSError) and e.filename is not None and e.strerror:
                reason = f"{e.strerror}: {e.filename}"
            sys.stderr.write(f"error: {path}: {reason} ({type(e).__name__})\n")
            return 3
        finally:
            plt.close("all")
    for w in written:
        print(w)
    if not written:
        sys.stderr.write("nothing to plot: no spikes, traces, twins or sweep runs found\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
