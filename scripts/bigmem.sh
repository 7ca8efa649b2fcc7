#!/usr/bin/env bash
# Peak memory (and wall time) of the largest supported design: emitting and linting the
# 256x256 array the spec allows (Verilator -Wall, Icarus -g2005), and simulating a 64x64 array
# on both simulators against the golden model. The machine has 24 GiB; each must stay within it.
# Usage: scripts/bigmem.sh HWGEN
set -euo pipefail
hwgen=${1:?usage: $0 HWGEN}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
limit_kb=$((24 * 1024 * 1024))
measure() {   # label, command...: one line with wall time and peak RSS (of the largest process)
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$dir/log" 2>&1 || { echo "$label: FAILED"; tail -5 "$dir/log"; return 1; }
  read -r secs kb < "$dir/time"
  echo "$label: ${secs} s, peak RSS $((kb / 1024)) MiB$([ "$kb" -lt "$limit_kb" ] && echo " (within 24 GiB)" || echo " (OVER 24 GiB)")"
  [ "$kb" -lt "$limit_kb" ]
}
big=$dir/systolic_os_256x256_s8.yaml
printf 'name: systolic_os_256x256_s8\nengine: { kind: systolic, dataflow: os, rows: 256, cols: 256 }\nmac:    { a: s8, b: s8, acc: s32, pipeline: 1 }\n' > "$big"
measure "emit systolic_os_256x256_s8 (65536 PEs)" "$hwgen" emit "$big" -o "$dir/big" --no-vectors
rtl=("$dir"/big/rtl/*.v)
measure "verilator --lint-only -Wall, 256x256" verilator --lint-only -Wall --top-module systolic_os_256x256_s8 "${rtl[@]}"
# Icarus elaborates 65536 PEs slowly (over 15 min of CPU at a steady 2.7 GB here): it gets 30
# minutes and is reported either way.
if /usr/bin/time -f "%e %M" -o "$dir/time" timeout 1800 iverilog -g2005 -o "$dir/big.vvp" -s systolic_os_256x256_s8 "${rtl[@]}" > "$dir/log" 2>&1; then
  read -r secs kb < "$dir/time"
  echo "iverilog -g2005, 256x256 (elaborate): ${secs} s, peak RSS $((kb / 1024)) MiB"
else
  kb=$(awk 'END { print $NF }' "$dir/time")
  echo "iverilog -g2005, 256x256 (elaborate): not finished within 30 min (peak RSS $((${kb:-0} / 1024)) MiB until stopped)"
fi
measure "hwgen sim systolic_os_64x64_s8 --gemm 128x128x128, Icarus" env HWGEN_CACHE="$dir/cache" \
  "$hwgen" sim designs/systolic_os_64x64_s8.yaml --gemm 128x128x128 --seed 1 --simulator icarus
grep -q '^PASS icarus' "$dir/log"
measure "hwgen sim systolic_os_64x64_s8 --gemm 128x128x128, Verilator" env HWGEN_CACHE="$dir/cache" \
  "$hwgen" sim designs/systolic_os_64x64_s8.yaml --gemm 128x128x128 --seed 1 --simulator verilator
grep -q '^PASS verilator' "$dir/log"
