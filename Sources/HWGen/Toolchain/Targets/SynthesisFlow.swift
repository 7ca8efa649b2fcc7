import Foundation

/// One place `hwgen synth --target` maps a design: its flow, the tools it runs, and how its
/// results read in tables, report pages and sweeps. One file per target in `Toolchain/Targets/`;
/// ``SynthTarget/flow`` names them.
public protocol SynthesisFlow: Sendable {
    var target: SynthTarget { get }
    /// The executables the flow runs (names of ``Versions/tools``).
    var tools: [String] { get }
    /// Synthesizes the design's top module (scripts and logs kept under `workDir`).
    func run(_ design: Design, clockNS: Double, workDir: URL, progress: (@Sendable (String) -> Void)?) throws -> SynthReport
    /// `hwgen synth`'s table for reports of this target.
    func table(_ reports: [SynthReport]) -> String
    /// One more fact per design after the table (OSU018: its worst path), or nil.
    func detail(_ r: SynthReport) -> String?
    /// A closing line after the designs (OSU018: the power note), or nil.
    var footer: String? { get }
    /// The target's rows in the synthesis section of a `hwgen report` page.
    func pageRows(_ s: SynthReport) -> [(String, String)]
    /// A sweep's cost: the figure (its CSV column) and its axis label.
    var costMetric: SweepMetric { get }
    var costAxis: String { get }
    /// A sweep's density column (GOPS per unit of cost) and its value.
    var densityColumn: String { get }
    func density(_ m: PPAMetrics) -> Double?
    /// Whether the flow reports an Fmax; without one a sweep plots operations per cycle.
    var clocked: Bool { get }
}

extension SynthesisFlow {
    public func detail(_ r: SynthReport) -> String? { nil }
    public var footer: String? { nil }
    public var densityColumn: String { "gops_per_mm2" }
    public func density(_ m: PPAMetrics) -> Double? { m.gopsPerMM2 }
    public var clocked: Bool { true }
}

extension SynthTarget {
    /// The target's flow.
    public var flow: any SynthesisFlow {
        switch self {
        case .osu018: return OSU018Flow()
        case .generic: return GenericFlow()
        case .ice40: return NextpnrFlow.ice40
        case .ecp5: return NextpnrFlow.ecp5
        }
    }
}
