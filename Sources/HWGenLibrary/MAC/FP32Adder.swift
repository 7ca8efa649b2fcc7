import HWGenTypes
import HWGenCore

/// An FP32 adder for accumulators: x + y rounded to nearest even, for x an FP32 code and y an
/// exact addend (a normalized significand of any width with a biased exponent), the one rounding
/// of each addition. MX PEs add block sums with it (``MXAccumulator``), and float MACs whose
/// elements span too many binades for a fixed-point sum (E5M2, BF16, FP16) add every product.
///
/// The operand with the lower exponent shifts right into a window of the wider significand plus
/// three bits, what falls out ORed into the window's lowest bit. That is enough for one correct
/// rounding: the larger operand is normalized (or it is the accumulator's subnormal frame), so
/// whenever bits were dropped at least two bits sit below the rounding position. The sum is
/// normalized by its leading zeros, never below the subnormal frame, and rounded to 24 bits.
/// A result of 0 is +0; an overflow is ±∞.
enum FP32Adder {
    /// Type of a biased exponent inside the adder: the exponent of a significand's top bit plus
    /// 127 (an FP32 field for normal numbers); it holds every value from −(2^11) to 2^11 − 1.
    static let exponentType = HWType.s(12)

    /// The quiet NaN every float result uses, 0x7FC00000.
    static var nan: Value { Value.constant(FloatResultUnit.nanCode, .u(32)) }
    /// ±∞ with the sign `sign`.
    static func infinity(sign: Value) -> Value { concat([sign, Value.constant(0xFF, .u(8)), Value.constant(0, .u(23))]) }
    /// Whether the FP32 code `code` is NaN (wire `name`).
    static func isNaN(_ m: ModuleBuilder, _ code: Value, _ name: String) -> Value {
        m.wire(name, (code.bits(30, 23) == 0xFF) & (code.bits(22, 0) != 0))
    }
    /// Whether the FP32 code `code` is ±∞ (wire `name`).
    static func isInfinity(_ m: ModuleBuilder, _ code: Value, _ name: String) -> Value {
        m.wire(name, (code.bits(30, 23) == 0xFF) & (code.bits(22, 0) == 0))
    }

    /// `x` (unsigned) shifted left by its leading zeros (wire `lzName`, the shift stages
    /// `<prefix>i`), so that its top bit is set unless it is 0; returns the count and the value.
    static func normalized(_ m: ModuleBuilder, _ x: Value, lz lzName: String, prefix: String) -> (lz: Value, value: Value) {
        let n = x.type.bits, padded = max(2, 1 << bitsFor(n - 1))
        let wide = padded == n ? x : concat([x, Value.constant(0, .u(padded - n))])
        let lz = m.wire(lzName, FloatResultUnit.leadingZeros(wide).count.wrapped(to: .u(bitsFor(padded - 1))))
        return (lz, MACUnit.shiftedLeft(m, x, by: lz, prefix: prefix, limit: n).wrapped(to: .u(n)))
    }

