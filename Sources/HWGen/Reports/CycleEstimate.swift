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
