// What HWGen's engines have and the TPE repository's arrays leave out, added to their outputs
// for a like-for-like comparison: the carry-propagate add of a carry-save pair (CS = 1; the pair
// is {hi W bits, lo W bits}) and an accumulator over time. DEPTH = 1: acc <= (clear ? 0 : acc) +
// sum (cube, tree: one output accumulates in place); DEPTH = P: a P-long delay line of partial
// sums (WS: successive outputs of a column are different vectors; HWGen's WS column keeps the
// same P = 2R + C - 2 line); DEPTH = 0: no accumulator, the sum registered (the 2D-Matrix
// accumulates in its PEs already).
module anchor_acc #(parameter integer W = 18, parameter integer CS = 0, parameter integer DEPTH = 1) (
    input clk, input clear, input [(CS + 1) * W - 1:0] d, output [W-1:0] q);
  wire [W-1:0] sum;
  generate
    if (CS != 0) begin : cpa
      assign sum = d[W-1:0] + d[2*W-1:W];
    end else begin : plain
      assign sum = d;
    end
    if (DEPTH == 0) begin : reg_only
      reg [W-1:0] r;
      always @(posedge clk) r <= sum;
      assign q = r;
    end else if (DEPTH == 1) begin : acc
      reg [W-1:0] r;
      always @(posedge clk) r <= (r & {W{~clear}}) + sum;   // the gate form (ABC 0.23 failed on a mux here)
      assign q = r;
    end else begin : line
      reg [DEPTH*W-1:0] l;
      always @(posedge clk) l <= {l[(DEPTH-1)*W-1:0], (l[DEPTH*W-1 -: W] & {W{~clear}}) + sum};
      assign q = l[W-1:0];
    end
  endgenerate
endmodule
