#!/usr/bin/env bash
# The 24-point sweep sweeps/os_kinds.yaml cold on the local backend and on a one-node Slurm
# cluster (scripts/slurm-local.sh), the wall time of each, whether their results.csv agree, and
# the sweep again from its cache.  Usage: scripts/sweep_backends.sh HWGEN
set -euo pipefail
hwgen=${1:?usage: $0 HWGEN}
cd "$(dirname "$0")/.."
out=$PWD/build/sweep_backends
rm -rf "$out"
mkdir -p "$out"
wall() {
  local t0; t0=$(date +%s.%N)
  "$@" > "$out/last.log" 2>&1 || { tail -5 "$out/last.log"; return 1; }
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}
# Each cold run starts with an empty simulation cache of its own.
printf 'sweep %s, local backend (%s cores): ' "sweeps/os_kinds.yaml" "$(nproc)"
echo "$(HWGEN_CACHE=$out/cache-local wall "$hwgen" sweep sweeps/os_kinds.yaml -o "$out/local") s"
tail -1 "$out/last.log"
printf 'again, from its cache: '
echo "$(wall "$hwgen" sweep sweeps/os_kinds.yaml -o "$out/local") s"
if ! command -v sbatch >/dev/null || ! [ -x /usr/sbin/slurmctld ]; then
  echo "slurm backend: skipped, Slurm is not installed (apt-get install -y slurm-wlm munge)"; exit 0
fi
export HWGEN_SLURM_DIR=/tmp/hwgen-slurm-bench HWGEN_SLURM_PORT=6847
scripts/slurm-local.sh start >/dev/null
trap 'scripts/slurm-local.sh stop >/dev/null' EXIT
eval "$(scripts/slurm-local.sh env)"
printf 'same sweep, slurm backend (one-node cluster, %s CPUs): ' "$(nproc)"
echo "$(HWGEN_CACHE=$out/cache-slurm wall "$hwgen" sweep sweeps/os_kinds.yaml -o "$out/slurm" --backend slurm) s"
tail -1 "$out/last.log"
if diff -q "$out/local/results.csv" "$out/slurm/results.csv" >/dev/null; then
  echo "results.csv: identical on both backends"
else
  echo "results.csv: DIFFERENT between the backends"; diff "$out/local/results.csv" "$out/slurm/results.csv" | head; exit 1
fi
