import Foundation
import TextTable

/// Area and timing of one design after ASIC synthesis (Yosys) and static timing analysis (OpenSTA).
public struct SynthReport: Codable, Equatable, Sendable {
    /// Top module name.
    public var design: String
    /// Liberty file name (no directory), e.g. `osu018_stdcells.lib`.
    public var liberty: String
    /// Clock period constrained in STA and given to ABC as its delay target, ns.
    public var clockNS: Double
    /// Total cell area from Yosys `stat -liberty`, µm².
    public var areaUM2: Double
    /// Number of standard cells.
    public var cells: Int
    /// Number of flip-flop cells (Liberty cell names beginning with `DFF`).
    public var flipFlops: Int
    /// Longest register-to-register (or I/O) path: clock period − worst setup slack, ns;
    /// 0 when nothing is timed.
    public var criticalPathNS: Double
    /// 1000 / criticalPathNS (0 when criticalPathNS is 0).
    public var fmaxMHz: Double
    /// Start of the worst path: a register (the net its Q drives) or an input port.
    public var startpoint: String
    /// End of the worst path: a register or an output port.
    public var endpoint: String
    /// Wall time of the Yosys run, s.
    public var yosysSeconds: Double
    /// Wall time of the OpenSTA run, s.
    public var staSeconds: Double
    /// The target (`osu018`, `generic`, `ice40` or `ecp5` in JSON).
    public var target: SynthTarget = .osu018
    /// Worst negative slack at the requested clock, ns (0 when timing is met; OSU018).
    public var wnsNS: Double? = nil
    /// Longest path in generic cells (`ltp -noff`; `generic`).
    public var logicDepth: Int? = nil
    /// FPGA: logic cells (iCE40 `ICESTORM_LC`, ECP5 `TRELLIS_COMB`, each one LUT4), DSP blocks
    /// (`ICESTORM_DSP`, `MULT18X18D`), block RAMs (`ICESTORM_RAM` + `ICESTORM_SPRAM`, `DP16KD`), and the part's capacity of each.
    public var luts: Int? = nil
    public var dsps: Int? = nil
    public var brams: Int? = nil
    public var lutCapacity: Int? = nil
    public var dspCapacity: Int? = nil
    /// The part: `iCE40 UP5K (sg48)`, `ECP5 LFE5U-25F (CABGA381)`.
    public var part: String? = nil
    /// Why the design does not fit the part (placement failed), or nil.
    public var fitProblem: String? = nil
    /// Flip-flops the FPGA port wrapper adds (shift registers in front of every input and behind every output).
    public var wrapperFlipFlops: Int? = nil
    /// Throughput and efficiency derived from the numbers above and the engine's MAC count.
    public var metrics: PPAMetrics? = nil
    /// Power and energy from gate-level switching activity (`hwgen synth --power`), or nil.
    public var power: PowerReport? = nil
    /// What the flow had to do differently (a tool workaround), or nil.
    public var note: String? = nil
    /// Memory macros (ASIC flows; a GEMM engine's buffers), or nil when the design has none.
    public var memory: MemoryReport? = nil

    public init(design: String, liberty: String, clockNS: Double, areaUM2: Double, cells: Int,
                flipFlops: Int, criticalPathNS: Double, fmaxMHz: Double, startpoint: String,
                endpoint: String, yosysSeconds: Double, staSeconds: Double) {
        self.design = design
        self.liberty = liberty
        self.clockNS = clockNS
        self.areaUM2 = areaUM2
        self.cells = cells
        self.flipFlops = flipFlops
        self.criticalPathNS = criticalPathNS
        self.fmaxMHz = fmaxMHz
        self.startpoint = startpoint
        self.endpoint = endpoint
        self.yosysSeconds = yosysSeconds
        self.staSeconds = staSeconds
    }

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        try JSONEncoder.sorted.encode(self)
    }
}

/// Aligned text table of synthesis reports (rendered with TextTable's `simple` style).
public enum SynthTable {
    /// One row per report: design, area µm², cells, FFs, crit path ns, Fmax MHz.
    /// Numbers are right-aligned; returns just the header for an empty list.
    public static func render(_ reports: [SynthReport]) -> String {
        let table = TextTable<SynthReport> { r in
            [Column(title: "design", value: r.design),
             Column(title: "area µm²", value: String(format: "%.1f", r.areaUM2), align: .right),
             Column(title: "cells", value: r.cells, align: .right),
             Column(title: "FFs", value: r.flipFlops, align: .right),
             Column(title: "crit path ns", value: String(format: "%.3f", r.criticalPathNS), align: .right),
             Column(title: "Fmax MHz", value: String(format: "%.1f", r.fmaxMHz), align: .right)]
        }
        return table.string(for: reports) ?? "design  area µm²  cells  FFs  crit path ns  Fmax MHz\n"
    }

