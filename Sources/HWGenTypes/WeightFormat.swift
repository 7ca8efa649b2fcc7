/// How the weight operand B is coded on its wires (`mac.b`).
///
/// - `integer`: B is a plain two's-complement or unsigned number of ``MACTypes/b``.
/// - `ternary`: B ∈ {−1, 0, +1} in a 2-bit code, which is the value as `s2` (`01` = +1,
///   `11` = −1, `00` = 0; `10` is never produced).
/// - `powerOfTwo(bits: n)` (`p<n>`): B ∈ {0, ±2^e} for e in 0…2^(n−1) − 2, coded in n bits as
///   `{sign, f}` with f (n − 1 bits) = e + 1 for ±2^e and f = 0 for zero: p3 holds 0, ±1, ±2, ±4;
///   p4 0, ±1 … ±64; p5 0, ±1 … ±16384.
public enum WeightFormat: Hashable, Sendable, CustomStringConvertible {
    case integer
    case ternary
    case powerOfTwo(bits: Int)

    /// Allowed n of `p<n>`.
    public static let powerOfTwoBits = 2...5

    /// Parses `ternary` or `p<n>`; nil for anything else (including integer tags).
    public init?(tag: String) {
        if tag == "ternary" { self = .ternary; return }
        guard tag.first == "p", let n = Int(tag.dropFirst()), String(n) == String(tag.dropFirst()),
              Self.powerOfTwoBits.contains(n) else { return nil }
        self = .powerOfTwo(bits: n)
    }

    /// The wire type of a code; nil for `integer` (the spec's own type).
    public var codeType: HWType? {
        switch self {
        case .integer: return nil
        case .ternary: return .s(2)
        case .powerOfTwo(let n): return .u(n)
        }
    }

    /// Largest exponent e of a nonzero weight ±2^e (0 for ternary); nil for `integer`.
    public var maxExponent: Int? {
        switch self {
        case .integer: return nil
        case .ternary: return 0
        case .powerOfTwo(let n): return (1 << (n - 1)) - 2
        }
    }

    /// `ternary`, `p4`; empty for `integer`.
    public var description: String {
        switch self {
        case .integer: return ""
        case .ternary: return "ternary"
        case .powerOfTwo(let n): return "p\(n)"
        }
    }

    /// True if `v` is a weight of this format (not used for `integer`).
    public func contains(_ v: Int64) -> Bool {
        guard let e = maxExponent else { return false }
        if v == 0 { return true }
        let m = v.magnitude
        return m & (m - 1) == 0 && m.trailingZeroBitCount <= e
    }

    /// The weight a code stands for (the inverse of ``encode(_:)``; the unused codes `10` of
    /// ternary and `{1, 0…0}` of `p<n>` read as 0).
    public func decode(_ code: Int64) -> Int64 {
        switch self {
        case .integer: return code
        case .ternary: return code == -2 || code == 2 ? 0 : code
        case .powerOfTwo(let n):
            let f = code & ((1 << (n - 1)) - 1)
            guard f != 0 else { return 0 }
            return ((code >> (n - 1)) & 1 == 1 ? -1 : 1) << (f - 1)
        }
    }

    /// The values allowed, for messages: `-1, 0, 1`; `0, ±1, ±2, …, ±64`.
    public var allowedValues: String {
        switch self {
        case .integer: return ""
        case .ternary: return "-1, 0, 1"
        case .powerOfTwo: return "0, ±1, ±2, …, ±\(1 << maxExponent!)"
        }
    }

    /// The code of weight `v` (which must satisfy ``contains(_:)``), as the value of ``codeType``.
    public func encode(_ v: Int64) -> Int64 {
        switch self {
        case .integer, .ternary: return v
        case .powerOfTwo(let n):
            guard v != 0 else { return 0 }
            return (v < 0 ? Int64(1) << (n - 1) : 0) | Int64(v.magnitude.trailingZeroBitCount + 1)
        }
    }
}
