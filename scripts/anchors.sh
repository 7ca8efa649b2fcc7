#!/usr/bin/env bash
# HWGen's engines against the TPE paper's hand-written RTL (github.com/wqzustc/
# High-Performance-Tensor-Processing-Engines), every design through the same flow:
# `hwgen synth --clock 2` (Yosys 0.23 + ABC 2 ns target onto OSU 0.18 µm, OpenSTA).
#
# The repository is exported at run time from TPE_REPO (a clone or bare mirror) or cloned into
# build/anchors/repo; nothing of it is committed here. Without it the table is skipped (exit 0,
# with the reason). What is added on the repository's side, and why, is printed under the table.
#
# usage: scripts/anchors.sh HWGEN
set -euo pipefail
hwgen=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
out=build/anchors
pin=ebe4db7d2d3c36d10c47683d7689f65f5c4ca3e4
mkdir -p "$out"
repo=${TPE_REPO:-$out/repo}
if ! git -C "$repo" cat-file -e "$pin^{commit}" 2>/dev/null; then
  rm -rf "$out/repo"
  if ! git clone --quiet https://github.com/wqzustc/High-Performance-Tensor-Processing-Engines "$out/repo" 2>"$out/clone.log"; then
    echo "anchors: skipped: the TPE repository is not reachable ($(grep -m1 -i 'fatal\|error' "$out/clone.log" || tail -1 "$out/clone.log")); set TPE_REPO to a clone"
    exit 0
  fi
  repo=$out/repo
fi
src=$out/src
rm -rf "$src" && mkdir -p "$src"
git -C "$repo" archive "$pin" OPT1 OPT2 OPT3_OPT4C | tar -x -C "$src"

# DW02_tree (a Synopsys DesignWare part) has only a translate_off simulation model in the
# repository, which Yosys reads as an empty black box: use our carry-save Wallace tree instead,
# after checking it on Icarus.
dw=$here/anchors/DW02_tree.v
iverilog -g2005 -o "$out/dw02_tree_tb" "$here/anchors/dw02_tree_tb.v" "$dw"
[ "$(vvp -n "$out/dw02_tree_tb" | tail -1)" = ok ] || { echo "anchors: DW02_tree stand-in fails its check"; exit 1; }

# WS OPT1: the repository has the PE but no top; its top is the baseline's top with the partial
# sums carried as {sum, carry} (2 x ACC_WIDTH), exactly as the OPT1 PE's ports are.
ws=$src/OPT1/systolic_array_ws
sed -e 's/{ACC_WIDTH{1'"'"'b0}}/{(2*ACC_WIDTH){1'"'"'b0}}/g' \
    -e 's/\[B_W\*ACC_WIDTH-1  :0\]/[B_W*2*ACC_WIDTH-1:0]/' \
    -e 's/signed \[ACC_WIDTH-1:0\] row/signed [2*ACC_WIDTH-1:0] row/' \
    -e 's/result\[(i+1)\*ACC_WIDTH-1  :i\*ACC_WIDTH\]/result[(i+1)*2*ACC_WIDTH-1:i*2*ACC_WIDTH]/' \
    "$ws/array_mac_based/top.v" > "$ws/array_opt1_based/top.v"
grep -q '2\*ACC_WIDTH-1:0\] row' "$ws/array_opt1_based/top.v" || { echo "anchors: WS OPT1 top rewrite failed"; exit 2; }

# OPT2 (tree): Yosys 0.23 cannot read unpacked-array ports; flatten them (logic unchanged,
# checked below by simulating both versions on Verilator).
mkdir -p "$src/OPT2flat"
for f in partial_product_select top_pe_tile top_tpe tree_full_sum vector_encoder weight_rf; do
  python3 "$here/anchors/flatten_arrays.py" "$src/OPT2/$f.sv" "$src/OPT2flat/$f.v"
done

