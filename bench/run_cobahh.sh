#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 4 benchmark: COBAHH (scenarios/benchmarks/cobahh.toml, 4,000 hh_traub cells with
# conductance synapses, exponential Euler at dt 0.1 ms) in neurotwin and in Brian2's C++
# standalone mode (bench/brian2_cobahh.py, Brian2's examples/COBAHH.py), side by side on 1 and
# 2 threads. Reports medians of REPEATS runs: build and simulate wall time, spikes, mean rate
# and the simulate-time ratio neurotwin / Brian2. Run it on an otherwise idle machine.
#
# usage: bench/run_cobahh.sh [path/to/neurotwin]   (env: REPEATS=3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${1:-$root/build/neurotwin}"
repeats="${REPEATS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

neurotwin_run() {  # threads -> "build simulate spikes rate"
    "$bin" run "$root/scenarios/benchmarks/cobahh.toml" -o "$work/nt.h5" --threads "$1" --quiet
    /usr/bin/python3 - "$work/nt.h5" <<'PY'
import h5py, sys
a = h5py.File(sys.argv[1], "r")["neurotwin"].attrs
print(a["build_time_s"], a["wall_time_s"], a["spikes"], a["spikes"] / 4000 / (a["t_reached_ms"] / 1000))
PY
}

brian_run() {  # threads repeats -> "build simulate spikes rate" (medians)
    /usr/bin/python3 "$here/brian2_cobahh.py" "$1" 1000 "$work/brian_$1" "$2" 2>/dev/null |
        tail -1 | /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(d['build_s'], d['simulate_s'], d['spikes'], d['rate_hz'])"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); brian2 $(/usr/bin/python3 -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
echo "COBAHH, 4,000 cells, 1 s at dt 0.1 ms, exponential Euler; medians of $repeats runs"
printf "%-10s %8s %10s %12s %9s %9s %10s\n" simulator threads "build [s]" "simulate [s]" spikes "rate [Hz]" "nt/brian2"
for th in 1 2; do
    : > "$work/nt"; : > "$work/br"
    brian_run "$th" "$repeats" >> "$work/br"
    for ((r = 1; r <= repeats; r++)); do
        neurotwin_run "$th" >> "$work/nt"
    done
    nt_b=$(cut -d' ' -f1 "$work/nt" | median); nt_s=$(cut -d' ' -f2 "$work/nt" | median)
    br_b=$(cut -d' ' -f1 "$work/br" | median); br_s=$(cut -d' ' -f2 "$work/br" | median)
    nt_k=$(cut -d' ' -f3 "$work/nt" | median); br_k=$(cut -d' ' -f3 "$work/br" | median)
    nt_r=$(cut -d' ' -f4 "$work/nt" | median); br_r=$(cut -d' ' -f4 "$work/br" | median)
    ratio=$(awk -v a="$nt_s" -v b="$br_s" 'BEGIN {printf "%.2f", a / b}')
    printf "%-10s %8s %10.3f %12.3f %9s %9.2f %10s\n" neurotwin "$th" "$nt_b" "$nt_s" "$nt_k" "$nt_r" "$ratio"
    printf "%-10s %8s %10.3f %12.3f %9s %9.2f\n" brian2 "$th" "$br_b" "$br_s" "$br_k" "$br_r"
done
