#!/usr/bin/env bash
# The seed paper's table: area efficiency (GOPS/mm²) and energy efficiency (TOPS/W) of the four
# engines, baseline and optimized, on one random INT8 GEMM, in the peers' flow (hwgen synth --clock 2:
# Yosys, ABC 2 ns target, OSU 0.18 µm, OpenSTA) with power from the gate-level simulation
# (hwgen synth --power). Optimized/baseline ratios beside the paper's.
set -euo pipefail
hwgen=$1
gemm=${GEMM:-32x32x32}
dir=build/energy
mkdir -p "$dir"
pairs=("systolic array|designs/systolic_os_4x4_s8.yaml|designs/systolic_os_4x4_s8_booth.yaml|1.27|1.04"
       "3D-Cube|designs/cube_4x4x4_s8.yaml|designs/cube_4x4x4_s8_booth.yaml|1.28|1.56"
       "adder tree|designs/tree_4x16_s8.yaml|designs/tree_4x16_s8_booth.yaml|1.56|1.49"
       "2D-Matrix|designs/matrix2d_4x4_s8.yaml|designs/matrix2d_4x4_s8_bitserial.yaml|1.44|1.20")
for p in "${pairs[@]}"; do
  IFS='|' read -r engine base opt _ _ <<< "$p"
  for spec in "$base" "$opt"; do
    name=$(basename "$spec" .yaml)
    [ -s "$dir/$name.json" ] && continue
    /usr/bin/time -f "%e s, peak RSS %M KiB" -o "$dir/$name.time" \
      "$hwgen" synth "$spec" --clock 2 --power --gemm "$gemm" --seed 1 --json "$dir/$name.json.tmp" --work-dir "$dir/work" >/dev/null
    mv "$dir/$name.json.tmp" "$dir/$name.json"
    echo "$name: $(cat "$dir/$name.time")"
  done
done
python3 - "$dir" "$gemm" "${pairs[@]}" <<'PY'
import json, sys, os
d, gemm, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
def load(spec):
    return json.load(open(os.path.join(d, os.path.basename(spec)[:-5] + ".json")))[0]
def eff(r):
    m, p = r["metrics"], r["power"]
    area = r["areaUM2"] / 1e6
    return m["achievedGOPS"] / area, p["topsPerW"], p["pjPerMAC"], area, r["criticalPathNS"], p["cycles"], p
print(f"\ngemm {gemm} seed 1, INT8 (s8 x s8 -> s32), hwgen synth --clock 2 --power (power at 2 ns)\n")
print("| engine | design | area mm² | crit ns | cycles | GOPS/mm² (achieved) | pJ/MAC | TOPS/W | internal / switching / leakage mW |")
print("|---|---|---:|---:|---:|---:|---:|---:|---|")
ratios = []
for pair in pairs:
    engine, base, opt, pa, pe = pair.split("|")
    rows = []
    for spec in (base, opt):
        r = load(spec)
        g, t, pj, area, crit, cyc, p = eff(r)
        rows.append((g, t))
        print(f"| {engine} | {r['design']} | {area:.3f} | {crit:.3f} | {cyc} | {g:.2f} | {pj:.2f} | {t:.4f} | "
              f"{p['internalMW']:.1f} / {p['switchingMW']:.1f} / {p['leakageMW']:.4f} |")
    ratios.append((engine, rows[1][0] / rows[0][0], float(pa), rows[1][1] / rows[0][1], float(pe)))
print("\n| engine | area efficiency opt/base (HWGen) | (paper) | energy efficiency opt/base (HWGen) | (paper) |")
print("|---|---:|---:|---:|---:|")
for e, ga, pa, ge, pe in ratios:
    print(f"| {e} | {ga:.2f} | {pa:.2f} | {ge:.2f} | {pe:.2f} |")
PY
