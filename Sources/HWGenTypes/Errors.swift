/// Documented process exit codes of the `hwgen` tool.
public enum ExitStatus: Int32, Sendable {
    /// Success.
    case ok = 0
    /// RTL results or cycle count differ from the golden model.
    case mismatch = 1
    /// Bad input: spec, operands, arguments, missing files.
    case badInput = 2
    /// A required external tool is not installed.
    case missingTool = 3
}

/// An error reported to the user as one clear line, with the exit status it maps to.
public struct HWGenError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The exit status this error maps to.
    public let status: ExitStatus
    /// The message, without the leading `error: `.
    public let message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// Bad input (exit 2).
    public static func badInput(_ message: String) -> HWGenError { HWGenError(.badInput, message) }
    /// Missing tool (exit 3), naming the Debian package that provides it.
    public static func missingTool(_ tool: String, package: String) -> HWGenError {
        HWGenError(.missingTool, "'\(tool)' not found on PATH (install it with: apt-get install -y \(package))")
    }
    /// RTL/golden mismatch (exit 1).
    public static func mismatch(_ message: String) -> HWGenError { HWGenError(.mismatch, message) }

    public var description: String { "error: \(message)" }
}
