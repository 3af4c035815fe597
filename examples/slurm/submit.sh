#!/bin/bash
# Fans a run, a sweep and a batch out over Slurm job arrays, waits for them, and merges.
# Run it from a directory every node sees, holding plan.toml, scenarios/ and the three job
# scripts; options after it (e.g. --iterations 200000) go to every shard.
set -euo pipefail
shards=4
mkdir -p shards
sbatch --array=1-$shards --wait run.sbatch plan.toml "$@" &
run=$!
sbatch --array=1-$shards --wait sweep.sbatch plan.toml "$@" &
sweep=$!
sbatch --array=1-$shards --wait batch.sbatch scenarios "$@" &
batch=$!
wait $run
wait $sweep
wait $batch
shipcast merge shards/run-*.shard --format json > forecast.json
shipcast merge shards/sweep-*.json --format text > sweep.txt
# Last: its exit code is the batch's (1 when a gate fails, 2 when a scenario is broken).
shipcast merge shards/batch-*.json --format text --no-drivers --junit junit.xml > batch.txt
