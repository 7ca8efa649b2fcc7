import Foundation
import Testing
import Yams
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Malformed inputs fed to the real CLI: specs (YAML and JSON) with broken syntax, wrong types,
/// unknown keys, missing or out-of-range fields and contradictory combinations; sweep files; and
/// damaged `.npy` operands. Every one must end with exit 2 and one `error:` line naming the file
/// (and the field, where the input names one), within a time limit, leaving no output behind.
///
/// `HWGEN_FUZZ_N` inputs of each family run (default 400, so 1,200 per `make test`, in about
/// 20 s; `make fuzz N=...` runs more). The seed is printed; `HWGEN_TEST_SEED` replays a run.
@Suite struct FuzzTests {
    static let count = ProcessInfo.processInfo.environment["HWGEN_FUZZ_N"].flatMap { Int($0) } ?? 400

    /// One generated input: its files, the command to run on them and what the message must name.
    struct Case: Sendable {
        let label: String
        let files: [String: Data]
        let args: [String]
        /// Strings the one-line message must contain (the file, and the field when there is one).
        let mentions: [String]
        /// Paths (relative to the case directory) that must not exist afterwards.
        let absent: [String]
    }

    static let specBases = ["systolic_os_4x4_s8.yaml", "gemm_os_4x4_s8_requant_col.yaml", "systolic_os_4x4_w4a8_g32.yaml",
                            "systolic_ws_4x4_s8_2of4.yaml", "gemm_tree_4x16_s8_2of4.yaml", "systolic_os_4x4_s8_sat.yaml",
                            "cube_4x4x4_s8.yaml", "matrix2d_4x4_s8_bitserial.yaml", "systolic_os_4x4_s8_ternary.yaml",
                            "systolic_os_4x4_s8_p4.yaml", "gemm_os_4x4_s8.yaml", "systolic_is_4x4_s8_booth.yaml",
                            "systolic_os_16x16_s8_requant.yaml", "gemm_matrix2d_4x4_s8s4.yaml"]

    /// Field edits no spec can take, whatever its base (a: s8 in every base above).
    static let contradictions: [[(String, String)]] = [
        [("mac.b", "ternary"), ("mac.kind", "booth")], [("mac.kind", "shiftadd"), ("mac.b", "s8")], [("mac.acc", "s4")],
        [("mac.acc", "s24sat"), ("mac.kind", "bitserial"), ("mac.b", "s8")], [("mac.acc", "s24sat"), ("mac.pipeline", "2")],
        [("mac.group", "1")], [("mac.group", "8"), ("mac.kind", "bitserial"), ("mac.b", "s4")], [("mac.b", "p6"), ("mac.kind", "shiftadd")],
        [("mac.acc", "s24sats")], [("mac.pipeline", "-1")], [("mac.a", "s1")], [("mac.a", "s17")], [("mac.b", "u0")],
        [("epilogue.multiplier", "0"), ("epilogue.shift", "3"), ("epilogue.out", "s8")],
        [("epilogue.multiplier", "5"), ("epilogue.shift", "64"), ("epilogue.out", "s8")],
        [("epilogue.multiplier", "5"), ("epilogue.shift", "3"), ("epilogue.out", "s8"), ("epilogue.zero_point", "128")],
        [("epilogue.multiplier", "5"), ("epilogue.shift", "3"), ("epilogue.out", "s40")],
        [("epilogue.multiplier", "5"), ("epilogue.shift", "3"), ("epilogue.out", "s8"), ("epilogue.rounding", "nearest")],
        [("epilogue.multiplier", "5"), ("epilogue.shift", "3"), ("epilogue.out", "s8"), ("epilogue.relu", "1")],
        [("epilogue.per_column", "true"), ("epilogue.shift", "3"), ("epilogue.out", "s8")],
        [("engine.rows", "0")], [("engine.cols", "100000")], [("engine.kind", "hexagon")], [("name", "\"9lives\"")], [("name", "\"a b\"")],
        [("gemm.interface", "pcie")], [("gemm.interface", "axi"), ("gemm.a_words", "3")], [("gemm.double_buffer", "maybe")],
    ]

