import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary
import Templates

/// Parsers on excerpts of real Yosys 0.23 / OpenSTA 2019 output, plus one end-to-end run.
@Suite struct ASICSynthesisTests {
    // Excerpt of `yosys -s` on an 8-bit MAC: synth's own generic stat, then `stat -liberty`.
    static let yosysLog = """
        2.26. Printing statistics.

        === mac8 ===

           Number of wires:                476
           Number of cells:                526
             $_ANDNOT_                     142
             $_SDFF_PP0_                    40
             $_XOR_                        120

        2.27. Executing CHECK pass (checking for obvious problems).
        6. Printing statistics.

        === mac8 ===

           Number of wires:                586
           Number of wire bits:            637
           Number of processes:              0
           Number of cells:                619
             AND2X2                         34
             AOI21X1                        23
             AOI22X1                         1
             BUFX2                           4
             DFFPOSX1                       40
             INVX1                         100
             INVX2                          11
             NAND2X1                       122
             NAND3X1                        18
             NOR2X1                         73
             OAI21X1                       104
             OAI22X1                         2
             OR2X2                           5
             XNOR2X1                        37
             XOR2X1                         45

           Chip area for module '\\mac8': 20128.000000

        7. Executing Verilog backend.
        """

    // Counter with async reset (DFFSR) and a negedge flop (DFFNEGX1).
    static let yosysLogAsync = """
        6. Printing statistics.

        === cnt ===

           Number of cells:                  8
             DFFNEGX1                        1
             DFFSR                           3
             INVX1                           1
             NAND2X1                         1
             XNOR2X1                         1
             XOR2X1                          1

           Chip area for module '\\cnt': 776.000000

        End of script. Logfile hash: b16166174d, CPU: user 0.03s system 0.01s, MEM: 14.37 MB peak
        """

    static let staLog = """
        Startpoint: _1190_ (rising edge-triggered flip-flop clocked by clk)
        Endpoint: _1181_ (rising edge-triggered flip-flop clocked by clk)
        Path Group: clk
        Path Type: max

           Delay     Time   Description
        -----------------------------------------------------------
           0.000    0.000   clock clk (rise edge)
           0.000    0.000 ^ _1190_/CLK (DFFPOSX1)
           0.279    0.279 v _1190_/Q (DFFPOSX1)
           0.057    3.620 ^ _1140_/Y (AOI21X1)
           0.000    3.620 ^ _1181_/D (DFFPOSX1)
                    3.620   data arrival time
        -----------------------------------------------------------
                    6.193   slack (MET)


        worst slack 6.1926
        tns 0.0000
        Saving command history
        """

    @Test func parsesLastYosysStatBlock() throws {
        let s = try ASICSynthesis.parseYosysStat(Self.yosysLog)
        #expect(s.areaUM2 == 20128)
        #expect(s.cells == 619)
        #expect(s.flipFlops == 40)
        #expect(s.cellCounts["NAND2X1"] == 122)
        #expect(s.cellCounts.values.reduce(0, +) == 619)
        #expect(s.cellCounts["$_XOR_"] == nil)
    }

    @Test func countsAllDFFCellKinds() throws {
        let s = try ASICSynthesis.parseYosysStat(Self.yosysLogAsync)
        #expect(s.flipFlops == 4)
        #expect(s.cells == 8)
        #expect(s.areaUM2 == 776)
    }

    @Test func yosysStatWithoutAreaThrows() {
        #expect(throws: HWGenError.self) { try ASICSynthesis.parseYosysStat("   Number of cells: 3\n") }
    }

    @Test func parsesWorstPath() throws {
        let r = try ASICSynthesis.parseSTA(Self.staLog)
        #expect(r == STAResult(worstSlackNS: 6.1926, startpoint: "_1190_", endpoint: "_1181_"))
    }

    @Test func parsesCombinationalAndUnconstrained() throws {
        // Virtual clock on a purely combinational adder; then a design with no timed path.
        let comb = try ASICSynthesis.parseSTA("""
            Startpoint: a[0] (input port clocked by clk)
            Endpoint: s[7] (output port clocked by clk)
            worst slack 8.9833
            tns 0.0000
            """)
        #expect(comb == STAResult(worstSlackNS: 8.9833, startpoint: "a[0]", endpoint: "s[7]"))
        let none = try ASICSynthesis.parseSTA("No paths found.\nworst slack INF\ntns 0.0000\n")
        #expect(none.worstSlackNS == nil && none.startpoint.isEmpty)
    }

