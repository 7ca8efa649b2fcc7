import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Ternary and power-of-two weights on shift-add MACs, saturating accumulators and epilogues in
/// every engine, and MixPE groups where they are built, co-simulated against the golden model
/// (and, for saturation, against what wrapping or clamping once at the end would give, so the
/// test data provably exercises the clamp in k order).
@Suite struct QuantCoSimTests {
    typealias E = EngineCoSimTests

    /// One spec per engine with the given MAC (tree and cube with pipelined reductions).
    static func everyEngine(_ mac: MACTypes, _ kind: MACKind) -> [DesignSpec] {
        [E.spec(.os, 3, 2, mac, kind, pipeline: 1), E.spec(.ws, 3, 2, mac, kind, pipeline: 1),
         E.spec(.is, 2, 3, mac, kind, pipeline: 0), E.dot(.cube, 2, 2, 3, stages: 1, mac, kind),
         E.dot(.tree, 1, 2, 5, stages: 2, mac, kind), E.sparseTree(2, 4, "2:4", mac, kind),
         E.spec(.ws, 4, 2, mac, kind, pipeline: 0, sparsity: "2:4"), E.matrix2d(2, 3, mac, kind, pipeline: 1)]
    }

    static func run(_ spec: DesignSpec, _ ops: GemmOperands, _ label: String, on sim: Simulator) throws {
        let (verdicts, runs) = try Flow.simulate(Design(spec), ops, label: label, simulators: [sim]) { print($0) }
        #expect(runs[0].c == Design(spec).golden.c(ops), "\(spec.name) \(label): C differs")
        #expect(verdicts[0].passed, "\(spec.name) \(label)")
    }

    @Test(arguments: Simulator.allCases)
    func shiftAddWeightsInEveryEngine(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("shiftadd/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        let macs = [MACTypes(a: .s(8), weights: .ternary, acc: .s(14)), MACTypes(a: .u(8), weights: .powerOfTwo(bits: 4), acc: .s(22)),
                    MACTypes(a: .s(6), weights: .powerOfTwo(bits: 5), acc: .s(28))]
        for (n, mac) in macs.enumerated() {
            // Every engine for the first two types; p5 on OS and the tree.
            for spec in Self.everyEngine(mac, .shiftadd) where n < 2 || ["systolic", "tree"].contains(spec.engine.kind) && spec.engine.sparsity == nil {
                let shape = GemmShape(m: Int.random(in: 1...8, using: &g), k: Int.random(in: 1...24, using: &g), n: Int.random(in: 1...6, using: &g))
                let s = g.next()
                let (a, b) = Operands.random(shape: shape, mac: mac, seed: s, sparsity: spec.engine.sparsity)
                try Self.run(spec, GemmOperands(a: a, b: b), "gemm \(shape) seed \(s)", on: sim)
            }
        }
    }

    /// Operands that push the running sum past both ends: the clamp in k order differs from a
    /// wrapping sum and from clamping once at the end.
    @Test(arguments: Simulator.allCases)
    func saturationInEveryEngine(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("saturation/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        for (mac, kind) in [(MACTypes(a: .s(8), b: .s(8), acc: .s(16), saturating: true), MACKind.baseline),
                            (MACTypes(a: .s(8), b: .s(8), acc: .s(17), saturating: true), .booth),
                            (MACTypes(a: .s(8), weights: .powerOfTwo(bits: 4), acc: .s(15), saturating: true), .shiftadd)] {
            for spec in Self.everyEngine(mac, kind) {
                // A draw whose sparse B leaves too few nonzeros in a half of K may not reach the
                // clamp: draw again (bounded), so that the RTL always runs on operands that do.
                var found: (GemmOperands, GemmShape, UInt64)? = nil
                for _ in 0..<20 where found == nil {
                    let shape = GemmShape(m: Int.random(in: 2...7, using: &g), k: Int.random(in: 28...48, using: &g), n: Int.random(in: 2...6, using: &g))
                    let s = g.next()
                    var (a, b) = Operands.random(shape: shape, mac: mac, seed: s, sparsity: spec.engine.sparsity)
                    // Runs of same-signed large products: up, then down (B at its extremes: every element,
                    // or for N:M sparse engines every nonzero, so that each half of K holds enough of them).
                    for i in 0..<a.rows { for k in 0..<a.cols { a[i, k] = (k < a.cols / 2) == (i % 2 == 0) ? 127 : -128 } }
                    let (top, bottom) = mac.weights == .integer ? (mac.b.maxValue!, mac.b.minValue) : (64, -64)
                    for k in 0..<b.rows { for j in 0..<b.cols where b[k, j] != 0 || spec.engine.sparsity == nil { b[k, j] = j % 2 == 0 ? top : bottom } }
                    let ops = GemmOperands(a: a, b: b)
                    let sat = Design(spec).golden.c(ops)
                    let wrapped = GoldenGEMM.multiply(a, b, mac: mac.withAccumulator(mac.acc))
                    let wide = GoldenGEMM.multiply(a, b, mac: mac.withAccumulator(.s(40)))
                    let clampedOnce = IntMatrix(rows: wide.rows, cols: wide.cols, data: wide.data.map { min(max($0, mac.acc.minValue), mac.acc.maxValue!) })
                    if sat != wrapped && sat != clampedOnce { found = (ops, shape, s) }
                }
                guard let (ops, shape, s) = found else {
                    Issue.record("\(spec.name): 20 draws did not exercise the clamp in k order")
                    continue
                }
                try Self.run(spec, ops, "saturating gemm \(shape) seed \(s)", on: sim)
            }
        }
    }

