/// A binary floating-point element format: sign, `exponentBits`, `mantissaBits`, bias 2^(e−1) − 1.
/// The OCP 8-bit formats (E4M3, E5M2), the MX element formats (FP6 E2M3 and E3M2, FP4 E2M1),
/// BF16, FP16 and FP32, and MXINT8's integer element (``int8``). Values are exact dyadic numbers
/// (``Dyadic``); conversion rounds to nearest, ties to even, once.
public struct FloatFormat: Hashable, Sendable, CustomStringConvertible {
    /// What the largest exponent field means.
    public enum Specials: Hashable, Sendable {
        /// IEEE 754: infinities (mantissa 0) and NaNs.
        case ieee
        /// OCP E4M3 (`fn`): no infinities; only S.1111.111 is NaN.
        case nanOnly
        /// OCP FP6/FP4: every code is a finite number.
        case none
    }

    public let name: String
    public let exponentBits: Int
    public let mantissaBits: Int
    public let specials: Specials
    /// The code is a two's complement integer (``int8``), not sign, exponent and mantissa.
    public let integer: Bool

    public static let e4m3 = FloatFormat(name: "e4m3", exponentBits: 4, mantissaBits: 3, specials: .nanOnly)
    public static let e5m2 = FloatFormat(name: "e5m2", exponentBits: 5, mantissaBits: 2, specials: .ieee)
    public static let e2m3 = FloatFormat(name: "e2m3", exponentBits: 2, mantissaBits: 3, specials: .none)
    public static let e3m2 = FloatFormat(name: "e3m2", exponentBits: 3, mantissaBits: 2, specials: .none)
    public static let e2m1 = FloatFormat(name: "e2m1", exponentBits: 2, mantissaBits: 1, specials: .none)
    public static let bf16 = FloatFormat(name: "bf16", exponentBits: 8, mantissaBits: 7, specials: .ieee)
    public static let fp16 = FloatFormat(name: "fp16", exponentBits: 5, mantissaBits: 10, specials: .ieee)
    public static let fp32 = FloatFormat(name: "fp32", exponentBits: 8, mantissaBits: 23, specials: .ieee)
    /// MXINT8's element: an 8-bit two's complement integer times 2^−6 (−2 to 1.984375), every code
    /// finite. As a format: no exponent field, 7 bits below the sign, bias 0, so a code's value is
    /// code · 2^(1 − bias − mantissaBits) like a subnormal's (its significand is |code|, up to 128).
    public static let int8 = FloatFormat(name: "int8", exponentBits: 0, mantissaBits: 7, specials: .none, integer: true)
    /// Every float format by name (``int8`` is reached through `mxint8` only).
    public static let all: [FloatFormat] = [.e4m3, .e5m2, .e2m3, .e3m2, .e2m1, .bf16, .fp16, .fp32]

    public var description: String { name }
    /// Bits of a code.
    public var bits: Int { 1 + exponentBits + mantissaBits }
    public var bias: Int { integer ? 0 : (1 << (exponentBits - 1)) - 1 }
    /// The exponent of the smallest normal number, 1 − bias.
    public var minExponent: Int { 1 - bias }
    var maxField: Int { (1 << exponentBits) - 1 }
    var mantissaMask: UInt64 { (1 << UInt64(mantissaBits)) - 1 }

    /// The largest finite magnitude as (significand with the hidden bit, exponent of the field).
    var maxFinite: (significand: UInt64, field: Int) {
        switch specials {
        case .ieee: return ((1 << UInt64(mantissaBits + 1)) - 1, maxField - 1)
        case .nanOnly: return ((1 << UInt64(mantissaBits + 1)) - 2, maxField)
        case .none: return ((1 << UInt64(mantissaBits + 1)) - 1, maxField)
        }
    }

    /// The largest finite value.
    public var maxValue: Dyadic {
        if integer { return Dyadic(significand: (1 << Int128(bits - 1)) - 1, exponent: minExponent - mantissaBits) }
        let m = maxFinite
        return Dyadic(significand: Int128(m.significand), exponent: m.field - bias - mantissaBits)
    }

