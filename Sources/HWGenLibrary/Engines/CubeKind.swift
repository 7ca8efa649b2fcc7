import HWGenTypes
import HWGenGolden

/// `engine: { kind: cube, m, n, k, stages }`: ``DotEngine`` as an m×n grid of depth-k dot products.
public struct CubeKind: EngineDescriptor {
    public init() {}
    public var kind: String { "cube" }
    public var fields: [String] { ["kind", "m", "n", "k", "stages"] }

    public func parse(_ f: any SpecFields) throws -> EngineSpec {
        let stages = try f.integer("stages", in: EngineSpec.stageRange, default: 1)
        return EngineSpec(self, rows: try f.integer("m", in: EngineSpec.cubeRange), cols: try f.integer("n", in: EngineSpec.cubeRange),
                          depth: try f.integer("k", in: EngineSpec.cubeRange), stages: stages)
    }

    public func pipelineProblem(_ pipeline: Int) -> String? { DotFields.pipelineProblem(pipeline, kind: kind) }
    public func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? { DotFields.groupGranule(e) }

    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        GemmBanks(a: (e.rows * e.depth, "m·k"), b: (e.depth * e.cols, "k·n"), c: (e.rows * e.cols, "m·n"))
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        DotEngine(m: e.rows, n: e.cols, k: e.depth, stages: e.stages, mac: mac, form: .cube)
    }

    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        DotFields.goldenCycles(e, mac: mac, shape: s)
    }

    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .tree(block: DotFields.beatDepth(e)) }
}

/// What the cube and the tree share.
enum DotFields {
    /// Elements of K one beat covers (depth / N · M with N:M weights).
    static func beatDepth(_ e: EngineSpec) -> Int { e.sparsity.denseSpan(e.depth) }

    /// The reduction is pipelined by `engine.stages`, not by the MAC.
    static func pipelineProblem(_ pipeline: Int, kind: String) -> String? {
        guard pipeline > 0 else { return nil }
        return "\(pipeline): the \(kind)'s reduction is pipelined by engine.stages (allowed with engine \(kind): 0)"
    }

    /// A group is whole beats of K.
    static func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? {
        (beatDepth(e), "a beat of the \(e.kind)")
    }

    static func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape) -> Int {
        GoldenTiming.dotCycles(m: e.rows, n: e.cols, k: beatDepth(e), stages: e.stages, gemm: (s.m, s.k, s.n),
                               elementCycles: mac.elementCycles)
    }
}
