#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Are two neurotwin binaries' outputs bit-identical? Runs every shipped scenario (scenarios/,
# scenarios/benchmarks/, the bench/ scenarios; sweeps through `neurotwin batch`) with both
# binaries on 1, 2 and 3 threads, and compares every dataset byte for byte and every
# attribute except the ones that describe the run rather than its result (wall and build
# time, start time, thread count, version and git revision). Also runs `neurotwin compare`
# on each pair. Used by the structure issue (#11): a refactoring must not change a result.
#
# usage: bench/check_identical.py REFERENCE_BINARY [NEW_BINARY] [--threads 1,2,3]
#                                 [--only SUBSTRING] [--skip-large]
# exit 0: all identical; 1: a difference (listed); 2: a run failed.
import argparse
import os
import pathlib
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


def value_bytes(dataset):
    """A dataset's values as bytes. Variable-length strings read as arrays of Python objects,
    whose raw bytes are pointers (different on every read): those compare by their values."""
    data = dataset[()]
    if dataset.shape == ():
        return np.asarray(data).tobytes()
    if dataset.dtype.kind == "O":
        return repr(data.tolist()).encode()
    return data.tobytes()


def collect(path):
    """Every dataset (bytes) and attribute of a file, by path."""
    items = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for k, v in obj.attrs.items():
                if k not in RUN_ATTRS:
                    items[f"{name}@{k}"] = np.asarray(v).tobytes() if not isinstance(v, (str, bytes)) else v
            if isinstance(obj, h5py.Dataset):
                items[name] = (obj.dtype.str, obj.shape, value_bytes(obj))
        for k, v in f.attrs.items():
            if k not in RUN_ATTRS:
                items[f"/@{k}"] = np.asarray(v).tobytes() if not isinstance(v, (str, bytes)) else v
        f.visititems(visit)
    return items


def diff(a, b):
    ia, ib = collect(a), collect(b)
    out = []
    for k in sorted(set(ia) | set(ib)):
        if k not in ia:
            out.append(f"only in new: {k}")
        elif k not in ib:
            out.append(f"only in reference: {k}")
        elif ia[k] != ib[k]:
            out.append(f"differs: {k}")
    return out


def run(binary, scenario, out, threads):
    if "sweep" in scenario.parent.name:
        cmd = [binary, "batch", str(scenario), "-o", str(out), "--threads-per-job", str(threads),
               "--jobs", "1"]
    else:
        cmd = [binary, "run", str(scenario), "-o", str(out), "--threads", str(threads), "--quiet"]
    t0 = time.monotonic()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    timings[scenario.stem] = timings.get(scenario.stem, 0.0) + time.monotonic() - t0
    if r.returncode != 0:
        sys.stderr.write(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}\n")
        sys.exit(2)


def outputs(out):
    p = pathlib.Path(out)
    return sorted(p.rglob("*.h5")) if p.is_dir() else [p]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("new", nargs="?", default=str(ROOT / "build" / "neurotwin"))
    ap.add_argument("--threads", default="1,2,3")
    ap.add_argument("--only", default="")
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    files = scenarios(args.skip_large) + sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
    files = [f for f in files if args.only in str(f)]
    threads = [int(t) for t in args.threads.split(",")]
    bad = 0
    compared = 0
    with tempfile.TemporaryDirectory() as work:
        for f in files:
            for th in threads:
                # a run writes o.h5 in its folder, a sweep its files into the folder itself
                sweep = "sweep" in f.parent.name
                dir_a = pathlib.Path(work) / f"ref_{f.stem}_{th}"
                dir_b = pathlib.Path(work) / f"new_{f.stem}_{th}"
                dir_a.mkdir(parents=True, exist_ok=True)
                dir_b.mkdir(parents=True, exist_ok=True)
                a = dir_a if sweep else dir_a / "o.h5"
                b = dir_b if sweep else dir_b / "o.h5"
                run(args.reference, f, a, th)
                run(args.new, f, b, th)
                fa = outputs(a)
                fb = outputs(b)
                names_a = [p.relative_to(dir_a) for p in fa]
                names_b = [p.relative_to(dir_b) for p in fb]
                if names_a != names_b:
                    print(f"{f.relative_to(ROOT)} threads {th}: different output files {names_a} / {names_b}")
                    bad += 1
                    continue
                for pa, pb in zip(fa, fb):
                    d = diff(pa, pb)
                    c = subprocess.run([args.new, "compare", str(pa), str(pb)], capture_output=True)
                    if c.returncode != 0:
                        d.append("neurotwin compare: spike trains differ")
                    compared += 1
                    label = f"{f.relative_to(ROOT)} threads {th}" + (f" {pa.relative_to(dir_a)}" if sweep else "")
                    if d:
                        bad += 1
                        print(f"{label}: DIFFERENT")
                        for line in d[:20]:
                            print(f"    {line}")
                    else:
                        print(f"{label}: identical")
    slow = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
    print("slowest (s, all runs): " + ", ".join(f"{k} {v:.1f}" for k, v in slow))
    print(f"{compared} file pairs compared, {bad} different")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
