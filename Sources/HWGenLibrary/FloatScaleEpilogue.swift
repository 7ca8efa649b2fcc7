import HWGenTypes
import HWGenCore

extension EpilogueUnit {
    /// The float-scale epilogue (`epilogue.scale`) as ONNX Runtime's MLAS computes it: acc to FP32
    /// (nearest even), × the FP32 scale (nearest even), to an integer (half to even), + zero
    /// point, saturated; with `relu` at least the zero point. Three register stages:
    /// 1. |acc|'s leading zeros, normalization and rounding to 24 significant bits: m1 · 2^(t − 23);
    /// 2. m1 × the scale's significand S, a constant (its signed digits, compressed and added);
    /// 3. the product rounded to 24 bits, shifted to the integer point with a sticky bit, rounded
    ///    half to even, signed, offset by the zero point and saturated.
    /// The scale's range (``Epilogue/scaleRange``) keeps acc · scale a normal FP32 number.
    var floatScaleModule: Module {
        let e = epilogue, scale = e.scale!, w = input.bits
        let es = Int(scale.exponent), significand = Int64(scale.significandBitPattern) | (1 << 23)
        let doc = "y <= sat_\(e.out)(rne(fp32(fp32(acc) * \(scale))) + \(e.zeroPoint))" + (e.relu ? ", at least \(e.zeroPoint)" : "")
            + " (ONNX Runtime's QLinear requantization); latency \(Self.latency)."
        return Module("epilogue_\(input.tag)_\(e.tag)", doc: doc) { m in
            let acc = m.input("acc", input)
            // Stage 1: acc = ±m1 · 2^(t − 23), m1 with its leading one at bit 23.
            let sign = input.signed ? acc[w - 1] : Value.constant(0, .bit)
            let magnitude = m.wire("magnitude", input.signed ? sign.select((Value.constant(0, .s(w)) - acc).wrapped(to: .u(w)), acc.wrapped(to: .u(w)))
                                                             : acc)
            let padded = max(2, 1 << bitsFor(w - 1)), tBits = bitsFor(w)
            let wide = padded == w ? magnitude : concat([magnitude, Value.constant(0, .u(padded - w))])
            let lz = m.wire("lz", FloatResultUnit.leadingZeros(wide).count.wrapped(to: .u(bitsFor(padded - 1))))
            let normalized = MACUnit.shiftedLeft(m, magnitude, by: lz, prefix: "normalize", limit: w).wrapped(to: .u(w))
            let m1: Value, carry1: Value
            if w > 24 {
                let sticky = w > 25 ? normalized.bits(w - 26, 0) != 0 : Value.constant(0, .bit)
                let up = m.wire("up1", normalized[w - 25] & (sticky | normalized[w - 24]))
                let rounded = m.wire("rounded1", normalized.bits(w - 1, w - 24) + up)      // 25 bits
                carry1 = rounded[24]
                m1 = carry1.select(Value.constant(1 << 23, .u(24)), rounded.bits(23, 0))
            } else {
                m1 = w == 24 ? normalized : concat([normalized, Value.constant(0, .u(24 - w))])
                carry1 = Value.constant(0, .bit)
            }
            let t = m.wire("t", (Value.constant(Int64(w - 1), .u(tBits + 1)) - lz + carry1).wrapped(to: .u(tBits + 1)))
            let zero = m.wire("zero", ~normalized[w - 1])
            let (sign1, zero1) = (m.delay(sign, "sign_q1", reset: nil), m.delay(zero, "zero_q1", reset: nil))
            let (m1q, t1) = (m.delay(m1, "m1_q", reset: nil), m.delay(t, "t_q1", reset: nil))
            // Stage 2: P = m1 · S, 48 bits.
            let rows = Self.constantProductRows(m1q.value, significand, width: 48)
            let pair = CarrySave.reduce(rows, width: 48, m, prefix: "csa").rows
            let product = pair.count == 1 ? pair[0] : (pair[0] + pair[1]).wrapped(to: .u(48))
            let (sign2, zero2) = (m.delay(sign1, "sign_q2", reset: nil), m.delay(zero1, "zero_q2", reset: nil))
            let (p, t2) = (m.delay(product, "p_q", reset: nil).value, m.delay(t1, "t_q2", reset: nil).value)
            // Stage 3: P rounded to 24 bits: m2 · 2^(t + off + carry + es − 46), off 24 or 23.
            let top = p[47]
            let keep = top.select(p.bits(47, 24), p.bits(46, 23))
            let guardBit = top.select(p[23], p[22])
            let sticky2 = top.select(p.bits(22, 0) != 0, p.bits(21, 0) != 0)
            let rounded = m.wire("rounded2", keep + m.wire("up2", guardBit & (sticky2 | keep[0])))        // 25 bits
            let carry2 = rounded[24]
            let m2 = carry2.select(Value.constant(1 << 23, .u(24)), rounded.bits(23, 0))
            // The integer point: q = round(m2 · 2^E), E = t + off + carry + es − 46. With V = m2 << 9
            // (33 bits; E > 9 is at least 2^33, beyond every output), q = V >> r, r = 9 − E.
            let r = m.wire("r", (Value.constant(Int64(55 - es), .s(12)) - t2.extended(to: .s(12)) - Value.constant(23, .s(12))
                                 - top.extended(to: .s(12)) - carry2.extended(to: .s(12))).wrapped(to: .s(12)))
            let overflow = m.wire("overflow", r < 0)
            let amount = m.wire("amount", (r > Value.constant(63, .s(12))).select(Value.constant(63, .u(6)), r.bits(5, 0)))
            // {V, 0} shifted right by r: bit 0 is then the half bit, the bits shifted out beyond it the sticky.
            let vw = 34
            var y = concat([m2, Value.constant(0, .u(10))])
            var lost = Value.constant(0, .bit)
            for i in 0..<6 {
                let s = 1 << i
                let shifted = s >= vw ? Value.constant(0, .u(vw)) : concat([Value.constant(0, .u(s)), y.bits(vw - 1, s)])
                let out = s >= vw ? y : y.bits(s - 1, 0)
                lost = m.wire("lost\(i)", lost | (amount[i] & (out != 0)))
                y = m.wire("shift\(i)", amount[i].select(shifted, y))
            }
            let q = y.bits(vw - 1, 1)
            let up = m.wire("up3", y[0] & (lost | q[0]))
            let qr = m.wire("q", q + up)                                      // 34 bits
            let n = m.wire("n", sign2.select((Value.constant(0, .s(35)) - qr.extended(to: .s(35))).wrapped(to: .s(35)), qr.extended(to: .s(35))))
            let shifted = m.wire("shifted", n + Value.constant(e.zeroPoint, HWType.s(e.out.bits + 1)))
            let limit = sign2.select(Value.constant(e.out.minValue, e.out), Value.constant(e.out.maxValue!, e.out))
            var result = m.wire("saturated", overflow.select(limit, shifted.saturated(to: e.out)))
            result = zero2.select(Value.constant(e.zeroPoint, e.out), result)
            if e.relu && e.zeroPoint > e.out.minValue {
                let zp = Value.constant(e.zeroPoint, e.out)
                result = (result < zp).select(zp, result)
            }
            m.output("y", m.delay(result, "y_q", reset: nil))
        }
    }
}
