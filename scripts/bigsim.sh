#!/usr/bin/env bash
# Verilator on a 128x128 OS array (16384 PEs) running a 256x256x256 GEMM against the golden
# model: wall time and peak memory of the whole `hwgen sim` (emit, verilate, compile, run, check).
set -euo pipefail
hwgen=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
spec=$dir/systolic_os_128x128_s8.yaml
printf 'name: systolic_os_128x128_s8\nengine: { kind: systolic, dataflow: os, rows: 128, cols: 128 }\nmac:    { a: s8, b: s8, acc: s32, pipeline: 1 }\n' > "$spec"
HWGEN_CACHE=$dir/cache /usr/bin/time -f "%e %M" -o "$dir/time" \
  "$hwgen" sim "$spec" --gemm 256x256x256 --seed 1 --simulator verilator | tee "$dir/log"
read -r secs kb < "$dir/time"
echo "verilator systolic_os_128x128_s8 on 256x256x256: ${secs} s wall, peak RSS $((kb / 1024)) MiB (hwgen and its children)"
grep -q '^PASS' "$dir/log"
