/// Kind of compute engine a design instantiates.
public enum EngineKind: String, Sendable, CaseIterable {
    case systolic
}

/// Dataflow of a systolic engine.
public enum Dataflow: String, Sendable, CaseIterable {
    /// Output-stationary: every PE accumulates one output element.
    case os
}

/// The engine section of a spec.
public struct EngineSpec: Equatable, Sendable {
    public var kind: EngineKind
    public var dataflow: Dataflow
    /// PE rows (R), 1...256.
    public var rows: Int
    /// PE columns (C), 1...256.
    public var cols: Int

    /// Allowed array dimension.
    public static let dimRange = 1...256

    public init(kind: EngineKind, dataflow: Dataflow, rows: Int, cols: Int) {
        self.kind = kind
        self.dataflow = dataflow
        self.rows = rows
        self.cols = cols
    }
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
    /// Path the spec was loaded from, as the user gave it (appears in generated headers).
    public var source: String

    public init(name: String, engine: EngineSpec, mac: MACTypes, macKind: MACKind = .baseline,
                pipeline: Int = 0, source: String) {
        self.name = name
        self.engine = engine
        self.mac = mac
        self.macKind = macKind
        self.pipeline = pipeline
        self.source = source
    }

    /// The MAC unit's types, kind and pipeline depth.
    public var macConfig: MACConfig { MACConfig(mac, kind: macKind, pipeline: pipeline) }
}
