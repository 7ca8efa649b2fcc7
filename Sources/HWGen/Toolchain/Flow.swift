import Foundation

/// Files written by ``Flow/emit(_:to:vectors:)``.
public struct EmittedFiles: Sendable {
    /// Module files, children first.
    public let rtl: [URL]
    public let testbench: URL
    /// Directory with dims/a/b/c_expected hex files, if vectors were written.
    public let vectors: URL?
}

/// The user-level flows the CLI runs: emit, simulate against the golden model, synthesize.
public enum Flow {
    /// Writes `rtl/*.v` and `testbenches/tb_<name>.v` (and, given operands, `vectors/<name>/`)
    /// under `dir`. Files are staged first and moved into place only when all were produced.
    public static func emit(_ design: Design, to dir: URL, vectors: GemmOperands? = nil) throws -> EmittedFiles {
        let fm = FileManager.default
        let spec = design.spec
        let files = try design.verilog()
        let tb = TestbenchGenerator.testbench(design)
        let staging = dir.appendingPathComponent(".hwgen-staging-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }
        var planned: [(String, String)] = files.map { ("rtl/\($0.name)", $0.text) }
        planned.append(("testbenches/\(tb.moduleName).v", tb.text))
        do {
            for (rel, text) in planned {
                let url = staging.appendingPathComponent(rel)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: false, encoding: .utf8)
            }
            if let v = vectors {
                try design.checkOperands(v)
                let vdir = staging.appendingPathComponent("vectors/\(spec.name)")
                try Simulation.writeVectors(design, ops: v, expected: design.golden.c(v), to: vdir)
                planned += try fm.contentsOfDirectory(atPath: vdir.path).sorted().map { ("vectors/\(spec.name)/\($0)", "") }
            }
            for (rel, _) in planned {
                let target = dir.appendingPathComponent(rel)
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                try fm.moveItem(at: staging.appendingPathComponent(rel), to: target)
            }
        } catch let e as HWGenError {
            throw e
        } catch {
            throw HWGenError.badInput("\(dir.path): cannot write output: \(error.localizedDescription)")
        }
        return EmittedFiles(rtl: files.map { dir.appendingPathComponent("rtl/\($0.name)") },
                             testbench: dir.appendingPathComponent("testbenches/\(tb.moduleName).v"),
                             vectors: vectors == nil ? nil : dir.appendingPathComponent("vectors/\(spec.name)"))
    }

    /// Writes `text` to `url` atomically (a failure is exit 2 naming the file).
    public static func write(_ text: String, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw HWGenError.badInput("\(url.path): cannot write output: \(error.localizedDescription)")
        }
    }

    /// ``simulate(_:_:label:simulators:workDir:waves:log:)`` with A and B only.
    public static func simulate(_ design: Design, a: IntMatrix, b: IntMatrix, label: String,
                                simulators: [Simulator], workDir: URL? = nil, waves: URL? = nil,
                                log: (String) -> Void) throws -> (verdicts: [SimVerdict], runs: [SimRun]) {
        try simulate(design, GemmOperands(a: a, b: b), label: label, simulators: simulators, workDir: workDir, waves: waves, log: log)
    }

    /// Where compiled simulations are cached: `$HWGEN_CACHE`, else `~/.cache/hwgen`.
    public static var cacheDirectory: URL {
        if let c = ProcessInfo.processInfo.environment["HWGEN_CACHE"], !c.isEmpty { return URL(fileURLWithPath: c) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/hwgen")
    }

    /// Emits `spec`, runs the GEMM on each simulator and compares with the golden model.
    /// The work directory is removed when every run passes and kept (and named) otherwise.
    public static func simulate(_ design: Design, _ ops: GemmOperands, label: String,
                                simulators: [Simulator], workDir: URL? = nil, waves: URL? = nil,
                                log: (String) -> Void) throws -> (verdicts: [SimVerdict], runs: [SimRun]) {
        for s in simulators { _ = try s.resolve() }
        let spec = design.spec
        try design.checkOperands(ops)
        let (a, b) = (ops.a, ops.b)
        let fm = FileManager.default
        let work = workDir ?? fm.temporaryDirectory.appendingPathComponent("hwgen-sim-\(spec.name)-\(UUID().uuidString)")
        let files = try emit(design, to: work)
        let golden = design.golden.c(ops)
        let cycles = design.golden.cycles(GemmShape(m: a.rows, k: a.cols, n: b.cols), b: b)
        var verdicts: [SimVerdict] = [], runs: [SimRun] = []
        for s in simulators {
            let runDir = work.appendingPathComponent("run-\(s.rawValue)")
            try fm.createDirectory(at: runDir, withIntermediateDirectories: true)
            let wavesFile = waves.map { simulators.count > 1 ? $0.deletingPathExtension().appendingPathExtension("\(s.rawValue).\($0.pathExtension)") : $0 }
            let run = try Simulation.run(design, rtlFiles: files.rtl, testbench: files.testbench, ops: ops,
                                         expected: golden, simulator: s, workDir: runDir, waves: wavesFile,
                                         cacheDir: cacheDirectory)
            let verdict = SimVerdict(run: run, golden: golden, goldenCycles: cycles, design: spec.name, label: label)
            log(verdict.text)
            verdicts.append(verdict)
            runs.append(run)
        }
        if workDir == nil {
            if verdicts.allSatisfy(\.passed) { try? fm.removeItem(at: work) } else { log("  work directory kept: \(work.path)") }
        }
        return (verdicts, runs)
    }

    /// Emits `spec` into `workDir` and synthesizes it for `target` (by default the OSU 0.18 µm
    /// library); the report carries the derived metrics (``PPAMetrics``).
    public static func synthesize(_ design: Design, clockNS: Double, workDir: URL, target: SynthTarget = .osu018,
                                  progress: (@Sendable (String) -> Void)? = nil) throws -> SynthReport {
        var report = try target.flow.run(design, clockNS: clockNS, workDir: workDir, progress: progress)
        report.metrics = PPAMetrics(report: report, macs: design.macCount)
        return report
    }
}

