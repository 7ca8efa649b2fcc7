import HWGenTypes
import HWGenCore

/// The MX block accumulator (`mac.a: mxfp8_e4m3`, ``FloatMAC/isBlockScaled``): the unit of an
/// engine whose float MAC has blocks. An inner unit sums each block's products exactly (fixed
/// point, ``FloatMAC/blockSum``); one cycle after a block's sum is complete it is normalized
/// and its scale exponents added (stage A), and the next cycle it is added into an FP32
/// accumulator, rounded to nearest even (stage B). So the only roundings are one per block, as
/// the golden model's ``GoldenFloat/mxGemm`` has them.
///
/// Stage B is a floating-point adder of an FP32 value and an exact addend of ``window`` bits:
/// the operand with the lower exponent shifts right into a window of the wider significand
/// plus three bits, what falls out ORed into the window's lowest bit (enough for one correct
/// rounding: the larger operand is normalized, or the accumulator's subnormal frame, so at least
/// two bits sit below the rounding position whenever bits were dropped); the sum is normalized
/// by its leading zeros, never below the subnormal frame, and rounded to 24 bits. A result of 0
/// is +0, an overflow ±∞, a NaN element or a 0xFF scale the quiet NaN 0x7FC00000 (∞ stays ∞:
/// the addend is always finite).
struct MXAccumulator {
    let config: MACConfig
    var float: FloatMAC { config.types.float! }
    /// The unit summing a block exactly.
    var inner: MACUnit {
        MACUnit(MACConfig(MACTypes(float: float.blockSum), kind: config.kind, pipeline: config.pipeline))
    }
    /// Bits of a block sum's magnitude (below its sign).
    var sumBits: Int { float.blockSum.nanBit - 1 }
    /// Significand bits the adder keeps: the wider of FP32's 24 and a block sum's.
    var window: Int { max(24, sumBits) }
    /// Type of a biased exponent inside the adder (values from −(sumBits + 127) to 2 · 254).
    static let exponentType = HWType.s(12)

