import Foundation
import SnapshotTesting
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

private let s8 = MACTypes(a: .s(8), b: .s(8), acc: .s(32))
private let s4 = MACTypes(a: .s(4), b: .s(4), acc: .s(12))
private let u8s8 = MACTypes(a: .u(8), b: .s(8), acc: .s(32))

/// The file of `m` itself (the last one: children come first).
private func topFile(_ m: Module) throws -> VerilogFile {
    try #require(try Verilog.emit(m).last)
}

// MARK: - Snapshots (recorded once under __Snapshots__/EmitTests; review diffs like code)

@Suite struct EmitSnapshotTests {
    @Test func macS8xS8toS32() throws {
        assertSnapshot(of: try topFile(MACUnit(MACConfig(s8)).module).text, as: .lines)
    }

    @Test func macU8xS8toS24() throws {
        assertSnapshot(of: try topFile(MACUnit(MACConfig(MACTypes(a: .u(8), b: .s(8), acc: .s(24)))).module).text, as: .lines)
    }

    @Test func boothMACs4xS4Pipelined() throws {
        let s4 = MACTypes(a: .s(4), b: .s(4), acc: .s(12))
        assertSnapshot(of: try topFile(MACUnit(MACConfig(s4, kind: .booth, pipeline: 1)).module).text, as: .lines)
    }

    @Test func bitserialMACs4xS4() throws {
        let s4 = MACTypes(a: .s(4), b: .s(4), acc: .s(12))
        assertSnapshot(of: try topFile(MACUnit(MACConfig(s4, kind: .bitserial)).module).text, as: .lines)
    }

