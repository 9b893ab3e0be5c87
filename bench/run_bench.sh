#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark of issue 2: the 10,000-pair relu <-> lif twin (bench/twin_10k.toml) on 1 and 2
# threads. Runs alternate between thread counts (so both see the same machine state) and
# the median of REPEATS runs is reported, with the peak resident memory of each run, and
# the peak memory at two durations (it must not grow with the duration).
# Run it on an otherwise idle machine: nothing else may compete for the cores.
#
# usage: bench/run_bench.sh [path/to/neurotwin]     (env: REPEATS, default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../build/neurotwin}"
repeats="${REPEATS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# one run: prints "<wall seconds of the simulation> <peak RSS in MB>"
one_run() {  # scenario threads
    local out="$work/out.h5"
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" run "$1" -o "$out" --threads "$2" --quiet
    local wall
    wall=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['neurotwin'].attrs['wall_time_s'])" "$out")
    echo "$wall $(( $(cat "$work/rss") / 1024 ))"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "scenario: bench/twin_10k.toml (10,000 relu<->lif pairs, Poisson, 4 inputs, 10 s, dt 0.1 ms)"
: > "$work/t1"; : > "$work/t2"; : > "$work/m1"; : > "$work/m2"
for ((r = 1; r <= repeats; r++)); do
    for th in 1 2; do
        read -r wall rss < <(one_run "$here/twin_10k.toml" "$th")
        echo "  run $r, $th thread(s): ${wall} s, peak ${rss} MB"
        echo "$wall" >> "$work/t$th"
        echo "$rss" >> "$work/m$th"
    done
done
t1=$(median < "$work/t1"); t2=$(median < "$work/t2")
m1=$(median < "$work/m1"); m2=$(median < "$work/m2")
speedup=$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.2f", a / b}')

# memory independent of duration: the same network for 20 s (2 threads, one run)
sed 's/duration = "10 s"/duration = "20 s"/' "$here/twin_10k.toml" > "$work/twin_20s.toml"
read -r wall20 rss20 < <(one_run "$work/twin_20s.toml" 2)

echo
printf "%-34s %12s %12s\n" "" "1 thread" "2 threads"
printf "%-34s %12s %12s\n" "median simulate wall time [s]" "$t1" "$t2"
printf "%-34s %12s %12s\n" "median peak memory [MB]" "$m1" "$m2"
echo "2-thread speed-up: ${speedup}x   (targets: < 5 s on 2 threads, >= 1.7x, < 300 MB)"
echo "peak memory, 2 threads: 10 s run ${m2} MB, 20 s run ${rss20} MB (wall ${wall20} s)"
