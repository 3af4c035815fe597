#!/usr/bin/env python3
"""Side-by-side timing of shipcast and Monte Carlo schedulers from PyPI (issue 15).

Run by hand (not in CI), from the repository root:

    python3 benches/peers/peers.py [--tasks 100 1000 5000] [--iterations 10000] [--repeat 3]

It builds shipcast (release), creates a virtualenv in target/peers-venv, installs the peers
there with pip, generates one network per size with `examples/gen_network.rs` (seed 7, PERT
three-point estimates), strips its experiments and fallbacks (the peers have none) so every
link is finish-to-start, converts it into each peer's input, and runs every tool `--repeat`
times, alternating tools, as whole processes under /usr/bin/time. It prints a Markdown table
of median wall time, median peak RSS and P50/P80/P95 (working days from the start) with the
ratio of each tool's time to shipcast's.

Peers: trueppm-scheduler (`monte_carlo`, PERT-Beta fitted by moments, whole days), pmcontrols,
mcprojsim and planaco. A peer that does not install, or whose API cannot run this network,
is listed with the reason instead of a time.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
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


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def timed(cmd):
    """Wall seconds, peak RSS in MiB, CPU seconds (user + system) and stdout of one process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        p = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %M %U %S"] + cmd,
                           text=True, capture_output=True)
        if p.returncode not in (0, 1):
            raise RuntimeError(p.stderr[-2000:])
        wall, rss, user, system = t.read().split()[-4:]
    return float(wall), int(rss) / 1024, float(user) + float(system), p.stdout


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
    args = ap.parse_args()

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
    driver = os.path.join(work, "trueppm_run.py")
    open(driver, "w").write(TRUEPPM)
    rows = []
    for n in args.tasks:
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
        if status["trueppm-scheduler"] == "ok":
            tools["trueppm-scheduler"] = [py, driver, js, it]
        times = {k: [] for k in tools}
        pct = {}
        for _ in range(args.repeat):
            for name, cmd in tools.items():  # alternating tools within each round
                try:
                    wall, rss, cpu, out = timed(cmd)
                except RuntimeError as e:
                    pct[name] = {"error": str(e).splitlines()[-1]}
                    continue
                times[name].append((wall, rss, cpu))
                pct[name] = shipcast_percentiles(out) if name.startswith("shipcast") \
                    else json.loads(out.strip().splitlines()[-1])
        ref = times["shipcast (report)"]
        base = statistics.median(w for w, _, _ in ref) if ref else None
        base_cpu = statistics.median(c for _, _, c in ref) if ref else None
        for name in tools:
            if not times[name]:
                rows.append((n, name, "-", "-", "-", pct.get(name), "-", "-"))
                continue
            wall = statistics.median(w for w, _, _ in times[name])
            rss = statistics.median(r for _, r, _ in times[name])
            cpu = statistics.median(c for _, _, c in times[name])
            rows.append((n, name, f"{wall:.2f}", f"{cpu:.2f}", f"{rss:.0f}", pct[name],
                         f"{wall / base:.1f}x" if base else "-",
                         f"{cpu / base_cpu:.1f}x" if base_cpu else "-"))
        for peer in PEERS[1:]:
            rows.append((n, peer, "-", "-", "-", status[peer] if status[peer] != "ok" else
                         "installed; no converter in this script (see BENCHMARKS.md)", "-", "-"))
    print(f"shipcast: {shipcast_version}; iterations: {args.iterations}; "
          f"median of {args.repeat} alternating runs\n")
    print("| tasks | tool | wall (s) | CPU (s) | peak RSS (MiB) | P50 / P80 / P95 (working days) "
          "| wall / shipcast (report) | CPU / shipcast (report) |")
    print("|---:|---|---:|---:|---:|---|---:|---:|")
    for n, name, wall, cpu, rss, p, ratio, cpu_ratio in rows:
        if isinstance(p, dict) and "p50" in p:
            p = " / ".join(f"{p[k]:.1f}" if isinstance(p[k], float) else str(p[k])
                           for k in ("p50", "p80", "p95"))
        print(f"| {n} | {name} | {wall} | {cpu} | {rss} | {p} | {ratio} | {cpu_ratio} |")


if __name__ == "__main__":
    main()
