import HWGenTypes
import HWGenGolden

/// A `dataflow:` spec: ``SpaceTimeArray``, derived from a loop nest and a space-time matrix.
/// Not in ``EngineRegistry`` (no `engine.kind` names it); the spec loader builds its
/// ``EngineSpec`` from the `dataflow:` section.
public struct SpaceTimeKind: EngineDescriptor {
    public init() {}
    public var kind: String { "dataflow" }
    public var fields: [String] { ["loops", "compute", "space_time", "array"] }

    /// Never reached: `dataflow:` is read by the spec loader, not through `engine:`.
    public func parse(_ f: any SpecFields) throws -> EngineSpec {
        throw f.fail("kind", "a derived array is described by a top-level dataflow: section (loops, compute, space_time, array)")
    }

    /// FFIP: two values of the innermost loop per beat (where the output stays: the spec loader
    /// checks that), with the output-stationary array's rules (pipeline 0 or 1, no groups, wrapping).
    public var pairsElements: Bool { true }

    public func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)? {
        SystolicOSKind().pairingProblem(e, mac: mac)
    }

    /// FFIP: two lanes per A row and per B column.
    public func gemmBanks(_ e: EngineSpec, mac: MACConfig) -> GemmBanks {
        let banks = gemmBanks(e)
        guard MACRegistry.arithmetic(mac.kind).pairsElements else { return banks }
        return GemmBanks(a: (2 * banks.a.count, "2·\(banks.a.what), pairs of K"), b: (2 * banks.b.count, "2·\(banks.b.what), pairs of K"), c: banks.c)
    }

    /// GEMM nests only: the spec loader refuses `gemm:` for other computations.
    public var buffered: Bool { true }

    /// A's banks are the rows of C a tile covers, B's its columns (PE x or y, whichever runs i
    /// or j), C's the PE rows.
    public func gemmBanks(_ e: EngineSpec) -> GemmBanks {
        let d = e.spaceTime!
        let iOnX = d.gemmLoops.map { d.xLoop == $0.m } ?? true
        let (x, y) = ((e.rows, "PE rows"), (e.cols, "PE columns"))
        return GemmBanks(a: iOnX ? x : y, b: iOnX ? y : x, c: x)
    }

    /// Wrapping integer MACs and float elements without MX blocks; no groups or pairs (bit-serial
    /// and floats only where the output stays, floats in GEMM nests: the spec loader checks that).
    public func macProblem(_ mac: MACConfig) -> (field: String, message: String)? {
        if let f = mac.types.float, f.isBlockScaled { return ("mac.a", "MX blocks are not built in derived arrays yet (allowed: \(f.a.name) elements without blocks)") }
        if let f = mac.types.float, f.promoteEvery != nil {
            return ("mac.acc", "\(mac.types.accTag): promoting partial sums is not built in derived arrays yet (allowed: exact, fp32, align<N> without +promote)")
        }
        if mac.group != nil { return ("mac.group", "groups are not built in derived arrays yet (allowed: remove mac.group)") }
        if mac.types.saturating { return ("mac.acc", "\(mac.types.accTag) clamps after every product, in the schedule's order, which the golden model of a loop nest does not follow yet (allowed: a wrapping accumulator, s<N> or u<N>)") }
        return nil
    }

    public func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine {
        let d = e.spaceTime!
        return d.outputMoves ? SpaceTimeReductionArray(d, mac: mac) : SpaceTimeArray(d, mac: mac)
    }

    /// ``GoldenLoopNest/cycles(_:bounds:pipeline:)`` with the GEMM's bounds.
    public func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        let d = e.spaceTime!
        guard let bounds = d.gemmBounds(s) else { preconditionFailure("\(d.nest) is not a GEMM (Design.checkGemm refuses it)") }
        return Self.cycles(d, bounds: bounds, mac: mac)
    }

    /// The golden cycles of a derived array with `mac` for loop bounds `bounds`
    /// (``GoldenLoopNest/cycles(_:bounds:pipeline:elementCycles:pairs:)`` with the MAC's timing).
    public static func cycles(_ d: SpaceTimeDataflow, bounds: [Int], mac: MACConfig) -> Int {
        GoldenLoopNest.cycles(d, bounds: bounds, pipeline: mac.pipeline, elementCycles: mac.elementCycles,
                              pairs: MACRegistry.arithmetic(mac.kind).pairsElements)
    }

    /// Products are added one per cycle in the innermost loop's order.
    public func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .sequential }
}

extension EngineSpec {
    /// A derived array from Swift: `compute` over `loops` (outermost first), the space-time
    /// `matrix` (rows PE x, PE y, then time) and the array's PEs. Throws ``LoopNestError`` or
    /// ``SpaceTimeError`` with the same messages a `dataflow:` spec gets.
    public static func spaceTime(loops: [String], compute: String, matrix: [[Int]], rows: Int, cols: Int) throws -> EngineSpec {
        var e = EngineSpec(SpaceTimeKind(), rows: rows, cols: cols)
        e.spaceTime = try SpaceTimeDataflow(nest: try LoopNest.parse(compute: compute, loops: loops), matrix: matrix, rows: rows, cols: cols)
        return e
    }
}
