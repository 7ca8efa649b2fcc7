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
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline { p.terminate(); timedOut = true; break }
            usleep(2000)
        }
        p.waitUntilExit()
        try? outH.close()
        try? errH.close()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return CommandResult(status: p.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
    }
}
