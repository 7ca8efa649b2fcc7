import Foundation
import Templates

/// Cell statistics parsed from Yosys `stat -liberty`.
public struct YosysStat: Equatable, Sendable {
    /// Chip area, µm².
    public var areaUM2: Double
    /// Total number of cells.
    public var cells: Int
    /// Cells whose Liberty name begins with `DFF`.
    public var flipFlops: Int
    /// Count per cell type, e.g. `["DFFPOSX1": 40, "NAND2X1": 122]`.
    public var cellCounts: [String: Int]
}

/// Worst setup path parsed from OpenSTA output.
public struct STAResult: Equatable, Sendable {
    /// Worst setup slack, ns; nil when no path is constrained ("worst slack INF").
    public var worstSlackNS: Double?
    /// Instance or port name where the worst path starts ("" when there is none).
    public var startpoint: String
    /// Instance or port name where the worst path ends ("" when there is none).
    public var endpoint: String
}

/// ASIC synthesis and timing of Verilog designs: Yosys (0.23) maps onto a Liberty library,
/// OpenSTA (2019) times the netlist against one clock.
///
/// Critical path = clock period − worst setup slack, so a generous clock still measures the
/// real path (positive slack). The period matters only as ABC's delay target (`-D`, in ps):
/// a tighter target can buy a shorter path for more area (8-bit MAC: 10 ns → 3.81 ns, 20,128 µm²;
/// 2 ns → 2.98 ns, 29,003 µm²), so `--clock` defaults to a relaxed 10 ns.
/// Scripts, logs and the netlist are written to (and kept in) the work directory as
/// `<top>.ys`, `<top>.yosys.log`, `<top>.netlist.v`, `<top>.sta.tcl`, `<top>.sta.log`.
public struct ASICSynthesis {
    /// The OSU 0.18 µm library from Debian's `qflow-tech-osu018`.
    public static let defaultLiberty = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
    /// Time limit of one tool run, s: 3600, or `HWGEN_SYNTH_TIMEOUT` (the 16×16 float arrays' ABC
    /// mapping takes longer on 2 cores); a value that is not a positive number of seconds is exit 2.
    static func timeout(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> TimeInterval {
        guard let v = env["HWGEN_SYNTH_TIMEOUT"], !v.isEmpty else { return 3600 }
        guard let s = TimeInterval(v), s.isFinite, s > 0 else {
            throw HWGenError.badInput("HWGEN_SYNTH_TIMEOUT: '\(v)' is not allowed (allowed: a positive number of seconds; the default is 3600)")
        }
        return s
    }

    /// Whether ABC maps with `topo` before `buffer -p` at once (`HWGEN_ABC_TOPO=1`) rather than
    /// only after a first mapping aborted: the same script as that retry, so the same netlist,
    /// without the first attempt (on the 16×16 float arrays, over an hour of ABC that aborts).
    static func topoAtOnce(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        switch env["HWGEN_ABC_TOPO"] {
        case nil, "", "0"?: return false
        case "1"?: return true
        case let v?: throw HWGenError.badInput("HWGEN_ABC_TOPO: '\(v)' is not allowed (allowed: 0, the default: topo only when a first mapping aborts; 1: topo at once)")
        }
    }

    /// Synthesizes `verilog` with top module `top`, times it at `clockNS`, and returns area and
    /// timing. Throws exit-3 errors for missing tools or the default Liberty, exit-2 errors for
    /// bad arguments and tool failures (quoting the first error line and naming the kept log).
    ///
    /// `progress`, when given, receives a line when Yosys starts and every `progressEvery` seconds
    /// while it runs (a 16×16 array takes minutes), then one when OpenSTA starts.
    /// `parameters` (name, integer value) override the top module's parameters (Yosys `chparam`).
    /// `macros` are modules kept as black boxes, each a cell of `<top>.macros.lib` (their area is
    /// added to the standard cells' and reported apart in ``SynthReport/memory``).
    public static func run(verilog: [URL], top: String, clockNS: Double, workDir: URL,
                           parameters: [(String, Int)] = [], macros: [SRAMMacro.Cell] = [],
                           liberty: String = defaultLiberty, progressEvery: Double = 15,
                           progress: (@Sendable (String) -> Void)? = nil) throws -> SynthReport {
        let yosys = try Tools.find("yosys", package: "yosys")
        let sta = try Tools.find("sta", package: "opensta")
        let fm = FileManager.default
        if !fm.fileExists(atPath: liberty) {
            if liberty == defaultLiberty {
                throw HWGenError(.missingTool, "Liberty file \(liberty) not found (install it with: "
                    + "apt-get install -y --no-install-recommends qflow-tech-osu018)")
            }
            throw HWGenError.badInput("Liberty file \(liberty) not found")
        }
        guard top.range(of: #"^[A-Za-z_][A-Za-z0-9_$]*$"#, options: .regularExpression) != nil else {
            throw HWGenError.badInput("invalid top module name '\(top)'")
        }
        for (name, _) in parameters where name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) == nil {
            throw HWGenError.badInput("invalid parameter name '\(name)'")
        }
        guard clockNS.isFinite, clockNS > 0 else {
            throw HWGenError.badInput("clock period must be > 0 ns (got \(clockNS))")
        }
        guard !verilog.isEmpty else { throw HWGenError.badInput("no Verilog files to synthesize") }
        for f in verilog where !fm.fileExists(atPath: f.path) {
            throw HWGenError.badInput("Verilog file \(f.path) not found")
        }
        // Paths go into double-quoted script words: keep out characters Tcl/Yosys would expand.
        for p in verilog.map(\.path) + [liberty, workDir.path]
        where p.contains(where: { "\"$[]\\;\n".contains($0) }) {
            throw HWGenError.badInput("path \(p) contains a character not allowed in tool scripts (\" $ [ ] \\ ;)")
        }
        try fm.createDirectory(at: workDir, withIntermediateDirectories: true)
        let file = { (suffix: String) in workDir.appendingPathComponent("\(top).\(suffix)") }
        let (script, yosysLog, netlist) = (file("ys"), file("yosys.log"), file("netlist.v"))
        let (tcl, staLog) = (file("sta.tcl"), file("sta.log"))
        let macroLib = file("macros.lib")
        if !macros.isEmpty { try SRAMMacro.liberty(macros).write(to: macroLib, atomically: true, encoding: .utf8) }

        // Yosys: synthesis, mapping, area. Yosys 0.23's ABC can leave nodes without fanout after
        // `map` on large float datapaths and then aborts in `buffer -p` ("node … has no fanout";
        // Yosys reports only "Can't open ABC output file"). The run is then repeated once with
        // `topo` before `buffer -p`, which drops those nodes and changes no logic; the report's
        // note says so.
        let files: [[String: Any]] = verilog.map { ["path": $0.path, "sv": $0.pathExtension == "sv"] }
        var note: String? = nil
        var y: CommandResult? = nil
        var yosysSeconds = 0.0
        var t0 = ContinuousClock.now
        let topoAtOnce = try Self.topoAtOnce()
        let timeout = try Self.timeout()
        if topoAtOnce { note = "mapped with topo before buffer -p at once (HWGEN_ABC_TOPO=1), as the retry after an ABC abort does" }
        for retry in topoAtOnce ? [true] : [false, true] {
            try Templates.render(Templates.yosysASIC, [
                "files": files, "top": top, "liberty": liberty, "blackboxes": macros.map { ["name": $0.name] },
                "params": parameters.map { ["name": $0.0, "value": String($0.1)] },
                "renameTop": !parameters.isEmpty,  // chparam renames the module $paramod\…
                "delayPS": String(Int((clockNS * 1000).rounded())), "netlist": netlist.path, "topo": retry,
            ]).write(to: script, atomically: true, encoding: .utf8)
            t0 = ContinuousClock.now
            progress?("synth \(top): yosys mapping to \(URL(fileURLWithPath: liberty).lastPathComponent) (ABC delay target \(Int((clockNS * 1000).rounded())) ps)\(retry ? (topoAtOnce ? ", with topo before buffer -p" : " again, with topo before buffer -p") : "") …")
            let start = t0
            let ticker = progress.map { report in
                Tools.ticker(every: progressEvery) { report("synth \(top): yosys still running, \(Int(seconds(since: start))) s") }
            }
            let run = try Tools.run(yosys, ["-s", script.path], in: workDir, timeout: timeout)
            y = run
            ticker?.cancel()
            yosysSeconds = seconds(since: t0)
            try run.combined.write(to: yosysLog, atomically: true, encoding: .utf8)
            if run.timedOut {
                throw HWGenError.badInput("yosys timed out after \(Int(timeout)) s (log: \(yosysLog.path); HWGEN_SYNTH_TIMEOUT=SECONDS raises the limit)")
            }
            if !retry, firstLine(containing: "Can't open ABC output file", in: run.combined) != nil {
                note = "ABC (Yosys 0.23) aborted buffer -p on nodes without fanout; mapped again with topo before buffer -p"
                continue
            }
            if let line = firstLine(containing: "ERROR:", in: run.combined) ?? (run.status != 0 ? "exit status \(run.status)" : nil) {
                throw HWGenError.badInput("yosys failed: \(line) (log: \(yosysLog.path))")
            }
            break
        }
        let yosysOutput = y!.combined
        let stat: YosysStat
        do { stat = try parseYosysStat(yosysOutput) } catch let e as HWGenError {
            throw HWGenError.badInput("\(e.message) (log: \(yosysLog.path))")
        }

        // A module with no body (a vendor part's simulation-only model, a missing file read as a
        // black box) survives synthesis as an instance of itself: its area and paths would be missing.
        let libraryCells = Set(((try? String(contentsOfFile: liberty, encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap(libertyCellName))
        let macroNames = Set(macros.map(\.name))
        let unmapped = stat.cellCounts.keys.filter { !libraryCells.contains($0) && !macroNames.contains($0) }.sorted()
        if !libraryCells.isEmpty, !unmapped.isEmpty {
            throw HWGenError.badInput("the netlist keeps instances of \(unmapped.joined(separator: ", ")), which "
                + "\(unmapped.count == 1 ? "is not a cell" : "are not cells") of \(URL(fileURLWithPath: liberty).lastPathComponent): "
                + "a module without a synthesizable body (e.g. inside translate_off) was left as a black box (log: \(yosysLog.path))")
        }

        // OpenSTA: worst setup path.
        try Templates.render(Templates.openSTA, [
            "liberty": liberty, "netlist": netlist.path, "top": top, "periodNS": "\(clockNS)",
            "macroLiberty": macros.isEmpty ? false : macroLib.path,
        ]).write(to: tcl, atomically: true, encoding: .utf8)
        progress?("synth \(top): yosys done in \(Int(yosysSeconds)) s; OpenSTA timing …")
        t0 = ContinuousClock.now
        let s = try Tools.run(sta, ["-no_splash", "-no_init", tcl.path], in: workDir, timeout: timeout)
        let staSeconds = seconds(since: t0)
        try s.combined.write(to: staLog, atomically: true, encoding: .utf8)
        if s.timedOut {
            throw HWGenError.badInput("sta timed out after \(Int(timeout)) s (log: \(staLog.path); HWGEN_SYNTH_TIMEOUT=SECONDS raises the limit)")
        }
        let timing: STAResult
        do { timing = try parseSTA(s.combined) } catch let e as HWGenError {
            throw HWGenError.badInput("\(e.message) (log: \(staLog.path))")
        }

        let netText = (try? String(contentsOf: netlist, encoding: .utf8)) ?? ""
        let critical = timing.worstSlackNS.map { rounded(clockNS - $0, 4) } ?? 0
        var report = SynthReport(
            design: top, liberty: URL(fileURLWithPath: liberty).lastPathComponent, clockNS: clockNS,
            areaUM2: stat.areaUM2, cells: stat.cells, flipFlops: stat.flipFlops,
            criticalPathNS: critical, fmaxMHz: critical > 0 ? rounded(1000 / critical, 2) : 0,
            startpoint: registerName(timing.startpoint, netlist: netText),
            endpoint: registerName(timing.endpoint, netlist: netText),
            yosysSeconds: rounded(yosysSeconds, 3), staSeconds: rounded(staSeconds, 3))
        report.wnsNS = timing.worstSlackNS.map { min(0, rounded($0, 4)) }
        report.note = note
        if !macros.isEmpty {
            let used = macros.map { MemoryReport.Macro(name: $0.name, count: stat.cellCounts[$0.name] ?? 0, model: $0.model) }
            let memory = used.reduce(0.0) { $0 + Double($1.count) * $1.model.areaUM2 }
            report.memory = MemoryReport(macros: used, logicAreaUM2: stat.areaUM2, memoryAreaUM2: rounded(memory, 3))
            report.areaUM2 = rounded(stat.areaUM2 + memory, 3)
        }
        return report
    }

    // MARK: - Parsing (pure)

    /// Parses the last `stat -liberty` block of a Yosys log: "Number of cells:", the per-cell
    /// list after it, and "Chip area for module '\T': A".
    static func parseYosysStat(_ log: String) throws -> YosysStat {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        guard let areaIdx = lines.lastIndex(where: { $0.contains("Chip area for") }),
              let area = lines[areaIdx].split(separator: ":").last
                .flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw HWGenError.badInput("no 'Chip area' line in the Yosys stat output")
        }
        guard let cellsIdx = lines[..<areaIdx].lastIndex(where: { $0.contains("Number of cells:") }),
              let cells = lines[cellsIdx].split(separator: ":").last
                .flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw HWGenError.badInput("no 'Number of cells:' line in the Yosys stat output")
        }
        var counts: [String: Int] = [:]
        for line in lines[(cellsIdx + 1)..<areaIdx] {
            let f = line.split(separator: " ")
            guard f.count == 2, let n = Int(f[1]) else { break }  // blank line ends the list
            counts[String(f[0]), default: 0] += n
        }
        let ffs = counts.filter { $0.key.hasPrefix("DFF") }.values.reduce(0, +)
        return YosysStat(areaUM2: area, cells: cells, flipFlops: ffs, cellCounts: counts)
    }

    /// Parses OpenSTA output of `report_checks` and `report_worst_slack`. Any `Error:` line
    /// (OpenSTA always exits 0) is thrown, quoted.
    static func parseSTA(_ log: String) throws -> STAResult {
        if let err = firstLine(containing: "Error:", in: log) {
            throw HWGenError.badInput("OpenSTA: \(err)")
        }
        let lines = log.split(separator: "\n")
        // report_checks prints one path per group (an async-reset recovery check first when a
        // design has one): take the path whose own slack is the smallest.
        var paths: [(start: Int, slack: Double)] = []
        for (i, l) in lines.enumerated() {
            if l.hasPrefix("Startpoint: ") { paths.append((i, .infinity)) }
            if l.hasSuffix("slack (MET)") || l.hasSuffix("slack (VIOLATED)"), !paths.isEmpty,
               let v = l.split(separator: " ").first.flatMap({ Double($0) }) {
                paths[paths.count - 1].slack = v
            }
        }
        let worst = paths.min { $0.slack < $1.slack }?.start ?? 0
        func field(_ prefix: String) -> String {
            guard let l = lines[worst...].first(where: { $0.hasPrefix(prefix) }) else { return "" }
            return l.dropFirst(prefix.count).split(separator: " ").first.map(String.init) ?? ""
        }
        guard let ws = lines.last(where: { $0.hasPrefix("worst slack ") }) else {
            throw HWGenError.badInput("no 'worst slack' line in the OpenSTA output")
        }
        let value = ws.dropFirst("worst slack ".count).trimmingCharacters(in: .whitespaces)
        if value == "INF" { return STAResult(worstSlackNS: nil, startpoint: "", endpoint: "") }
        guard let slack = Double(value) else {
            throw HWGenError.badInput("cannot read worst slack '\(value)' in the OpenSTA output")
        }
        return STAResult(worstSlackNS: slack, startpoint: field("Startpoint: "), endpoint: field("Endpoint: "))
    }

    /// "q[3] (_1181_)" for a flip-flop instance of `netlist` (the net its Q pin drives);
    /// `name` unchanged for ports and names not found.
    static func registerName(_ name: String, netlist: String) -> String {
        guard !name.isEmpty, let start = netlist.range(of: " \(name) (\n") else { return name }
        let body = netlist[start.upperBound...].prefix { $0 != ";" }
        guard let q = body.range(of: ".Q(") else { return name }
        let net = body[q.upperBound...].prefix { $0 != ")" }.trimmingCharacters(in: .whitespaces)
        return net.isEmpty ? name : "\(net) (\(name))"
    }

    /// "NAND2X1" for a Liberty line `cell (NAND2X1) {` (quotes allowed), else nil.
    static func libertyCellName(_ line: Substring) -> String? {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("cell"), let open = t.firstIndex(of: "("), let close = t.firstIndex(of: ")"), open < close,
              t[t.index(t.startIndex, offsetBy: 4)..<open].allSatisfy(\.isWhitespace) else { return nil }
        return t[t.index(after: open)..<close].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    }

    /// The first line of `text` containing `marker`, trimmed.
    static func firstLine(containing marker: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.contains(marker) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static func seconds(since t0: ContinuousClock.Instant) -> Double {
        let d = t0.duration(to: .now).components
        return Double(d.seconds) + Double(d.attoseconds) / 1e18
    }

    private static func rounded(_ x: Double, _ digits: Int) -> Double {
        let f = pow(10, Double(digits))
        return (x * f).rounded() / f
    }
}
