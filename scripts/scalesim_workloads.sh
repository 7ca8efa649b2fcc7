#!/usr/bin/env bash
# HWGen's per-layer golden cycles (hwgen workload) beside SCALE-Sim 3's "Total Cycles" for the same
# topology CSV, array and dataflow. SCALE-Sim (PyPI scalesim 3.0.0) runs in its own venv with
# numpy < 2.3 (it crashes with newer numpy), on a bare engine spec (SPEC, default the 64x64 OS array:
# on 16x16 SCALE-Sim did not finish the BERT layer in 66 minutes).
# Usage: scripts/scalesim_workloads.sh HWGEN [CSV...]   (default CSVs: ResNet-18, BERT-base layer)
# SCALE-Sim's OS/IS cost grows with the square of the tile count: on 64x64 each CSV takes about 22 minutes.
set -euo pipefail
hwgen=$1; shift
csvs=("$@")
[ ${#csvs[@]} -gt 0 ] || csvs=(workloads/resnet18.csv workloads/bert_base_layer.csv)
spec=${SPEC:-designs/systolic_os_64x64_s8.yaml}
venv="${HWGEN_SCALESIM_VENV:-$HOME/.local/share/hwgen/scalesim-venv}"
if ! "$venv/bin/python" -c 'import scalesim' >/dev/null 2>&1; then
  echo "installing SCALE-Sim from PyPI into $venv: scalesim==3.0.0 numpy<2.3"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet scalesim==3.0.0 'numpy<2.3'
fi
out=build/scalesim; mkdir -p "$out"
# The array and dataflow of the spec, from hwgen's own reading of it.
read -r rows cols df < <("$hwgen" report "$spec" --cycles-only --gemm 16x16x16 | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"(\d+)x(\d+) (output|weight|input)-stationary", t)
if not m: sys.exit("scalesim_workloads.sh: SPEC must be a bare OS, WS or IS systolic array")
print(m.group(1), m.group(2), {"output": "os", "weight": "ws", "input": "is"}[m.group(3)])')
for csv in "${csvs[@]}"; do
  name=$(basename "$csv" .csv)
  dir="$out/$name"; rm -rf "$dir"; mkdir -p "$dir"
  "$hwgen" workload "$spec" "$csv" --json "$dir/hwgen.json" > /dev/null
  mode=conv; head -1 "$csv" | grep -q '^Layer, M, N, K' && mode=gemm
  t0=$(date +%s)
  "$venv/bin/python" - "$csv" "$dir" "$rows" "$cols" "$df" "$mode" <<'PY'
import csv, json, os, sys
from scalesim.scale_sim import scalesim
topo, d, rows, cols, df, mode = sys.argv[1:]
cfg = os.path.join(d, "scale.cfg")
open(cfg, "w").write(f"""[general]
run_name = hwgen

[architecture_presets]
ArrayHeight:    {rows}
ArrayWidth:     {cols}
IfmapSramSzkB:    1024
FilterSramSzkB:   1024
OfmapSramSzkB:    1024
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Dataflow : {df}
Bandwidth : 10
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
""")
layout = os.path.join(d, "layout.csv")
open(layout, "w").write("Layer name, IFMAP SRAM Bank Layout, Filter SRAM Bank Layout,\n")
s = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout, input_type_gemm=(mode == "gemm"))
s.run_scale(top_path=d)
# SCALE-Sim's im2col of every layer it ran: M = ofmap pixels, K = window size, N = filters.
from scalesim.topology_utils import topologies
t = topologies()
t.load_arrays(topofile=topo, mnk_inputs=(mode == "gemm"))
t.topo_calc_hyperparams()
shapes = [[p[0] * p[1], p[3], t.get_layer_num_filters(i)] for i, p in enumerate(t.layers_calculated_hyperparams)]
json.dump(shapes, open(os.path.join(d, "scalesim_shapes.json"), "w"))
PY
  secs=$(( $(date +%s) - t0 ))
  report=$(find "$dir" -name COMPUTE_REPORT.csv | head -1)
  python3 - "$dir/hwgen.json" "$report" "$name" "$secs" "$dir/scalesim_shapes.json" <<'PY'
import csv, json, sys
hw = json.load(open(sys.argv[1]))
shapes = json.load(open(sys.argv[5]))
rows = list(csv.reader(open(sys.argv[2])))
head = [h.strip() for h in rows[0]]
col = head.index("Total Cycles")
ss = [int(float(r[col])) for r in rows[1:] if r and r[0].strip()]
# SCALE-Sim splits a depthwise (DP) layer into one layer per channel: add them back up.
merged, i, differ = [], 0, []
for l in hw["layers"]:
    n = l["groups"] if l["op"] == "dwconv" else 1
    merged.append(sum(ss[i:i + n]))
    if any(shapes[j] != [l["m"], l["k"], l["n"]] for j in range(i, i + n)): differ.append(f"{l['name']}: HWGen {l['m']}x{l['k']}x{l['n']}, SCALE-Sim {shapes[i]}")
    i += n
assert i == len(ss), f"{len(ss)} SCALE-Sim layers, {i} expected"
print(f"{sys.argv[3]} on {hw['design']}: HWGen golden vs SCALE-Sim 3 Total Cycles (SCALE-Sim took {sys.argv[4]} s)")
print(f"{'layer':24} {'M×K×N':>18} {'HWGen':>10} {'SCALE-Sim':>10} {'ratio':>6}")
for l, s in zip(hw["layers"], merged):
    print(f"{l['name']:24} {str(l['m'])+'×'+str(l['k'])+'×'+str(l['n']):>18} {l['cycles']:>10} {s:>10} {l['cycles']/s:>6.3f}")
th, ts = hw["total"]["cycles"], sum(merged)
print(f"{'total':24} {'':>18} {th:>10} {ts:>10} {th/ts:>6.3f}")
print("GEMM shapes (M, K, N per layer): " + ("all equal SCALE-Sim's im2col" if not differ else "DIFFER: " + "; ".join(differ)))
if differ: sys.exit(1)
PY
done
