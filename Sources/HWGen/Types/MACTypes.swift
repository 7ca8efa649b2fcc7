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
