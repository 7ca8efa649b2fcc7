import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

// Tests of the generated testbench and the simulation runner on Icarus and Verilator, against a
// hand-written behavioral model of the engine interface (the real RTL generator is tested
// elsewhere). Each test prints its random seed; set HWGEN_TEST_SEED to replay one.

// MARK: - Fixture: behavioral engine

/// Deliberate faults of the behavioral engine.
fileprivate enum SimEngineFault: Int, Sendable {
    /// Correct.
    case none = 0
    /// The first tile's PE(0, 0) result is one too large.
    case offByOne = 1
    /// Never raises out_valid (the testbench watchdog must fire).
    case silent = 2
    /// Every result one cycle later than the contract says (still correct values).
    case late = 3
}

/// A behavioral Verilog-2005 model of the output-stationary engine interface: same ports, same
/// in_ready rule (low while in_last is high and fewer than 2C−1 cycles passed since the previous
/// accepted last), PE(i, j)'s result on row i at cycle L + i + 2j + 2 after the tile's last element
/// was accepted at cycle L. Arithmetic in 64 bits, truncated to the accumulator (wraps).
fileprivate func behavioralSystolicEngine(_ spec: DesignSpec, fault: SimEngineFault = .none) -> String {
    let r = spec.engine.rows, c = spec.engine.cols, mac = spec.mac
    return """
    // Behavioral test fixture for \(spec.name) (not the generated RTL).
    module \(spec.name) #(
        parameter R = \(r), parameter C = \(c),
        parameter AW = \(mac.a.bits), parameter BW = \(mac.b.bits), parameter ACCW = \(mac.acc.bits),
        parameter SA = \(mac.a.signed ? 1 : 0), parameter SB = \(mac.b.signed ? 1 : 0),
        parameter FAULT = \(fault.rawValue)
    ) (
        input  wire              clk,
        input  wire              rst,
        input  wire              in_valid,
        input  wire              in_last,
        output wire              in_ready,
        input  wire [R*AW-1:0]   a_col,
        input  wire [C*BW-1:0]   b_row,
        output reg  [R-1:0]      out_valid,
        output reg  [R*ACCW-1:0] out_data
    );
        localparam GAP = 2 * C - 1;        // min cycles between accepted lasts
        localparam W = R + 2 * C + 2;      // depth of the output schedule ring
        localparam LATE = (FAULT == 3) ? 1 : 0;

        reg [63:0]     acc [0:R*C-1];
        reg            sv  [0:W*R-1];      // scheduled valid, slot * R + row
        reg [ACCW-1:0] sd  [0:W*R-1];      // scheduled data
        reg [31:0]     cyc, last_cyc;
        reg            have_last;
        reg            fresh;
        integer        i, j, slot, tile_n;
        reg [AW-1:0]   av;
        reg [BW-1:0]   bv;
        reg [63:0]     ax, bx, sum;

        assign in_ready = !in_last || !have_last || (cyc - last_cyc >= GAP);

        always @(posedge clk) begin
            if (rst) begin
                cyc <= 0;
                last_cyc <= 0;
                have_last <= 1'b0;
                out_valid <= 0;
                out_data <= 0;
                fresh = 1'b1;
                tile_n = 0;
                for (i = 0; i < W * R; i = i + 1) begin
                    sv[i] = 1'b0;
                    sd[i] = 0;
                end
            end else begin
                cyc <= cyc + 1;
                for (i = 0; i < R; i = i + 1) begin
                    slot = (cyc % W) * R + i;
                    out_valid[i] <= sv[slot];
                    out_data[i*ACCW +: ACCW] <= sv[slot] ? sd[slot] : 0;
                    sv[slot] = 1'b0;
                end
                if (in_valid && in_ready) begin
                    for (i = 0; i < R; i = i + 1) begin
                        for (j = 0; j < C; j = j + 1) begin
                            av = a_col[i*AW +: AW];
                            bv = b_row[j*BW +: BW];
                            ax = {{(64-AW){SA[0] & av[AW-1]}}, av};
                            bx = {{(64-BW){SB[0] & bv[BW-1]}}, bv};
                            sum = (fresh ? 64'd0 : acc[i*C+j]) + ax * bx;
                            acc[i*C+j] = sum;
                            if (in_last) begin
                                slot = ((cyc + i + 2 * j + 1 + LATE) % W) * R + i;
                                sv[slot] = (FAULT != 2);
                                sd[slot] = sum[ACCW-1:0] + ((FAULT == 1 && tile_n == 0 && i == 0 && j == 0) ? 1 : 0);
                            end
                        end
                    end
                    fresh = in_last;
                    if (in_last) begin
                        have_last <= 1'b1;
                        last_cyc <= cyc;
                        tile_n = tile_n + 1;
                    end
                end
            end
        end
    endmodule

    """
}

