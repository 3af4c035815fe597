#!/usr/bin/env python3
"""Writes the shard cases of this directory from two good shards of _plan.toml.

Run from this directory with the shipcast to write them with:
    python3 _make.py ../../../target/debug/shipcast
Each case is shard 1 with one thing wrong. Most carry a valid sha256 (as a writer with a bug,
or an editor who recomputed it, would leave them), so that the check behind the digest is the
one that must refuse them. Every case gets `.args` (how merge is called) and `.expected` (what
stderr must say; exit code 2, no panic).

A shipcast.shard/3 file: `shipcast.shard/3 sha256:<hex>\\n`, a JSON header line, then per
milestone the sorted finishes (f64 + u32 iteration), the costs (f64) and the sorted costs (f64),
little-endian, `count` of each.
"""
import hashlib
import json
import struct
import subprocess
import sys

SHIPCAST = sys.argv[1] if len(sys.argv) > 1 else "shipcast"
SCHEMA = "shipcast.shard/3"
ARGS = "merge --scenario {dir}/_plan.toml {} {dir}/_good-2.shard\n"
U64 = 2**64 - 1


def shard(k):
    return subprocess.run(
        [SHIPCAST, "run", "_plan.toml", "-n", "6", "--shard", f"{k}/2"],
        check=True, capture_output=True,
    ).stdout


def split(data):
    """A shard file's header (a dict) and its columns (bytes)."""
    rest = data.split(b"\n", 1)[1]
    header, columns = rest.split(b"\n", 1)
    return json.loads(header), columns


def render(header, columns, digest=None):
    body = json.dumps(header, separators=(",", ":")).encode() + b"\n" + columns
    if digest is None:
        digest = hashlib.sha256(body).hexdigest()
    return f"{SCHEMA} sha256:{digest}\n".encode() + body


good1, good2 = shard(1), shard(2)
open("_good-1.shard", "wb").write(good1)
open("_good-2.shard", "wb").write(good2)
H, C = split(good1)
N = H["count"]  # 3 iterations, 2 milestones, with costs
BLOCK = N * 28  # one milestone's columns


def case(name, data, expected, args=ARGS):
    open(f"{name}.shard", "wb").write(data)
    open(f"{name}.shard.args", "w").write(args)
    open(f"{name}.shard.expected", "w").write("\n".join([f"{name}.shard"] + expected) + "\n")


def edited(name, expected, edit, args=ARGS):
    h = json.loads(json.dumps(H))
    edit(h)
    case(name, render(h, C), expected, args)


def put(key, value):
    return lambda h: h.__setitem__(key, value)


def node(i, j, value):
    return lambda h: h["nodes"][i].__setitem__(j, value)


def column(name, expected, at, value_bytes):
    """Shard 1 with bytes `value_bytes` written at offset `at` of its columns."""
    c = bytearray(C)
    c[at:at + len(value_bytes)] = value_bytes
    case(name, render(H, bytes(c)), expected)


f64 = lambda x: struct.pack("<d", x)
u32 = lambda x: struct.pack("<I", x)

# The run's slice: edited first and count, a count wrapped to 2^64-1, and the like.
edited("first-edited", ["holds 3 iterations from 1", "holds 3 from 0"], put("first", 1))
edited("count-edited", ["holds 4 iterations from 0"], put("count", 4))
edited("count-wrapped", [f"holds {U64} iterations"], put("count", U64))
edited("shard-zero", ["shard 0 of 2"], put("shard", 0))
edited("iterations-zero", ["the run has 0 iterations"], put("iterations", 0))
edited("sampling-unknown", ["unknown sampling `quasi`"], put("sampling", "quasi"))
# Counters: emptied, at 2^64-1, more successes than runs, more attempts than an experiment has.
edited("nodes-emptied", ["counts 0 tasks and milestones in `nodes`", "has 4"], put("nodes", []))
edited("risks-emptied", ["counts 0 risks in `risks_fired`", "has 1"], put("risks_fired", []))
edited("ran-max", [f"ran {U64} times"], node(0, 0, U64))
edited("attempts-max", [f"`trial` made {U64} attempts in 3 runs, more than 2 a run"], node(1, 2, U64))
edited("attempts-over", ["`trial` made 7 attempts in 3 runs, more than 2 a run"], node(1, 2, 7))
edited("succeeded-over-ran", ["succeeded 3 times"], node(3, 1, 3))
edited("risk-fired-max", [f"risk 1 occurred in {U64} of 3 iterations"], lambda h: h["risks_fired"].__setitem__(0, U64))
edited("critical-emptied", ["has 0 criticality counts", "make 8"], put("critical", []))
edited("critical-over-delivered", ["`trial` is on the critical path of `release` in 3 iterations, but `release` was delivered in 2"],
       lambda h: h["critical"].__setitem__(5, 3))