    /// Per-tensor epilogues on bare engines and per-column ones in every GEMM engine, with
    /// every rounding mode.
    @Test(arguments: Simulator.allCases)
    func epiloguesInEveryEngine(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("epilogue/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        let mac = MACTypes(a: .s(8), b: .s(8), acc: .s(24))
        let modes = RoundingMode.allCases
        for (n, base) in Self.everyEngine(mac, .baseline).enumerated() {
            let rounding = modes[n % modes.count]
            var bare = base
            bare.epilogue = Epilogue(multiplier: 1_518_500_250, shift: 36, zeroPoint: Int64(n) - 4, rounding: rounding, out: .s(8), relu: n % 2 == 0)
            bare.name += "_ep"
            var gemm = base
            let banks = gemm.engine.gemmBanks
            gemm.gemm = GemmSpec(aWords: banks.a.0 * 256, bWords: banks.b.0 * 256, cWords: banks.c.0 * 256, doubleBuffer: n % 2 == 1)
            gemm.epilogue = Epilogue(perColumn: true, zeroPoint: Int64(n), rounding: rounding, out: .u(8), relu: n % 3 == 0)
            gemm.name = "gemm_" + gemm.name + "_epc"
            for spec in [bare, gemm] {
                let shape = GemmShape(m: Int.random(in: 1...8, using: &g), k: Int.random(in: 1...16, using: &g), n: Int.random(in: 1...7, using: &g))
                let s = g.next()
                let (a, b) = Operands.random(shape: shape, mac: mac, seed: s, sparsity: spec.engine.sparsity)
                var ops = GemmOperands(a: a, b: b)
                if spec.epilogue!.perColumn {
                    ops.columnScales = Operands.randomColumnScales(n: shape.n, sumBits: 17, out: .u(8), seed: s)
                }
                try Self.run(spec, ops, "\(rounding.rawValue) gemm \(shape) seed \(s)", on: sim)
            }
        }
    }

    /// MixPE groups in every engine: several groups, a short last one.
    @Test(arguments: Simulator.allCases)
    func groupDequantization(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("groups/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        for (var spec, group) in [(E.spec(.os, 3, 2, MACTypes(a: .s(8), b: .s(4), acc: .s(28)), .baseline, pipeline: 1), 8),
                                  (E.spec(.os, 2, 2, MACTypes(a: .s(8), weights: .ternary, acc: .s(20), saturating: true), .shiftadd, pipeline: 0), 4),
                                  (E.matrix2d(2, 3, MACTypes(a: .u(4), b: .u(4), acc: .u(20)), .booth, pipeline: 1), 5),
                                  (E.dot(.tree, 1, 2, 4, stages: 2, MACTypes(a: .s(8), b: .s(4), acc: .s(24)), .booth), 8),
                                  (E.dot(.cube, 2, 2, 3, stages: 1, MACTypes(a: .s(8), b: .s(8), acc: .s(22), saturating: true), .baseline), 6),
                                  (E.sparseTree(2, 4, "2:4", MACTypes(a: .s(8), weights: .powerOfTwo(bits: 3), acc: .s(24)), .shiftadd), 16),
                                  (E.spec(.ws, 3, 2, MACTypes(a: .s(8), b: .s(4), acc: .s(24)), .booth, pipeline: 1), 6),
                                  (E.spec(.ws, 4, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(24), saturating: true), .baseline, pipeline: 0, sparsity: "2:4"), 16),
                                  (E.spec(.is, 2, 3, MACTypes(a: .u(8), b: .s(4), acc: .s(22)), .baseline, pipeline: 1), 4),
                                  (E.spec(.is, 2, 2, MACTypes(a: .s(8), weights: .ternary, acc: .s(16), saturating: true), .shiftadd, pipeline: 0), 2)] {
            spec.group = group
            spec.name += "_g\(group)"
            let shape = GemmShape(m: Int.random(in: 1...6, using: &g), k: Int.random(in: 2 * group + 1...4 * group, using: &g), n: Int.random(in: 1...5, using: &g))
            let s = g.next()
            let (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: s, sparsity: spec.engine.sparsity)
            let ops = GemmOperands(a: a, b: b, groupScales: Operands.randomGroupScales(k: shape.k, n: shape.n, group: group, seed: s))
            try Self.run(spec, ops, "groups of \(group), gemm \(shape) seed \(s)", on: sim)
        }
    }

