import HWGenTypes
import HWGenCore

/// The conversion of a float MAC's fixed-point sum (``FloatMAC/accumulator``) to FP32, rounded
/// to nearest even: the only rounding of `exact` accumulation. Three register stages: the
/// magnitude and its leading zeros; the normalization; the rounding and the code.
///
/// Ports: `acc` in, `y` (the FP32 code) out ``latency`` cycles later. A sum whose NaN count
/// (the bits from P up) is not 0 gives the quiet NaN 0x7FC00000; a zero sum gives +0.
public struct FloatResultUnit: ResultUnit {
    public let float: FloatMAC

    public init(_ float: FloatMAC) { self.float = float }

    /// Cycles from `acc` to `y`.
    public static let latency = 3
    public var input: HWType { float.accumulator }
    public var out: HWType { .u(32) }
    public var cycles: Int { Self.latency }
    public var phrase: String { "FP32 conversion" }
    public var verb: String { "rounded to" }
    public var instancePrefix: String { "to_fp32_" }

    /// The code a NaN result takes.
    public static let nanCode: Int64 = 0x7FC0_0000

    /// (all bits zero, leading zeros) of `x`, whose width is a power of two (at least 2): a tree
    /// that halves, the count log2(width) bits (any value when all bits are zero).
    static func leadingZeros(_ x: Value) -> (zero: Value, count: Value) {
        let w = x.type.bits
        if w == 2 { return (~(x[1] | x[0]), ~x[1]) }
        let hi = leadingZeros(x.bits(w - 1, w / 2)), lo = leadingZeros(x.bits(w / 2 - 1, 0))
        // The upper half's count when it has a one, else half the width plus the lower half's.
        let count = hi.zero.select(concat([Value.constant(1, .u(1)), lo.count]), concat([Value.constant(0, .u(1)), hi.count]))
        return (hi.zero & lo.zero, count)
    }

    /// Every bit of `v` ORed with all bits above it: ones from the leading one down (log₂ width
    /// wires, the k-th named `name(k)`).
    static func smearedDown(_ m: ModuleBuilder, _ v: Value, name: (Int) -> String) -> Value {
        let w = v.type.bits
        var o = v, k = 1
        while k < w { o = m.wire(name(k), o | concat([Value.constant(0, .u(k)), o.bits(w - 1, k)])); k *= 2 }
        return o
    }

    /// An accumulator value (``FloatMAC/accumulator``) whose fixed-point sum is rounded to the
    /// nearest value with 24 significant bits, ties to even: FP32's rounding, since no sum of
    /// these products leaves FP32's normal range. The NaN count passes unchanged (rounding keeps
    /// the sum's sign, so the bits above P still decode to the same count). Wires `<prefix>…`.
    ///
    /// No shifter and no negation: rounding at bit q is the same on two's complement as on the
    /// magnitude (floor(x / 2^q) plus one when the bits below q are more than half, or exactly half
    /// and the kept LSB is odd). q is 24 below the leading bit that differs from the sign: a prefix
    /// OR of x XOR its sign (for a negative power of two that is one bit lower than the
    /// magnitude's, where every dropped bit is 0 either way). Bit i of `drop` is set when such a
    /// bit is at i + 24 or above; its top bit is the half bit, the rest the sticky bits.
    public static func roundedToFP32(_ m: ModuleBuilder, _ x: Value, _ f: FloatMAC, prefix pre: String = "fp32_") -> Value {
        let p = f.nanBit, n = p - 1
        guard n > 24 else { return x }   // every sum already fits 24 bits
        let fixed = x.bits(p - 1, 0)
        let sign = m.wire("\(pre)sign", fixed[p - 1])
        let value = fixed.bits(n - 1, 0)                                             // below the sign
        let h = n - 24
        let differs = m.wire("\(pre)differs", value.bits(n - 1, 24) ^ replicate(sign, h))  // bits from 24 up
        let ones = smearedDown(m, differs) { "\(pre)ones\($0)" }
        let drop = m.wire("\(pre)drop", concat([Value.constant(0, .u(24)), ones]))
        let sticky = m.wire("\(pre)sticky_mask", concat([Value.constant(0, .bit), drop.bits(n - 1, 1)]))
        let halfMask = m.wire("\(pre)half_mask", drop & ~sticky)
        let lsbMask = m.wire("\(pre)lsb_mask", concat([halfMask.bits(n - 2, 0), Value.constant(0, .bit)]))
        let up = m.wire("\(pre)up", ((value & halfMask) != 0) & (((value & sticky) != 0) | ((value & lsbMask) != 0)))
        let kept = m.wire("\(pre)kept", fixed & concat([Value.constant(1, .bit), ~drop]))
        let rounded = m.wire("\(pre)rounded", (kept + up.select(lsbMask, Value.constant(0, .u(n)))).wrapped(to: .u(p)))
        // Formats without NaN have no count above the sum.
        guard x.type.bits > p else { return rounded.asSigned }
        return concat([x.bits(x.type.bits - 1, p), rounded]).wrapped(to: x.type)
    }

