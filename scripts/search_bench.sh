#!/usr/bin/env bash
# Is a search worth it? The 576-point space of sweeps/search_space.yaml (Yosys generic cells
# against golden cycles on a 16x16x16 GEMM) is run once as a grid (cached in
# build/search-bench/points); then NSGA-II, TPE and random search (Optuna), 5 seeds each, with a
# budget of 25 % of the points, reuse that cache. Each run's hypervolume after 5 %, 10 % and 25 %
# of the points is given as a share of the grid front's (objectives normalized between the
# grid's best and worst feasible values, reference 1.1), median and range over the seeds.
set -euo pipefail
hwgen=$1
dir=build/search-bench
space=sweeps/search_space.yaml
population=${POPULATION:-16}
mkdir -p "$dir"
start=$(date +%s)
"$hwgen" sweep "$space" -o "$dir/grid" --cache "$dir/points" -j "$(nproc)" >"$dir/grid.log" 2>&1 \
  || { cat "$dir/grid.log"; exit 1; }
echo "grid: $(tail -1 "$dir/grid.log") ($(( $(date +%s) - start )) s)"
size=$(( $(wc -l < "$dir/grid/results.csv") - 1 ))
budget=$(( (size + 3) / 4 ))
for method in random nsga2 tpe; do
  for seed in 1 2 3 4 5; do
    t0=$(date +%s)
    "$hwgen" sweep "$space" -o "$dir/$method-$seed" --cache "$dir/points" --search "$method" --budget "$budget" \
      --population "$population" --seed "$seed" >"$dir/$method-$seed.log" 2>&1 || { cat "$dir/$method-$seed.log"; exit 1; }
    echo "$method seed $seed: $(grep '^search ' "$dir/$method-$seed.log" | sed 's/^search [^:]*: //') ($(( $(date +%s) - t0 )) s)"
  done
done
python3 - "$dir" "$size" <<'PY'
import csv, os, statistics, sys
d, size = sys.argv[1], int(sys.argv[2])
fields = None

def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))

def vectors(rs):
    return [(float(r["cells"]), float(r["cycles"])) if r["status"] == "ok" and r["cells"] and r["cycles"] else None for r in rs]

def hv(points, lo, hi):
    # 2-D hypervolume of the normalized points up to (1.1, 1.1), both minimized.
    norm = sorted(((p[0] - lo[0]) / (hi[0] - lo[0]), (p[1] - lo[1]) / (hi[1] - lo[1])) for p in points)
    total, best = 0.0, 1.1
    for x, y in norm:
        if x < 1.1 and y < best:
            total += (1.1 - x) * (best - y)
            best = y
    return total

grid_rows = rows(os.path.join(d, "grid", "results.csv"))
fields = list(grid_rows[0].keys())[:list(grid_rows[0].keys()).index("status")]
grid = [v for v in vectors(grid_rows) if v]
front = [p for p in grid if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in grid)]
front_points = {tuple(r[f] for f in fields) for r in grid_rows if r["pareto"] == "true"}
# Normalized between the ideal and the nadir of the grid's front, reference 1.1 (points beyond it add nothing).
lo = (min(v[0] for v in front), min(v[1] for v in front))
hi = (max(v[0] for v in front), max(v[1] for v in front))
full = hv(grid, lo, hi)
checkpoints = [("5 %", round(size * 0.05)), ("10 %", round(size * 0.10)), ("25 %", (size + 3) // 4)]
print(f"\ngrid: {size} points, {len(grid)} measured, {len(front_points)} on the front\n")
print("| method | " + " | ".join(f"after {n} points ({name}): hypervolume, front points found" for name, n in checkpoints) + " |")
print("|---|" + "---:|" * len(checkpoints))
medians = {}
for method in ["random", "nsga2", "tpe"]:
    shares = {n: [] for _, n in checkpoints}
    found = {n: [] for _, n in checkpoints}
    for seed in range(1, 6):
        rs = sorted(rows(os.path.join(d, f"{method}-{seed}", "results.csv")), key=lambda r: int(r["trial"]))
        vs = vectors(rs)
        for _, n in checkpoints:
            shares[n].append(hv([v for v in vs[:n] if v], lo, hi) / full)
            found[n].append(sum(tuple(r[f] for f in fields) in front_points for r in rs[:n]))
    medians[method] = {n: statistics.median(s) for n, s in shares.items()}
    print(f"| {method} | " + " | ".join(
        f"{100 * statistics.median(shares[n]):.1f} % ({100 * min(shares[n]):.1f}–{100 * max(shares[n]):.1f}), "
        f"{statistics.median(found[n]):g} of {len(front_points)} ({min(found[n])}–{max(found[n])})" for _, n in checkpoints) + " |")
last = checkpoints[-1][1]
best = max(("nsga2", "tpe"), key=lambda m: medians[m][last])
ok = medians[best][last] >= 0.95 and medians[best][last] > medians["random"][last]
print(f"\nmedian of 5 seeds, range in brackets. {best} reaches {100 * medians[best][last]:.1f} % of the grid front's hypervolume "
      f"with {last} of {size} evaluations; random search {100 * medians['random'][last]:.1f} %: "
      + ("holds (>= 95 % and above random)" if ok else "DOES NOT HOLD"))
sys.exit(0 if ok else 1)
PY
