/// One clock cycle of the example: inputs, and the outputs expected after the edge.
struct Step {
    let a: Int, b: Int, first: Bool
    let acc: Int, relu: Int
}

/// A self-checking Icarus Verilog testbench: applies each step with `en` high, compares `acc`
/// and `relu` after the clock edge, and prints `PASS` or one `FAIL` line per mismatch.
func testbench(for module: String, _ steps: [Step]) -> String {
    let calls = steps.map { "        step(\($0.a), \($0.b), \($0.first ? 1 : 0), \($0.acc), \($0.relu));" }
    return """
    `timescale 1ns/1ps
    module tb;
        reg clk = 1'b0, rst = 1'b1, en = 1'b0, first = 1'b0;
        reg signed [7:0] a = 8'sd0, b = 8'sd0;
        wire signed [15:0] acc, relu;
        integer errors = 0;

        \(module) dut (.clk(clk), .rst(rst), .a(a), .b(b), .en(en), .first(first), .acc(acc), .relu(relu));

        always #5 clk = ~clk;

        task step(input signed [7:0] a_v, input signed [7:0] b_v, input first_v,
                  input signed [15:0] acc_v, input signed [15:0] relu_v);
            begin
                a = a_v; b = b_v; first = first_v; en = 1'b1;
                @(posedge clk); #1;
                if (acc !== acc_v || relu !== relu_v) begin
                    $display("FAIL a=%0d b=%0d first=%0d: acc=%0d relu=%0d, expected %0d %0d",
                             a_v, b_v, first_v, acc, relu, acc_v, relu_v);
                    errors = errors + 1;
                end
            end
        endtask

        initial begin
            @(posedge clk); #1 rst = 1'b0;
    \(calls.joined(separator: "\n"))
            if (errors == 0) $display("PASS");
            $finish;
        end
    endmodule

    """
}
