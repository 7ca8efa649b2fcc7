import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenLibrary

/// GEMM buffers as memory macros: the OpenRAM figures and their scaling, the macro Liberty, the
/// netlist's macro connections, and a small GEMM engine synthesized and simulated with its macros.
@Suite struct MemoryMacroTests {
    /// The lines of an OpenRAM Liberty the model reads (the shape OpenRAM 1.2.48 writes them in).
    static let openRAMLiberty = """
        cell (sram_16x4){
            area : 1000000.0;
            cell_leakage_power : 0.002;
            bus(din0){
                direction  : input;
                capacitance : 0.0098;
                pin(din0[3:0]){
                timing(){
                    timing_type : setup_rising;
                    related_pin  : "clk0";
                    rise_constraint(CONSTRAINT_TABLE) {
                    values("0.009, 0.009, 0.009",\\
                           "0.009, 0.010, 0.009");
                    }
        pin(clk0){
            internal_power(){
                rise_power(scalar){
                    values("2.300000e+01");
                }
            timing(){
                timing_type :"minimum_period";
                rise_constraint(scalar) {
                    values("6.6");
        bus(dout1){
                cell_rise(CELL_TABLE) {
                values("1.7, 1.72, 1.8",\\
                       "1.7, 1.72, 1.79");
                }
                rise_transition(CELL_TABLE) {
                values("0.006, 0.008, 0.015");
        """

    @Test func openRAMFiguresScaleToOSU018() throws {
        let m = try SRAMMacro.scaled(openRAMLiberty: Self.openRAMLiberty, words: 16, bits: 4)
        #expect(m.areaUM2 == 250_000)                         // × 0.5²
        #expect(abs(m.accessNS - 0.9) < 1e-9)                 // the table's largest, × 0.5
        #expect(abs(m.setupNS - 0.005) < 1e-9 && abs(m.minPeriodNS - 3.3) < 1e-9)
        // 23 mW at 100 MHz = 230 pJ per access at 5 V and λ 0.2 µm; × 0.5 × (1.8 / 5)².
        #expect(abs(m.readPJ - 230 * 0.5 * 0.1296) < 1e-6 && m.writePJ == m.readPJ)
        #expect(abs(m.leakageMW - 0.002 * 0.5 * 0.36) < 1e-9)
        #expect(abs(m.pinCapPF - 0.0049) < 1e-9 && abs(m.outputSlewNS - 0.0075) < 1e-9)
        #expect(throws: HWGenError.self) { try SRAMMacro.scaled(openRAMLiberty: "cell (x) { area : 0; }", words: 16, bits: 4) }
        #expect(throws: HWGenError.self) { try SRAMMacro.model(words: 24, bits: 4) }
    }

    @Test func connectionBitsOfAYosysNetlist() throws {
        let widths = ["w": (msb: 3, lsb: 0)]
        #expect(try GatePower.connectionBits("{ a[1], \\b.c [0], 2'h2 }", widths: widths) == ["a[1]", "\\b.c [0]", "1'b1", "1'b0"])
        #expect(try GatePower.connectionBits("w", widths: widths) == ["w[3]", "w[2]", "w[1]", "w[0]"])
        #expect(try GatePower.connectionBits("x[5:4]", widths: widths) == ["x[5]", "x[4]"])
        #expect(try GatePower.connectionBits("1'h1", widths: widths) == ["1'b1"])
        #expect(try GatePower.connectionBits("_017_", widths: widths) == ["_017_"])
    }

