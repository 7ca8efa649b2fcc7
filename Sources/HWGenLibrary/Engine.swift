import HWGenTypes
import HWGenCore
import HWGenGolden

/// One input port of an engine's operand stream: `lanes` fields of `type`, lane 0 in the low bits.
public struct StreamPort: Equatable, Sendable {
    public let name: String
    public let lanes: Int
    public let type: HWType

    public init(_ name: String, lanes: Int = 1, _ type: HWType) {
        self.name = name
        self.lanes = lanes
        self.type = type
    }

    /// Bits of the port: lanes × type width.
    public var bits: Int { lanes * type.bits }

    /// Where each port sits in a beat word: packed from bit 0 up, in port order.
    public static func layout(_ ports: [StreamPort]) -> [(port: StreamPort, offset: Int)] {
        var offset = 0
        return ports.map { p in defer { offset += p.bits }; return (p, offset) }
    }
}

/// Names of the stream contract's ports, used by every engine, the GEMM engine's controllers and
/// the testbenches, so that a port is spelled once.
public enum StreamSignal {
    /// Handshake in: a beat is offered (`in_valid`) and taken in a cycle with `in_ready` high.
    public static let inValid = "in_valid", inReady = "in_ready"
    /// The last beat of a tile (output-stationary arrays).
    public static let inLast = "in_last"
    /// Results: `out_valid[L-1:0]` and `out_data[L*acc-1:0]`, lane 0 lowest.
    public static let outValid = "out_valid", outData = "out_data"
    /// A tile's first and last beat (dot-product engines).
    public static let first = "first", last = "last"
    /// Operand ports: an A column and a B row (output-stationary), A and B blocks (dot-product
    /// engines), a stationary or streamed row and its N:M indices (WS, IS).
    public static let aColumn = "a_col", bRow = "b_row", aBlock = "a_blk", bBlock = "b_blk"
    public static let weightRow = "w_row", weightIndex = "w_idx"
    /// N:M sparse B: each stored value's index in its group (dot-product engines).
    public static let bIndex = "b_idx"
    /// Stationary arrays (WS, IS): the streamed column and its flags, the accumulate window,
    /// and the stationary-row load strobe.
    public static let streamedColumn = "x_col", streamedValid = "x_valid", streamedFirst = "x_first"
    public static let accumulateFirst = "acc_first", accumulateLast = "acc_last", weightLoad = "w_load"
    /// MixPE groups: a group's first and last beat, and the shared exponents (per block, per
    /// stationary vector, per B row).
    public static let groupStart = "g_start", groupEnd = "g_end"
    public static let exponentBlock = "e_blk", exponentVector = "e_vec", exponentRow = "e_row"
    /// MX blocks: A's block scales, one per A lane (output-stationary arrays, cube, tree), or
    /// per streamed vector (WS) or stationary column (IS) of the stationary arrays.
    public static let exponentColumn = "ea_col", exponentVectorA = "ea_vec"
    /// A derived (space-time) array's edge port of input tensor `name`: one lane per edge PE.
    public static func tensorEdge(_ name: String) -> String { "in_\(name)" }
}

/// What a testbench feeds an engine for one GEMM and where each result must come out.
///
/// Every engine shares one handshake: the testbench offers ``beats`` one after another on the
/// ``Engine/streamPorts`` with `in_valid`, and a beat is taken in a cycle with `in_ready` high.
/// Results leave on `out_valid[L-1:0]` / `out_data[L*acc-1:0]`; lane l's n-th result is C at
/// the flat index `order[l][n]` (row·N + col), or nil for a padding position, which must be 0.
public struct Stimulus: Sendable {
    /// Per beat, per stream port, per lane: the value (two's complement in the lane's width).
    public var beats: [[[Int64]]]
    /// Per output lane, the C positions of its results in emission order.
    public var order: [[Int?]]

    public init(beats: [[[Int64]]], order: [[Int?]]) {
        self.beats = beats
        self.order = order
    }
}

