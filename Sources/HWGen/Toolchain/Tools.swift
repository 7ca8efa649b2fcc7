import Foundation

/// Output of one finished external command.
public struct CommandResult: Sendable {
    /// Process exit status.
    public let status: Int32
    /// Captured standard output.
    public let stdout: String
    /// Captured standard error.
    public let stderr: String
    /// True when the command was killed by the time limit.
    public let timedOut: Bool
    /// stdout followed by stderr.
    public var combined: String { stdout + stderr }
}

/// Finding and running the external EDA tools.
public enum Tools {
    /// Full path of `name` on PATH, or a missing-tool error (exit 3) naming the apt package.
    public static func find(_ name: String, package: String) throws -> String {
        if let p = which(name) { return p }
        throw HWGenError.missingTool(name, package: package)
    }

    /// A timer calling `report` every `seconds` (from `seconds` on) until cancelled: progress lines
    /// during a long tool run.
    public static func ticker(every seconds: Double, _ report: @escaping @Sendable () -> Void) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler(handler: report)
        timer.resume()
        return timer
    }

    /// Full path of `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable args` in `directory`, capturing output; kills it after `timeout` seconds.
    public static func run(_ executable: String, _ args: [String], in directory: URL? = nil,
                           timeout: TimeInterval = 3600) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        // Capture into temp files: pipes can deadlock on large outputs.
        let tmp = FileManager.default.temporaryDirectory
            .appendingPathComponent("hwgen-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("out"), errURL = tmp.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outH = try FileHandle(forWritingTo: outURL), errH = try FileHandle(forWritingTo: errURL)
        p.standardOutput = outH
        p.standardError = errH
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw HWGenError.badInput("cannot run \(executable): \(error.localizedDescription)")
        }
        let pid = p.processIdentifier
        ChildProcesses.shared.insert(pid)
        defer { ChildProcesses.shared.remove(pid) }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                timedOut = true
                // The tool and what it started (Yosys runs ABC): Foundation sees the tool end only
                // when every process holding its descriptors has, so a live ABC would hang us.
                stop([pid])
                break
            }
            usleep(2000)
        }
        p.waitUntilExit()
        try? outH.close()
        try? errH.close()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return CommandResult(status: p.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
    }

    /// SIGTERM to `pids` and every process below them, SIGKILL to those still alive two seconds
    /// later (the wait ends early once each has `exited`).
    static func stop(_ pids: [Int32], exited: (Int32) -> Bool = { !alive($0) }) {
        let tree = pids.flatMap { [$0] + descendants(of: $0) }
        for p in tree { kill(p, SIGTERM) }
        let grace = Date().addingTimeInterval(2)
        while Date() < grace && tree.contains(where: { !exited($0) }) { usleep(10_000) }
        for p in tree where alive(p) { kill(p, SIGKILL) }
    }

    /// Whether `pid` still runs (a zombie, which only waits to be reaped, does not).
    static func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Every process below `pid` (children, their children, …), from `/proc`.
    static func descendants(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children: [Int32: [Int32]] = [:]
        for e in entries {
            guard let p = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(p) }
        }
        var out: [Int32] = [], queue = children[pid] ?? []
        while let p = queue.popLast() {
            out.append(p)
            queue += children[p] ?? []
        }
        return out
    }

    /// Makes SIGINT, SIGTERM and SIGHUP stop the tools this process is running (SIGTERM, then
    /// SIGKILL after a grace period) before it exits with status 128 + signal. For the CLI: a
    /// killed `hwgen` leaves no Yosys or simulator behind.
    public static func stopChildrenOnSignals() {
        ChildProcesses.shared.installSignalHandlers()
    }

    /// Runs `body` so that the first SIGINT, SIGTERM or SIGHUP (once ``stopChildrenOnSignals()``
    /// installed the handlers) stops the running tools but, instead of exiting, sets the flag
    /// `body` polls, so that it can clean up (cancel a Slurm job, write what it has). A second
    /// signal exits as usual.
    public static func catchingSignals<T>(_ body: (SignalFlag) throws -> T) rethrows -> T {
        let flag = SignalFlag()
        ChildProcesses.shared.push(flag)
        defer { ChildProcesses.shared.pop() }
        return try body(flag)
    }
}

/// The signal that arrived during ``Tools/catchingSignals(_:)``, if one did.
public final class SignalFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var caught: Int32?
    /// The first signal's number, or nil.
    public var signal: Int32? { lock.withLock { caught } }
    /// Records `sig` unless one was recorded; false when one was.
    func set(_ sig: Int32) -> Bool { lock.withLock { if caught == nil { caught = sig; return true } else { return false } } }
}

/// The external commands running now, so that a signal to hwgen can stop them too.
final class ChildProcesses: @unchecked Sendable {
    static let shared = ChildProcesses()
    private let lock = NSLock()
    private var pids: Set<Int32> = []
    private var sources: [DispatchSourceSignal] = []
    private var catchers: [SignalFlag] = []

    func push(_ flag: SignalFlag) { lock.withLock { catchers.append(flag) } }
    func pop() { lock.withLock { _ = catchers.popLast() } }

    func insert(_ pid: Int32) { lock.withLock { _ = pids.insert(pid) } }
    func remove(_ pid: Int32) { lock.withLock { _ = pids.remove(pid) } }

    func installSignalHandlers() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                signal(sig, SIG_IGN)        // delivered to the dispatch source instead
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { [self] in
                    if let flag = lock.withLock({ catchers.last }), flag.set(sig) { stopChildren() } else { stopAll(exitingWith: 128 + sig) }
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    private func stopAll(exitingWith status: Int32) -> Never {
        stopChildren()
        exit(status)
    }

    /// SIGTERM to every running tool and what it started (Yosys's ABC), SIGKILL to those still
    /// alive after two seconds.
    private func stopChildren() {
        Tools.stop(Array(lock.withLock { pids }), exited: { !Tools.alive($0) || Self.reaped($0) })
    }

    /// True when `pid` has exited (reaps it if it is our zombie child).
    private static func reaped(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }
}
