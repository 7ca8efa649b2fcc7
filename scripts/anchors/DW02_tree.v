// A stand-in for Synopsys DesignWare's DW02_tree (the TPE repository instantiates it; its own
// DW02_tree.sv is a simulation model inside `synopsys translate_off`, which Yosys skips, leaving
// an empty black box). Same ports and meaning: OUT0 + OUT1 = the sum of the num_inputs words of
// INPUT, modulo 2^input_width, as a carry-save pair from a Wallace tree of 3:2 full adders with no
// carry-propagate adder, which is what Design Compiler builds for it.
module DW02_tree #(
    parameter integer num_inputs = 8,
    parameter integer input_width = 8,
    parameter integer verif_en = 1
) (
    input  [num_inputs*input_width-1:0] INPUT,
    output [input_width-1:0]            OUT0,
    output [input_width-1:0]            OUT1
);
  localparam integer W = input_width;

  // Rows at level l: every full 3 rows become 2.
  function integer rows_at(input integer l);
    integer n, i;
    begin
      n = num_inputs;
      for (i = 0; i < l; i = i + 1) n = n - n / 3;
      rows_at = n;
    end
  endfunction

  function integer levels(input integer dummy);
    integer n, i;
    begin
      n = num_inputs;
      levels = 0;
      for (i = 0; i < 64; i = i + 1)
        if (n > 2) begin
          n = n - n / 3;
          levels = levels + 1;
        end
    end
  endfunction

  function integer offset(input integer l);
    integer i;
    begin
      offset = 0;
      for (i = 0; i < l; i = i + 1) offset = offset + rows_at(i);
    end
  endfunction

  localparam integer L = levels(0);
  localparam integer TOTAL = offset(L) + rows_at(L);
  wire [W-1:0] r [0:TOTAL-1];

  genvar l, k;
  generate
    for (k = 0; k < num_inputs; k = k + 1) begin : in
      assign r[k] = INPUT[k*W +: W];
    end
    for (l = 0; l < L; l = l + 1) begin : level
      localparam integer N = rows_at(l), G = N / 3, O = offset(l), P = offset(l + 1);
      for (k = 0; k < G; k = k + 1) begin : fa
        wire [W-1:0] x = r[O + 3*k], y = r[O + 3*k + 1], z = r[O + 3*k + 2];
        assign r[P + 2*k] = x ^ y ^ z;
        assign r[P + 2*k + 1] = {(x[W-2:0] & y[W-2:0]) | (x[W-2:0] & z[W-2:0]) | (y[W-2:0] & z[W-2:0]), 1'b0};
      end
      for (k = 3*G; k < N; k = k + 1) begin : pass
        assign r[P + 2*G + k - 3*G] = r[O + k];
      end
    end
  endgenerate
  assign OUT0 = r[offset(L)];
  generate
    if (rows_at(L) > 1) begin : two
      assign OUT1 = r[offset(L) + 1];
    end else begin : one
      assign OUT1 = {W{1'b0}};
    end
  endgenerate
endmodule