    /// The array's entry side for a two-digit bit-serial MAC: phase counter, operand serializers.
    @Test func bitserialSystolicOS2x2s4Top() throws {
        let s4 = MACTypes(a: .s(4), b: .s(4), acc: .s(12))
        let top = OutputStationaryArray(rows: 2, cols: 2, mac: MACConfig(s4, kind: .bitserial, pipeline: 1))
            .module(name: "systolic_os_2x2_s4_bitserial", origin: "designs/test.yaml")
        assertSnapshot(of: try #require(try Verilog.emit(top).last).text, as: .lines)
    }

    @Test func ternaryShiftAddMAC() throws {
        let t = MACTypes(a: .s(8), weights: .ternary, acc: .s(16))
        assertSnapshot(of: try topFile(MACUnit(MACConfig(t, kind: .shiftadd)).module).text, as: .lines)
    }

    @Test func p3ShiftAddSaturatingMAC() throws {
        let t = MACTypes(a: .s(4), weights: .powerOfTwo(bits: 3), acc: .s(10), saturating: true)
        assertSnapshot(of: try topFile(MACUnit(MACConfig(t, kind: .shiftadd, pipeline: 1)).module).text, as: .lines)
    }

    @Test func groupDequantizingMAC() throws {
        let t = MACTypes(a: .s(4), b: .s(4), acc: .s(16))
        assertSnapshot(of: try topFile(MACUnit(MACConfig(t, kind: .baseline, pipeline: 0, group: 4)).module).text, as: .lines)
    }

    @Test func epilogueHalfEvenReLU() throws {
        let e = Epilogue(multiplier: 1_518_500_250, shift: 38, zeroPoint: -3, rounding: .halfEven, out: .s(8), relu: true)
        assertSnapshot(of: try topFile(EpilogueUnit(e, input: .s(24)).module).text, as: .lines)
    }

    @Test func epiloguePerColumnHalfAway() throws {
        let e = Epilogue(perColumn: true, rounding: .halfAway, out: .u(8))
        assertSnapshot(of: try topFile(EpilogueUnit(e, input: .s(12)).module).text, as: .lines)
    }

    @Test func splitBaselineMACs8() throws {
        assertSnapshot(of: try topFile(MACUnit(MACConfig(s8, pipeline: 2)).module).text, as: .lines)
    }

    @Test func outputStationaryPEs8() throws {
        assertSnapshot(of: try topFile(OutputStationaryArray(rows: 2, cols: 2, mac: s8).pe).text, as: .lines)
    }

    @Test func systolicOS2x2s8Top() throws {
        let top = OutputStationaryArray(rows: 2, cols: 2, mac: s8).module(name: "systolic_os_2x2_s8", origin: "designs/test.yaml")
        let files = try Verilog.emit(top)
        #expect(files.map(\.name) == ["mac_baseline_p0_s8_s8_s32.v", "pe_os_baseline_p0_s8_s8_s32.v", "systolic_os_2x2_s8.v"])
        assertSnapshot(of: try #require(files.last).text, as: .lines)
    }
}

// MARK: - Determinism

@Suite struct EmitDeterminismTests {
    @Test func emittingTwiceGivesIdenticalText() throws {
        func build() -> Module { OutputStationaryArray(rows: 3, cols: 2, mac: s8).module(name: "os_3x2_s8", origin: "designs/x.yaml") }
        let top = build()
        #expect(try Verilog.emit(top) == Verilog.emit(top))        // the same IR
        #expect(try Verilog.emit(top) == Verilog.emit(build()))    // the IR built again
    }

    @Test func emitRefusesModulesThatFailTheChecks() {
        let bad = Module("bad") { m in _ = m.output("y", .u(8)) }
        #expect(throws: HWGenError.self) { try Verilog.emit(bad) }
    }
}

// MARK: - External tools

/// Runs the installed EDA tools on emitted files in a temporary directory. A tool that is not
/// installed is skipped with a printed reason.
private final class Workdir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-emit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes every file and returns their paths, children first.
    func write(_ files: [VerilogFile]) throws -> [String] { try files.map { try write($0.name, $0.text) } }

    /// Path of `tool`, or nil after printing why the check is skipped.
    /// `verilator --lint-only -Wall`: must exit 0 and print nothing.
    func expectVerilatorClean(_ paths: [String], top: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let verilator = try Requires.tool("verilator", package: "verilator")
        let r = try Tools.run(verilator, ["--lint-only", "-Wall", "--top-module", top] + paths, in: url, timeout: 120)
        #expect(r.status == 0 && r.combined.isEmpty, "verilator -Wall:\n\(r.combined)", sourceLocation: sourceLocation)
    }

    /// `iverilog -g2005`: must compile without a message.
    func expectIcarusClean(_ paths: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let iverilog = try Requires.tool("iverilog", package: "iverilog")
        let r = try Tools.run(iverilog, ["-g2005", "-Wall", "-o", url.appendingPathComponent("lint.vvp").path] + paths,
                              in: url, timeout: 120)
        #expect(r.status == 0 && r.combined.isEmpty, "iverilog -g2005:\n\(r.combined)", sourceLocation: sourceLocation)
    }

    /// `yosys read_verilog; synth -top`: must succeed without warnings.
    func expectYosysClean(_ paths: [String], top: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let yosys = try Requires.tool("yosys", package: "yosys")
        let script = "read_verilog \(paths.joined(separator: " ")); synth -top \(top)"
        let r = try Tools.run(yosys, ["-q", "-p", script], in: url, timeout: 300)
        #expect(r.status == 0 && !r.combined.contains("Warning") && !r.combined.contains("ERROR"),
                "yosys:\n\(r.combined)", sourceLocation: sourceLocation)
    }

    /// Compiles `testbench` (top module `tb`) with `paths` in Icarus and runs it (the test is
    /// skipped when iverilog/vvp are not installed).
    func simulate(_ paths: [String], testbench: String) throws -> String {
        let iverilog = try Requires.tool("iverilog", package: "iverilog"), vvp = try Requires.tool("vvp", package: "iverilog")
        let tb = try write("tb.v", testbench)
        let sim = url.appendingPathComponent("sim.vvp").path
        let c = try Tools.run(iverilog, ["-g2005", "-o", sim, "-s", "tb", tb] + paths, in: url, timeout: 120)
        guard c.status == 0 else { return "FAIL: iverilog could not compile the testbench:\n\(c.combined)" }
        return try Tools.run(vvp, ["-n", sim], in: url, timeout: 120).combined
    }
}

