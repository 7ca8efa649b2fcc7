import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

@Suite struct SparsityTests {
    @Test func patternsParse() {
        #expect(Sparsity("2:4") == Sparsity(n: 2, m: 4))
        #expect(Sparsity("2:8")?.indexBits == 3)
        for bad in ["4:4", "0:4", "2:6", "2:", ":4", "2:4:8", "two:four"] { #expect(Sparsity(bad) == nil, "\(bad)") }
    }

    @Test func randomOperandsFollowThePatternAndCompressLosslessly() throws {
        for (text, k) in [("2:4", 37), ("2:8", 64), ("1:4", 5), ("3:8", 9)] {
            let p = try #require(Sparsity(text))
            let (_, b) = Operands.random(shape: GemmShape(m: 2, k: k, n: 7), mac: MACTypes(a: .s(8), b: .s(4), acc: .s(32)),
                                         seed: 11, sparsity: p)
            #expect(SparseWeights.violation(b, p) == nil)
            let c = SparseWeights.compress(b, p)
            #expect(c.values.rows == (k + p.m - 1) / p.m * p.n)
            #expect(c.indices.data.allSatisfy { (0..<Int64(p.m)).contains($0) })
            #expect(SparseWeights.expand(c, rows: k) == b)
            // Pruning keeps N values per full group (random nonzero values may add zeros, never more).
            #expect(b.data.filter { $0 != 0 }.count <= (k + p.m - 1) / p.m * p.n * 7)
        }
    }

    @Test func firstOffendingGroupIsNamed() throws {
        var b = IntMatrix(rows: 8, cols: 3)
        b[0, 0] = 1; b[1, 0] = 1                  // column 0 group 0: 2 nonzeros, fine for 2:4
        b[5, 1] = 3; b[6, 1] = -1; b[7, 1] = 2    // column 1 group 1: 3 nonzeros
        b[0, 2] = 1; b[1, 2] = 1; b[2, 2] = 1     // column 2 group 0: also 3, but later in column order
        let p24 = try #require(Sparsity("2:4")), p34 = try #require(Sparsity("3:4"))
        let message = try #require(SparseWeights.violation(b, p24))
        #expect(message == "B column 1, rows 4...7 hold 3 nonzeros (at rows 5, 6, 7); 2:4 sparsity allows at most 2 per group of 4")
        #expect(SparseWeights.violation(b, p34) == nil)
    }

    @Test(arguments: [EngineSpec.tree(lanes: 2, width: 4, stages: 1, sparsity: Sparsity("2:4")),
                      EngineSpec.systolic(.ws, rows: 4, cols: 2, sparsity: Sparsity("2:4"))])
    func denseWeightsOnASparseEngineAreBadInput(engine: EngineSpec) throws {
        let spec = DesignSpec(name: "t", engine: engine, mac: MACTypes(a: .s(8), b: .s(8), acc: .s(32)), source: "t.yaml")
        let (a, b) = Operands.random(shape: GemmShape(m: 2, k: 8, n: 2), mac: spec.mac, seed: 3)
        #expect(throws: HWGenError.self) { try Design(spec).checkOperands(a: a, b: b) }
        #expect(throws: HWGenError.self) { _ = try Flow.simulate(Design(spec), a: a, b: b, label: "dense", simulators: []) { _ in } }
    }
}
