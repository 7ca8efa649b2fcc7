#!/usr/bin/env bash
# Gate-level power of a 16x16 array on a 64^3 GEMM: wall time, peak memory of the process tree
# (GNU time's maximum resident set) and peak disk of the work and build directories, sampled every 5 s.
# Targets: under 4 GiB of memory and under 1 GiB of disk (2026-12-05: 415 s, 1,586 MiB, 38 MiB). The netlist is evaluated by HWGen's replay
# (`--simulator replay`, SIM to change it): Verilator 5.006 needed more than 6 GiB for the 16x16
# netlist's model (21 GB when not capped) and Icarus 11 was still compiling it after 10 minutes at
# 1.5 GB. The address space is capped below so that a run fails instead of swapping the machine.
set -euo pipefail
ulimit -v $((8 * 1024 * 1024))
hwgen=$1
spec=${SPEC:-designs/systolic_os_16x16_s8.yaml}
dir=build/energy-big
rm -rf "$dir"
mkdir -p "$dir/cache"
peak=0
( while sleep 5; do du -sk "$dir" 2>/dev/null | cut -f1; done ) > "$dir/disk.samples" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
HWGEN_CACHE=$PWD/$dir/cache /usr/bin/time -f "%e %M" -o "$dir/time" \
  "$hwgen" synth "$spec" --clock 2 --power --gemm 64x64x64 --seed 1 --simulator "${SIM:-replay}" --json "$dir/r.json" --work-dir "$dir/work" 2>&1 | tail -6
kill $sampler 2>/dev/null || true
read -r secs kb < "$dir/time"
peak=$(sort -n "$dir/disk.samples" | tail -1)
echo "$(basename "$spec" .yaml) --power on 64x64x64: ${secs} s, peak memory $((kb / 1024)) MiB (target < 4096), peak disk $((${peak:-0} / 1024)) MiB (target < 1024)"
