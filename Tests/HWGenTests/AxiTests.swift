import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// GEMM engines behind AXI (`gemm.interface: axi`): the generated bus-functional testbench on
/// both simulators for every kind of GEMM engine, lint, SLVERR for unmapped and unaligned
/// addresses and byte strobes (a directed testbench), and the register map in the header and in
/// `hwgen emit --docs`.
@Suite struct AxiTests {
    static func spec(_ design: String) throws -> DesignSpec {
        var s = try DesignSpec.load(path: CLITests.repo.appendingPathComponent("designs/\(design).yaml").path)
        s.gemm?.interface = .axi
        s.name += "_axi"
        return s
    }

    @Test(arguments: Simulator.allCases)
    func everyGemmEngineBehindAxiMatchesGolden(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("axi/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        // Both controllers (tiles: OS, tree; stationary: WS, IS), per-column scales, double buffering.
        for design in ["gemm_ws_4x4_s8", "gemm_is_4x4_s8", "gemm_tree_4x16_s8_2of4", "gemm_os_4x4_s8_requant_col", "gemm_os_4x4_s8_db"] {
            let spec = try Self.spec(design)
            let shape = GemmShape(m: Int.random(in: 1...9, using: &g), k: Int.random(in: 1...30, using: &g), n: Int.random(in: 1...9, using: &g))
            let s = g.next()
            let (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: s, sparsity: spec.engine.sparsity)
            var ops = GemmOperands(a: a, b: b)
            if let e = spec.epilogue, e.perColumn {
                ops.columnScales = Operands.randomColumnScales(n: shape.n, sumBits: spec.mac.acc.bits, out: e.out, seed: s)
            }
            let (verdicts, runs) = try Flow.simulate(Design(spec), ops, label: "gemm \(shape) seed \(s)", simulators: [sim]) { print($0) }
            #expect(runs[0].c == Design(spec).golden.c(ops), "\(spec.name) gemm \(shape) seed \(s): C differs")
            #expect(verdicts[0].passed, "\(spec.name) gemm \(shape) seed \(s) on \(sim.rawValue)")
        }
    }

    @Test func headerAndDocsCarryTheRegisterMap() throws {
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try CLITests.hwgen(["emit", "designs/gemm_os_4x4_s8_axi.yaml", "-o", d.path, "--docs", "--no-vectors"])
        #expect(r.status == 0 && r.stdout.contains("gemm_os_4x4_s8_axi.md"), "\(r.combined)")
        let v = try String(contentsOf: d.appendingPathComponent("rtl/gemm_os_4x4_s8_axi.v"), encoding: .utf8)
        let md = try String(contentsOf: d.appendingPathComponent("gemm_os_4x4_s8_axi.md"), encoding: .utf8)
        for r in AxiGemm(core: Design(try DesignSpec.load(path: CLITests.repo.appendingPathComponent("designs/gemm_os_4x4_s8_axi.yaml").path)).harness.gemmEngine!).registers {
            #expect(v.contains("0x\(String(format: "%02X", r.offset))  \(r.name)"), "header lacks \(r.name)")
            #expect(md.contains("| 0x\(String(format: "%02X", r.offset)) | \(r.name) | \(r.access) |"), "docs lack \(r.name)")
        }
        #expect(md.contains("| s_axil_awaddr | in | 8 |") && md.contains("| m_axis_c_tlast | out | 1 |"))
        let lint = try Tools.run("/usr/bin/env", ["verilator", "--lint-only", "-Wall", "--top-module", "gemm_os_4x4_s8_axi"]
                                 + (try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("rtl").path).map { "rtl/\($0)" }), in: d)
        #expect(lint.status == 0 && lint.combined.isEmpty, "\(lint.combined)")
    }