    /// A NaN code (S.1111.111 for E4M3, the quiet NaN otherwise); nil for formats without NaN.
    public var nanCode: UInt64? {
        switch specials {
        case .ieee: return UInt64(maxField) << UInt64(mantissaBits) | 1 << UInt64(mantissaBits - 1)
        case .nanOnly: return UInt64(maxField) << UInt64(mantissaBits) | mantissaMask
        case .none: return nil
        }
    }

    /// The value of a code (its low `bits` bits).
    public func decode(_ code: UInt64) -> FloatValue {
        if integer {
            let v = Int128(code & ((1 << UInt64(bits)) - 1)) - (code >> UInt64(bits - 1) & 1 == 1 ? Int128(1) << Int128(bits) : 0)
            return .finite(negative: v < 0, Dyadic(significand: v, exponent: minExponent - mantissaBits))
        }
        let negative = code >> UInt64(bits - 1) & 1 == 1
        let field = Int(code >> UInt64(mantissaBits)) & maxField, m = code & mantissaMask
        switch specials {
        case .ieee where field == maxField: return m == 0 ? .infinity(negative: negative) : .nan
        case .nanOnly where field == maxField && m == mantissaMask: return .nan
        default: break
        }
        let significand = field == 0 ? m : m | 1 << UInt64(mantissaBits)
        let exponent = max(field, 1) - bias - mantissaBits
        return .finite(negative: negative, Dyadic(significand: negative ? -Int128(significand) : Int128(significand), exponent: exponent))
    }

    /// What a value beyond the largest finite one becomes.
    public enum Overflow: Sendable {
        /// The largest finite value of that sign (OCP's saturating conversion).
        case saturate
        /// Infinity (IEEE formats), NaN (E4M3), the largest finite value (FP6/FP4, which have neither).
        case special
    }

    /// The code of `v` rounded to nearest, ties to even (a zero keeps its sign).
    public func encode(_ v: FloatValue, overflow: Overflow = .saturate) -> UInt64 {
        if integer { return encodeInteger(v) }
        let signBit = UInt64(1) << UInt64(bits - 1)
        let maxCode = { (negative: Bool) -> UInt64 in
            let m = self.maxFinite
            return (negative ? signBit : 0) | UInt64(m.field) << UInt64(self.mantissaBits) | (m.significand & self.mantissaMask)
        }
        let special = { (negative: Bool) -> UInt64 in
            switch self.specials {
            case .ieee: return (negative ? signBit : 0) | UInt64(self.maxField) << UInt64(self.mantissaBits)
            case .nanOnly: return (negative ? signBit : 0) | self.nanCode!
            case .none: return maxCode(negative)
            }
        }
        switch v {
        case .nan: return nanCode ?? maxCode(false)
        case .infinity(let negative): return overflow == .saturate ? maxCode(negative) : special(negative)
        case .finite(let negative, let d):
            let sign = negative ? signBit : 0
            let mag = d.significand.magnitude
            if mag == 0 { return sign }
            // Quantum: 2^(E − m) for the value's exponent E, never below the subnormal one.
            let e = d.exponent + (UInt128.bitWidth - mag.leadingZeroBitCount) - 1
            let quantum = max(e, minExponent) - mantissaBits
            var n: UInt128
            let shift = quantum - d.exponent
            if shift <= 0 {
                n = mag << UInt128(-shift)
            } else {
                n = Self.shiftedNearestEven(mag, shift)
            }
            // n · 2^quantum, n < 2^(m+2): normalize to a field and a mantissa.
            var q = quantum
            if n >> UInt128(mantissaBits + 1) != 0 { n >>= 1; q += 1 }   // exact: n was 2^(m+1)
            if n == 0 { return sign }
            let field = n >> UInt128(mantissaBits) == 0 ? 0 : q + mantissaBits + bias
            let m = maxFinite
            if field > m.field || (field == m.field && UInt64(n) > m.significand) {
                return overflow == .saturate ? maxCode(negative) : special(negative)
            }
            return sign | UInt64(field) << UInt64(mantissaBits) | (UInt64(n) & mantissaMask)
        }
    }

    /// `mag` / 2^`shift` (shift > 0) rounded to nearest, ties to even; 0 from a shift of 128 on.
    static func shiftedNearestEven(_ mag: UInt128, _ shift: Int) -> UInt128 {
        guard shift < 128 else { return 0 }
        let n = mag >> UInt128(shift)
        let rem = mag & ((1 << UInt128(shift)) - 1), half = UInt128(1) << UInt128(shift - 1)
        return rem > half || (rem == half && n & 1 == 1) ? n + 1 : n
    }

