import HWGenTypes
import HWGenGolden

/// `engine: { kind: systolic, dataflow: is, rows, cols }`: ``SystolicStationary`` holding Aᵀ.
public struct InputStationaryKind: EngineDescriptor {
    public init() {}
    public var kind: String { "systolic" }
    public var dataflow: String? { "is" }
    public var fields: [String] { SystolicFields.names }
    public func parse(_ f: any SpecFields) throws -> EngineSpec { try SystolicFields.parse(f, self) }
    public func pipelineProblem(_ pipeline: Int) -> String? { SystolicFields.pipelineProblem(pipeline, dataflow: "is") }
    public func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? { SystolicFields.groupGranule(e) }
    public var blockScales: Bool { true }
    public var blockStages: Int { 1 }

    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        GemmBanks(a: (e.cols, "columns"), b: (e.rows, "rows"), c: (e.cols, "columns"))
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        SystolicStationary(rows: e.rows, cols: e.cols, mac: mac, stationary: .inputs)
    }

    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        GoldenTiming.stationaryCycles(rows: e.rows, cols: e.cols, streamed: s.n, stationary: s.m, k: s.k,
                                      pipeline: mac.pipeline, elementCycles: mac.elementCycles)
    }

    public func scaleSimCycles(_ e: EngineSpec, shape s: GemmShape) -> Int? {
        GoldenTiming.scaleSimIS(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n)
    }

    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .chained(block: e.rows) }
}
