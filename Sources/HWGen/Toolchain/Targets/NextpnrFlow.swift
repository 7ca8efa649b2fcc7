import Foundation
import TextTable

/// An FPGA target through Yosys and nextpnr: the design behind ``FPGASynthesis/portWrapper(_:)``,
/// synthesized, placed and routed on one part; LUTs, DSPs, BRAMs, flip-flops and Fmax. Each part
/// is a value in its own file (`ICE40Flow.swift`, `ECP5Flow.swift`).
struct NextpnrFlow: SynthesisFlow {
    let target: SynthTarget
    /// Yosys and nextpnr executables, each as (name, Debian or PyPI package, from PyPI).
    let yosys: (name: String, package: String, pypi: Bool)
    let nextpnr: (name: String, package: String, pypi: Bool)
    /// Yosys's synthesis command, given the top module and the JSON netlist to write.
    let synth: @Sendable (_ top: String, _ json: String) -> String
    /// nextpnr's part arguments.
    let partArguments: [String]
    /// nextpnr's names for LUTs, DSPs and block RAMs, and (when it counts them) flip-flops.
    let lutCell: String, dspCell: String, ramCells: [String], flipFlopCell: String?
    /// The table's title of the DSP column.
    let dspTitle: String
    /// When Yosys crashes with `synth`, the command that maps without DSPs and the note saying so.
    var withoutDSPs: (@Sendable (_ top: String, _ json: String) -> String, note: String)? = nil

    var tools: [String] { [yosys.name, nextpnr.name] }

    private func find(_ t: (name: String, package: String, pypi: Bool)) throws -> String {
        t.pypi ? try FPGASynthesis.findPyPI(t.name) : try Tools.find(t.name, package: t.package)
    }

