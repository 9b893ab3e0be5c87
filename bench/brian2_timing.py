# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the bench/brian2_*.py scripts: run a compiled Brian2 C++ standalone project
`repeats` times and time each run, split into the network run measured inside the binary
(device._last_run_time) and everything else of the process (build: connectivity, setup,
writing results)."""
import statistics
import time

import brian2 as b2


def timed_runs(workdir, repeats):
    """Median build and simulate seconds, and every simulate time."""
    builds, runs = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        b2.device.run(directory=workdir, with_output=False, run_args=[])
        wall = time.perf_counter() - t0
        run_s = float(b2.device._last_run_time)
        builds.append(wall - run_s)
        runs.append(run_s)
    return statistics.median(builds), statistics.median(runs), runs
