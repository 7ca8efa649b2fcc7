/// Operand and accumulator types of a multiply-accumulate unit, e.g. s8 × s8 → s32.
public struct MACTypes: Hashable, Sendable, CustomStringConvertible {
    /// Left operand (A, activations).
    public let a: HWType
    /// Right operand (B, weights).
    public let b: HWType
    /// Accumulator.
    public let acc: HWType

    /// Allowed operand widths.
    public static let operandBits = 2...16
    /// Allowed accumulator widths.
    public static let accBits = 2...48

    public init(a: HWType, b: HWType, acc: HWType) {
        self.a = a
        self.b = b
        self.acc = acc
    }

    /// Type of the exact product a·b: widths add; signed if either operand is signed.
    /// (An unsigned n-bit times a signed m-bit value always fits in a signed n+m-bit value.)
    public var product: HWType { HWType(bits: a.bits + b.bits, signed: a.signed || b.signed) }

    /// Name fragment, e.g. `s8_s8_s32`.
    public var tag: String { "\(a.tag)_\(b.tag)_\(acc.tag)" }
    public var description: String { "\(a.tag) × \(b.tag) → \(acc.tag)" }
}

/// How a MAC unit computes `acc + a·b` (`mac.kind` in a spec).
public enum MACKind: String, Hashable, Sendable, CaseIterable {
    /// Behavioural `acc + a*b`: one multiplier and one adder (fused by synthesis).
    case baseline
    /// Radix-4 Booth partial products compressed together with a carry-save (sum + carry)
    /// accumulator; one carry-propagate adder converts the sum when it leaves the unit.
    case booth
    /// One radix-4 Booth digit of `b` per cycle: ``MACConfig/elementCycles`` cycles per element,
    /// each adding 0, ±a or ±2a (pre-shifted) to a binary accumulator. No multiplier.
    case bitserial
}

/// A MAC unit's arithmetic and micro-architecture: operand types, kind and pipeline depth.
public struct MACConfig: Hashable, Sendable, CustomStringConvertible {
    public let types: MACTypes
    public let kind: MACKind
    /// Register stages inside the unit (`mac.pipeline`): 0, 1 or 2.
    public let pipeline: Int

    /// Allowed pipeline depths.
    public static let pipelineRange = 0...2

    public init(_ types: MACTypes, kind: MACKind = .baseline, pipeline: Int = 0) {
        self.types = types
        self.kind = kind
        self.pipeline = pipeline
    }

    /// Cycles a unit spends on one element: the number of radix-4 Booth digits of `b`
    /// (⌈n / 2⌉ for b's width n as a signed number) for `bitserial`, else 1.
    public var elementCycles: Int {
        switch kind {
        case .baseline, .booth: return 1
        case .bitserial: return Self.boothDigits(types.b)
        }
    }

    /// Radix-4 Booth digits of a value of type `t`: ⌈n / 2⌉ for its width n as a signed number.
    public static func boothDigits(_ t: HWType) -> Int {
        let n = t.signed ? t.bits : t.bits + 1
        return (n + 1) / 2
    }

    /// Name fragment, e.g. `booth_p1_s8_s8_s32`.
    public var tag: String { "\(kind.rawValue)_p\(pipeline)_\(types.tag)" }
    public var description: String { "\(types), \(kind.rawValue), pipeline \(pipeline)" }
}
