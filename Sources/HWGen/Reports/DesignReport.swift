import Foundation

/// `hwgen report`: one page per design and GEMM: correctness on each simulator, cycles and
/// utilization from the golden model, and PPA from synthesis with the derived metrics.
/// Encoded as JSON with sorted keys (the schema is in the README) and rendered as Markdown.
public struct DesignReport: Codable, Sendable {
    /// One simulator's verdict on the GEMM.
    public struct SimResult: Codable, Equatable, Sendable {
        public var simulator: String
        public var passed: Bool
        public var outputs: Int
        public var mismatches: Int
        public var cycles: Int
        public var goldenCycles: Int
    }

    public var design: String
    public var source: String
    public var engine: String
    public var mac: String
    public var macs: Int
    public var gemm: String
    /// Golden cycles (start to done with `gemm:`), the ideal M·K·N / MACs, utilization %, and
    /// SCALE-Sim v2's estimate for the systolic dataflows.
    public var goldenCycles: Int
    public var cyclesAreBound: Bool
    public var idealCycles: Double
    public var utilizationPercent: Double
    public var scaleSimCycles: Int?
    /// The operands simulated (`gemm MxKxN seed S`), and each simulator's verdict; empty when not run.
    public var operands: String?
    public var simulation: [SimResult]
    /// Synthesis on the chosen target with its derived metrics; nil when not run.
    public var synthesis: SynthReport?

    public init(_ d: Design, shape: GemmShape, cycles: CycleEstimate, operands: String?,
                verdicts: [SimVerdict], runs: [SimRun], synthesis: SynthReport?) {
        let spec = d.spec
        design = spec.name
        source = spec.source
        engine = d.summary
        mac = spec.macConfig.description
        macs = d.macCount
        gemm = shape.description
        goldenCycles = cycles.golden
        cyclesAreBound = cycles.bound
        idealCycles = (cycles.ideal * 10).rounded() / 10
        utilizationPercent = (cycles.utilization * 10).rounded() / 10
        scaleSimCycles = cycles.scaleSim
        self.operands = operands
        simulation = zip(verdicts, runs).map { v, r in
            SimResult(simulator: v.simulator.rawValue, passed: v.passed, outputs: v.total, mismatches: v.mismatchCount,
                      cycles: r.cycles, goldenCycles: v.goldenCycles)
        }
        self.synthesis = synthesis
    }

    /// The page as Markdown.
    public var markdown: String {
        var rows: [(String, String)] = [("engine", engine), ("MAC", "\(mac), \(macs) MACs per cycle"), ("GEMM", gemm),
                                       ("golden cycles", (cyclesAreBound ? "at most " : "") + "\(goldenCycles)"),
                                       ("ideal cycles (M·K·N / MACs)", String(format: "%.1f", idealCycles)),
                                       ("PE utilization", String(format: "%.1f %%", utilizationPercent))]
        if let s = scaleSimCycles { rows.append(("SCALE-Sim v2 estimate", "\(s)")) }
        if simulation.isEmpty { rows.append(("simulation", "not run (--no-sim)")) }
        for r in simulation {
            rows.append(("\(r.simulator) (\(operands ?? ""))",
                         "\(r.passed ? "PASS" : "FAIL"): \(r.outputs - r.mismatches)/\(r.outputs) outputs match golden, \(r.cycles) cycles (golden \(r.goldenCycles))"))
        }
        if let s = synthesis {
            rows.append(("synthesis", "\(s.target.rawValue)" + (s.part.map { ", \($0)" } ?? "") + ", clock \(s.clockNS) ns"))
            if let p = s.fitProblem { rows.append(("fit", p)) }
            if let n = s.note { rows.append(("note", n)) }
            rows += s.target.flow.pageRows(s)
            if let m = s.metrics {
                if let g = m.peakGOPS { rows.append(("peak GOPS (2 × MACs × Fmax)", "\(g)")) }
                if let g = m.achievedGOPS { rows.append(("achieved GOPS on \(gemm)", "\(g)")) }
                if let g = m.gopsPerMM2 { rows.append(("GOPS/mm²", "\(g)")) }
                if let a = m.areaPerMACUM2 { rows.append(("area per MAC", "\(a) µm²")) }
                if let g = m.gopsPerKLUT { rows.append(("GOPS per 1000 LUTs", "\(g)")) }
                if let l = m.lutsPerMAC { rows.append(("LUTs per MAC", "\(l)")) }
                if s.power == nil { rows.append(("power", m.power)) }
            }
            if let p = s.power {   // the energy section
                rows.append(("power at \(p.clockNS) ns", String(format: "%.4f mW (internal %.4f, switching %.4f, leakage %.6f)",
                                                               p.totalMW, p.internalMW, p.switchingMW, p.leakageMW)))
                rows.append(("energy on \(gemm)", String(format: "%.4f nJ, %.4f pJ/MAC, %.1f GOPS/W (%.4f TOPS/W)",
                                                         p.energyNJ, p.pjPerMAC, p.gopsPerW, p.topsPerW)))
                rows.append(("activity", "\(p.activity); \(p.annotatedPins) of \(p.drivenPins) driven pins annotated"))
                if let m = p.memory {
                    rows.append(("memory energy", String(format: "%.4f nJ (%d reads, %d writes, leakage %.6f mW); logic %.4f nJ",
                                                         m.memoryEnergyNJ, m.reads, m.writes, m.leakageMW, m.logicEnergyNJ)))
                }
                rows.append(("gate-level check", p.netlistCheck))
            }
        } else {
            rows.append(("synthesis", "not run (--no-synth)"))
        }
        let passed = simulation.allSatisfy(\.passed)
        var text = "## \(design) (\(source))\(simulation.isEmpty ? "" : passed ? ": PASS" : ": FAIL")\n\n| | |\n|---|---|\n"
        for (k, v) in rows { text += "| \(k) | \(v.replacingOccurrences(of: "|", with: "\\|")) |\n" }
        return text
    }
}
