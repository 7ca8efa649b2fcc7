#!/usr/bin/env bash
# QoR of the 4x4-class engine designs (WS, IS, 2D-Matrix, cube, tree; baseline, booth, bitserial,
# N:M sparse) in the peers' flow: hwgen synth --clock 2 (ABC 2 ns target, OSU 0.18 µm, OpenSTA).
set -euo pipefail
hwgen=$1
dir=build/qor-engines
mkdir -p "$dir"
specs=(designs/systolic_ws_4x4_s8.yaml designs/systolic_ws_4x4_s8_booth.yaml designs/systolic_ws_4x4_s8s4.yaml
       designs/systolic_ws_4x4_s8_bitserial.yaml designs/systolic_ws_4x4_s8_2of4.yaml
       designs/systolic_is_4x4_s8.yaml designs/systolic_is_4x4_s8_booth.yaml designs/systolic_is_4x4_s8_bitserial.yaml
       designs/matrix2d_4x4_s8.yaml designs/matrix2d_4x4_s8_booth.yaml designs/matrix2d_4x4_s8_bitserial.yaml
       designs/cube_4x4x4_s8.yaml designs/cube_4x4x4_s8_booth.yaml designs/cube_4x4x4_s8_bitserial.yaml
       designs/tree_4x16_s8.yaml designs/tree_4x16_s8_booth.yaml designs/tree_4x16_s8s4_bitserial.yaml
       designs/tree_4x16_s8_2of4.yaml designs/cube_4x4x4_s8_ffip.yaml designs/tree_4x16_s8_ffip.yaml
       designs/systolic_ws_4x4_s8_ffip.yaml designs/systolic_ws_4x4_s8_ffip_booth.yaml)
"$hwgen" synth "${specs[@]}" --clock 2 --json "$dir/qor.json" --work-dir "$dir/work"
python3 - "$dir/qor.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print("\n| design | area mm² | FFs | critical path ns | area·delay mm²·ns | Fmax MHz | worst path |")
print("|---|---:|---:|---:|---:|---:|---|")
for r in rows:
    a = r["areaUM2"] / 1e6
    print(f"| {r['design']} | {a:.3f} | {r['flipFlops']} | {r['criticalPathNS']:.3f} | {a * r['criticalPathNS']:.2f} | "
          f"{r['fmaxMHz']:.1f} | {r['startpoint']} -> {r['endpoint']} |")
PY
