#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bounded mutation fuzzer of the neurotwin command line (`make fuzz`; never part of `make test`).

Each case mutates one input and runs the real binary on it, with a timeout and a memory limit:

  toml  a shipped scenario (scenarios/**.toml, run for a few ms): numbers become huge,
        negative, NaN, inf or 0; strings become odd names; quantities change unit; keys are
        deleted, duplicated or misspelt; tables are duplicated. `validate`, then `run` (a sweep:
        `batch`).
  swc   an SWC morphology (tests/data/swc/ plus a generated branching tree) under an mc_cell
        scenario: numbers, parent ids, types, lines and columns damaged. `validate`, `run`.
  csv   a CSV edge file of a `from_file` projection: ids out of range or not integers, NaN or
        infinite weights, bad delays, headers and field counts damaged. `validate`, `run`.
  h5    an output of `run` damaged with h5py (values out of range, times out of order, datasets
        and attributes deleted or retyped) or truncated: `analyze --json`, `summary`,
        `compare`, `analyze` (in place), `export-sonata`.

Each outcome is classified:
  clean error  non-zero exit (1-4) with a message on stderr (the summary says how many
               scenario errors named no file:line)
  ran          exit 0 (run: with a complete output file)
  NOT CLEAN    a signal, a timeout, exit 5 ("internal error"), "internal error" on stderr, a
               sanitizer report, exit 130 with no interrupt, an output or temporary file left
               by a failed run, or exit 0 without a complete output.
Every not-clean case is kept under OUT/case-NNNN-<kind>/ with its inputs and a `repro.sh`.

Deterministic for a seed (FUZZ_SEED), bounded in cases (FUZZ_CASES, default 500), per command
time (FUZZ_TIMEOUT, default 10 s; 3x for a sanitizer build), memory (FUZZ_MEM_MB, default 2048, an address-space limit;
ignored for sanitizer builds, which get ASan's hard_rss_limit_mb instead) and total time
(FUZZ_TIME_LIMIT, default 1800 s). The last line is the summary:
  "N cases: X clean errors, Y ran, Z not clean".
"""

import argparse
import glob
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))

# -------------------------------------------------------------------------------- mutations

ODD_NUMBERS = ["0", "-0.0", "-1", "-1e308", "1e308", "1e-300", "1e20", "1e-20", "nan", "inf",
               "-inf", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
               "4294967296", "1e19", "0.5", "3.7", "1e300", "65536"]
ODD_STRINGS = ['""', '"a.b"', '".."', '"../x"', '"a/b"', '"a\\u0000x"', '"LIF"', '"\u00e9t\u00e9"',
               '"' + "x" * 300 + '"', '" exc"', '"exc.biological"', '"nope"', '"1 parsec"',
               '"1e300 s"', '"-5 ms"', '"1000000000 s"', '"nan ms"', '"ms"', '"1e-20 Hz"',
               '"1e19 Hz"']
UNITS = ["ms", "s", "us", "Hz", "kHz", "mV", "V", "pA", "nA", "nS", "uS", "um", "cm", "ohm*cm",
         "uF/cm2", "S/cm2", "parsec", "", "ms ms", "1/ms"]
ODD_VALUES = ["[]", "[1, 2]", "{}", "{ linspace = [0.0, 1e308] }", "{ normal = [0, -1] }",
              "{ uniform = [1, 0] }", "true", "1979-05-27", "[[1]]", '"{ a = 1 }"']

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.])[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)'
                   r'(?![\w.])|\btrue\b|\bfalse\b')
KEY_LINE = re.compile(r'^(\s*)([A-Za-z0-9_."-]+)(\s*=\s*)(.*\S)\s*$')


def mutate_token(rng, tok):
    if tok.startswith('"'):
        inner = tok[1:-1]
        m = re.match(r'^\s*([-+0-9.eE]+)\s*(\S.*)$', inner)
        if m and rng.random() < 0.6:  # a quantity: change its number or its unit
            if rng.random() < 0.5:
                return '"%s %s"' % (rng.choice(ODD_NUMBERS), m.group(2))
            return '"%s %s"' % (m.group(1), rng.choice(UNITS))
        return rng.choice(ODD_STRINGS)
    if tok in ("true", "false"):
        return rng.choice(["0", '"yes"', "true" if tok == "false" else "false"])
    return rng.choice(ODD_NUMBERS + ['"%s %s"' % (tok, rng.choice(UNITS))])


def mutate_toml(rng, lines):
    """One mutation of the scenario lines (a list of strings without newlines); its description."""
    kv = [i for i, l in enumerate(lines) if KEY_LINE.match(l) and not l.lstrip().startswith("#")]
    headers = [i for i, l in enumerate(lines) if l.lstrip().startswith("[")]
    op = rng.choices(["token", "value", "delete", "duplicate", "rename", "table", "insert"],
                     weights=[50, 8, 10, 6, 6, 5, 5])[0]
    if not kv:
        op = "table"
    if op in ("token", "value", "delete", "duplicate", "rename"):
        i = rng.choice(kv)
        m = KEY_LINE.match(lines[i])
        indent, key, eq, value = m.groups()
        if op == "token":
            toks = list(TOKEN.finditer(value))
            if toks:
                t = rng.choice(toks)
                new = mutate_token(rng, t.group(0))
                lines[i] = indent + key + eq + value[:t.start()] + new + value[t.end():]
                return "line %d: %s -> %s" % (i + 1, t.group(0)[:40], new[:40])
            op = "value"
        if op == "value":
            new = rng.choice(ODD_VALUES + ODD_NUMBERS + ODD_STRINGS)
            lines[i] = indent + key + eq + new
            return "line %d: %s = %s" % (i + 1, key, new[:40])
        if op == "delete":
            del lines[i]
            return "line %d: deleted %s" % (i + 1, key)
        if op == "duplicate":
            lines.insert(i + 1, lines[i])
            return "line %d: duplicated %s" % (i + 1, key)
        pos = rng.randrange(len(key))
        typo = key[:pos] + key[pos + 1:] if len(key) > 1 else key + "x"
        lines[i] = indent + typo + eq + value
        return "line %d: key %s -> %s" % (i + 1, key, typo)
    if op == "table" and headers:
        i = rng.choice(headers)
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("["):
            j += 1
        block = lines[i:j]
        if rng.random() < 0.5:
            lines[j:j] = block
            return "line %d: table %s duplicated" % (i + 1, lines[i].strip())
        del lines[i:j]
        return "line %d: table %s deleted" % (i + 1, block[0].strip())
    key = rng.choice(["size", "threads", "dt", "duration", "weight", "delay", "rate", "seed",
                      "model", "name", "wieght", "h_max", "interval", "start", "stop"])
    at = rng.randrange(len(lines) + 1)
    value = rng.choice(ODD_NUMBERS + ODD_STRINGS)
    lines.insert(at, "%s = %s" % (key, value))
    return "line %d: inserted %s = %s" % (at + 1, key, value[:40])


def short_run(text, duration="5"):
    """The scenario with its [simulation] duration set to `duration` ms (runs stay short)."""
    out, in_sim, done = [], False, False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("["):
            if in_sim and not done:
                out.append("duration = %s" % duration)
                done = True
            in_sim = s == "[simulation]"
        if in_sim and re.match(r"duration\s*=", s):
            if not done:
                out.append("duration = %s" % duration)
                done = True
            continue
        out.append(line)
    if in_sim and not done:
        out.append("duration = %s" % duration)
    return "\n".join(out) + "\n"


def absolute_paths(text, folder):
    """Relative file references (swc, file) made absolute, so the copy runs anywhere."""
    def repl(m):
        path = m.group(3)
        if not os.path.isabs(path) and os.path.exists(os.path.join(folder, path)):
            path = os.path.abspath(os.path.join(folder, path))
        return m.group(1) + m.group(2) + '"' + path + '"'
    return re.sub(r'^(\s*(?:swc|file)\s*=\s*)()"([^"]*)"', repl, text, flags=re.M)


def random_swc(rng, n):
    """A branching tree of n points below a one-point soma (radii and lengths in um)."""
    rows = ["1 1 0 0 0 8 -1"]
    for i in range(2, n + 1):
        parent = rng.randrange(max(1, i - 4), i)
        x, y, z = (rng.uniform(-200, 200) for _ in range(3))
        rows.append("%d %d %.2f %.2f %.2f %.3f %d" % (i, rng.choice([2, 3, 3, 4]), x, y, z,
                                                      rng.uniform(0.2, 2.0), parent))
    return rows


def mutate_swc(rng, rows):
    op = rng.choices(["number", "parent", "type", "delete", "duplicate", "columns", "garbage",
                      "empty", "cycle"], weights=[30, 15, 8, 10, 8, 8, 5, 2, 4])[0]
    data = [i for i, r in enumerate(rows) if r.strip() and not r.lstrip().startswith("#")]
    if op == "empty" or not data:
        rows[:] = []
        return "empty file"
    i = rng.choice(data)
    f = rows[i].split()
    if op == "number":
        k = rng.randrange(len(f))
        old, f[k] = f[k], rng.choice(ODD_NUMBERS + ["abc", "1,5", "0x10"])
        rows[i] = " ".join(f)
        return "line %d field %d: %s -> %s" % (i + 1, k + 1, old, f[k])
    if op == "parent" and len(f) >= 7:
        f[6] = rng.choice([f[0], str(int(float(f[0])) + 1 if f[0].isdigit() else 99), "-2", "0",
                           "1e30", str(len(rows) + 5)])
        rows[i] = " ".join(f)
        return "line %d: parent -> %s" % (i + 1, f[6])
    if op == "type" and len(f) >= 2:
        f[1] = rng.choice(["0", "5", "7", "-1", "1", "999999999999"])
        rows[i] = " ".join(f)
        return "line %d: type -> %s" % (i + 1, f[1])
    if op == "delete":
        del rows[i]
        return "line %d: deleted" % (i + 1)
    if op == "duplicate":
        rows.insert(i + 1, rows[i])
        return "line %d: duplicated" % (i + 1)
    if op == "columns":
        rows[i] = " ".join(f[:rng.randrange(len(f))] if rng.random() < 0.5 else f + ["7", "x"])
        return "line %d: columns -> %s" % (i + 1, rows[i][:40])
    if op == "cycle" and len(data) > 2:
        # the first point's parent is made a later point: a loop through the root
        j = data[0]
        g = rows[j].split()
        if len(g) >= 7:
            g[6] = rows[data[-1]].split()[0]
            rows[j] = " ".join(g)
            return "line %d: root's parent -> %s (a cycle)" % (j + 1, g[6])
    rows.insert(i, rng.choice(["\x00\x01\x02", "1 1 0 0 0", "# only a comment", "\t\t", "1 1 nan",
                               "\ufeff1 1 0 0 0 5 -1"]))
    return "line %d: garbage line inserted" % (i + 1)


SWC_SCENARIO = """[simulation]
duration = 5
dt = 0.025
[[morphology]]
name = "cell"
swc = "{swc}"
segment_length = 50
[morphology.soma]
hh = true
[morphology.dend]
g_pas = 1e-4
[[population]]
name = "cells"
model = "mc_cell"
size = 2
morphology = "cell"
[[stimulus]]
name = "step"
type = "dc"
target = "cells"
amplitude = "0.5 nA"
[[record]]
population = "cells"
spikes = true
variables = ["V_m"]
"""

CSV_SCENARIO = """[simulation]
duration = 5
[[population]]
name = "a"
model = "lif"
size = 20
params = {{ I_e = 500.0 }}
[[population]]
name = "b"
model = "lif"
size = 30
[[projection]]
source = "a"
target = "b"
rule = "from_file"
file = "{csv}"
[[record]]
population = "b"
spikes = true
"""


def random_csv(rng):
    rows = ["source,target,weight,delay"]
    for _ in range(rng.randrange(1, 40)):
        rows.append("%d,%d,%.3f,%.1f" % (rng.randrange(20), rng.randrange(30),
                                         rng.uniform(-50, 50), rng.choice([0.1, 0.5, 1.0, 2.0])))
    return rows


def mutate_csv(rng, rows):
    op = rng.choices(["field", "header", "count", "blank", "crlf", "bom", "delete"],
                     weights=[50, 12, 12, 6, 5, 5, 10])[0]
    i = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
    if op == "field":
        f = rows[i].split(",")
        k = rng.randrange(len(f))
        old, f[k] = f[k], rng.choice(ODD_NUMBERS + ["20", "30", "1.5", "abc", "", " 3", "1e30",
                                                    "-1", "0x1f"])
        rows[i] = ",".join(f)
        return "line %d field %d: %s -> %s" % (i + 1, k + 1, old, f[k])
    if op == "header":
        rows[0] = rng.choice(["source,target", "target,source,weight", "source,source,target",
                              "from,to,weight", "source,target,weight,delay,extra", "",
                              "source;target;weight", "SOURCE,TARGET"])
        return "header -> %r" % rows[0]
    if op == "count":
        rows[i] = rows[i] + rng.choice([",1", ",,", ""]) if rng.random() < 0.5 else \
            ",".join(rows[i].split(",")[:-1])
        return "line %d: fields -> %r" % (i + 1, rows[i])
    if op == "blank":
        rows.insert(i, rng.choice(["", " ", ",,,", "#comment"]))
        return "line %d: blank-ish line" % (i + 1)
    if op == "crlf":
        rows[:] = [r + "\r" for r in rows]
        return "CRLF line ends"
    if op == "bom":
        rows[0] = "\ufeff" + rows[0]
        return "byte order mark"
    if len(rows) > 1:
        del rows[1:]
        return "only the header"
    return "unchanged"


# -------------------------------------------------------------------------------- running

class Runner:
    def __init__(self, binary, timeout, mem_mb):
        self.binary = os.path.abspath(binary)
        self.timeout = timeout
        self.mem_mb = mem_mb
        self.sanitized = self._sanitized()
        self.env = dict(os.environ)
        if self.sanitized:
            self.timeout *= 3  # ASan + UBSan run a few times slower
            opts = self.env.get("ASAN_OPTIONS", "")
            self.env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "hard_rss_limit_mb=%d" % mem_mb

    def _sanitized(self):
        try:
            with open(self.binary, "rb") as f:
                return b"__asan_init" in f.read()
        except OSError:
            return False

    def _limits(self):
        os.setsid()  # its own process group: a timeout kills batch children too
        if not self.sanitized:  # ASan reserves terabytes of address space
            limit = self.mem_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def __call__(self, args, cwd, timeout_factor=1):
        start = time.monotonic()
        p = subprocess.Popen([self.binary] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                             preexec_fn=self._limits)
        try:
            out, err = p.communicate(timeout=self.timeout * timeout_factor)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            timed_out = True
        return {"args": args, "rc": p.returncode, "out": out.decode("utf-8", "replace"),
                "err": err.decode("utf-8", "replace"), "timed_out": timed_out,
                "seconds": time.monotonic() - start}


SANITIZER = re.compile(r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|"
                       r"SUMMARY: UndefinedBehaviorSanitizer")
POSITION = re.compile(r"[^\s:]+:\d+(:\d+)?:")


def judge(r, kind, interrupted=False):
    """('clean error' | 'ran' | 'not clean', reason) for one command's outcome."""
    cmd = r["args"][0]
    if r["timed_out"]:
        return "not clean", "%s: no end within %.0f s (hang?)" % (cmd, r["seconds"])
    if SANITIZER.search(r["err"]):
        line = next(l for l in r["err"].splitlines() if SANITIZER.search(l))
        return "not clean", "%s: sanitizer: %s" % (cmd, line.strip()[:160])
    rc = r["rc"]
    if rc < 0:
        return "not clean", "%s: killed by signal %d (%s)" % (cmd, -rc, signal.Signals(-rc).name)
    if rc == 5 or "internal error" in r["err"]:
        return "not clean", "%s: internal error (exit %d): %s" % (cmd, rc, first(r["err"]))
    if rc == 130 and not interrupted:
        return "not clean", "%s: exit 130 (interrupted) with no interrupt: %s" % (cmd,
                                                                                first(r["err"]))
    if rc == 0:
        return "ran", ""
    if rc in (1, 2, 3, 4):
        if cmd == "compare" and rc == 1:
            return "ran", ""
        if not r["err"].strip() and not r["out"].strip():
            return "not clean", "%s: exit %d without a message" % (cmd, rc)
        return "clean error", ""
    return "not clean", "%s: unexpected exit code %d: %s" % (cmd, rc, first(r["err"]))


def first(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[0][:160] if lines else "(no message)"


def h5_complete(path):
    try:
        import h5py
        with h5py.File(path, "r") as f:
            return int(f["neurotwin"].attrs["completed"]) == 1
    except Exception:  # unreadable: not complete
        return False


def check_run(r, work, out_name):
    """Extra checks of a `run`: its output file must match its exit code."""
    verdict, why = judge(r, "run")
    if verdict == "not clean":
        return verdict, why
    left = [n for n in os.listdir(work) if n.startswith(out_name)]
    if r["rc"] == 0:
        if out_name not in left or not h5_complete(os.path.join(work, out_name)):
            return "not clean", "run: exit 0 but no complete output file"
        if any(".tmp-" in n for n in left):
            return "not clean", "run: exit 0 but a temporary file is left: %s" % left
        return verdict, why
    if left:
        return "not clean", "run: failed (exit %d) and left %s: %s" % (r["rc"], left,
                                                                      first(r["err"]))
    return verdict, why


# -------------------------------------------------------------------------------- cases

def scenario_files(source):
    files = sorted(glob.glob(os.path.join(source, "scenarios", "**", "*.toml"), recursive=True))
    # The large benchmarks take seconds (tens under ASan) and gigabytes just to build: not
    # per fuzz case, where they would time out without hanging.
    skip = ("cuba_16k", "cuba_64k", "microcircuit", "brunel_")
    return [f for f in files if not any(s in os.path.basename(f) for s in skip)]


def case_toml(rng, run, work, files):
    src = rng.choice(files)
    text = absolute_paths(short_run(open(src).read()), os.path.dirname(src))
    lines = text.splitlines()
    what = [mutate_toml(rng, lines) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    path = os.path.join(work, "case.toml")
    open(path, "w").write("\n".join(lines) + "\n")
    desc = "%s: %s" % (os.path.relpath(src, SOURCE), "; ".join(what))
    return desc, run_scenario(run, work, "case.toml", "[sweep]" in text)


def run_scenario(run, work, name, sweep):
    steps = []
    v = run(["validate", name], work)
    steps.append((v, judge(v, "validate")))
    if steps[-1][1][0] == "not clean" or v["rc"] != 0:
        return steps
    if sweep:
        b = run(["batch", name, "-o", "batch_out", "-j", "1"], work, timeout_factor=4)
        verdict = judge(b, "batch")
        if verdict[0] != "not clean" and b["rc"] == 0 and \
                any(".tmp-" in n for n in os.listdir(os.path.join(work, "batch_out"))):
            verdict = ("not clean", "batch: temporary files left")
        steps.append((b, verdict))
        return steps
    r = run(["run", name, "-o", "out.h5", "--threads", "1", "--quiet"], work)
    steps.append((r, check_run(r, work, "out.h5")))
    return steps


def case_swc(rng, run, work):
    base = sorted(glob.glob(os.path.join(SOURCE, "tests", "data", "swc", "*.swc")))
    if base and rng.random() < 0.4:
        src = rng.choice(base)
        rows = open(src).read().splitlines()
        origin = os.path.relpath(src, SOURCE)
    else:
        rows = random_swc(rng, rng.randrange(3, 120))
        origin = "generated tree (%d points)" % len(rows)
    what = [mutate_swc(rng, rows) for _ in range(rng.choice([1, 1, 2]))]
    open(os.path.join(work, "cell.swc"), "w").write("\n".join(rows) + ("\n" if rows else ""))
    open(os.path.join(work, "case.toml"), "w").write(SWC_SCENARIO.format(swc="cell.swc"))
    return "swc %s: %s" % (origin, "; ".join(what)), run_scenario(run, work, "case.toml", False)


def case_csv(rng, run, work):
    rows = random_csv(rng)
    what = [mutate_csv(rng, rows) for _ in range(rng.choice([1, 1, 2]))]
    open(os.path.join(work, "edges.csv"), "w").write("\n".join(rows) + "\n")
    open(os.path.join(work, "case.toml"), "w").write(CSV_SCENARIO.format(csv="edges.csv"))
    return "csv: %s" % "; ".join(what), run_scenario(run, work, "case.toml", False)


def mutate_h5(rng, path):
    import h5py
    import numpy as np
    if rng.random() < 0.15:  # damaged bytes
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            if rng.random() < 0.5:
                f.truncate(rng.randrange(size))
                return "truncated"
            for _ in range(rng.randrange(1, 20)):
                f.seek(rng.randrange(size))
                f.write(bytes([rng.randrange(256)]))
            return "bytes flipped"
    with h5py.File(path, "r+") as f, np.errstate(all="ignore"):  # overflow is the point
        datasets, attrs = [], []
        f.visititems(lambda n, o: datasets.append(n) if isinstance(o, h5py.Dataset) else None)
        f.visititems(lambda n, o: attrs.extend((n, a) for a in o.attrs))
        attrs.extend(("/", a) for a in f.attrs)
        if attrs and (not datasets or rng.random() < 0.3):
            obj, name = rng.choice(attrs)
            op = rng.choice(["delete", "nan", "negative", "huge", "string"])
            target = f[obj]
            if op == "delete":
                del target.attrs[name]
            else:
                target.attrs[name] = {"nan": np.nan, "negative": -1, "huge": 1e300,
                                      "string": "x"}[op]
            return "attribute %s@%s: %s" % (obj, name, op)
        # mostly what the readers index with: spike ids and times, report data and mappings
        data_sets = [n for n in datasets if n.startswith(("spikes/", "report/"))]
        name = rng.choice(data_sets if data_sets and rng.random() < 0.75 else datasets)
        d = f[name]
        data = d[()]
        op = rng.choice(["value", "value", "reverse", "shorter", "delete", "retype", "empty"])
        if op == "delete":
            del f[name]
            return "dataset %s deleted" % name
        if not isinstance(data, np.ndarray) or data.size == 0 or data.dtype.kind not in "iuf":
            del f[name]
            return "dataset %s deleted (not numeric)" % name
        if op == "value":
            flat = data.reshape(-1)
            k = rng.randrange(flat.size)
            if data.dtype.kind == "f":
                flat[k] = rng.choice([np.nan, np.inf, -1e300, 1e300, -1.0])
            else:
                info = np.iinfo(data.dtype)
                flat[k] = rng.choice([info.max, info.min, 1 << 20, info.max // 2])
            d[...] = flat.reshape(data.shape)
            return "dataset %s[%d] = %s" % (name, k, flat[k])
        if op == "reverse":
            d[...] = data[::-1].copy()
            return "dataset %s reversed" % name
        attrs_of = dict(d.attrs)
        del f[name]
        if op == "shorter":
            new = f.create_dataset(name, data=data.reshape(-1)[: data.size // 2])
        elif op == "retype":
            new = f.create_dataset(name, data=data.astype(np.float32 if data.dtype.kind != "f"
                                                          else np.int64))
        else:
            new = f.create_dataset(name, data=np.zeros((0,), data.dtype))
        for k, v in attrs_of.items():
            new.attrs[k] = v
        return "dataset %s %s" % (name, op)


def case_h5(rng, run, work, bases):
    base = rng.choice(bases)
    shutil.copy(base, os.path.join(work, "case.h5"))
    shutil.copy(base, os.path.join(work, "base.h5"))
    try:
        what = mutate_h5(rng, os.path.join(work, "case.h5"))
    except Exception as e:  # h5py could not apply it: the bytes are damaged instead
        what = "h5py failed (%s)" % type(e).__name__
    commands = [["analyze", "--json", "case.h5"], ["summary", "case.h5"],
                ["compare", "case.h5", "base.h5"], ["analyze", "case.h5"],
                ["export-sonata", "case.h5", "sonata"]]
    steps = []
    for args in rng.sample(commands, 2):
        r = run(args, work)
        steps.append((r, judge(r, args[0])))
    return "h5 %s: %s" % (os.path.basename(base), what), steps


def make_h5_bases(run, out):
    """Outputs of two shipped scenarios (spikes, reports, twins, compartments), run shortly."""
    bases = []
    for name in ["relu_lif_twin.toml", "dendritic_twin.toml", "fi_curve.toml"]:
        src = os.path.join(SOURCE, "scenarios", name)
        if not os.path.exists(src):
            continue
        text = absolute_paths(short_run(open(src).read(), "50"), os.path.dirname(src))
        open(os.path.join(out, name), "w").write(text)
        h5 = os.path.join(out, name.replace(".toml", ".h5"))
        r = run(["run", name, "-o", h5, "--threads", "1", "--quiet"], out, timeout_factor=6)
        if r["rc"] == 0:
            bases.append(h5)
        else:
            print("note: cannot make an HDF5 base from %s: %s" % (name, first(r["err"])))
    return bases


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=os.path.join(SOURCE, "build", "neurotwin"))
    ap.add_argument("--out", default=os.path.join(SOURCE, "out", "fuzz"))
    ap.add_argument("--cases", type=int, default=int(os.environ.get("FUZZ_CASES", "500")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("FUZZ_TIMEOUT", "10")))
    ap.add_argument("--mem-mb", type=int, default=int(os.environ.get("FUZZ_MEM_MB", "2048")))
    ap.add_argument("--time-limit", type=float,
                    default=float(os.environ.get("FUZZ_TIME_LIMIT", "1800")))
    ap.add_argument("--kinds", default=os.environ.get("FUZZ_KINDS", "toml,swc,csv,h5"))
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    a = ap.parse_args()
    if not os.access(a.binary, os.X_OK):
        sys.exit("fuzz: no executable %s (build it first: make neurotwin)" % a.binary)
    out = os.path.abspath(a.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    run = Runner(a.binary, a.timeout, a.mem_mb)
    rng = random.Random(a.seed)
    files = scenario_files(SOURCE)
    kinds = [k for k in a.kinds.split(",") if k]
    weights = {"toml": 60, "swc": 15, "csv": 10, "h5": 15}
    bases = make_h5_bases(run, out) if "h5" in kinds else []
    if not bases and "h5" in kinds:
        kinds.remove("h5")
    print("fuzz: %d cases, seed %d, %s%s, timeout %.0f s, memory %d MB" %
          (a.cases, a.seed, a.binary, " (sanitizers)" if run.sanitized else "", run.timeout,
           a.mem_mb))
    counts = {"clean error": 0, "ran": 0, "not clean": 0}
    by_kind = {}
    unpositioned = 0
    bad = []
    t0 = time.monotonic()
    n = 0
    for n in range(1, a.cases + 1):
        if time.monotonic() - t0 > a.time_limit:
            print("fuzz: time limit of %.0f s reached after %d cases" % (a.time_limit, n - 1))
            n -= 1
            break
        # one generator per case: a case can be replayed alone from (seed, case number)
        crng = random.Random("%d/%d" % (a.seed, n))
        kind = rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        work = tempfile.mkdtemp(prefix="case-", dir=out)
        if kind == "toml":
            desc, steps = case_toml(crng, run, work, files)
        elif kind == "swc":
            desc, steps = case_swc(crng, run, work)
        elif kind == "csv":
            desc, steps = case_csv(crng, run, work)
        else:
            desc, steps = case_h5(crng, run, work, bases)
        verdicts = [v for _, v in steps]
        if any(v[0] == "not clean" for v in verdicts):
            outcome = "not clean"
        elif any(v[0] == "clean error" for v in verdicts):
            outcome = "clean error"
            err = next(r for r, v in steps if v[0] == "clean error")
            if kind != "h5" and err["rc"] == 2 and not POSITION.search(err["err"]):
                unpositioned += 1
        else:
            outcome = "ran"
        counts[outcome] += 1
        if a.verbose:
            last = steps[-1][0]
            print("case %d %-11s %s | %s exit %s: %s" % (n, outcome, desc[:90], last["args"][0],
                                                       last["rc"], first(last["err"])[:100]))
        by_kind.setdefault(kind, {"clean error": 0, "ran": 0, "not clean": 0})[outcome] += 1
        if outcome == "not clean":
            keep = os.path.join(out, "case-%04d-%s" % (n, kind))
            os.rename(work, keep)
            reasons = [v[1] for v in verdicts if v[0] == "not clean"]
            with open(os.path.join(keep, "repro.sh"), "w") as f:
                f.write("#!/bin/sh\n# %s\n# %s\ncd \"$(dirname \"$0\")\"\n" % (desc,
                                                                              "; ".join(reasons)))
                for r, _ in steps:
                    f.write("%s %s\n" % (run.binary, " ".join("'%s'" % x for x in r["args"])))
            os.chmod(os.path.join(keep, "repro.sh"), 0o755)
            with open(os.path.join(keep, "stderr.txt"), "w") as f:
                for r, _ in steps:
                    f.write("$ neurotwin %s\n%s\n" % (" ".join(r["args"]), r["err"]))
            bad.append((n, kind, desc, reasons, keep))
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\nby input:")
    for kind, c in sorted(by_kind.items()):
        print("  %-5s %4d cases: %d clean errors, %d ran, %d not clean" %
              (kind, sum(c.values()), c["clean error"], c["ran"], c["not clean"]))
    print("scenario errors (exit 2) without a file:line position: %d" % unpositioned)
    if bad:
        print("\nnot clean:")
        for n_, kind, desc, reasons, keep in bad:
            print("  case %d (%s) %s\n      %s\n      reproducer: %s/repro.sh" %
                  (n_, kind, desc[:150], "; ".join(reasons)[:300], os.path.relpath(keep)))
    print("\n%d cases: %d clean errors, %d ran, %d not clean (%.0f s)" %
          (n, counts["clean error"], counts["ran"], counts["not clean"], time.monotonic() - t0))
    return 1 if counts["not clean"] else 0


if __name__ == "__main__":
    sys.exit(main())
