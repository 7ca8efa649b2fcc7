import HWGenTypes
import HWGenGolden

/// The fields of one spec section as the spec loader read them, with its file + field-path
/// errors: an engine descriptor parses its own fields through this, never through YAML.
public protocol SpecFields {
    /// The section's path in the spec, e.g. `engine`.
    var path: String { get }
    /// Whether the section has `field`.
    func has(_ field: String) -> Bool
    /// An integer in `range`; missing, wrong type or out of range is an error naming `path.field`.
    func integer(_ field: String, in range: ClosedRange<Int>) throws -> Int
    /// An N:M sparsity pattern, or nil when the field is absent.
    func sparsity(_ field: String) throws -> Sparsity?
    /// `<file>: <path>.<field>: <what>` (exit 2).
    func fail(_ field: String, _ what: String) -> HWGenError
}

extension SpecFields {
    /// An integer in `range`, or `default` when the field is absent.
    public func integer(_ field: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        has(field) ? try integer(field, in: range) : value
    }
}

/// A `gemm:` buffer's banks: one per lane of a beat (A, B) or output lane (C), each with the
/// dimensions it counts (for messages).
public struct GemmBanks: Sendable {
    public let a: (count: Int, what: String)
    public let b: (count: Int, what: String)
    public let c: (count: Int, what: String)

    public init(a: (Int, String), b: (Int, String), c: (Int, String)) {
        self.a = a
        self.b = b
        self.c = c
    }
}

/// Everything HWGen knows of one engine kind, in one place: its spec fields and their checks,
/// its buffer banks, how to build it, its golden cycle model and SCALE-Sim's estimate.
///
/// The built-in kinds are in `Library/Engines/`, one file each; a package outside HWGen adds a
/// kind by conforming to this protocol and calling ``EngineRegistry/register(_:)``. Nothing else
/// in HWGen switches on the engine kind. `goldenCycles` must come from the engine's timing rules
/// (functions of `Golden`, or the kind's own arithmetic), never from running its generator.
public protocol EngineDescriptor: Sendable {
    /// `engine.kind` in a spec: `systolic`, `cube`, …
    var kind: String { get }
    /// `engine.dataflow` for kinds that offer several (`os`, `ws`, `is` of `systolic`), else nil.
    var dataflow: String? { get }
    /// The fields `engine:` takes (`kind` first). Kinds sharing a `kind` word share them.
    var fields: [String] { get }
    /// Reads the kind's fields (``SpecFields`` names file and field path in every error).
    func parse(_ fields: any SpecFields) throws -> EngineSpec
    /// Why `mac.pipeline` = `pipeline` is not allowed with this engine, or nil.
    func pipelineProblem(_ pipeline: Int) -> String?
    /// Why the engine cannot take this MAC (kind, group), as (field path, message), or nil.
    func macProblem(_ mac: MACConfig) -> (field: String, message: String)?
    /// The engine can pair elements of K for a kind that ``MACArithmetic/pairsElements`` (FFIP).
    /// Default false.
    var pairsElements: Bool { get }
    /// Whether its buffered GEMM controller feeds pairs too. Default: ``pairsElements``.
    var pairsInGemm: Bool { get }
    /// Why this engine spec cannot pair elements for `mac`, as (field path, message), or nil.
    /// Default: nil when ``pairsElements``, else a message naming the engines that can.
    func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)?
    /// Whether a `gemm:` section can wrap the engine (its generator states a ``Engine/gemmFeed``).
    var buffered: Bool { get }
    /// Elements of K a `mac.group` must be a multiple of, and what covers them (for the
    /// message); nil when any group size works.
    func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)?
    /// Cycles the MixPE group stage adds to every result (1 in PEs that add group sums one
    /// cycle later, 0 where the accumulators add them in the same cycle).
    var groupStage: Int { get }
    /// Whether its PEs take MX blocks: A's block scales with A, B's with B, and a block
    /// accumulator (``MXAccumulator``) in each. Default false.
    var blockScales: Bool { get }
    /// Cycles MX adds to every result after a block's sum is complete: 2 (stage A normalizes
    /// and scales it, stage B adds it into FP32) where a result is an FP32 register, 1 where it
    /// travels in a ring that stage B feeds (WS, IS). Default 2.
    var blockStages: Int { get }
    /// The banks of a `gemm:` wrapper's buffers.
    func gemmBanks(_ e: EngineSpec) -> GemmBanks
    /// The banks for this MAC (more lanes when it pairs elements); default ``gemmBanks(_:)``.
    func gemmBanks(_ e: EngineSpec, mac: MACConfig) -> GemmBanks
    /// The engine's generator.
    func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine
    /// Whether the cycle count depends on B (zero Booth digits are skipped).
    func skipsZeroDigits(_ e: EngineSpec, mac: MACConfig) -> Bool
    /// The golden cycle count of the bare engine for A·B of `shape`: from the first accepted beat
    /// to the last result. Where it depends on B and `b` is nil, the most it can be.
    func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape: GemmShape, b: IntMatrix?) -> Int
    /// SCALE-Sim v2's estimate for the dataflow, or nil for engines it does not model.
    func scaleSimCycles(_ e: EngineSpec, shape: GemmShape) -> Int?
    /// The order in which the engine adds the products of one result (what a floating-point
    /// golden model must follow).
    func reductionOrder(_ e: EngineSpec) -> ReductionOrder
}

