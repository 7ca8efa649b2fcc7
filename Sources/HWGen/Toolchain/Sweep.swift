import Foundation

/// Runs a ``SweepSpec``: every point as its own `hwgen report` process (so a failing point is
/// logged and does not stop the sweep), N at a time, each cached under a key of everything that
/// decides its result.
///
/// `DIR/points/<key>/` holds the point's `spec.yaml`, `log.txt`, its work files and, once it
/// finished, `result.json` (written to `result.json.tmp` and renamed, so a killed point never
/// looks finished). A point whose `result.json` exists is not run again; one that failed records
/// `failed` (its log says why) and is retried on the next run. Then `DIR/results.csv`,
/// `DIR/results.json` and `DIR/pareto.svg` are written.
public enum Sweep {
    /// One point's outcome.
    public struct PointResult: Codable, Sendable {
        /// The varied fields' values, in the sweep file's order.
        public var values: [String]
        public var key: String
        public var status: String
        public var cached: Bool
        public var log: String
        public var report: DesignReport?
        /// Why a point has no result when the scheduler knows more than the log (`Slurm task 12_3: TIMEOUT`).
        public var note: String? = nil
        public var pareto: Bool = false
        /// A search's first trial that asked for the point, and its batch (generation); nil in a grid.
        public var trial: Int? = nil
        public var generation: Int? = nil

        /// Cost on the plot's x axis: area mm² (OSU018), LUTs (FPGA) or generic cells; nil when
        /// not measured (or the design does not fit).
        public var cost: Double? { report.flatMap { r in r.synthesis.flatMap { $0.target.flow.costMetric.value(r) } } }
        /// The point's value of a figure, nil when it did not measure it.
        public func value(_ metric: SweepMetric) -> Double? { report.flatMap(metric.value) }
    }

    /// Where the points run: here, N at a time, or as one Slurm array job.
    public enum Backend: Sendable {
        case local(jobs: Int)
        case slurm(SlurmOptions)
        /// Nowhere: write every point's `job.sh` and `DIR/array.sh` for another scheduler (LSF,
        /// PBS) and stop; a later run gathers what those jobs left.
        case jobsOnly
    }

    /// A point that has no result yet: its directory holds `spec.yaml` and `job.sh`.
    struct Pending: Sendable {
        let index: Int
        let key: String
        let dir: URL
        let values: [String]
        var job: URL { dir.appendingPathComponent("job.sh") }
        var log: URL { dir.appendingPathComponent("log.txt") }
    }

    /// Runs the sweep on `backend`, `hwgen` being the executable each point runs; `progress` gets
    /// the done/running/pending/failed line whenever it changes. With `resume`, `outDir` must hold
    /// an earlier run of this sweep: its finished points are kept and only the others run (on
    /// Slurm, points an earlier run's array job still has pending or running are followed, not
    /// submitted again). Throws ``SweepInterrupted`` (after writing the results so far) when a
    /// signal stopped it.
    public static func run(_ sweep: SweepSpec, outDir: URL, pointsDir: URL? = nil, backend: Backend, resume: Bool = false, hwgen: String,
                           progress: @escaping @Sendable (String) -> Void) throws -> [PointResult] {
        let fm = FileManager.default
        if resume && !fm.fileExists(atPath: outDir.appendingPathComponent("results.csv").path)
            && !fm.fileExists(atPath: outDir.appendingPathComponent("points").path) {
            throw HWGenError.badInput("--resume: \(outDir.path) holds no earlier sweep to resume (run without --resume first)")
        }
        let cache = PointCache(sweep, dir: pointsDir ?? outDir.appendingPathComponent("points"), hwgen: hwgen)
        try fm.createDirectory(at: cache.dir, withIntermediateDirectories: true)
        try fm.createDirectory(at: outDir, withIntermediateDirectories: true)
        var results: [PointResult?] = []
        var pending: [Pending] = []
        for (i, point) in sweep.points.enumerated() {
            switch try cache.prepare(point, index: i) {
            case .finished(let r): results.append(r)
            case .pending(let p): pending.append(p); results.append(nil)
            }
        }
        let outcome = try execute(pending, sweep: sweep, outDir: outDir, backend: backend, resume: resume, cached: results.count - pending.count,
                                  total: results.count, progress: progress)
        var all = gather(results, pending: pending, outcome: outcome)
        mark(&all, sweep: sweep)
        try write(all, sweep: sweep, to: outDir)
        if let sig = outcome.interrupted { throw SweepInterrupted(signal: sig, points: all) }
        return all
    }