# 2D-Matrix OPT4C: the repository's top is one column of N PEs with one sparse encoder; four
# columns of four make the 4x4 array.
cat > "$src/OPT3_OPT4C/anchor_matrix2d.v" <<'V'
module anchor_matrix2d (
    input clk, input rst_n, input clr, input [31:0] en_multiplicand, input [15:0] sign_en_multiplicand,
    input [3:0] encode_valid, input [127:0] operand_b, output [7:0] position, output [11:0] cal_cycle,
    output [52*16-1:0] pe_result);
  genvar c;
  generate for (c = 0; c < 4; c = c + 1) begin : col
    top_pe_column #(.N(4), .ACC_WIDTH(26)) u (
      .clk(clk), .rst_n(rst_n), .clr(clr), .en_multiplicand(en_multiplicand[8*c +: 8]),
      .sign_en_multiplicand(sign_en_multiplicand[4*c +: 4]), .encode_valid(encode_valid[c]),
      .operand_b(operand_b[32*c +: 32]), .position(position[2*c +: 2]), .cal_cycle(cal_cycle[3*c +: 3]),
      .pe_result(pe_result[208*c +: 208]));
  end endgenerate
endmodule
V

# The same designs with what they leave out and HWGen's engines have (scripts/anchors/anchor_acc.v):
# lanes x (carry-save? 2 : 1) x W-bit outputs into accumulators.
acc=$here/anchors/anchor_acc.v
wrap() { # module, inner instance (with parameters), ports, result width, lanes, W, CS, DEPTH
  cat <<V
module $1 ($3, input acc_clear, output [$5*$6-1:0] q);
  wire [$4-1:0] r;
  $2;
  genvar l;
  generate for (l = 0; l < $5; l = l + 1) begin : lane
    anchor_acc #(.W($6), .CS($7), .DEPTH($8)) a(.clk(clk), .clear(acc_clear), .d(r[($7+1)*$6*l +: ($7+1)*$6]), .q(q[$6*l +: $6]));
  end endgenerate
endmodule
V
}
wsports="input clk, input rst_n, input weight_wen, input [31:0] weight_din, input [31:0] A"
wsconn=".clk(clk), .rst_n(rst_n), .weight_wen(weight_wen), .weight_din(weight_din), .A(A), .result(r)"
wrap anchor_ws_base_acc "top #(.A_H(4), .B_W(4)) u($wsconn)" "$wsports" 72 4 18 0 10 > "$src/anchor_ws_base_acc.v"
wrap anchor_ws_opt1_acc "top #(.A_H(4), .B_W(4)) u($wsconn)" "$wsports" 144 4 18 1 10 > "$src/anchor_ws_opt1_acc.v"
cubeports="input clk, input rst_n, input [127:0] A, input [127:0] B"
cubeconn=".clk(clk), .rst_n(rst_n), .A(A), .B(B), .result(r)"
wrap anchor_cube_base_acc "top #(.N(4)) u($cubeconn)" "$cubeports" 288 16 18 0 1 > "$src/anchor_cube_base_acc.v"
wrap anchor_cube_opt1_acc "top #(.N(4)) u($cubeconn)" "$cubeports" 576 16 18 1 1 > "$src/anchor_cube_opt1_acc.v"
wrap anchor_tree_opt2_acc "top_tpe #(.N(4)) u(.clk(clk), .operand_a(operand_a), .weight_wen(weight_wen), .weight_din(weight_din), .result(r))" \
  "input clk, input [127:0] operand_a, input weight_wen, input [31:0] weight_din" 80 4 20 0 1 > "$src/anchor_tree_opt2_acc.v"
wrap anchor_matrix2d_opt4c_acc "anchor_matrix2d u(.clk(clk), .rst_n(rst_n), .clr(clr), .en_multiplicand(en_multiplicand), .sign_en_multiplicand(sign_en_multiplicand), .encode_valid(encode_valid), .operand_b(operand_b), .position(position), .cal_cycle(cal_cycle), .pe_result(r))" \
  "input clk, input rst_n, input clr, input [31:0] en_multiplicand, input [15:0] sign_en_multiplicand, input [3:0] encode_valid, input [127:0] operand_b, output [7:0] position, output [11:0] cal_cycle" \
  832 16 26 1 0 > "$src/anchor_matrix2d_opt4c_acc.v"