    /// The seed of this run: printed, and HWGEN_TEST_SEED replays it.
    static let seed: UInt64 = {
        let s = ProcessInfo.processInfo.environment["HWGEN_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...999_999)
        print("[FuzzTests] seed \(s), \(count) inputs per family (replay with HWGEN_TEST_SEED=\(s), more with HWGEN_FUZZ_N)")
        return s
    }()

    static func read(_ design: String) -> String {
        (try? String(contentsOf: CLITests.repo.appendingPathComponent("designs/\(design)"), encoding: .utf8)) ?? ""
    }

    // MARK: spec mutations (on the YAML tree, so each is malformed by construction)

    static func node(_ yaml: String) -> Node { (try? Yams.compose(yaml: yaml)) ?? Node("") }

    /// `root` with `path` set to `value` (creating sections on the way).
    static func setting(_ root: Node, _ path: [String], _ value: Node) -> Node {
        guard case .mapping(var m) = root, let key = path.first else { return root }
        if path.count == 1 { m[Node(key)] = value; return .mapping(m) }
        let child = m[Node(key)] ?? .mapping(Node.Mapping([]))
        m[Node(key)] = setting(child, Array(path.dropFirst()), value)
        return .mapping(m)
    }

    static func removing(_ root: Node, _ path: [String]) -> Node {
        guard case .mapping(var m) = root, let key = path.first else { return root }
        if path.count == 1 {
            return .mapping(Node.Mapping(m.filter { $0.key.string != key }.map { ($0.key, $0.value) }))
        }
        if let child = m[Node(key)] { m[Node(key)] = removing(child, Array(path.dropFirst())) }
        return .mapping(m)
    }

    /// Leaf paths present in `root` (`engine.rows`, ...).
    static func leaves(_ root: Node, prefix: String = "") -> [String] {
        guard case .mapping(let m) = root else { return [prefix] }
        return m.flatMap { k, v in leaves(v, prefix: prefix.isEmpty ? k.string ?? "?" : "\(prefix).\(k.string ?? "?")") }
    }

    static func specCase<G: RandomNumberGenerator>(_ i: Int, _ rng: inout G) -> Case {
        let base = specBases.randomElement(using: &rng)!
        let file = "fz\(i)_\(base)"
        var root = node(read(base))
        let fields = leaves(root).filter { $0 != "name" && $0 != "description" }
        var mentions = [file]
        var text: String? = nil
        var bytes: Data? = nil
        let label: String
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1:   // a scalar field given a mapping or a list
            // Any field: one the base has is named in the message; one it lacks may be refused for
            // another reason first (an engine that has no such field, a section missing its rest).
            let f = (SpecReader.fieldPaths.filter { $0 != "name" && $0 != "description" } + fields).randomElement(using: &rng)!
            let v = Bool.random(using: &rng) ? node("{ zz: 1 }") : node("[1, 2]")
            root = setting(root, f.split(separator: ".").map(String.init), v)
            (label, mentions) = ("\(f) is a \(v.mapping != nil ? "mapping" : "list")", mentions + (fields.contains(f) ? [f] : []))
        case 2:      // a word that is no value of any field
            let f = fields.randomElement(using: &rng)!
            root = setting(root, f.split(separator: ".").map(String.init), Node("zq\(UInt32.random(in: 0...999_999, using: &rng))"))
            (label, mentions) = ("\(f) is a made-up word", mentions + [f])
        case 3:      // far out of range
            let f = fields.randomElement(using: &rng)!
            let v = ["1000000000000000000000000000000", "-99999999999999999999", "1e400", "-7.5"].randomElement(using: &rng)!
            root = setting(root, f.split(separator: ".").map(String.init), node(v))
            (label, mentions) = ("\(f): \(v)", mentions + [f])
        case 4:      // an unknown key, at the top or in a section
            let sections = [""] + (root.mapping?.filter { $0.value.mapping != nil }.compactMap { $0.key.string } ?? [])
            let s = sections.randomElement(using: &rng)!
            let key = "zz\(UInt16.random(in: 0...9999, using: &rng))"
            root = setting(root, (s.isEmpty ? [] : [s]) + [key], Node("1", Tag(.int)))
            (label, mentions) = ("unknown key \(s.isEmpty ? "" : s + ".")\(key)", mentions + [key])
        case 5:      // a required field missing
            let f = ["name", "engine", "mac", "mac.a", "mac.b", "engine.kind"].randomElement(using: &rng)!
            root = removing(root, f.split(separator: ".").map(String.init))
            (label, mentions) = ("missing \(f)", mentions + [f])
        case 6:      // contradictory combinations
            let edits = contradictions.randomElement(using: &rng)!
            for (f, v) in edits { root = setting(root, f.split(separator: ".").map(String.init), node(v)) }
            label = "contradiction " + edits.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
        case 7:      // broken syntax: an unclosed flow collection or quote somewhere
            var lines = read(base).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let at = Int.random(in: 0...lines.count, using: &rng)
            lines.insert(["oops: [1, 2", "oops: { a: 1", "oops: \"open", "  - ]: ["].randomElement(using: &rng)!, at: at)
            text = lines.joined(separator: "\n")
            label = "syntax error at line \(at + 1)"
        case 8:      // not text, empty, or not a mapping
            let choices: [(String, Data)] = [("empty", Data()), ("a comment only", Data("# nothing\n".utf8)), ("a list", Data("- a\n- b\n".utf8)),
                                             ("a scalar", Data("42\n".utf8)), ("null", Data("~\n".utf8)),
                                             ("invalid UTF-8", Data(read(base).utf8.prefix(30)) + Data([0xFF, 0xFE, 0xC3]) + Data(read(base).utf8.dropFirst(30)))]
            let c = choices.randomElement(using: &rng)!
            (label, bytes) = (c.0, c.1)
        default:     // JSON: truncated, or a field of the wrong type
            let json = read("systolic_os_2x3_s16.json")
            let jfile = "fz\(i)_systolic_os_2x3_s16.json"
            if Bool.random(using: &rng) {
                let cut = Int.random(in: 1..<(json.utf8.count - 3), using: &rng)
                return Case(label: "JSON truncated at byte \(cut)", files: [jfile: Data(json.utf8.prefix(cut))],
                            args: ["emit", jfile, "-o", "out"], mentions: [jfile], absent: ["out"])
            }
            let f = ["engine.rows", "mac.a", "mac.acc", "engine.kind", "mac.pipeline"].randomElement(using: &rng)!
            let v = ["[1]", "{\"x\": 1}", "true", "\"zq\"", "-3", "1e99"].randomElement(using: &rng)!
            let jroot = setting(node(json), f.split(separator: ".").map(String.init), node(v))
            let body = (try? JSONSerialization.data(withJSONObject: jsonObject(jroot), options: [.sortedKeys])) ?? Data()
            return Case(label: "JSON \(f): \(v)", files: [jfile: body], args: ["emit", jfile, "-o", "out"], mentions: [jfile, f], absent: ["out"])
        }
        let data = bytes ?? Data((text ?? ((try? Yams.serialize(node: root)) ?? "")).utf8)
        return Case(label: "\(base): \(label)", files: [file: data], args: ["emit", file, "-o", "out"], mentions: mentions, absent: ["out"])
    }

