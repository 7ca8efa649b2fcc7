import Foundation

/// An RTL simulator HWGen can run its testbenches on.
public enum Simulator: String, CaseIterable, Sendable {
    /// Icarus Verilog 11: `iverilog -g2005` compiles, `vvp` runs.
    case icarus
    /// Verilator 5 (`verilator --binary`), which also needs `make` and `g++`.
    case verilator

    /// Executables this simulator needs, each with the Debian package that provides it.
    public var executables: [(name: String, package: String)] {
        switch self {
        case .icarus: return [("iverilog", "iverilog"), ("vvp", "iverilog")]
        case .verilator: return [("verilator", "verilator"), ("make", "make"), ("g++", "g++")]
        }
    }

    /// True when every executable is on PATH.
    public var isInstalled: Bool { executables.allSatisfy { Tools.which($0.name) != nil } }

    /// The simulators whose executables are all on PATH.
    public static var installed: [Simulator] { allCases.filter(\.isInstalled) }

    /// Full paths of the executables, in `executables` order, or a missing-tool error (exit 3).
    public func resolve() throws -> [String] {
        try executables.map { try Tools.find($0.name, package: $0.package) }
    }
}

/// Outcome of one testbench run.
public struct SimRun: Sendable {
    /// The simulator that ran it.
    public let simulator: Simulator
    /// Results the RTL produced (from `c_rtl.txt`), M×N, sign-interpreted per the acc type;
    /// positions the RTL never delivered are 0.
    public let c: IntMatrix
    /// Cycles from the first accepted element to the last result, inclusive (0 if none).
    public let cycles: Int
    /// Real (non-padding) results the testbench compared.
    public let tbChecked: Int
    /// Mismatches the testbench counted (padding, unexpected results included).
    public let tbMismatches: Int
    /// The testbench printed PASS, no mismatches, no timeout, and the process exited 0.
    public let tbPassed: Bool
    /// The testbench watchdog fired (`HWGEN TIMEOUT`).
    public let tbTimedOut: Bool
    /// Exit status of the simulation process (Verilator's abort on failure shows as 6, SIGABRT).
    public let exitStatus: Int32
    /// Simulation output (stdout then stderr).
    public let log: String
}

/// Builds and runs a generated testbench against RTL on a simulator.
public enum Simulation {
    /// Default memory depth of the testbench (its `MAX_WORDS` parameter).
    public static let defaultMaxWords = 65536

    /// Writes the operand files into `workDir`, builds (or reuses from `cacheDir`) the
    /// simulation of `testbench` + `rtlFiles`, runs it in `workDir` and collects the results.
    ///
    /// - Parameters:
    ///   - waves: if given, a VCD of the whole testbench is written there (`+waves=`);
    ///     Verilator is then built with `--trace`.
    ///   - cacheDir: if given, compiled simulations are kept there under a hash of the file
    ///     contents and flags, so rerunning the same design with another GEMM does not rebuild.
    ///     Safe for concurrent processes (each builds in a private directory, then renames).
    /// - Throws: `.badInput` for inconsistent operands, a missing-tool error (exit 3),
    ///   `.mismatch` when a tool fails on the generated code, the simulation is killed by
    ///   `simTimeout`, or it ends without a `HWGEN RESULT` line.
    public static func run(_ design: Design, rtlFiles: [URL], testbench: URL,
                           ops: GemmOperands, expected: IntMatrix,
                           simulator: Simulator, workDir: URL, waves: URL? = nil,
                           cacheDir: URL? = nil,
                           buildTimeout: TimeInterval = 1800,
                           simTimeout: TimeInterval = 1800, gateLevel: Bool = false) throws -> SimRun {
        let spec = design.spec
        let (a, b) = (ops.a, ops.b)
        let (m, k, n) = (a.rows, a.cols, b.cols)
        guard m >= 1, k >= 1, n >= 1 else { throw HWGenError.badInput("GEMM dimensions must be at least 1 (M=\(m) K=\(k) N=\(n))") }
        guard b.rows == k else { throw HWGenError.badInput("A is \(m)×\(k) but B is \(b.rows)×\(n)") }
        guard expected.rows == m, expected.cols == n else {
            throw HWGenError.badInput("expected C is \(expected.rows)×\(expected.cols), want \(m)×\(n)")
        }
        try checkRange(a, spec.mac.a, "A")
        if let i = b.data.firstIndex(where: { !spec.mac.containsB($0) }) {
            throw HWGenError.badInput("B[\(i / b.cols)][\(i % b.cols)] = \(b.data[i]) does not fit \(spec.mac.bTag)")
        }
        try checkRange(expected, spec.resultType, "expected C")
        return try run(design, rtlFiles: rtlFiles, testbench: testbench, resultRows: m, resultCols: n, simulator: simulator,
                       workDir: workDir, waves: waves, cacheDir: cacheDir, buildTimeout: buildTimeout, simTimeout: simTimeout,
                       gateLevel: gateLevel) { try writeVectors(design, ops: ops, expected: expected, to: $0) }
    }

