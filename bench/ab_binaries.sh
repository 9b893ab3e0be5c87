#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A/B timing of two neurotwin binaries: each scenario and thread count is run REPEATS times
# by each binary, alternating (A B A B ...), so that drifts of the machine hit both alike;
# prints the median of the simulate time (/neurotwin wall_time_s) of each and their ratio.
# Run it on an otherwise idle machine (no build, no other job).
#
# usage: bench/ab_binaries.sh OLD_BINARY NEW_BINARY [scenario.toml ...]
#   env: REPEATS=5, THREADS="1 2"; default scenarios: CUBA 64k, the twin and Brunel AI
#   benchmarks (bench/run_networks.sh's largest network and the twin benchmark).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
old="$1"
new="$2"
shift 2
if [ $# -eq 0 ]; then
    set -- "$root/scenarios/benchmarks/cuba_64k.toml" "$here/twin_10k.toml" \
        "$root/scenarios/benchmarks/brunel_ai.toml"
fi
repeats="${REPEATS:-5}"
threads="${THREADS:-1 2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

wall() {  # binary scenario threads -> simulate seconds
    "$1" run "$2" -o "$work/out.h5" --threads "$3" --quiet >/dev/null
    /usr/bin/python3 -c 'import h5py,sys; print(h5py.File(sys.argv[1],"r")["neurotwin"].attrs["wall_time_s"])' "$work/out.h5"
    rm -f "$work/out.h5"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); medians of $repeats interleaved runs"
printf '%-28s %7s %10s %10s %7s\n' scenario threads old_s new_s new/old
for s in "$@"; do
    for t in $threads; do
        : >"$work/a"; : >"$work/b"
        for _ in $(seq "$repeats"); do
            wall "$old" "$s" "$t" >>"$work/a"
            wall "$new" "$s" "$t" >>"$work/b"
        done
        a=$(median <"$work/a"); b=$(median <"$work/b")
        printf '%-28s %7s %10.3f %10.3f %7.3f\n' "$(basename "$s" .toml)" "$t" "$a" "$b" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
    done
done