# The flattened OPT2 must behave as the original: both on Verilator, the same pseudo-random
# weights and activations, every result compared for 300 cycles.
cat > "$src/tb_opt2.v" <<'V'
module tb_opt2;
  reg clk = 0; reg [127:0] a = 0; reg wen = 0; reg [31:0] wd = 0; reg [31:0] x = 32'h1234567;
  wire [79:0] r; integer c, k;
  top_tpe #(.N(4)) dut(.clk(clk), .operand_a(a), .weight_wen(wen), .weight_din(wd), .result(r));
  always #5 clk = ~clk;
  initial begin
    for (c = 0; c < 300; c = c + 1) begin
      @(negedge clk);
      for (k = 0; k < 5; k = k + 1) begin
        x = {x[30:0], x[31] ^ x[21] ^ x[1] ^ x[0]};
        if (k < 4) a[32*k +: 32] = x; else wd = x;
      end
      wen = (c < 16) || (c > 150 && c < 170);
      $display("%0d %h", c, r);
    end
    $finish;
  end
endmodule
V
vl() { # dir, files...
  local d=$1; shift
  verilator --binary -Wno-fatal -Wno-lint -Wno-style --top-module tb_opt2 \
    -Mdir "$d" -o sim "$src/tb_opt2.v" "$@" >"$d.log" 2>&1 || { echo "anchors: verilator failed, see $d.log"; exit 2; }
  "$d/sim" | grep -v '^-' > "$d.out"
}
vl "$out/opt2_orig" -sv $(for f in partial_product_select top_pe_tile top_tpe tree_full_sum vector_encoder weight_rf; do echo "$src/OPT2/$f.sv"; done)
vl "$out/opt2_flat" $(for f in partial_product_select top_pe_tile top_tpe tree_full_sum vector_encoder weight_rf; do echo "$src/OPT2flat/$f.v"; done)
if ! cmp -s "$out/opt2_orig.out" "$out/opt2_flat.out"; then
  echo "anchors: the flattened OPT2 differs from the original in simulation:"; diff "$out/opt2_orig.out" "$out/opt2_flat.out" | head; exit 1
fi
nonzero=$(awk '{print $2}' "$out/opt2_orig.out" | grep -vc '^0*$' || true)
echo "anchors: flattened OPT2 = original on Verilator over $(wc -l < "$out/opt2_orig.out") cycles ($nonzero nonzero results)"

# Our designs at the repository's accumulator widths.
specs=$out/specs
mkdir -p "$specs"
ours() { # design, acc, name
  sed -e "s/acc: s32/acc: $2/" -e "s/^name: .*/name: $3/" "designs/$1.yaml" > "$specs/$3.yaml"
}
ours systolic_os_4x4_s8 s32 os_base_s32
ours systolic_os_4x4_s8_booth s32 os_booth_s32
ours systolic_ws_4x4_s8 s18 ws_base_s18
ours systolic_ws_4x4_s8_booth s18 ws_booth_s18
ours cube_4x4x4_s8 s18 cube_base_s18
ours cube_4x4x4_s8_booth s18 cube_booth_s18
ours tree_4x16_s8 s20 tree_base_s20
ours tree_4x16_s8_booth s20 tree_booth_s20
sed -i 's/stages: 2/stages: 4/' "$specs/tree_booth_s20.yaml"   # our best tree: a register level per 4 rows
ours matrix2d_4x4_s8_bitserial s26 matrix2d_bitserial_s26

