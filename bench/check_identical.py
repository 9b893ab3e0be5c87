#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Are two neurotwin binaries' outputs bit-identical? Runs every shipped scenario (scenarios/,
# scenarios/benchmarks/, the bench/ scenarios; sweeps through `neurotwin batch`) with both
# binaries on 1, 2 and 3 threads, and compares every dataset byte for byte and every
# attribute except the ones that describe the run rather than its result (wall and build
# time, start time, thread count, version and git revision). Also runs `neurotwin compare`
# on each pair. Used by the structure issue (#11): a refactoring must not change a result.
# --allow-new tolerates datasets and attributes that only the new files have (a layout that
# grew, e.g. /neurotwin/records): they are counted, not listed; everything else must match.
# It also tolerates scenarios that the reference binary rejects as input (exit code 2: a
# scenario of a model or key it does not know yet) while the new one runs them: they are
# listed as skipped and counted; without --allow-new each is a difference.
#
# usage: bench/check_identical.py REFERENCE_BINARY [NEW_BINARY] [--threads 1,2,3]
#                                 [--only SUBSTRING] [--skip-large] [--allow-new]
# exit 0: all identical; 1: a difference (listed); 2: a run failed.
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Attributes that describe how a run went, not what it computed.
RUN_ATTRS = {"build_time_s", "wall_time_s", "start_time", "threads", "git_revision",
             "neurotwin_version", "scenario_file", "created", "sync_interval"}
timings = {}
LARGE = {"cuba_64k", "cuba_16k", "microcircuit"}


def scenarios(skip_large):
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    files += sorted((ROOT / "scenarios" / "benchmarks").glob("*.toml"))
    files += sorted((ROOT / "bench").glob("*.toml"))
    if skip_large:
        files = [f for f in files if f.stem not in LARGE]
    return files


def value_bytes(v):
    """A value as comparable data: bytes of numeric arrays, the items of string arrays
    (variable-length strings are pointers in memory, not bytes)."""
    a = np.asarray(v)
    if a.dtype.kind in "OSU":
        return (a.shape, [x if isinstance(x, (bytes, str)) else str(x) for x in a.ravel().tolist()])
    return (a.dtype.str, a.shape, a.tobytes())


def collect(path):
    """Every dataset and attribute of a file, by path."""
    items = {}
    with h5py.File(path, "r") as f:
        def attrs(name, obj):
            for k, v in obj.attrs.items():
                if k not in RUN_ATTRS:
                    items[f"{name}@{k}"] = value_bytes(v)
        attrs("/", f)

        def visit(name, obj):
            attrs(name, obj)
            if isinstance(obj, h5py.Dataset):
                items[name] = value_bytes(obj[()])
        f.visititems(visit)
    return items


def diff(a, b, allow_new):
    """Differences between the reference file a and the new file b, and the number of keys
    only b has when they are allowed (else they are differences)."""
    ia, ib = collect(a), collect(b)
    out = []
    new = 0
    for k in sorted(set(ia) | set(ib)):
        if k not in ia:
            if allow_new:
                new += 1
            else:
                out.append(f"only in new: {k}")
        elif k not in ib:
            out.append(f"only in reference: {k}")
        elif ia[k] != ib[k]:
            out.append(f"differs: {k}")
    return out, new


def run(binary, scenario, out, threads, may_reject=False):
    """Runs one scenario; exits 2 when it fails, except that with `may_reject` a rejected
    input (exit code 2) returns the first line of the message instead. None when it ran."""
    if "sweep" in scenario.parent.name:
        cmd = [binary, "batch", str(scenario), "-o", str(out), "--threads-per-job", str(threads),
               "--jobs", "1"]
    else:
        cmd = [binary, "run", str(scenario), "-o", str(out), "--threads", str(threads), "--quiet"]
    t0 = time.monotonic()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    timings[scenario.stem] = timings.get(scenario.stem, 0.0) + time.monotonic() - t0
    if r.returncode == 2 and may_reject:
        return (r.stderr.strip().splitlines() or ["(no message)"])[0]
    if r.returncode != 0:
        sys.stderr.write(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}\n")
        sys.exit(2)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("new", nargs="?", default=str(ROOT / "build" / "neurotwin"))
    ap.add_argument("--threads", default="1,2,3")
    ap.add_argument("--only", default="")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--allow-new", action="store_true",
                    help="tolerate datasets and attributes present only in the new files")
    args = ap.parse_args()
    files = scenarios(args.skip_large) + sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
    files = [f for f in files if args.only in str(f)]
    threads = [int(t) for t in args.threads.split(",")]
    bad = 0
    compared = 0
    skipped = 0  # runs of scenarios the reference binary rejects (and the new one runs)
    only_new = 0  # keys only the new files have (--allow-new), over all pairs
    with tempfile.TemporaryDirectory() as work:
        for f in files:
            for th in threads:
                sweep = "sweep" in f.parent.name
                # a run's output: one file, or a batch's folder of files
                dirs = [pathlib.Path(work) / f"{who}_{f.stem}_{th}" for who in ("ref", "new")]
                for d in dirs:
                    d.mkdir()
                targets = [d if sweep else d / "o.h5" for d in dirs]
                rejected = run(args.reference, f, targets[0], th, may_reject=True)
                run(args.new, f, targets[1], th)
                if rejected is not None:
                    what = "skipped" if args.allow_new else "DIFFERENT"
                    print(f"{f.relative_to(ROOT)} threads {th}: {what}, the reference binary "
                          f"rejects it and the new one runs it: {rejected}")
                    skipped += args.allow_new
                    bad += not args.allow_new
                    for d in dirs:
                        shutil.rmtree(d)
                    continue
                fa, fb = (sorted(d.rglob("*.h5")) for d in dirs)
                names_a = [p.relative_to(dirs[0]) for p in fa]
                names_b = [p.relative_to(dirs[1]) for p in fb]
                if names_a != names_b or not names_a:
                    print(f"{f.relative_to(ROOT)} threads {th}: different output files {names_a} / {names_b}")
                    bad += 1
                    continue
                for pa, pb in zip(fa, fb):
                    d, new = diff(pa, pb, args.allow_new)
                    only_new += new
                    c = subprocess.run([args.new, "compare", str(pa), str(pb)], capture_output=True)
                    if c.returncode != 0:
                        d.append("neurotwin compare: spike trains differ")
                    compared += 1
                    label = f"{f.relative_to(ROOT)} threads {th}" + (f" {pa.name}" if sweep else "")
                    if d:
                        bad += 1
                        print(f"{label}: DIFFERENT")
                        for line in d[:20]:
                            print(f"    {line}")
                    else:
                        print(f"{label}: identical" + (f" ({new} new)" if new else ""))
                for d in dirs:
                    shutil.rmtree(d)
    slow = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
    print("slowest (s, all runs): " + ", ".join(f"{k} {v:.1f}" for k, v in slow))
    print(f"{compared} file pairs compared, {bad} different" +
          (f", {only_new} datasets/attributes only in the new files (allowed)"
           if args.allow_new else "") +
          (f", {skipped} runs skipped (scenarios the reference binary rejects)"
           if skipped else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
