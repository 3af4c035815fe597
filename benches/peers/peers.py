#!/usr/bin/env python3
"""Side-by-side timing of shipcast and Monte Carlo schedulers from PyPI (issue 15).

Run by hand (not in CI), from the repository root:

    python3 benches/peers/peers.py [--tasks 100 1000 5000] [--iterations 10000] [--repeat 3]
                                   [--timeout 1800] [--no-build]

It builds shipcast (release; `--no-build` uses the binaries already built), creates a
virtualenv in target/peers-venv, installs the peers there with pip, generates one network per
size with `examples/gen_network.rs` (seed 7, PERT three-point estimates), strips its
experiments and fallbacks (the peers have none) so every link is finish-to-start, converts it
into each peer's input, and runs every tool `--repeat` times, alternating tools, as whole
processes (wall time by `time.perf_counter`, CPU and peak RSS by `wait4`). It prints a Markdown
table of median wall time, median CPU, median peak RSS and P50/P80/P95 (working days from the
start) with the ratio of each tool's time to shipcast's, with and without the report. A run still going after `--timeout` seconds is stopped, and that tool is listed as
unfinished at that size and not run at larger ones.

Peers, each run by a small script that reads the network as JSON:
- trueppm-scheduler: `monte_carlo`, PERT-Beta fitted by moments, whole working days.
- pmcontrols: `pert`, the lambda = 4 Beta PERT shipcast samples, continuous days (numpy,
  vectorised over iterations; it also computes each task's criticality index every time).
- planaco: `Project.estimate` once per iteration, in pure Python (about O(tasks^2) per
  iteration: its topological sort scans every task for each task it visits), continuous days.
  Its "pert" estimator is a Beta with alpha + beta = 6 whose mode sits at the PERT mean
  (a + 4m + b) / 6 instead of at m, except when m = a or m = b: for the usual right-skewed
  estimate its tasks are longer on average than the lambda = 4 Beta's.
- mcprojsim: every release requires Python 3.13 or later.
A peer that does not install, or whose API cannot run this network, is listed with the reason
instead of a time.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
VENV = os.path.join(TARGET, "peers-venv")
PEERS = ["trueppm-scheduler", "pmcontrols", "mcprojsim", "planaco"]

TRUEPPM = r'''
import json, sys, datetime
import numpy as np
from trueppm_scheduler import Project, Task, Dependency, DependencyType, Calendar, monte_carlo
net = json.load(open(sys.argv[1]))
start = datetime.date(2027, 1, 4)
td = lambda d: datetime.timedelta(days=d)
tasks = [Task(id=t["id"], name=t["id"], duration=td(t["d"][1]), optimistic_duration=td(t["d"][0]),
              most_likely_duration=td(t["d"][1]), pessimistic_duration=td(t["d"][2]))
         for t in net]
deps = [Dependency(predecessor_id=p, successor_id=t["id"], dep_type=DependencyType.FS)
        for t in net for p in t["after"]]
project = Project(id="net", name="net", start_date=start, tasks=tasks, dependencies=deps,
                  calendar=Calendar())
r = monte_carlo(project, runs=int(sys.argv[2]), seed=1, max_runs=None, max_tasks=None)
# Whole working days from the start to the finish date, inclusive of the finish day.
wd = lambda d: int(np.busday_count(start, d + datetime.timedelta(days=1)))
print(json.dumps({"p50": wd(r.p50), "p80": wd(r.p80), "p95": wd(r.p95)}))
'''

PMCONTROLS = r'''
import json, sys
import pmcontrols as pm
net = json.load(open(sys.argv[1]))
acts = [{"id": t["id"], "predecessors": t["after"], "a": t["d"][0], "m": t["d"][1], "b": t["d"][2]}
        for t in net]
r = pm.pert(acts, n_sim=int(sys.argv[2]), seed=1)
# Continuous days from the start; numpy's (linear) percentiles of the simulated finishes.
print(json.dumps({k: r.stats["mc_" + k] for k in ("p50", "p80", "p95")}))
'''

PLANACO = r'''
import json, random, sys
import numpy as np
from planaco import Project, Task
net = json.load(open(sys.argv[1]))
project, tasks = Project(name="net", unit="days"), {}
for t in net:  # the generator writes tasks after their predecessors, as add_task requires
    a, m, b = t["d"]
    tasks[t["id"]] = Task(name=t["id"], min_duration=a, mode_duration=m, max_duration=b,
                          estimator="pert")
    project.add_task(tasks[t["id"]], depends_on=[tasks[p] for p in t["after"]])
random.seed(1)  # planaco samples with the random module; its CLI's --seed seeds it the same way
# One estimate per iteration, as statistics() runs them; statistics() reports no P80, so the
# percentiles are taken here the way it takes its own (numpy's linear ones), in continuous days.
finish = [project.estimate() for _ in range(int(sys.argv[2]))]
print(json.dumps({f"p{q}": float(np.percentile(finish, q)) for q in (50, 80, 95)}))
'''

# The peers this script can run: each script takes the network's JSON and the iteration count,
# and prints P50/P80/P95 in working days from the start as JSON.
DRIVERS = {"trueppm-scheduler": TRUEPPM, "pmcontrols": PMCONTROLS, "planaco": PLANACO}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def timed(cmd, limit):
    """Wall seconds, peak RSS in MiB, CPU seconds (user + system) and stdout of one process,
    killed after `limit` seconds. Wall time is `time.perf_counter` around the process (to the
    microsecond: /usr/bin/time's hundredths were most of the figure for a 0.05 s run), the rest
    its own resource use as `wait4` reports it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        timer = threading.Timer(limit, p.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode < 0 and wall >= limit:
            raise subprocess.TimeoutExpired(cmd, limit)
        if p.returncode not in (0, 1):
            err.seek(0)
            raise RuntimeError(err.read()[-2000:])
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, out.read()


def plain_network(text):
    """The generated scenario without experiments and fallbacks, and its tasks as JSON."""
    text = re.sub(r"^(success|attempts|fallback) = .*\n", "", text, flags=re.M)
    tasks = []
    for block in text.split("[[task]]")[1:]:
        tid = re.search(r'id = "([^"]+)"', block).group(1)
        d = [int(x) for x in re.search(r"duration = \[([^\]]+)\]", block).group(1).split(",")]
        after = re.search(r"after = \[([^\]]*)\]", block)
        after = re.findall(r'"([^"]+)"', after.group(1)) if after else []
        tasks.append({"id": tid, "d": d, "after": after})
    return text, tasks


def shipcast_percentiles(out):
    m = json.loads(out)["milestones"][-1]
    by_p = {round(p["p"], 2): p["days"] for p in m["percentiles"]}
    return {"p50": by_p.get(0.5), "p80": by_p.get(0.8), "p95": by_p.get(0.95)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--iterations", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds allowed to one run")
    ap.add_argument("--no-build", action="store_true",
                    help="use shipcast and gen_network as already built in the target dir")
    args = ap.parse_args()

    if not args.no_build:
        sh(["cargo", "build", "--release", "--example", "gen_network"], cwd=ROOT)
        sh(["cargo", "build", "--release"], cwd=ROOT)
    exe = os.path.join(TARGET, "release", "shipcast")
    if not os.path.exists(VENV):
        venv.create(VENV, with_pip=True)
    py = os.path.join(VENV, "bin", "python")
    status = {}
    for peer in PEERS:
        p = subprocess.run([py, "-m", "pip", "install", "-q", peer], text=True,
                           capture_output=True)
        status[peer] = "ok" if p.returncode == 0 else \
            "does not install: " + (p.stderr.strip().splitlines() or ["?"])[-1]
    versions = sh([py, "-m", "pip", "list", "--format", "json"]).stdout
    print("versions:", {v["name"]: v["version"] for v in json.loads(versions)
                        if v["name"] in PEERS}, file=sys.stderr)
    shipcast_version = sh([exe, "--version"]).stdout.strip()

    work = tempfile.mkdtemp(prefix="peers-")
    drivers = {}
    for peer, source in DRIVERS.items():
        drivers[peer] = os.path.join(work, f"{peer}_run.py")
        open(drivers[peer], "w").write(source)
    rows = []
    unfinished = {}  # tool -> the size at which one of its runs hit --timeout
    for n in sorted(args.tasks):
        text = sh([os.path.join(TARGET, "release", "examples", "gen_network"),
                   "--tasks", str(n), "--seed", "7"]).stdout
        toml, tasks = plain_network(text)
        scen = os.path.join(work, f"net{n}.toml")
        open(scen, "w").write(toml)
        js = os.path.join(work, f"net{n}.json")
        json.dump(tasks, open(js, "w"))
        it = str(args.iterations)
        tools = {
            "shipcast (report)": [exe, "run", scen, "-n", it, "--format", "json", "--out",
                                  os.path.join(work, f"out{n}"), "--force"],
            "shipcast --no-report": [exe, "run", scen, "-n", it, "--format", "json",
                                     "--no-report"],
        }
        for peer, driver in drivers.items():
            if status[peer] == "ok":
                tools[peer] = [py, driver, js, it]
        times = {k: [] for k in tools}
        pct = {}
        for _ in range(args.repeat):
            for name, cmd in tools.items():  # alternating tools within each round
                if name in unfinished:  # too slow at this size or a smaller one
                    continue
                try:
                    wall, rss, cpu, out = timed(cmd, args.timeout)
                except subprocess.TimeoutExpired:
                    unfinished[name] = n
                    continue
                except RuntimeError as e:
                    pct[name] = {"error": str(e).splitlines()[-1]}
                    continue
                times[name].append((wall, rss, cpu))
                pct[name] = shipcast_percentiles(out) if name.startswith("shipcast") \
                    else json.loads(out.strip().splitlines()[-1])
        ref = times["shipcast (report)"]
        base = statistics.median(w for w, _, _ in ref) if ref else None
        base_cpu = statistics.median(c for _, _, c in ref) if ref else None
        bare = times["shipcast --no-report"]
        base_bare = statistics.median(w for w, _, _ in bare) if bare else None
        for name in tools:
            if unfinished.get(name) == n:
                rows.append((n, name, f"> {args.timeout}", "-", "-",
                             f"did not finish in {args.timeout} s", "-", "-", "-"))
                continue
            if name in unfinished:
                rows.append((n, name, "-", "-", "-", f"not run: did not finish in "
                             f"{args.timeout} s at {unfinished[name]} tasks", "-", "-", "-"))
                continue
            if not times[name]:
                rows.append((n, name, "-", "-", "-", pct.get(name), "-", "-", "-"))
                continue
            wall = statistics.median(w for w, _, _ in times[name])
            rss = statistics.median(r for _, r, _ in times[name])
            cpu = statistics.median(c for _, _, c in times[name])
            rows.append((n, name, f"{wall:.3f}", f"{cpu:.3f}", f"{rss:.0f}", pct[name],
                         f"{wall / base:.1f}x" if base else "-",
                         f"{cpu / base_cpu:.1f}x" if base_cpu else "-",
                         f"{wall / base_bare:.1f}x" if base_bare else "-"))
        for peer in PEERS:
            if peer not in tools:
                rows.append((n, peer, "-", "-", "-", status[peer] if status[peer] != "ok" else
                             "installed; no converter in this script", "-", "-", "-"))
    shutil.rmtree(work, ignore_errors=True)  # the networks, drivers and reports of this run
    print(f"shipcast: {shipcast_version}; iterations: {args.iterations}; "
          f"median of {args.repeat} alternating runs\n")
    print("| tasks | tool | wall (s) | CPU (s) | peak RSS (MiB) | P50 / P80 / P95 (working days) "
          "| wall / shipcast (report) | CPU / shipcast (report) | wall / shipcast --no-report |")
    print("|---:|---|---:|---:|---:|---|---:|---:|---:|")
    for n, name, wall, cpu, rss, p, ratio, cpu_ratio, bare_ratio in rows:
        if isinstance(p, dict) and "p50" in p:
            p = " / ".join(f"{p[k]:.1f}" if isinstance(p[k], float) else str(p[k])
                           for k in ("p50", "p80", "p95"))
        print(f"| {n} | {name} | {wall} | {cpu} | {rss} | {p} | {ratio} | {cpu_ratio} "
              f"| {bare_ratio} |")


if __name__ == "__main__":
    main()
