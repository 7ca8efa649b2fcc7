import HWGenTypes
import HWGenGolden

/// `engine: { kind: systolic, dataflow: os, rows, cols }`: ``OutputStationaryArray`` with
/// operands passed PE to PE.
public struct SystolicOSKind: EngineDescriptor {
    public init() {}
    public var kind: String { "systolic" }
    public var dataflow: String? { "os" }
    public var fields: [String] { SystolicFields.names }
    public func parse(_ f: any SpecFields) throws -> EngineSpec { try SystolicFields.parse(f, self) }
    public var groupStage: Int { 1 }
    public var blockScales: Bool { true }

    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        GemmBanks(a: (e.rows, "rows"), b: (e.cols, "columns"), c: (e.rows, "rows"))
    }

    /// FFIP: two lanes (elements 2e, 2e + 1) per row of A and per column of B.
    public func gemmBanks(_ e: EngineSpec, mac: MACConfig) -> GemmBanks {
        guard MACRegistry.arithmetic(mac.kind).pairsElements else { return gemmBanks(e) }
        return GemmBanks(a: (2 * e.rows, "2·rows, pairs of K"), b: (2 * e.cols, "2·columns, pairs of K"), c: (e.rows, "rows"))
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        OutputStationaryArray(rows: e.rows, cols: e.cols, mac: mac, operands: .systolic)
    }

    /// FFIP: two elements of K per beat, and one register more where operands enter and where
    /// results leave.
    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        let pairs = MACRegistry.arithmetic(mac.kind).pairsElements
        return GoldenTiming.osCycles(rows: e.rows, cols: e.cols, m: s.m, k: pairs ? ceilDiv(s.k, 2) : s.k, n: s.n,
                                     pipeline: mac.pipeline, elementCycles: mac.elementCycles) + (pairs ? 2 : 0)
    }

    public var pairsElements: Bool { true }

    /// FFIP PEs: one MAC of the pair sums, pipeline 0 or 1, wrapping, no groups.
    public func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)? {
        if mac.pipeline == 2 {
            return ("mac.pipeline", "2 splits the accumulator, which \(mac.kind) PEs do not (allowed with mac.kind \(mac.kind): 0, 1)")
        }
        if mac.group != nil { return ("mac.group", "group dequantization does not pair elements (allowed with mac.kind \(mac.kind): remove mac.group)") }
        if mac.types.saturating {
            return ("mac.acc", "\(mac.types.accTag) clamps after every product, in an order pairs do not keep (allowed with mac.kind \(mac.kind): a wrapping accumulator)")
        }
        return nil
    }

    public func scaleSimCycles(_ e: EngineSpec, shape s: GemmShape) -> Int? {
        GoldenTiming.scaleSimOS(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n)
    }

    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .sequential }
}

/// The fields the systolic dataflows share: `dataflow`, `rows`, `cols` and (WS only) `sparsity`.
enum SystolicFields {
    static let names = ["kind", "dataflow", "rows", "cols", "sparsity"]

    static func parse(_ f: any SpecFields, _ d: any EngineDescriptor) throws -> EngineSpec {
        let rows = try f.integer("rows", in: EngineSpec.dimRange)
        let sparsity = try f.sparsity("sparsity")
        let dataflow = d.dataflow ?? ""
        if sparsity != nil && dataflow != "ws" {
            throw f.fail("sparsity", "N:M sparse weights are built for systolic dataflow ws (and engine tree), not \(dataflow) (allowed: remove sparsity, or dataflow: ws)")
        }
        if let p = sparsity, rows % p.n != 0 {
            throw f.fail("rows", "\(rows) is not a multiple of N = \(p.n) of sparsity \(p) (allowed: whole groups of \(p.n) stored weights per column)")
        }
        return EngineSpec(d, rows: rows, cols: try f.integer("cols", in: EngineSpec.dimRange), sparsity: sparsity)
    }

    /// WS and IS: MACs with one pipeline stage at most (no split accumulator).
    static func pipelineProblem(_ pipeline: Int, dataflow: String) -> String? {
        pipeline > 1 ? "\(pipeline) (a split accumulator) applies to systolic dataflow os only (allowed with dataflow \(dataflow): 0, 1)" : nil
    }

    /// WS and IS: a group is whole tiles of K.
    static func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? {
        (e.sparsity.denseSpan(e.rows), "a tile of dataflow \(e.dataflow ?? "")")
    }
}
