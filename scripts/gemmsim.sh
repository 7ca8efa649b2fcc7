#!/usr/bin/env bash
# The 16x16 OS GEMM engine (buffers + tiling controller) on a 256x256x256 GEMM under Verilator:
# values and start-to-done cycles against golden, and PE utilization including buffer reads and
# the C write-back (target >= 95 %).
set -euo pipefail
hwgen=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
HWGEN_CACHE=$dir/cache /usr/bin/time -f "%e %M" -o "$dir/time" \
  "$hwgen" sim designs/gemm_os_16x16_s8.yaml --gemm 256x256x256 --seed 1 --simulator verilator | tee "$dir/log"
read -r secs kb < "$dir/time"
cycles=$(sed -nE 's/^PASS .* ([0-9]+) cycles \(golden predicts ([0-9]+)\)$/\1/p' "$dir/log")
[ -n "$cycles" ] || { echo "gemm_os_16x16_s8: no PASS line"; exit 1; }
util=$(awk -v c="$cycles" 'BEGIN { printf "%.2f", 256*256*256 / (256 * c) * 100 }')
echo "gemm_os_16x16_s8 on 256x256x256: $cycles cycles start to done, PE utilization $util % (target >= 95 %), ${secs} s, peak RSS $((kb / 1024)) MiB"
awk -v u="$util" 'BEGIN { exit !(u >= 95) }'
