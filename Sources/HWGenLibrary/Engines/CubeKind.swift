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
    public var pairsElements: Bool { true }
    public func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)? {
        DotFields.pairingProblem(e, mac: mac, depthField: "k")
    }
    public func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? { DotFields.groupGranule(e) }
    public var blockScales: Bool { true }

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

    /// FFIP pairs the elements of one beat: an even beat, plain integer accumulation.
    static func pairingProblem(_ e: EngineSpec, mac: MACConfig, depthField: String) -> (field: String, message: String)? {
        if e.depth % 2 != 0 {
            return ("engine.\(depthField)", "\(e.depth) is odd, and \(mac.kind) multiplies pairs of the elements a beat covers (allowed: an even \(depthField))")
        }
        if let p = e.sparsity { return ("engine.sparsity", "\(p) sparse weights do not pair (allowed with mac.kind \(mac.kind): remove sparsity)") }
        if mac.group != nil { return ("mac.group", "group dequantization does not pair elements (allowed with mac.kind \(mac.kind): remove mac.group)") }
        if mac.types.saturating {
            return ("mac.acc", "\(mac.types.accTag) clamps after every product, in an order pairs do not keep (allowed with mac.kind \(mac.kind): a wrapping accumulator)")
        }
        return nil
    }

    static func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape) -> Int {
        GoldenTiming.dotCycles(m: e.rows, n: e.cols, k: beatDepth(e), stages: e.stages, gemm: (s.m, s.k, s.n),
                               elementCycles: mac.elementCycles)
    }
}
