import Foundation

/// A figure a sweep point yields, by its `results.csv` column name: what a search's `objectives:`
/// and `constraints:` may name. Each says which step (and target) produces it, so a search
/// that asks for a figure its steps never measure is refused before anything runs.
public enum SweepMetric: String, CaseIterable, Sendable {
    /// Golden cycles of the sweep's GEMM (every point has them: the golden model, no tool).
    case cycles
    /// 2·M·K·N / golden cycles.
    case opsPerCycle = "ops_per_cycle"
    /// OSU 0.18 µm area, mm² (synth, osu018).
    case area = "area_mm2"
    /// Generic cells (synth, generic) or standard cells (osu018).
    case cells
    /// FPGA LUTs (synth, ice40 or ecp5).
    case luts
    /// Flip-flops (synth).
    case flipFlops = "flip_flops"
    /// Logic depth (synth, generic).
    case logicDepth = "logic_depth"
    /// Critical path, ns (synth, a clocked target).
    case criticalPath = "critical_path_ns"
    /// Fmax, MHz (synth, a clocked target).
    case fmax = "fmax_mhz"
    /// Achieved GOPS on the GEMM at Fmax (synth, a clocked target).
    case gops
    /// The GEMM's time at Fmax, µs: golden cycles / Fmax (synth, a clocked target).
    case latency = "latency_us"
    /// Energy per MAC on the GEMM, pJ (the power step).
    case energy = "pj_per_mac"
    /// Total power at the sweep's clock, mW (the power step).
    case power = "power_mw"
    /// TOPS/W (the power step).
    case topsPerW = "tops_per_w"

    /// The value for a point's report, nil when the point did not measure it.
    public func value(_ r: DesignReport) -> Double? {
        let s = r.synthesis.flatMap { $0.fitProblem == nil ? $0 : nil }
        let clocked = s.map { $0.target.flow.clocked && $0.fmaxMHz > 0 } ?? false
        switch self {
        case .cycles: return r.goldenCycles > 0 ? Double(r.goldenCycles) : nil
        case .opsPerCycle:
            let d = r.gemm.split(separator: "x").compactMap { Double($0) }
            return d.count == 3 && r.goldenCycles > 0 ? 2 * d[0] * d[1] * d[2] / Double(r.goldenCycles) : nil
        case .area: return s.flatMap { $0.target == .osu018 && $0.areaUM2 > 0 ? $0.areaUM2 / 1e6 : nil }
        case .cells: return s.flatMap { ($0.target == .osu018 || $0.target == .generic) && $0.cells > 0 ? Double($0.cells) : nil }
        case .luts: return s?.luts.map(Double.init)
        case .flipFlops: return s.map { Double($0.flipFlops) }
        case .logicDepth: return s?.logicDepth.map(Double.init)
        case .criticalPath: return clocked ? s?.criticalPathNS : nil
        case .fmax: return clocked ? s?.fmaxMHz : nil
        case .gops: return clocked ? s?.metrics?.achievedGOPS : nil
        case .latency: return clocked && r.goldenCycles > 0 ? s.map { Double(r.goldenCycles) / $0.fmaxMHz } : nil
        case .energy: return s?.power?.pjPerMAC
        case .power: return s?.power?.totalMW
        case .topsPerW: return s?.power?.topsPerW
        }
    }

    /// Why `steps` on `target` never produce this figure, or nil when they do.
    public func missing(steps: [String], target: SynthTarget) -> String? {
        let synth = steps.contains("synth"), clocked = target.flow.clocked
        switch self {
        case .cycles, .opsPerCycle: return nil
        case .area: return !synth ? "needs the synth step" : target != .osu018 ? "needs target osu018 (\(target.rawValue) has no area)" : nil
        case .cells: return !synth ? "needs the synth step" : target == .osu018 || target == .generic ? nil : "needs target osu018 or generic (\(target.rawValue) counts LUTs: luts)"
        case .luts: return !synth ? "needs the synth step" : target == .ice40 || target == .ecp5 ? nil : "needs target ice40 or ecp5"
        case .flipFlops: return synth ? nil : "needs the synth step"
        case .logicDepth: return !synth ? "needs the synth step" : target == .generic ? nil : "needs target generic"
        case .criticalPath, .fmax, .gops, .latency:
            return !synth ? "needs the synth step" : clocked ? nil : "needs a clocked target (osu018, ice40, ecp5; \(target.rawValue) has no timing)"
        case .energy, .power, .topsPerW: return steps.contains("power") ? nil : "needs the power step (steps: [sim, synth, power]), which measures it from the netlist"
        }
    }

    /// The names a sweep file may use.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A search objective: a figure and whether less or more of it is better.
public struct SweepObjective: Sendable, Equatable {
    public let metric: SweepMetric
    public let maximize: Bool

    /// The value to minimize: the figure, negated when it is maximized.
    func minimized(_ r: DesignReport) -> Double? { metric.value(r).map { maximize ? -$0 : $0 } }
}

/// A search constraint, `metric <= bound` or `metric >= bound`.
public struct SweepConstraint: Sendable, Equatable {
    public let metric: SweepMetric
    public let atMost: Bool
    public let bound: Double
    public let text: String

    /// Optuna's convention: ≤ 0 when the point satisfies it (nil: the figure was not measured).
    func violation(_ r: DesignReport) -> Double? { metric.value(r).map { atMost ? $0 - bound : bound - $0 } }

    /// Parses `area_mm2 <= 2` (exit 2 naming the field and what is allowed).
    static func parse(_ text: String, field: String) throws -> SweepConstraint {
        let ops = ["<=", ">="]
        guard let op = ops.first(where: { text.contains($0) }) else {
            throw HWGenError.badInput("\(field): '\(text)' is not a constraint (allowed: METRIC <= NUMBER or METRIC >= NUMBER, e.g. area_mm2 <= 2)")
        }
        let parts = text.components(separatedBy: op).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let bound = Double(parts[1]), bound.isFinite else {
            throw HWGenError.badInput("\(field): '\(text)' is not a constraint (allowed: METRIC <= NUMBER or METRIC >= NUMBER, e.g. area_mm2 <= 2)")
        }
        guard let metric = SweepMetric(rawValue: parts[0]) else {
            throw HWGenError.badInput("\(field): '\(parts[0])' is not a metric (allowed: \(SweepMetric.names))")
        }
        return SweepConstraint(metric: metric, atMost: op == "<=", bound: bound, text: text)
    }
}