    /// Builds (or reuses) and runs the testbench on the vectors `write` puts into the work
    /// directory (returning the memory depths they need), and reads the results back as a
    /// `resultRows` × `resultCols` matrix.
    public static func run(_ design: Design, rtlFiles: [URL], testbench: URL, resultRows m: Int, resultCols n: Int,
                           simulator: Simulator, workDir: URL, waves: URL? = nil, cacheDir: URL? = nil,
                           buildTimeout: TimeInterval = 1800, simTimeout: TimeInterval = 1800, gateLevel: Bool = false,
                           write: (URL) throws -> (beats: Int, words: Int)) throws -> SimRun {
        let spec = design.spec
        let tools = try simulator.resolve()
        let tbName = "tb_\(spec.name)"
        let fm = FileManager.default
        try fm.createDirectory(at: workDir, withIntermediateDirectories: true)

        let depths = try write(workDir)
        let rtlOut = workDir.appendingPathComponent("c_rtl.txt")
        try? fm.removeItem(at: rtlOut)

        let maxWords: Int? = depths.words > defaultMaxWords ? depths.words : nil
        let maxBeats: Int? = depths.beats > defaultMaxWords ? depths.beats : nil
        let sources = rtlFiles + [testbench]

        // Build (or reuse) the simulation.
        let runCommand: (exe: String, args: [String])
        switch simulator {
        case .icarus:
            let flags = icarusFlags(tbName: tbName, maxWords: maxWords, maxBeats: maxBeats)
            let vvp = try cachedBuild(simulator: simulator, tool: tools[0], flags: flags, sources: sources,
                                      workDir: workDir, cacheDir: cacheDir, artifact: "sim.vvp") { dir in
                let out = dir.appendingPathComponent("sim.vvp")
                let r = try Tools.run(tools[0], flags + ["-o", out.path] + sources.map(\.path),
                                      in: workDir, timeout: buildTimeout)
                try checkBuild(r, tool: "iverilog", tbName: tbName, timeout: buildTimeout)
            }
            runCommand = (tools[1], ["-n", vvp.path])
        case .verilator:
            let flags = verilatorFlags(tbName: tbName, maxWords: maxWords, maxBeats: maxBeats, trace: waves != nil, gateLevel: gateLevel)
            let bin = try cachedBuild(simulator: simulator, tool: tools[0], flags: flags, sources: sources,
                                      workDir: workDir, cacheDir: cacheDir, artifact: "sim") { dir in
                let obj = dir.appendingPathComponent("obj")
                let r = try Tools.run(tools[0], flags + ["--Mdir", obj.path, "-o", "sim"] + sources.map(\.path),
                                      in: workDir, timeout: buildTimeout)
                try checkBuild(r, tool: "verilator", tbName: tbName, timeout: buildTimeout)
                try fm.moveItem(at: obj.appendingPathComponent("sim"), to: dir.appendingPathComponent("sim"))
                if cacheDir != nil { try? fm.removeItem(at: obj) }
            }
            runCommand = (bin.path, [])
        }

        // Run.
        var args = runCommand.args
        if let waves { args.append("+waves=\(waves.path)") }
        // A netlist's model at -O0 keeps huge evaluation functions whose frames overflow the default
        // 8 MiB stack (a 4×4 2D-Matrix segfaulted): run it with the stack limit raised.
        let r = gateLevel && simulator == .verilator
            ? try Tools.run("/bin/sh", ["-c", "ulimit -s unlimited 2>/dev/null || ulimit -s $(ulimit -H -s); exec \"$0\" \"$@\"", runCommand.exe] + args,
                            in: workDir, timeout: simTimeout)
            : try Tools.run(runCommand.exe, args, in: workDir, timeout: simTimeout)
        let log = r.combined
        if r.timedOut {
            throw HWGenError.mismatch("\(simulator.rawValue) simulation of \(tbName) exceeded \(Int(simTimeout)) s and was killed")
        }
        guard let summary = parseResult(log) else {
            throw HWGenError.mismatch("\(simulator.rawValue) simulation of \(tbName) ended without an HWGEN RESULT line "
                                      + "(exit status \(r.status)): " + excerpt(log, errorsOnly: false))
        }
        let timedOut = log.contains("HWGEN TIMEOUT")
        let printedPass = log.split(whereSeparator: \.isNewline).contains { $0.trimmingCharacters(in: .whitespaces) == "PASS" }
        let c = try readResults(rtlOut, rows: m, cols: n, acc: spec.resultType)
        return SimRun(simulator: simulator, c: c, cycles: summary.cycles, tbChecked: summary.checked,
                      tbMismatches: summary.mismatches,
                      tbPassed: printedPass && summary.mismatches == 0 && !timedOut && r.status == 0,
                      tbTimedOut: timedOut, exitStatus: r.status, log: log)
    }