/// A compute engine: the generator of its RTL and the contract its testbench drives.
///
/// Adding an engine means a type conforming to this protocol (in `Library`), a cycle model in
/// `Golden` that does not use the generator, and a case in ``Designs``; the flow, the CLI and the
/// testbench generator work on any `Engine`.
public protocol Engine: Sendable {
    /// The input ports the testbench drives with each beat, in beat order (first port lowest).
    var streamPorts: [StreamPort] { get }
    /// Output lanes L: the width of `out_valid`.
    var outputLanes: Int { get }
    /// MACs per cycle at full rate (for utilization: M·N·K / (MACs · cycles)); an FFIP PE counts two.
    var macCount: Int { get }
    /// An upper bound on the cycles from the last accepted beat to the last result (the
    /// testbench watches twice as long for stray results).
    var drainBound: Int { get }
    /// A phrase for headers: `4x4 output-stationary systolic array`.
    var summary: String { get }
    /// The top module, named `name`.
    func module(name: String, origin: String?) -> Module
    /// The beats and result order of the GEMM A·B (operands already range-checked; B as its
    /// wires carry it, ``MACTypes/encodeB(_:)``).
    func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus
    /// The same with everything else a run consumes (group exponents); by default A and B only.
    func stimulus(_ ops: GemmOperands) -> Stimulus
    /// How ``GemmEngine`` feeds the engine from its buffers, or nil when it cannot.
    var gemmFeed: GemmFeed? { get }
}

extension Engine {
    /// A beat's value of port `p`: `lanes` values, zero where `value(lane)` is nil.
    static func lanes(_ count: Int, _ value: (Int) -> Int64?) -> [Int64] {
        (0..<count).map { value($0) ?? 0 }
    }
}


/// How ``GemmEngine`` feeds an engine from banked buffers.
public enum GemmFeed: Sendable {
    /// Output tiles of K beats (OS, 2D-Matrix, cube, tree).
    case tiles(TileFeed)
    /// Stationary tiles with streamed vectors (WS, IS).
    case stationary(StationaryFeed)
}

/// A stream of output tiles of K beats: C is cut into tiles of `tileRows` × `tileCols`, and each
/// tile takes ⌈K / depth⌉ beats. Beat c of tile (tr, tc) carries A[tr·tileRows + row][c·depth + k]
/// in A lane (row, k) of ``aLanes`` and B[c·depth + k][tc·tileCols + col] in B lane (k, col) of
/// ``bLanes``, raises ``firstFlag`` in the tile's first beat and ``lastFlag`` in its last; every
/// other stream port is 0. Each output lane then gives ``resultsPerTile`` results per tile.
public struct TileFeed: Sendable {
    public let tileRows: Int
    public let tileCols: Int
    /// Elements of K per beat.
    public let depth: Int
    public let aPort: String
    public let aLanes: [(row: Int, k: Int)]
    public let bPort: String
    public let bLanes: [(k: Int, col: Int)]
    public let firstFlag: String?
    public let lastFlag: String?
    public let resultsPerTile: Int
    /// Where output lane l's n-th result of a tile sits in the tile: (row, col).
    public let resultAt: @Sendable (_ lane: Int, _ n: Int) -> (row: Int, col: Int)
    /// N:M sparse weights: B lanes carry B compressed by ``SparseWeights`` (k of a lane indexes
    /// its stored rows, `storedDepth` per beat) with each value's in-group index, which goes to
    /// `indexPort`.
    public var sparse: (pattern: Sparsity, storedDepth: Int, indexPort: String)? = nil
    /// MixPE groups: the engine's exponent port and, for each of its lanes, the B lane whose
    /// word carries that column's exponent (flags on `g_start`, `g_end`).
    public var group: (exponentPort: String, lanes: [Int])? = nil
}

/// The stream of ``SystolicStationary``: R load beats, then tiles (stationary column tile s,
/// streamed chunk x, K tile k; k fastest) of P vectors, loading the next tile's R stationary rows
/// (row R − 1 first) in the last R beats of each; column j gives P sums per chunk with its last K
/// tile. WS streams A's rows and holds B; IS streams B's columns and holds Aᵀ.
public struct StationaryFeed: Sendable {
    public let rows: Int
    public let cols: Int
    /// P: vectors per tile.
    public let tileBeats: Int
    public let weightsStationary: Bool
    /// N:M sparse weights (WS): a tile covers R / N · M elements of K, a vector carries them
    /// all, and the stationary rows are B compressed by ``SparseWeights`` with in-group indices
    /// (to `w_idx`).
    public var sparsity: Sparsity? = nil

    /// Elements of K per tile, and lanes of a streamed vector.
    public var depth: Int { sparsity.denseSpan(rows) }
}

extension Engine {
    public func stimulus(_ ops: GemmOperands) -> Stimulus { stimulus(a: ops.a, b: ops.b) }

    /// No buffered GEMM wrapper unless the engine says how to feed it.
    public var gemmFeed: GemmFeed? { nil }
}
