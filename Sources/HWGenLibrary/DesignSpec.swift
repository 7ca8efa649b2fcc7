import HWGenTypes
import HWGenCore
import HWGenGolden

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
    public var resultType: HWType { epilogue?.out ?? (mac.float == nil ? mac.acc : .u(32)) }
}