syn() { # name, top, files... (params as -p NAME=V before files)
  local name=$1 top=$2; shift 2
  local args=()
  while [ "$1" = -p ]; do args+=(--param "$2"); shift 2; done
  for f in "$@"; do args+=(--rtl "$f"); done
  # Same files, parameters and hwgen binary as a finished run: reuse its report.
  local key; key=$(cat "$@" "$hwgen" | sha256sum | cut -c1-16)-$(echo "$top ${args[*]}" | sha256sum | cut -c1-16)
  if [ -f "$out/$name.json" ] && [ "$(cat "$out/$name.key" 2>/dev/null)" = "$key" ]; then
    echo "anchors: $name unchanged since the last run (report reused)"; return
  fi
  "$hwgen" synth --clock 2 --top "$top" "${args[@]}" --json "$out/$name.json" --work-dir "$out/work/$name" \
    >/dev/null 2>"$out/$name.log" || { echo "anchors: synthesis of $name failed:"; tail -2 "$out/$name.log"; exit 2; }
  echo "$key" > "$out/$name.key"
  echo "anchors: $name synthesized"
}
o1=$src/OPT1
syn tpe_os_base top -p A_H=4 -p B_W=4 "$o1/systolic_array_os/array_mac_based/"*.v
syn tpe_os_opt1 top -p A_H=4 -p B_W=4 "$o1/systolic_array_os/array_opt1_based/"*.v "$dw"
syn tpe_ws_base top -p A_H=4 -p B_W=4 "$ws/array_mac_based/top.v" "$ws/array_mac_based/PE.v"
syn tpe_ws_opt1 top -p A_H=4 -p B_W=4 "$ws/array_opt1_based/"*.v "$dw"
syn tpe_cube_base top -p N=4 "$o1/cube/array_mac_based/"*.v
syn tpe_cube_opt1 top -p N=4 "$o1/cube/array_opt1_based/"*.v "$dw"
syn tpe_tree_opt2 top_tpe -p N=4 "$src/OPT2flat/"*.v "$src/OPT2/get_pipline_mulwidth.v" "$dw"
syn tpe_matrix2d_opt4c anchor_matrix2d "$src/OPT3_OPT4C/anchor_matrix2d.v" "$src/OPT3_OPT4C/array/top_pe_column.v" \
    "$src/OPT3_OPT4C/pe/"{pe,sparse_encoder,encoder_multi_bit,get_pipline_mulwidth}.v "$src/OPT3_OPT4C/pe/get_negedge.sv" "$dw"
syn tpe_ws_base_acc anchor_ws_base_acc "$src/anchor_ws_base_acc.v" "$acc" "$ws/array_mac_based/top.v" "$ws/array_mac_based/PE.v"
syn tpe_ws_opt1_acc anchor_ws_opt1_acc "$src/anchor_ws_opt1_acc.v" "$acc" "$ws/array_opt1_based/"*.v "$dw"
syn tpe_cube_base_acc anchor_cube_base_acc "$src/anchor_cube_base_acc.v" "$acc" "$o1/cube/array_mac_based/"*.v
syn tpe_cube_opt1_acc anchor_cube_opt1_acc "$src/anchor_cube_opt1_acc.v" "$acc" "$o1/cube/array_opt1_based/"*.v "$dw"
syn tpe_tree_opt2_acc anchor_tree_opt2_acc "$src/anchor_tree_opt2_acc.v" "$acc" "$src/OPT2flat/"*.v "$src/OPT2/get_pipline_mulwidth.v" "$dw"
syn tpe_matrix2d_opt4c_acc anchor_matrix2d_opt4c_acc "$src/anchor_matrix2d_opt4c_acc.v" "$acc" "$src/OPT3_OPT4C/anchor_matrix2d.v" \
    "$src/OPT3_OPT4C/array/top_pe_column.v" "$src/OPT3_OPT4C/pe/"{pe,sparse_encoder,encoder_multi_bit,get_pipline_mulwidth}.v \
    "$src/OPT3_OPT4C/pe/get_negedge.sv" "$dw"
"$hwgen" synth --clock 2 "$specs"/*.yaml --json "$out/ours.json" --work-dir "$out/work/ours" >/dev/null 2>"$out/ours.log" \
  || { echo "anchors: synthesis of our designs failed:"; tail -2 "$out/ours.log"; exit 2; }
"$hwgen" golden "$specs/matrix2d_bitserial_s26.yaml" --gemm 64x64x64 --seed 1 > "$out/matrix2d_golden.txt"

python3 "$here/anchors/table.py" "$out"
