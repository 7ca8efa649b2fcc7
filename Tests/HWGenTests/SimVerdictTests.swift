import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// The PASS/FAIL verdict against the golden model.
@Suite struct SimVerdictTests {
    static let golden = IntMatrix(rows: 2, cols: 3, data: [1, -2, 3, 4, 5, -6])

    static func run(_ c: IntMatrix, cycles: Int, tbPassed: Bool = true) -> SimRun {
        SimRun(simulator: .icarus, c: c, cycles: cycles, tbChecked: 6, tbMismatches: 0, tbPassed: tbPassed,
               tbTimedOut: false, exitStatus: 0, log: "")
    }

    @Test func matchingRunPasses() {
        let v = SimVerdict(run: Self.run(Self.golden, cycles: 40), golden: Self.golden, goldenCycles: 40,
                           design: "d", label: "gemm 2x5x3 seed 1")
        #expect(v.passed)
        #expect(v.text == "PASS icarus d gemm 2x5x3 seed 1: 6/6 outputs match golden, 40 cycles (golden predicts 40)")
    }

    @Test func wrongValuesFailListingRowColExpectedGot() {
        var c = Self.golden
        c[1, 2] = 7
        c[0, 1] = 0
        let v = SimVerdict(run: Self.run(c, cycles: 40), golden: Self.golden, goldenCycles: 40, design: "d", label: "x")
        #expect(!v.passed)
        #expect(v.mismatchCount == 2)
        #expect(v.text == """
            FAIL icarus d x: 4/6 outputs match golden, 40 cycles (golden predicts 40)
              mismatch at row 0, col 1: expected -2, got 0
              mismatch at row 1, col 2: expected -6, got 7
            """)
    }

    @Test func wrongCycleCountFailsEvenWithRightValues() {
        let v = SimVerdict(run: Self.run(Self.golden, cycles: 41), golden: Self.golden, goldenCycles: 40, design: "d", label: "x")
        #expect(!v.passed)
        #expect(v.text.hasPrefix("FAIL icarus d x: 6/6 outputs match golden, 41 cycles (golden predicts 40)"))
    }

    @Test func testbenchFailureFailsTheVerdict() {
        let v = SimVerdict(run: Self.run(Self.golden, cycles: 40, tbPassed: false), golden: Self.golden,
                           goldenCycles: 40, design: "d", label: "x")
        #expect(!v.passed)
    }

    @Test func longMismatchListsAreCut() {
        let g = IntMatrix(rows: 4, cols: 5, data: Array(repeating: 1, count: 20))
        let v = SimVerdict(run: Self.run(IntMatrix(rows: 4, cols: 5), cycles: 9), golden: g, goldenCycles: 9, design: "d", label: "x")
        #expect(v.mismatches.count == SimVerdict.maxListed)
        #expect(v.text.hasSuffix("  ... and 10 more"))
    }

    @Test func cycleEstimateForThe16x16Array() {
        // 16×16 on 256³: 256 tiles of K = 256 ≥ 2C − 1, so L_T = 255 + 255·256 and total = L_T + 16 + 32.
        let spec = DesignSpec(name: "a", engine: EngineSpec.systolic(.os, rows: 16, cols: 16),
                              mac: MACTypes(a: .s(8), b: .s(8), acc: .s(32)), source: "a.yaml")
        let e = CycleEstimate(Design(spec), shape: GemmShape(m: 256, k: 256, n: 256))
        #expect(e.golden == 255 + 255 * 256 + 48)
        #expect(e.scaleSim == 256 * (256 + 30) - 1)
        #expect(e.text == "cycles: golden 65583, SCALE-Sim v2 OS estimate 73215, ideal 65536.0 (PE utilization 99.9 %)")
    }
}
