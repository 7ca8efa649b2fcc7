#!/usr/bin/env bash
# Emit-time benchmark: wall time and peak memory of `hwgen emit` for the 64x64 design (release build).
set -euo pipefail
hwgen=$1
spec=designs/systolic_os_64x64_s8.yaml
runs=${RUNS:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$hwgen" emit "$spec" -o "$out" --no-vectors >/dev/null   # warm-up
best=""
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o "$out/time" "$hwgen" emit "$spec" -o "$out" --no-vectors >/dev/null
  read -r secs kb < "$out/time"
  echo "run $i: ${secs} s, peak RSS $((kb / 1024)) MiB"
  if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
done
lines=$(cat "$out"/rtl/*.v | wc -l)
echo "emit systolic_os_64x64_s8 (4096 PEs, $lines lines of Verilog): best of $runs = ${best} s (target < 0.5 s)"
