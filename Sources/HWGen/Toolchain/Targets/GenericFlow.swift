import Foundation
import TextTable

/// `--target generic`: Yosys's generic cells, no library: cell count and logic depth (`ltp -noff`).
struct GenericFlow: SynthesisFlow {
    var target: SynthTarget { .generic }
    var tools: [String] { ["yosys"] }
    var clocked: Bool { false }

    func run(_ design: Design, clockNS: Double, workDir: URL, progress: (@Sendable (String) -> Void)?) throws -> SynthReport {
        let dir = workDir.appendingPathComponent("synth-generic")
        let (reads, t0) = try FPGASynthesis.prepare(design.top, target: target, clockNS: clockNS, workDir: dir, progress: progress)
        var report = FPGASynthesis.emptyReport(design.top, target: target, clockNS: clockNS)
        let yosys = try Tools.find("yosys", package: "yosys")
        let log = try FPGASynthesis.runTool(yosys, ["-p", "\(reads)\nsynth -flatten -top \(design.name)\nstat\nltp -noff"], "yosys", dir)
        let stat = try FPGASynthesis.parseGenericStat(log)
        (report.cells, report.flipFlops, report.logicDepth) = (stat.cells, stat.flipFlops, try FPGASynthesis.parseLTP(log))
        report.yosysSeconds = FPGASynthesis.seconds(since: t0)
        return report
    }

    func table(_ reports: [SynthReport]) -> String {
        TextTable<SynthReport> { r in
            [Column(title: "design", value: r.design), Column(title: "cells", value: r.cells, align: .right),
             Column(title: "FFs", value: r.flipFlops, align: .right),
             Column(title: "logic depth", value: r.logicDepth.map(String.init) ?? "-", align: .right)]
        }.string(for: reports) ?? ""
    }

    func pageRows(_ s: SynthReport) -> [(String, String)] {
        [("generic cells", "\(s.cells) (\(s.flipFlops) flip-flops), logic depth \(s.logicDepth.map(String.init) ?? "-")")]
    }

    var costMetric: SweepMetric { .cells }
    var costAxis: String { "generic cells" }
}
