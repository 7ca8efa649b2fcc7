import Foundation
import PropertyBased
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Random configurations (swift-property-based): engine kind and dataflow, dimensions, MAC kind,
/// operand and accumulator types (float elements too), saturation, pipelining, MixPE groups, an epilogue and a GEMM
/// engine around it. Every configuration the spec loader accepts must emit Verilog that
/// `verilator --lint-only -Wall` and `iverilog -g2005` accept without a warning, and must be bit-
/// and cycle-exact against the golden model on both simulators.
///
/// A configuration is drawn as a list of choices (each choice picks among options, 0 the
/// simplest), so the library's shrinking (HWGEN_PROPERTY_SHRINK=1) walks a failure towards a
/// simpler design. Each one is printed as its spec; a failure also prints the library's
/// `.fixedSeed(...)` to replay it.
/// `HWGEN_PROPERTY_N` configurations run (default 6 per `make test`; `make fuzz` runs 200).
@Suite struct PropertyTests {
    static let count = ProcessInfo.processInfo.environment["HWGEN_PROPERTY_N"].flatMap { Int($0) } ?? 6

    /// One drawn design and workload.
    struct Config: Sendable, CustomStringConvertible {
        let yaml: String
        let gemm: GemmShape
        let seed: UInt64
        var description: String { "\(yaml.replacingOccurrences(of: "\n", with: " ")) gemm \(gemm) seed \(seed)" }
    }

