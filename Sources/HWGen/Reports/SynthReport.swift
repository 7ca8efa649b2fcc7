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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
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
}
