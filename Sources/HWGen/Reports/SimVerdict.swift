/// One output element where the RTL and the golden model disagree.
public struct Mismatch: Equatable, Sendable {
    public let row: Int, col: Int, expected: Int64, got: Int64
}

/// The verdict of one simulator run against the golden model.
public struct SimVerdict: Sendable {
    public let simulator: Simulator
    public let design: String
    /// What was run, e.g. `gemm 37x100x21 seed 7`.
    public let label: String
    /// Outputs compared (M·N).
    public let total: Int
    /// First mismatches (at most `maxListed`), row-major.
    public let mismatches: [Mismatch]
    /// Number of mismatching outputs.
    public let mismatchCount: Int
    public let rtlCycles: Int
    public let goldenCycles: Int
    /// The testbench's own verdict (it checks against the expected file independently).
    public let testbenchPassed: Bool

    /// Mismatches listed in the report.
    public static let maxListed = 10

    /// Compares an RTL run with the golden result and cycle prediction.
    public init(run: SimRun, golden: IntMatrix, goldenCycles: Int, design: String, label: String) {
        var listed: [Mismatch] = [], count = 0
        for r in 0..<golden.rows {
            for c in 0..<golden.cols where golden[r, c] != run.c[r, c] {
                count += 1
                if listed.count < Self.maxListed {
                    listed.append(Mismatch(row: r, col: c, expected: golden[r, c], got: run.c[r, c]))
                }
            }
        }
        simulator = run.simulator
        self.design = design
        self.label = label
        total = golden.rows * golden.cols
        mismatches = listed
        mismatchCount = count
        rtlCycles = run.cycles
        self.goldenCycles = goldenCycles
        testbenchPassed = run.tbPassed
    }

    /// Values and cycle count agree with the golden model, and the testbench agrees.
    public var passed: Bool { mismatchCount == 0 && rtlCycles == goldenCycles && testbenchPassed }

    /// The report: one summary line, then the first mismatches and any other reason for failure.
    public var text: String {
        var lines = ["\(passed ? "PASS" : "FAIL") \(simulator.rawValue) \(design) \(label): "
                     + "\(total - mismatchCount)/\(total) outputs match golden, "
                     + "\(rtlCycles) cycles (golden predicts \(goldenCycles))"]
        for m in mismatches {
            lines.append("  mismatch at row \(m.row), col \(m.col): expected \(m.expected), got \(m.got)")
        }
        if mismatchCount > mismatches.count { lines.append("  ... and \(mismatchCount - mismatches.count) more") }
        if rtlCycles != goldenCycles { lines.append("  cycle count differs from the golden model") }
        if !testbenchPassed && mismatchCount == 0 { lines.append("  the testbench reported a failure (see its log)") }
        return lines.joined(separator: "\n")
    }
}
