// Checks scripts/anchors/DW02_tree.v: OUT0 + OUT1 equals the sum of the inputs (Icarus, 2000 random vectors, three shapes).
module dwtb;
  reg [6*18-1:0] in; wire [17:0] s, c; integer i, k; reg [17:0] ref;
  DW02_tree #(6, 18, 1) u(.INPUT(in), .OUT0(s), .OUT1(c));
  reg [3*26-1:0] in3; wire [25:0] s3, c3; reg [25:0] ref3;
  DW02_tree #(3, 26, 1) u3(.INPUT(in3), .OUT0(s3), .OUT1(c3));
  reg [16*13-1:0] in16; wire [12:0] s16, c16; reg [12:0] ref16;
  DW02_tree #(16, 13, 1) u16(.INPUT(in16), .OUT0(s16), .OUT1(c16));
  initial begin
    for (i = 0; i < 2000; i = i + 1) begin
      in = {$random, $random, $random, $random}; in3 = {$random, $random, $random}; in16 = {7{$random}};
      #1;
      ref = 0; for (k = 0; k < 6; k = k + 1) ref = ref + in[k*18 +: 18];
      ref3 = 0; for (k = 0; k < 3; k = k + 1) ref3 = ref3 + in3[k*26 +: 26];
      ref16 = 0; for (k = 0; k < 16; k = k + 1) ref16 = ref16 + in16[k*13 +: 13];
      if (s + c !== ref || s3 + c3 !== ref3 || s16 + c16 !== ref16) begin $display("MISMATCH %0d", i); $finish; end
    end
    $display("ok");
  end
endmodule