    /// What `hwgen synth` prints: the target's table, then per design its worst path (OSU018),
    /// the derived metrics and the power note.
    public static func report(_ reports: [SynthReport]) -> String {
        guard let flow = reports.first?.target.flow else { return render(reports) }
        var text = flow.table(reports)
        for r in reports {
            var parts: [String] = []
            if let p = r.fitProblem { parts.append(p) }
            if let n = r.note { parts.append(n) }
            if let d = flow.detail(r) { parts.append(d) }
            if let w = r.wrapperFlipFlops { parts.append("ports wrapped in \(w) shift-register flip-flops (counted above)") }
            if let m = r.metrics {
                var q = ["\(m.macs) MACs"]
                if let g = m.peakGOPS { q.append("peak \(g) GOPS") }
                if let g = m.gopsPerMM2 { q.append("\(g) GOPS/mm²") }
                if let a = m.areaPerMACUM2 { q.append("\(a) µm²/MAC") }
                if let g = m.gopsPerKLUT { q.append("\(g) GOPS/kLUT") }
                if let l = m.lutsPerMAC { q.append("\(l) LUTs/MAC") }
                if let g = m.achievedGOPS, let s = m.gemm, let c = m.gemmCycles { q.append("gemm \(s): \(c) cycles, \(g) GOPS achieved") }
                parts.append(q.joined(separator: ", "))
            }
            if !parts.isEmpty { text += "\(r.design): " + parts.joined(separator: "; ") + "\n" }
            if let m = r.memory { text += "  \(m.line)\n" }
            if let p = r.power { text += p.lines.map { "  \($0)\n" }.joined() }
        }
        if let f = flow.footer, !reports.contains(where: { $0.power != nil }) { text += f + "\n" }
        return text
    }
}

/// Derived metrics of one synthesized design.
///
/// Peak GOPS = 2 × MACs × Fmax (one multiply and one add per MAC per cycle; a bit-serial MAC
/// takes several cycles per element, so its peak is an upper bound the achieved figure corrects).
/// Achieved GOPS, for a GEMM: 2·M·K·N / (golden cycles / Fmax).
public struct PPAMetrics: Codable, Equatable, Sendable {
    public var macs: Int
    public var peakGOPS: Double?
    /// ASIC: peak GOPS per mm² of cell area.
    public var gopsPerMM2: Double?
    /// ASIC: cell area per MAC, µm².
    public var areaPerMACUM2: Double?
    /// FPGA: peak GOPS per 1000 logic cells (LUT4).
    public var gopsPerKLUT: Double?
    /// FPGA: logic cells per MAC.
    public var lutsPerMAC: Double?
    /// The GEMM (`MxKxN`) and what the design achieves on it.
    public var gemm: String?
    public var gemmCycles: Int?
    public var achievedGOPS: Double?
    /// Power: why there is no figure (see ``PPAMetrics/powerNote``).
    public var power: String = PPAMetrics.powerNote

    /// Power is measured only on request: `hwgen synth --power` simulates the netlist (``GatePower``).
    public static let powerNote = "not measured (hwgen synth --power --gemm MxKxN measures it from the netlist's gate-level switching activity)"
    /// The note when `power` holds a measurement.
    public static let powerMeasured = "measured from gate-level switching activity (see power)"

    public init(report r: SynthReport, macs: Int, gemm: GemmShape? = nil, gemmCycles: Int? = nil) {
        self.macs = macs
        func round(_ x: Double, _ d: Double = 100) -> Double { (x * d).rounded() / d }
        let fmax = r.fmaxMHz > 0 ? r.fmaxMHz : nil
        peakGOPS = fmax.map { round(2 * Double(macs) * $0 / 1000) }
        if r.target == .osu018, r.areaUM2 > 0 {
            areaPerMACUM2 = round(r.areaUM2 / Double(macs), 1)
            gopsPerMM2 = peakGOPS.map { round($0 / (r.areaUM2 / 1e6)) }
        }
        if let luts = r.luts, luts > 0 {
            lutsPerMAC = round(Double(luts) / Double(macs))
            gopsPerKLUT = peakGOPS.map { round($0 / (Double(luts) / 1000)) }
        }
        if let g = gemm, let cycles = gemmCycles, cycles > 0 {
            self.gemm = g.description
            self.gemmCycles = cycles
            achievedGOPS = fmax.map { round(2 * Double(g.m * g.k * g.n) * $0 / 1000 / Double(cycles)) }
        }
    }
}

extension JSONEncoder {
    /// Pretty-printed, keys sorted: the same bytes for the same value.
    public static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }
}

/// The memory macros of an ASIC synthesis: `areaUM2` of ``SynthReport`` is logic plus these.
public struct MemoryReport: Codable, Equatable, Sendable {
    /// One macro module: its shape, how many instances, and its model.
    public struct Macro: Codable, Equatable, Sendable {
        public var name: String
        public var count: Int
        public var model: SRAMMacroModel
    }
    public var macros: [Macro]
    /// Standard-cell area (everything but the macros) and the macros' area, µm².
    public var logicAreaUM2: Double
    public var memoryAreaUM2: Double

    /// The report's line for `hwgen synth` and report pages.
    public var line: String {
        String(format: "memory macros: %.3f mm² (%@); logic %.3f mm²", memoryAreaUM2 / 1e6,
               macros.map { "\($0.count)× \($0.model.words)x\($0.model.bits)" }.joined(separator: ", "), logicAreaUM2 / 1e6)
    }
}
