import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Every MAC kind and pipeline depth in the OS array, on both simulators, against the golden model.
@Suite struct MACKindTests {
    static func spec(_ rows: Int, _ cols: Int, _ config: MACConfig) -> DesignSpec {
        let name = "kind_\(rows)x\(cols)_\(config.tag)"
        return DesignSpec(name: name, engine: EngineSpec.systolic(.os, rows: rows, cols: cols),
                          mac: config.types, macKind: config.kind, pipeline: config.pipeline, source: "tests/\(name).yaml")
    }

    /// Random GEMMs with partial tiles, K below and above the drain spacing.
    @Test(arguments: Simulator.allCases, MACKind.builtIn)
    func randomGEMMsMatchGolden(_ sim: Simulator, _ kind: MACKind) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("kinds/\(kind.rawValue)/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        // shiftadd: ternary weights with s8 activations, p4 with u8. Every kind but bitserial also
        // runs a narrow saturating accumulator (pipelines 0 and 1).
        var typeSet = [MACTypes(a: .s(8), b: .s(8), acc: .s(32)), MACTypes(a: .u(8), b: .s(8), acc: .s(20))]
        if kind == .shiftadd { typeSet = typeSet.map(\.shiftAddVariant) }
        if kind != .bitserial { typeSet.append(typeSet[0].withAccumulator(.s(typeSet[0].product.bits + 1), saturating: true)) }
        for pipeline in MACConfig.pipelineRange {
            for types in typeSet where !(types.saturating && pipeline == 2) {
                let spec = Self.spec(3, 2, MACConfig(types, kind: kind, pipeline: pipeline))
                let shape = GemmShape(m: Int.random(in: 1...7, using: &g), k: Int.random(in: 1...12, using: &g),
                                      n: Int.random(in: 1...5, using: &g))
                let s = g.next()
                let (a, b) = Operands.random(shape: shape, mac: types, seed: s)
                try CoSimTests.check(spec, a, b, on: sim, label: "gemm \(shape.m)x\(shape.k)x\(shape.n) seed \(s)")
            }
        }
    }

    /// Every operand pair through the MAC, accumulated onto an extreme product so the carries into
    /// the upper accumulator bits are exercised: C[r][c] = v_r·w_c + x·y over all v, w.
    @Test(arguments: Simulator.allCases, [
        MACTypes(a: .s(4), b: .s(4), acc: .s(12)), MACTypes(a: .u(4), b: .u(4), acc: .u(12)),
        MACTypes(a: .s(8), b: .s(8), acc: .s(32)), MACTypes(a: .u(8), b: .u(8), acc: .u(24)),
        MACTypes(a: .s(8), b: .s(4), acc: .s(16)),
    ])
    func allOperandPairs(_ sim: Simulator, _ types: MACTypes) throws {
        try Requires.simulator(sim)
        for kind in MACKind.builtIn {
            // shiftadd takes every code of its weights (ternary or p4).
            let types = kind == .shiftadd ? types.shiftAddVariant : types
            let av = Array(types.a.minValue...types.a.maxValue!)
            let bv = Array(Set((0..<(Int64(1) << types.b.bits)).map { types.weights.decode(types.b.signed ? $0 - (Int64(1) << (types.b.bits - 1)) : $0) })).sorted()
            let (x, y) = (types.a.minValue, bv.first!.magnitude > bv.last!.magnitude ? bv.first! : bv.last!)
            let a = IntMatrix(rows: av.count, cols: 2, data: av.flatMap { [$0, x] })
            let b = IntMatrix(rows: 2, cols: bv.count, data: bv + Array(repeating: y, count: bv.count))
            // Every pipeline depth for s8 × s8; the recommended depth (1) for the other types.
            let depths = types == MACTypes(a: .s(8), b: .s(8), acc: .s(32)) ? Array(MACConfig.pipelineRange) : [1]
            for pipeline in depths {
                let spec = Self.spec(2, 2, MACConfig(types, kind: kind, pipeline: pipeline))
                try CoSimTests.check(spec, a, b, on: sim, label: "all \(av.count * bv.count) operand pairs")
            }
        }
    }
}

/// `hwgen verify --equiv` on the exhaustive-test set: every kind at pipeline 1 for s4, u4, s8, u8
/// and s8×s4; every pipeline for s8 × s8 except Booth pipeline 2, whose split carry-save state has
/// no inductive invariant yet (its bounded proof does not finish at 8 bits: proved at 4 bits).
@Suite struct EquivalenceTests {
    static let provedSet: [MACConfig] = {
        let s8 = MACTypes(a: .s(8), b: .s(8), acc: .s(32))
        let types = [MACTypes(a: .s(4), b: .s(4), acc: .s(12)), MACTypes(a: .u(4), b: .u(4), acc: .u(12)), s8,
                     MACTypes(a: .u(8), b: .u(8), acc: .u(24)), MACTypes(a: .s(8), b: .s(4), acc: .s(16))]
        var set = MACKind.builtIn.flatMap { kind in types.map { MACConfig(kind == .shiftadd ? $0.shiftAddVariant : $0, kind: kind, pipeline: 1) } }
        // Saturating accumulators, and p5 weights.
        set += [MACConfig(MACTypes(a: .s(8), b: .s(8), acc: .s(17), saturating: true), kind: .baseline, pipeline: 0),
                MACConfig(MACTypes(a: .s(4), b: .s(4), acc: .s(9), saturating: true), kind: .booth, pipeline: 1),
                MACConfig(MACTypes(a: .s(4), weights: .powerOfTwo(bits: 5), acc: .s(20), saturating: true), kind: .shiftadd, pipeline: 0)]
        set += [MACConfig(s8, kind: .baseline, pipeline: 0), MACConfig(s8, kind: .baseline, pipeline: 2),
                MACConfig(s8, kind: .bitserial, pipeline: 0), MACConfig(s8, kind: .bitserial, pipeline: 2),
                MACConfig(MACTypes(a: .s(4), b: .s(4), acc: .s(12)), kind: .booth, pipeline: 0),
                MACConfig(MACTypes(a: .s(4), b: .s(4), acc: .s(12)), kind: .booth, pipeline: 2),
                MACConfig(MACTypes(a: .s(8), b: .s(2), acc: .s(16)), kind: .bitserial, pipeline: 1)]
        return set
    }()