@Suite struct EmitToolTests {
    /// Every file of a 3×2 array, for every MAC kind and pipeline depth, passes verilator -Wall,
    /// iverilog -g2005 and a yosys synth.
    @Test(arguments: [s8, s4, u8s8], MACKind.builtIn)
    func systolicOS3x2IsCleanInEveryTool(mac: MACTypes, kind: MACKind) throws {
        for pipeline in MACConfig.pipelineRange {
            let config = MACConfig(kind == .shiftadd ? mac.shiftAddVariant : mac, kind: kind, pipeline: pipeline)
            let top = OutputStationaryArray(rows: 3, cols: 2, mac: config).module(name: "systolic_os_3x2_\(config.tag)")
            let files = try Verilog.emit(top)
            #expect(files.map(\.module) == ["mac_\(config.tag)", "pe_os_\(config.tag)", top.name])
            let dir = try Workdir()
            let paths = try dir.write(files)
            try dir.expectVerilatorClean(paths, top: top.name)
            try dir.expectIcarusClean(paths)
            try dir.expectYosysClean(paths, top: top.name)
        }
    }

    /// Each file also lints on its own, as the top (children are resolved from the same directory).
    @Test func everyModuleOfTheMACAndPELintsAsTop() throws {
        let files = try Verilog.emit(OutputStationaryArray(rows: 2, cols: 2, mac: u8s8).pe)
        let dir = try Workdir()
        let paths = try dir.write(files)
        for (k, f) in files.enumerated() {
            try dir.expectVerilatorClean(Array(paths[...k]), top: f.module)
        }
    }
}

// MARK: - Emitter corner cases, linted and simulated

/// Input values and the output values expected for them, as integers.
private struct Vector {
    let inputs: [String: Int64]
    let expect: [String: Int64]
    init(_ inputs: [String: Int64], expect: [String: Int64]) {
        self.inputs = inputs
        self.expect = expect
    }
}

/// `v`'s two's-complement pattern as a `bits`-wide Verilog hex literal. Test-local on purpose:
/// the emitter's own literal printer is what is under test.
private func hex(_ v: Int64, _ bits: Int) -> String {
    let mask: UInt64 = bits >= 64 ? ~0 : (UInt64(1) << bits) - 1
    return "\(bits)'h" + String(UInt64(bitPattern: v) & mask, radix: 16)
}

/// A self-checking Icarus testbench for a combinational module: applies each vector, waits,
/// compares every expected output bit for bit, prints one `FAIL` line per mismatch and `PASS`
/// if there was none.
private func testbench(_ m: Module, _ vectors: [Vector]) -> String {
    var tb = "module tb;\n    integer errors;\n"
    for p in m.inputs { tb += "    reg  [\(p.type.bits - 1):0] \(p.name);\n" }
    for p in m.outputs { tb += "    wire [\(p.type.bits - 1):0] \(p.name);\n" }
    tb += "    \(m.name) dut (" + m.ports.map { ".\($0.name)(\($0.name))" }.joined(separator: ", ") + ");\n"
    tb += "    initial begin\n        errors = 0;\n"
    for (k, v) in vectors.enumerated() {
        let applied = m.inputs.compactMap { p in v.inputs[p.name].map { "\(p.name) = \(hex($0, p.type.bits));" } }
        tb += "        " + applied.joined(separator: " ") + " #1;\n"
        for p in m.outputs {
            guard let want = v.expect[p.name] else { continue }
            let w = hex(want, p.type.bits)
            tb += "        if (\(p.name) !== \(w)) begin $display(\"FAIL vector \(k) (\(v.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))): "
                + "\(p.name) = %h, expected \(w) (\(want))\", \(p.name)); errors = errors + 1; end\n"
        }
    }
    tb += "        if (errors == 0) $display(\"PASS\");\n        $finish;\n    end\nendmodule\n"
    return tb
}

