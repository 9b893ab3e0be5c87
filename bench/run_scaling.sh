#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# 2-thread speed-up of one scenario (default: CUBA at 64,000 neurons, issue 4's target
# >= 1.8x): REPEATS pairs of runs, 1 thread then 2 threads back to back, so that both runs
# of a pair see the same machine state. Prints every pair, the medians of the simulate times
# and of the per-pair speed-ups. The machine check (bench/scaling_ceiling.cpp: what two
# threads gain on kernels that share nothing) runs before and after: on a shared VM it
# varies from minute to minute, and a speed-up below its "stream" figure says more about
# the neighbours than about the engine. Run it on an otherwise idle machine.
#
# usage: bench/run_scaling.sh [path/to/neurotwin] [scenario.toml]   (env: REPEATS=7)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${1:-$root/build/neurotwin}"
scenario="${2:-$root/scenarios/benchmarks/cuba_64k.toml}"
repeats="${REPEATS:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

g++ -O2 -fopenmp "$here/scaling_ceiling.cpp" -o "$work/ceiling"
simulate_s() {  # threads -> simulate wall time [s]
    "$bin" run "$scenario" -o "$work/out.h5" --threads "$1" --quiet
    /usr/bin/python3 -c "import h5py, sys; print(h5py.File(sys.argv[1], 'r')['neurotwin'].attrs['wall_time_s'])" "$work/out.h5"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "scenario: $scenario; $repeats pairs"
echo "machine check before:"; "$work/ceiling" | sed 's/^/  /'
printf "%6s %14s %14s %10s\n" pair "1 thread [s]" "2 threads [s]" speed-up
for ((r = 1; r <= repeats; r++)); do
    one=$(simulate_s 1); two=$(simulate_s 2)
    echo "$one $two" >> "$work/pairs"
    printf "%6d %14.3f %14.3f %10.2f\n" "$r" "$one" "$two" "$(awk -v a="$one" -v b="$two" 'BEGIN {print a / b}')"
done
echo "machine check after:"; "$work/ceiling" | sed 's/^/  /'
/usr/bin/python3 - "$work/pairs" <<'PY'
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
one = statistics.median(p[0] for p in pairs)
two = statistics.median(p[1] for p in pairs)
ratios = sorted(a / b for a, b in pairs)
print(f"medians: 1 thread {one:.3f} s, 2 threads {two:.3f} s, ratio of medians {one / two:.2f}; "
      f"median per-pair speed-up {statistics.median(ratios):.2f} (range {ratios[0]:.2f}-{ratios[-1]:.2f})")
PY
