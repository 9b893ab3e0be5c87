#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The default thread count on a busy machine (issue 10, items 4 and 22).
#
# 1. With one core kept busy by another program (`yes > /dev/null`), every shipped small
#    scenario (scenarios/*.toml) runs with the default thread count and with --threads 1,
#    interleaved (the order alternates), REPEATS times each; the medians of the whole
#    process's wall time are compared. Target: default <= 1.5 x one thread.
# 2. With the busy program stopped, the large benchmarks (scenarios/benchmarks/cuba*.toml)
#    run with the default and with --threads 2. Target: the default is no slower.
# Prints one table per part, with the thread count the default chose. Run it on a machine
# that is otherwise idle: other load moves both columns.
#
# usage: bench/run_busy_core.sh [path/to/neurotwin]
#   env: REPEATS=5, SMALL="<scenario files>", LARGE="<scenario files>" (empty: part skipped)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${1:-$root/build/neurotwin}"
repeats="${REPEATS:-5}"
small="${SMALL-$(ls "$root"/scenarios/*.toml)}"
large="${LARGE-$(ls "$root"/scenarios/benchmarks/cuba*.toml)}"
work="$(mktemp -d)"
busy_pid=""
stop_busy() {
    if [[ -n "$busy_pid" ]]; then
        kill "$busy_pid" 2>/dev/null || true
        wait "$busy_pid" 2>/dev/null || true
        busy_pid=""
    fi
}
trap 'stop_busy; rm -rf "$work"' EXIT

wall_s() {  # scenario [run options...] -> wall time of the whole process [s]
    local scenario="$1"
    shift
    local t0 t1
    t0=$(date +%s.%N)
    "$bin" run "$scenario" -o "$work/out.h5" --quiet "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
default_threads() {  # scenario -> the thread count the default chooses (from --stats)
    "$bin" run "$1" -o "$work/out.h5" --quiet --stats | awk '$1 == "threads" { print $2 }'
}

# compare <label of the other column> <other options...>: reads scenarios from stdin
compare() {
    local other_label="$1"
    shift
    printf "%-34s %8s %12s %12s %8s\n" scenario threads "default [s]" "$other_label [s]" ratio
    while read -r scenario; do
        [[ -z "$scenario" ]] && continue
        local name threads
        name="$(basename "$scenario")"
        threads=$(default_threads "$scenario")
        : > "$work/default"
        : > "$work/other"
        for ((r = 1; r <= repeats; r++)); do
            if ((r % 2)); then
                wall_s "$scenario" >> "$work/default"
                wall_s "$scenario" "$@" >> "$work/other"
            else
                wall_s "$scenario" "$@" >> "$work/other"
                wall_s "$scenario" >> "$work/default"
            fi
        done
        local d o
        d=$(median < "$work/default")
        o=$(median < "$work/other")
        printf "%-34s %8s %12.3f %12.3f %8.2f\n" "$name" "$threads" "$d" "$o" \
            "$(awk -v a="$d" -v b="$o" 'BEGIN { print a / b }')"
    done
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "binary: $bin; $repeats runs of each, medians of the wall time of the whole process"
echo
echo "== one core busy (yes > /dev/null): default threads vs --threads 1 (target ratio <= 1.5)"
if [[ -n "$small" ]]; then
    yes > /dev/null &
    busy_pid=$!
    tr ' ' '\n' <<< "$small" | compare "1 thread" --threads 1
    stop_busy
fi
echo
echo "== idle: default threads vs --threads 2 (target ratio <= 1.0 within noise)"
if [[ -n "$large" ]]; then
    tr ' ' '\n' <<< "$large" | compare "2 threads" --threads 2
fi