extension EngineDescriptor {
    public var dataflow: String? { nil }
    public func pipelineProblem(_ pipeline: Int) -> String? { nil }
    public func macProblem(_ mac: MACConfig) -> (field: String, message: String)? { nil }
    public var pairsElements: Bool { false }
    public var pairsInGemm: Bool { pairsElements }
    public func gemmBanks(_ e: EngineSpec, mac: MACConfig) -> GemmBanks { gemmBanks(e) }
    public func pairingProblem(_ e: EngineSpec, mac: MACConfig) -> (field: String, message: String)? {
        if pairsElements { return nil }
        let able = EngineRegistry.all.filter(\.pairsElements)
        return ("mac.kind", "engine \(id) cannot pair elements of K, which \(mac.kind) needs (allowed with mac.kind \(mac.kind): engine "
                + able.map(\.id).joined(separator: ", ") + "; or another mac.kind)")
    }
    public var buffered: Bool { true }
    public func groupGranule(_ e: EngineSpec) -> (elements: Int, what: String)? { nil }
    public var groupStage: Int { 0 }
    public var blockScales: Bool { false }
    public var blockStages: Int { MXAccumulator.stages }
    public func skipsZeroDigits(_ e: EngineSpec, mac: MACConfig) -> Bool { false }
    public func scaleSimCycles(_ e: EngineSpec, shape: GemmShape) -> Int? { nil }

    /// `systolic/ws`, `cube`: the registry key.
    public var id: String { dataflow.map { "\(kind)/\($0)" } ?? kind }
    /// `ws`, `cube`: a short name for labels and SCALE-Sim's dataflow.
    public var label: String { dataflow ?? kind }
}

/// The engine kinds a spec may name: the built-in ones and any a client registered.
public enum EngineRegistry {
    private static let store = Registry<any EngineDescriptor>(
        [SystolicOSKind(), WeightStationaryKind(), InputStationaryKind(), CubeKind(), TreeKind(), Matrix2DKind()], key: \.id)

    /// Every registered kind, built-in ones first, in registration order.
    public static var all: [any EngineDescriptor] { store.all }

    /// Adds (or, with the same ``EngineDescriptor/id``, replaces) an engine kind.
    public static func register(_ d: any EngineDescriptor) { store.register(d) }

    /// The kind words a spec may use, in registration order.
    public static var kindNames: [String] {
        var seen: [String] = []
        for d in all where !seen.contains(d.kind) { seen.append(d.kind) }
        return seen
    }

    /// The kinds registered under `kind` (several when it has dataflows).
    public static func descriptors(kind: String) -> [any EngineDescriptor] { all.filter { $0.kind == kind } }
}

