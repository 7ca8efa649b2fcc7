#!/usr/bin/env bash
# QoR of the quantized-arithmetic MACs and the epilogue in the peers' flow (hwgen synth --clock 2:
# ABC 2 ns delay target, OSU 0.18 µm, OpenSTA): 16x16 OS arrays of ternary shift-add, p4 shift-add,
# W4A8 baseline and s8 baseline MACs, and the s8 array with a per-tensor requantization epilogue
# (its 16 epilogue units' area is the difference to the s8 array).
set -euo pipefail
hwgen=$1
dir=build/qor_quant
mkdir -p "$dir/specs"
f=$dir/specs/systolic_os_16x16_s8_p4.yaml
printf 'name: systolic_os_16x16_s8_p4\nengine: { kind: systolic, dataflow: os, rows: 16, cols: 16 }\nmac: { a: s8, b: p4, acc: s32, kind: shiftadd, pipeline: 1 }\n' > "$f"
specs=(designs/systolic_os_16x16_s8.yaml designs/systolic_os_16x16_w4a8.yaml designs/systolic_os_16x16_s8_ternary.yaml "$f"
       designs/systolic_os_16x16_s8_requant.yaml)
"$hwgen" synth "${specs[@]}" --clock 2 --json "$dir/qor.json" --work-dir "$dir/work"
python3 - "$dir/qor.json" <<'PY'
import json, sys
rows = {r["design"]: r for r in json.load(open(sys.argv[1]))}
print("\n| design | area mm² | FFs | critical path ns | area·delay mm²·ns | Fmax MHz | worst path |")
print("|---|---:|---:|---:|---:|---:|---|")
for name, r in rows.items():
    a = r["areaUM2"] / 1e6
    print(f"| {name} | {a:.3f} | {r['flipFlops']} | {r['criticalPathNS']:.3f} | {a * r['criticalPathNS']:.2f} | "
          f"{r['fmaxMHz']:.1f} | {r['startpoint']} -> {r['endpoint']} |")
base, req = rows.get("systolic_os_16x16_s8"), rows.get("systolic_os_16x16_s8_requant")
if base and req:
    d = (req["areaUM2"] - base["areaUM2"]) / 1e6
    print(f"\nEpilogue: {d:.3f} mm² for 16 units ({d / 16 * 1e6:.0f} µm² each), "
          f"{100 * d / (base['areaUM2'] / 1e6):.1f} % of the s8 array.")
PY
