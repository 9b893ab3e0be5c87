#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark of issue 5: `neurotwin analyze` on a SONATA spike file with 10 million spikes
# (10,000 Poisson neurons at 10 Hz for 100 s, sorted by time, chunked like neurotwin's own
# output). Two layouts: with /neurotwin metadata (one streaming pass) and a bare SONATA file
# as other simulators write it (an extra pass finds the neuron count and the end time).
# Reports the median wall time and peak memory of REPEATS runs. Run it on an idle machine.
#
# usage: bench/analyze_10m.sh [path/to/neurotwin]     (env: REPEATS, default 3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../build/neurotwin}"
repeats="${REPEATS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work" <<'PY'
import sys
import h5py
import numpy as np

work = sys.argv[1]
n, rate_hz, t_ms = 10_000, 10.0, 100_000.0
rng = np.random.default_rng(1)
count = rng.poisson(n * rate_hz * t_ms / 1000.0)
t = np.sort(rng.uniform(0.0, t_ms, count))  # a Poisson population: uniform times, random ids
ids = rng.integers(0, n, count, dtype=np.uint64)
sorting = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")
for name, ours in (("ours.h5", True), ("sonata.h5", False)):
    with h5py.File(f"{work}/{name}", "w") as f:
        g = f.create_group("spikes/pop")
        g.attrs.create("sorting", 2, dtype=sorting)
        g.create_dataset("timestamps", data=t, chunks=(1 << 16,)).attrs["units"] = "ms"
        g.create_dataset("node_ids", data=ids, chunks=(1 << 16,))
        if ours:
            f.create_group("neurotwin").attrs["t_reached_ms"] = t_ms
            f["neurotwin"].create_group("populations/pop").attrs["size"] = np.uint64(n)
print(f"{count} spikes, {n} neurons, {t_ms / 1000:g} s")
PY

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for name in ours sonata; do
    : > "$work/t"; : > "$work/m"
    for ((r = 1; r <= repeats; r++)); do
        start=$(date +%s.%N)
        /usr/bin/time -f "%M" -o "$work/rss" "$bin" analyze "$work/$name.h5" > /dev/null
        end=$(date +%s.%N)
        awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' >> "$work/t"
        echo $(( $(cat "$work/rss") / 1024 )) >> "$work/m"
    done
    printf "analyze %s.h5: median %.3f s over %d runs (runs: %s), peak %s MB, 1 thread\n" \
        "$name" "$(median < "$work/t")" "$repeats" "$(xargs printf '%.3f ' < "$work/t")" \
        "$(median < "$work/m")"
done
