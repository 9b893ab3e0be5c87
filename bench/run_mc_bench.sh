#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 3 benchmark: 100 ball-and-stick cells of 1,000 compartments (hh soma, passive
# dendrite), 1 s at dt = 0.025 ms, in neurotwin (bench/ball_and_stick_100.toml) and in NEURON
# (bench/neuron_ball_and_stick.py, the same cells: fixed step, cache_efficient, rate tables
# off), side by side on 1 and 2 threads. Reports medians of REPEATS runs of the simulation
# wall time (NEURON: finitialize + psolve; neurotwin: the time loop, wall_time_s), the spike
# counts and the ratio. Run it on an otherwise idle machine.
#
# usage: bench/run_mc_bench.sh [path/to/neurotwin]   (env: REPEATS=3, NEURON_REPEATS=1,
#                                                     TSTOP=1000 ms)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${1:-$root/build/neurotwin}"
repeats="${REPEATS:-3}"
neuron_repeats="${NEURON_REPEATS:-1}"
tstop="${TSTOP:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s/^duration = .*/duration = $tstop/" "$here/ball_and_stick_100.toml" > "$work/bs.toml"

neurotwin_run() {  # threads -> "simulate spikes"
    "$bin" run "$work/bs.toml" -o "$work/nt.h5" --threads "$1" --quiet
    /usr/bin/python3 - "$work/nt.h5" <<'PY'
import h5py, sys
a = h5py.File(sys.argv[1], "r")["neurotwin"].attrs
print(a["wall_time_s"], a["spikes"])
PY
}

neuron_run() {  # threads -> "simulate spikes"
    /usr/bin/python3 "$here/neuron_ball_and_stick.py" --threads "$1" --tstop "$tstop" 2>/dev/null |
        tail -1 | /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(d['sim_s'], d['spikes'])"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); NEURON $(/usr/bin/python3 -c 'import neuron; print(neuron.__version__)' 2>/dev/null)"
echo "100 ball-and-stick cells x 1000 compartments, $tstop ms at dt 0.025 ms; medians (neurotwin: $repeats runs, NEURON: $neuron_repeats)"
printf "%-10s %8s %12s %9s %18s\n" simulator threads "simulate [s]" spikes "ns/compartment-step"
steps=$(awk -v t="$tstop" 'BEGIN {printf "%d", t / 0.025}')
for th in 1 2; do
    : > "$work/nt"; : > "$work/nrn"
    for ((r = 1; r <= neuron_repeats; r++)); do neuron_run "$th" >> "$work/nrn"; done
    for ((r = 1; r <= repeats; r++)); do neurotwin_run "$th" >> "$work/nt"; done
    for sim in neurotwin NEURON; do
        f="$work/nt"; [ "$sim" = NEURON ] && f="$work/nrn"
        s=$(cut -d' ' -f1 "$f" | median); k=$(cut -d' ' -f2 "$f" | median)
        us=$(awk -v s="$s" -v n="$steps" 'BEGIN {printf "%.2f", s / (100 * 1000 * n) * 1e9}')
        printf "%-10s %8s %12.3f %9s %18s\n" "$sim" "$th" "$s" "$k" "$us"
    done
    nt=$(cut -d' ' -f1 "$work/nt" | median); nrn=$(cut -d' ' -f1 "$work/nrn" | median)
    awk -v a="$nt" -v b="$nrn" -v t="$th" 'BEGIN {printf "  %s thread(s): neurotwin / NEURON = %.3f\n", t, a / b}'
done
