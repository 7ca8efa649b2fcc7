#!/usr/bin/env bash
# QoR and energy of the float MACs next to INT8, in the peers' flow (hwgen synth --clock 2: Yosys,
# ABC 2 ns delay target, OSU 0.18 µm, OpenSTA; power from the gate-level simulation of one random
# GEMM, hwgen synth --power): OS arrays of INT8 baseline and Booth MACs; E4M3 with exact, FP32,
# align14 and align14+promote128 accumulation; BF16 with FP32 accumulation; MXFP8, MXFP4 and MXINT8.
# 4x4 with energy from a Verilator gate-level run; 16x16 with energy from the replay
# (`--simulator replay`; Verilator cannot build the float arrays' netlists). The 16x16 arrays with
# an FP32 adder (fp32, align14, BF16, MXFP4) each took 25 to 75 min and up to 14 GB (ABC) on a
# 2-core machine, MXFP8 over 2 h and more memory than the machine has (below); BIG=0 skips them.
set -euo pipefail
hwgen=$1
gemm=${GEMM:-32x32x32}
dir=build/qor_float
mkdir -p "$dir"
small=(designs/systolic_os_4x4_s8.yaml designs/systolic_os_4x4_s8_booth.yaml designs/systolic_os_4x4_e4m3.yaml designs/systolic_os_4x4_e4m3_fp32.yaml
       designs/systolic_os_4x4_e4m3_align14.yaml designs/systolic_os_4x4_e4m3_align14_promote128.yaml designs/systolic_os_4x4_bf16.yaml
       designs/systolic_os_4x4_mxfp8.yaml designs/systolic_os_4x4_mxfp4.yaml designs/systolic_os_4x4_mxint8.yaml)
big=(designs/systolic_os_16x16_s8.yaml designs/systolic_os_16x16_s8_booth.yaml designs/systolic_os_16x16_e4m3.yaml)
bigpower=()
[ "${BIG:-1}" = 0 ] || bigpower=(designs/systolic_os_16x16_e4m3_fp32.yaml designs/systolic_os_16x16_e4m3_align14.yaml designs/systolic_os_16x16_bf16.yaml
                                 designs/systolic_os_16x16_mxfp8.yaml designs/systolic_os_16x16_mxfp4.yaml)
# The arrays whose first ABC mapping aborted (`buffer -p`, nodes without fanout) when measured (the
# 16x16 MXFP8 array: its 4x4 and 8x8 versions did, the 16x16 was not tried without topo): they
# map with topo at once (HWGEN_ABC_TOPO=1: the retry's script, so the same netlist, without the
# aborted first run: 41 s instead of 83 s on the 4x4 align14 array, over an hour at 16x16).
topo=" systolic_os_4x4_e4m3_align14 systolic_os_4x4_e4m3_align14_promote128 systolic_os_4x4_bf16 systolic_os_4x4_mxfp8
 systolic_os_4x4_mxfp4 systolic_os_4x4_mxint8 systolic_os_16x16_e4m3_fp32 systolic_os_16x16_e4m3_align14 systolic_os_16x16_bf16
 systolic_os_16x16_mxfp4 systolic_os_16x16_mxfp8 "
topo_of() { case "$topo" in *" $1 "*|*" $1"$'\n'*) echo 1;; *) echo 0;; esac; }
for spec in "${small[@]}"; do
  name=$(basename "$spec" .yaml)
  [ -s "$dir/$name.json" ] && continue
  HWGEN_ABC_TOPO=$(topo_of "$name") "$hwgen" synth "$spec" --clock 2 --power --gemm "$gemm" --seed 1 --json "$dir/$name.json.tmp" --work-dir "$dir/work" >/dev/null
  mv "$dir/$name.json.tmp" "$dir/$name.json"
done
for spec in "${big[@]}"; do
  name=$(basename "$spec" .yaml)
  grep -qs '"pjPerMAC"' "$dir/$name.json" && continue   # an earlier run measured area and timing only
  "$hwgen" synth "$spec" --clock 2 --power --simulator replay --gemm "$gemm" --seed 1 --json "$dir/$name.json.tmp" --work-dir "$dir/work" >/dev/null
  mv "$dir/$name.json.tmp" "$dir/$name.json"
done
# Peak memory of the flow grows with the gates ABC maps: about 9 KB (Yosys, idle while ABC runs) and
# 26 KB (ABC) per extracted gate on the MXFP8 arrays (4x4: 63 k gates, 0.57 + 1.69 GB; 8x8: 254 k,
# 2.20 + 6.63 GB). The 16x16 MXFP8 array extracts 1.0 M gates: about 35 GB, more than the 24 GiB of
# memory, so it runs only with swap (Yosys's idle pages go there).
need_gb() { case "$1" in systolic_os_16x16_mxfp8) echo 40;; *) echo 0;; esac; }
have_gb=$(awk '/^MemTotal|^SwapTotal/ {k += $2} END {print int(k / 1048576)}' /proc/meminfo)
for spec in "${bigpower[@]}"; do
  name=$(basename "$spec" .yaml)
  [ -s "$dir/$name.json" ] && continue
  if [ "$(need_gb "$name")" -gt "$have_gb" ]; then
    echo "$name: not run: needs about $(need_gb "$name") GiB of memory and swap, this machine has $have_gb GiB (add swap: fallocate -l 24G /swapfile && chmod 600 /swapfile && mkswap /swapfile && swapon /swapfile)" >&2
    continue
  fi
  # ABC's dch alone ran over 80 min on the 16x16 MXFP8 array (8x8: 6.3 min): 4 h per tool run.
  HWGEN_ABC_TOPO=$(topo_of "$name") HWGEN_SYNTH_TIMEOUT=${HWGEN_SYNTH_TIMEOUT:-14400} "$hwgen" synth "$spec" --clock 2 --power --simulator replay --gemm "$gemm" --seed 1 --json "$dir/$name.json.tmp" --work-dir "$dir/work" >/dev/null \
    && mv "$dir/$name.json.tmp" "$dir/$name.json" || echo "$name: hwgen synth failed (exit $?); its row is left out" >&2
done
python3 - "$dir" "$gemm" "${small[@]}" "${big[@]}" "${bigpower[@]}" <<'PY'
import json, os, sys
d, gemm, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"\n| design | area mm² | critical path ns | area·delay mm²·ns | pJ/MAC ({gemm}, seed 1) | note |")
print("|---|---:|---:|---:|---:|---|")
for spec in specs:
    name = os.path.basename(spec)[:-5]
    path = os.path.join(d, name + ".json")
    if not os.path.exists(path):
        print(f"| {name} | not measured | | | | synthesis failed or was skipped |")
        continue
    r = json.load(open(path))[0]
    a, t = r["areaUM2"] / 1e6, r["criticalPathNS"]
    p = r.get("power") or {}
    pj = f"{p['pjPerMAC']:.2f}" if p.get("pjPerMAC") else "not measured"
    print(f"| {name} | {a:.3f} | {t:.3f} | {a * t:.2f} | {pj} | {r.get('note') or ''} |")
PY