    /// Where a sweep's points are kept (`DIR/points/<key>/`), and how a point's key is made:
    /// everything that decides its result (its spec text, the steps, target, clock, GEMM, seed and
    /// the tools' and hwgen's versions). A grid and a search over the same fields share points.
    struct PointCache {
        let sweep: SweepSpec
        let dir: URL
        let hwgen: String
        let versions: String

        init(_ sweep: SweepSpec, dir: URL, hwgen: String) {
            (self.sweep, self.dir, self.hwgen) = (sweep, dir, hwgen)
            versions = toolVersions(sweep, hwgen: hwgen)
        }

        enum Prepared { case finished(PointResult), pending(Pending) }

        /// The point's cached result, or its directory made ready to run (`spec.yaml`, `job.sh`).
        func prepare(_ point: [Int], index: Int) throws -> Prepared {
            let text = try sweep.pointText(point)
            let keyText = [text, sweep.steps.joined(separator: ","), sweep.target.rawValue, "\(sweep.clockNS)",
                           sweep.gemm?.description ?? "default", "\(sweep.seed)", versions].joined(separator: "\n")
            let key = String(format: "%016llx", FNV1a64.hash(keyText))
            let pdir = dir.appendingPathComponent(key)
            let values = zip(sweep.fields, point).map { $0.values[$1] }
            if let page = finishedResult(in: pdir) {
                return .finished(PointResult(values: values, key: key, status: "ok", cached: true,
                                             log: pdir.appendingPathComponent("log.txt").path, report: page))
            }
            try FileManager.default.createDirectory(at: pdir, withIntermediateDirectories: true)
            try text.write(to: pdir.appendingPathComponent("spec.yaml"), atomically: true, encoding: .utf8)
            try jobScript(sweep, key: key, dir: pdir, hwgen: hwgen, label: zip(sweep.fields, values).map { "\($0.path)=\($1)" }.joined(separator: " "))
                .write(to: pdir.appendingPathComponent("job.sh"), atomically: true, encoding: .utf8)
            return .pending(Pending(index: index, key: key, dir: pdir, values: values))
        }
    }

    /// Runs `pending` on `backend` (`cached` of `total` points already have results); a signal
    /// stops it and is recorded in the outcome.
    static func execute(_ pending: [Pending], sweep: SweepSpec, outDir: URL, backend: Backend, resume: Bool, cached: Int, total: Int,
                        label: String = "sweep", progress: @escaping @Sendable (String) -> Void) throws -> SlurmBackend.Outcome {
        let state = SweepState(total: total, cached: cached, pending: pending.count)
        state.label = label
        var outcome = SlurmBackend.Outcome()
        switch backend {
        case .local(let jobs):
            try SlurmBackend(options: SlurmOptions(), outDir: outDir, sweepName: sweep.name).refuseLocalRunOverLiveJob(pending)
            progress(state.line())
            outcome.interrupted = Tools.catchingSignals { flag in
                runLocally(pending, jobs: jobs, state: state, stop: flag, progress: progress)
                return flag.signal
            }
            if outcome.interrupted != nil { outcome.unfinished = Set(pending.filter { finishedResult(in: $0.dir) == nil }.map(\.key)) }
        case .slurm(let options):
            outcome = try SlurmBackend(options: options, outDir: outDir, sweepName: sweep.name)
                .run(pending, resume: resume, state: state, progress: progress)
        case .jobsOnly:
            try arrayScript(pending, sweepName: sweep.name).write(to: outDir.appendingPathComponent("array.sh"), atomically: true, encoding: .utf8)
            outcome.unfinished = Set(pending.map(\.key))
        }
        return outcome
    }