    /// A directed testbench: unmapped and unaligned writes and reads answer SLVERR and change
    /// nothing; WSTRB writes only the bytes it selects; reads return what was written.
    @Test func slaveErrorsAndByteStrobes() throws {
        try Requires.simulator(.icarus)
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        _ = try CLITests.hwgen(["emit", "designs/gemm_os_4x4_s8_axi.yaml", "-o", d.path, "--no-vectors"])
        let tb = #"""
            module tb;
                reg clk = 0, rst = 1;
                reg [7:0] awaddr = 0, araddr = 0;
                reg awvalid = 0, wvalid = 0, bready = 0, arvalid = 0, rready = 0;
                reg [31:0] wdata = 0;
                reg [3:0] wstrb = 0;
                wire awready, wready, bvalid, arready, rvalid, a_tready, b_tready, c_tvalid, c_tlast;
                wire [1:0] bresp, rresp;
                wire [31:0] rdata;
                wire [127:0] c_tdata;
                reg [31:0] word;
                reg [1:0] resp;
                integer errors = 0;
                gemm_os_4x4_s8_axi dut (.clk(clk), .rst(rst), .s_axil_awaddr(awaddr), .s_axil_awvalid(awvalid), .s_axil_awready(awready),
                    .s_axil_wdata(wdata), .s_axil_wstrb(wstrb), .s_axil_wvalid(wvalid), .s_axil_wready(wready), .s_axil_bvalid(bvalid),
                    .s_axil_bresp(bresp), .s_axil_bready(bready), .s_axil_araddr(araddr), .s_axil_arvalid(arvalid), .s_axil_arready(arready),
                    .s_axil_rvalid(rvalid), .s_axil_rdata(rdata), .s_axil_rresp(rresp), .s_axil_rready(rready),
                    .s_axis_a_tdata(32'd0), .s_axis_a_tvalid(1'b0), .s_axis_a_tready(a_tready), .s_axis_b_tdata(32'd0), .s_axis_b_tvalid(1'b0),
                    .s_axis_b_tready(b_tready), .m_axis_c_tdata(c_tdata), .m_axis_c_tvalid(c_tvalid), .m_axis_c_tready(1'b1), .m_axis_c_tlast(c_tlast));
                always #5 clk = ~clk;
                task wr(input [7:0] a, input [31:0] v, input [3:0] s);
                    begin
                        @(negedge clk); awaddr = a; wdata = v; wstrb = s; awvalid = 1; wvalid = 1; #1;
                        while (!(awready && wready)) begin @(negedge clk); #1; end
                        @(negedge clk); awvalid = 0; wvalid = 0; bready = 1; #1;
                        while (!bvalid) begin @(negedge clk); #1; end
                        resp = bresp;
                        @(negedge clk); bready = 0;
                    end
                endtask
                task rd(input [7:0] a);
                    begin
                        @(negedge clk); araddr = a; arvalid = 1; #1;
                        while (!arready) begin @(negedge clk); #1; end
                        @(negedge clk); arvalid = 0; rready = 1; #1;
                        while (!rvalid) begin @(negedge clk); #1; end
                        word = rdata; resp = rresp;
                        @(negedge clk); rready = 0;
                    end
                endtask
                task expect_eq(input [31:0] got, input [31:0] want, input [8*24-1:0] what);
                    if (got !== want) begin errors = errors + 1; $display("WRONG %0s: got %h, want %h", what, got, want); end
                endtask
                initial begin
                    repeat (4) @(negedge clk); rst = 0;
                    wr(8'h08, 32'h0007_0005, 4'hf); expect_eq(resp, 0, "write DIM_MK");
                    rd(8'h08); expect_eq(word, 32'h0007_0005, "read DIM_MK"); expect_eq(resp, 0, "read DIM_MK resp");
                    wr(8'h08, 32'hAABB_CCDD, 4'b0100); rd(8'h08); expect_eq(word, 32'h00BB_0005, "strobed byte 2");
                    wr(8'h3c, 32'h1, 4'hf); expect_eq(resp, 2, "unmapped write SLVERR");
                    wr(8'h09, 32'h1, 4'hf); expect_eq(resp, 2, "unaligned write SLVERR");
                    rd(8'h08); expect_eq(word, 32'h00BB_0005, "unchanged by errors");
                    rd(8'h3c); expect_eq(resp, 2, "unmapped read SLVERR"); expect_eq(word, 0, "unmapped read data");
                    rd(8'h0a); expect_eq(resp, 2, "unaligned read SLVERR");
                    rd(8'h00); expect_eq(resp, 2, "write-only CONTROL read SLVERR");
                    wr(8'h04, 32'h1, 4'hf); expect_eq(resp, 2, "read-only STATUS write SLVERR");
                    rd(8'h04); expect_eq(word, 0, "STATUS idle"); expect_eq(resp, 0, "STATUS resp");
                    if (errors == 0) $display("PASS"); else $display("FAIL");
                    $finish;
                end
            endmodule
            """#
        try tb.write(to: d.appendingPathComponent("tb.v"), atomically: true, encoding: .utf8)
        let rtl = try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("rtl").path).map { "rtl/\($0)" }
        let build = try Tools.run("/usr/bin/env", ["iverilog", "-g2005", "-o", "tb.vvp", "-s", "tb", "tb.v"] + rtl, in: d)
        #expect(build.status == 0, "\(build.combined)")
        let run = try Tools.run("/usr/bin/env", ["vvp", "-n", "tb.vvp"], in: d, timeout: 120)
        #expect(run.stdout.contains("PASS") && !run.stdout.contains("WRONG"), "\(run.combined)")
    }
}