    /// fp32(x + y), rounded to nearest even, for a finite FP32 code `code` and y = ±significand ·
    /// 2^(exponent − 127 − (bits − 1)) with `significand` normalized (its top bit set, or 0). Wires
    /// `fadd_…`.
    /// With `truncate` N (`align<N>` accumulation), y is cut toward zero to the N bits below the
    /// top of the larger operand before the addition (no sticky bit): the alignment DeepSeek-V3
    /// describes for FP8 tensor cores. That needs x normal or 0 and y above the subnormal frame.
    static func add(_ m: ModuleBuilder, code: Value, sign ySign: Value, significand ySig: Value, exponent yExp: Value, window p: Int,
                    truncate: Int? = nil) -> Value {
        let eType = exponentType, w = p + 3
        let field = code.bits(30, 23)
        let normal = m.wire("fadd_x_normal", field != 0)
        // Each operand's top bit at window bit w − 1, and the biased exponent of that bit.
        let xSig = concat([normal, code.bits(22, 0), Value.constant(0, .u(w - 24))])
        let xExp = m.wire("fadd_x_exp", normal.select(field.extended(to: eType), Value.constant(1, eType)))
        let ySigW = concat([ySig, Value.constant(0, .u(w - ySig.type.bits))])
        let yZero = m.wire("fadd_y_zero", ySig == 0)
        // The larger exponent's operand is `big`; the other shifts right by the difference.
        let diff = m.wire("fadd_diff", (xExp - yExp).wrapped(to: .s(eType.bits + 1)))
        let xBig = m.wire("fadd_x_big", ~diff[eType.bits])
        var big = m.wire("fadd_big", xBig.select(xSig, ySigW))
        let small = m.wire("fadd_small", xBig.select(ySigW, xSig))
        let bigSign = m.wire("fadd_big_sign", xBig.select(code[31], ySign))
        let smallSign = m.wire("fadd_small_sign", xBig.select(ySign, code[31]))
        let top = m.wire("fadd_top", xBig.select(xExp, yExp))
        let distance = m.wire("fadd_distance", xBig.select(diff, (Value.constant(0, diff.type) - diff).wrapped(to: diff.type)).asUnsigned)
        // Shift amounts from w on drop every bit: clamp to w.
        let shiftBits = bitsFor(w)
        let far = m.wire("fadd_far", distance.bits(distance.type.bits - 1, shiftBits) != 0)
        let amount = m.wire("fadd_amount", far.select(Value.constant(Int64((1 << shiftBits) - 1), .u(shiftBits)), distance.bits(shiftBits - 1, 0)))
        var aligned = shiftedRightSticky(m, small, by: amount, prefix: "fadd_align")
        if let n = truncate {
            // y's bits below the window's top n bits are dropped, whichever operand y is.
            let keep = Value.constant(Int64(bitPattern: UInt64((1 << UInt64(n)) - 1) << UInt64(w - n)), .u(w))
            aligned = m.wire("fadd_small_cut", xBig.select(aligned & keep, aligned))
            big = m.wire("fadd_big_cut", xBig.select(big, big & keep))
        }
        // Effective subtraction: big − small, negated when it goes below zero (equal exponents only).
        let subtract = m.wire("fadd_subtract", bigSign ^ smallSign)
        let sumType = HWType.s(w + 2)
        let total = m.wire("fadd_sum", subtract.select((big.extended(to: sumType) - aligned.extended(to: sumType)).wrapped(to: sumType),
                                                      (big.extended(to: sumType) + aligned.extended(to: sumType)).wrapped(to: sumType)))
        let negative = m.wire("fadd_negative", total[w + 1])
        let magnitude = m.wire("fadd_magnitude", negative.select((Value.constant(0, sumType) - total).wrapped(to: .u(w + 1)), total.wrapped(to: .u(w + 1))))
        let resultSign = m.wire("fadd_sign", bigSign ^ negative)
        // Normalize: bit w has weight top + 1; shift left by the leading zeros, but not below the
        // subnormal frame (a top exponent of 1): at most `top` bits.
        let padded = 1 << bitsFor(w)
        let lzWide = FloatResultUnit.leadingZeros(padded == w + 1 ? magnitude : concat([magnitude, Value.constant(0, .u(padded - w - 1))]))
        let lz = m.wire("fadd_lz", lzWide.count.extended(to: eType))
        let useLz = m.wire("fadd_use_lz", lz <= top)
        let shift = m.wire("fadd_shift", useLz.select(lz, top).bits(bitsFor(padded - 1) - 1, 0))
        let norm = MACUnit.shiftedLeft(m, magnitude, by: shift, prefix: "fadd_norm", limit: w + 1).wrapped(to: .u(w + 1))
        let exponent = m.wire("fadd_exp", (top + 1 - shift.extended(to: eType)).wrapped(to: eType))
        // Round to 24 bits at the top, nearest even.
        let significand = norm.bits(w, w - 23)
        let guardBit = norm[w - 24]
        let sticky = m.wire("fadd_sticky", norm.bits(w - 25, 0) != 0)
        let up = m.wire("fadd_up", guardBit & (sticky | norm[w - 23]))
        let rounded = m.wire("fadd_rounded", (significand.extended(to: .u(25)) + up).wrapped(to: .u(25)))
        let carry = rounded[24]
        let mantissa = m.wire("fadd_mantissa", carry.select(rounded.bits(24, 1), rounded.bits(23, 0)))
        let finalExp = m.wire("fadd_final_exp", (exponent + carry).wrapped(to: eType))
        let overflow = m.wire("fadd_overflow", finalExp.asSigned >= 255)
        let biasedField = m.wire("fadd_field", mantissa[23].select(finalExp.bits(7, 0), Value.constant(0, .u(8))))
        let zero = m.wire("fadd_zero", mantissa == 0)
        let packed = overflow.select(infinity(sign: resultSign),
                                     zero.select(Value.constant(0, .u(32)), concat([resultSign, biasedField, mantissa.bits(22, 0)])))
        return m.wire("fadd_result", yZero.select(code, packed))
    }

    /// `v` shifted right by `by` (unsigned), every bit shifted out ORed into the result's lowest
    /// bit: one stage per bit of `by`, each with its own sticky OR. Wires `<prefix>i`.
    static func shiftedRightSticky(_ m: ModuleBuilder, _ v: Value, by: Value, prefix: String) -> Value {
        let w = v.type.bits
        var x = v.asUnsigned
        for i in 0..<by.type.bits {
            let s = 1 << i
            let moved: Value
            if s >= w {
                moved = concat([Value.constant(0, .u(w - 1)), x != 0])
            } else {
                let dropped = x.bits(s - 1, 0) != 0
                let kept = concat([Value.constant(0, .u(s)), x.bits(w - 1, s)])
                moved = concat([kept.bits(w - 1, 1), kept[0] | dropped])
            }
            x = m.wire("\(prefix)\(i)", by[i].select(moved, x))
        }
        return x
    }
}