    /// The results in point order, `results[i]` nil for a point that was pending: gathered from
    /// the point directories alone, so a result counts once, and only when whole.
    static func gather(_ results: [PointResult?], pending: [Pending], outcome: SlurmBackend.Outcome) -> [PointResult] {
        let byIndex = Dictionary(pending.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        return results.enumerated().map { i, r in
            if let r { return r }
            let p = byIndex[i]!
            let page = finishedResult(in: p.dir)
            let status = page != nil ? "ok" : outcome.unfinished.contains(p.key) ? "unfinished" : "failed"
            return PointResult(values: p.values, key: p.key, status: status, cached: false, log: p.log.path, report: page,
                               note: page == nil ? outcome.notes[p.key] : nil)
        }
    }

    /// Marks the front over the sweep's objectives when it names them, else over its two
    /// `--pareto` axes; a point that breaks a constraint is on no front.
    static func mark(_ points: inout [PointResult], sweep: SweepSpec) {
        markFront(&points, objectives: sweep.frontObjectives, constraints: sweep.constraints)
    }

    static func markFront(_ points: inout [PointResult], objectives: [SweepObjective], constraints: [SweepConstraint] = []) {
        let vectors = points.map { p in p.report.flatMap { r in Pareto.objectiveVector(r, objectives: objectives, constraints: constraints) } }
        let front = Pareto.front(vectors)
        for i in points.indices { points[i].pareto = front.contains(i) }
    }

    /// The report a point's finished run left in `dir` (`result.json`), or nil: absent, or not a
    /// whole report (a run that was killed never renames its `result.json.tmp`).
    static func finishedResult(in dir: URL) -> DesignReport? {
        guard let data = try? Data(contentsOf: dir.appendingPathComponent("result.json")),
              let pages = try? JSONDecoder().decode([DesignReport].self, from: data) else { return nil }
        return pages.first
    }

    /// A point's self-contained job: runs `hwgen report` into `result.json.tmp` and renames it to
    /// `result.json` only when the report succeeded, its output in `log.txt` and its exit status
    /// in `exit.txt`. Both backends run this same script, so a point's result does not depend on
    /// where it ran; it needs only the shared directory, the `hwgen` binary and the tools.
    static func jobScript(_ sweep: SweepSpec, key: String, dir: URL, hwgen: String, label: String) -> String {
        var args = ["report", dir.appendingPathComponent("spec.yaml").path, "--target", sweep.target.rawValue,
                    "--clock", "\(sweep.clockNS)", "--seed", "\(sweep.seed)", "--json", "result.json.tmp",
                    "--work-dir", dir.appendingPathComponent("work").path]
        if let g = sweep.gemm { args += ["--gemm", g.description] }
        if !sweep.steps.contains("sim") { args.append("--no-sim") }
        if !sweep.steps.contains("synth") { args.append("--no-synth") }
        if sweep.steps.contains("power") { args.append("--power") }
        return """
            #!/bin/sh
            # hwgen sweep point \(key): \(label.replacingOccurrences(of: "\n", with: " "))
            cd \(shellQuote(dir.path)) || exit 1
            rm -f result.json.tmp exit.txt
            \(([hwgen] + args).map(shellQuote).joined(separator: " ")) > log.txt 2>&1
            status=$?
            if [ "$status" -eq 0 ] && [ -s result.json.tmp ]; then mv -f result.json.tmp result.json; fi
            echo "$status" > exit.txt
            exit "$status"

            """
    }

    /// A scheduler-neutral array script: task i (0-based) runs `points[i]`'s `job.sh`, the index
    /// coming from Slurm (`SLURM_ARRAY_TASK_ID`), LSF (`LSB_JOBINDEX`, 1-based), PBS
    /// (`PBS_ARRAY_INDEX`) or the first argument.
    static func arrayScript(_ points: [Pending], sweepName: String) -> String {
        var text = """
            #!/bin/sh
            # hwgen sweep \(sweepName): \(points.count) point(s); task i (0-based) runs point i's job.sh.
            if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then task=$SLURM_ARRAY_TASK_ID
            elif [ -n "${LSB_JOBINDEX:-}" ]; then task=$((LSB_JOBINDEX - 1))
            elif [ -n "${PBS_ARRAY_INDEX:-}" ]; then task=$PBS_ARRAY_INDEX
            else task=${1:?usage: sh array.sh TASK (0-based), or run as an array job}
            fi
            case "$task" in

            """
        for (i, p) in points.enumerated() { text += "  \(i)) exec /bin/sh \(shellQuote(p.job.path)) ;;\n" }
        return text + "  *) echo \"hwgen sweep: no point for array task $task\" >&2; exit 2 ;;\nesac\n"
    }

    static func shellQuote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-=+:,".contains($0) }) && !s.isEmpty
            ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The local backend: `jobs` points at a time, each its `job.sh` as a child process.
    /// A signal (`stop`) stops the running points (``Tools/catchingSignals(_:)``) and starts no more.
    static func runLocally(_ pending: [Pending], jobs: Int, state: SweepState, stop: SignalFlag,
                           progress: @escaping @Sendable (String) -> Void) {
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = max(1, jobs)
        for p in pending {
            queue.addOperation {
                if stop.signal != nil { return }
                state.started()
                progress(state.line())
                let r = try? Tools.run("/bin/sh", [p.job.path], in: p.dir, timeout: 24 * 3600)
                state.finished(ok: r?.status == 0 && finishedResult(in: p.dir) != nil)
                progress(state.line())
            }
        }
        queue.waitUntilAllOperationsAreFinished()
    }

    /// `results.csv`, `results.json` and `pareto.svg` in `dir`: a search's points also give their
    /// trial and generation, and the objectives' and constraints' figures when they are not
    /// columns already.
    static func write(_ points: [PointResult], sweep: SweepSpec, to dir: URL) throws {
        let flow = sweep.target.flow
        let costName = flow.costMetric.rawValue, densityName = flow.densityColumn
        let power = sweep.steps.contains("power")
        let searched = points.contains { $0.trial != nil }
        var header = (searched ? ["trial", "generation"] : []) + sweep.fields.map(\.path)
            + ["status", "cycles", "ops_per_cycle", costName, "fmax_mhz", "gops", densityName] + (power ? ["power_mw", "pj_per_mac", "tops_per_w"] : [])
        let extra = (sweep.objectives.map(\.metric) + sweep.constraints.map(\.metric)).reduce(into: [SweepMetric]()) { acc, m in
            if !header.contains(m.rawValue) && !acc.contains(m) { acc.append(m) }
        }
        header += extra.map(\.rawValue) + (sweep.constraints.isEmpty ? [] : ["feasible"]) + ["pareto", "log"]
        var csv = header.joined(separator: ",") + "\n"
        func num(_ x: Double?) -> String {
            x.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(format: "%.0f", $0) : String(format: "%.6g", $0) } ?? ""
        }
        for p in points {
            let s = p.report?.synthesis, m = s?.metrics
            var row = (searched ? [p.trial.map(String.init) ?? "", p.generation.map(String.init) ?? ""] : []) + p.values.map(csvField)
            row += [p.status, p.report.map { String($0.goldenCycles) } ?? "", num(p.value(.opsPerCycle)), num(p.cost),
                    num(p.value(.fmax)), num(p.value(.gops)), num(m.flatMap(flow.density))]
            row += (power ? [num(s?.power?.totalMW), num(s?.power?.pjPerMAC), num(s?.power?.topsPerW)] : [])
            row += extra.map { num(p.report.flatMap($0.value)) }
            if !sweep.constraints.isEmpty {
                row.append(p.report.map { r in sweep.constraints.allSatisfy { ($0.violation(r) ?? 1) <= 0 } ? "true" : "false" } ?? "")
            }
            row += [p.pareto ? "true" : "false", p.status == "ok" ? "" : csvField(p.log)]
            csv += row.joined(separator: ",") + "\n"
        }
        try csv.write(to: dir.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        struct Row: Encodable { let fields: [String: String]; let point: PointResult }
        let rows = points.map { Row(fields: Dictionary(uniqueKeysWithValues: zip(sweep.fields.map(\.path), $0.values)), point: $0) }
        try JSONEncoder.sorted.encode(rows).write(to: dir.appendingPathComponent("results.json"))
        let title = "\(URL(fileURLWithPath: sweep.source).lastPathComponent): \(sweep.target.rawValue), \(points.count) points"
        func label(_ p: PointResult) -> String { zip(sweep.fields, p.values).map { "\($0.path)=\($1)" }.joined(separator: " ") }
        let objectives = sweep.frontObjectives
        let measured = points.compactMap { p -> ([Double], Bool, String)? in
            let v = objectives.compactMap { p.value($0.metric) }
            return v.count == objectives.count ? (v, p.pareto, label(p)) : nil
        }
        let names = sweep.objectives.isEmpty ? [sweep.pareto.x.label(flow, sweep), sweep.pareto.y.label(flow, sweep)]
            : objectives.map { "\($0.metric.rawValue) (\($0.maximize ? "max" : "min"))" }
        let svg = objectives.count == 2
            ? ParetoPlot.svg(measured.map { ($0.0[0], $0.0[1], $0.1, $0.2) }, x: names[0], y: names[1], title: title)
            : SearchPlots.scatterMatrix(measured.map { (values: $0.0, front: $0.1, label: $0.2) }, names: names, title: title)
        try svg.write(to: dir.appendingPathComponent("pareto.svg"), atomically: true, encoding: .utf8)
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The versions of the tools a point runs and of `hwgen` itself (its size and modification time).
    static func toolVersions(_ sweep: SweepSpec, hwgen: String) -> String {
        var names: [String] = []
        if sweep.steps.contains("sim") { names += ["iverilog", "verilator"] }
        if sweep.steps.contains("synth") { names += sweep.target.flow.tools }
        var lines = names.map { "\($0): \(Versions.tool($0).flatMap(Versions.version(of:)) ?? "missing")" }
        let attrs = try? FileManager.default.attributesOfItem(atPath: hwgen)
        lines.append("hwgen: \((attrs?[.size] as? Int) ?? 0) \((attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)")
        return lines.joined(separator: "\n")
    }
}

/// Counters behind the progress line, shared by the worker threads.
final class SweepState: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int, cached: Int, start = Date()
    private var pending: Int, running = 0, done = 0, failed = 0
    private var _label = "sweep"
    /// The line's first words: `sweep`, or `sweep (Slurm job 12)`.
    var label: String {
        get { lock.withLock { _label } }
        set { lock.withLock { _label = newValue } }
    }

    init(total: Int, cached: Int, pending: Int) {
        (self.total, self.cached, self.pending) = (total, cached, pending)
    }

    func started() { lock.withLock { pending -= 1; running += 1 } }
    func finished(ok: Bool) { lock.withLock { running -= 1; if ok { done += 1 } else { failed += 1 } } }
    /// The counts as a scheduler reports them (excluding the cached points).
    func set(done: Int, running: Int, pending: Int, failed: Int) {
        lock.withLock { (self.done, self.running, self.pending, self.failed) = (done, running, pending, failed) }
    }

    /// `sweep: 7/24 done (3 cached), 2 running, 1 failed, 14 pending, 1 min 10 s, ETA 2 min 40 s`.
    func line() -> String {
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            let finishedNow = done + failed
            var eta = ""
            if finishedNow > 0 && pending + running > 0 {
                eta = ", ETA " + Self.duration(elapsed / Double(finishedNow) * Double(pending + running))
            }
            return "\(_label): \(done + cached)/\(total) done (\(cached) cached), \(running) running, \(failed) failed, "
                + "\(pending) pending, \(Self.duration(elapsed))" + eta
        }
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 60 ? "\(t / 60) min \(t % 60) s" : "\(t) s"
    }
}