    /// The module `fp32_from_<formats>`.
    public var module: Module {
        let f = float, acc = f.accumulator, p = f.nanBit
        let doc = "y <= fp32(acc · 2^\(f.productLSB)), rounded to nearest even" + (f.hasSpecials ? "; NaN when acc[\(acc.bits - 1):\(p)] counts a NaN product" : "")
            + "; latency \(Self.latency)."
        return Module("fp32_from_\(f.a.name)_\(f.b.name)_s\(acc.bits)", doc: doc) { m in
            m.output("y", m.delay(Self.code(m, m.input("acc", acc), f, registered: true), "y_q", reset: nil))
        }
    }

    /// The FP32 code of the fixed-point `x` (``FloatMAC/accumulator``), rounded to nearest even:
    /// with `registered`, the module's two register stages; without, in the same cycle (for a
    /// sum already rounded to FP32, whose rounding then never changes it).
    static func code(_ m: ModuleBuilder, _ x: Value, _ f: FloatMAC, registered: Bool, prefix pre: String = "") -> Value {
        let acc = f.accumulator, p = f.nanBit
        let n = p - 1
        let padded = max(2, 1 << bitsFor(n - 1))
        func stage(_ v: Value, _ name: String) -> Value { registered ? m.delay(v, pre + name, reset: nil).value : v }
        let fixed = x.bits(p - 1, 0).asSigned
        let nan: Value
        if f.hasSpecials {
            let high = x.bits(acc.bits - 1, p)
            nan = m.wire(pre + "nan", high != replicate(x[p - 1], high.type.bits))
        } else {
            nan = Value.constant(0, .bit)
        }
        let sign = m.wire(pre + "sign", fixed[p - 1])
        let magnitude = m.wire(pre + "magnitude", sign.select((Value.constant(0, .s(p)) - fixed).wrapped(to: .u(n)), fixed.wrapped(to: .u(n))))
        // The magnitude of a finite sum: below 2^(P−1). Leading zeros of the magnitude, counted on a power-of-two width (zeros appended below).
        let wide = padded == n ? magnitude : concat([magnitude, Value.constant(0, .u(padded - n))])
        let lz = m.wire(pre + "lz", Self.leadingZeros(wide).count.wrapped(to: .u(bitsFor(padded - 1))))
        // Stage 1.
        let (sign1, nan1) = (stage(sign, "sign_q"), stage(nan, "nan_q"))
        let (mag1, lz1) = (stage(magnitude, "magnitude_q"), stage(lz, "lz_q"))
        // Normalize: the leading one to bit n − 1; 24 significand bits, then guard and sticky.
        let shifted = MACUnit.shiftedLeft(m, mag1, by: lz1, prefix: pre + "normalize", limit: n).wrapped(to: .u(n))
        // Stage 2.
        let (sign2, nan2) = (stage(sign1, "sign_q2"), stage(nan1, "nan_q2"))
        let (normalized, lz2) = (stage(shifted, "normalized_q"), stage(lz1, "lz_q2"))
        let significand: Value, up: Value
        if n <= 24 {
            // (A zero-width pad would be an invalid type: at n = 24 the sum is the significand.)
            significand = n == 24 ? normalized : concat([normalized, Value.constant(0, .u(24 - n))])
            up = Value.constant(0, .bit)
        } else {
            significand = normalized.bits(n - 1, n - 24)
            let guardBit = normalized[n - 25]
            let sticky = n > 25 ? normalized.bits(n - 26, 0) != 0 : Value.constant(0, .bit)
            up = m.wire(pre + "round_up", guardBit & (sticky | normalized[n - 24]))
        }
        // The leading one is bit 23 of the significand (0 only for a zero sum); rounding up
        // the 23 bits below it carries into bit 23 exactly when they were all ones, and
        // then the mantissa is 0 and the exponent one more.
        let rounded = m.wire(pre + "rounded", significand.bits(22, 0) + up)          // 24 bits
        let carry = rounded[23]
        // Exponent: the leading one is at bit n − 1 − lz, of weight 2^productLSB.
        let base = n - 1 + f.productLSB + 127
        let exponent = m.wire(pre + "exponent", (Value.constant(Int64(base), .u(10)) - lz2 + carry).wrapped(to: .u(8)))
        let zero = ~significand[23]
        let code = m.wire(pre + "code", zero.select(Value.constant(0, .u(32)), concat([sign2, exponent, rounded.bits(22, 0)])))
        return nan2.select(Value.constant(Self.nanCode, .u(32)), code)
    }
}
