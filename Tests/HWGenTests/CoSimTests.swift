import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Co-simulation of the generated RTL (not a fixture) against the golden model on both
/// simulators. Each test prints its seed; set HWGEN_TEST_SEED to replay a run.
@Suite struct CoSimTests {
    static func seed(_ test: String) -> UInt64 {
        let s = ProcessInfo.processInfo.environment["HWGEN_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...999_999)
        print("[\(test)] seed \(s) (replay with HWGEN_TEST_SEED=\(s))")
        return s
    }

    static func spec(_ rows: Int, _ cols: Int, _ mac: MACTypes) -> DesignSpec {
        let name = "cosim_\(rows)x\(cols)_\(mac.tag)"
        return DesignSpec(name: name, engine: EngineSpec.systolic(.os, rows: rows, cols: cols),
                          mac: mac, source: "tests/\(name).yaml")
    }

    /// Runs one GEMM and checks values and cycles against the golden model (computed here).
    static func check(_ spec: DesignSpec, _ a: IntMatrix, _ b: IntMatrix, on sim: Simulator, label: String) throws {
        let (verdicts, runs) = try Flow.simulate(Design(spec), a: a, b: b, label: label, simulators: [sim]) { print($0) }
        let golden = GoldenGEMM.multiply(a, b, mac: spec.mac)
        #expect(runs[0].c == golden, "\(label) on \(sim.rawValue): C differs from golden")
        #expect(runs[0].cycles == GoldenTiming.osCycles(rows: spec.engine.rows, cols: spec.engine.cols,
                                                       m: a.rows, k: a.cols, n: b.cols, pipeline: spec.pipeline,
                                                       elementCycles: spec.macConfig.elementCycles))
        #expect(runs[0].tbPassed)
        #expect(verdicts[0].passed)
    }

    static let s8 = MACTypes(a: .s(8), b: .s(8), acc: .s(32))

    @Test(arguments: Simulator.allCases)
    func randomShapesMatchGolden(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = Self.seed("randomShapes/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        for (rows, cols, mac) in [(3, 2, Self.s8), (2, 4, MACTypes(a: .u(8), b: .s(8), acc: .s(24))),
                                  (4, 3, MACTypes(a: .s(4), b: .s(4), acc: .s(12)))] {
            let spec = Self.spec(rows, cols, mac)
            for _ in 0..<2 {
                let shape = GemmShape(m: Int.random(in: 1...10, using: &g), k: Int.random(in: 1...20, using: &g), n: Int.random(in: 1...10, using: &g))
                let s = g.next()
                let (a, b) = Operands.random(shape: shape, mac: mac, seed: s)
                try Self.check(spec, a, b, on: sim, label: "gemm \(shape.m)x\(shape.k)x\(shape.n) seed \(s)")
            }
        }
    }

    @Test(arguments: Simulator.allCases)
    func allMinusOneTwentyEightOverflowsNarrowAccumulator(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let mac = MACTypes(a: .s(8), b: .s(8), acc: .s(16))
        let (m, k, n) = (3, 7, 2)
        let a = IntMatrix(rows: m, cols: k, data: Array(repeating: -128, count: m * k))
        let b = IntMatrix(rows: k, cols: n, data: Array(repeating: -128, count: k * n))
        // 7 · 16384 = 114688 = 0x1C000, which wraps in 16 bits to 0xC000 = −16384.
        #expect(GoldenGEMM.multiply(a, b, mac: mac)[0, 0] == -16384)
        try Self.check(Self.spec(2, 2, mac), a, b, on: sim, label: "all -128 gemm 3x7x2")
    }

    @Test(arguments: Simulator.allCases)
    func kEqualsOneAndOneByOneArray(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = Self.seed("kEqualsOne/\(sim.rawValue)")
        for (rows, cols, shape) in [(1, 1, GemmShape(m: 3, k: 1, n: 4)), (1, 1, GemmShape(m: 2, k: 9, n: 3)),
                                    (3, 2, GemmShape(m: 5, k: 1, n: 5))] {
            let (a, b) = Operands.random(shape: shape, mac: Self.s8, seed: seed)
            try Self.check(Self.spec(rows, cols, Self.s8), a, b, on: sim,
                           label: "\(rows)x\(cols) gemm \(shape.m)x\(shape.k)x\(shape.n) seed \(seed)")
        }
    }

    @Test(arguments: Simulator.allCases)
    func extremeValuesOfUnsignedAndWideTypes(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        for mac in [MACTypes(a: .u(8), b: .u(8), acc: .s(16)), MACTypes(a: .s(16), b: .s(16), acc: .s(48)),
                    MACTypes(a: .u(2), b: .s(2), acc: .s(4))] {
            let (m, k, n) = (2, 5, 3)
            let aVals: [Int64] = [mac.a.minValue, mac.a.maxValue!]
            let bVals: [Int64] = [mac.b.minValue, mac.b.maxValue!]
            let a = IntMatrix(rows: m, cols: k, data: (0..<(m * k)).map { aVals[$0 % 2] })
            let b = IntMatrix(rows: k, cols: n, data: (0..<(k * n)).map { bVals[($0 / 2) % 2] })
            try Self.check(Self.spec(2, 2, mac), a, b, on: sim, label: "\(mac.tag) extremes gemm 2x5x3")
        }
    }

    /// The harness must fail on broken RTL: emit the real design, turn the MAC's add into a
    /// subtract, and expect a mismatch from both the Swift comparison and the testbench.
    @Test(arguments: Simulator.allCases)
    func brokenMACIsCaught(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let spec = Self.spec(2, 2, Self.s8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-mutant-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let design = try Flow.emit(Design(spec), to: dir)
        let mac = try #require(design.rtl.first { $0.lastPathComponent == "mac_baseline_p0_s8_s8_s32.v" })
        let text = try String(contentsOf: mac, encoding: .utf8)
        #expect(text.contains("acc) + "))
        try text.replacingOccurrences(of: "acc) + ", with: "acc) - ").write(to: mac, atomically: true, encoding: .utf8)
        let (a, b) = Operands.random(shape: GemmShape(m: 3, k: 4, n: 3), mac: Self.s8, seed: 5)
        let golden = GoldenGEMM.multiply(a, b, mac: Self.s8)
        let run = try Simulation.run(Design(spec), rtlFiles: design.rtl, testbench: design.testbench, a: a, b: b,
                                     expected: golden, simulator: sim, workDir: dir.appendingPathComponent("run"))
        let verdict = SimVerdict(run: run, golden: golden, goldenCycles: 0, design: spec.name, label: "mutant")
        print(verdict.text)
        #expect(!run.tbPassed)
        #expect(run.exitStatus != 0)
        #expect(verdict.mismatchCount > 0)
    }
}
