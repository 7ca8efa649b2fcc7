import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// The `hwgen` executable end to end: outputs, error messages and documented exit codes.
@Suite struct CLITests {
    /// The built `hwgen` next to the test bundle (the test target depends on it).
    static let binary: String = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hwgen"),
                          repo.appendingPathComponent(".build/debug/hwgen")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path ?? candidates[1].path
    }()
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func hwgen(_ args: [String], env: [String: String]? = nil, in dir: URL? = nil) throws -> CommandResult {
        guard let env else { return try Tools.run(binary, args, in: dir ?? repo, timeout: 600) }
        // Run through env(1) to change PATH for the child only.
        return try Tools.run("/usr/bin/env", env.map { "\($0.key)=\($0.value)" }.sorted() + [binary] + args,
                             in: dir ?? repo, timeout: 600)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A tool past its time limit is stopped with the processes it started (Yosys runs ABC,
    /// which once kept a timed-out synthesis waiting for an hour): no hang, nothing left running.
    @Test func aTimedOutToolIsStoppedWithWhatItStarted() throws {
        let d = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let pidFile = d.appendingPathComponent("child.pid").path
        let start = Date()
        let r = try Tools.run("/bin/sh", ["-c", "sleep 120 & echo $! > \(pidFile); wait"], timeout: 1)
        #expect(r.timedOut)
        #expect(Date().timeIntervalSince(start) < 20, "Tools.run waited \(Date().timeIntervalSince(start)) s")
        let child = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        #expect(!Tools.alive(child), "the tool's child \(child) is still running")
    }

    @Test func emitWritesRTLTestbenchAndVectors() throws {
        let out = try Self.tempDir()
        let r = try Self.hwgen(["emit", "designs/systolic_os_4x4_s8.yaml", "-o", out.path, "--gemm", "5x6x7", "--seed", "3"])
        #expect(r.status == 0, "\(r.combined)")
        for f in ["rtl/systolic_os_4x4_s8.v", "rtl/pe_os_baseline_p1_s8_s8_s32.v", "rtl/mac_baseline_p1_s8_s8_s32.v",
                  "testbenches/tb_systolic_os_4x4_s8.v", "vectors/systolic_os_4x4_s8/a.hex",
                  "vectors/systolic_os_4x4_s8/c_expected.hex"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "missing \(f)")
        }
        let again = try Self.tempDir()
        _ = try Self.hwgen(["emit", "designs/systolic_os_4x4_s8.yaml", "-o", again.path, "--gemm", "5x6x7", "--seed", "3"])
        for f in ["rtl/systolic_os_4x4_s8.v", "testbenches/tb_systolic_os_4x4_s8.v", "vectors/systolic_os_4x4_s8/b.hex"] {
            #expect(try Data(contentsOf: out.appendingPathComponent(f)) == Data(contentsOf: again.appendingPathComponent(f)))
        }
    }

    /// Every file under `dir`, relative path → bytes.
    static func tree(_ dir: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
        while let u = e?.nextObject() as? URL {
            if (try u.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
                files[String(u.standardizedFileURL.path.dropFirst(dir.standardizedFileURL.path.count + 1))] = try Data(contentsOf: u)
            }
        }
        return files
    }

    /// The bytes `hwgen emit` writes depend on the spec's content and file name only: not on the
    /// path it was named by, the directory hwgen ran in, or the run.
    @Test func emitIsByteIdenticalWhateverPathOrDirectoryNamesTheSpec() throws {
        let work = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: work) }
        let elsewhere = work.appendingPathComponent("deep/er/dir")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        for spec in ["systolic_os_4x4_s8.yaml", "gemm_os_4x4_s8_requant_col.yaml", "systolic_os_2x3_s16.json", "gemm_tree_4x16_s8_2of4.yaml"] {
            let absolute = Self.repo.appendingPathComponent("designs/\(spec)").path
            try FileManager.default.copyItem(atPath: absolute, toPath: elsewhere.appendingPathComponent(spec).path)
            var trees: [[String: Data]] = []
            for (i, (path, cwd)) in [("designs/\(spec)", Self.repo), ("designs/\(spec)", Self.repo), (absolute, work),
                                     ("./designs/../designs/\(spec)", Self.repo), (spec, elsewhere)].enumerated() {
                let out = work.appendingPathComponent("out\(i)-\(spec)")
                let r = try Self.hwgen(["emit", path, "-o", out.path, "--gemm", "5x9x7", "--seed", "11"], in: cwd)
                #expect(r.status == 0, "\(r.combined)")
                trees.append(try Self.tree(out))
            }
            #expect(trees[0].count >= 4, "\(trees[0].keys)")
            for (i, t) in trees.enumerated().dropFirst() {
                #expect(t == trees[0], "\(spec): run \(i) differs in \(Set(t.keys).union(trees[0].keys).filter { t[$0] != trees[0][$0] }.sorted())")
            }
            let header = String(decoding: trees[0]["rtl/\(spec.split(separator: ".")[0]).v"] ?? Data(), as: UTF8.self)
            #expect(header.contains("generated by hwgen from \(spec). Do not edit.") && !header.contains(Self.repo.path), "\(header.prefix(200))")
        }
    }

    /// Child processes of `pid`, from /proc.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// Alive and not a zombie.
    static func running(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    @Test func sigtermStopsTheToolsHwgenRuns() throws {
        try Requires.tool("yosys", package: "yosys")
        let work = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: work) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["synth", "designs/systolic_os_4x4_s8.yaml", "--clock", "2", "--work-dir", work.path]
        p.currentDirectoryURL = Self.repo
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var tools: [Int32] = []
        let deadline = Date().addingTimeInterval(60)
        while tools.isEmpty && p.isRunning && Date() < deadline {
            usleep(50_000)
            tools = Self.children(of: p.processIdentifier)
        }
        try #require(!tools.isEmpty, "hwgen synth started no tool within 60 s")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + SIGTERM)
        usleep(200_000)
        for t in tools { #expect(!Self.running(t), "tool \(t) still runs after hwgen was stopped") }
    }

    @Test func reportPrintsGoldenCyclesWithoutSimulating() throws {
        let r = try Self.hwgen(["report", "designs/systolic_os_16x16_s8.yaml", "--gemm", "256x256x256", "--cycles-only"])
        #expect(r.status == 0, "\(r.combined)")
        let golden = GoldenTiming.osCycles(rows: 16, cols: 16, m: 256, k: 256, n: 256, pipeline: 1)
        #expect(r.stdout.contains("golden \(golden), SCALE-Sim v2 OS estimate 73215"), "\(r.stdout)")
        #expect(r.stdout.contains("PE utilization 99.9 %"))
        let bits = try Self.hwgen(["report", "designs/systolic_os_4x4_s8_bitserial.yaml", "--gemm", "4x8x4", "--cycles-only"])
        let d = GoldenTiming.osCycles(rows: 4, cols: 4, m: 4, k: 8, n: 4, pipeline: 1, elementCycles: 4)
        #expect(bits.stdout.contains("golden \(d),") && bits.stdout.contains("4 cycles per element"), "\(bits.stdout)")
        // Beyond the buffers: --cycles-only gives the host's chunked schedule (as hwgen workload);
        // a simulation of it is refused.
        let tiled = try Self.hwgen(["report", "designs/gemm_os_4x4_s8.yaml", "--gemm", "64x512x64", "--cycles-only"])
        let design = try Design.load(path: Self.repo.appendingPathComponent("designs/gemm_os_4x4_s8.yaml").path)
        let t = try #require(try design.layerCycles(GemmShape(m: 64, k: 512, n: 64)).tiling)
        #expect(tiled.status == 0 && tiled.stdout.contains("cycles: \(t.cycles) in \(t.chunks) runs of at most \(t.m)x\(t.k)x\(t.n)"), "\(tiled.combined)")
        let tooBig = try Self.hwgen(["report", "designs/gemm_os_4x4_s8.yaml", "--gemm", "64x512x64", "--no-synth"])
        #expect(tooBig.status == 2)
        #expect(tooBig.stderr.contains("gemm 64x512x64 does not fit the buffers of designs/gemm_os_4x4_s8.yaml: A needs"), "\(tooBig.stderr)")
        let bad = try Self.hwgen(["report", "designs/systolic_os_4x4_s8.yaml", "--gemm", "4x0x4", "--cycles-only"])
        #expect(bad.status == 2 && bad.stderr.contains("--gemm"), "\(bad.combined)")
    }

    @Test func badSpecsExitTwoNamingFileAndField() throws {
        let dir = try Self.tempDir()
        let cases: [(String, String)] = [
            ("name: x\nengine: { kind: systolic, dataflow: os, rows: 0, cols: 4 }\nmac: { a: s8, b: s8, acc: s32 }\n",
             "engine.rows: 0 is out of range (allowed: 1...256)"),
            ("name: x\nengine: { kind: systolic, dataflow: os, rows: 4, cols: 4 }\nmac: { a: s8, b: s17, acc: s32 }\n",
             "mac.b: \"s17\" is not a weight type"),
            ("name: x\nengine: { kind: systolic, dataflow: os, rows: 4, cols: 4, depth: 3 }\nmac: { a: s8, b: s8, acc: s32 }\n",
             "unknown field 'depth'"),
            ("name: x\nengine: [1, 2\n", "invalid YAML"),
            ("name: x\nengine: { kind: systolic, dataflow: is, rows: 4, cols: 4 }\nmac: { a: s8, b: s8, acc: s32, pipeline: 2 }\n",
             "mac.pipeline: 2 (a split accumulator) applies to systolic dataflow os only (allowed with dataflow is: 0, 1)"),
            ("name: x\nengine: { kind: systolic, dataflow: xs, rows: 4, cols: 4 }\nmac: { a: s8, b: s8, acc: s32 }\n",
             "engine.dataflow: \"xs\" is not a dataflow (allowed: os, ws, is)"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            let path = try Self.write(text, "bad\(i).yaml", in: dir)
            let r = try Self.hwgen(["emit", path, "-o", dir.appendingPathComponent("out").path])
            #expect(r.status == 2, "\(r.combined)")
            #expect(r.stderr.hasPrefix("error: \(path): "), "\(r.stderr)")
            #expect(r.stderr.contains(message), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/rtl").path))
        }
        let missing = try Self.hwgen(["sim", dir.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 2 && missing.stderr.contains("nope.yaml"), "\(missing.combined)")
        let badGemm = try Self.hwgen(["golden", "designs/systolic_os_4x4_s8.yaml", "--gemm", "3x0x2"])
        #expect(badGemm.status == 2 && badGemm.stderr.contains("K = 0"), "\(badGemm.combined)")
        let badFlag = try Self.hwgen(["sim", "designs/systolic_os_4x4_s8.yaml", "--simulator", "modelsim"])
        #expect(badFlag.status == 2 && badFlag.stderr.contains("allowed: icarus, verilator, both"), "\(badFlag.combined)")
        let unknownOption = try Self.hwgen(["sim", "designs/systolic_os_4x4_s8.yaml", "--frobnicate"])
        #expect(unknownOption.status == 2, "\(unknownOption.combined)")
        #expect(try Self.hwgen(["--help"]).status == 0)
    }

    @Test func npyRoundTripThroughGoldenAndSim() throws {
        let dir = try Self.tempDir()
        let (a, b) = Operands.random(shape: GemmShape(m: 5, k: 9, n: 6), mac: MACTypes(a: .u(8), b: .s(8), acc: .s(32)), seed: 11)
        let aPath = dir.appendingPathComponent("A.npy").path, bPath = dir.appendingPathComponent("B.npy").path
        try Npy.writeMatrix(a, dtype: .uint8, path: aPath)
        try Npy.writeMatrix(b, dtype: .int8, path: bPath)
        let goldenOut = dir.appendingPathComponent("C_golden.npy").path
        let g = try Self.hwgen(["golden", "designs/systolic_os_8x8_u8s8.yaml", "--a", aPath, "--b", bPath, "--out", goldenOut])
        #expect(g.status == 0, "\(g.combined)")
        let simulators = Simulator.installed
        guard !simulators.isEmpty else { try Requires.skip("no simulator installed (apt-get install -y iverilog verilator)") }
        let simOut = dir.appendingPathComponent("C_rtl.npy").path
        let s = try Self.hwgen(["sim", "designs/systolic_os_8x8_u8s8.yaml", "--a", aPath, "--b", bPath, "--out", simOut,
                                "--simulator", simulators.count == 2 ? "both" : simulators[0].rawValue])
        #expect(s.status == 0, "\(s.combined)")
        #expect(s.stdout.contains("PASS"), "\(s.stdout)")
        // Both files hold the golden product, computed here independently of the CLI.
        let expected = GoldenGEMM.multiply(a, b, mac: MACTypes(a: .u(8), b: .s(8), acc: .s(32)))
        #expect(try Npy.readMatrix(path: goldenOut, role: "C", type: .s(32)) == expected)
        #expect(try Npy.readMatrix(path: simOut, role: "C", type: .s(32)) == expected)

        // A B whose K does not match A: exit 2 naming the file.
        let badB = dir.appendingPathComponent("Bbad.npy").path
        try Npy.writeMatrix(IntMatrix(rows: 4, cols: 6), dtype: .int8, path: badB)
        let r = try Self.hwgen(["golden", "designs/systolic_os_8x8_u8s8.yaml", "--a", aPath, "--b", badB])
        #expect(r.status == 2 && r.stderr.contains("Bbad.npy"), "\(r.combined)")
    }

    @Test func missingToolExitsThreeNamingPackage() throws {
        let r = try Self.hwgen(["sim", "designs/systolic_os_4x4_s8.yaml", "--simulator", "icarus"],
                               env: ["PATH": "/nonexistent"])
        #expect(r.status == 3, "\(r.combined)")
        #expect(r.stderr.contains("apt-get install -y iverilog"), "\(r.stderr)")
        let s = try Self.hwgen(["synth", "designs/systolic_os_4x4_s8.yaml", "--work-dir",
                                try Self.tempDir().path], env: ["PATH": "/nonexistent"])
        #expect(s.status == 3 && s.stderr.contains("apt-get install -y yosys"), "\(s.combined)")
    }

    @Test func verifyProvesABaselinePipelineAndRejectsBadArguments() throws {
        let r = try Self.hwgen(["verify", "designs/systolic_os_4x4_s8.yaml", "--equiv", "--cycles", "4"])
        #expect(r.status == 0, "\(r.combined)")
        #expect(r.stdout.hasPrefix("PROVED mac s8 × s8 → s32 baseline pipeline 1 equals baseline"))
        let none = try Self.hwgen(["verify", "designs/systolic_os_4x4_s8.yaml"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("verify: nothing to check (allowed: --equiv)"))
        let cycles = try Self.hwgen(["verify", "designs/systolic_os_4x4_s8.yaml", "--equiv", "--cycles", "0"])
        #expect(cycles.status == 2)
        #expect(cycles.stderr.contains("--cycles: 0 is out of range (allowed: 1...64)"))
    }

    @Test func badMACKindAndPipelineAreSpecErrors() throws {
        let dir = try Self.tempDir()
        let kind = try Self.write("""
            name: x
            engine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }
            mac: { a: s8, b: s8, acc: s32, kind: wallace }
            """, "bad_kind.yaml", in: dir)
        let r = try Self.hwgen(["emit", kind, "-o", try Self.tempDir().path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("mac.kind: \"wallace\" is not a MAC kind (allowed: baseline, booth, bitserial, shiftadd, ffip, ffip_booth, float)"), "\(r.stderr)")
        let pipe = try Self.write("""
            name: x
            engine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }
            mac: { a: s8, b: s8, acc: s32, kind: booth, pipeline: 3 }
            """, "bad_pipe.yaml", in: dir)
        let p = try Self.hwgen(["emit", pipe, "-o", try Self.tempDir().path])
        #expect(p.status == 2)
        #expect(p.stderr.contains("mac.pipeline: 3 is out of range (allowed: 0...2)"), "\(p.stderr)")
    }
}

/// `hwgen sim`/`golden` with the quantized-arithmetic inputs: weights as values, per-column
/// scales and group exponents from `.npy`, the epilogue's output written with `--out`, and every
/// mismatch of those files a one-line exit 2.
@Suite struct QuantCLITests {
    typealias C = CLITests

    static func npy(_ values: [Int64], _ shape: [Int], _ dtype: NpyDType = .int64, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Npy.write(NpyArray(shape: shape, dtype: dtype, values: values), path: path)
        return path
    }

    @Test func ternaryWeightsPerColumnScalesAndOut() throws {
        try Requires.simulator(.icarus)
        let d = try C.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let a = try Self.npy([1, -2, 3, 4, 5, -6], [2, 3], .int8, "a.npy", in: d)
        let t = try Self.npy([1, 0, -1, -1, 1, 0], [3, 2], .int8, "t.npy", in: d)
        let r = try C.hwgen(["sim", "designs/systolic_os_4x4_s8_ternary.yaml", "--a", a, "--b", t, "--simulator", "icarus",
                             "--out", d.appendingPathComponent("c.npy").path])
        #expect(r.status == 0, "\(r.combined)")
        // [1 −2 3; 4 5 −6] · [1 0; −1 −1; 1 0] = [1+2+3, 2; 4−5−6, −5]
        #expect(try Npy.readMatrix(path: d.appendingPathComponent("c.npy").path, role: "C", type: .s(24)) == IntMatrix(rows: 2, cols: 2, data: [6, 2, -7, -5]))
        // A weight that is not ternary names the file, position and the allowed values.
        let bad = try Self.npy([1, 0, 2, -1, 1, 0], [3, 2], .int8, "bad.npy", in: d)
        let e = try C.hwgen(["sim", "designs/systolic_os_4x4_s8_ternary.yaml", "--a", a, "--b", bad])
        #expect(e.status == 2 && e.stderr.contains("\(bad): value 2 at [1, 0] does not fit ternary (allowed: -1, 0, 1)"), "\(e.combined)")

        // Per-column scales: M = 2^30 (½ after n = 31), n = 31 and 32 → C·½ and C·¼, half-away, to s8.
        let m = try Self.npy([1 << 30, 1 << 30], [2], .int64, "m.npy", in: d)
        let s = try Self.npy([31, 32], [2], .int64, "s.npy", in: d)
        let b = try Self.npy([1, 2, 3, 4, 5, 6], [3, 2], .int8, "b.npy", in: d)
        let out = d.appendingPathComponent("y.npy").path
        let g = try C.hwgen(["sim", "designs/gemm_os_4x4_s8_requant_col.yaml", "--a", a, "--b", b, "--multipliers", m, "--shifts", s,
                             "--simulator", "icarus", "--out", out])
        #expect(g.status == 0, "\(g.combined)")
        // C = [1−6+15, 2−8+18; 4+15−30, 8+20−36] = [10, 12; −11, −8] → [5, 3; −6 (−5.5 away), −2]
        #expect(try Npy.readMatrix(path: out, role: "Y", type: .s(8)) == IntMatrix(rows: 2, cols: 2, data: [5, 3, -6, -2]))
        for (args, message) in [
            (["--multipliers", m], "--multipliers and --shifts must be given together"),
            ([String](), "epilogue.per_column needs --multipliers M.npy and --shifts S.npy (N values each)"),
            (["--multipliers", try Self.npy([1, 2, 3], [3], .int64, "m3.npy", in: d), "--shifts", s], "--multipliers: 3 values for N = 2 columns (allowed: exactly 2)"),
            (["--multipliers", m, "--shifts", try Self.npy([31, 64], [2], .int64, "s64.npy", in: d)], "--shifts: value 64 at [1] is out of range (allowed: 0...63)"),
        ] {
            let r = try C.hwgen(["sim", "designs/gemm_os_4x4_s8_requant_col.yaml", "--a", a, "--b", b] + args)
            #expect(r.status == 2 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(r.combined)")
        }
    }

    @Test func groupExponents() throws {
        let d = try C.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let a = try Self.npy(Array(repeating: 1, count: 70), [1, 70], .int8, "a.npy", in: d)
        let b = try Self.npy(Array(repeating: 1, count: 70), [70, 1], .int8, "b.npy", in: d)
        let e = try Self.npy([1, 2, 3], [3, 1], .uint8, "e.npy", in: d)
        let out = d.appendingPathComponent("c.npy").path
        let r = try C.hwgen(["golden", "designs/systolic_os_4x4_w4a8_g32.yaml", "--a", a, "--b", b, "--group-scales", e, "--out", out])
        #expect(r.status == 0, "\(r.combined)")
        #expect(try Npy.readMatrix(path: out, role: "C", type: .s(32)) == IntMatrix(rows: 1, cols: 1, data: [32 * 2 + 32 * 4 + 6 * 8]))
        for (args, message) in [
            ([String](), "mac.group 32 needs group exponents (--group-scales E.npy, ⌈K/32⌉ × N)"),
            (["--group-scales", try Self.npy([1, 2], [2, 1], .uint8, "e2.npy", in: d)], "--group-scales: shape (2, 1) does not match K = 70, N = 1 (allowed: (3, 1) for groups of 32)"),
            (["--group-scales", try Self.npy([1, 16, 0], [3, 1], .uint8, "e16.npy", in: d)], "--group-scales: exponent 16 at [1, 0] is out of range (allowed: 0...15)"),
        ] {
            let r = try C.hwgen(["golden", "designs/systolic_os_4x4_w4a8_g32.yaml", "--a", a, "--b", b] + args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(r.combined)")
        }
        let none = try C.hwgen(["golden", "designs/systolic_os_4x4_s8.yaml", "--a", a, "--b", b, "--group-scales", e])
        #expect(none.status == 2 && none.stderr.contains("--group-scales: designs/systolic_os_4x4_s8.yaml has no mac.group (allowed: omit --group-scales)"), "\(none.combined)")
    }
}
