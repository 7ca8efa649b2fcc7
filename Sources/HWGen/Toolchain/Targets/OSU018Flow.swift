import Foundation
import TextTable

/// `--target osu018`: Yosys + ABC onto the OSU 0.18 µm cells, OpenSTA at the clock (``ASICSynthesis``).
struct OSU018Flow: SynthesisFlow {
    var target: SynthTarget { .osu018 }
    var tools: [String] { ["yosys", "sta"] }

    func run(_ design: Design, clockNS: Double, workDir: URL, progress: (@Sendable (String) -> Void)?) throws -> SynthReport {
        let files = try Flow.emit(design, to: workDir)
        let macros = try SRAMMacro.cells(of: design.top, progress: progress)
        return try ASICSynthesis.run(verilog: files.rtl, top: design.name, clockNS: clockNS,
                                     workDir: workDir.appendingPathComponent("synth"), macros: macros, progress: progress)
    }

    func table(_ reports: [SynthReport]) -> String { SynthTable.render(reports) }

    func detail(_ r: SynthReport) -> String? {
        r.startpoint.isEmpty ? nil
            : "worst path \(r.startpoint) -> \(r.endpoint), WNS at \(r.clockNS) ns: \(String(format: "%.3f", r.wnsNS ?? 0)) ns"
    }

    var footer: String? { "power: \(PPAMetrics.powerNote)" }

    func pageRows(_ s: SynthReport) -> [(String, String)] {
        [("area", String(format: "%.3f mm² (%d cells, %d flip-flops)", s.areaUM2 / 1e6, s.cells, s.flipFlops)
            + (s.memory.map { "; " + $0.line } ?? "")),
         ("critical path", String(format: "%.3f ns, Fmax %.1f MHz, WNS %.3f ns", s.criticalPathNS, s.fmaxMHz, s.wnsNS ?? 0)),
         ("worst path", "\(s.startpoint) → \(s.endpoint)")]
    }

    var costMetric: SweepMetric { .area }
    var costAxis: String { "area (mm²)" }
}