    /// A YAML tree as JSONSerialization's objects (scalars keep their YAML type).
    static func jsonObject(_ n: Node) -> Any {
        switch n {
        case .mapping(let m): return Dictionary(m.map { ($0.key.string ?? "?", jsonObject($0.value)) }, uniquingKeysWith: { a, _ in a })
        case .sequence(let s): return s.map(jsonObject)
        case .scalar(let s):
            if let i = Int(s.string) { return i }
            if let d = Double(s.string) { return d }
            if s.string == "true" || s.string == "false" { return s.string == "true" }
            return s.string
        default: return NSNull()
        }
    }

    // MARK: sweep files

    static func sweepCase<G: RandomNumberGenerator>(_ i: Int, _ rng: inout G) -> Case {
        let file = "fz\(i)_sweep.yaml"
        let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
        let good: [String: String] = ["base": base, "vary": "{ engine.rows: [2, 4], mac.kind: [baseline, booth] }", "gemm": "8x8x8",
                                      "steps": "[synth]", "target": "generic", "clock": "2", "seed": "1"]
        let bad: [(String, String)] = [
            ("vary", "{}"), ("vary", "[]"), ("vary", "{ engine.rowz: [2] }"), ("vary", "{ engine.rows: [] }"), ("vary", "{ engine.rows: 4 }"),
            ("vary", "{ engine.rows: [[1]] }"), ("vary", "{ name: [a, b] }"), ("vary", "zz"), ("gemm", "4x"), ("gemm", "0x1x1"), ("gemm", "[1]"),
            ("gemm", "axbxc"), ("steps", "[place]"), ("steps", "[]"), ("steps", "sim"), ("target", "xc7"), ("target", "[osu018]"),
            ("clock", "-1"), ("clock", "0"), ("clock", "fast"), ("clock", "[2]"), ("seed", "-1"), ("seed", "x"), ("seed", "1.5"),
            ("base", "nowhere.yaml"), ("base", "[a]"), ("zz", "1"),
        ]
        let (field, value) = bad.randomElement(using: &rng)!
        var entries = good
        entries[field] = value
        var text = entries.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n"
        var mentions = [file, field == "zz" ? "zz" : field]
        if Int.random(in: 0..<8, using: &rng) == 0 {   // or a base spec that is itself malformed
            text = good.sorted { $0.key < $1.key }.map { "\($0.key): \($0.key == "base" ? "broken_base.yaml" : $0.value)" }.joined(separator: "\n") + "\n"
            return Case(label: "sweep with a malformed base", files: [file: Data(text.utf8), "broken_base.yaml": Data("name: x\nengine: [\n".utf8)],
                        args: ["sweep", file, "-o", "out"], mentions: ["broken_base.yaml"], absent: ["out/results.csv"])
        }
        if field == "base" && value == "nowhere.yaml" { mentions = ["nowhere.yaml"] }
        return Case(label: "sweep \(field): \(value)", files: [file: Data(text.utf8)], args: ["sweep", file, "-o", "out"],
                    mentions: mentions, absent: ["out/results.csv"])
    }

