import HWGenTypes
import HWGenGolden

/// `engine: { kind: tree, lanes, width, stages, sparsity }`: ``DotEngine`` as one row of `lanes`
/// dot products of `width` elements, with optional N:M sparse weights.
public struct TreeKind: EngineDescriptor {
    public init() {}
    public var kind: String { "tree" }
    public var fields: [String] { ["kind", "lanes", "width", "stages", "sparsity"] }

    public func parse(_ f: any SpecFields) throws -> EngineSpec {
        let stages = try f.integer("stages", in: EngineSpec.stageRange, default: 1)
        let sparsity = try f.sparsity("sparsity")
        let width = try f.integer("width", in: EngineSpec.dimRange)
        if let p = sparsity, width % p.n != 0 {
            throw f.fail("width", "\(width) is not a multiple of N = \(p.n) of sparsity \(p) (allowed: whole groups of \(p.n) stored weights)")
        }
        return EngineSpec(self, rows: 1, cols: try f.integer("lanes", in: EngineSpec.dimRange), depth: width, stages: stages,
                          sparsity: sparsity)
    }

    public func pipelineProblem(_ pipeline: Int) -> String? { DotFields.pipelineProblem(pipeline, kind: kind) }
    public var pairsElements: Bool { true }
    public func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)? {
        DotFields.pairingProblem(e, mac: mac, depthField: "width")
    }
    public func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? { DotFields.groupGranule(e) }
    public var blockScales: Bool { true }

    /// A beat covers width / N · M elements of K with N:M weights (A lanes); B banks hold the
    /// stored weights with their indices.
    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        GemmBanks(a: (DotFields.beatDepth(e), e.sparsity.map { "width/\($0.n)·\($0.m)" } ?? "width"),
                  b: (e.depth * e.cols, "width·lanes"), c: (e.cols, "lanes"))
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        DotEngine(m: 1, n: e.cols, k: e.depth, stages: e.stages, mac: mac, form: .tree, sparsity: e.sparsity)
    }

    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        DotFields.goldenCycles(e, mac: mac, shape: s)
    }

    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .tree(block: DotFields.beatDepth(e)) }
}
