#!/usr/bin/env bash
# Derived (space-time) arrays next to the hand-written engines they reproduce, in the peers' flow
# (hwgen synth --clock 2: ABC 2 ns target, OSU 0.18 µm, OpenSTA): area, critical path and
# area·delay, and the golden cycles of the same GEMMs. The derived designs are dataflow: specs
# (designs/*_stt_*.yaml); each row names the hand-written design it is compared with.
set -euo pipefail
hwgen=$1
dir=build/qor-dataflow
mkdir -p "$dir"
pairs=("gemm_stt_os_4x4 systolic_os_4x4_s8_booth" "gemm_stt_os_16x16 systolic_os_16x16_s8_booth" "gemm_stt_mcast_4x4 matrix2d_4x4_s8_booth"
       "gemm_stt_ws_4x4 systolic_ws_4x4_s8" "gemm_stt_ws_16x16 systolic_ws_16x16_s8" "gemm_stt_is_4x4 systolic_is_4x4_s8"
       "gemm_stt_is_16x16 systolic_is_16x16_s8")
# Dataflows beyond the menu, each with its own workload.
alone=("bgemm_stt_os_4x4 b=4,i=16,j=16,k=32" "conv_stt_os_kow_4x4 k=8,oh=6,ow=6,c=3,r=3,s=3"
       "conv_stt_s2_koh_mc_4x4 k=8,oh=6,ow=6,c=3,r=3,s=3" "conv_stt_ws_kc_4x4 k=8,oh=6,ow=6,c=3,r=3,s=3")
# One synthesis per design, kept: a rerun synthesizes only what is missing (a 16x16 takes 3-8 min).
for d in $(printf '%s\n' "${pairs[@]}" | tr ' ' '\n') $(printf '%s\n' "${alone[@]}" | cut -d' ' -f1); do
  [ -s "$dir/$d.json" ] && continue
  "$hwgen" synth "designs/$d.yaml" --clock 2 --json "$dir/$d.json.tmp" --work-dir "$dir/work" >/dev/null
  mv "$dir/$d.json.tmp" "$dir/$d.json"
done
python3 -c 'import json, sys; print(json.dumps([json.load(open(f))[0] for f in sys.argv[1:]]))' "$dir"/*.json > "$dir/qor.all"
cycles() {  # golden cycles of $1 on the GEMM $2
  "$hwgen" golden "designs/$1.yaml" --gemm "$2" | sed -n 's/.*cycles: golden \([0-9]*\).*/\1/p'
}
gemms=(19x45x23 64x64x64 100x37x9)
{
  for p in "${pairs[@]}"; do
    set -- $p
    line="$1 $2"
    for g in "${gemms[@]}"; do line="$line $(cycles "$1" "$g") $(cycles "$2" "$g")"; done
    echo "$line"
  done
} > "$dir/cycles.txt"
python3 - "$dir/qor.all" "$dir/cycles.txt" "${gemms[@]}" <<'PY'
import json, sys
rows = {r["design"]: r for r in json.load(open(sys.argv[1]))}
gemms = sys.argv[3:]
print("\n| derived | hand-written | area mm² (derived / hand) | critical path ns | area·delay mm²·ns | area·delay vs hand | "
      + " | ".join(f"cycles {g} (derived / hand)" for g in gemms) + " |")
print("|---|---|---|---|---|---:|" + "---|" * len(gemms))
for line in open(sys.argv[2]):
    f = line.split()
    d, h, cyc = rows[f[0]], rows[f[1]], f[2:]
    ad = [r["areaUM2"] / 1e6 * r["criticalPathNS"] for r in (d, h)]
    print(f"| {f[0]} | {f[1]} | {d['areaUM2']/1e6:.3f} / {h['areaUM2']/1e6:.3f} | {d['criticalPathNS']:.3f} / {h['criticalPathNS']:.3f} | "
          f"{ad[0]:.2f} / {ad[1]:.2f} | {100 * (ad[0] / ad[1] - 1):+.1f} % | "
          + " | ".join(f"{cyc[2*i]} / {cyc[2*i+1]}" for i in range(len(gemms))) + " |")
PY
for a in "${alone[@]}"; do
  set -- $a
  echo "$1 $2 $("$hwgen" dataflow "designs/$1.yaml" --bounds "$2" | sed -n 's/.* \([0-9]*\) cycles (golden), .*utilization \([0-9.]*\) %.*/\1 \2/p')"
done > "$dir/alone.txt"
python3 - "$dir/qor.all" "$dir/alone.txt" <<'PY'
import json, sys
rows = {r["design"]: r for r in json.load(open(sys.argv[1]))}
print("\n| dataflow beyond the menu | area mm² | critical path ns | area·delay mm²·ns | workload | cycles (golden) | PE utilization |")
print("|---|---:|---:|---:|---|---:|---:|")
for line in open(sys.argv[2]):
    name, bounds, cycles, util = line.split()
    r = rows[name]
    a = r["areaUM2"] / 1e6
    print(f"| {name} | {a:.3f} | {r['criticalPathNS']:.3f} | {a * r['criticalPathNS']:.2f} | {bounds} | {cycles} | {util} % |")
PY