// MARK: - Helpers

/// A seed (from HWGEN_TEST_SEED or fresh), printed with the test's name.
fileprivate func simTestSeed(_ test: String) -> UInt64 {
    let seed = ProcessInfo.processInfo.environment["HWGEN_TEST_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64(UInt32.max))
    print("[\(test)] seed \(seed) (replay with HWGEN_TEST_SEED=\(seed))")
    return seed
}

fileprivate func simRandomMatrix(_ rows: Int, _ cols: Int, _ t: HWType, _ rng: inout SplitMix64) -> IntMatrix {
    let hi = t.maxValue ?? Int64.max
    // Mostly uniform, with the extremes mixed in.
    let data = (0..<(rows * cols)).map { _ -> Int64 in
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return t.minValue
        case 1: return hi
        default: return Int64.random(in: t.minValue...hi, using: &rng)
        }
    }
    return IntMatrix(rows: rows, cols: cols, data: data)
}

/// C = A·B wrapped to the accumulator type (the behavior of an acc-width accumulator).
fileprivate func simReferenceGEMM(_ a: IntMatrix, _ b: IntMatrix, _ acc: HWType) -> IntMatrix {
    var c = IntMatrix(rows: a.rows, cols: b.cols)
    for i in 0..<a.rows {
        for j in 0..<b.cols {
            var s: Int64 = 0
            for k in 0..<a.cols { s &+= a[i, k] &* b[k, j] }
            c[i, j] = Simulation.interpret(UInt64(bitPattern: s), as: acc)
        }
    }
    return c
}

/// The contract's cycle count: L_1 = K−1, L_t = L_{t−1} + max(K, 2C−1), total = L_T + R + 2C.
fileprivate func simPredictedCycles(m: Int, k: Int, n: Int, r: Int, c: Int) -> Int {
    let tiles = ((m + r - 1) / r) * ((n + c - 1) / c)
    let lastAccept = (k - 1) + (tiles - 1) * max(k, 2 * c - 1)
    return lastAccept + r + 2 * c
}

fileprivate func simSpec(_ name: String, rows: Int, cols: Int, _ a: HWType, _ b: HWType, _ acc: HWType) -> DesignSpec {
    DesignSpec(name: name, engine: EngineSpec.systolic(.os, rows: rows, cols: cols),
               mac: MACTypes(a: a, b: b, acc: acc), source: "designs/\(name).yaml")
}

