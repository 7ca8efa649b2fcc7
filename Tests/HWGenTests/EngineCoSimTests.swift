import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Every engine and systolic dataflow with its MAC kinds, co-simulated on both simulators against the
/// golden values and cycle model: random shapes (smaller than the array, K = 1, sizes that are
/// not multiples of the tile). Seeds are printed; HWGEN_TEST_SEED replays a run.
@Suite struct EngineCoSimTests {
    static func spec(_ df: Dataflow, _ rows: Int, _ cols: Int, _ mac: MACTypes, _ kind: MACKind, pipeline: Int,
                     sparsity: String? = nil) -> DesignSpec {
        let p = sparsity.flatMap(Sparsity.init)
        let name = "cosim_\(df.rawValue)_\(rows)x\(cols)" + (p.map { "_\($0.n)of\($0.m)" } ?? "") + "_\(kind.rawValue)_p\(pipeline)_\(mac.tag)"
        return DesignSpec(name: name, engine: EngineSpec.systolic(df, rows: rows, cols: cols, sparsity: p),
                          mac: mac, macKind: kind, pipeline: pipeline, source: "tests/\(name).yaml")
    }

    static func dot(_ kind: DotEngine.Form, _ m: Int, _ n: Int, _ k: Int, stages: Int, _ mac: MACTypes, _ macKind: MACKind) -> DesignSpec {
        let name = "cosim_\(kind.rawValue)_\(m)x\(n)x\(k)_s\(stages)_\(macKind.rawValue)_\(mac.tag)"
        let engine = kind == .cube ? EngineSpec.cube(m: m, n: n, k: k, stages: stages) : EngineSpec.tree(lanes: n, width: k, stages: stages)
        return DesignSpec(name: name, engine: engine,
                          mac: mac, macKind: macKind, source: "tests/\(name).yaml")
    }

    static func sparseTree(_ lanes: Int, _ width: Int, _ pattern: String, _ mac: MACTypes, _ kind: MACKind) -> DesignSpec {
        let p = Sparsity(pattern)!
        let name = "cosim_tree_\(lanes)x\(width)_\(p.n)of\(p.m)_\(kind.rawValue)_\(mac.tag)"
        return DesignSpec(name: name, engine: EngineSpec.tree(lanes: lanes, width: width, stages: 1, sparsity: p),
                          mac: mac, macKind: kind, source: "tests/\(name).yaml")
    }

    static func matrix2d(_ rows: Int, _ cols: Int, _ mac: MACTypes, _ kind: MACKind, pipeline: Int) -> DesignSpec {
        let name = "cosim_matrix2d_\(rows)x\(cols)_\(kind.rawValue)_p\(pipeline)_\(mac.tag)"
        return DesignSpec(name: name, engine: EngineSpec.matrix2d(rows: rows, cols: cols),
                          mac: mac, macKind: kind, pipeline: pipeline, source: "tests/\(name).yaml")
    }

    /// Cycles by the design's golden model (the engine descriptor's cycle model, with B where
    /// the count depends on it).
    static func goldenCycles(_ spec: DesignSpec, _ s: GemmShape, b: IntMatrix) -> Int {
        Design(spec).golden.cycles(s, b: b)
    }