/// An axis of a sweep's Pareto plot and front (`hwgen sweep --pareto X,Y`).
public enum SweepAxis: String, CaseIterable, Sendable {
    /// The target's cost: area mm² (OSU018), LUTs (FPGA), cells (generic); lower is better.
    case area
    /// Achieved GOPS on the GEMM (operations per cycle without a clock); higher is better.
    case gops
    /// Energy per MAC, pJ (the `power` step); lower is better.
    case energy
    /// Total power at the clock, mW (the `power` step); lower is better.
    case power
    /// Golden cycles of the GEMM; lower is better.
    case cycles

    /// The figure the axis plots on `flow`'s points, and its direction.
    func objective(_ flow: any SynthesisFlow) -> SweepObjective {
        switch self {
        case .area: return SweepObjective(metric: flow.costMetric, maximize: false)
        case .gops: return SweepObjective(metric: flow.clocked ? .gops : .opsPerCycle, maximize: true)
        case .energy: return SweepObjective(metric: .energy, maximize: false)
        case .power: return SweepObjective(metric: .power, maximize: false)
        case .cycles: return SweepObjective(metric: .cycles, maximize: false)
        }
    }

    func label(_ flow: any SynthesisFlow, _ sweep: SweepSpec) -> String {
        let on = sweep.gemm.map { " on \($0)" } ?? ""
        switch self {
        case .area: return flow.costAxis
        case .gops: return (flow.clocked ? "achieved GOPS" : "operations per cycle") + on
        case .energy: return "energy per MAC (pJ)" + on
        case .power: return "power (mW) at \(sweep.clockNS) ns"
        case .cycles: return "cycles" + on
        }
    }

    /// Parses `X,Y` (exit 2 naming what is allowed); energy and power need the `power` step.
    public static func pair(_ text: String, steps: [String]) throws -> (SweepAxis, SweepAxis) {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let allowed = allCases.map(\.rawValue).joined(separator: ", ")
        guard names.count == 2 else { throw HWGenError.badInput("--pareto: '\(text)' is not X,Y (allowed axes: \(allowed))") }
        let axes = try names.map { n -> SweepAxis in
            guard let a = SweepAxis(rawValue: n) else { throw HWGenError.badInput("--pareto: '\(n)' is not an axis (allowed: \(allowed))") }
            if (a == .energy || a == .power) && !steps.contains("power") {
                throw HWGenError.badInput("--pareto: \(n) needs the sweep's power step (steps: [sim, synth, power])")
            }
            return a
        }
        guard axes[0] != axes[1] else { throw HWGenError.badInput("--pareto: the two axes must differ") }
        return (axes[0], axes[1])
    }
}
