import Foundation

/// `hwgen sweep SWEEP --search nsga2|tpe|random --budget N`: the sweep's `vary` fields as a
/// search space, explored by an Optuna sampler (``OptunaBridge``) one batch (generation) of
/// `population` trials at a time, towards the file's `objectives` under its `constraints`.
///
/// Every trial's point is an ordinary sweep point (same key, same `job.sh`, same cache), so a
/// search reuses a grid's results and the other way round; a batch runs on the sweep's backend
/// (here, N at a time, or one Slurm array job). The budget counts distinct points evaluated
/// (cached or not): a trial whose point was evaluated before is told its figures again without
/// spending any. The study (`DIR/search.db`) and the point cache are the whole state: after
/// Ctrl-C, `--resume` tells the trials that were running (their points, if they finished, come
/// from the cache) and goes on.
public enum Search {
    public enum Method: String, CaseIterable, Sendable {
        case nsga2, tpe, random
    }

    public struct Options: Sendable {
        public var method: Method
        public var budget: Int
        public var seed: Int
        public var population: Int
        public var resume: Bool

        public init(method: Method, budget: Int, seed: Int, population: Int, resume: Bool) {
            (self.method, self.budget, self.seed, self.population, self.resume) = (method, budget, seed, population, resume)
        }
    }

    /// What a search did: its points in the order they were first asked, and why it stopped.
    public struct Outcome: Sendable {
        public var points: [Sweep.PointResult]
        public var trials: Int
        public var stopped: String
        /// Hypervolume of the front after each evaluated point (normalized objectives, reference 1.1).
        public var convergence: [Double]
    }

    /// Checks what can be checked before anything runs (exit 2 each).
    public static func check(_ sweep: SweepSpec, _ o: Options) throws {
        guard !sweep.objectives.isEmpty else {
            throw HWGenError.badInput("\(sweep.source): objectives: missing (a search needs 2 or 3, e.g. objectives: { area_mm2: minimize, cycles: minimize })")
        }
        guard o.population >= 2 else { throw HWGenError.badInput("--population: \(o.population) must be at least 2") }
        guard o.budget >= o.population else {
            throw HWGenError.badInput("--budget: \(o.budget) is below the population (batch) size \(o.population) (allowed: a budget of at least --population)")
        }
        guard o.seed >= 0 else { throw HWGenError.badInput("--seed: \(o.seed) must be non-negative") }
    }

