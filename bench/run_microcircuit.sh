#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Potjans & Diesmann (2014) cortical microcircuit in neurotwin
# (scenarios/benchmarks/microcircuit.toml, from bench/make_microcircuit.py) and, side by side,
# the same network in Brian2's C++ standalone mode (bench/brian2_microcircuit.py, which
# translates the same TOML). Each simulator runs once under /usr/bin/time -f %M; prints build
# and simulate wall time, real-time factor, peak memory, spikes, the simulate-time ratio
# neurotwin / Brian2 and the mean rate of every population in both, with their relative
# difference (and NEST's published full-scale rates for reference).
#
# Full scale (77,169 neurons, 3e8 synapses) needs ~2.7 GB for neurotwin and ~10 GB for Brian2
# (whose binary also writes all its arrays, ~7 GB, into its work directory under $TMPDIR).
# SCALE=S runs a scaled network generated with make_microcircuit.py --scale S (sizes x S,
# full-scale in-degrees: rates stay comparable, small scales are more correlated).
# Run it on an otherwise idle machine.
#
# usage: bench/run_microcircuit.sh [path/to/neurotwin]
#        (env: SCALE=1, THREADS=2, DURATION=1000 (ms), SEED=1 (Brian2's seed))
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${1:-$root/build/neurotwin}"
scale="${SCALE:-1}"
threads="${THREADS:-2}"
duration="${DURATION:-1000}"
seed="${SEED:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

full=$(awk -v s="$scale" -v d="$duration" 'BEGIN {print (s == 1 && d == 1000) ? 1 : 0}')
if [ "$full" = 1 ]; then
    toml="$root/scenarios/benchmarks/microcircuit.toml"
else
    toml="$work/microcircuit.toml"
    /usr/bin/python3 "$here/make_microcircuit.py" -o "$toml" --scale "$scale" --duration "$duration" > /dev/null
fi
read -r n_neurons n_synapses < <(/usr/bin/python3 - "$toml" <<'PY'
import sys, tomllib
sc = tomllib.load(open(sys.argv[1], "rb"))
print(sum(p["size"] for p in sc["population"]), sum(p["n"] for p in sc.get("projection", [])))
PY
)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); brian2 $(/usr/bin/python3 -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
echo "Potjans-Diesmann microcircuit, scale $scale: $n_neurons neurons, $n_synapses synapses, $duration ms at dt 0.1 ms, $threads threads"

# neurotwin
/usr/bin/time -f "%M" -o "$work/nt_rss" "$bin" run "$toml" -o "$work/nt.h5" --threads "$threads" --stats > "$work/nt_stats" 2>&1
sed 's/^/  neurotwin: /' "$work/nt_stats"
/usr/bin/python3 - "$work/nt.h5" > "$work/nt.json" <<'PY'
import json, sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
a = f["neurotwin"].attrs
t_s = a["t_reached_ms"] / 1000.0
rates = {}
for pop in f["spikes"]:
    size = int(f["neurotwin/populations"][pop].attrs["size"])
    ids = np.asarray(f["spikes"][pop]["node_ids"])
    assert len(ids) == len(f["spikes"][pop]["timestamps"]) and (len(ids) == 0 or ids.max() < size)
    rates[pop] = len(ids) / size / t_s
print(json.dumps({"build_s": float(a["build_time_s"]), "simulate_s": float(a["wall_time_s"]),
                  "spikes": int(a["spikes"]), "t_ms": float(a["t_reached_ms"]), "rates_hz": rates}))
PY

# Brian2 (compiles first; the binary's own peak memory is in its JSON, the whole tree's --
# Python, compiler, binary -- from /usr/bin/time)
if ! /usr/bin/time -f "%M" -o "$work/br_rss" /usr/bin/python3 "$here/brian2_microcircuit.py" \
        "$threads" "$duration" "$work/brian" --scale "$scale" --toml "$toml" --seed "$seed" \
        > "$work/br_out" 2> "$work/br_err"; then
    cat "$work/br_err" >&2
    exit 1
fi
tail -1 "$work/br_out" > "$work/br.json"

/usr/bin/python3 - "$work/nt.json" "$work/br.json" "$work/nt_rss" "$work/br_rss" "$duration" <<'PY'
import json, sys
nt = json.load(open(sys.argv[1]))
br = json.load(open(sys.argv[2]))
nt_mb = int(open(sys.argv[3]).read().split()[-1]) / 1024
br_tree_mb = int(open(sys.argv[4]).read().split()[-1]) / 1024
t_s = float(sys.argv[5]) / 1000
nest = {"L23E": 0.903, "L23I": 2.965, "L4E": 4.414, "L4I": 5.876, "L5E": 7.569, "L5I": 8.633,
        "L6E": 1.105, "L6I": 7.829}
print(f"{'simulator':<10} {'build [s]':>10} {'simulate [s]':>13} {'RTF':>7} {'peak mem [MB]':>14} {'spikes':>9}")
for name, d, mb in (("neurotwin", nt, nt_mb), ("brian2", br, br["peak_rss_mb"])):
    print(f"{name:<10} {d['build_s']:10.3f} {d['simulate_s']:13.3f} {d['simulate_s'] / t_s:7.3f} "
          f"{mb:14.1f} {d['spikes']:9d}")
print(f"simulate-time ratio neurotwin / brian2: {nt['simulate_s'] / br['simulate_s']:.2f}")
print(f"(brian2 peak memory is its binary's; with Python and the compiler: {br_tree_mb:.1f} MB)")
print()
print(f"{'population':<10} {'neurotwin [Hz]':>15} {'brian2 [Hz]':>12} {'nt/br - 1':>10} {'NEST full [Hz]':>15}")
total = {"nt": 0.0, "br": 0.0}
for pop, r_nt in nt["rates_hz"].items():
    r_br = br["rates_hz"][pop]
    rel = f"{(r_nt - r_br) / r_br * 100:+9.1f}%" if r_br > 0 else f"{'-':>10}"
    ref = f"{nest[pop]:15.3f}" if pop in nest else f"{'-':>15}"
    print(f"{pop:<10} {r_nt:15.3f} {r_br:12.3f} {rel} {ref}")
n = br["neurons"]
r_nt, r_br = nt["spikes"] / n / t_s, br["spikes"] / n / t_s
print(f"{'all':<10} {r_nt:15.3f} {r_br:12.3f} {(r_nt - r_br) / r_br * 100:+9.1f}% {3.24:15.3f}")
PY