/// A fresh scratch directory, removed by the caller.
fileprivate func simScratchDir(_ tag: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("hwgen-simtests-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes the fixture and the generated testbench into `dir`; returns (rtl, tb) files.
fileprivate func simWriteDesign(_ spec: DesignSpec, fault: SimEngineFault, in dir: URL) throws -> (URL, URL) {
    let rtl = dir.appendingPathComponent("\(spec.name).v")
    try behavioralSystolicEngine(spec, fault: fault).write(to: rtl, atomically: true, encoding: .utf8)
    let tb = TestbenchGenerator.testbench(Design(spec))
    let tbURL = dir.appendingPathComponent("\(tb.moduleName).v")
    try tb.text.write(to: tbURL, atomically: true, encoding: .utf8)
    return (rtl, tbURL)
}


fileprivate struct SimCase: Sendable {
    let spec: DesignSpec
    let a: IntMatrix
    let b: IntMatrix
    let expected: IntMatrix

    init(_ spec: DesignSpec, m: Int, k: Int, n: Int, _ rng: inout SplitMix64) {
        self.spec = spec
        a = simRandomMatrix(m, k, spec.mac.a, &rng)
        b = simRandomMatrix(k, n, spec.mac.b, &rng)
        expected = simReferenceGEMM(a, b, spec.mac.acc)
    }

    var cycles: Int {
        simPredictedCycles(m: a.rows, k: a.cols, n: b.cols, r: spec.engine.rows, c: spec.engine.cols)
    }

    func run(_ sim: Simulator, fault: SimEngineFault = .none, dir: URL, cacheDir: URL? = nil,
             waves: URL? = nil) throws -> SimRun {
        let src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        let (rtl, tb) = try simWriteDesign(spec, fault: fault, in: src)
        return try Simulation.run(Design(spec), rtlFiles: [rtl], testbench: tb, a: a, b: b, expected: expected,
                                  simulator: sim, workDir: dir.appendingPathComponent("work"),
                                  waves: waves, cacheDir: cacheDir)
    }
}

/// Thread-safe collector for concurrent runs.
fileprivate final class SimOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [String?] = []
    func add(_ failure: String?) { lock.lock(); all.append(failure); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return all.count }
    var failures: [String] { lock.lock(); defer { lock.unlock() }; return all.compactMap { $0 } }
}

// MARK: - Tests

@Suite struct SimulationTests {
    // ---- pure Swift ----

    @Test func testbenchIsDeterministicWithHeader() {
        let spec = simSpec("systolic_os_8x8_s8", rows: 8, cols: 8, .s(8), .s(8), .s(32))
        let one = TestbenchGenerator.testbench(Design(spec)), two = TestbenchGenerator.testbench(Design(spec))
        #expect(one.moduleName == "tb_systolic_os_8x8_s8")
        #expect(one.text == two.text)
        #expect(one.text.hasPrefix(
            "// tb_systolic_os_8x8_s8 — generated by hwgen from systolic_os_8x8_s8.yaml. Do not edit.\n"))
        #expect(one.text.contains("module tb_systolic_os_8x8_s8;"))
        #expect(one.text.contains("systolic_os_8x8_s8 dut ("))
        #expect(one.text.contains("localparam ACCW = 32;"))
        #expect(one.text.contains("$signed(want)"))
        #expect(!one.text.contains("{{"), "unrendered template tag")
        let unsigned = TestbenchGenerator.testbench(Design(simSpec("u", rows: 2, cols: 3, .u(4), .u(4), .u(12))))
        #expect(!unsigned.text.contains("$signed"))
        #expect(!unsigned.text.contains("/tmp") && !unsigned.text.contains("/work"))
    }

    @Test func hexWordsAndInterpretation() {
        #expect(Simulation.hexWord(-1, bits: 8) == "ff")
        #expect(Simulation.hexWord(-128, bits: 8) == "80")
        #expect(Simulation.hexWord(5, bits: 10) == "005")
        #expect(Simulation.hexWord(-2, bits: 5) == "1e")
        #expect(Simulation.hexWord(70000, bits: 32) == "00011170")
        #expect(Simulation.interpret(0xff, as: .s(8)) == -1)
        #expect(Simulation.interpret(0xff, as: .u(8)) == 255)
        #expect(Simulation.interpret(0x1e, as: .s(5)) == -2)
        #expect(Simulation.interpret(0x8000_0000_0000, as: .s(48)) == -(Int64(1) << 47))
    }

    @Test func resultLineParsing() {
        let log = "junk\nHWGEN MISMATCH row=0 col=0 expected=1 got=2\nHWGEN RESULT checked=63 mismatches=1 cycles=41\nFAIL\n"
        let r = Simulation.parseResult(log)
        #expect(r?.checked == 63 && r?.mismatches == 1 && r?.cycles == 41)
        #expect(Simulation.parseResult("PASS\n") == nil)
    }

    @Test func cacheKeyDependsOnContentsAndFlags() throws {
        let dir = try simScratchDir("key")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("x.v")
        try "module x; endmodule\n".write(to: f, atomically: true, encoding: .utf8)
        let k1 = try Simulation.buildKey(simulator: .icarus, tool: "/usr/bin/iverilog", flags: ["-g2005"], sources: [f])
        let k2 = try Simulation.buildKey(simulator: .icarus, tool: "/usr/bin/iverilog", flags: ["-g2005"], sources: [f])
        let k3 = try Simulation.buildKey(simulator: .icarus, tool: "/usr/bin/iverilog", flags: ["-g2012"], sources: [f])
        try "module x; wire w; endmodule\n".write(to: f, atomically: true, encoding: .utf8)
        let k4 = try Simulation.buildKey(simulator: .icarus, tool: "/usr/bin/iverilog", flags: ["-g2005"], sources: [f])
        #expect(k1 == k2 && k1 != k3 && k1 != k4 && k1.count == 16)
    }

    @Test func inconsistentOperandsAreBadInput() throws {
        let spec = simSpec("bad_in", rows: 2, cols: 2, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("badin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tb = dir.appendingPathComponent("tb.v")
        #expect(throws: HWGenError.self) {
            try Simulation.run(Design(spec), rtlFiles: [], testbench: tb, a: IntMatrix(rows: 2, cols: 3),
                               b: IntMatrix(rows: 2, cols: 2), expected: IntMatrix(rows: 2, cols: 2),
                               simulator: .icarus, workDir: dir)
        }
        do {
            _ = try Simulation.run(Design(spec), rtlFiles: [], testbench: tb,
                                   a: IntMatrix(rows: 1, cols: 1, data: [200]), b: IntMatrix(rows: 1, cols: 1),
                                   expected: IntMatrix(rows: 1, cols: 1), simulator: .icarus, workDir: dir)
            Issue.record("out-of-range operand accepted")
        } catch let e as HWGenError {
            #expect(e.status == .badInput)
            #expect(e.message.contains("s8"))
        }
    }

    // ---- on the simulators ----

    /// Correct engine: PASS, exact results, the contract's cycle count; a second GEMM on the same
    /// design reuses the cached build.
    @Test(arguments: Simulator.allCases)
    func correctEnginePassesAndCacheIsReused(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("correctEnginePasses/\(sim.rawValue)"))
        let spec = simSpec("systolic_os_3x4_s8", rows: 3, cols: 4, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("ok-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")

        // M, N not multiples of R, C (padding); K ≥ 2C−1 (no stalls).
        let first = SimCase(spec, m: 7, k: 9, n: 10, &rng)
        let t0 = Date()
        let run1 = try first.run(sim, dir: dir.appendingPathComponent("r1"), cacheDir: cache)
        print("[correctEnginePasses/\(sim.rawValue)] build + run \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
        #expect(run1.tbPassed, "\(run1.log)")
        #expect(run1.exitStatus == 0)
        #expect(run1.tbMismatches == 0)
        #expect(run1.tbChecked == 70)
        #expect(run1.c == first.expected)
        #expect(run1.cycles == first.cycles)
        #expect(run1.log.contains("HWGEN RESULT checked=70 mismatches=0 cycles=\(first.cycles)"))

        // K < 2C−1: in_ready stalls between tiles. Same design → cache hit.
        let second = SimCase(spec, m: 5, k: 2, n: 13, &rng)
        let t1 = Date()
        let run2 = try second.run(sim, dir: dir.appendingPathComponent("r2"), cacheDir: cache)
        let secondTime = Date().timeIntervalSince(t1)
        print("[correctEnginePasses/\(sim.rawValue)] cached run \(String(format: "%.1f", secondTime)) s")
        #expect(run2.tbPassed, "\(run2.log)")
        #expect(run2.c == second.expected)
        #expect(run2.cycles == second.cycles)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(entries.count == 1, "cache entries: \(entries)")
        #expect(entries.allSatisfy { $0.hasPrefix("\(sim.rawValue)-") })
    }

    /// Other widths and signedness, with accumulator wrap-around; one row / one column arrays.
    @Test(arguments: Simulator.allCases)
    func mixedTypesAndWrapAround(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("mixedTypes/\(sim.rawValue)"))
        let dir = try simScratchDir("types-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            // unsigned × signed into a narrow signed accumulator: wraps.
            SimCase(simSpec("sys_u4_s5_s9", rows: 2, cols: 3, .u(4), .s(5), .s(9)), m: 5, k: 7, n: 4, &rng),
            // unsigned, narrow unsigned accumulator, single row.
            SimCase(simSpec("sys_u8_u8_u12", rows: 1, cols: 2, .u(8), .u(8), .u(12)), m: 3, k: 4, n: 5, &rng),
            // wide signed, single column, one tile larger than the GEMM.
            SimCase(simSpec("sys_s16_s16_s48", rows: 4, cols: 1, .s(16), .s(16), .s(48)), m: 3, k: 3, n: 1, &rng),
        ]
        for (n, c) in cases.enumerated() {
            let run = try c.run(sim, dir: dir.appendingPathComponent("c\(n)"))
            #expect(run.tbPassed, "\(c.spec.name): \(run.log)")
            #expect(run.c == c.expected, "\(c.spec.name)")
            #expect(run.cycles == c.cycles, "\(c.spec.name)")
            #expect(run.tbChecked == c.expected.data.count)
        }
    }

    /// One result off by one: FAIL, the mismatch named, non-zero exit.
    @Test(arguments: Simulator.allCases)
    func offByOneResultFails(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("offByOne/\(sim.rawValue)"))
        let spec = simSpec("sys_bug_s8", rows: 2, cols: 2, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("bug-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = SimCase(spec, m: 3, k: 4, n: 3, &rng)
        let run = try c.run(sim, fault: .offByOne, dir: dir)
        print("[offByOne/\(sim.rawValue)] failing simulation exit status \(run.exitStatus)")
        #expect(!run.tbPassed)
        #expect(!run.tbTimedOut)
        #expect(run.tbMismatches == 1)
        #expect(run.exitStatus != 0, "\(run.log)")
        let e = c.expected[0, 0]
        #expect(run.log.contains("HWGEN MISMATCH row=0 col=0 expected=\(e) got=\(e + 1)"), "\(run.log)")
        #expect(run.log.contains("FAIL"))
        #expect(run.c[0, 0] == e + 1)
        var rest = run.c
        rest[0, 0] = e
        #expect(rest == c.expected)
    }

    /// An engine that never answers: watchdog timeout, FAIL, non-zero exit.
    @Test(arguments: Simulator.allCases)
    func silentEngineTimesOut(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("silentEngine/\(sim.rawValue)"))
        let spec = simSpec("sys_silent", rows: 2, cols: 2, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("silent-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try SimCase(spec, m: 2, k: 3, n: 2, &rng).run(sim, fault: .silent, dir: dir)
        #expect(run.tbTimedOut)
        #expect(!run.tbPassed)
        #expect(run.exitStatus != 0)
        #expect(run.tbChecked == 0)
        #expect(run.log.contains("HWGEN TIMEOUT"))
    }

    /// Results one cycle late are still correct; the measured cycle count shows the extra cycle.
    @Test(arguments: Simulator.allCases)
    func lateEngineCountsTheExtraCycle(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("lateEngine/\(sim.rawValue)"))
        let spec = simSpec("sys_late", rows: 2, cols: 3, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("late-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = SimCase(spec, m: 4, k: 3, n: 5, &rng)
        let run = try c.run(sim, fault: .late, dir: dir)
        #expect(run.tbPassed, "\(run.log)")
        #expect(run.cycles == c.cycles + 1)
    }

    /// +waves writes a VCD (Verilator: a separate --trace build).
    @Test(arguments: Simulator.allCases)
    func wavesAreWritten(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("waves/\(sim.rawValue)"))
        let spec = simSpec("sys_waves", rows: 2, cols: 2, .s(8), .s(8), .s(20))
        let dir = try simScratchDir("waves-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let vcd = dir.appendingPathComponent("out.vcd")
        let run = try SimCase(spec, m: 2, k: 2, n: 3, &rng).run(sim, dir: dir, waves: vcd)
        #expect(run.tbPassed, "\(run.log)")
        let text = try String(contentsOf: vcd, encoding: .utf8)
        #expect(text.contains("$enddefinitions"))
        #expect(text.contains("out_valid"))
    }

    /// GEMMs larger than the default memory depth pass MAX_WORDS to the build.
    @Test(arguments: Simulator.allCases)
    func largeOperandsRaiseMaxWords(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("largeOperands/\(sim.rawValue)"))
        let spec = simSpec("sys_deep", rows: 1, cols: 1, .s(4), .s(4), .s(24))
        let dir = try simScratchDir("deep-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = SimCase(spec, m: 1, k: 70_000, n: 1, &rng)
        let run = try c.run(sim, dir: dir)
        #expect(run.tbPassed, "\(run.log.suffix(2000))")
        #expect(run.c == c.expected)
        #expect(run.cycles == c.cycles)
    }

    /// Broken Verilog: a `.mismatch` error carrying the tool's first error lines.
    @Test(arguments: Simulator.allCases)
    func compileErrorIsReported(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let spec = simSpec("sys_broken", rows: 2, cols: 2, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("broken-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (rtl, tb) = try simWriteDesign(spec, fault: .none, in: dir)
        try "module sys_broken(input wire clk); assign = ; endmodule\n".write(to: rtl, atomically: true, encoding: .utf8)
        let one = IntMatrix(rows: 1, cols: 1, data: [1])
        do {
            _ = try Simulation.run(Design(spec), rtlFiles: [rtl], testbench: tb, a: one, b: one, expected: one,
                                   simulator: sim, workDir: dir.appendingPathComponent("work"))
            Issue.record("broken RTL built")
        } catch let e as HWGenError {
            #expect(e.status == .mismatch)
            #expect(e.message.contains("failed to build tb_sys_broken"), "\(e.message)")
            #expect(e.message.contains("sys_broken.v"), "\(e.message)")
        }
    }

    /// The testbench itself is clean under `verilator --lint-only -Wall` (its two lint_off
    /// comments) and compiles without warnings on Icarus, for extreme shapes and widths.
    @Test func testbenchLintsClean() throws {
        let configs: [(Int, Int, HWType, HWType, HWType)] = [
            (3, 2, .s(8), .u(6), .s(24)), (1, 1, .u(2), .s(2), .u(2)), (64, 64, .s(16), .s(16), .s(48)),
        ]
        let dir = try simScratchDir("lint")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Requires.bothSimulators()
        for (n, cfg) in configs.enumerated() {
            let spec = simSpec("sys_lint\(n)", rows: cfg.0, cols: cfg.1, cfg.2, cfg.3, cfg.4)
            let (rtl, tb) = try simWriteDesign(spec, fault: .none, in: dir)
            let tbFile = tb.lastPathComponent
            do {
                let r = try Tools.run(try Tools.find("verilator", package: "verilator"),
                                      ["--lint-only", "-Wall", "-Wno-fatal", "--timing", "--top-module", "tb_\(spec.name)",
                                       rtl.path, tb.path], in: dir, timeout: 300)
                let tbLines = r.combined.split(whereSeparator: \.isNewline).filter { $0.contains(tbFile) }
                #expect(tbLines.isEmpty, "\(tbLines.joined(separator: "\n"))")
                #expect(r.status == 0, "\(r.combined)")
            }
            do {
                let r = try Tools.run(try Tools.find("iverilog", package: "iverilog"),
                                      ["-g2005", "-Wall", "-o", "/dev/null", "-s", "tb_\(spec.name)", rtl.path, tb.path],
                                      in: dir, timeout: 300)
                let tbLines = r.combined.split(whereSeparator: \.isNewline).filter { $0.contains(tbFile) }
                #expect(tbLines.isEmpty, "\(tbLines.joined(separator: "\n"))")
                #expect(r.status == 0, "\(r.combined)")
            }
        }
    }

    /// Two processes' worth of concurrent runs of one design share one cache entry safely.
    @Test(arguments: Simulator.allCases)
    func concurrentRunsShareTheCache(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        var rng = SplitMix64(state: simTestSeed("concurrentCache/\(sim.rawValue)"))
        let spec = simSpec("sys_conc", rows: 2, cols: 2, .s(8), .s(8), .s(32))
        let dir = try simScratchDir("conc-\(sim.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = dir.appendingPathComponent("cache")
        let cases = [SimCase(spec, m: 3, k: 5, n: 4, &rng), SimCase(spec, m: 4, k: 1, n: 3, &rng)]
        let outcomes = SimOutcomes()
        DispatchQueue.concurrentPerform(iterations: cases.count) { n in
            let c = cases[n]
            do {
                let run = try c.run(sim, dir: dir.appendingPathComponent("r\(n)"), cacheDir: cache)
                outcomes.add(run.tbPassed && run.c == c.expected && run.cycles == c.cycles
                             ? nil : "case \(n): \(run.log)")
            } catch {
                outcomes.add("case \(n): \(error)")
            }
        }
        #expect(outcomes.failures.isEmpty, "\(outcomes.failures)")
        #expect(outcomes.count == cases.count)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(entries.count == 1 && entries.allSatisfy { $0.hasPrefix("\(sim.rawValue)-") },
                "cache entries: \(entries)")
    }
}