    @Test(arguments: provedSet)
    func unitsAreProvedEqualToBaseline(_ config: MACConfig) throws {
        try Requires.tool("yosys", package: "yosys")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-equiv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Equivalence.prove(config, cycles: config.kind == .booth ? 3 : 6, workDir: dir)
        print(r.text)
        #expect(r.proved, "\(r.text)")
    }

    /// FFIP: the pair identity is enumerated for narrow operands (s4 × u4: 65,536 quadruples) and
    /// the PEs' pair-sum MAC proved; at 8 bits the identity is undecided (exit 1), never proved.
    @Test func ffipPairIdentityIsEnumeratedOrUndecided() throws {
        try Requires.tool("yosys", package: "yosys")
        try Requires.simulator(.icarus)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-equiv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let narrow = try Equivalence.prove(MACConfig(MACTypes(a: .s(4), b: .u(4), acc: .s(16)), kind: .ffip, pipeline: 1), cycles: 4, workDir: dir)
        print(narrow.text)
        #expect(narrow.proved, "\(narrow.text)")
        #expect(narrow.text.contains("for all 65536 operand quadruples (exhaustive, Icarus)"))
        let booth = try Equivalence.prove(MACConfig(MACTypes(a: .s(4), b: .s(4), acc: .s(12)), kind: .ffipBooth, pipeline: 1), cycles: 3, workDir: dir)
        #expect(booth.proved, "\(booth.text)")
        let wide = try Equivalence.prove(MACConfig(MACTypes(a: .s(8), b: .s(8), acc: .s(32)), kind: .ffip, pipeline: 1), cycles: 4, workDir: dir)
        #expect(!wide.proved && wide.undecided, "\(wide.text)")
    }

    /// A wrong pair product (a₀b₀ twice) is caught by the enumeration.
    @Test func ffipPairMiterCatchesAWrongProduct() throws {
        try Requires.simulator(.icarus)
        struct Wrong: MACArithmetic {
            var kind: MACKind { MACKind("ffip_wrong") }
            var pairsElements: Bool { true }
            func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value { a * b }
            func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value { a * b }
            func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value] { [a * b] }
            func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String, registered: Bool) -> [Value] { [a * b] }
            func pairRows(_ m: ModuleBuilder, _ a: (Value, Value), _ b: (Value, Value), _ c: MACConfig, width: Int, prefix: String) -> [Value] {
                [m.wire(prefix, (a.0 + b.1) * (a.1 + b.1))]
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-equiv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Equivalence.provePairs(MACConfig(MACTypes(a: .s(4), b: .s(4), acc: .s(12)), kind: MACKind("ffip_wrong"), pipeline: 1),
                                           arithmetic: Wrong(), cycles: 4, workDir: dir, timeout: 120)
        #expect(!r.proved && !r.undecided, "\(r.text)")
        #expect(r.text.contains("fails"), "\(r.text)")
    }

    /// A false property is refuted with the trace read from Yosys's own output (not a canned log).
    @Test func falsePropertyGivesATrace() throws {
        try Requires.tool("yosys", package: "yosys")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-equiv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = MACTypes(a: .s(4), b: .s(4), acc: .s(12))
        let top = Module("false_property") { m in
            let a = m.input("a", t.a), b = m.input("b", t.b)
            _ = m.input("first", .bit)
            let acc = m.register("acc", .s(12), reset: nil)
            acc.next((acc + a).wrapped(to: .s(12)))
            m.output("unit_acc", acc)
            m.output("reference_acc", Value.constant(0, .s(12)))
            m.output("ok", (acc.value != 5) | (b == 0))
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = try Equivalence.bmc(top, checkFrom: 0, cycles: 3, types: t, workDir: dir, timeout: 120)
        #expect(!r.proved && !r.timedOut)
        #expect(r.trace.contains { $0.unitAcc == 5 }, "\(r.trace)")
    }

    @Test func counterexampleTraceIsRead() {
        let log = """
              Time Signal                Dec        Hex             Bin
              ---- ------------------ --------- ---------- ---------------
                 1 \\a                       -3          d            1101
                 1 \\b                        2          2            0010
                 1 \\first                    1          1               1
                 2 \\unit_acc                -5        ffb    111111111011
                 2 \\reference_acc           -6        ffa    111111111010
            """
        let t = Equivalence.parseTrace(log, types: MACTypes(a: .s(4), b: .s(4), acc: .s(12)))
        #expect(t.count == 2)
        #expect(t[0].a == -3 && t[0].b == 2 && t[0].first == 1 && t[0].cycle == 0)
        #expect(t[1].unitAcc == -5 && t[1].referenceAcc == -6)
    }
}