    @Test func worstOfSeveralPathGroups() throws {
        // An async reset's recovery check is printed first; the register path is the worst.
        let r = try ASICSynthesis.parseSTA("""
            Startpoint: rst_n (input port clocked by clk)
            Endpoint: _30484_ (recovery check against rising-edge clock clk)
                       2.117   slack (MET)
            Startpoint: _30940_ (rising edge-triggered flip-flop clocked by clk)
            Endpoint: _30965_ (rising edge-triggered flip-flop clocked by clk)
                      -1.829   slack (VIOLATED)
            worst slack -1.8290
            """)
        #expect(r == STAResult(worstSlackNS: -1.829, startpoint: "_30940_", endpoint: "_30965_"))
    }

    @Test func staErrorIsQuoted() {
        let log = "Error: nosuch is not a verilog module.\nError: no network has been linked.\n"
        #expect(throws: HWGenError.badInput("OpenSTA: Error: nosuch is not a verilog module.")) {
            try ASICSynthesis.parseSTA(log)
        }
    }

    @Test func yosysErrorLine() {
        let log = "2.1. Executing HIERARCHY pass (managing design hierarchy).\nERROR: Module `nosuch' not found!\n"
        #expect(ASICSynthesis.firstLine(containing: "ERROR:", in: log) == "ERROR: Module `nosuch' not found!")
    }

    @Test func resolvesRegisterNames() {
        let netlist = "  DFFPOSX1 _1181_ (\n    .CLK(clk),\n    .D(_0023_),\n    .Q(acc[23])\n  );\n"
        #expect(ASICSynthesis.registerName("_1181_", netlist: netlist) == "acc[23] (_1181_)")
        #expect(ASICSynthesis.registerName("a[0]", netlist: netlist) == "a[0]")
    }

    @Test func scriptsRender() {
        let ys = Templates.render(Templates.yosysASIC, [
            "files": [["path": "/w/a.v", "sv": false], ["path": "/w/b.sv", "sv": true]] as [[String: Any]],
            "top": "mac8", "liberty": "/l.lib", "delayPS": "10000", "netlist": "/w/n.v"])
        #expect(ys.contains("read_verilog \"/w/a.v\"\nread_verilog -sv \"/w/b.sv\"\nsynth -flatten -top mac8\n"))
        #expect(ys.contains("map,-D,10000;buffer,-p;upsize,-D,10000;dnsize,-D,10000;stime,-p"))
        #expect(ys.contains("write_verilog -noattr -simple-lhs \"/w/n.v\""))
        let tcl = Templates.render(Templates.openSTA,
                                   ["liberty": "/l.lib", "netlist": "/w/n.v", "top": "mac8", "periodNS": "2.5"])
        #expect(tcl.contains("link_design mac8\n"))
        #expect(tcl.contains("create_clock -name clk -period 2.5 $clk_ports"))
        #expect(tcl.contains("report_worst_slack"))
    }

    @Test func tableAndJSON() throws {
        let r = SynthReport(design: "mac8", liberty: "osu018_stdcells.lib", clockNS: 10, areaUM2: 20128,
                            cells: 619, flipFlops: 40, criticalPathNS: 3.8074, fmaxMHz: 262.65,
                            startpoint: "ra[1] (_1190_)", endpoint: "acc[23] (_1181_)",
                            yosysSeconds: 0.3, staSeconds: 0.05)
        let table = SynthTable.render([r, r])
        let lines = table.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("design area µm² cells FFs crit path ns Fmax MHz"))
        #expect(lines[2] == "mac8    20128.0   619  40        3.807    262.6")
        #expect(Set(lines.map(\.count)).count == 1)
        let json = try #require(String(data: r.jsonData(), encoding: .utf8))
        #expect(json.contains("\"areaUM2\" : 20128"))
        #expect(try JSONDecoder().decode(SynthReport.self, from: r.jsonData()) == r)
    }

    // MARK: end to end

    static let toolsPresent = Tools.which("yosys") != nil && Tools.which("sta") != nil
        && FileManager.default.fileExists(atPath: ASICSynthesis.defaultLiberty)

    /// 8-bit registered MAC: 8 + 8 input flops and a 24-bit accumulator = 40 flip-flops.
    static let mac8 = """
        module mac8 (
            input  wire        clk,
            input  wire        rst,
            input  wire [7:0]  a,
            input  wire [7:0]  b,
            output wire [23:0] acc
        );
            reg [7:0]  ra, rb;
            reg [23:0] r;
            always @(posedge clk) begin
                if (rst) begin
                    ra <= 8'd0; rb <= 8'd0; r <= 24'd0;
                end else begin
                    ra <= a; rb <= b;
                    r  <= r + ra * rb;
                end
            end
            assign acc = r;
        endmodule

        """

    @Test func synthesizesMAC() throws {
        guard Self.toolsPresent else {
            try Requires.skip("yosys/sta/OSU018 not installed (apt-get install -y yosys opensta; "
                            + "apt-get install -y --no-install-recommends qflow-tech-osu018)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-asic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("mac8.v")
        try Self.mac8.write(to: src, atomically: true, encoding: .utf8)
        let r = try ASICSynthesis.run(verilog: [src], top: "mac8", clockNS: 10, workDir: dir.appendingPathComponent("out"))
        print("mac8: \(String(data: try r.jsonData(), encoding: .utf8)!)")
        #expect(r.areaUM2 > 0)
        #expect(r.flipFlops == 40)
        #expect(r.criticalPathNS > 0 && r.criticalPathNS < 10)
        #expect(abs(r.fmaxMHz - 1000 / r.criticalPathNS) < 0.01)
        #expect(r.liberty == "osu018_stdcells.lib")
        #expect(r.endpoint.hasPrefix("acc["))
        for f in ["mac8.ys", "mac8.yosys.log", "mac8.netlist.v", "mac8.sta.tcl", "mac8.sta.log"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/\(f)").path))
        }
    }

    @Test func abcTopoAtOnceMapsOnceWithTopo() throws {
        #expect(try ASICSynthesis.topoAtOnce([:]) == false)
        #expect(try ASICSynthesis.topoAtOnce(["HWGEN_ABC_TOPO": "0"]) == false)
        #expect(try ASICSynthesis.topoAtOnce(["HWGEN_ABC_TOPO": "1"]) == true)
        #expect { _ = try ASICSynthesis.topoAtOnce(["HWGEN_ABC_TOPO": "yes"]) } throws: { e in
            (e as? HWGenError)?.message == "HWGEN_ABC_TOPO: 'yes' is not allowed (allowed: 0, the default: topo only when a first mapping aborts; 1: topo at once)"
        }
        guard Self.toolsPresent else { try Requires.skip("yosys/sta/OSU018 not installed (make setup installs them)") }
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("mac8.v"), json = dir.appendingPathComponent("r.json")
        try Self.mac8.write(to: src, atomically: true, encoding: .utf8)
        let args = ["synth", "--rtl", src.path, "--top", "mac8", "--json", json.path, "--work-dir", dir.appendingPathComponent("w").path]
        let r = try CLITests.hwgen(args, env: ["HWGEN_ABC_TOPO": "1"])
        #expect(r.status == 0, "\(r.combined)")
        let script = try String(contentsOf: dir.appendingPathComponent("w/mac8/mac8.ys"), encoding: .utf8)
        #expect(script.contains("map,-D,10000;topo;buffer,-p"))
        #expect(r.combined.components(separatedBy: "yosys mapping to").count == 2, "one Yosys run: \(r.combined)")
        let page = try JSONDecoder().decode([SynthReport].self, from: Data(contentsOf: json))
        #expect(page.first?.note?.contains("HWGEN_ABC_TOPO=1") == true)
        let bad = try CLITests.hwgen(args, env: ["HWGEN_ABC_TOPO": "yes"])
        #expect(bad.status == 2 && bad.combined.contains("HWGEN_ABC_TOPO: 'yes' is not allowed"), "\(bad.combined)")
    }

    @Test func synthTimeoutIsAPositiveNumberOfSeconds() throws {
        #expect(try ASICSynthesis.timeout([:]) == 3600)
        #expect(try ASICSynthesis.timeout(["HWGEN_SYNTH_TIMEOUT": "14400"]) == 14400)
        #expect(try ASICSynthesis.timeout(["HWGEN_SYNTH_TIMEOUT": "0.5"]) == 0.5)
        for v in ["0", "-5", "4h", "nan", "inf"] {
            #expect { _ = try ASICSynthesis.timeout(["HWGEN_SYNTH_TIMEOUT": v]) } throws: { e in
                (e as? HWGenError)?.message == "HWGEN_SYNTH_TIMEOUT: '\(v)' is not allowed (allowed: a positive number of seconds; the default is 3600)"
            }
        }
        guard Self.toolsPresent else { try Requires.skip("yosys/sta/OSU018 not installed (make setup installs them)") }
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("mac8.v")
        try Self.mac8.write(to: src, atomically: true, encoding: .utf8)
        let bad = try CLITests.hwgen(["synth", "--rtl", src.path, "--top", "mac8", "--work-dir", dir.appendingPathComponent("w").path],
                                     env: ["HWGEN_SYNTH_TIMEOUT": "4h"])
        #expect(bad.status == 2 && bad.combined.contains("HWGEN_SYNTH_TIMEOUT: '4h' is not allowed"), "\(bad.combined)")
    }

    @Test func blackBoxIsAnErrorAndParametersApply() throws {
        guard Self.toolsPresent else { try Requires.skip("yosys/sta/OSU018 not installed (make setup installs them)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-asic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A vendor part whose only model is inside translate_off: Yosys keeps an empty box.
        let src = dir.appendingPathComponent("top.v")
        try """
            module part(input [3:0] a, output [3:0] y);
            // synopsys translate_off
            assign y = ~a;
            // synopsys translate_on
            endmodule
            module top #(parameter W = 2) (input clk, input [3:0] a, output reg [3:0] y, output reg [W-1:0] z);
              wire [3:0] p;
              part u(.a(a), .y(p));
              always @(posedge clk) begin y <= p; z <= a[W-1:0]; end
            endmodule

            """.write(to: src, atomically: true, encoding: .utf8)
        #expect(throws: HWGenError.self) {
            try ASICSynthesis.run(verilog: [src], top: "top", clockNS: 10, workDir: dir.appendingPathComponent("a"))
        }
        do {
            _ = try ASICSynthesis.run(verilog: [src], top: "top", clockNS: 10, workDir: dir.appendingPathComponent("b"))
        } catch let e as HWGenError {
            #expect(e.message.contains("instances of part, which is not a cell of osu018_stdcells.lib"))
        }
        // With the part defined, a parameter override changes the flip-flop count (4 + W).
        let full = dir.appendingPathComponent("full.v")
        try String(contentsOf: src, encoding: .utf8).replacingOccurrences(of: "// synopsys translate_off\n", with: "")
            .replacingOccurrences(of: "// synopsys translate_on\n", with: "").write(to: full, atomically: true, encoding: .utf8)
        let r = try ASICSynthesis.run(verilog: [full], top: "top", clockNS: 10, workDir: dir.appendingPathComponent("c"),
                                      parameters: [("W", 3)])
        #expect(r.flipFlops == 7)
        #expect(ASICSynthesis.libertyCellName("  cell (NAND2X1) {") == "NAND2X1")
        #expect(ASICSynthesis.libertyCellName("  cell_footprint : nand2 ;") == nil)
    }

    @Test func rejectsBadArguments() throws {
        guard Self.toolsPresent else { try Requires.skip("yosys/sta/OSU018 not installed (make setup installs them)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-asic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = [URL(fileURLWithPath: "/nonexistent/x.v")]
        #expect(throws: HWGenError.badInput("Liberty file /nonexistent.lib not found")) {
            try ASICSynthesis.run(verilog: v, top: "x", clockNS: 10, workDir: dir, liberty: "/nonexistent.lib")
        }
        #expect(throws: HWGenError.badInput("invalid top module name 'a b'")) {
            try ASICSynthesis.run(verilog: v, top: "a b", clockNS: 10, workDir: dir)
        }
        #expect(throws: HWGenError.badInput("Verilog file /nonexistent/x.v not found")) {
            try ASICSynthesis.run(verilog: v, top: "x", clockNS: 10, workDir: dir)
        }
    }

    @Test func yosysFailureNamesLog() throws {
        guard Self.toolsPresent else { try Requires.skip("yosys/sta/OSU018 not installed (make setup installs them)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-asic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("bad.v")
        try "module bad(input clk; endmodule\n".write(to: src, atomically: true, encoding: .utf8)
        do {
            _ = try ASICSynthesis.run(verilog: [src], top: "bad", clockNS: 10, workDir: dir)
            Issue.record("expected a Yosys error")
        } catch let e as HWGenError {
            #expect(e.status == .badInput)
            #expect(e.message.contains("ERROR: syntax error"))
            #expect(e.message.contains(dir.appendingPathComponent("bad.yosys.log").path))
        }
    }
}
