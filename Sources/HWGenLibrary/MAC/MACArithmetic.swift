import HWGenTypes
import HWGenCore

/// The hardware of one MAC kind: how it takes its operands and builds a·b, as rows an
/// accumulator or a reduction tree adds. ``MACUnit`` and every engine call only this protocol.
///
/// One file per kind (`Library/MAC/Booth.swift`, …); a package outside HWGen adds a kind with a
/// ``MACKind`` of its own, a conformance, and ``MACRegistry/register(_:)``. Every kind computes
/// the same bit-exact sums (the golden model does not depend on the kind); its timing class is
/// ``MACKind/digitSerial``.
public protocol MACArithmetic: Sendable {
    /// The kind this arithmetic builds.
    var kind: MACKind { get }
    /// The kind multiplies by ternary or power-of-two weight codes (and only by them).
    var acceptsWeightCodes: Bool { get }
    /// Why the kind cannot take these types, as (field path, message), or nil.
    func typeProblem(_ t: MACTypes) -> (field: String, message: String)?
    /// Type of the unit's `a` port (default: the operand type).
    func aLane(_ c: MACConfig) -> HWType
    /// Type of the unit's `b` port (default: the operand or weight-code type).
    func bLane(_ c: MACConfig) -> HWType
    /// Width of the signed value added to a binary accumulator per cycle (default: the product's).
    func addendBits(_ c: MACConfig) -> Int
    /// The unit keeps a carry-save accumulator of ``productRows(_:_:_:_:width:prefix:)`` (no
    /// carry propagation per element); else a binary one of ``addend(_:_:_:_:)``.
    var carrySave: Bool { get }
    /// Engines that sum several products (dot products, WS/IS columns) may compress this kind's
    /// rows of all products together in one carry-save tree.
    var mergesRows: Bool { get }
    /// The value a binary accumulator adds per cycle, from the `a` and `b` ports.
    func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value
    /// The exact one-cycle product a·b (``MACTypes/product``), wires named with `prefix`.
    func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value
    /// Rows, each of `width` bits or fewer, whose sum modulo 2^width is a·b (a·digit when digit-serial).
    func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value]
    /// The rows a dot-product lane adds for one product (wires `<prefix>…`); `registered` when a
    /// register level follows the products.
    func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String, registered: Bool) -> [Value]
    /// Types of the rows the accumulator adds per cycle, for proofs of the accumulation alone;
    /// empty when the unit adds one whole product.
    func rowTypes(_ c: MACConfig) -> [HWType]
    /// The kind works on pairs of elements of K (``pairRows(_:_:_:_:width:prefix:)``), whose
    /// products carry the corrections a₀a₁ + b₀b₁ that the engine subtracts; only engines whose
    /// descriptor ``EngineDescriptor/pairsElements`` accept it. Default false.
    var pairsElements: Bool { get }
    /// The rows a dot-product lane adds for the pair (a₀, a₁)·(b₀, b₁). Their sum is a₀b₀ + a₁b₁,
    /// plus a₀a₁ + b₀b₁ for a kind that ``pairsElements``. Default: the two products' ``dotRows``.
    func pairRows(_ m: ModuleBuilder, _ a: (Value, Value), _ b: (Value, Value), _ c: MACConfig,
                  width: Int, prefix: String) -> [Value]
    /// For a kind that ``pairsElements``: the kind of the MAC an output-stationary PE builds on
    /// the pair sums (a₀ + b₁, a₁ + b₀). Default `baseline`.
    var pairMACKind: MACKind { get }
}

extension MACArithmetic {
    public var acceptsWeightCodes: Bool { false }
    public func typeProblem(_ t: MACTypes) -> (field: String, message: String)? {
        if t.float != nil { return MACArithmeticDefaults.floatProblem(kind, t) }
        return t.weights == .integer ? nil : MACArithmeticDefaults.codedWeightsProblem(kind, t)
    }
    public func aLane(_ c: MACConfig) -> HWType { c.types.a }
    public func bLane(_ c: MACConfig) -> HWType { c.types.b }
    public func addendBits(_ c: MACConfig) -> Int { c.types.product.bits }
    public var carrySave: Bool { false }
    public var mergesRows: Bool { false }
    public func rowTypes(_ c: MACConfig) -> [HWType] { [] }
    public var pairsElements: Bool { false }
    public var pairMACKind: MACKind { .baseline }
    public func pairRows(_ m: ModuleBuilder, _ a: (Value, Value), _ b: (Value, Value), _ c: MACConfig,
                         width: Int, prefix: String) -> [Value] {
        dotRows(m, a.0, b.0, c, width: width, prefix: "\(prefix)_0", registered: false)
            + dotRows(m, a.1, b.1, c, width: width, prefix: "\(prefix)_1", registered: false)
    }
}

/// Messages the built-in kinds share.
public enum MACArithmeticDefaults {
    /// An integer kind given floating-point elements.
    public static func floatProblem(_ kind: MACKind, _ t: MACTypes) -> (field: String, message: String) {
        ("mac.kind", "\(kind.rawValue) multiplies integers, not mac.a \(t.aTag) (allowed with floating-point elements: mac.kind \(MACKind.float.rawValue), or leave mac.kind out)")
    }

    /// A kind built for integer weights given ternary or power-of-two codes.
    public static func codedWeightsProblem(_ kind: MACKind, _ t: MACTypes) -> (field: String, message: String) {
        let coded = MACRegistry.all.filter(\.acceptsWeightCodes).map(\.kind.rawValue).joined(separator: ", ")
        return ("mac.kind", "\(kind.rawValue) cannot take mac.b \(t.bTag) weights (allowed with mac.b \(t.bTag): \(coded); or an integer mac.b)")
    }
}

/// The MAC kinds a spec may name: the built-in ones and any a client registered.
public enum MACRegistry {
    private static let store = Registry<any MACArithmetic>(
        [BaselineArithmetic(), BoothArithmetic(), BitSerialArithmetic(), ShiftAddArithmetic(), FFIPArithmetic(), FFIPArithmetic(booth: true), FloatArithmetic()], key: \.kind.rawValue)

    /// Every registered kind, built-in ones first.
    public static var all: [any MACArithmetic] { store.all }

    /// Adds (or, with the same name, replaces) a MAC kind.
    public static func register(_ a: any MACArithmetic) { store.register(a) }

    /// The registered kind named `name`.
    public static func kind(named name: String) -> MACKind? { all.first { $0.kind.rawValue == name }?.kind }

    /// The arithmetic of `kind` (registered kinds only: specs name no other).
    public static func arithmetic(_ kind: MACKind) -> any MACArithmetic {
        guard let a = all.first(where: { $0.kind.rawValue == kind.rawValue }) else {
            preconditionFailure("MAC kind \(kind) is not registered (MACRegistry.register)")
        }
        return a
    }
}
