#!/usr/bin/env bash
# A real cluster in the test suite: installs a single-node Slurm from Debian's packages
# (slurm-wlm, munge), starts munged, slurmctld and slurmd under a temporary directory, runs the
# documented recipe (examples/slurm/submit.sh and its job scripts, unchanged) for a run, a sweep
# and a batch, and checks every merged result byte for byte against the same work done in one
# process. Then validates the Kubernetes example against the Kubernetes schema
# (kubernetes-validate, from PyPI, which ships the schemas).
#
# Skipped, with the reason printed, where it cannot run: not root and no sudo, no apt-get, the
# packages do not install, or the daemons do not start. A mismatch fails (exit 1).
#
# Usage: tests/slurm/run.sh [PATH-TO-SHIPCAST]   (default: the debug build, built if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
started=$SECONDS

skip() {
  echo "SKIPPED: $*"
  exit 0
}

bin=${1:-${CARGO_TARGET_DIR:-$repo/target}/debug/shipcast}
if [ ! -x "$bin" ]; then
  cargo build --locked --quiet
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    skip "the Slurm cluster test needs root (or password-less sudo) to install and start Slurm"
  fi
fi

echo "== Slurm: install slurm-wlm and munge"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
  || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || skip "no apt-get to install slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    $sudo apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 \
      || skip "apt-get could not install slurm-wlm and munge"
  fi
fi
echo "installed in $((SECONDS - started)) s: $(slurmctld -V)"

tmp=$(mktemp -d /tmp/shipcast-slurm.XXXXXX)
# munged wants every directory up to its socket searchable by all.
chmod 711 "$tmp"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    $sudo kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== Slurm: start munged, slurmctld and slurmd"
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/work"
chmod 711 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket.2
$sudo munged --foreground --socket="$socket" --key-file="$tmp/munge/munge.key" \
  --log-file="$tmp/munge/munged.log" --pid-file="$tmp/munge/munged.pid" \
  --seed-file="$tmp/munge/munged.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || skip "munged did not start: $(tail -n 3 "$tmp/munged.out" | tr '\n' ' ')"

host=$(hostname -s)
memory=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=shipcast-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
$sudo env SLURM_CONF="$SLURM_CONF" slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
$sudo env SLURM_CONF="$SLURM_CONF" slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
idle=""
for _ in $(seq 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -q '^idle'; then
    idle=yes
    break
  fi
  sleep 0.5
done
if [ -z "$idle" ]; then
  skip "the Slurm node did not come up idle: $(tail -n 3 "$tmp/slurmctld.log" "$tmp/slurmd.log" 2>/dev/null | tr '\n' ' ')"
fi
echo "node idle after $((SECONDS - started)) s"
sinfo

echo "== Slurm: the documented recipe (examples/slurm/submit.sh) for a run, a sweep and a batch"
work=$tmp/work
cp examples/slurm/*.sbatch examples/slurm/submit.sh "$work/"
cp scenarios/speed-vs-scale.toml "$work/plan.toml"
mkdir "$work/scenarios"
cp scenarios/*.toml "$work/scenarios/"
# A gate that fails (P(on time) = 0.7 exactly, 0.95 asked): the batch's exit code is 1.
printf '%s\n' '[[task]]' 'id = "a"' 'duration = 10' '[[risk]]' 'id = "r"' 'probability = 0.3' \
  'affects = ["a"]' 'delay = 5' '[[milestone]]' 'id = "m"' 'after = ["a"]' 'deadline = 10' \
  'confidence = 0.95' >"$work/scenarios/late.toml"
export PATH=$(dirname "$bin"):$PATH
iterations=4000
cd "$work"
code=0
./submit.sh --iterations $iterations || code=$?
echo "submitted, ran and merged in $((SECONDS - started)) s (exit $code)"

echo "== Slurm: the same work in one process"
failed=0
same() {
  if cmp -s "$1" "$2"; then
    echo "identical: $1 and $2"
  else
    echo "DIFFERENT: $1 and $2"
    diff "$1" "$2" | head -n 20
    failed=1
  fi
}
shipcast run plan.toml --iterations $iterations --format json --out "$tmp/report" >one-forecast.json 2>/dev/null
same forecast.json one-forecast.json
shipcast sweep plan.toml --iterations $iterations --format text --no-report >one-sweep.txt
same sweep.txt one-sweep.txt
one=0
shipcast run scenarios --iterations $iterations --format text --no-report --junit one-junit.xml \
  >one-batch.txt || one=$?
same batch.txt one-batch.txt
same junit.xml one-junit.xml
if [ "$code" != "$one" ] || [ "$one" != 1 ]; then
  echo "DIFFERENT: the recipe exited $code, the batch in one process $one (1 expected: a gate fails)"
  failed=1
fi
grep -q '"drivers": \[' forecast.json || { echo "the merged forecast has no drivers"; failed=1; }
cd "$repo"

echo "== Kubernetes: examples/kubernetes/shards-job.yaml against the Kubernetes schema"
venv=${XDG_CACHE_HOME:-$HOME/.cache}/shipcast-ci/kubernetes-validate
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv" >/dev/null 2>&1 \
    && "$venv/bin/pip" install -q kubernetes-validate >/dev/null 2>&1 || true
fi
if [ -x "$venv/bin/kubernetes-validate" ]; then
  "$venv/bin/kubernetes-validate" --strict examples/kubernetes/shards-job.yaml || failed=1
else
  echo "SKIPPED: kubernetes-validate could not be installed from PyPI (python3 -m venv, pip)"
fi

echo "== done in $((SECONDS - started)) s"
exit $failed
