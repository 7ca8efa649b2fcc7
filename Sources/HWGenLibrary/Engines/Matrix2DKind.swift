import HWGenTypes
import HWGenGolden

/// `engine: { kind: matrix2d, rows, cols }`: ``OutputStationaryArray`` with operands broadcast
/// along rows and columns (outer-product accumulation).
public struct Matrix2DKind: EngineDescriptor {
    public init() {}
    public var kind: String { "matrix2d" }
    public var fields: [String] { ["kind", "rows", "cols"] }
    public var groupStage: Int { 1 }
    public var blockScales: Bool { true }

    public func parse(_ f: any SpecFields) throws -> EngineSpec {
        EngineSpec(self, rows: try f.integer("rows", in: EngineSpec.dimRange), cols: try f.integer("cols", in: EngineSpec.dimRange))
    }

    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        GemmBanks(a: (e.rows, "rows"), b: (e.cols, "columns"), c: (e.rows, "rows"))
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        OutputStationaryArray(rows: e.rows, cols: e.cols, mac: mac, operands: .broadcast)
    }

    /// Zero Booth digits of B are skipped with `bitserial` MACs (TPE OPT4).
    public func skipsZeroDigits(_ e: EngineSpec, mac: MACConfig) -> Bool { mac.digitSerial }

    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        if skipsZeroDigits(e, mac: mac), let b {
            return GoldenTiming.matrix2dSkipCycles(rows: e.rows, cols: e.cols, b: b, m: s.m, bType: mac.types.b, pipeline: mac.pipeline)
        }
        return GoldenTiming.matrix2dCycles(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n,
                                           pipeline: mac.pipeline, elementCycles: mac.elementCycles)
    }

    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .sequential }
}