    /// An integer code (``int8``): the value in units of 2^(1 − bias − mantissaBits), rounded to
    /// nearest even and saturated to the code range; NaN is 0 (MX carries NaN in its scale).
    func encodeInteger(_ v: FloatValue) -> UInt64 {
        let lo = -(Int128(1) << Int128(bits - 1)), hi = (Int128(1) << Int128(bits - 1)) - 1
        let n: Int128
        switch v {
        case .nan: n = 0
        case .infinity(let negative): n = negative ? lo : hi
        case .finite(_, let d):
            let shift = minExponent - mantissaBits - d.exponent
            let mag = d.significand.magnitude
            let q: UInt128
            if shift <= 0 {
                q = -shift >= 16 || mag > UInt128(hi) ? UInt128(hi) + 1 : mag << UInt128(-shift)
            } else {
                q = Self.shiftedNearestEven(mag, shift)
            }
            n = d.significand < 0 ? -Int128(min(q, UInt128(hi) + 1)) : Int128(min(q, UInt128(hi)))
        }
        return UInt64(truncatingIfNeeded: n) & ((1 << UInt64(bits)) - 1)
    }

    /// Parses a format name.
    public init?(name: String) {
        guard let f = Self.all.first(where: { $0.name == name }) else { return nil }
        self = f
    }

    init(name: String, exponentBits: Int, mantissaBits: Int, specials: Specials, integer: Bool = false) {
        self.name = name
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.specials = specials
        self.integer = integer
    }
}

/// An exact binary fraction: `significand` · 2^`exponent`.
public struct Dyadic: Hashable, Sendable {
    public var significand: Int128
    public var exponent: Int

    public init(significand: Int128, exponent: Int) {
        self.significand = significand
        self.exponent = exponent
    }

    /// The exact value of a finite Double.
    public init(_ x: Double) {
        precondition(x.isFinite, "Dyadic(\(x)): not finite")
        if x == 0 { self.init(significand: 0, exponent: 0); return }
        let bits = x.significandBitPattern, e = Int(x.exponentBitPattern)
        let s = e == 0 ? Int128(bits) : Int128(bits | 1 << 52)
        self.init(significand: x < 0 ? -s : s, exponent: max(e, 1) - 1023 - 52)
    }

    /// The same value with the significand's trailing zero bits moved into the exponent.
    public var trimmed: Dyadic {
        let z = significand == 0 ? 0 : significand.magnitude.trailingZeroBitCount
        return z == 0 ? self : Dyadic(significand: significand >> Int128(z), exponent: exponent + z)
    }

    /// The product, exact (significands trimmed first; their product must fit 127 bits).
    public static func * (a: Dyadic, b: Dyadic) -> Dyadic {
        let (x, y) = (a.trimmed, b.trimmed)
        return Dyadic(significand: x.significand * y.significand, exponent: x.exponent + y.exponent)
    }

    /// The value as a Double (exact when it fits).
    public var double: Double { Double(significand) * Double(sign: .plus, exponent: exponent, significand: 1) }
}

/// A decoded element: a finite dyadic value (with the sign of zero), an infinity or NaN.
public enum FloatValue: Hashable, Sendable {
    case finite(negative: Bool, Dyadic)
    case infinity(negative: Bool)
    case nan

    /// A finite value from a dyadic (the sign of zero is +).
    public init(_ d: Dyadic) { self = .finite(negative: d.significand < 0, d) }

    /// The value of a Double, exactly.
    public init(_ x: Double) {
        if x.isNaN { self = .nan } else if x.isInfinite { self = .infinity(negative: x < 0) } else {
            self = .finite(negative: x.sign == .minus, Dyadic(x))
        }
    }

    /// As a Double (NaN, ±∞, or the value, exact where a Double holds it).
    public var double: Double {
        switch self {
        case .nan: return .nan
        case .infinity(let n): return n ? -.infinity : .infinity
        case .finite(let n, let d): return d.significand == 0 ? (n ? -0.0 : 0.0) : d.double
        }
    }
}