extension Flow {
    /// A derived array's loop nest on each simulator against ``GoldenLoopNest``: values of every
    /// output element and the cycle count. Returns the verdicts, the runs and the golden output.
    public static func simulate(_ design: Design, nest ops: NestOperands, simulators: [Simulator], workDir: URL? = nil,
                                waves: URL? = nil, log: (String) -> Void) throws -> (verdicts: [SimVerdict], runs: [SimRun], golden: IntTensor) {
        for s in simulators { _ = try s.resolve() }
        let spec = design.spec
        guard let d = spec.engine.spaceTime, let engine = design.engine as? any LoopNestEngine else {
            throw HWGenError.badInput("\(spec.source): has no dataflow: section")
        }
        if design.harness.gemmEngine != nil {
            throw HWGenError.badInput("--bounds/--tensor: \(spec.source) wraps its array in gemm: buffers, which run GEMMs (allowed: --gemm MxKxN, --a, --b)")
        }
        let golden = try GoldenLoopNest.evaluate(d.nest, bounds: ops.bounds, tensors: ops.tensors, acc: spec.mac.acc)
        let cols = golden.shape.last!, expected = IntMatrix(rows: golden.values.count / cols, cols: cols, data: golden.values)
        let cycles = SpaceTimeKind.cycles(d, bounds: ops.bounds, mac: spec.macConfig)
        // B's tensor as its wires carry it (ternary and p<n> codes).
        var wires = ops.tensors
        let b = ops.tensors[d.nest.b.name]!
        wires[d.nest.b.name] = IntTensor(shape: b.shape, values: spec.mac.encodeB(IntMatrix(rows: 1, cols: b.values.count, data: b.values)).data)
        let stimulus = engine.stimulus(bounds: ops.bounds, tensors: wires, outputShape: golden.shape)
        let fm = FileManager.default
        let work = workDir ?? fm.temporaryDirectory.appendingPathComponent("hwgen-sim-\(spec.name)-\(UUID().uuidString)")
        let files = try emit(design, to: work)
        var verdicts: [SimVerdict] = [], runs: [SimRun] = []
        for s in simulators {
            let runDir = work.appendingPathComponent("run-\(s.rawValue)")
            let wavesFile = waves.map { simulators.count > 1 ? $0.deletingPathExtension().appendingPathExtension("\(s.rawValue).\($0.pathExtension)") : $0 }
            let run = try Simulation.run(design, rtlFiles: files.rtl, testbench: files.testbench, resultRows: expected.rows, resultCols: cols,
                                         simulator: s, workDir: runDir, waves: wavesFile, cacheDir: cacheDirectory) {
                try Simulation.writeStream(design, stimulus, expected: expected, k: 1, goldenCycles: cycles, to: $0)
            }
            let verdict = SimVerdict(run: run, golden: expected, goldenCycles: cycles, design: spec.name, label: ops.label)
            log(verdict.text)
            verdicts.append(verdict)
            runs.append(run)
        }
        if workDir == nil {
            if verdicts.allSatisfy(\.passed) { try? fm.removeItem(at: work) } else { log("  work directory kept: \(work.path)") }
        }
        return (verdicts, runs, golden)
    }
}
