#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 4 benchmark: CUBA at 4,000 / 16,000 / 64,000 neurons in neurotwin and in Brian2's C++
# standalone mode (bench/brian2_cuba.py, same model and in-degree), side by side, on 1 and 2
# threads. Reports medians of REPEATS runs: build and simulate wall time, spikes, mean rate,
# and the simulate-time ratio neurotwin / Brian2. Run it on an otherwise idle machine.
#
# usage: bench/run_networks.sh [path/to/neurotwin]   (env: REPEATS=3, SIZES="4 16 64")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${1:-$root/build/neurotwin}"
repeats="${REPEATS:-3}"
sizes="${SIZES:-4 16 64}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

scenario_of() { [ "$1" = 4 ] && echo "$root/scenarios/benchmarks/cuba.toml" || echo "$root/scenarios/benchmarks/cuba_${1}k.toml"; }

neurotwin_run() {  # size_k threads -> "build simulate spikes rate"
    local out="$work/nt.h5"
    "$bin" run "$(scenario_of "$1")" -o "$out" --threads "$2" --quiet
    /usr/bin/python3 - "$out" "$1" <<'PY'
import h5py, sys
f = h5py.File(sys.argv[1], "r")
a = f["neurotwin"].attrs
n = int(sys.argv[2]) * 1000
print(a["build_time_s"], a["wall_time_s"], a["spikes"], a["spikes"] / n / (a["t_reached_ms"] / 1000))
PY
}

brian_run() {  # size_k threads repeats -> "build simulate spikes rate" (medians)
    /usr/bin/python3 "$here/brian2_cuba.py" "$(( $1 * 1000 ))" "$2" 1000 "$work/brian_$1_$2" "$3" 2>/dev/null |
        tail -1 | /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(d['build_s'], d['simulate_s'], d['spikes'], d['rate_hz'])"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); brian2 $(/usr/bin/python3 -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
echo "CUBA, 1 s at dt 0.1 ms, in-degree 80; medians of $repeats runs"
printf "%-10s %7s %8s %10s %12s %9s %9s %10s\n" simulator N threads "build [s]" "simulate [s]" spikes "rate [Hz]" "nt/brian2"
for k in $sizes; do
    for th in 1 2; do
        : > "$work/nt"; : > "$work/br"
        # Brian2 compiles once per configuration (not timed) and runs its binary `repeats`
        # times; neurotwin runs `repeats` times right after, on the same machine state
        brian_run "$k" "$th" "$repeats" >> "$work/br"
        for ((r = 1; r <= repeats; r++)); do
            neurotwin_run "$k" "$th" >> "$work/nt"
        done
        nt_b=$(cut -d' ' -f1 "$work/nt" | median); nt_s=$(cut -d' ' -f2 "$work/nt" | median)
        br_b=$(cut -d' ' -f1 "$work/br" | median); br_s=$(cut -d' ' -f2 "$work/br" | median)
        nt_k=$(cut -d' ' -f3 "$work/nt" | median); br_k=$(cut -d' ' -f3 "$work/br" | median)
        nt_r=$(cut -d' ' -f4 "$work/nt" | median); br_r=$(cut -d' ' -f4 "$work/br" | median)
        ratio=$(awk -v a="$nt_s" -v b="$br_s" 'BEGIN {printf "%.2f", a / b}')
        printf "%-10s %7s %8s %10.3f %12.3f %9s %9.2f %10s\n" neurotwin "${k}000" "$th" "$nt_b" "$nt_s" "$nt_k" "$nt_r" "$ratio"
        printf "%-10s %7s %8s %10.3f %12.3f %9s %9.2f\n" brian2 "${k}000" "$th" "$br_b" "$br_s" "$br_k" "$br_r"
    done
done