/// Emits `m`, lints it with verilator -Wall and iverilog, then simulates `vectors`.
private func expectCleanAndCorrect(_ m: Module, _ vectors: [Vector],
                                   sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> VerilogFile {
    let files = try Verilog.emit(m)
    let dir = try Workdir()
    let paths = try dir.write(files)
    try dir.expectVerilatorClean(paths, top: m.name, sourceLocation: sourceLocation)
    try dir.expectIcarusClean(paths, sourceLocation: sourceLocation)
    let out = try dir.simulate(paths, testbench: testbench(m, vectors))
    #expect(out.contains("PASS") && !out.contains("FAIL"), "\(out)\n\(files.last?.text ?? "")",
            sourceLocation: sourceLocation)
    return try #require(files.last)
}


@Suite struct EmitCornerCaseTests {
    @Test func saturatedClampsToTheTargetRange() throws {
        let m = Module("corner_saturate") { m in
            let a = m.input("a", .s(8)), b = m.input("b", .s(8)), x = m.input("x", .u(8))
            m.output("sum_s8", (a + b).saturated(to: .s(8)))      // s9 → s8
            m.output("diff_u8", (a - b).saturated(to: .u(8)))     // s10 → u8
            m.output("a_u4", a.saturated(to: .u(4)))              // s8 → u4
            m.output("x_s4", x.saturated(to: .s(4)))              // u8 → s4
        }
        _ = try expectCleanAndCorrect(m, [
            Vector(["a": 100, "b": 100, "x": 200], expect: ["sum_s8": 127, "diff_u8": 0, "a_u4": 15, "x_s4": 7]),
            Vector(["a": -100, "b": -100, "x": 3], expect: ["sum_s8": -128, "diff_u8": 0, "a_u4": 0, "x_s4": 3]),
            Vector(["a": 50, "b": -20, "x": 7], expect: ["sum_s8": 30, "diff_u8": 70, "a_u4": 15, "x_s4": 7]),
            Vector(["a": 127, "b": -128, "x": 8], expect: ["sum_s8": -1, "diff_u8": 255, "a_u4": 15, "x_s4": 7]),
            Vector(["a": -128, "b": 127, "x": 0], expect: ["sum_s8": -1, "diff_u8": 0, "a_u4": 0, "x_s4": 0]),
            Vector(["a": 7, "b": 3, "x": 255], expect: ["sum_s8": 10, "diff_u8": 4, "a_u4": 7, "x_s4": 7]),
        ])
    }

    @Test func shiftedRightRoundsASignedSum() throws {
        let m = Module("corner_round") { m in
            let a = m.input("a", .s(8)), b = m.input("b", .s(8))
            let sum = a + b                                            // s9
            m.output("half_up", sum.shiftedRight(by: 2, rounding: .halfUp))   // (sum + 2) >> 2: s8
            m.output("floor", sum.shiftedRight(by: 2))                        // sum >> 2: s7
        }
        _ = try expectCleanAndCorrect(m, [
            Vector(["a": 5, "b": 2], expect: ["half_up": 2, "floor": 1]),          //  7/4 =  1.75
            Vector(["a": -5, "b": -2], expect: ["half_up": -2, "floor": -2]),      // −7/4 = −1.75
            Vector(["a": 6, "b": 0], expect: ["half_up": 2, "floor": 1]),          //  6/4 =  1.5 rounds up
            Vector(["a": -6, "b": 0], expect: ["half_up": -1, "floor": -2]),       // −6/4 = −1.5 rounds up
            Vector(["a": -1, "b": 0], expect: ["half_up": 0, "floor": -1]),        // −1/4 = −0.25
            Vector(["a": 127, "b": 127], expect: ["half_up": 64, "floor": 63]),    // 254/4 = 63.5
            Vector(["a": -128, "b": -128], expect: ["half_up": -64, "floor": -64]), // −256/4 = −64
        ])
    }