# Milestones: one more, one fewer (the columns no longer match), renamed (in both shards).
edited("milestones-longer", ["its columns are cut short (3 iterations of 3 milestones with costs"], lambda h: h["milestones"].append("ghost"))
edited("milestones-shorter", ["bytes after its columns"], lambda h: h["milestones"].pop())
h2, c2 = split(good2)
h2["milestones"][0] = "beta"
open("_renamed-2.shard", "wb").write(render(h2, c2))
edited("milestones-renamed", ["names the milestones `beta`, `release`, but the scenario has `alpha`, `release`"],
       lambda h: h["milestones"].__setitem__(0, "beta"),
       args="merge --scenario {dir}/_plan.toml {} {dir}/_renamed-2.shard\n")
edited("costs-dropped", ["the sorted finishes of `release` are not each iteration's finish once"], put("costs", False))
# Columns: a negative or NaN finish, a negative or infinite cost, sorted columns that are not
# the column sorted, cut short, too long.
SORTED, COSTS, SORTED_COSTS = 0, N * 12, N * 20  # offsets in a milestone's block
column("finish-negative", ["iteration 1 has -4.5 as the finish of `alpha`", "finishes are numbers from 0"], SORTED + 12 * 2, f64(-4.5) + u32(1))
column("finish-nan", ["has NaN as the finish of `alpha`"], SORTED, f64(float("nan")))
column("cost-negative", ["iteration 2 has -1 as the cost of `alpha`", "costs are numbers from 0"], COSTS + 16, f64(-1.0))
column("cost-infinite", ["iteration 0 has inf as the cost of `release`"], BLOCK + COSTS, f64(float("inf")))
column("sorted-index-repeated", ["the sorted finishes of `alpha` are not each iteration's finish once, in ascending order"], SORTED + 12 + 8, C[SORTED + 8:SORTED + 12])
column("sorted-index-out-of-range", ["the sorted finishes of `alpha` are not each iteration's finish once"], SORTED + 8, u32(7))
column("sorted-out-of-order", ["the sorted finishes of `release` are not each iteration's finish once, in ascending order"], BLOCK + SORTED, f64(1e6))
column("sorted-costs-changed", ["the sorted costs of `alpha` are not its costs in ascending order"], SORTED_COSTS, f64(0.0))
case("columns-cut", render(H, C[:-8]), ["its columns are cut short"])
case("columns-extra", render(H, C + b"\0"), ["it has 1 bytes after its columns"])
# The file itself: edited without its digest, older formats, not a shard, empty.
c = bytearray(C)
c[0:8] = f64(1.0)
case("digest-mismatch", render(H, bytes(c), hashlib.sha256(b"something else").hexdigest()), ["was edited or damaged", "does not match the sha256"])
case("truncated", good1[: len(good1) // 2], ["was edited or damaged"])
old = dict(H, schema="shipcast.shard/1", rows=[])
case("format-1", json.dumps(old, separators=(",", ":")).encode() + b"\n", ["is a shipcast.shard/1 file, an older shard format", "run every shard again"])
case("format-2", b"shipcast.shard/2 sha256:00\n{}\n", ["is a shipcast.shard/2 file, an older shard format"])
case("format-9", b"shipcast.shard/9 sha256:00\n{}\n", ["has schema shipcast.shard/9, not shipcast.shard/3"])
case("not-a-shard", b"id,finish\n1,2\n", ["is not a shipcast shard file", "does not start with `shipcast.shard/3 sha256:`"])
case("binary-junk", bytes(range(256)) * 4, ["is not a shipcast shard file"])
case("empty", b"", ["is not a shipcast shard file: the file is empty"])
body = b"not json\n"
case("header-not-json", f"{SCHEMA} sha256:{hashlib.sha256(body).hexdigest()}\n".encode() + body, ["this build of shipcast cannot read"])
