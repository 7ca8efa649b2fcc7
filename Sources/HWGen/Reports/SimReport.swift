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

/// Cycle figures for one GEMM on a design's engine, next to SCALE-Sim's estimate.
public struct CycleEstimate: Sendable {
    public let golden: Int
    /// SCALE-Sim v2's estimate for the dataflow; nil for engines SCALE-Sim does not model.
    public let scaleSim: Int?
    /// The dataflow SCALE-Sim's estimate is for (`OS`, `WS`, `IS`).
    public let scaleSimDataflow: String
    public let ideal: Double

    /// Cycles a MAC spends on one element (SCALE-Sim's estimate and `ideal` assume one).
    public let elementCycles: Int

    /// Whether `golden` is an upper bound: the count depends on B, which was not given.
    public let bound: Bool
    /// Whether elements take fewer than ``elementCycles`` cycles when B has zero digits.
    public let skips: Bool

    /// The figures for A·B of `shape`; with `b`, exact also where the count depends on B.
    public init(_ design: Design, shape: GemmShape, b: IntMatrix? = nil) {
        let spec = design.spec
        golden = design.golden.cycles(shape, b: b)
        skips = design.golden.dependsOnB
        bound = b == nil && skips
        scaleSim = design.golden.scaleSimCycles(shape)
        scaleSimDataflow = design.descriptor.label.uppercased()
        let macs = design.macCount
        ideal = Double(shape.m) * Double(shape.k) * Double(shape.n) / Double(macs)
        elementCycles = spec.macConfig.elementCycles
        sparsity = spec.engine.sparsity
    }

    /// N:M weights: utilization counts dense work, so it may exceed 100 %.
    public let sparsity: Sparsity?

    /// PE utilization M·N·K / (MACs·cycles), %.
    public var utilization: Double { ideal / Double(golden) * 100 }

    /// `cycles: golden 1523, SCALE-Sim v2 OS estimate 1709, ideal 1214.1 (PE utilization 79.7 %)`,
    /// and for a multi-cycle MAC the share of cycles its PEs are busy.
    public var text: String {
        "cycles: golden \(bound ? "at most " : "")\(golden)" + (bound ? " (with every Booth digit of B nonzero)" : "")
            + ", " + (scaleSim.map { "SCALE-Sim v2 \(scaleSimDataflow) estimate \($0), " } ?? "")
            + "ideal \(format(ideal)) "
            + "(PE utilization \(format(utilization)) %"
            + (elementCycles > 1 && skips ? "; zero Booth digits of B skipped, at most \(elementCycles) cycles per element)"
               : elementCycles > 1 ? "; PEs busy \(format(utilization * Double(elementCycles))) %, \(elementCycles) cycles per element)" : "")
            + (sparsity.map { "; dense-equivalent: \($0) weights, each multiplier stands for \(format(Double($0.m) / Double($0.n))) dense MACs)" } ?? "")
            + (elementCycles > 1 || sparsity != nil ? "" : ")")
    }

    private func format(_ x: Double) -> String {
        let scaled = (x * 10).rounded() / 10
        return scaled == scaled.rounded() ? "\(Int(scaled)).0" : "\(scaled)"
    }
}