    public static func run(_ sweep: SweepSpec, options o: Options, outDir: URL, pointsDir: URL?, backend: Sweep.Backend, hwgen: String,
                           progress: @escaping @Sendable (String) -> Void) throws -> Outcome {
        try check(sweep, o)
        let db = outDir.appendingPathComponent("search.db")
        if o.resume && !FileManager.default.fileExists(atPath: db.path) {
            throw HWGenError.badInput("--resume: \(outDir.path) holds no earlier search to resume (run without --resume first)")
        }
        let bridge = try Self.bridge(sweep, o, outDir: outDir)
        var state = State(sweep: sweep, outDir: outDir,
                          cache: Sweep.PointCache(sweep, dir: pointsDir ?? outDir.appendingPathComponent("points"), hwgen: hwgen))
        let budget = min(o.budget, sweep.size)
        var reply = try bridge.call(tell: [], ask: 0, batch: 0)
        if let m = reply.mismatch {
            throw HWGenError.badInput("--resume: the search in \(outDir.path) was made with "
                                      + m.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                                      + "; this run asks for " + bridge.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        // A resumed study: finished trials' points from the cache, running ones to evaluate (a
        // trial killed while it was being asked lacks parameters: it is told failed).
        try state.note(reply.trials)
        try state.recall(reply.trials.filter { $0.state != "RUNNING" })
        var toTell = reply.trials.filter { $0.state == "RUNNING" && state.pointOf[$0.number] != nil }
        var untold = reply.trials.filter { $0.state == "RUNNING" && state.pointOf[$0.number] == nil }.map { OptunaBridge.Tell(number: $0.number, values: nil, constraints: nil) }
        var batch = (reply.trials.compactMap(\.batch).max() ?? -1) + 1
        var stopped = budget < o.budget ? "every one of the space's \(sweep.size) points is evaluated" : "the budget of \(o.budget) point(s) is spent"
        var idle = 0
        // A signal while the bridge runs stops it; the study keeps what it had told (SQLite commits whole).
        let interrupted: Int32? = try Tools.catchingSignals { flag in
            while true {
                if let sig = flag.signal { return sig }
                let label = "search batch \(toTell.compactMap(\.batch).max() ?? batch)"
                if let sig = try state.evaluate(toTell, backend: backend, resume: o.resume, total: budget, label: label, progress: progress) { return sig }
                let evaluated = state.results.count
                let ask = evaluated >= budget || idle >= 20 ? 0 : min(o.population, budget - evaluated)
                do { reply = try bridge.call(tell: untold + toTell.map { state.tell($0) }, ask: ask, batch: batch) } catch {
                    if let sig = flag.signal { return sig }
                    throw error
                }
                untold = []
                if idle >= 20 { stopped = "the sampler asked only for evaluated points 20 batches in a row" }
                progress("search: \(evaluated)/\(budget) point(s) evaluated, \(reply.trials.count) trial(s)" + (ask > 0 ? "; asked batch \(batch)" : ""))
                guard ask > 0 else { return nil }
                let before = state.order.count
                try state.note(reply.asked)
                idle = state.order.count == before ? idle + 1 : 0
                toTell = reply.asked
                batch += 1
            }
        }
        let points = state.points()
        let convergence = try state.write(points, title: "\(URL(fileURLWithPath: sweep.source).lastPathComponent): \(o.method.rawValue), seed \(o.seed)")
        if let sig = interrupted { throw SweepInterrupted(signal: sig, points: points) }
        return Outcome(points: points, trials: reply.trials.count, stopped: stopped, convergence: convergence)
    }

    /// The bridge to this search's study, `DIR/search.db` (a new one unless `--resume`); its
    /// settings, the space's among them, must match the study's on `--resume`.
    static func bridge(_ sweep: SweepSpec, _ o: Options, outDir: URL) throws -> OptunaBridge {
        let python = try OptunaBridge.python()
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let db = outDir.appendingPathComponent("search.db")
        if !o.resume { try? FileManager.default.removeItem(at: db) }
        let script = outDir.appendingPathComponent("optuna_bridge.py")
        try OptunaBridge.source.write(to: script, atomically: true, encoding: .utf8)
        let space: [[String: Any]] = sweep.fields.map { f in
            f.range.map { ["name": f.path, "low": $0.low, "high": $0.high, "step": $0.step] } ?? ["name": f.path, "choices": f.values]
        }
        let spaceText = sweep.fields.map { f in "\(f.path)=" + (f.range.map { "range(\($0.low),\($0.high),\($0.step))" } ?? f.values.joined(separator: "|")) }
        return OptunaBridge(
            python: python, script: script, storage: db,
            settings: ["method": o.method.rawValue, "seed": "\(o.seed)", "population": "\(o.population)",
                       "objectives": sweep.objectives.map { "\($0.metric.rawValue):\($0.maximize ? "max" : "min")" }.joined(separator: ","),
                       "constraints": sweep.constraints.map(\.text).joined(separator: ";"),
                       "space": String(FNV1a64.hash(spaceText.joined(separator: ";")), radix: 16)],
            directions: sweep.objectives.map { $0.maximize ? "maximize" : "minimize" },
            constrained: !sweep.constraints.isEmpty, space: space)
    }

    /// A search's points between batches: each point (its field indices) in the order first
    /// asked, with the trial and batch that first asked it and its result once evaluated.
    struct State {
        let sweep: SweepSpec
        let outDir: URL
        let cache: Sweep.PointCache
        var order: [[Int]] = []
        var results: [[Int]: Sweep.PointResult] = [:]
        var firstTrial: [[Int]: (trial: Int, batch: Int)] = [:]
        var pointOf: [Int: [Int]] = [:]

        /// The trial's point, or nil when it lacks parameters (killed while it was being asked).
        func point(_ t: OptunaBridge.Trial) throws -> [Int]? {
            guard sweep.fields.allSatisfy({ t.params[$0.path] != nil }) else { return nil }
            return try sweep.fields.map { f in
                switch t.params[f.path] {
                case .int(let v)? where f.range != nil: return (v - f.range!.low) / f.range!.step
                case .text(let v)?: if let i = f.values.firstIndex(of: v) { return i }
                case .int(let v)?: if let i = f.values.firstIndex(of: String(v)) { return i }
                case nil: break
                }
                throw HWGenError.badInput("\(outDir.path)/search.db: trial \(t.number) has no value of \(f.path) in this sweep's space (start a new search without --resume)")
            }
        }

        /// Records the trials' points; a point first asked now joins the order.
        mutating func note(_ trials: [OptunaBridge.Trial]) throws {
            for t in trials where pointOf[t.number] == nil {
                guard let p = try point(t) else { continue }
                pointOf[t.number] = p
                if firstTrial[p] == nil { firstTrial[p] = (t.number, t.batch ?? 0); order.append(p) }
            }
        }

        /// Finished trials of a resumed study: their points' results from the cache; a point
        /// that failed stays failed.
        mutating func recall(_ finished: [OptunaBridge.Trial]) throws {
            for t in finished {
                guard let p = pointOf[t.number], results[p] == nil else { continue }
                switch try cache.prepare(p, index: 0) {
                case .finished(let r): results[p] = r
                case .pending(let q):
                    results[p] = Sweep.PointResult(values: q.values, key: q.key, status: "failed", cached: true, log: q.log.path, report: nil,
                                                   note: "failed in an earlier run of this search")
                }
            }
        }

        /// Evaluates the trials' points that have no result yet (cached ones are read, the others
        /// run as one batch on `backend`); the signal that stopped the batch, if one did. A point
        /// left unfinished by a signal gets no result, so its trials stay running for `--resume`.
        mutating func evaluate(_ trials: [OptunaBridge.Trial], backend: Sweep.Backend, resume: Bool, total: Int, label: String,
                               progress: @escaping @Sendable (String) -> Void) throws -> Int32? {
            let fresh = Array(Set(trials.map { pointOf[$0.number]! }.filter { results[$0] == nil })).sorted { firstTrial[$0]!.trial < firstTrial[$1]!.trial }
            var pending: [Sweep.Pending] = []
            for (i, p) in fresh.enumerated() {
                switch try cache.prepare(p, index: i) {
                case .finished(let r): results[p] = r
                case .pending(let q): pending.append(q)
                }
            }
            guard !pending.isEmpty else { return nil }
            let outcome = try Sweep.execute(pending, sweep: sweep, outDir: outDir, backend: backend, resume: resume,
                                            cached: results.count, total: total, label: label, progress: progress)
            let gathered = Sweep.gather(fresh.map { results[$0] }, pending: pending, outcome: outcome)
            for q in pending where outcome.interrupted == nil || gathered[q.index].status == "ok" { results[fresh[q.index]] = gathered[q.index] }
            return outcome.interrupted
        }

        /// What the trial is told: its point's objectives and constraints, or failed.
        func tell(_ t: OptunaBridge.Trial) -> OptunaBridge.Tell {
            let failed = OptunaBridge.Tell(number: t.number, values: nil, constraints: nil)
            guard let r = results[pointOf[t.number]!], r.status == "ok", let report = r.report else { return failed }
            let v = sweep.objectives.compactMap { $0.metric.value(report) }
            let c = sweep.constraints.compactMap { $0.violation(report) }
            guard v.count == sweep.objectives.count, c.count == sweep.constraints.count else { return failed }
            return .init(number: t.number, values: v, constraints: c)
        }

        /// Every point asked, in order, with its trial, generation and the front marked.
        func points() -> [Sweep.PointResult] {
            var points = order.map { p -> Sweep.PointResult in
                var r = results[p] ?? Sweep.PointResult(values: values(sweep, p), key: "", status: "unfinished", cached: false, log: "", report: nil)
                (r.trial, r.generation) = firstTrial[p]!
                return r
            }
            Sweep.mark(&points, sweep: sweep)
            return points
        }

        /// `results.csv`/`.json`, the front's plot and `convergence.svg`/`.csv`; the convergence.
        func write(_ points: [Sweep.PointResult], title: String) throws -> [Double] {
            let convergence = Search.convergence(points, sweep: sweep)
            try Sweep.write(points, sweep: sweep, to: outDir)
            try SearchPlots.convergence(convergence, title: title)
                .write(to: outDir.appendingPathComponent("convergence.svg"), atomically: true, encoding: .utf8)
            try (["evaluated,hypervolume"] + convergence.enumerated().map { "\($0.offset + 1),\(String(format: "%.6f", $0.element))" })
                .joined(separator: "\n").appending("\n").write(to: outDir.appendingPathComponent("convergence.csv"), atomically: true, encoding: .utf8)
            return convergence
        }
    }

    static func values(_ sweep: SweepSpec, _ p: [Int]) -> [String] { zip(sweep.fields, p).map { $0.values[$1] } }

    /// The hypervolume of the front of the first i points, for every i: objectives normalized
    /// between the best and worst of all feasible points, reference 1.1 in each.
    static func convergence(_ points: [Sweep.PointResult], sweep: SweepSpec) -> [Double] {
        let vectors = points.map { p in p.report.flatMap { Pareto.objectiveVector($0, objectives: sweep.objectives, constraints: sweep.constraints) } }
        guard let norm = Pareto.Normalizer(vectors.compactMap { $0 }) else { return points.map { _ in 0 } }
        var front: [[Double]] = [], hv: [Double] = []
        for v in vectors {
            if let v = v.map({ norm($0) }), !front.contains(where: { Pareto.dominates($0, v) || $0 == v }) {
                front = front.filter { !Pareto.dominates(v, $0) } + [v]
            }
            hv.append(Pareto.hypervolume(front, reference: norm.reference))
        }
        return hv
    }
}
