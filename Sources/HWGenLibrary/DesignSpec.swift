import HWGenTypes
import HWGenCore
import HWGenGolden

/// Kind of compute engine a design instantiates.
public enum EngineKind: String, Sendable, CaseIterable {
    /// R×C systolic array (`rows`, `cols`, `dataflow`).
    case systolic
    /// 3D-Cube: m×n dot products of depth k per cycle (`m`, `n`, `k`, `stages`).
    case cube
    /// Multiplier-adder tree: `lanes` dot products of `width` elements per cycle (`stages`).
    case tree
    /// 2D-Matrix: R×C PEs accumulating outer products of broadcast operands (`rows`, `cols`).
    case matrix2d

    /// The fields `engine:` takes for this kind.
    public var fields: [String] {
        switch self {
        case .systolic: return ["kind", "dataflow", "rows", "cols", "sparsity"]
        case .cube: return ["kind", "m", "n", "k", "stages"]
        case .tree: return ["kind", "lanes", "width", "stages", "sparsity"]
        case .matrix2d: return ["kind", "rows", "cols"]
        }
    }
}

/// Dataflow of a systolic engine (`os` for the other kinds, which have none to choose).
public enum Dataflow: String, Sendable, CaseIterable {
    /// Output-stationary: every PE accumulates one output element.
    case os
    /// Weight-stationary: PEs hold B, A streams through, partial sums flow down the columns.
    case ws
    /// Input-stationary: PEs hold A, B streams through, partial sums flow down the columns.
    case `is`
}

/// The engine section of a spec, as a rows × cols × depth grid of multipliers.
///
/// systolic and matrix2d: R×C PEs (depth 1); cube: rows = m, cols = n, depth = k; tree: one row of `lanes`
/// columns, depth = `width`.
public struct EngineSpec: Equatable, Sendable {
    public var kind: EngineKind
    public var dataflow: Dataflow
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

    /// Allowed array dimension.
    public static let dimRange = 1...256
    /// Allowed cube dimension (m, n, k).
    public static let cubeRange = 1...64
    /// Allowed register levels in a reduction tree.
    public static let stageRange = 0...8
    /// Most multipliers an engine may have (a 256×256 array).
    public static let maxMACs = 65536

    public init(kind: EngineKind, dataflow: Dataflow = .os, rows: Int, cols: Int, depth: Int = 1, stages: Int = 0,
                sparsity: Sparsity? = nil) {
        self.sparsity = sparsity
        self.kind = kind
        self.dataflow = dataflow
        self.rows = rows
        self.cols = cols
        self.depth = depth
        self.stages = stages
    }

    /// A `gemm:` buffer's banks, one per lane of a beat (A, B) or output lane (C), each with the
    /// dimensions it counts.
    public var gemmBanks: (a: (Int, String), b: (Int, String), c: (Int, String)) {
        switch kind {
        case .systolic where dataflow == .ws:
            // N:M weights: a vector carries rows / N · M elements of K; B banks hold the stored
            // weights with their indices.
            let lanes = sparsity.map { rows / $0.n * $0.m } ?? rows
            return ((lanes, sparsity.map { "rows/\($0.n)·\($0.m)" } ?? "rows"), (cols, "columns"), (cols, "columns"))
        case .systolic where dataflow == .is: return ((cols, "columns"), (rows, "rows"), (cols, "columns"))
        case .systolic, .matrix2d: return ((rows, "rows"), (cols, "columns"), (rows, "rows"))
        case .cube: return ((rows * depth, "m·k"), (depth * cols, "k·n"), (rows * cols, "m·n"))
        case .tree:
            // N:M weights: a beat covers width / N · M elements of K (A lanes); B banks hold the
            // stored weights with their indices.
            let dense = sparsity.map { depth / $0.n * $0.m } ?? depth
            return ((dense, sparsity.map { "width/\($0.n)·\($0.m)" } ?? "width"), (depth * cols, "width·lanes"), (cols, "lanes"))
        }
    }
}

/// The `gemm:` section: buffers and a tiling controller around the engine.
public struct GemmSpec: Equatable, Sendable {
    /// Words of A, B and C each buffer holds (per set).
    public var aWords: Int
    public var bWords: Int
    public var cWords: Int
    /// Two sets of every buffer: the next GEMM's operands load while this one runs.
    public var doubleBuffer: Bool
    /// The host side: the engine's own ports, or AXI4-Lite control with AXI4-Stream data (``AxiGemm``).
    public var interface: GemmInterface = .native

    /// Allowed buffer size in words.
    public static let wordRange = 2...(1 << 24)

    public init(aWords: Int, bWords: Int, cWords: Int, doubleBuffer: Bool) {
        self.aWords = aWords
        self.bWords = bWords
        self.cWords = cWords
        self.doubleBuffer = doubleBuffer
    }
}

/// How a host reaches a GEMM engine (`gemm.interface`).
public enum GemmInterface: String, Sendable, CaseIterable {
    /// The engine's ports: buffer write ports, `start`, `done`, `c_raddr`/`c_rdata`.
    case native
    /// AXI4-Lite registers, AXI4-Stream A and B in, C out.
    case axi
}

/// A design spec as read from `designs/*.yaml` (or JSON).
public struct DesignSpec: Equatable, Sendable {
    /// Design (top module) name, a Verilog identifier.
    public var name: String
    public var engine: EngineSpec
    /// Operand and accumulator types (`mac.a`, `mac.b`, `mac.acc`).
    public var mac: MACTypes
    /// MAC kind (`mac.kind`, default `baseline`).
    public var macKind: MACKind
    /// Register stages inside the MAC (`mac.pipeline`, default 0).
    public var pipeline: Int
    /// Path the spec was loaded from, as the user gave it (error messages name it).
    public var source: String
    /// The spec's file name alone: what generated files name, so that their bytes do not depend
    /// on the directory or the path the spec was given by.
    public var fileName: String { String(source.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(source)) }
    /// Buffers and tiling controller around the engine, or nil for the bare engine.
    public var gemm: GemmSpec?
    /// MixPE group size G (`mac.group`), or nil.
    public var group: Int?
    /// Requantization of each result as it leaves the engine, or nil (C at accumulator width).
    public var epilogue: Epilogue?

    public init(name: String, engine: EngineSpec, mac: MACTypes, macKind: MACKind = .baseline,
                pipeline: Int = 0, source: String, gemm: GemmSpec? = nil, group: Int? = nil, epilogue: Epilogue? = nil) {
        self.gemm = gemm
        self.group = group
        self.epilogue = epilogue
        self.name = name
        self.engine = engine
        self.mac = mac
        self.macKind = macKind
        self.pipeline = pipeline
        self.source = source
    }

    /// The MAC unit's types, kind and pipeline depth.
    public var macConfig: MACConfig { MACConfig(mac, kind: macKind, pipeline: pipeline, group: group) }

    /// Type of the results the design delivers: the epilogue's output, else the accumulator.
    public var resultType: HWType { epilogue?.out ?? mac.acc }
}
