import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenLibrary

/// Liberty models and gate-level power: the reader, the expression translation, OpenSTA's power
/// against a hand computation from the Liberty tables, and the measured flow on a small array.
@Suite struct PowerTests {
    static let liberty = ASICSynthesis.defaultLiberty

    static func requireLiberty() throws -> LibertyLibrary {
        guard FileManager.default.fileExists(atPath: liberty) else {
            try Requires.skip("\(liberty) is missing (apt-get install -y qflow-tech-osu018)")
        }
        return try LibertyLibrary.load(path: liberty)
    }

    @Test func libertyExpressionsBecomeVerilog() throws {
        #expect(try LibertyExpression.verilog("(!((A B)+C))") == "~((A & B) | C)")
        #expect(try LibertyExpression.verilog("(!((S A) + (!S B)))") == "~((S & A) | (~S & B))")
        #expect(try LibertyExpression.verilog("((A^B)^C)") == "((A ^ B) ^ C)")
        #expect(try LibertyExpression.verilog("A' * B | 1") == "((~A & B) | 1'b1)")
        #expect(throws: HWGenError.self) { try LibertyExpression.verilog("A + ") }
        #expect(throws: HWGenError.self) { try LibertyExpression.verilog("A $ B") }
    }

    @Test func readsTheOSU018Cells() throws {
        let lib = try Self.requireLiberty()
        let inv = try #require(lib.cells["INVX1"])
        #expect(inv.area == 16 && inv.leakage == 0.0221741)
        #expect(inv.outputs == ["Y"] && inv.pins.first { $0.name == "A" }?.capacitance == 0.00932456)
        let dff = try #require(lib.cells["DFFSR"])
        #expect(dff.storage == LibertyLibrary.Storage(kind: "ff", state: "P0002", stateNegated: "P0003", data: "D",
                                                      clock: "CLK", clear: "(!R)", preset: "(!S)"))
        #expect(lib.cells["FAX1"]?.outputs == ["YC", "YS"])
        let models = try lib.verilogModels(["DFFSR", "MUX2X1"])
        #expect(models.contains("always @(posedge CLK or negedge R or negedge S) if (~R) P0002 <= 1'b0; else if (~S) P0002 <= 1'b1; else P0002 <= D;"), "\(models)")
        #expect(models.contains("assign Y = ~((S & A) | (~S & B));"))
        #expect(throws: HWGenError.self) { try lib.verilogModels(["NOSUCHCELL"]) }
    }

    /// The cell models against the library's own Verilog models (UDPs, Icarus only) on every input
    /// combination of every combinational cell.
    @Test func modelsMatchTheLibrarysVerilogOnIcarus() throws {
        let lib = try Self.requireLiberty()
        try Requires.simulator(.icarus)
        let shipped = "/usr/share/qflow/tech/osu018/osu018_stdcells.v"
        guard FileManager.default.fileExists(atPath: shipped) else { try Requires.skip("\(shipped) is missing") }
        let comb = lib.cells.values.filter { $0.storage == nil && $0.pins.allSatisfy { $0.threeState == nil } }
            .sorted { $0.name < $1.name }
        var tb = "module tb;\n", checks = ""
        for c in comb {
            let ins = c.pins.filter { $0.direction == "input" }.map(\.name)
            let outs = c.outputs
            tb += "  reg [\(ins.count - 1):0] in_\(c.name);\n"
            for o in outs { tb += "  wire ours_\(c.name)_\(o), lib_\(c.name)_\(o);\n" }
            let conn = { (prefix: String) in
                (ins.enumerated().map { ".\($0.element)(in_\(c.name)[\($0.offset)])" }
                 + outs.map { ".\($0)(\(prefix)_\(c.name)_\($0))" }).joined(separator: ", ")
            }
            tb += "  ours_\(c.name) u_\(c.name) (\(conn("ours")));\n  \(c.name) l_\(c.name) (\(conn("lib")));\n"
            checks += "    for (i = 0; i < \(1 << ins.count); i = i + 1) begin in_\(c.name) = i; #1;\n"
            for o in outs {
                checks += "      if (ours_\(c.name)_\(o) !== lib_\(c.name)_\(o)) begin $display(\"DIFF \(c.name).\(o) %b\", in_\(c.name)); bad = bad + 1; end\n"
            }
            checks += "    end\n"
        }
        tb += "  integer i, bad;\n  initial begin\n    bad = 0;\n" + checks
            + "    $display(\"CHECKED bad=%0d\", bad);\n  end\nendmodule\n"
        let dir = try CLITests.tempDir()
        let ours = try lib.verilogModels(comb.map(\.name)).replacingOccurrences(of: "module ", with: "module ours_")
        try ours.write(to: dir.appendingPathComponent("ours.v"), atomically: true, encoding: .utf8)
        try tb.write(to: dir.appendingPathComponent("tb.v"), atomically: true, encoding: .utf8)
        let c = try Tools.run(try Tools.find("iverilog", package: "iverilog"),
                              ["-g2005", "-o", "sim.vvp", "tb.v", "ours.v", shipped], in: dir, timeout: 120)
        #expect(c.status == 0, "\(c.combined)")
        let r = try Tools.run(try Tools.find("vvp", package: "iverilog"), ["-n", "sim.vvp"], in: dir, timeout: 120)
        #expect(r.combined.contains("CHECKED bad=0"), "\(r.combined)")
        #expect(comb.count >= 25)
    }

    /// One inverter and one flip-flop at a known activity: OpenSTA's power equals the value worked
    /// out by hand from the Liberty tables with the formulas this OpenSTA (2019) applies.
    ///
    /// Switching is ½·C·V²·D (D = activity / period, transitions per second) and leakage the cell's
    /// `cell_leakage_power`, as everywhere. Internal power is where this OpenSTA differs from the
    /// per-transition convention (rise and fall each happen D/2 times a second, so
    /// D·(E_rise + E_fall)/2, which OpenSTA ≥ 2.3 computes): for an arc it adds the rise and the fall
    /// energy, each weighted by a "duty" of 1 for a one-input cell or a clock-related arc and ½ for
    /// a passive input pin, and multiplies by D — twice the convention for the inverter, the clock
    /// pin and Q, the convention for D. The README states this.
    @Test func oneInverterAndOneFlipFlopMatchTheLibertyTablesByHand() throws {
        _ = try Self.requireLiberty()
        let sta = try Requires.tool("sta", package: "opensta")
        let dir = try CLITests.tempDir()
        let netlist = """
            module one(clk, a, d, y, q);
              input clk;
              input a;
              input d;
              output y;
              output q;
              INVX1 u_inv (.A(a), .Y(y));
              DFFPOSX1 u_ff (.CLK(clk), .D(d), .Q(q));
            endmodule

            """
        try netlist.write(to: dir.appendingPathComponent("one.v"), atomically: true, encoding: .utf8)
        let (period, act) = (10.0, 0.5)   // ns; transitions per clock period on a, y, d and q
        let a = GatePower.Activity(activity: act, duty: 0.5)
        let tcl = GatePower.powerScript(
            liberty: Self.liberty, netlist: dir.appendingPathComponent("one.v").path, top: "one", periodNS: period,
            ports: [("a", a), ("d", a)], pins: [("u_inv/Y", a), ("u_ff/Q", a)],
            setup: ["set_input_transition 0.18 [get_ports a]", "set_input_transition 0.24 [get_ports d]",
                    "set_load 0.025 [get_ports {y q}]"])
        try tcl.write(to: dir.appendingPathComponent("p.tcl"), atomically: true, encoding: .utf8)
        let r = try Tools.run(sta, ["-no_splash", "-no_init", "p.tcl"], in: dir, timeout: 120)
        let p = try GatePower.parsePower(r.combined)
        #expect(p.annotated == 4)

        let v = 1.8, density = act / (period * 1e-9), clock = 2 / (period * 1e-9)
        // Linear extrapolation of a table's first two points to slew 0 (the ideal clock's).
        func at0(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Double { y0 - (y1 - y0) / (x1 - x0) * x0 }
        // INVX1 A→Y at load 0.025 pF, slew 0.18 ns: rise_power 0.02752, fall_power 0.006332 pJ.
        let inv = (0.02752 + 0.006332) * 1e-12 * density
        // DFFPOSX1 CLK (passive, slew 0): rise 0.006865 / 0.006943 at 0.06 / 0.24, fall 0.11034 / 0.129769.
        let clk = (at0(0.06, 0.006865, 0.24, 0.006943) + at0(0.06, 0.11034, 0.24, 0.129769)) * 1e-12 * clock
        // Q (related CLK) at 0.025 pF, clock slew 0: rise 0.04099 / 0.061849, fall 0.060938 / 0.076343.
        let q = (at0(0.06, 0.04099, 0.24, 0.061849) + at0(0.06, 0.060938, 0.24, 0.076343)) * 1e-12 * density
        // D (passive) at slew 0.24, between 0.18 and 0.42: rise 0.045977 / 0.055651, fall 0.087952 / 0.097074.
        let d = 0.5 * ((0.045977 + 0.25 * (0.055651 - 0.045977)) + (0.087952 + 0.25 * (0.097074 - 0.087952))) * 1e-12 * density
        let internalW = inv + clk + q + d
        let switching = 2 * 0.5 * 0.025e-12 * v * v * density       // y and q, 0.025 pF each (no wire load)
        let leakage = (0.0221741 + 0.160725) * 1e-9
        func close(_ got: Double, _ want: Double) -> Bool { abs(got - want) <= 0.01 * want }
        #expect(close(p.internalW, internalW), "internal \(p.internalW) W, by hand \(internalW) W")
        #expect(close(p.switchingW, switching), "switching \(p.switchingW) W, by hand \(switching) W")
        #expect(close(p.leakageW, leakage), "leakage \(p.leakageW) W, by hand \(leakage) W")
        #expect(close(p.totalW, internalW + switching + leakage))
    }

    static let smallSpec = """
        name: power_os_2x2_s4
        engine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }
        mac:    { a: s4, b: s4, acc: s16, kind: baseline, pipeline: 1 }

        """

    /// Synthesizes a 2×2 array once; returns the design and its synthesis directory.
    static func synthesizedSmallArray() throws -> (Design, URL) {
        _ = try requireLiberty()
        try Requires.tool("yosys", package: "yosys")
        try Requires.tool("sta", package: "opensta")
        try Requires.simulator(.verilator)
        let dir = try CLITests.tempDir()
        let path = try CLITests.write(smallSpec, "power_os_2x2_s4.yaml", in: dir)
        let design = try Design.load(path: path)
        _ = try Flow.synthesize(design, clockNS: 10, workDir: dir)
        return (design, dir)
    }

    /// (b) zero operands against random ones; (c) the same activity at twice the period; the
    /// annotation is complete and the netlist's results equal the golden model's.
    @Test func zeroOperandsDoubledPeriodAndCompleteAnnotation() throws {
        let (design, dir) = try Self.synthesizedSmallArray()
        let synth = dir.appendingPathComponent("synth")
        let shape = GemmShape(m: 6, k: 12, n: 6)
        let (a, b) = Operands.random(shape: shape, mac: design.spec.mac, seed: 5)
        let random = GemmOperands(a: a, b: b)
        let zero = GemmOperands(a: IntMatrix(rows: 6, cols: 12, data: Array(repeating: 0, count: 72)),
                                b: IntMatrix(rows: 12, cols: 6, data: Array(repeating: 0, count: 72)))
        let pr = try GatePower.run(design, synthDir: synth, ops: random, label: "gemm 6x12x6 seed 5", simulator: .verilator,
                                   periodNS: 10, workDir: dir.appendingPathComponent("p-random"))
        let pz = try GatePower.run(design, synthDir: synth, ops: zero, label: "zeros", simulator: .verilator,
                                   periodNS: 10, workDir: dir.appendingPathComponent("p-zero"))
        let p2 = try GatePower.run(design, synthDir: synth, ops: random, label: "gemm 6x12x6 seed 5", simulator: .verilator,
                                   periodNS: 20, workDir: dir.appendingPathComponent("p-slow"))
        print("power 2x2: random \(pr.lines), zero \(pz.lines), 20 ns \(p2.lines)")
        #expect(pr.annotatedPercent == 100 && pr.annotatedPins == pr.drivenPins && pr.drivenPins > 100)
        #expect(pr.netlistCheck.hasPrefix("PASS verilator power_os_2x2_s4"), "\(pr.netlistCheck)")
        #expect(pr.cycles == design.golden.cycles(shape))
        #expect(pr.dynamicMW >= 1.5 * pz.dynamicMW, "random \(pr.dynamicMW) mW, zeros \(pz.dynamicMW) mW")
        #expect(abs(p2.dynamicMW - pr.dynamicMW / 2) <= 0.01 * pr.dynamicMW / 2, "10 ns \(pr.dynamicMW) mW, 20 ns \(p2.dynamicMW) mW")
        #expect(abs(p2.leakageMW - pr.leakageMW) < 1e-12)
        #expect(abs(pr.energyNJ - pr.totalMW * Double(pr.cycles) * 10 / 1000) < 1e-9)
        #expect(abs(pr.pjPerMAC * Double(6 * 12 * 6) - pr.energyNJ * 1000) < 1e-6)
        #expect(abs(pr.topsPerW - 2 / pr.pjPerMAC) < 1e-9)
        // The replay (ports recorded from the RTL, the netlist evaluated in HWGen) sees the same
        // activity as the Verilog simulation of the netlist, so the same power to the last digit.
        let rep = try GatePower.run(design, synthDir: synth, ops: random, label: "gemm 6x12x6 seed 5", simulator: .verilator,
                                    replay: true, periodNS: 10, workDir: dir.appendingPathComponent("p-replay"))
        #expect(rep.netlistCheck.hasPrefix("PASS replay power_os_2x2_s4"), "\(rep.netlistCheck)")
        #expect(rep.internalMW == pr.internalMW && rep.switchingMW == pr.switchingMW && rep.totalMW == pr.totalMW,
                "replay \(rep.lines), simulation \(pr.lines)")
        #expect(rep.annotatedPercent == 100 && rep.cycles == pr.cycles)
    }

    /// A netlist that computes something else fails the post-synthesis check (exit 1), here on Icarus.
    @Test func aWrongNetlistIsAMismatch() throws {
        try Requires.simulator(.icarus)
        let (design, dir) = try Self.synthesizedSmallArray()
        let synth = dir.appendingPathComponent("synth")
        let netlist = synth.appendingPathComponent("power_os_2x2_s4.netlist.v")
        var text = try String(contentsOf: netlist, encoding: .utf8)
        // Every XOR becomes an XNOR: the adders now compute something else.
        text = text.replacingOccurrences(of: "  XOR2X1 ", with: "  XNOR2X1 ")
        try text.write(to: netlist, atomically: true, encoding: .utf8)
        let (a, b) = Operands.random(shape: GemmShape(m: 4, k: 6, n: 4), mac: design.spec.mac, seed: 2)
        #expect {
            _ = try GatePower.run(design, synthDir: synth, ops: GemmOperands(a: a, b: b), label: "gemm 4x6x4 seed 2",
                                  simulator: .icarus, periodNS: 10, workDir: dir.appendingPathComponent("p"))
        } throws: { e in
            guard let e = e as? HWGenError else { return false }
            return e.status == .mismatch && e.message.contains("the synthesized netlist differs from the golden model")
        }
        // The replay finds it too, naming the first edge and output bit that differ from the RTL.
        try Requires.simulator(.verilator)
        #expect {
            _ = try GatePower.run(design, synthDir: synth, ops: GemmOperands(a: a, b: b), label: "gemm 4x6x4 seed 2",
                                  simulator: .verilator, replay: true, periodNS: 10, workDir: dir.appendingPathComponent("r"))
        } throws: { e in
            guard let e = e as? HWGenError else { return false }
            return e.status == .mismatch && e.message.contains("the synthesized netlist differs from the RTL at falling edge")
        }
    }

    /// `hwgen synth --power` and `hwgen report --power` end to end: the printed breakdown, the JSON
    /// fields under `synthesis.power`, the page's energy rows.
    @Test func synthAndReportPrintPowerAndEnergy() throws {
        _ = try Self.requireLiberty()
        try Requires.tool("yosys", package: "yosys")
        try Requires.tool("sta", package: "opensta")
        try Requires.simulator(.verilator)
        let dir = try CLITests.tempDir()
        let spec = try CLITests.write(Self.smallSpec, "power_os_2x2_s4.yaml", in: dir)
        let json = dir.appendingPathComponent("s.json").path
        let r = try CLITests.hwgen(["synth", spec, "--power", "--gemm", "4x6x4", "--seed", "3", "--json", json,
                                    "--work-dir", dir.appendingPathComponent("w").path])
        #expect(r.status == 0, "\(r.combined)")
        #expect(r.stdout.contains("  power at 10 ns: internal ") && r.stdout.contains(" pJ/MAC, ")
                && r.stdout.contains("driven pins annotated (100.0 %)"), "\(r.stdout)")
        #expect(r.stderr.contains("power power_os_2x2_s4: PASS verilator power_os_2x2_s4 gemm 4x6x4 seed 3, gate-level netlist"), "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]]
        let power = try #require(obj?.first?["power"] as? [String: Any])
        for key in ["internalMW", "switchingMW", "leakageMW", "totalMW", "energyNJ", "pjPerMAC", "topsPerW", "annotatedPercent", "cycles", "activity"] {
            #expect(power[key] != nil, "synthesis.power.\(key) missing")
        }
        #expect(power["annotatedPercent"] as? Double == 100)
        let page = try CLITests.hwgen(["report", spec, "--no-sim", "--power", "--gemm", "4x6x4", "--work-dir", dir.appendingPathComponent("r").path])
        #expect(page.status == 0, "\(page.combined)")
        #expect(page.stdout.contains("| power at 10.0 ns | ") && page.stdout.contains("| energy on 4x6x4 | ")
                && page.stdout.contains("| gate-level check | PASS verilator"), "\(page.stdout)")
    }

    @Test func badPowerRequestsAreExit2() throws {
        let generic = try CLITests.hwgen(["synth", "designs/systolic_os_4x4_s8.yaml", "--target", "generic", "--power", "--gemm", "4x4x4"])
        #expect(generic.status == 2 && generic.stderr.contains("--power: target generic has no Liberty power tables (allowed: --target osu018)"), "\(generic.stderr)")
        let noOps = try CLITests.hwgen(["synth", "designs/systolic_os_4x4_s8.yaml", "--power"])
        #expect(noOps.status == 2 && noOps.stderr.contains("--power: no operands to simulate (give --gemm MxKxN [--seed S] or --a A.npy --b B.npy)"), "\(noOps.stderr)")
        let badSim = try CLITests.hwgen(["synth", "designs/systolic_os_4x4_s8.yaml", "--power", "--gemm", "4x4x4", "--simulator", "xcelium"])
        #expect(badSim.status == 2 && badSim.stderr.contains("--simulator: 'xcelium' is not a simulator (allowed: verilator, icarus, replay)"), "\(badSim.stderr)")
        let rtl = try CLITests.hwgen(["synth", "--rtl", "x.v", "--top", "x", "--power"])
        #expect(rtl.status == 2 && rtl.stderr.contains("--power: needs a spec"), "\(rtl.stderr)")
        let reportGeneric = try CLITests.hwgen(["report", "designs/systolic_os_4x4_s8.yaml", "--power", "--target", "ice40"])
        #expect(reportGeneric.status == 2 && reportGeneric.stderr.contains("--power: target ice40 has no Liberty power tables"), "\(reportGeneric.stderr)")
        let noPower = try CLITests.hwgen(["synth", "designs/systolic_os_4x4_s8.yaml", "--simulator", "icarus"])
        #expect(noPower.status == 2 && noPower.stderr.contains("--simulator: only with --power"), "\(noPower.stderr)")
    }

    @Test func axiDesignsAreRefusedClearly() throws {
        let design = try Design.load(path: CLITests.repo.appendingPathComponent("designs/gemm_os_4x4_s8_axi.yaml").path)
        let (a, b) = Operands.random(shape: GemmShape(m: 4, k: 4, n: 4), mac: design.spec.mac, seed: 1)
        #expect {
            _ = try GatePower.run(design, synthDir: URL(fileURLWithPath: "/nonexistent"), ops: GemmOperands(a: a, b: b),
                                  label: "x", simulator: .icarus, periodNS: 10, workDir: try CLITests.tempDir())
        } throws: { e in
            (e as? HWGenError)?.status == .badInput && "\(e)".contains("sits behind AXI")
        }
    }

    @Test func netlistScanFindsPortsAndDrivenPins() throws {
        let lib = try Self.requireLiberty()
        let text = """
            module t(clk, a, y);
              input clk;
              input [2:0] a;
              output y;
              wire \\x.y ;
              NAND2X1 _1_ (
                .A(a[0]),
                .B(a[1]),
                .Y(\\x.y )
              );
              FAX1 _2_ (
                .A(a[2]),
                .B(\\x.y ),
                .C(a[0]),
                .YC(y),
                .YS()
              );
            endmodule
            """
        let s = try GatePower.scan(netlist: text, library: lib)
        #expect(s.top == "t" && s.inputs == ["a[0]", "a[1]", "a[2]"])
        #expect(s.driven == [GatePower.DrivenPin(instance: "_1_", pin: "Y", net: "\\x.y"),
                             GatePower.DrivenPin(instance: "_2_", pin: "YC", net: "y")])
        #expect(GatePower.monitoredNets(s) == ["a[0]", "a[1]", "a[2]", "\\x.y", "y"])
        #expect(GatePower.monitor(nets: ["\\x.y"], on: "tb.hwgen_on", cycles: 3).contains("assign hwgen_net[0] = \\x.y ;"))
        let flat = try GatePower.flatten(netlist: text, library: lib, extra: "// monitor\n")
        #expect(flat.contains("    assign \\x.y = ~((a[0] ) & (a[1] ));"), "\(flat)")
        #expect(flat.contains("    assign y = ((((a[2] ) & (\\x.y )) | ((\\x.y ) & (a[0] ))) | ((a[0] ) & (a[2] )));"), "\(flat)")
        #expect(!flat.contains("NAND2X1") && flat.contains("// monitor\n\nendmodule"), "\(flat)")
    }

    /// The replay's evaluation by hand: a NAND into a flip-flop, three recorded edges.
    @Test func replayEvaluatesCellsAndFlipFlops() throws {
        let lib = try Self.requireLiberty()
        let text = """
            module t(clk, rst, a, y);
              input clk;
              input rst;
              input [1:0] a;
              output y;
              wire _1_;
              NAND2X1 _2_ (
                .A(a[0]),
                .B(a[1]),
                .Y(_1_)
              );
              DFFPOSX1 _3_ (
                .CLK(clk),
                .D(_1_),
                .Q(y)
              );
            endmodule
            """
        let c = try NetlistReplay.compile(netlist: text, library: lib)
        #expect(c.inputs == ["rst", "a[0]", "a[1]"] && c.outputs == ["y"] && c.flops.count == 1)
        // Inputs rst, a[0], a[1]: NAND = 0, 1, 1; y (the flop) = 0, 0, 1.
        let r = try NetlistReplay.run(c, record: "1 011 0\n1 001 0\n1 000 1\n", nets: ["_1_", "y"], cycles: 3)
        #expect(r.window == 3 && r.compared == 3)
        #expect(r.counts.map(\.toggles) == [1, 1] && r.counts.map(\.high) == [2, 1])
        #expect {
            _ = try NetlistReplay.run(c, record: "1 011 0\n1 001 0\n1 000 0\n", nets: ["y"], cycles: 3)
        } throws: { e in
            (e as? HWGenError)?.status == .mismatch && "\(e)".contains("falling edge 2: output y is 1, the RTL's 0")
        }
        #expect(NetlistReplay.recorder(inputs: ["rst", "a[0]"], outputs: ["y"], on: "tb.hwgen_on")
            .contains("$fdisplay(hwgen_replay_fd, \"%b %b %b\", tb.hwgen_on, {rst, a[0]}, {y});"))
    }
}