    /// The macro Liberty loads in OpenSTA without an error, and a netlist instantiating the cell links.
    @Test func macroLibertyLoadsInOpenSTA() throws {
        let sta = try Requires.tool("sta", package: "opensta")
        let dir = try CLITests.tempDir()
        let model = try SRAMMacro.scaled(openRAMLiberty: Self.openRAMLiberty, words: 16, bits: 4)
        let lib = dir.appendingPathComponent("m.lib"), net = dir.appendingPathComponent("t.v"), tcl = dir.appendingPathComponent("t.tcl")
        try SRAMMacro.liberty([.init(name: "t_sram_16x4", addressBits: 4, model: model)]).write(to: lib, atomically: true, encoding: .utf8)
        try """
            module t(clk, we, re, a, d, q);
              input clk, we, re;
              input [3:0] a, d;
              output [3:0] q;
              t_sram_16x4 m (.clk(clk), .we(we), .waddr(a), .wdata(d), .re(re), .raddr(a), .rdata(q));
            endmodule

            """.write(to: net, atomically: true, encoding: .utf8)
        try """
            read_liberty "\(lib.path)"
            read_verilog "\(net.path)"
            link_design t
            create_clock -name clk -period 10 [get_ports clk]
            set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]
            set_output_delay 0 -clock clk [all_outputs]
            report_checks -path_delay max -digits 3
            report_power -digits 6
            exit

            """.write(to: tcl, atomically: true, encoding: .utf8)
        let r = try Tools.run(sta, ["-no_splash", "-no_init", tcl.path], in: dir)
        #expect(!r.combined.contains("Error") && !r.combined.contains("Warning"), "\(r.combined)")
        #expect(r.combined.contains("m/rdata[") && r.combined.contains("0.900"), "the clock-to-rdata arc: \(r.combined)")
    }

    static let gemmSpec = """
        name: macro_gemm_os_2x2_s4
        engine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }
        mac:    { a: s4, b: s4, acc: s16, pipeline: 1 }
        gemm:   { a_words: 32, b_words: 32, c_words: 32, double_buffer: false }

        """

    /// A small GEMM engine: synthesized with its six banks as macros (memory area apart, no buffer
    /// flip-flops), simulated at gate level with the macros' bodies (PASS), and every C result
    /// counted as one macro write.
    @Test func gemmEngineSynthesizesAndSimulatesWithMacros() throws {
        _ = try PowerTests.requireLiberty()
        try Requires.tool("yosys", package: "yosys")
        try Requires.tool("sta", package: "opensta")
        try Requires.simulator(.icarus)
        do { _ = try SRAMMacro.openRAMPackage() } catch { try Requires.skip("OpenRAM is not installed (make setup)") }
        let dir = try CLITests.tempDir()
        let path = try CLITests.write(Self.gemmSpec, "macro_gemm_os_2x2_s4.yaml", in: dir)
        let design = try Design.load(path: path)
        let synth = try Flow.synthesize(design, clockNS: 10, workDir: dir)
        let memory = try #require(synth.memory)
        #expect(memory.macros.map(\.count).reduce(0, +) == 6, "\(memory.macros)")   // A, B, C: two banks each
        let expected = memory.macros.reduce(0.0) { $0 + Double($1.count) * $1.model.areaUM2 }
        #expect(abs(memory.memoryAreaUM2 - expected) < 0.01 && abs(synth.areaUM2 - memory.logicAreaUM2 - expected) < 0.01)
        // The buffers hold 2·16·4 + 2·16·4 + 2·16·16 = 768 bits: as flip-flops they alone would be 768.
        #expect(synth.flipFlops < 768, "\(synth.flipFlops) flip-flops")
        let shape = GemmShape(m: 4, k: 6, n: 4)
        let (a, b) = Operands.random(shape: shape, mac: design.spec.mac, seed: 3)
        let p = try GatePower.run(design, synthDir: dir.appendingPathComponent("synth"), ops: GemmOperands(a: a, b: b),
                                  label: "gemm 4x6x4 seed 3", simulator: .icarus, periodNS: 10,
                                  workDir: dir.appendingPathComponent("power"))
        print("macro gemm 2x2: \(synth.memory?.line ?? ""); \(p.lines)")
        #expect(p.netlistCheck.hasPrefix("PASS icarus macro_gemm_os_2x2_s4"), "\(p.netlistCheck)")
        #expect(p.annotatedPercent == 100, "\(p.annotatedPins) of \(p.drivenPins)")
        let m = try #require(p.memory)
        #expect(m.writes == shape.m * shape.n, "C writes \(m.writes)")   // the host wrote A and B before the window
        #expect(m.reads > 0 && m.dynamicMW > 0)
        #expect(abs(m.memoryEnergyNJ + m.logicEnergyNJ - p.energyNJ) < 1e-6 * p.energyNJ)
    }
}
