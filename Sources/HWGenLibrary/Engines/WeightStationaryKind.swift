import HWGenTypes
import HWGenGolden

/// `engine: { kind: systolic, dataflow: ws, rows, cols, sparsity }`: ``SystolicStationary``
/// holding B, with optional N:M sparse weights.
public struct WeightStationaryKind: EngineDescriptor {
    public init() {}
    public var kind: String { "systolic" }
    public var dataflow: String? { "ws" }
    public var fields: [String] { SystolicFields.names }
    public func parse(_ f: any SpecFields) throws -> EngineSpec { try SystolicFields.parse(f, self) }
    public func pipelineProblem(_ pipeline: Int) -> String? { SystolicFields.pipelineProblem(pipeline, dataflow: "ws") }
    public func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? { SystolicFields.groupGranule(e) }
    public var blockScales: Bool { true }
    public var blockStages: Int { 1 }

    /// A vector carries rows / N · M elements of K with N:M weights; B banks hold the stored
    /// weights with their indices.
    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        GemmBanks(a: (tileDepth(e), e.sparsity.map { "rows/\($0.n)·\($0.m)" } ?? "rows"), b: (e.cols, "columns"), c: (e.cols, "columns"))
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        SystolicStationary(rows: e.rows, cols: e.cols, mac: mac, stationary: .weights, sparsity: e.sparsity)
    }

    /// Zero Booth digits of B are skipped with `bitserial` MACs (TPE OPT3).
    public func skipsZeroDigits(_ e: EngineSpec, mac: MACConfig) -> Bool { mac.digitSerial }

    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        if skipsZeroDigits(e, mac: mac) {
            let weights = b.map { b in e.sparsity.map { SparseWeights.compress(b, $0).values } ?? b }
            let k = e.sparsity.map { ceilDiv(s.k, $0.m) * $0.n } ?? s.k
            return GoldenTiming.wsSkipCycles(rows: e.rows, cols: e.cols, streamed: s.m, weights: weights, bType: mac.types.b,
                                             shape: (k, s.n), pipeline: mac.pipeline)
        }
        let pairs = MACRegistry.arithmetic(mac.kind).pairsElements
        return GoldenTiming.stationaryCycles(rows: e.rows, cols: e.cols, streamed: s.m, stationary: s.n, k: s.k,
                                             pipeline: mac.pipeline, elementCycles: mac.elementCycles,
                                             tileDepth: pairs ? 2 * e.rows : e.sparsity == nil ? nil : tileDepth(e))
            + (pairs ? 2 : 0)
    }

    /// FFIP: PEs hold weight pairs (a tile covers 2·rows of K); corrections at the edges.
    public var pairsElements: Bool { true }
    /// The buffered GEMM controller does not pack weight pairs yet.
    public var pairsInGemm: Bool { false }

    /// FFIP PEs: at least 2 rows, wrapping, no groups, no sparsity.
    public func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)? {
        if e.rows < 2 { return ("engine.rows", "1: \(mac.kind) needs at least 2 rows in dataflow ws (allowed: 2...)") }
        if e.sparsity != nil { return ("engine.sparsity", "N:M sparse weights do not pair elements (allowed with mac.kind \(mac.kind): remove sparsity)") }
        if mac.group != nil { return ("mac.group", "group dequantization does not pair elements (allowed with mac.kind \(mac.kind): remove mac.group)") }
        if mac.types.saturating {
            return ("mac.acc", "\(mac.types.accTag) clamps after every product, in an order pairs do not keep (allowed with mac.kind \(mac.kind): a wrapping accumulator)")
        }
        return nil
    }

    public func scaleSimCycles(_ e: EngineSpec, shape s: GemmShape) -> Int? {
        GoldenTiming.scaleSimWS(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n)
    }

    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .chained(block: tileDepth(e)) }

    /// FFIP pairs: two lanes of A per row, two rows of B per PE.
    public func gemmBanks(_ e: EngineSpec, mac: MACConfig) -> GemmBanks {
        guard MACRegistry.arithmetic(mac.kind).pairsElements else { return gemmBanks(e) }
        return GemmBanks(a: (2 * e.rows, "2·rows, pairs of K"), b: (e.cols, "columns"), c: (e.cols, "columns"))
    }

    /// Elements of K a tile covers.
    private func tileDepth(_ e: EngineSpec) -> Int { e.sparsity.denseSpan(e.rows) }
}