    /// ``writeVectors(_:ops:expected:to:)`` with A and B only.
    @discardableResult
    public static func writeVectors(_ design: Design, a: IntMatrix, b: IntMatrix, expected: IntMatrix,
                                    to dir: URL) throws -> (beats: Int, words: Int) {
        try writeVectors(design, ops: GemmOperands(a: a, b: b), expected: expected, to: dir)
    }

    /// ``run(_:rtlFiles:testbench:ops:expected:simulator:workDir:waves:cacheDir:buildTimeout:simTimeout:)`` with A and B only.
    public static func run(_ design: Design, rtlFiles: [URL], testbench: URL, a: IntMatrix, b: IntMatrix, expected: IntMatrix,
                           simulator: Simulator, workDir: URL, waves: URL? = nil, cacheDir: URL? = nil,
                           buildTimeout: TimeInterval = 1800, simTimeout: TimeInterval = 1800) throws -> SimRun {
        try run(design, rtlFiles: rtlFiles, testbench: testbench, ops: GemmOperands(a: a, b: b), expected: expected,
                simulator: simulator, workDir: workDir, waves: waves, cacheDir: cacheDir, buildTimeout: buildTimeout, simTimeout: simTimeout)
    }

    /// Writes the testbench's input files into `dir`: `dims.hex` (M, K, N), `a.hex`, `b.hex` (B's
    /// codes) and `c_expected.hex` (row-major, two's-complement hex of each type's width), and the engine's
    /// stimulus: `beats.hex`, `lanes.hex`, `out_map.hex` and `run.hex` (beats, results, watchdog
    /// and drain cycles, from the golden cycle model). Returns the memory depths the run needs.
    @discardableResult
    public static func writeVectors(_ design: Design, ops: GemmOperands, expected: IntMatrix,
                                    to dir: URL) throws -> (beats: Int, words: Int) {
        let (spec, engine) = (design.spec, design.engine)
        let golden = design.golden.cycles(GemmShape(m: ops.a.rows, k: ops.a.cols, n: ops.b.cols), b: ops.b)
        // From here on B is as its wires carry it.
        var coded = ops
        coded.b = spec.mac.encodeB(ops.b)
        let (a, b) = (coded.a, coded.b)
        let resultBits = spec.resultType.bits
        if let g = design.harness.gemmEngine {
            let host = g.hostData(a: a, b: b, exponents: ops.groupScales, scalesA: ops.scalesA)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try writeHex(dir.appendingPathComponent("dims.hex"), [Int64(a.rows), Int64(a.cols), Int64(b.cols)], bits: 32)
            try writeHex(dir.appendingPathComponent("c_expected.hex"), expected.data, bits: resultBits)
            let loads = host.aLines.count + host.bLines.count
            try writeHex(dir.appendingPathComponent("run.hex"),
                         [host.aLines.count, host.bLines.count, host.cMap.count,
                          (g.doubleBuffer ? 2 : 1) * (2 * golden + 3 * host.cMap.count + loads) + 1000, g.doubleBuffer ? 2 : 1]
                            .map(Int64.init), bits: 32)
            try writeHex(dir.appendingPathComponent("c_map.hex"), host.cMap.flatMap { $0.map { Int64($0 ?? -1) } }, bits: 32)
            var loads2: [(String, [[Int64]], StreamPort)] = []
            if g.doubleBuffer {
                let (m, k) = (a.rows, a.cols)
                // A2[r][k] = A[M−1−r][k], B2[k][c] = B[k][N−1−c]: C2[r][c] holds the sums of C[M−1−r][N−1−c]
                // (and B2 keeps B's N:M groups along K), requantized with column c's scales.
                let n = b.cols
                let a2 = IntMatrix(rows: m, cols: k, data: (0..<m).flatMap { r in (0..<k).map { a[m - 1 - r, $0] } })
                let b2 = IntMatrix(rows: k, cols: n, data: (0..<k).flatMap { r in (0..<n).map { ops.b[r, n - 1 - $0] } })
                var ops2 = ops
                (ops2.a, ops2.b) = (a2, b2)
                ops2.groupScales = ops.groupScales.map { e in
                    IntMatrix(rows: e.rows, cols: n, data: (0..<e.rows).flatMap { r in (0..<n).map { e[r, n - 1 - $0] } }) }
                ops2.scalesA = ops.scalesA.map { s in IntMatrix(rows: m, cols: s.cols, data: (0..<m).flatMap { r in (0..<s.cols).map { s[m - 1 - r, $0] } }) }
                let host2 = g.hostData(a: a2, b: spec.mac.encodeB(b2), exponents: ops2.groupScales, scalesA: ops2.scalesA)
                try writeHex(dir.appendingPathComponent("c2_expected.hex"), design.golden.c(ops2).data, bits: resultBits)
                loads2 = [("a2_load.hex", host2.aLines, StreamPort("a", lanes: g.aBanks, g.aWordType)),
                          ("b2_load.hex", host2.bLines, StreamPort("b", lanes: g.bBanks, g.bWordType))]
            }
            if let c = ops.columnScales {
                try writeHex(dir.appendingPathComponent("ep_mult.hex"), c.multipliers, bits: Epilogue.multiplierType.bits)
                try writeHex(dir.appendingPathComponent("ep_shift.hex"), c.shifts, bits: Epilogue.shiftType.bits)
            }
            for (file, lines, port) in [("a_load.hex", host.aLines, StreamPort("a", lanes: g.aBanks, g.aWordType)),
                                        ("b_load.hex", host.bLines, StreamPort("b", lanes: g.bBanks, g.bWordType))] + loads2 {
                var text = ""
                for line in lines { text += beatWord([line], ports: [port]); text += "\n" }
                try text.write(to: dir.appendingPathComponent(file), atomically: false, encoding: .utf8)
            }
            return (max(host.aLines.count, host.bLines.count, host.cMap.count * g.cBanks), a.rows * b.cols)
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try writeHex(dir.appendingPathComponent("a.hex"), a.data, bits: spec.mac.a.bits)
        try writeHex(dir.appendingPathComponent("b.hex"), b.data, bits: spec.mac.b.bits)
        return try writeStream(design, engine.stimulus(coded), expected: expected, k: a.cols, goldenCycles: golden, to: dir)
    }

    /// Writes a stream testbench's files for `stimulus`: `dims.hex` (rows and columns of the
    /// expected results, with `k` between them), `c_expected.hex`, `run.hex` (beats, results,
    /// watchdog and drain cycles from `goldenCycles`), `lanes.hex`, `out_map.hex`, `beats.hex`.
    @discardableResult
    public static func writeStream(_ design: Design, _ stimulus: Stimulus, expected: IntMatrix, k: Int, goldenCycles golden: Int,
                                   to dir: URL) throws -> (beats: Int, words: Int) {
        let engine = design.engine
        let results = stimulus.order.reduce(0) { $0 + $1.count }
        let drain = 2 * engine.drainBound + 4
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try writeHex(dir.appendingPathComponent("dims.hex"), [Int64(expected.rows), Int64(k), Int64(expected.cols)], bits: 32)
        try writeHex(dir.appendingPathComponent("c_expected.hex"), expected.data, bits: design.spec.resultType.bits)
        try writeHex(dir.appendingPathComponent("run.hex"),
                     [stimulus.beats.count, results, 2 * golden + drain + 1000, drain].map(Int64.init), bits: 32)
        try writeHex(dir.appendingPathComponent("lanes.hex"), stimulus.order.map { Int64($0.count) }, bits: 32)
        try writeHex(dir.appendingPathComponent("out_map.hex"), stimulus.order.flatMap { $0.map { Int64($0 ?? -1) } }, bits: 32)
        var text = ""
        for beat in stimulus.beats { text += beatWord(beat, ports: engine.streamPorts); text += "\n" }
        try text.write(to: dir.appendingPathComponent("beats.hex"), atomically: false, encoding: .utf8)
        return (stimulus.beats.count, max(results, expected.rows * expected.cols))
    }

    /// One beat as a hex word: the ports' lanes packed from bit 0 up, in port order.
    static func beatWord(_ beat: [[Int64]], ports: [StreamPort]) -> String {
        let total = ports.reduce(0) { $0 + $1.bits }
        var nibbles = [UInt8](repeating: 0, count: (total + 3) / 4)
        var at = 0
        for (p, values) in zip(ports, beat) {
            precondition(values.count == p.lanes, "beat for \(p.name) has \(values.count) lanes, want \(p.lanes)")
            for v in values {
                let u = UInt64(bitPattern: v)
                for bit in 0..<p.type.bits where (u >> UInt64(min(bit, 63))) & 1 == 1 {
                    nibbles[(at + bit) / 4] |= 1 << UInt8((at + bit) % 4)
                }
                at += p.type.bits
            }
        }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(decoding: nibbles.reversed().map { digits[Int($0)] }, as: UTF8.self)
    }

    // MARK: - Flags

    /// `iverilog` flags (before `-o` and the sources).
    static func icarusFlags(tbName: String, maxWords: Int?, maxBeats: Int? = nil) -> [String] {
        var f = ["-g2005", "-s", tbName]
        if let maxWords { f += ["-P", "\(tbName).MAX_WORDS=\(maxWords)"] }
        if let maxBeats { f += ["-P", "\(tbName).MAX_BEATS=\(maxBeats)"] }
        return f
    }

    /// `verilator` flags (before `--Mdir`, `-o` and the sources).
    ///
    /// `--binary` builds the timed testbench with its own `main`; `-j 0` uses every core for
    /// verilating and `make`; `-Wno-fatal` keeps warnings in RTL from blocking the simulation
    /// (they stay in the build log; the testbench itself lints clean); the C++ is compiled with
    /// `-O1` for the model and `-O0` for run-once code, which builds markedly faster than the
    /// default `-Os` and is fast enough for testbench-sized GEMMs.
    ///
    /// `gateLevel` (a synthesized netlist, thousands of cell instances): lint warnings off and the
    /// C++ at `-O0`, which builds a 4×4 array's netlist in about 1 minute instead of 6 and still
    /// simulates 2,000 cycles in seconds.
    static func verilatorFlags(tbName: String, maxWords: Int?, maxBeats: Int? = nil, trace: Bool,
                               gateLevel: Bool = false) -> [String] {
        let opt = gateLevel ? "-O0" : "-O1"
        var f = ["--binary", "-j", "0", "--top-module", tbName, "-Wno-fatal",
                 "-MAKEFLAGS", "OPT_FAST=\(opt)", "-MAKEFLAGS", "OPT_SLOW=-O0", "-MAKEFLAGS", "OPT_GLOBAL=\(opt)"]
        if gateLevel { f += ["-Wno-lint", "-Wno-style"] }
        if let maxWords { f.append("-GMAX_WORDS=\(maxWords)") }
        if let maxBeats { f.append("-GMAX_BEATS=\(maxBeats)") }
        if trace { f.append("--trace") }
        return f
    }

    // MARK: - Build cache

    /// Runs `build(dir)` to produce `dir/artifact` and returns that file. With a cache the
    /// result is kept under `cacheDir/<simulator>-<hash>/`; without one, `dir` is in `workDir`.
    private static func cachedBuild(simulator: Simulator, tool: String, flags: [String], sources: [URL],
                                    workDir: URL, cacheDir: URL?, artifact: String,
                                    build: (URL) throws -> Void) throws -> URL {
        let fm = FileManager.default
        guard let cacheDir else {
            let dir = workDir.appendingPathComponent("\(simulator.rawValue)_build")
            try? fm.removeItem(at: dir)
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try build(dir)
            return dir.appendingPathComponent(artifact)
        }
        let key = try buildKey(simulator: simulator, tool: tool, flags: flags, sources: sources)
        let final = cacheDir.appendingPathComponent("\(simulator.rawValue)-\(key)")
        let finalArtifact = final.appendingPathComponent(artifact)
        if fm.fileExists(atPath: finalArtifact.path) { return finalArtifact }
        try fm.createDirectory(at: cacheDir, withIntermediateDirectories: true)
        let tmp = cacheDir.appendingPathComponent(
            ".tmp-\(simulator.rawValue)-\(key)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        try build(tmp)
        // rename(2) of a directory is atomic and fails if another process got there first:
        // then its (identical) build is used.
        if rename(tmp.path, final.path) != 0 && !fm.fileExists(atPath: finalArtifact.path) {
            throw HWGenError.mismatch("cannot store the \(simulator.rawValue) build in \(final.path): \(String(cString: strerror(errno)))")
        }
        return finalArtifact
    }

    /// Cache key: FNV-1a 64 over the simulator, tool path, flags, and each source's name and bytes.
    static func buildKey(simulator: Simulator, tool: String, flags: [String], sources: [URL]) throws -> String {
        var h = FNV1a64()
        h.add("hwgen-sim-cache-v1\u{0}\(simulator.rawValue)\u{0}\(tool)\u{0}")
        for f in flags { h.add(f); h.add("\u{0}") }
        for url in sources {
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw HWGenError.badInput("cannot read \(url.path): \(error.localizedDescription)")
            }
            h.add("\u{1}\(url.lastPathComponent)\u{0}\(data.count)\u{0}")
            h.add(data)
        }
        return h.hex
    }

    /// Throws `.mismatch` with the first error lines when a build failed.
    private static func checkBuild(_ r: CommandResult, tool: String, tbName: String, timeout: TimeInterval) throws {
        if r.timedOut {
            throw HWGenError.mismatch("\(tool) build of \(tbName) exceeded \(Int(timeout)) s and was killed")
        }
        if r.status != 0 {
            throw HWGenError.mismatch("\(tool) failed to build \(tbName) (exit status \(r.status)): "
                                      + excerpt(r.combined, errorsOnly: true))
        }
    }

    /// The first lines mentioning an error (or the last lines when none does), joined by " | ".
    static func excerpt(_ log: String, errorsOnly: Bool) -> String {
        let lines = log.split(whereSeparator: \.isNewline).map(String.init)
        let errors = lines.filter { $0.range(of: "error", options: .caseInsensitive) != nil }
        let picked = errors.isEmpty ? Array(lines.suffix(8)) : Array(errors.prefix(5))
        return picked.isEmpty ? "(no output)" : picked.joined(separator: " | ")
    }

    // MARK: - Files

    private static func checkRange(_ mtx: IntMatrix, _ t: HWType, _ what: String) throws {
        if let i = mtx.data.firstIndex(where: { !t.contains($0) }) {
            throw HWGenError.badInput("\(what)[\(i / mtx.cols)][\(i % mtx.cols)] = \(mtx.data[i]) does not fit \(t.tag)")
        }
    }

    /// Two's complement hex, masked to `bits`, zero-padded to ⌈bits/4⌉ digits, one per line.
    static func hexWord(_ v: Int64, bits: Int) -> String {
        let mask: UInt64 = bits >= 64 ? .max : (UInt64(1) << UInt64(bits)) - 1
        let s = String(UInt64(bitPattern: v) & mask, radix: 16)
        let digits = (bits + 3) / 4
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    private static func writeHex(_ url: URL, _ values: [Int64], bits: Int) throws {
        var text = ""
        text.reserveCapacity(values.count * ((bits + 3) / 4 + 1))
        for v in values { text += hexWord(v, bits: bits); text += "\n" }
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    /// Interprets the low `t.bits` of `raw` as a value of type `t`.
    static func interpret(_ raw: UInt64, as t: HWType) -> Int64 {
        let bits = t.bits
        if bits >= 64 { return Int64(bitPattern: raw) }
        let v = raw & ((UInt64(1) << UInt64(bits)) - 1)
        if t.signed && v & (UInt64(1) << UInt64(bits - 1)) != 0 { return Int64(v) - (Int64(1) << Int64(bits)) }
        return Int64(v)
    }

    /// Reads `c_rtl.txt` (`row col hexvalue` lines). Unparsable values (x/z) are left 0.
    private static func readResults(_ url: URL, rows: Int, cols: Int, acc: HWType) throws -> IntMatrix {
        var c = IntMatrix(rows: rows, cols: cols)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return c }
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ")
            guard f.count == 3, let r = Int(f[0]), let col = Int(f[1]),
                  r >= 0, r < rows, col >= 0, col < cols,
                  let raw = UInt64(f[2], radix: 16) else { continue }
            c[r, col] = interpret(raw, as: acc)
        }
        return c
    }

    /// The `HWGEN RESULT checked= mismatches= cycles=` line.
    static func parseResult(_ log: String) -> (checked: Int, mismatches: Int, cycles: Int)? {
        for line in log.split(whereSeparator: \.isNewline) where line.hasPrefix("HWGEN RESULT ") {
            var fields: [String: Int] = [:]
            for part in line.dropFirst("HWGEN RESULT ".count).split(separator: " ") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let v = Int(kv[1]) { fields[String(kv[0])] = v }
            }
            if let ch = fields["checked"], let mm = fields["mismatches"], let cy = fields["cycles"] {
                return (ch, mm, cy)
            }
        }
        return nil
    }
}
