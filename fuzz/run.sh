#!/usr/bin/env bash
# Runs fuzz targets one after another, one process each (the machine is shared), and keeps each
# run's log in fuzz/logs/. Usage, from the repository root:
#   fuzz/run.sh [SECONDS] [TARGET...]     (default: 600 s each, every target)
# Seeds first: python3 fuzz/seed.py target/release/shipcast
set -u
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(scenario shard import_csv import_mspdi import_xer import_psplib throughput_csv history_csv)
fi
mkdir -p fuzz/logs fuzz/artifacts
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  echo "== $t: $(date -u +%FT%TZ), $secs s" | tee -a fuzz/logs/runs.txt
  # One worker process (-fork=1; the machine is shared) that goes on after a crash, timeout
  # or out-of-memory input (each is written to fuzz/artifacts/<target>/), so that one known bug
  # does not end the run.
  cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- \
      -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -dict="fuzz/dict/$t.dict" -artifact_prefix="fuzz/artifacts/$t/" > "fuzz/logs/$t.log" 2>&1
  code=$?
  echo "   exit $code; $(grep -E '^#[0-9]+' "fuzz/logs/$t.log" | tail -1)" | tee -a fuzz/logs/runs.txt
  echo "   artifacts: $(ls "fuzz/artifacts/$t" | wc -l)" | tee -a fuzz/logs/runs.txt
done
