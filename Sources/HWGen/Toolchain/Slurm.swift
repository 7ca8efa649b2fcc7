import Foundation

/// How `hwgen sweep --backend slurm` submits its array job.
public struct SlurmOptions: Sendable {
    /// `sbatch --partition`; nil: the cluster's default partition.
    public var partition: String?
    /// At most this many of the array's tasks run at once (`--array=0-N%M`); nil: no limit.
    public var maxParallel: Int?
    /// `sbatch --time` for each point (e.g. `30`, `2:00:00`); nil: the partition's default.
    public var timeLimit: String?
    /// More `sbatch` arguments, as given (e.g. `--account=hw`).
    public var extraArguments: [String]
    /// Seconds between two `squeue` polls.
    public var pollSeconds: Double

    public init(partition: String? = nil, maxParallel: Int? = nil, timeLimit: String? = nil,
                extraArguments: [String] = [], pollSeconds: Double = 2) {
        (self.partition, self.maxParallel, self.timeLimit) = (partition, maxParallel, timeLimit)
        (self.extraArguments, self.pollSeconds) = (extraArguments, pollSeconds)
    }
}

/// A sweep stopped by a signal (Ctrl-C): the results so far were written; the unfinished points
/// run on the next `--resume`.
public struct SweepInterrupted: Error, Sendable {
    public let signal: Int32
    public let points: [Sweep.PointResult]
}

/// Slurm's view of one array task, from `squeue` (or `sacct` once the controller forgot the job).
enum SlurmTaskState: Equatable, Sendable {
    case pending, running
    /// Ended: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ...
    case ended(String)

    static let endedNames: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",
                                          "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"]
    static let pendingNames: Set<String> = ["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]

    /// A state as `squeue -o %T` or `sacct -o State` prints it (`CANCELLED by 0` included);
    /// anything else (RUNNING, CONFIGURING, COMPLETING, SUSPENDED, ...) counts as running.
    init(_ text: String) {
        let name = String(text.split(separator: " ").first ?? "")
        if Self.endedNames.contains(name) { self = .ended(name) }
        else if Self.pendingNames.contains(name) { self = .pending }
        else { self = .running }
    }

    var isActive: Bool { if case .ended = self { return false } else { return true } }
}

/// Runs `hwgen sweep`'s points as Slurm array jobs and follows them until every task ended.
///
/// `DIR/slurm/` holds each submitted array's script (`array-<n>.sh`, task i → point i's
/// `job.sh`), the tasks' Slurm output (`<job>_<task>.out`) and `jobs.json`, the record of which
/// job and task runs which point, so that `--resume` follows an earlier run's live tasks rather
/// than submitting their points again.
struct SlurmBackend {
    /// One submitted array job: task i runs the point whose key is `keys[i]`.
    struct SubmittedArray: Codable {
        var job: String
        var keys: [String]
    }

    /// Slurm's default MaxArraySize is 1001: larger sweeps are submitted as several arrays.
    static let maxArrayTasks = 1000

    let options: SlurmOptions
    let outDir: URL
    let sweepName: String
    var slurmDir: URL { outDir.appendingPathComponent("slurm") }
    var recordFile: URL { slurmDir.appendingPathComponent("jobs.json") }

    struct Outcome {
        /// Set when a signal stopped the sweep: its number.
        var interrupted: Int32?
        /// Why a point has no result, e.g. `Slurm task 12_3: CANCELLED`.
        var notes: [String: String] = [:]
        /// Points whose tasks were still pending or running when the sweep was stopped.
        var unfinished: Set<String> = []
    }