    func run(_ design: Design, clockNS: Double, workDir dir: URL, progress: (@Sendable (String) -> Void)?) throws -> SynthReport {
        let top = design.top, workDir = dir.appendingPathComponent("synth-\(target.rawValue)")
        let (reads, t0) = try FPGASynthesis.prepare(top, target: target, clockNS: clockNS, workDir: workDir, progress: progress)
        var report = FPGASynthesis.emptyReport(top, target: target, clockNS: clockNS)
        let yosys = try find(self.yosys), pnr = try find(nextpnr)
        let wrapped = "\(top.name)_fpga", json = "\(wrapped).json"
        let ylog: String
        do {
            ylog = try FPGASynthesis.runTool(yosys, ["-p", "\(reads)\n\(synth(wrapped, json))\nstat"], "yosys", workDir)
        } catch let e as HWGenError where withoutDSPs != nil && e.message.contains("exit status 11")
                    && ((try? String(contentsOf: workDir.appendingPathComponent("yosys.log"), encoding: .utf8)) ?? "")
                        .split(separator: "\n").last(where: { $0.contains("Executing") })?.contains("ICE40_DSP") == true {
            // Yosys 0.23 crashes (SIGSEGV) in its ice40_dsp pass on some designs: map the
            // multipliers to logic instead, and say so.
            try? FileManager.default.moveItem(at: workDir.appendingPathComponent("yosys.log"), to: workDir.appendingPathComponent("yosys-dsp-crash.log"))
            ylog = try FPGASynthesis.runTool(yosys, ["-p", "\(reads)\n\(withoutDSPs!.0(wrapped, json))\nstat"], "yosys", workDir)
            report.note = withoutDSPs!.note
        }
        report.yosysSeconds = FPGASynthesis.seconds(since: t0)
        report.flipFlops = (try? FPGASynthesis.parseGenericStat(ylog).flipFlops) ?? 0
        let t1 = ContinuousClock.now
        progress?("synth \(top.name): \(target.rawValue) place and route …")
        let freq = String(format: "%.3f", 1000 / clockNS)
        let r = try Tools.run(pnr, partArguments + ["--json", json, "--freq", freq, "--timing-allow-fail", "--seed", "1"],
                              in: workDir, timeout: FPGASynthesis.timeout)
        try r.combined.write(to: workDir.appendingPathComponent("nextpnr.log"), atomically: true, encoding: .utf8)
        report.staSeconds = FPGASynthesis.seconds(since: t1)
        if r.timedOut { throw HWGenError.badInput("nextpnr timed out after \(Int(FPGASynthesis.timeout)) s (log: \(workDir.path)/nextpnr.log)") }
        let pnrResult = FPGASynthesis.parseNextpnr(r.combined, target: target)
        report.luts = pnrResult.utilisation[lutCell]?.used
        report.lutCapacity = pnrResult.utilisation[lutCell]?.available
        report.dsps = pnrResult.utilisation[dspCell]?.used
        report.dspCapacity = pnrResult.utilisation[dspCell]?.available
        report.brams = ramCells.compactMap { pnrResult.utilisation[$0]?.used }.reduce(0, +)
        // Where nextpnr counts the flip-flops itself (YoWASP Yosys's log may end before its stat).
        if let cell = flipFlopCell, let ff = pnrResult.utilisation[cell]?.used { report.flipFlops = ff }
        report.wrapperFlipFlops = FPGASynthesis.wrapperFlipFlops(top)
        if r.status != 0 || pnrResult.error != nil {
            // Too large for the part is a result, not a crash; anything else is a tool failure.
            let over = pnrResult.utilisation.filter { $0.value.used > $0.value.available }
                .sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.used) of \($0.value.available)" }
            guard !over.isEmpty || pnrResult.error?.contains("Unable to place") == true else {
                throw HWGenError.badInput("nextpnr failed: \(pnrResult.error ?? "exit status \(r.status)") (log: \(workDir.path)/nextpnr.log)")
            }
            report.fitProblem = "does not fit the \(target.part!): " + (over.isEmpty ? pnrResult.error! : "uses " + over.joined(separator: ", "))
        } else if let f = pnrResult.fmaxMHz {
            report.fmaxMHz = (f * 100).rounded() / 100
            report.criticalPathNS = ((1000 / f) * 10000).rounded() / 10000
        }
        return report
    }

    func table(_ reports: [SynthReport]) -> String {
        TextTable<SynthReport> { r in
            [Column(title: "design", value: r.design),
             Column(title: "LUTs", value: "\(r.luts.map(String.init) ?? "-")/\(r.lutCapacity.map(String.init) ?? "-")", align: .right),
             Column(title: dspTitle, value: "\(r.dsps.map(String.init) ?? "-")/\(r.dspCapacity.map(String.init) ?? "-")", align: .right),
             Column(title: "BRAMs", value: r.brams.map(String.init) ?? "-", align: .right),
             Column(title: "FFs", value: r.flipFlops, align: .right),
             Column(title: "Fmax MHz", value: r.fitProblem == nil ? String(format: "%.1f", r.fmaxMHz) : "-", align: .right)]
        }.string(for: reports) ?? ""
    }

    func pageRows(_ s: SynthReport) -> [(String, String)] {
        [("LUTs", "\(s.luts.map(String.init) ?? "-") of \(s.lutCapacity.map(String.init) ?? "-")"),
         ("DSPs, BRAMs, flip-flops", "\(s.dsps.map(String.init) ?? "-") of \(s.dspCapacity.map(String.init) ?? "-"), \(s.brams.map(String.init) ?? "-"), \(s.flipFlops) (port wrapper: \(s.wrapperFlipFlops ?? 0))")]
            + (s.fitProblem == nil ? [("Fmax", String(format: "%.1f MHz", s.fmaxMHz))] : [])
    }

    var costMetric: SweepMetric { .luts }
    var costAxis: String { "logic cells (LUT4)" }
    var densityColumn: String { "gops_per_klut" }
    func density(_ m: PPAMetrics) -> Double? { m.gopsPerKLUT }
}
