import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

@Suite struct SpecLoaderTests {
    static let good = """
        name: systolic_os_8x8_s8
        engine: { kind: systolic, dataflow: os, rows: 8, cols: 8 }
        mac:    { a: s8, b: s8, acc: s32 }
        """

    /// The spec text with one line replaced.
    static func variant(engine: String = "{ kind: systolic, dataflow: os, rows: 8, cols: 8 }",
                        mac: String = "{ a: s8, b: s8, acc: s32 }", name: String = "systolic_os_8x8_s8") -> String {
        "name: \(name)\nengine: \(engine)\nmac: \(mac)\n"
    }

    /// The message of the bad-input error parsing `text` throws (nil if it parses).
    static func error(_ text: String, source: String = "designs/t.yaml") -> String? {
        do {
            _ = try DesignSpec.parse(text: text, source: source)
            return nil
        } catch let error as HWGenError {
            #expect(error.status == .badInput)
            #expect(!error.message.contains("\n"), "message must be one line: \(error.message)")
            return error.message
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    static func tempFile(_ name: String, _ contents: Data) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try contents.write(to: url)
        return url.path
    }

    @Test func parsesGoodSpec() throws {
        let spec = try DesignSpec.parse(text: Self.good, source: "designs/x.yaml")
        #expect(spec == DesignSpec(name: "systolic_os_8x8_s8",
                                   engine: EngineSpec.systolic(.os, rows: 8, cols: 8),
                                   mac: MACTypes(a: .s(8), b: .s(8), acc: .s(32)), source: "designs/x.yaml"))
    }

    @Test func acceptsBlockStyleDescriptionAndExtremes() throws {
        let text = """
            # comment
            name: _a
            description: |
              A tiny array.
            engine:
              kind: systolic
              dataflow: os
              rows: 1
              cols: 64
            mac:
              a: u2
              b: s16
              acc: s18
            """
        let spec = try DesignSpec.parse(text: text, source: "t.yaml")
        #expect(spec.engine.rows == 1 && spec.engine.cols == 64)
        #expect(spec.mac == MACTypes(a: .u(2), b: .s(16), acc: .s(18)))
        // Unsigned products may accumulate unsigned or signed.
        #expect(try DesignSpec.parse(text: Self.variant(mac: "{a: u8, b: u8, acc: u16}"), source: "t").mac.acc == .u(16))
        #expect(try DesignSpec.parse(text: Self.variant(mac: "{a: u8, b: u8, acc: s48}"), source: "t").mac.acc == .s(48))
    }

    @Test func loadsYAMLAndJSONFilesKeepingThePathAsGiven() throws {
        let yaml = try Self.tempFile("a.yaml", Data(Self.good.utf8))
        #expect(try DesignSpec.load(path: yaml).source == yaml)
        let json = """
            {"name": "j", "description": "from JSON",
             "engine": {"kind": "systolic", "dataflow": "os", "rows": 4, "cols": 2},
             "mac": {"a":"u8","b":"s8","acc":"s20"}}
            """
        let spec = try DesignSpec.load(path: try Self.tempFile("b.json", Data(json.utf8)))
        #expect(spec.name == "j" && spec.engine.rows == 4 && spec.engine.cols == 2)
        #expect(spec.mac == MACTypes(a: .u(8), b: .s(8), acc: .s(20)))
    }

    @Test func exactMessages() {
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: 0, cols: 8 }"),
                           source: "designs/my_array.yaml")
                == "designs/my_array.yaml: engine.rows: 0 is out of range (allowed: 1...256)")
        #expect(Self.error(Self.variant(mac: "{ a: s4, b: s17, acc: s32 }"), source: "designs/w4.yaml")
                == #"designs/w4.yaml: mac.b: "s17" is not a weight type (allowed: s2...s16, u2...u16, ternary, p2...p5)"#)
        #expect(Self.error(Self.variant(mac: "{ a: s8, b: s8, acc: u32 }"))
                == "designs/t.yaml: mac.acc: u32 cannot hold the signed products of s8 × s8 (allowed: s16...s48)")
        #expect(Self.error(Self.variant(mac: "{ a: u8, b: s8, acc: s12 }"))
                == "designs/t.yaml: mac.acc: s12 is narrower than the s16 product of u8 × s8 (allowed: s16...s48)")
        #expect(Self.error(Self.variant(mac: "{ a: u8, b: u8, acc: u12 }"))
                == "designs/t.yaml: mac.acc: u12 is narrower than the u16 product of u8 × u8 (allowed: s16...s48, u16...u48)")
        #expect(Self.error(Self.good + "\nfoo: 1\n")
                == "designs/t.yaml: unknown field 'foo' (allowed: name, engine, dataflow, mac, gemm, epilogue, description)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: 8, cols: 8, depth: 2 }"))
                == "designs/t.yaml: engine: unknown field 'depth' (allowed: kind, dataflow, rows, cols, sparsity)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: is, rows: 4, cols: 4, sparsity: \"2:4\" }"))
                == "designs/t.yaml: engine.sparsity: N:M sparse weights are built for systolic dataflow ws (and engine tree), not is (allowed: remove sparsity, or dataflow: ws)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: ws, rows: 6, cols: 4, sparsity: \"4:8\" }"))
                == "designs/t.yaml: engine.rows: 6 is not a multiple of N = 4 of sparsity 4:8 (allowed: whole groups of 4 stored weights per column)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: ws, rows: 4, cols: 4, sparsity: \"2:3\" }"))
                == #"designs/t.yaml: engine.sparsity: "2:3" is not a sparsity pattern (allowed: N:M with M = 2, 4, 8 or 16 and 1 ≤ N < M, e.g. "2:4")"#)
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: \"8\", cols: 8 }"))
                == #"designs/t.yaml: engine.rows: expected an integer, got the string "8" (allowed: 1...256)"#)
        #expect(Self.error(Self.variant(engine: "{ kind: mesh, dataflow: os, rows: 8, cols: 8 }"))
                == #"designs/t.yaml: engine.kind: "mesh" is not an engine kind (allowed: systolic, cube, tree, matrix2d)"#)
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: xs, rows: 8, cols: 8 }"))
                == #"designs/t.yaml: engine.dataflow: "xs" is not a dataflow (allowed: os, ws, is)"#)
        #expect(Self.error(Self.variant(engine: "{ kind: tree, lanes: 8, width: 8, rows: 2 }"))
                == "designs/t.yaml: engine: unknown field 'rows' (allowed: kind, lanes, width, stages, sparsity)")
        #expect(Self.error(Self.variant(engine: "{ kind: cube, m: 4, n: 4, k: 65 }"))
                == "designs/t.yaml: engine.k: 65 is out of range (allowed: 1...64)")
        #expect(Self.error(Self.variant(engine: "{ kind: cube, m: 64, n: 64, k: 17 }"))
                == "designs/t.yaml: engine: 69632 multipliers (m·n·k) is too many (allowed: at most 65536)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: ws, rows: 4, cols: 4, sparsity: \"2:4\" }") + "gemm: { a_words: 96, b_words: 64, c_words: 64 }\n")
                == "designs/t.yaml: gemm.a_words: 96 is not 8 banks (rows/2·4) of a power-of-two depth ≥ 2 (allowed: e.g. 8192)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: is, rows: 4, cols: 2 }") + "gemm: { a_words: 64, b_words: 96, c_words: 64 }\n")
                == "designs/t.yaml: gemm.b_words: 96 is not 4 banks (rows) of a power-of-two depth ≥ 2 (allowed: e.g. 4096)")
        #expect(Self.error(Self.variant(engine: "{ kind: cube, m: 2, n: 2, k: 3 }") + "gemm: { a_words: 64, b_words: 48, c_words: 64 }\n")
                == "designs/t.yaml: gemm.a_words: 64 is not 6 banks (m·k) of a power-of-two depth ≥ 2 (allowed: e.g. 6144)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: 4, cols: 4 }") + "gemm: { a_words: 96, b_words: 64, c_words: 64 }\n")
                == "designs/t.yaml: gemm.a_words: 96 is not 4 banks (rows) of a power-of-two depth ≥ 2 (allowed: e.g. 4096)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: 4, cols: 4 }") + "gemm: { a_words: 64, b_words: 64, c_words: 64, double_buffer: 2 }\n")
                == "designs/t.yaml: gemm.double_buffer: expected a boolean, got the integer 2 (allowed: true, false)")
        #expect(Self.error(Self.variant(engine: "{ kind: tree, lanes: 8, width: 8, stages: 9 }"))
                == "designs/t.yaml: engine.stages: 9 is out of range (allowed: 0...8)")
        #expect(Self.error("name: x\nengine: { kind: systolic, dataflow: os, rows: 8, cols: 8 }\n")
                == "designs/t.yaml: mac: missing (allowed: a mapping with a, b, acc, kind, pipeline, group, block)")
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, cols: 8 }"))
                == "designs/t.yaml: engine.rows: missing (allowed: an integer in 1...256)")
        #expect(Self.error(Self.variant(name: "module"))
                == #"designs/t.yaml: name: "module" is a Verilog/SystemVerilog keyword (allowed: any other identifier)"#)
        #expect(Self.error("", source: "e.yaml") == "e.yaml: the file is empty (allowed: a mapping with name, engine, mac)")
        #expect(Self.error("- a\n- b\n")
                == "designs/t.yaml: expected a mapping, got a sequence (allowed: name, engine, dataflow, mac, gemm, epilogue, description)")
    }

    @Test(arguments: ["\"8\"", "8.5", "true", "[8]", "{n: 8}", "", "null"])
    func wrongTypeForRows(value: String) throws {
        let message = try #require(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: \(value), cols: 8 }")))
        #expect(message.hasPrefix("designs/t.yaml: engine.rows: expected an integer, got "))
        #expect(message.hasSuffix("(allowed: 1...256)"))
    }

    @Test(arguments: ["257", "-1", "99999999999999999999999"])
    func rowsOutOfRange(value: String) {
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: os, rows: 8, cols: \(value) }"))
                == "designs/t.yaml: engine.cols: \(value) is out of range (allowed: 1...256)")
    }

    @Test(arguments: ["1abc", "a-b", "a b", "ä", "\"\"", "'a$'"])
    func badIdentifiers(name: String) throws {
        let message = try #require(Self.error(Self.variant(name: name)))
        #expect(message.contains("is not a Verilog identifier (allowed: a Verilog identifier [A-Za-z_][A-Za-z0-9_]*)"), "\(message)")
    }

    @Test func identifierLengthAndKeywords() throws {
        #expect(try DesignSpec.parse(text: Self.variant(name: String(repeating: "a", count: 64)), source: "t").name.count == 64)
        #expect(Self.error(Self.variant(name: String(repeating: "a", count: 65)))?.contains("is 65 characters long (allowed: at most 64)") == true)
        for keyword in ["wire", "reg", "logic", "bit", "ref", "int", "always_ff", "endmodule", "uwire", "interconnect"] {
            #expect(Self.error(Self.variant(name: keyword))?.contains("keyword") == true, "\(keyword)")
        }
        #expect(try DesignSpec.parse(text: Self.variant(name: "Module"), source: "t").name == "Module")
        #expect(Self.error(Self.variant(name: "123"))
                == "designs/t.yaml: name: expected a string, got the integer 123 (allowed: a Verilog identifier [A-Za-z_][A-Za-z0-9_]*)")
    }

    @Test(arguments: ["s1", "u17", "s64", "S8", "s08", "int8", "8"])
    func badOperandTypes(tag: String) throws {
        let message = try #require(Self.error(Self.variant(mac: "{ a: \(tag), b: s8, acc: s32 }")))
        #expect(message.hasPrefix("designs/t.yaml: mac.a: "))
        #expect(message.hasSuffix("(allowed: s2...s16, u2...u16)"))
    }

    /// FFIP pairs the elements of a beat: only the cube and the tree, an even beat, dense weights,
    /// no groups, a wrapping accumulator.
    @Test func ffipNeedsAnEngineThatPairsElements() throws {
        let ffip = "{ a: s8, b: s8, acc: s32, kind: ffip }"
        #expect(try DesignSpec.parse(text: Self.variant(engine: "{ kind: tree, lanes: 4, width: 16 }", mac: ffip), source: "t").macKind == .ffip)
        #expect(try DesignSpec.parse(text: Self.variant(mac: ffip), source: "t").macKind == .ffip)
        #expect(Self.error(Self.variant(engine: "{ kind: matrix2d, rows: 4, cols: 4 }", mac: ffip))
                == "designs/t.yaml: mac.kind: engine matrix2d cannot pair elements of K, which ffip needs (allowed with mac.kind ffip: engine systolic/os, systolic/ws, cube, tree; or another mac.kind)")
        #expect(Self.error(Self.variant(mac: "{ a: s8, b: s8, acc: s32, kind: ffip, pipeline: 2 }"))
                == "designs/t.yaml: mac.pipeline: 2 splits the accumulator, which ffip PEs do not (allowed with mac.kind ffip: 0, 1)")
        #expect(Self.error(Self.variant(engine: "{ kind: cube, m: 2, n: 2, k: 3 }", mac: ffip))
                == "designs/t.yaml: engine.k: 3 is odd, and ffip multiplies pairs of the elements a beat covers (allowed: an even k)")
        #expect(Self.error(Self.variant(engine: "{ kind: tree, lanes: 2, width: 4, sparsity: \"2:4\" }", mac: ffip))
                == "designs/t.yaml: engine.sparsity: 2:4 sparse weights do not pair (allowed with mac.kind ffip: remove sparsity)")
        let ws = "{ kind: systolic, dataflow: ws, rows: 4, cols: 4 }"
        #expect(try DesignSpec.parse(text: Self.variant(engine: ws, mac: ffip), source: "t").macKind == .ffip)
        #expect(Self.error(Self.variant(engine: "{ kind: systolic, dataflow: ws, rows: 1, cols: 4 }", mac: ffip))
                == "designs/t.yaml: engine.rows: 1: ffip needs at least 2 rows in dataflow ws (allowed: 2...)")
        #expect(Self.error(Self.variant(engine: ws, mac: ffip) + "gemm: { a_words: 64, b_words: 64, c_words: 64 }\n")
                == "designs/t.yaml: gemm: the buffered GEMM controller of engine systolic/ws does not feed ffip pairs yet (allowed with mac.kind ffip: remove gemm:, or the bare engine)")
        #expect(Self.error(Self.variant(engine: "{ kind: tree, lanes: 2, width: 4 }", mac: "{ a: s8, b: s8, acc: s24sat, kind: ffip }"))
                == "designs/t.yaml: mac.acc: s24sat clamps after every product, in an order pairs do not keep (allowed with mac.kind ffip: a wrapping accumulator)")
    }

    @Test func accumulatorTypeRange() {
        #expect(Self.error(Self.variant(mac: "{ a: s8, b: s8, acc: s49 }"))
                == #"designs/t.yaml: mac.acc: "s49" is not an accumulator type (allowed: s2...s48, u2...u48, each wrapping or with sat appended (s24sat))"#)
    }

    @Test func syntaxErrorsNameFileLineAndColumn() throws {
        let yaml = try #require(Self.error("name: x\nengine: { kind: systolic\nmac: [\n", source: "bad.yaml"))
        #expect(yaml.hasPrefix("bad.yaml: line "), "\(yaml)")
        #expect(yaml.contains("column") && yaml.contains("invalid YAML"))
        let json = try #require(Self.error("{\"name\": \"x\",\n \"engine\": {\"kind\" \"systolic\"}}", source: "bad.json"))
        #expect(json.hasPrefix("bad.json: line 2, column "), "\(json)")
        #expect(json.contains("invalid JSON"))
        let duplicate = try #require(Self.error(Self.good + "\nname: y\n"))
        #expect(duplicate.contains("duplicate field 'name'"), "\(duplicate)")
        let control = try #require(Self.error("name: a\u{1}b\n"))
        #expect(control.hasPrefix("designs/t.yaml: line 1, column 8: invalid YAML"), "\(control)")
    }

    @Test func fileErrors() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-no-such-\(UUID().uuidString).yaml").path
        #expect(throws: HWGenError.badInput("\(missing): no such file")) { try DesignSpec.load(path: missing) }
        let empty = try Self.tempFile("empty.yaml", Data("# nothing here\n".utf8))
        #expect(throws: HWGenError.badInput("\(empty): the file is empty (allowed: a mapping with name, engine, mac)")) {
            try DesignSpec.load(path: empty)
        }
        let binary = try Self.tempFile("bin.yaml", Data([0xff, 0xfe, 0x00, 0x41]))
        #expect(throws: HWGenError.badInput("\(binary): not UTF-8 text (allowed: a YAML or JSON spec)")) {
            try DesignSpec.load(path: binary)
        }
        let dir = URL(fileURLWithPath: empty).deletingLastPathComponent().path
        #expect(throws: HWGenError.badInput("\(dir): is a directory (allowed: a file)")) { try DesignSpec.load(path: dir) }
    }

    /// Mutated and pathological inputs never trap; they parse or throw a one-line bad-input error.
    @Test func neverCrashes() {
        var inputs = ["[" + String(repeating: "[", count: 5000), "&a [*a]", "*x", "!!binary AAAA", "? [a]\n: b",
                      "name: !!str 5\nengine: {kind: !!int 3}", "%YAML 9.9\n---\na: 1", "a: 1\n---\nb: 2", "\t{}",
                      Self.variant(engine: "{ kind: systolic, dataflow: os, rows: 0x40, cols: 1_0 }")]
        let text = Array(Self.good.unicodeScalars)
        var rng = SplitMix64(state: 42)
        for _ in 0..<300 {
            var mutated = text
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(mutated.count))
                let pool: [Unicode.Scalar] = ["{", "}", "[", ":", ",", "\"", "'", "\n", " ", "-", "9", "&", "*", "!", "#", "s", "u", "\t"]
                switch rng.next() % 3 {
                case 0: mutated.remove(at: i)
                case 1: mutated.insert(pool[Int(rng.next() % UInt64(pool.count))], at: i)
                default: mutated[i] = pool[Int(rng.next() % UInt64(pool.count))]
                }
            }
            var s = ""
            s.unicodeScalars.append(contentsOf: mutated)
            inputs.append(s)
        }
        for input in inputs { _ = Self.error(input) }
    }
}
