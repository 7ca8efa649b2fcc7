/// A fixed-width two's-complement (signed) or plain binary (unsigned) hardware integer type.
///
/// Number types (`s8`, `u16`, …) are 1–64 bits; packed buses (a row of operand lanes) and
/// intermediate results may be wider, up to ``HWType/maxBits``.
public struct HWType: Hashable, Sendable, CustomStringConvertible {
    /// Number of bits.
    public let bits: Int
    /// Two's complement when true.
    public let signed: Bool

    /// Widest number type a tag can name (`s64`).
    public static let maxTagBits = 64
    /// Widest signal or expression (packed buses included).
    public static let maxBits = 65536

    /// Creates a type; `bits` must be in 1...maxBits.
    public init(bits: Int, signed: Bool) {
        precondition(bits >= 1 && bits <= HWType.maxBits, "HWType width \(bits) out of range")
        self.bits = bits
        self.signed = signed
    }

    /// Signed `n`-bit type.
    public static func s(_ n: Int) -> HWType { HWType(bits: n, signed: true) }
    /// Unsigned `n`-bit type.
    public static func u(_ n: Int) -> HWType { HWType(bits: n, signed: false) }
    /// A single unsigned bit.
    public static let bit = HWType.u(1)

    /// Short tag: `s8`, `u16`.
    public var tag: String { (signed ? "s" : "u") + String(bits) }
    public var description: String { tag }

    /// Parses a tag such as `s8` or `u4`; returns nil for anything else.
    public init?(tag: String) {
        guard let first = tag.first, first == "s" || first == "u",
              let n = Int(tag.dropFirst()), n >= 1, n <= HWType.maxTagBits,
              String(n) == String(tag.dropFirst()) else { return nil }
        self.init(bits: n, signed: first == "s")
    }

    /// Smallest representable value (fits Int64 for bits ≤ 64 signed, ≤ 63 unsigned).
    public var minValue: Int64 { signed ? (bits >= 64 ? Int64.min : -(Int64(1) << (bits - 1))) : 0 }
    /// Largest representable value; nil when it does not fit in Int64 (u64 and wider). Types
    /// wider than 64 bits hold every Int64: a signed one's range is clamped to Int64's here.
    public var maxValue: Int64? {
        if signed { return bits >= 64 ? Int64.max : (Int64(1) << (bits - 1)) - 1 }
        if bits == 63 { return Int64.max }
        return bits >= 64 ? nil : (Int64(1) << bits) - 1
    }
    /// True if `v` is representable in this type.
    public func contains(_ v: Int64) -> Bool {
        if v < minValue { return false }
        if let mx = maxValue { return v <= mx }
        return true
    }
}

/// Bits needed to hold the unsigned value v.
public func bitsFor(_ v: Int) -> Int {
    var n = 0
    while (1 << n) <= v { n += 1 }
    return n
}