    @Test func wrappedSignedTruncationIsSignExtendedWhenReadWider() throws {
        let m = Module("corner_wrap") { m in
            let a = m.input("a", .s(8)), b = m.input("b", .s(8)), c = m.input("c", .s(16))
            let low = (a * b).wrapped(to: .s(8))          // compound, truncated to s8 …
            m.output("sum", low + c)                      // … then read as 17 bits: must sign-extend
            m.output("ext", low.extended(to: .s(12)))
        }
        let file = try expectCleanAndCorrect(m, [
            Vector(["a": 3, "b": 5, "c": 0], expect: ["sum": 15, "ext": 15]),
            Vector(["a": 16, "b": 8, "c": 100], expect: ["sum": -28, "ext": -128]),             // 128 → −128
            Vector(["a": -16, "b": 9, "c": -1000], expect: ["sum": -888, "ext": 112]),          // −144 → 112
            Vector(["a": 12, "b": 12, "c": 0], expect: ["sum": -112, "ext": -112]),             // 144 → −112
            Vector(["a": -128, "b": -128, "c": 32767], expect: ["sum": 32767, "ext": 0]),       // 0x4000 → 0
            Vector(["a": 127, "b": 3, "c": -32768], expect: ["sum": -32643, "ext": 125]),       // 381 → 125
            Vector(["a": 15, "b": 15, "c": 1], expect: ["sum": -30, "ext": -31]),               // 225 → −31
        ])
        // The sign bit of a compound expression can only be read through a named wire.
        #expect(file.text.contains("wire [7:0] wrapped = "))
    }

    @Test func concatOfMixedWidths() throws {
        let m = Module("corner_concat") { m in
            let a = m.input("a", .s(8)), f = m.input("f", .bit), n = m.input("n", .u(4))
            m.output("cat", concat([a, f, n]))                                   // u13
            m.output("low", concat([a, f, n]).wrapped(to: .u(8)))               // {a[2:0], f, n}
            m.output("sum", concat([n, f]) + n)                                 // u5 + u4 → u6
        }
        _ = try expectCleanAndCorrect(m, [
            // {0xFF, 1, 0xA} = 0x1FFA; {0xA, 1} = 21
            Vector(["a": -1, "f": 1, "n": 10], expect: ["cat": 0x1FFA, "low": 0xFA, "sum": 31]),
            // {0x12, 0, 3} = 0x243; {3, 0} = 6
            Vector(["a": 0x12, "f": 0, "n": 3], expect: ["cat": 0x243, "low": 0x43, "sum": 9]),
            // {0x80, 1, 0xF} = 0x101F; {0xF, 1} = 31
            Vector(["a": -128, "f": 1, "n": 15], expect: ["cat": 0x101F, "low": 0x1F, "sum": 46]),
        ])
    }

    /// A compound value read as signed and then widened needs its sign bit, so the printer names
    /// it with a helper wire — whose hint, `signed`, is a Verilog keyword.
    @Test func reinterpretedCompoundIsSignExtendedWhenReadWider() throws {
        let m = Module("corner_as_signed") { m in
            let a = m.input("a", .s(8)), n = m.input("n", .u(4))
            m.output("sext", concat([a, n]).asSigned.extended(to: .s(16)))      // 12-bit signed, sign-extended
            m.output("diff", (n + n).asSigned - a)                                // s5 − s8 → s9
        }
        _ = try expectCleanAndCorrect(m, [
            // {0xFF, 0xA} = 0xFFA = −6; n + n = 20 = 0b10100 as s5 = −12; −12 − (−1) = −11
            Vector(["a": -1, "n": 10], expect: ["sext": -6, "diff": -11]),
            // {0x12, 3} = 0x123 = 291; 6 as s5 = 6; 6 − 18 = −12
            Vector(["a": 0x12, "n": 3], expect: ["sext": 291, "diff": -12]),
            // {0x80, 0xF} = 0x80F = −2033; 30 as s5 = −2; −2 − (−128) = 126
            Vector(["a": -128, "n": 15], expect: ["sext": -2033, "diff": 126]),
        ])
    }