    /// The design a list of choices describes (nil when the spec loader refuses it: the
    /// generator then draws again).
    static func config(_ c: [Int]) -> Config? {
        func pick<T>(_ i: Int, _ options: [T]) -> T { options[c[i] % options.count] }
        let (d1, d2, d3) = (1 + c[1] % 4, 1 + c[2] % 4, 1 + c[3] % 4)
        let sparse = c[5] % 3 == 2
        let engine: String
        switch c[0] % 6 {
        case 0: engine = "{ kind: systolic, dataflow: os, rows: \(d1), cols: \(d2) }"
        case 1: engine = "{ kind: systolic, dataflow: ws, rows: \(d1), cols: \(d2)\(sparse ? ", sparsity: \"2:4\"" : "") }"
        case 2: engine = "{ kind: systolic, dataflow: is, rows: \(d1), cols: \(d2) }"
        case 3: engine = "{ kind: cube, m: \(d1), n: \(d2), k: \(d3), stages: \(c[4] % 3) }"
        case 4: engine = "{ kind: tree, lanes: \(d1), width: \(4 * d2), stages: \(c[4] % 3)\(sparse ? ", sparsity: \"2:4\"" : "") }"
        default: engine = "{ kind: matrix2d, rows: \(d1), cols: \(d2) }"
        }
        let kind = pick(6, ["baseline", "booth", "bitserial", "shiftadd"])
        let a = pick(7, ["s8", "s4", "u8", "u4", "s6"])
        let b = kind == "shiftadd" ? pick(8, ["ternary", "p3", "p4"]) : pick(8, ["s8", "s4", "u4", "s2", "s6"])
        let acc = "\(c[10] % 3 == 2 ? "s" : pick(9, ["s", "s", "u"]))\(32 - c[9] % 17)\(c[10] % 3 == 2 ? "sat" : "")"
        var mac = "{ a: \(a), b: \(b), acc: \(acc), kind: \(kind), pipeline: \(c[11] % 3)"
        if let g = pick(12, [nil, nil, 4, 8, 16] as [Int?]) { mac += ", group: \(g)" }
        mac += " }"
        if c[27] % 5 == 0 {
            // A float MAC (no group, epilogue or sparsity: the loader refuses those, and the
            // generator draws again; so does it a format and accumulation that cannot go together).
            let formats = ["e4m3", "e2m3", "e3m2", "e2m1", "e5m2", "bf16", "fp16"]
            mac = "{ a: \(pick(7, formats)), b: \(pick(8, formats)), acc: \(pick(9, ["exact", "fp32", "align14", "align6"])), pipeline: \(c[11] % 3) }"
        } else if c[27] % 10 == 1 {
            // MX block formats (the loader refuses blocks that are not whole beats or tiles of K).
            let mx = ["mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp4", "mxint8"]
            mac = "{ a: \(pick(7, mx)), b: \(pick(8, mx)), block: \(pick(12, [2, 4, 8, 32])), pipeline: \(c[11] % 2) }"
        }
        var yaml = "name: prop\nengine: \(engine)\nmac: \(mac)\n"
        if c[13] % 3 == 2 {
            yaml += "epilogue: { multiplier: \(1 + c[14] % 2_147_483_647), shift: \(c[15] % 40), zero_point: \(c[16] % 7 - 3), "
                + "rounding: \(pick(17, ["half-even", "half-up", "half-away", "truncate"])), out: \(pick(18, ["s8", "u8", "s16"])), relu: \(c[19] % 2 == 1) }\n"
        }
        if c[20] % 3 == 2 {
            yaml += "gemm: { a_words: 1024, b_words: 1024, c_words: 1024, double_buffer: \(c[21] % 2 == 1), interface: \(pick(26, ["native", "axi"])) }\n"
        }
        guard (try? DesignSpec.parse(text: yaml, source: "prop.yaml")) != nil else { return nil }
        return Config(yaml: yaml, gemm: GemmShape(m: 1 + c[22] % 8, k: 1 + c[23] % 24, n: 1 + c[24] % 8), seed: UInt64(c[25]))
    }

    static let configs = Gen.int(in: 0...1_000_000).array(of: 28).compactMap(config)

    static func run(_ exe: String, _ args: [String], in dir: URL) throws -> CommandResult {
        try Tools.run(exe, args, in: dir, timeout: 900)
    }

    /// Shrinking re-runs both simulators for every candidate, which can take many minutes:
    /// HWGEN_PROPERTY_SHRINK=1 turns it on to reduce a failure found with its fixed seed.
    @Test(.maximumAttempts(100_000), .shrinking(ProcessInfo.processInfo.environment["HWGEN_PROPERTY_SHRINK"] == "1"))
    func randomConfigurationsLintCleanAndMatchGoldenOnBothSimulators() async throws {
        try Requires.bothSimulators()
        let root = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let counter = Counter()
        await propertyCheck(count: Self.count, input: Self.configs) { config in
            let i = counter.next()
            print("[PropertyTests] #\(i): \(config)")
            let dir = root.appendingPathComponent("\(i)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try config.yaml.write(to: dir.appendingPathComponent("prop.yaml"), atomically: true, encoding: .utf8)
            let emit = try Self.run(CLITests.binary, ["emit", "prop.yaml", "-o", ".", "--no-vectors"], in: dir)
            #expect(emit.status == 0, "\(config): \(emit.combined)")
            let rtl = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("rtl").path).sorted().map { "rtl/\($0)" }
            let lint = try Self.run("/usr/bin/env", ["verilator", "--lint-only", "-Wall", "--top-module", "prop"] + rtl, in: dir)
            #expect(lint.status == 0 && lint.combined.isEmpty, "\(config): verilator -Wall: \(lint.combined.prefix(2000))")
            let iverilog = try Self.run("/usr/bin/env", ["iverilog", "-g2005", "-o", "/dev/null", "-s", "prop"] + rtl, in: dir)
            #expect(iverilog.status == 0 && iverilog.combined.isEmpty, "\(config): iverilog: \(iverilog.combined.prefix(2000))")
            let sim = try Self.run(CLITests.binary, ["sim", "prop.yaml", "--gemm", config.gemm.description, "--seed", "\(config.seed)",
                                                     "--simulator", "both", "--work-dir", "work"], in: dir)
            let passes = sim.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS ") }
            #expect(sim.status == 0 && passes.count == 2, "\(config): \(sim.combined.prefix(3000))")
            // PASS means every output equals golden and the cycle count equals the golden model's.
            for line in passes {
                let cycles = line.split(separator: ",").last.map(String.init) ?? ""
                #expect(cycles.range(of: #"^ (\d+) cycles \(golden predicts \1\)$"#, options: .regularExpression) != nil, "\(config): \(line)")
            }
        }
    }
}

/// Numbers the drawn configurations in the order they run.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}
