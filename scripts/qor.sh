#!/usr/bin/env bash
# QoR table in the peers' flow (hwgen synth --clock 2: ABC 2 ns delay target, OSU 0.18 µm, OpenSTA)
# for every MAC kind and pipeline depth at 4x4, and the recommended designs at 16x16.
set -euo pipefail
hwgen=$1
dir=build/qor
mkdir -p "$dir/specs"
specs=()
for kind in baseline booth bitserial; do
  for p in 0 1 2; do
    f=$dir/specs/qor_4x4_${kind}_p$p.yaml
    printf 'name: qor_4x4_%s_p%s\nengine: { kind: systolic, dataflow: os, rows: 4, cols: 4 }\nmac: { a: s8, b: s8, acc: s32, kind: %s, pipeline: %s }\n' \
      "$kind" "$p" "$kind" "$p" > "$f"
    specs+=("$f")
  done
done
specs+=(designs/systolic_os_4x4_s8_ffip.yaml designs/systolic_os_4x4_s8_ffip_booth.yaml)
specs+=(designs/systolic_os_16x16_s8.yaml designs/systolic_os_16x16_s8_booth.yaml designs/systolic_os_16x16_s8_bitserial.yaml
        designs/systolic_os_16x16_s8_ffip.yaml designs/systolic_os_16x16_s8_ffip_booth.yaml)
"$hwgen" synth "${specs[@]}" --clock 2 --json "$dir/qor.json" --work-dir "$dir/work"
python3 - "$dir/qor.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
# Cycles per element: every design here is s8 x s8, so bitserial takes 4 Booth digits; FFIP PEs
# take two elements of K per cycle. Per MAC/cycle: area x delay / (PEs x elements per PE-cycle).
print("\n| design | area mm² | FFs | critical path ns | area·delay mm²·ns | cycles/element | area·delay·cycles | MACs/cycle | area·delay per MAC/cycle | Fmax MHz | worst path |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    a = r["areaUM2"] / 1e6
    d = 4 if "bitserial" in r["design"] else 1
    macs = r["metrics"]["macs"] / d
    print(f"| {r['design']} | {a:.3f} | {r['flipFlops']} | {r['criticalPathNS']:.3f} | {a * r['criticalPathNS']:.2f} | "
          f"{d} | {a * r['criticalPathNS'] * d:.2f} | {macs:g} | {a * r['criticalPathNS'] / macs:.4f} | {r['fmaxMHz']:.1f} | {r['startpoint']} -> {r['endpoint']} |")
print("\nPeers, same flow (area·delay 16x16 / 4x4): Amaranth 43.9 / 2.76, PyCDE 59.9 / 3.57, "
      "TPE baseline 48.1 / 3.08, TPE Booth+CSA OPT1 34.9 / 2.12.")
print("Targets: 16x16 baseline <= 35, booth <= 28; 4x4 baseline <= 2.2, booth <= 1.7.")
PY
