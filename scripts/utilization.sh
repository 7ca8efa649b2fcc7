#!/usr/bin/env bash
# PE utilization of every engine and dataflow at 256 multipliers (16x16; cube 8x8x4; tree 16 lanes
# of width 16) on 64^3 and 256^3 GEMMs, from the golden cycle model (`hwgen report`, no simulator),
# next to SCALE-Sim v2's estimate where it models the dataflow.
set -euo pipefail
hwgen=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
spec() {  # name, engine mapping, mac mapping
  printf 'name: %s\nengine: %s\nmac: %s\n' "$1" "$2" "$3" > "$dir/$1.yaml"
  echo "$dir/$1.yaml"
}
s8='{ a: s8, b: s8, acc: s32, pipeline: 1 }'
designs=(
  "$(spec os_16x16 '{ kind: systolic, dataflow: os, rows: 16, cols: 16 }' "$s8")"
  "$(spec os_16x16_bitserial '{ kind: systolic, dataflow: os, rows: 16, cols: 16 }' '{ a: s8, b: s8, acc: s32, kind: bitserial, pipeline: 1 }')"
  "$(spec ws_16x16 '{ kind: systolic, dataflow: ws, rows: 16, cols: 16 }' "$s8")"
  "$(spec ws_16x16_bitserial '{ kind: systolic, dataflow: ws, rows: 16, cols: 16 }' '{ a: s8, b: s8, acc: s32, kind: bitserial }')"
  "$(spec ws_16x16_2of4 '{ kind: systolic, dataflow: ws, rows: 16, cols: 16, sparsity: "2:4" }' "$s8")"
  "$(spec is_16x16 '{ kind: systolic, dataflow: is, rows: 16, cols: 16 }' "$s8")"
  "$(spec is_16x16_bitserial '{ kind: systolic, dataflow: is, rows: 16, cols: 16 }' '{ a: s8, b: s8, acc: s32, kind: bitserial }')"
  "$(spec matrix2d_16x16 '{ kind: matrix2d, rows: 16, cols: 16 }' "$s8")"
  "$(spec matrix2d_16x16_bitserial '{ kind: matrix2d, rows: 16, cols: 16 }' '{ a: s8, b: s8, acc: s32, kind: bitserial, pipeline: 1 }')"
  "$(spec cube_8x8x4 '{ kind: cube, m: 8, n: 8, k: 4, stages: 1 }' '{ a: s8, b: s8, acc: s32 }')"
  "$(spec tree_16x16 '{ kind: tree, lanes: 16, width: 16, stages: 2 }' '{ a: s8, b: s8, acc: s32 }')"
)
printf '%-22s %-8s %10s %8s %12s\n' design gemm cycles "util %" "SCALE-Sim"
for d in "${designs[@]}"; do
  for g in 64x64x64 256x256x256; do
    line=$("$hwgen" report "$d" --gemm "$g" --cycles-only | sed -n 2p)
    golden=$(sed -E 's/.*golden (at most )?([0-9]+).*/\2/' <<< "$line")   # bitserial WS/2D-Matrix: bound with every digit nonzero
    util=$(sed -E 's/.*PE utilization ([0-9.]+) %.*/\1/' <<< "$line")
    scale=$(grep -oE 'estimate [0-9]+' <<< "$line" | cut -d' ' -f2 || true)
    printf '%-22s %-8s %10s %8s %12s\n' "$(basename "$d" .yaml)" "$g" "$golden" "$util" "${scale:--}"
  done
done
