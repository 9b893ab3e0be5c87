#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Brunel (2000) in neurotwin (scenarios/benchmarks/brunel_{ai,sr}.toml) and Brian2's C++
# standalone mode (bench/brian2_brunel.py), side by side: simulate time (medians of REPEATS)
# and mean excitatory rate. Run it on an otherwise idle machine.
#
# usage: bench/run_brunel.sh [path/to/neurotwin]   (env: REPEATS=3, THREADS="1 2")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../build/neurotwin}"
repeats="${REPEATS:-3}"
threads="${THREADS:-1 2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf "%-8s %-10s %8s %13s %14s %10s\n" regime simulator threads "simulate [s]" "exc rate [Hz]" "nt/brian2"
for regime in ai sr; do
    for th in $threads; do
        br=$(/usr/bin/python3 "$here/brian2_brunel.py" "$regime" "$th" 1000 "$work/b_$regime$th" "$repeats" 2>/dev/null | tail -1)
        br_s=$(echo "$br" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['simulate_s'])")
        br_r=$(echo "$br" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['rate_exc_hz'])")
        : > "$work/nt"
        for ((r = 1; r <= repeats; r++)); do
            "$bin" run "$here/../scenarios/benchmarks/brunel_$regime.toml" -o "$work/nt.h5" --threads "$th" --quiet
            /usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
print(f['neurotwin'].attrs['wall_time_s'], len(f['spikes/exc/timestamps']) / 10000 / (f['neurotwin'].attrs['t_reached_ms'] / 1000))
" "$work/nt.h5" >> "$work/nt"
        done
        nt_s=$(cut -d' ' -f1 "$work/nt" | median); nt_r=$(cut -d' ' -f2 "$work/nt" | median)
        ratio=$(awk -v a="$nt_s" -v b="$br_s" 'BEGIN {printf "%.2f", a / b}')
        printf "%-8s %-10s %8s %13.3f %14.2f %10s\n" "$regime" neurotwin "$th" "$nt_s" "$nt_r" "$ratio"
        printf "%-8s %-10s %8s %13.3f %14.2f\n" "$regime" brian2 "$th" "$br_s" "$br_r"
    done
done