    func run(_ pending: [Sweep.Pending], resume: Bool, state: SweepState,
             progress: @escaping @Sendable (String) -> Void) throws -> Outcome {
        let sbatch = try Tools.find("sbatch", package: "slurm-client")
        let squeue = try Tools.find("squeue", package: "slurm-client")
        let scancel = try Tools.find("scancel", package: "slurm-client")
        // From here on, a signal is caught: whatever was submitted is cancelled, not left behind.
        return try Tools.catchingSignals { signalled in
            try FileManager.default.createDirectory(at: slurmDir, withIntermediateDirectories: true)
            var arrays = loadRecord()
            var tracked = try inFlight(pending, arrays: arrays, squeue: squeue)
            if !tracked.isEmpty && !resume {
                let jobs = Set(tracked.map(\.job)).sorted()
                throw HWGenError.badInput("\(outDir.path): Slurm job \(jobs.joined(separator: ", ")) of an earlier run still has \(tracked.count) "
                                          + "point(s) pending or running; follow it with --resume, or cancel it with scancel \(jobs.joined(separator: " "))")
            }
            let inFlight = Set(tracked.map(\.point.key))
            let toSubmit = pending.filter { !inFlight.contains($0.key) }
            // Ctrl-C while submitting: stop submitting; the loop below cancels what was submitted.
            for chunk in stride(from: 0, to: toSubmit.count, by: Self.maxArrayTasks).map({ Array(toSubmit[$0..<min($0 + Self.maxArrayTasks, toSubmit.count)]) }) {
                if signalled.signal != nil { break }
                let job = try submit(sbatch, chunk, number: arrays.count)
                arrays.append(SubmittedArray(job: job, keys: chunk.map(\.key)))
                try saveRecord(arrays)
                tracked += chunk.enumerated().map { Task(job: job, index: $0.offset, point: $0.element) }
            }
            // Job ids in submission order.
            let jobs: [String] = arrays.map(\.job).filter { j in tracked.contains { $0.job == j } }
            if !jobs.isEmpty { state.label = "sweep (Slurm job \(jobs.joined(separator: ", ")))" }
            progress(state.line())
            guard !tracked.isEmpty else { return Outcome(interrupted: signalled.signal) }

            var outcome = Outcome()
            var lastCounts = [-1], lastPrint = Date()
            var failedQueries = 0
            var lastLive: [String: [Int: SlurmTaskState]] = [:]
            while true {
                if let sig = signalled.signal {
                    // Cancel what is left, wait until Slurm ended it, and report the rest as unfinished.
                    let fm = FileManager.default
                    let active = tracked.filter { !fm.fileExists(atPath: $0.point.dir.appendingPathComponent("result.json").path)
                                                  && lastLive[$0.job]?[$0.index]?.isActive != false }
                    _ = try? Tools.run(scancel, jobs, timeout: 60)
                    let deadline = Date().addingTimeInterval(120)
                    var live = (try? query(squeue, jobs: jobs)) ?? lastLive
                    while Date() < deadline && tracked.contains(where: { live[$0.job]?[$0.index]?.isActive == true }) {
                        Thread.sleep(forTimeInterval: 0.5)
                        live = (try? query(squeue, jobs: jobs)) ?? live
                    }
                    outcome.interrupted = sig
                    // A task that finished just before it was cancelled keeps its result.
                    outcome.unfinished = Set(active.filter { !fm.fileExists(atPath: $0.point.dir.appendingPathComponent("result.json").path) }.map(\.point.key))
                    progress("sweep: interrupted, scancel \(jobs.joined(separator: " ")); \(outcome.unfinished.count) point(s) unfinished (hwgen sweep --resume runs them)")
                    return outcome
                }
                guard let live = try? query(squeue, jobs: jobs) else {
                    // A busy controller times out now and then; give up only after a few minutes.
                    failedQueries += 1
                    if failedQueries * Int(max(1, options.pollSeconds)) > 300 {
                        throw HWGenError(.missingTool, "squeue has failed for 5 minutes: \((try? Tools.run(squeue, ["-j", jobs[0]]).combined) ?? "")")
                    }
                    Thread.sleep(forTimeInterval: options.pollSeconds)
                    continue
                }
                failedQueries = 0
                lastLive = live
                // Tasks the controller has forgotten: their final state from the accounting database, if there is one.
                let forgotten = tracked.filter { live[$0.job]?[$0.index] == nil }
                let accounted = forgotten.isEmpty ? [:] : sacctStates(jobs: Array(Set(forgotten.map(\.job))))
                var (done, running, waiting, failed) = (0, 0, 0, 0)
                for t in tracked {
                    let s = live[t.job]?[t.index] ?? accounted[t.job]?[t.index] ?? .ended("no longer known to squeue")
                    if FileManager.default.fileExists(atPath: t.point.dir.appendingPathComponent("result.json").path) && !s.isActive {
                        done += 1
                    } else {
                        switch s {
                        case .pending: waiting += 1
                        case .running: running += 1
                        case .ended(let name):
                            failed += 1
                            outcome.notes[t.point.key] = "Slurm task \(t.job)_\(t.index): \(name)" + exitNote(t.point.dir)
                        }
                    }
                }
                state.set(done: done, running: running, pending: waiting, failed: failed)
                let counts = [done, running, waiting, failed]
                if counts != lastCounts || Date().timeIntervalSince(lastPrint) >= 30 {
                    progress(state.line())
                    (lastCounts, lastPrint) = (counts, Date())
                }
                if running + waiting == 0 { return outcome }
                Thread.sleep(forTimeInterval: options.pollSeconds)
            }
        }
    }

    /// One array task and the point it runs.
    struct Task { let job: String; let index: Int; let point: Sweep.Pending }