/// The engine section of a spec: its kind and a rows × cols × depth grid of multipliers.
///
/// systolic and matrix2d: R×C PEs (depth 1); cube: rows = m, cols = n, depth = k; tree: one row
/// of `lanes` columns, depth = `width`.
public struct EngineSpec: Equatable, Sendable {
    /// The engine kind: everything kind-specific.
    public let descriptor: any EngineDescriptor
    /// PE rows (R), or the cube's m; 1 for a tree.
    public var rows: Int
    /// PE columns (C), the cube's n or the tree's lanes.
    public var cols: Int
    /// Dot-product depth: the cube's k or the tree's width; 1 for a systolic array.
    public var depth: Int
    /// Register levels in a cube's or tree's reduction trees (0 for a systolic array).
    public var stages: Int
    /// N:M structured sparsity of B (tree and WS only), or nil for dense weights.
    public var sparsity: Sparsity?
    /// A derived array's loop nest and space-time matrix (`dataflow:` specs), else nil.
    public var spaceTime: SpaceTimeDataflow?

    /// Allowed array dimension.
    public static let dimRange = 1...256
    /// Allowed cube dimension (m, n, k).
    public static let cubeRange = 1...64
    /// Allowed register levels in a reduction tree.
    public static let stageRange = 0...8
    /// Most multipliers an engine may have (a 256×256 array).
    public static let maxMACs = 65536

    public init(_ descriptor: any EngineDescriptor, rows: Int, cols: Int, depth: Int = 1, stages: Int = 0,
                sparsity: Sparsity? = nil) {
        self.descriptor = descriptor
        self.rows = rows
        self.cols = cols
        self.depth = depth
        self.stages = stages
        self.sparsity = sparsity
    }

    /// `engine.kind`.
    public var kind: String { descriptor.kind }
    /// `engine.dataflow`, for kinds that have one.
    public var dataflow: String? { descriptor.dataflow }
    /// The banks of a `gemm:` wrapper's buffers.
    public var gemmBanks: GemmBanks { descriptor.gemmBanks(self) }

    public static func == (l: EngineSpec, r: EngineSpec) -> Bool {
        l.descriptor.id == r.descriptor.id && l.rows == r.rows && l.cols == r.cols && l.depth == r.depth
            && l.stages == r.stages && l.sparsity == r.sparsity && l.spaceTime == r.spaceTime
    }
}

/// The dataflows of the built-in systolic arrays.
public enum Dataflow: String, Sendable, CaseIterable {
    /// Output-stationary: every PE accumulates one output element.
    case os
    /// Weight-stationary: PEs hold B, A streams through, partial sums flow down the columns.
    case ws
    /// Input-stationary: PEs hold A, B streams through, partial sums flow down the columns.
    case `is`

    var descriptor: any EngineDescriptor {
        switch self {
        case .os: return SystolicOSKind()
        case .ws: return WeightStationaryKind()
        case .is: return InputStationaryKind()
        }
    }
}

extension EngineSpec {
    /// An R×C systolic array.
    public static func systolic(_ dataflow: Dataflow = .os, rows: Int, cols: Int, sparsity: Sparsity? = nil) -> EngineSpec {
        EngineSpec(dataflow.descriptor, rows: rows, cols: cols, sparsity: sparsity)
    }
    /// An m×n×k 3D-Cube.
    public static func cube(m: Int, n: Int, k: Int, stages: Int) -> EngineSpec {
        EngineSpec(CubeKind(), rows: m, cols: n, depth: k, stages: stages)
    }
    /// A multiplier-adder tree of `lanes` dot products of `width` elements.
    public static func tree(lanes: Int, width: Int, stages: Int, sparsity: Sparsity? = nil) -> EngineSpec {
        EngineSpec(TreeKind(), rows: 1, cols: lanes, depth: width, stages: stages, sparsity: sparsity)
    }
    /// An R×C 2D-Matrix.
    public static func matrix2d(rows: Int, cols: Int) -> EngineSpec {
        EngineSpec(Matrix2DKind(), rows: rows, cols: cols)
    }
}
