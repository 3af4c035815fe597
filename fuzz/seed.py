#!/usr/bin/env python3
"""Fills fuzz/corpus/<target>/ with the repository's own inputs, the seeds of every target.

Run from the repository root: `python3 fuzz/seed.py [path/to/shipcast]`. The scenario seeds are
scenarios/*.toml and every scenario written as a string in tests/*.rs; the importers get
tests/fixtures/; the CSV readers get the CSVs written in tests/*.rs; the shard seeds are real
shard files of `shipcast_fuzz::SHARD_SCENARIO`, written by the shipcast binary given (default:
target/release/shipcast), the shards of one run per seed, joined by `SHARD_SEPARATOR`
(shard files are binary).
"""
import ast
import hashlib
import os
import re
import subprocess
import sys

ROOT = os.getcwd()
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def rust_strings(text):
    """String literals of Rust source: raw (r#"..."#) and plain ("..." with escapes)."""
    out = []
    for m in re.finditer(r'r(#+)"(.*?)"\1', text, re.S):
        out.append(m.group(2))
    for m in re.finditer(r'(?<![r#\w])"((?:[^"\\\n]|\\.)*)"', text):
        try:
            out.append(ast.literal_eval('"' + m.group(1).replace("\\\n", "") + '"'))
        except (ValueError, SyntaxError):
            pass
    return out


def main():
    # Adds to the corpora (files are named by their hash): what the fuzzer grew is kept.
    for name in sorted(os.listdir("scenarios")):
        put("scenario", open(os.path.join("scenarios", name), "rb").read())
    for name in sorted(os.listdir("tests")):
        if not name.endswith(".rs"):
            continue
        for s in rust_strings(open(os.path.join("tests", name)).read()):
            if "[[task]]" in s or "[[milestone]]" in s or "[project]" in s:
                put("scenario", s)
            elif "\n" in s and ("," in s or ";" in s or "\t" in s):
                low = s.lower()
                if "estimate" in low or "actual" in low or "planned" in low:
                    put("history_csv", s)
                elif "forecast" in low and "milestone" in low:
                    put("history_csv", s)
                else:
                    put("throughput_csv", s)
                    put("import_csv", s)
    fixtures = {
        ".csv": "import_csv",
        ".xml": "import_mspdi",
        ".xer": "import_xer",
        ".sm": "import_psplib",
    }
    for d, _, files in os.walk(os.path.join("tests", "fixtures")):
        for name in sorted(files):
            t = fixtures.get(os.path.splitext(name)[1])
            if t:
                put(t, open(os.path.join(d, name), "rb").read())
    put("throughput_csv", "finished,item\n2027-01-04,a\n2027-01-05,b\n2027-01-12,c\n2027-01-26,d\n")
    put("throughput_csv", "done;id\n04/01/2027;1\n2027-01-05;2\n\n2027-01-12T10:00;3\n")
    put("history_csv", "task,team,estimate,actual,finished\na,a,5,7,2027-01-04\nb,b,3,3.5,2027-02-01\nc,a,8,12,2027-03-01\n")
    put("history_csv", "project;team;start;planned_end;actual_end\nx;a;2026-01-05;2026-03-02;2026-04-10\ny;a;2026-02-02;2026-05-04;2026-05-01\n")
    shards(sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "release", "shipcast"))


def shards(binary):
    sys.path.insert(0, os.path.join(ROOT, "fuzz"))
    lib = open(os.path.join(ROOT, "fuzz", "src", "lib.rs")).read()
    path = re.search(r'SHARD_SCENARIO_PATH: &str = "([^"]+)"', lib).group(1)
    text = re.search(r'SHARD_SCENARIO: &str = r#"(.*?)"#;', lib, re.S).group(1)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    for n, iterations, extra in [(1, 12, []), (2, 20, []), (2, 7, ["--sampling", "lhs"]), (3, 30, ["--gate", "launch:2027-04-01@0.5"])]:
        parts = []
        for k in range(1, n + 1):
            out = subprocess.run(
                [binary, "run", path, "-n", str(iterations), "--shard", f"{k}/{n}", *extra],
                check=True, capture_output=True,
            ).stdout
            parts.append(out)
        sep = b"\n==next shard==\n"  # SHARD_SEPARATOR in fuzz/src/lib.rs
        put("shard", sep.join(parts))
        put("shard", parts[0])


if __name__ == "__main__":
    main()
