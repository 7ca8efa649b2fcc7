import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// HWGen's output in users' flows: the FuseSoC core run by the real `fusesoc` (PyPI, installed by
/// `make setup` into HWGen's venv), and `hwgen --version`.
@Suite struct IntegrationTests {
    /// A PyPI tool on PATH or in HWGen's venv, or nil (printing why the test skips).
    @Test(arguments: ["systolic_os_4x4_s8.yaml", "gemm_ws_4x4_s8.yaml"])
    func fusesocRunsTheCoreOnBothSimulators(_ design: String) throws {
        let fusesoc = try Requires.pypi("fusesoc")
        try Requires.bothSimulators()
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let out = d.appendingPathComponent("ip")
        let e = try CLITests.hwgen(["emit", "designs/\(design)", "-o", out.path, "--fusesoc", "--gemm", "5x11x6", "--seed", "4"])
        let name = String(design.dropLast(5))
        #expect(e.status == 0 && e.stdout.contains("\(name).core"), "\(e.combined)")
        let core = try String(contentsOf: out.appendingPathComponent("\(name).core"), encoding: .utf8)
        #expect(core.hasPrefix("CAPI=2:\n") && core.contains("name: hwgen:designs:\(name):0") && core.contains("toplevel: tb_\(name)"))
        // The same core again, from elsewhere: identical bytes.
        let again = d.appendingPathComponent("again")
        _ = try CLITests.hwgen(["emit", CLITests.repo.appendingPathComponent("designs/\(design)").path, "-o", again.path, "--fusesoc",
                                "--gemm", "5x11x6", "--seed", "4"], in: d)
        #expect(try String(contentsOf: again.appendingPathComponent("\(name).core"), encoding: .utf8) == core)

        for tool in ["icarus", "verilator"] {
            let build = d.appendingPathComponent("build-\(tool)")
            let r = try Tools.run(fusesoc, ["--cores-root", out.path, "run", "--build-root", build.path, "--target", "sim", "--tool", tool,
                                            "hwgen:designs:\(name):0"], in: d, timeout: 900)
            #expect(r.status == 0 && r.combined.contains("mismatches=0") && r.combined.contains("\nPASS"),
                    "fusesoc sim --tool \(tool): \(r.combined.suffix(3000))")
            #expect(!r.combined.contains("HWGEN MISMATCH") && !r.combined.contains("FAIL"), "\(r.combined.suffix(2000))")
        }
        let lint = try Tools.run(fusesoc, ["--cores-root", out.path, "run", "--build-root", d.appendingPathComponent("build-lint").path,
                                           "--target", "lint", "hwgen:designs:\(name):0"], in: d, timeout: 900)
        #expect(lint.status == 0 && !lint.combined.contains("%Warning"), "fusesoc lint: \(lint.combined.suffix(2000))")
    }

    /// The generated cocotb test, run by the real cocotb on Icarus: it passes (values and cycles)
    /// on engines of each stream shape (WS with N:M weights, digit-serial IS, a tree, OS with an
    /// epilogue), fails when the golden C it checks against is wrong, and under
    /// Verilator 5.006 cocotb 2.x refuses to run (it needs 5.036), which the README states.
    @Test(arguments: ["systolic_ws_4x4_s8_2of4.yaml", "systolic_is_4x4_s8_bitserial.yaml", "tree_4x16_s8s4_bitserial.yaml",
                      "systolic_os_4x4_s8_requant.yaml"])
    func cocotbTestPassesOnIcarusAndCatchesAWrongGolden(_ design: String) throws {
        let cocotb = try Requires.pypi("cocotb-config")
        try Requires.simulator(.icarus)
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let name = String(design.dropLast(5))
        let e = try CLITests.hwgen(["emit", "designs/\(design)", "-o", d.path, "--cocotb", "--gemm", "5x33x6", "--seed", "9"])
        #expect(e.status == 0 && e.stdout.contains("cocotb/test_\(name).py"), "\(e.combined)")
        let dir = d.appendingPathComponent("cocotb")
        let path = URL(fileURLWithPath: cocotb).deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")
        func make(_ sim: String) throws -> CommandResult {
            try Tools.run("/usr/bin/env", ["PATH=\(path)", "make", "-C", dir.path, "SIM=\(sim)"], timeout: 900)
        }
        let r = try make("icarus")
        #expect(r.status == 0 && r.combined.contains("PASS=1 FAIL=0") && r.combined.contains("0 mismatches"), "\(r.combined.suffix(3000))")
        #expect(r.combined.range(of: #"checked (\d+) of \1 outputs, 0 mismatches, (\d+) cycles \(golden \2\)"#, options: .regularExpression) != nil,
                "\(r.combined.suffix(2000))")
        // A golden C off by one in one place: the test must fail and say where.
        let golden = dir.appendingPathComponent("c_golden.npy")
        var c = try Npy.readMatrix(path: golden.path, role: "C", what: "", allowed: "", accepts: { _ in true })
        c.data[7] = c.data[7] == 0 ? 1 : 0
        try Npy.writeMatrix(c, dtype: try Npy.read(path: golden.path).dtype, path: golden.path)
        try? FileManager.default.removeItem(at: dir.appendingPathComponent("results.xml"))
        let bad = try make("icarus")
        #expect(bad.status != 0 && bad.combined.contains("FAIL=1") && bad.combined.contains("C[1][1]: expected"), "\(bad.combined.suffix(2000))")
        let v = try make("verilator")
        #expect(v.status != 0 && v.combined.contains("cocotb requires Verilator 5.036 or later"), "\(v.combined.suffix(1000))")
    }

    @Test func versionListsHwgenAndTheToolsItFinds() throws {
        let r = try CLITests.hwgen(["--version"])
        #expect(r.status == 0 && r.stdout.hasPrefix("hwgen \(Versions.hwgen)\n"), "\(r.combined)")
        for tool in Versions.tools { #expect(r.stdout.contains("  \(tool.name) "), "\(tool.name) missing: \(r.stdout)") }
        if Tools.which("yosys") != nil { #expect(r.stdout.contains("Yosys 0.")) }
        // A tool that is not on PATH is named with its package.
        let bare = try CLITests.hwgen(["--version"], env: ["PATH": "/nonexistent", "HOME": "/nonexistent"])
        #expect(bare.stdout.contains("iverilog") && bare.stdout.contains("not found (install: apt-get install -y iverilog)"), "\(bare.stdout)")
    }
}
