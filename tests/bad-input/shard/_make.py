#!/usr/bin/env python3
"""Writes the shard cases of this directory from two good shards of _plan.toml.

Run from this directory with the shipcast to write them with:
    python3 _make.py ../../../target/debug/shipcast
Each case is shard 1 with one thing wrong; most carry a valid sha256 (as a writer with a bug
or an editor who recomputed it would leave them), so that the check behind the digest is the
one that must refuse them. Every case gets `.args` (how merge is called) and `.expected`
(what stderr must say).
"""
import hashlib
import json
import subprocess
import sys

SHIPCAST = sys.argv[1] if len(sys.argv) > 1 else "shipcast"
SCHEMA = "shipcast.shard/2"
ARGS = "merge --scenario {dir}/_plan.toml {} {dir}/_good-2.json\n"


def shard(k):
    out = subprocess.run(
        [SHIPCAST, "run", "_plan.toml", "-n", "6", "--shard", f"{k}/2"],
        check=True, capture_output=True, text=True,
    ).stdout
    return out


def payload(text):
    return json.loads(text.split("\n", 1)[1])


def render(p, digest=None):
    body = json.dumps(p, separators=(",", ":")) + "\n"
    if digest is None:
        digest = hashlib.sha256(body.encode()).hexdigest()
    return f"{SCHEMA} sha256:{digest}\n{body}"


good1, good2 = shard(1), shard(2)
open("_good-1.json", "w").write(good1)
open("_good-2.json", "w").write(good2)
G = payload(good1)
U64 = 2**64 - 1


def case(name, text, expected, args=ARGS):
    open(f"{name}.json", "w").write(text)
    open(f"{name}.json.args", "w").write(args)
    open(f"{name}.json.expected", "w").write("\n".join(expected) + "\n")


def edited(name, expected, edit, args=ARGS):
    p = json.loads(json.dumps(G))
    edit(p)
    case(name, render(p), expected, args)


def put(key, value):
    def f(p):
        p[key] = value
    return f


def node(i, j, value):
    def f(p):
        p["nodes"][i][j] = value
    return f


# The run's slice: edited first and count, a count wrapped to 2^64-1.
edited("first-edited", ["first-edited.json", "holds 3 iterations from 1", "holds 3 from 0"], put("first", 1))
edited("count-edited", ["count-edited.json", "holds 4 iterations from 0"], put("count", 4))
edited("count-wrapped", ["count-wrapped.json", f"holds {U64} iterations"], put("count", U64))
edited("shard-zero", ["shard-zero.json", "shard 0 of 2"], put("shard", 0))
edited("iterations-zero", ["iterations-zero.json", "the run has 0 iterations"], put("iterations", 0))
edited("sampling-unknown", ["sampling-unknown.json", "unknown sampling `quasi`"], put("sampling", "quasi"))
# Counters: emptied, at 2^64-1, more successes than runs, more attempts than an experiment has.
edited("nodes-emptied", ["nodes-emptied.json", "counts 0 tasks and milestones in `nodes`", "has 4"], put("nodes", []))
edited("risks-emptied", ["risks-emptied.json", "counts 0 risks in `risks_fired`", "has 1"], put("risks_fired", []))
edited("ran-max", ["ran-max.json", f"ran {U64} times"], node(0, 0, U64))
edited("attempts-max", ["attempts-max.json", f"`trial` made {U64} attempts in 3 runs, more than 2 a run"], node(1, 2, U64))
edited("attempts-over", ["attempts-over.json", "`trial` made 7 attempts in 3 runs, more than 2 a run"], node(1, 2, 7))
edited("succeeded-over-ran", ["succeeded-over-ran.json", "succeeded 3 times"], node(3, 1, 3))
edited("risk-fired-max", ["risk-fired-max.json", f"risk 1 occurred in {U64} of 3 iterations"], lambda p: p["risks_fired"].__setitem__(0, U64))
edited("critical-emptied", ["critical-emptied.json", "has 0 criticality counts", "make 8"], put("critical", []))
edited("critical-over-delivered", ["critical-over-delivered.json", "`trial` is on the critical path of `release` in 3 iterations, but `release` was delivered in 2"], lambda p: p["critical"].__setitem__(5, 3))
# Milestones: one more, one fewer, renamed (in both shards, so that they agree).
edited("milestones-longer", ["milestones-longer.json", "values in `rows`, but 3 iterations of 3 milestones with costs make 18"], lambda p: p["milestones"].append("ghost"))
edited("milestones-shorter", ["milestones-shorter.json", "values in `rows`, but 3 iterations of 1 milestones with costs make 6"], lambda p: p["milestones"].pop())
renamed2 = payload(good2)
renamed2["milestones"][0] = "beta"
open("_renamed-2.json", "w").write(render(renamed2))
edited("milestones-renamed", ["milestones-renamed.json", "names the milestones `beta`, `release`, but the scenario has `alpha`, `release`"],
       lambda p: p["milestones"].__setitem__(0, "beta"),
       args="merge --scenario {dir}/_plan.toml {} {dir}/_renamed-2.json\n")
edited("costs-dropped", ["costs-dropped.json", "values in `rows`, but 3 iterations of 2 milestones make 6"], put("costs", False))
# Rows: short, odd, negative, a null cost.
edited("rows-short", ["rows-short.json", "has 11 values in `rows`"], lambda p: p["rows"].pop())
edited("rows-odd", ["rows-odd.json", "has 13 values in `rows`"], lambda p: p["rows"].append(1.0))
edited("rows-negative", ["rows-negative.json", "iteration 1 has -4.5 as the finish of `alpha`"], lambda p: p["rows"].__setitem__(4, -4.5))
edited("cost-null", ["cost-null.json", "iteration 0 has null as the cost of `alpha`", "costs are numbers from 0"], lambda p: p["rows"].__setitem__(2, None))
# The file itself: edited without its digest, the old format, not a shard, empty.
p = json.loads(json.dumps(G))
p["rows"][0] = 1.0
case("digest-mismatch", render(p, hashlib.sha256(b"something else").hexdigest()), ["digest-mismatch.json was edited or damaged", "does not match the sha256"])
old = json.loads(json.dumps(G))
old["schema"] = "shipcast.shard/1"
case("old-format", json.dumps(old, separators=(",", ":")) + "\n", ["old-format.json is a shipcast.shard/1 file, an older shard format", "run every shard again"])
case("not-a-shard", "id,finish\n1,2\n", ["not-a-shard.json is not a shipcast shard file", "does not start with `shipcast.shard/2 sha256:`"])
case("empty", "", ["empty.json is not a shipcast shard file: the file is empty"])
case("future-format", "shipcast.shard/9 sha256:00\n{}\n", ["future-format.json has schema shipcast.shard/9, not shipcast.shard/2"])