    // MARK: .npy operands

    static func npy(_ descr: String, _ shape: [Int], _ body: Data, fortran: Bool = false) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        d.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        d.append(Data(header.utf8))
        d.append(body)
        return d
    }

    static func npyCase<G: RandomNumberGenerator>(_ i: Int, _ rng: inout G) -> Case {
        let (m, k, n) = (5, 9, 7)
        let goodA = npy("|i1", [m, k], Data((0..<m * k).map { UInt8(truncatingIfNeeded: $0 * 7) }))
        let goodB = npy("|i1", [k, n], Data((0..<k * n).map { UInt8(truncatingIfNeeded: $0 * 5) }))
        let which = Bool.random(using: &rng) ? "a" : "b"
        let rows = which == "a" ? m : k, cols = which == "a" ? k : n
        var d = which == "a" ? goodA : goodB
        let label: String
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: d[Int.random(in: 0...5, using: &rng)] ^= 0x20; label = "bad magic"
        case 1: d[6] = UInt8.random(in: 4...200, using: &rng); label = "version \(d[6])"
        case 2: d[8] = 0xFF; d[9] = 0x7F; label = "header length beyond the file"
        case 3:
            let garbage = Data((0..<54).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) })
            d.replaceSubrange(10..<64, with: garbage); label = "garbage header"
        case 4:
            let descr = ["<f4", "<f8", "<c8", "|O", "<U3", "|b1", "<M8", "zz"].randomElement(using: &rng)!
            d = npy(descr, [rows, cols], Data(count: rows * cols * 4)); label = "dtype \(descr)"
        case 5: d = npy("|i1", [rows, cols], Data(count: rows * cols), fortran: true); label = "fortran order"
        case 6:
            let shape = [[rows * cols], [rows, cols, 1], [1, rows, cols], [], [0, cols]].randomElement(using: &rng)!
            d = npy("|i1", shape, Data(count: shape.reduce(1, *))); label = "shape \(shape)"
        case 7: d = d.prefix(d.count - Int.random(in: 1...(rows * cols), using: &rng)); label = "truncated data"
        case 8: d = d + Data(count: Int.random(in: 1...9, using: &rng)); label = "bytes after the data"
        case 9:
            var v = [Int16](repeating: 1, count: rows * cols)
            v[Int.random(in: 0..<v.count, using: &rng)] = Bool.random(using: &rng) ? 300 : -129
            d = npy("<i2", [rows, cols], v.withUnsafeBufferPointer { Data(buffer: $0) }); label = "value out of s8"
        case 10:   // A's columns or B's rows one more than K
            let shape = which == "a" ? [rows, cols + 1] : [rows + 1, cols]
            d = npy("|i1", shape, Data(count: shape[0] * shape[1])); label = "inner dimension mismatch"
        default: d = d.prefix(Int.random(in: 0...9, using: &rng)); label = "truncated header"
        }
        let file = "fz\(i)_\(which).npy"
        var files: [String: Data] = [file: d]
        files[which == "a" ? "b.npy" : "a.npy"] = which == "a" ? goodB : goodA
        let (fa, fb) = which == "a" ? (file, "b.npy") : ("a.npy", file)
        // A shape mismatch between two good-looking files is named by the file whose shape disagrees.
        return Case(label: "\(which).npy: \(label)", files: files,
                    args: ["golden", CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path, "--a", fa, "--b", fb, "--out", "c.npy"],
                    mentions: label == "inner dimension mismatch" ? [] : [file], absent: ["c.npy"])
    }

    // MARK: running them

    static func check(_ cases: [Case], family: String) throws {
        let root = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let problems = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: cases.count) { i in
            let c = cases[i]
            let dir = root.appendingPathComponent("\(i)")
            var problem: String? = nil
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for (name, data) in c.files { try data.write(to: dir.appendingPathComponent(name)) }
                let r = try Tools.run(CLITests.binary, c.args, in: dir, timeout: 120)
                let err = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                if r.timedOut { problem = "hung (killed after 120 s)" }
                else if r.status != 2 { problem = "exit \(r.status), not 2: \(r.combined.prefix(300))" }
                else if !err.hasPrefix("error: ") || err.contains("\n") { problem = "not one error line: \(err.prefix(300))" }
                else if let m = c.mentions.first(where: { !err.contains($0) }) { problem = "message does not name '\(m)': \(err)" }
                else if let a = c.absent.first(where: { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) }) {
                    problem = "left \(a) behind"
                }
            } catch { problem = "could not run: \(error)" }
            if let problem { problems.withLock { failures.append("\(family) #\(i) [\(c.label)]: \(problem)") } }
        }
        print("[FuzzTests] \(family): \(cases.count) malformed inputs, \(failures.count) not answered with a clear exit 2")
        #expect(failures.isEmpty, "\(failures.sorted().prefix(20).joined(separator: "\n"))")
    }

    @Test func malformedSpecsAreExitTwoNamingFileAndField() throws {
        var rng = SplitMix64(state: Self.seed)
        try Self.check((0..<Self.count).map { Self.specCase($0, &rng) }, family: "specs")
    }

    @Test func malformedSweepFilesAreExitTwo() throws {
        var rng = SplitMix64(state: Self.seed &+ 1)
        try Self.check((0..<Self.count).map { Self.sweepCase($0, &rng) }, family: "sweep files")
    }

    @Test func malformedNpyOperandsAreExitTwo() throws {
        var rng = SplitMix64(state: Self.seed &+ 2)
        try Self.check((0..<Self.count).map { Self.npyCase($0, &rng) }, family: ".npy operands")
    }
}