    /// The tasks of earlier runs recorded in `arrays` that Slurm still has pending or running for
    /// points in `pending`.
    func inFlight(_ pending: [Sweep.Pending], arrays: [SubmittedArray], squeue: String) throws -> [Task] {
        guard !arrays.isEmpty else { return [] }
        let byKey = Dictionary(pending.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let live = try query(squeue, jobs: arrays.map(\.job))
        var tasks: [Task] = [], seen: Set<String> = []
        for a in arrays {
            for (i, key) in a.keys.enumerated() where live[a.job]?[i]?.isActive == true {
                if let p = byKey[key], seen.insert(key).inserted { tasks.append(Task(job: a.job, index: i, point: p)) }
            }
        }
        return tasks
    }

    /// For the local backend: refuses to run points an earlier Slurm run in the same directory
    /// still has queued or running (both would write the same point directory).
    func refuseLocalRunOverLiveJob(_ pending: [Sweep.Pending]) throws {
        let arrays = loadRecord()
        guard !arrays.isEmpty, let squeue = Tools.which("squeue") else { return }
        let live = try inFlight(pending, arrays: arrays, squeue: squeue)
        guard !live.isEmpty else { return }
        let jobs = Set(live.map(\.job)).sorted()
        throw HWGenError.badInput("\(outDir.path): Slurm job \(jobs.joined(separator: ", ")) still has \(live.count) point(s) pending or running; "
                                  + "follow it with --backend slurm --resume, or cancel it with scancel \(jobs.joined(separator: " "))")
    }

    /// `, exit 1` when the point's job wrote its status.
    func exitNote(_ dir: URL) -> String {
        guard let s = try? String(contentsOf: dir.appendingPathComponent("exit.txt"), encoding: .utf8) else { return "" }
        return ", exit \(s.trimmingCharacters(in: .whitespacesAndNewlines))"
    }

    /// Writes the array script for `points` and submits it; returns the job id.
    func submit(_ sbatch: String, _ points: [Sweep.Pending], number: Int) throws -> String {
        let script = slurmDir.appendingPathComponent("array-\(number).sh")
        try Sweep.arrayScript(points, sweepName: sweepName).write(to: script, atomically: true, encoding: .utf8)
        let args = sbatchArguments(tasks: points.count) + [script.path]
        let r = try Tools.run(sbatch, args, in: outDir, timeout: 300)
        guard r.status == 0, let job = Self.parseJobID(r.stdout) else {
            throw HWGenError.badInput("sbatch \(args.joined(separator: " ")) failed: "
                                      + r.combined.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return job
    }

    func sbatchArguments(tasks: Int) -> [String] {
        var args = ["--parsable", "--job-name=hwgen-\(sweepName)",
                    "--array=0-\(tasks - 1)" + (options.maxParallel.map { "%\($0)" } ?? ""),
                    "--output=\(slurmDir.path)/%A_%a.out", "--chdir=\(outDir.path)", "--cpus-per-task=1"]
        if let p = options.partition { args.append("--partition=\(p)") }
        if let t = options.timeLimit { args.append("--time=\(t)") }
        return args + options.extraArguments
    }

    /// `sbatch --parsable` prints `jobid` or `jobid;cluster`.
    static func parseJobID(_ out: String) -> String? {
        let id = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
    }

    /// Every task of `jobs` Slurm still knows, by job and task index.
    func query(_ squeue: String, jobs: [String]) throws -> [String: [Int: SlurmTaskState]] {
        let r = try Tools.run(squeue, ["-h", "-r", "-t", "all", "-o", "%F|%K|%T", "-j", jobs.joined(separator: ",")], timeout: 120)
        // A single job id the controller has forgotten is an error; it has no tasks left.
        if r.status != 0 && r.stderr.contains("Invalid job id") { return [:] }
        guard r.status == 0 else { throw HWGenError(.missingTool, "squeue failed: \(r.combined)") }
        return Self.parseSqueue(r.stdout)
    }

    /// Final states from `sacct` (nothing when the cluster keeps no accounting, as the test cluster).
    func sacctStates(jobs: [String]) -> [String: [Int: SlurmTaskState]] {
        guard let sacct = Tools.which("sacct"),
              let r = try? Tools.run(sacct, ["-n", "-P", "-X", "-o", "JobID,State", "-j", jobs.joined(separator: ",")], timeout: 120),
              r.status == 0 else { return [:] }
        return Self.parseSacct(r.stdout)
    }

    /// Lines `jobid_task|STATE` of `sacct -n -P -X -o JobID,State` (`12_[4-7]|PENDING` lines are skipped).
    static func parseSacct(_ out: String) -> [String: [Int: SlurmTaskState]] {
        var states: [String: [Int: SlurmTaskState]] = [:]
        for line in out.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false)
            let id = f.first?.split(separator: "_") ?? []
            guard f.count >= 2, id.count == 2, let task = Int(id[1]) else { continue }
            states[String(id[0]), default: [:]][task] = SlurmTaskState(String(f[1]))
        }
        return states
    }

    /// Lines `jobid|taskid|STATE` of `squeue -h -r -t all -o '%F|%K|%T'`.
    static func parseSqueue(_ out: String) -> [String: [Int: SlurmTaskState]] {
        var states: [String: [Int: SlurmTaskState]] = [:]
        for line in out.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 3, let task = Int(f[1]) else { continue }
            states[f[0], default: [:]][task] = SlurmTaskState(f[2])
        }
        return states
    }

    func loadRecord() -> [SubmittedArray] {
        guard let data = try? Data(contentsOf: recordFile) else { return [] }
        return (try? JSONDecoder().decode([SubmittedArray].self, from: data)) ?? []
    }

    func saveRecord(_ arrays: [SubmittedArray]) throws {
        try JSONEncoder.sorted.encode(arrays).write(to: recordFile, options: .atomic)
    }
}