    @Test func comparisonsOfMixedSignedness() throws {
        let m = Module("corner_compare") { m in
            let x = m.input("x", .u(8)), y = m.input("y", .s(8)), n = m.input("n", .u(4))
            m.output("lt", x < y)
            m.output("ge", x >= y)
            m.output("eq", x == y)
            m.output("ne", x != y)
            m.output("gt", x > y)
            m.output("slt", x.asSigned < y)
            m.output("nle", n <= y)
        }
        _ = try expectCleanAndCorrect(m, [
            // 200 vs −1: a plain 8-bit compare would see 0xC8 < 0xFF.
            Vector(["x": 200, "y": -1, "n": 0], expect: ["lt": 0, "ge": 1, "eq": 0, "ne": 1, "gt": 1, "slt": 1, "nle": 0]),
            // 255 vs −1: the same bit pattern, but not equal.
            Vector(["x": 255, "y": -1, "n": 15], expect: ["lt": 0, "ge": 1, "eq": 0, "ne": 1, "gt": 1, "slt": 0, "nle": 0]),
            Vector(["x": 0, "y": -1, "n": 0], expect: ["lt": 0, "ge": 1, "eq": 0, "ne": 1, "gt": 1, "slt": 0, "nle": 0]),
            Vector(["x": 5, "y": 5, "n": 5], expect: ["lt": 0, "ge": 1, "eq": 1, "ne": 0, "gt": 0, "slt": 0, "nle": 1]),
            Vector(["x": 5, "y": 6, "n": 7], expect: ["lt": 1, "ge": 0, "eq": 0, "ne": 1, "gt": 0, "slt": 1, "nle": 0]),
            Vector(["x": 128, "y": 127, "n": 15], expect: ["lt": 0, "ge": 1, "eq": 0, "ne": 1, "gt": 1, "slt": 1, "nle": 1]),
        ])
    }

    /// `{…} op {…}` operands are printed without parentheses because they start with `{` and end
    /// with `}`, so `(a + b) * c` becomes `{a} + {b} * {c}`.
    @Test func compoundOperandsKeepTheirGrouping() throws {
        let m = Module("corner_grouping") { m in
            let a = m.input("a", .s(8)), b = m.input("b", .s(8)), c = m.input("c", .s(8))
            m.output("mul", (a + b) * c)      // s17
            m.output("sub", a - (b + c))      // s10
            m.output("inv", ~(a + b))         // s9
        }
        _ = try expectCleanAndCorrect(m, [
            Vector(["a": 1, "b": 2, "c": 3], expect: ["mul": 9, "sub": -4, "inv": -4]),
            Vector(["a": -100, "b": 50, "c": -7], expect: ["mul": 350, "sub": -143, "inv": 49]),
        ])
    }

    /// Comparing two reinterpreted signed values prints the signed names bare, so Verilog compares signed.
    @Test func unsignedComparisonOfReinterpretedSignedValues() throws {
        let m = Module("corner_as_unsigned") { m in
            let a = m.input("a", .s(8)), b = m.input("b", .s(8))
            m.output("ult", a.asUnsigned < b.asUnsigned)
            m.output("bits_lt", (a.asUnsigned & b.asUnsigned) < (a.asUnsigned | b.asUnsigned))
        }
        _ = try expectCleanAndCorrect(m, [
            Vector(["a": -1, "b": 1], expect: ["ult": 0, "bits_lt": 1]),     // 255 < 1; 0x01 < 0xFF
            Vector(["a": 1, "b": -1], expect: ["ult": 1, "bits_lt": 1]),     // 1 < 255
            Vector(["a": 0, "b": 0], expect: ["ult": 0, "bits_lt": 0]),
            Vector(["a": 2, "b": 1], expect: ["ult": 0, "bits_lt": 1]),      // 0 < 3
        ])
    }
}