    static let designs: [DesignSpec] = [
        spec(.ws, 3, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .baseline, pipeline: 0),
        spec(.ws, 2, 3, MACTypes(a: .s(8), b: .s(4), acc: .s(24)), .booth, pipeline: 1),
        spec(.is, 2, 3, MACTypes(a: .u(8), b: .s(8), acc: .s(24)), .baseline, pipeline: 1),
        spec(.is, 3, 3, MACTypes(a: .s(8), b: .s(8), acc: .s(20)), .booth, pipeline: 0),
        spec(.ws, 3, 2, MACTypes(a: .u(8), b: .s(8), acc: .s(24)), .bitserial, pipeline: 1),
        spec(.is, 2, 3, MACTypes(a: .s(8), b: .u(4), acc: .s(20)), .bitserial, pipeline: 0),
        spec(.ws, 4, 3, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .baseline, pipeline: 0, sparsity: "2:4"),
        spec(.ws, 2, 2, MACTypes(a: .u(8), b: .s(4), acc: .s(24)), .booth, pipeline: 1, sparsity: "2:8"),
        spec(.os, 2, 3, MACTypes(a: .s(8), b: .s(4), acc: .s(24)), .booth, pipeline: 2),
        dot(.cube, 2, 3, 4, stages: 2, MACTypes(a: .s(8), b: .s(4), acc: .s(32)), .baseline),
        dot(.cube, 2, 2, 3, stages: 1, MACTypes(a: .u(8), b: .s(8), acc: .s(24)), .booth),
        dot(.tree, 1, 3, 5, stages: 0, MACTypes(a: .s(8), b: .s(8), acc: .s(20)), .booth),
        sparseTree(3, 4, "2:4", MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .baseline),
        sparseTree(2, 4, "2:4", MACTypes(a: .u(8), b: .s(8), acc: .s(24)), .bitserial),
        dot(.cube, 2, 2, 3, stages: 2, MACTypes(a: .s(8), b: .s(4), acc: .s(20)), .bitserial),
        sparseTree(2, 2, "2:8", MACTypes(a: .s(8), b: .s(4), acc: .s(24)), .booth),
        matrix2d(3, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .baseline, pipeline: 0),
        matrix2d(2, 3, MACTypes(a: .s(8), b: .s(4), acc: .s(24)), .bitserial, pipeline: 1),
        matrix2d(2, 2, MACTypes(a: .u(8), b: .s(8), acc: .s(20)), .booth, pipeline: 2),
        // FFIP: pair products and shared corrections (K odd in the random shapes: padded with zeros).
        dot(.cube, 2, 3, 4, stages: 1, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .ffip),
        dot(.tree, 1, 3, 6, stages: 2, MACTypes(a: .u(8), b: .s(4), acc: .s(20)), .ffip),
        spec(.os, 3, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .ffip, pipeline: 1),
        spec(.os, 2, 3, MACTypes(a: .u(8), b: .s(4), acc: .s(20)), .ffip, pipeline: 0),
        spec(.os, 3, 3, MACTypes(a: .s(8), b: .u(8), acc: .s(24)), .ffipBooth, pipeline: 1),
        spec(.ws, 3, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .ffip, pipeline: 1),
        spec(.ws, 2, 3, MACTypes(a: .u(8), b: .s(4), acc: .s(20)), .ffipBooth, pipeline: 0),
        spec(.ws, 4, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(18)), .ffipBooth, pipeline: 1),
        dot(.tree, 1, 2, 4, stages: 1, MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .ffipBooth),
    ]

    @Test(arguments: Simulator.allCases)
    func everyDataflowMatchesGolden(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("everyDataflow/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        for spec in Self.designs {
            let e = spec.engine
            let shapes = [GemmShape(m: 1, k: 1, n: 1),
                          GemmShape(m: Int.random(in: 1...12, using: &g), k: 1, n: Int.random(in: 1...7, using: &g)),
                          GemmShape(m: Int.random(in: e.rows + 1...3 * e.rows + 5, using: &g),
                                    k: Int.random(in: e.rows * e.depth + 1...4 * e.rows * e.depth + 1, using: &g),
                                    n: Int.random(in: e.cols + 1...3 * e.cols + 1, using: &g))]
            for shape in shapes {
                let s = g.next()
                let (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: s, sparsity: e.sparsity)
                let label = "\(e.descriptor.label) gemm \(shape.m)x\(shape.k)x\(shape.n) seed \(s)"
                let (verdicts, runs) = try Flow.simulate(Design(spec), a: a, b: b, label: label, simulators: [sim]) { print($0) }
                #expect(runs[0].c == GoldenGEMM.multiply(a, b, mac: spec.mac), "\(spec.name) \(label): C differs")
                #expect(runs[0].cycles == Self.goldenCycles(spec, shape, b: b), "\(spec.name) \(label): cycles")
                #expect(verdicts[0].passed, "\(spec.name) \(label)")
            }
        }
    }

    /// Extreme operands through the carry-save column sums: every product at its most negative.
    @Test func extremeOperandsThroughCarrySaveColumns() throws {
        try Requires.simulator(.icarus)
        let spec = Self.spec(.ws, 4, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(16)), .booth, pipeline: 1)
        let a = IntMatrix(rows: 3, cols: 9, data: Array(repeating: -128, count: 27))
        let b = IntMatrix(rows: 9, cols: 3, data: (0..<27).map { $0 % 2 == 0 ? -128 : 127 })
        let (verdicts, _) = try Flow.simulate(Design(spec), a: a, b: b, label: "extremes", simulators: [.icarus]) { print($0) }
        #expect(verdicts[0].passed)
    }

    /// 2D-Matrix and WS with zero-digit skipping on sparse, small weights: values, and cycles that
    /// follow B (the data-dependent models) and beat the bound with every digit nonzero.
    @Test(arguments: Simulator.allCases)
    func zeroDigitsAreSkipped(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("zeroDigits/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        for spec in [Self.matrix2d(3, 4, MACTypes(a: .s(8), b: .s(8), acc: .s(24)), .bitserial, pipeline: 1),
                     Self.spec(.ws, 3, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(24)), .bitserial, pipeline: 0)] {
        let shape = GemmShape(m: 7, k: 13, n: 9)
        var (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: g.next())
        for i in 0..<b.data.count {
            switch g.next() % 4 {
            case 0, 1: b.data[i] = 0
            case 2: b.data[i] = Int64(g.next() % 5) - 2     // one nonzero digit
            default: break
            }
        }
        let label = "sparse B seed \(seed)"
        let (verdicts, runs) = try Flow.simulate(Design(spec), a: a, b: b, label: label, simulators: [sim]) { print($0) }
        #expect(runs[0].c == GoldenGEMM.multiply(a, b, mac: spec.mac))
        let skipping = Self.goldenCycles(spec, shape, b: b)
        #expect(runs[0].cycles == skipping, "\(label)")
        #expect(skipping < Design(spec).golden.cycles(shape), "\(label): no fewer cycles than with every digit nonzero")
        #expect(verdicts[0].passed)
        }
    }

    /// The buffered GEMM engine: load, start, done, read back; values and start-to-done cycles.
    @Test(arguments: Simulator.allCases)
    func gemmEngineMatchesGolden(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let seed = CoSimTests.seed("gemmEngine/\(sim.rawValue)")
        var g = SplitMix64(state: seed)
        let mac = MACTypes(a: .s(8), b: .s(8), acc: .s(32))
        let engines: [(EngineSpec, MACKind, Bool)] = [
            (EngineSpec.systolic(rows: 3, cols: 2), .baseline, false), (EngineSpec.matrix2d(rows: 3, cols: 2), .booth, true),
            (EngineSpec.systolic(rows: 3, cols: 2), .bitserial, true),
            (EngineSpec.cube(m: 2, n: 3, k: 3, stages: 1), .booth, true),
            (EngineSpec.tree(lanes: 2, width: 5, stages: 2), .bitserial, false),
            (EngineSpec.systolic(.ws, rows: 3, cols: 2), .booth, true),
            (EngineSpec.systolic(.is, rows: 2, cols: 3), .baseline, false),
            (EngineSpec.systolic(.ws, rows: 2, cols: 2), .bitserial, true),
            (EngineSpec.tree(lanes: 2, width: 4, stages: 1, sparsity: Sparsity("2:4")), .baseline, true),
            (EngineSpec.systolic(.ws, rows: 4, cols: 2, sparsity: Sparsity("2:8")), .booth, false),
        ]
        for (engine, macKind, double) in engines {
            let name = "cosim_gemm_\(engine.descriptor.label)_\(macKind.rawValue)\(double ? "_db" : "")"
            let banks = engine.gemmBanks
            let spec = DesignSpec(name: name, engine: engine, mac: mac, macKind: macKind,
                                  pipeline: engine.descriptor.pipelineProblem(1) == nil ? 1 : 0, source: "tests/\(name).yaml",
                                  gemm: GemmSpec(aWords: banks.a.0 * 256, bWords: banks.b.0 * 256, cWords: banks.c.0 * 256, doubleBuffer: double))
            for shape in [GemmShape(m: 1, k: 1, n: 1), GemmShape(m: Int.random(in: 4...9, using: &g), k: 1, n: Int.random(in: 3...7, using: &g)),
                          GemmShape(m: Int.random(in: 4...10, using: &g), k: Int.random(in: 2...12, using: &g), n: Int.random(in: 3...9, using: &g))] {
                let s = g.next()
                let (a, b) = Operands.random(shape: shape, mac: mac, seed: s, sparsity: engine.sparsity)
                let label = "gemm \(shape) seed \(s)"
                let (verdicts, runs) = try Flow.simulate(Design(spec), a: a, b: b, label: label, simulators: [sim]) { print($0) }
                #expect(runs[0].c == GoldenGEMM.multiply(a, b, mac: mac), "\(name) \(label)")
                // The golden cycles of the same engine without buffers, plus the cycle from start.
                var bareSpec = spec
                bareSpec.gemm = nil
                let bare = Self.goldenCycles(bareSpec, shape, b: b)
                #expect(runs[0].cycles == bare + 1, "\(name) \(label): start to done")
                #expect(verdicts[0].passed)
            }
        }
    }

    @Test func gemmThatDoesNotFitIsBadInput() throws {
        let spec = DesignSpec(name: "g", engine: EngineSpec.systolic(rows: 2, cols: 2), mac: MACTypes(a: .s(8), b: .s(8), acc: .s(32)),
                              source: "g.yaml", gemm: GemmSpec(aWords: 8, bWords: 8, cWords: 8, doubleBuffer: false))
        let (a, b) = Operands.random(shape: GemmShape(m: 2, k: 5, n: 2), mac: spec.mac, seed: 1)
        #expect(throws: HWGenError.badInput("gemm 2x5x2 does not fit the buffers of g.yaml: A needs 5 words per bank (⌈M/2⌉·K), the buffer has 4 (a_words 8 / 2 banks)")) {
            try Design(spec).checkOperands(a: a, b: b)
        }
    }

    /// The double-buffer run must depend on the ping-pong: with the host's set never toggling,
    /// the second GEMM's operands overwrite the first's while it computes, and the testbench fails.
    @Test func brokenDoubleBufferIsCaught() throws {
        try Requires.simulator(.icarus)
        let mac = MACTypes(a: .s(8), b: .s(8), acc: .s(32))
        let spec = DesignSpec(name: "mutant_gemm_db", engine: EngineSpec.systolic(rows: 2, cols: 2), mac: mac,
                              pipeline: 1, source: "tests/mutant_gemm_db.yaml",
                              gemm: GemmSpec(aWords: 2 * 64, bWords: 2 * 64, cWords: 2 * 64, doubleBuffer: true))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-mutant-db-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let design = try Flow.emit(Design(spec), to: dir)
        let top = try #require(design.rtl.first { $0.lastPathComponent == "mutant_gemm_db.v" })
        let text = try String(contentsOf: top, encoding: .utf8)
        #expect(text.contains("fill_sel <= ~fill_sel;"))
        try text.replacingOccurrences(of: "fill_sel <= ~fill_sel;", with: "fill_sel <= fill_sel;")
            .write(to: top, atomically: true, encoding: .utf8)
        let (a, b) = Operands.random(shape: GemmShape(m: 5, k: 9, n: 4), mac: mac, seed: 8)
        let run = try Simulation.run(Design(spec), rtlFiles: design.rtl, testbench: design.testbench, a: a, b: b,
                                     expected: GoldenGEMM.multiply(a, b, mac: mac), simulator: .icarus,
                                     workDir: dir.appendingPathComponent("run"))
        #expect(!run.tbPassed)
        #expect(run.tbMismatches > 0)
    }
}