    /// MixPE groups through every GEMM controller: exponents ride in the B words.
    @Test(arguments: Simulator.allCases)
    func groupDequantizationInGemmEngines(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("gemmGroups/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        let w4a8 = MACTypes(a: .s(8), b: .s(4), acc: .s(24))
        for (n, (base, group)) in [(E.spec(.os, 3, 2, w4a8, .baseline, pipeline: 1), 4), (E.matrix2d(2, 3, w4a8, .booth, pipeline: 0), 3),
                                   (E.dot(.cube, 2, 2, 3, stages: 1, w4a8, .baseline), 6), (E.sparseTree(2, 4, "2:4", w4a8, .booth), 8),
                                   (E.spec(.ws, 3, 2, w4a8, .baseline, pipeline: 1), 6), (E.spec(.ws, 1, 2, w4a8, .booth, pipeline: 0), 3),
                                   (E.spec(.ws, 4, 2, w4a8, .baseline, pipeline: 0, sparsity: "2:4"), 8),
                                   (E.spec(.is, 2, 3, MACTypes(a: .s(8), weights: .ternary, acc: .s(16), saturating: true), .shiftadd, pipeline: 1), 4)].enumerated() {
            var spec = base
            let banks = spec.engine.gemmBanks
            spec.gemm = GemmSpec(aWords: banks.a.0 * 256, bWords: banks.b.0 * 256, cWords: banks.c.0 * 256, doubleBuffer: n % 2 == 0)
            spec.group = group
            spec.name = "gemm_" + spec.name + "_g\(group)"
            let shape = GemmShape(m: Int.random(in: 1...7, using: &g), k: Int.random(in: 2 * group + 1...4 * group, using: &g), n: Int.random(in: 1...5, using: &g))
            let s = g.next()
            let (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: s, sparsity: spec.engine.sparsity)
            let ops = GemmOperands(a: a, b: b, groupScales: Operands.randomGroupScales(k: shape.k, n: shape.n, group: group, seed: s))
            try Self.run(spec, ops, "groups of \(group), gemm \(shape) seed \(s)", on: sim)
            if sim == .verilator { try Self.expectLintClean(Design(spec)) }
        }
    }

    /// `verilator --lint-only -Wall` prints nothing on the design (an IS GEMM engine with groups
    /// once left the exponent bits of all but the first B bank unread).
    static func expectLintClean(_ design: Design) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try design.verilog().map { f -> String in
            let path = dir.appendingPathComponent(f.name).path
            try f.text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let r = try Tools.run("/usr/bin/env", ["verilator", "--lint-only", "-Wall", "--top-module", design.name] + paths, in: dir, timeout: 120)
        #expect(r.status == 0 && r.combined.isEmpty, "\(design.name): verilator -Wall:\n\(r.combined)")
    }
}