    /// `mac_<tag>`: ports `a`, `b`, `first`, `gstart`, `gend`, `e` (B's block scale) and `ea`
    /// (A's), with `gend`; `acc` is the FP32 code.
    var module: Module {
        let f = float, inner = self.inner, lsb = f.blockSum.productLSB
        let n = sumBits, p = f.blockSum.nanBit, eType = Self.exponentType
        let doc = "acc = fp32(acc + (Σ of a block of up to \(config.group!) products) · 2^(ea + e − 254)), nearest even"
            + " after every block; \(f.a)×\(f.b) elements, pipeline \(config.pipeline), latency \(inner.latency + 2)."
        return Module("mac_\(config.tag)", doc: doc) { m in
            let a = m.input("a", inner.aLane), b = m.input("b", inner.bLane), first = m.input("first", .bit)
            let gstart = m.input("gstart", .bit), gend = m.input("gend", .bit)
            let sb = m.input("e", FloatMAC.scaleType), sa = m.input("ea", FloatMAC.scaleType)
            let sum = m.instance(inner.module, "block_sum", ["a": a, "b": b, "first": first | gstart])["acc"]
            // The flags and scales of the element whose block sum is now on `sum`.
            func lag(_ v: Value, _ name: String, reset: Int64? = 0) -> Value {
                (0..<inner.latency).reduce(v) { x, k in m.delay(x, "\(name)_d\(k + 1)", reset: reset) }
            }
            let (ended, began) = (lag(gend, "gend"), lag(first, "first"))
            let (scaleA, scaleB) = (lag(sa, "ea", reset: nil), lag(sb, "e", reset: nil))
            // `fresh`: the output restarted (a `first`) and has not taken a block yet.
            let fresh = m.register("fresh", .bit, reset: 0)
            fresh.next(began.select(~ended, ended.select(Value.constant(0, .bit), fresh.value)))

            // Stage A: the block sum's sign, magnitude normalized to bit n − 1, and the biased
            // exponent of that bit: n − 1 − lz + LSB + (ea − 127) + (e − 127) + 127.
            let fixed = sum.bits(p - 1, 0).asSigned
            var nan = m.wire("scale_nan", (scaleA == 0xFF) | (scaleB == 0xFF))
            if f.hasSpecials {
                let high = sum.bits(sum.type.bits - 1, p)
                nan = m.wire("nan", nan | (high != replicate(fixed[p - 1], high.type.bits)))
            }
            let sign = m.wire("sum_sign", fixed[p - 1])
            let magnitude = m.wire("sum_magnitude", sign.select((Value.constant(0, .s(p)) - fixed).wrapped(to: .u(n)), fixed.wrapped(to: .u(n))))
            let padded = max(2, 1 << bitsFor(n - 1))
            let wide = padded == n ? magnitude : concat([magnitude, Value.constant(0, .u(padded - n))])
            let lz = m.wire("sum_lz", FloatResultUnit.leadingZeros(wide).count.wrapped(to: .u(bitsFor(padded - 1))))
            let normalized = MACUnit.shiftedLeft(m, magnitude, by: lz, prefix: "sum_norm", limit: n).wrapped(to: .u(n))
            let bias = n - 1 + lsb - 127
            let exponent = m.wire("sum_exp", (scaleA.extended(to: eType) + scaleB.extended(to: eType) - lz.extended(to: eType)
                                              + Value.constant(Int64(bias), eType)).wrapped(to: eType))
            let validA = m.delay(ended, "add_valid")
            let clearA = m.delay(began | fresh, "add_clear")
            let nanA = m.delay(nan, "add_nan", reset: nil)
            let signA = m.delay(sign, "add_sign", reset: nil)
            let sigA = m.delay(normalized, "add_sig", reset: nil)
            let expA = m.delay(exponent, "add_exp", reset: nil)

            // Stage B: acc ← fp32(acc + addend).
            let acc = m.register("acc", .u(32), reset: nil)
            let current = m.wire("acc_in", MACUnit.cleared(acc.value, clearA.value))
            let added = Self.add(m, code: current, sign: signA.value, significand: sigA.value, exponent: expA.value, window: window)
            let accNaN = m.wire("acc_is_nan", (current.bits(30, 23) == 0xFF) & (current.bits(22, 0) != 0))
            let accInf = m.wire("acc_is_inf", (current.bits(30, 23) == 0xFF) & (current.bits(22, 0) == 0))
            let next = (nanA.value | accNaN).select(Value.constant(FloatResultUnit.nanCode, .u(32)), accInf.select(current, added))
            acc.next(m.wire("acc_next", next), enable: validA.value)
            m.output("acc", acc)
        }
    }

    /// fp32(x + y), rounded to nearest even, for a finite FP32 code `code` and y = ±significand ·
    /// 2^(exponent − 127 − (bits − 1)) with `significand` normalized (its top bit set, or 0). Wires
    /// `fadd_…`.
    static func add(_ m: ModuleBuilder, code: Value, sign ySign: Value, significand ySig: Value, exponent yExp: Value, window p: Int) -> Value {
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
        let big = m.wire("fadd_big", xBig.select(xSig, ySigW))
        let small = m.wire("fadd_small", xBig.select(ySigW, xSig))
        let bigSign = m.wire("fadd_big_sign", xBig.select(code[31], ySign))
        let smallSign = m.wire("fadd_small_sign", xBig.select(ySign, code[31]))
        let top = m.wire("fadd_top", xBig.select(xExp, yExp))
        let distance = m.wire("fadd_distance", xBig.select(diff, (Value.constant(0, diff.type) - diff).wrapped(to: diff.type)).asUnsigned)
        // Shift amounts from w on drop every bit: clamp to w.
        let shiftBits = bitsFor(w)
        let far = m.wire("fadd_far", distance.bits(distance.type.bits - 1, shiftBits) != 0)
        let amount = m.wire("fadd_amount", far.select(Value.constant(Int64((1 << shiftBits) - 1), .u(shiftBits)), distance.bits(shiftBits - 1, 0)))
        let aligned = shiftedRightSticky(m, small, by: amount, prefix: "fadd_align")
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
        let packed = overflow.select(concat([resultSign, Value.constant(0xFF, .u(8)), Value.constant(0, .u(23))]),
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

extension MACUnit {
    /// The MX unit when the MAC's float elements have blocks, else nil.
    var mxModule: Module? {
        guard config.types.float?.isBlockScaled == true, config.group != nil else { return nil }
        return MXAccumulator(config: config).module
    }
}
