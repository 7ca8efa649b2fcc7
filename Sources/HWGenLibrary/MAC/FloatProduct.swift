import HWGenTypes
import HWGenCore

/// `float`: floating-point element codes (``FloatMAC``). The product is exact, in fixed point:
/// the significands (hidden bits included) multiplied, negated for a negative product, and
/// shifted left by the sum of the exponent fields less their minimum. Nothing rounds in the unit or
/// in any engine's sums; the one rounding is the conversion to FP32 (``FloatResultUnit``) as a
/// result leaves the engine.
public struct FloatArithmetic: MACArithmetic {
    public init() {}
    public var kind: MACKind { .float }

    public func typeProblem(_ t: MACTypes) -> (field: String, message: String)? {
        t.float == nil ? ("mac.kind", "float multiplies floating-point elements, not mac.a \(t.a) (allowed with mac.kind float: mac.a and mac.b \(FloatMAC.elementFormats.map(\.name).joined(separator: ", ")))") : nil
    }

    public func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value {
        MACUnit.floatProduct(m, a, b, c.types.float!)
    }

    public func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value {
        MACUnit.floatProduct(m, a, b, c.types.float!, prefix: prefix)
    }

    public func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value] {
        [MACUnit.modulo(MACUnit.floatProduct(m, a, b, c.types.float!), bits: width)]
    }

    public func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width w: Int, prefix: String, registered: Bool) -> [Value] {
        [MACUnit.floatProduct(m, a, b, c.types.float!, prefix: "\(prefix)_")]
    }
}

extension MACUnit {
    /// A code's fields: sign, significand with its hidden bit, exponent field less its minimum
    /// (max(E, 1) − 1) and, for formats with NaN, whether it is NaN.
    static func floatFields(_ m: ModuleBuilder, _ code: Value, _ f: FloatFormat, prefix: String)
        -> (sign: Value, significand: Value, shift: Value, nan: Value?) {
        if f.integer {
            // Two's complement: the significand is |code| (unsigned, so −2^(bits−1) fits), no shift.
            let sign = code[f.bits - 1], wide = HWType.u(f.bits)
            let magnitude = m.wire("\(prefix)sig", sign.select((Value.constant(0, wide) - code.extended(to: wide)).wrapped(to: wide), code.extended(to: wide)))
            return (sign, magnitude, Value.constant(0, .u(1)), nil)
        }
        let mb = f.mantissaBits, eb = f.exponentBits
        let field = code.bits(mb + eb - 1, mb), mantissa = code.bits(mb - 1, 0)
        let normal = m.wire("\(prefix)normal", field != 0)
        let significand = m.wire("\(prefix)sig", concat([normal, mantissa]))
        let shift = m.wire("\(prefix)shift", normal.select((field - 1).wrapped(to: .u(eb)), Value.constant(0, .u(eb))))
        var nan: Value? = nil
        switch f.specials {
        case .nanOnly: nan = m.wire("\(prefix)nan", (field == (1 << eb) - 1) & (mantissa == (1 << mb) - 1))
        case .ieee: nan = m.wire("\(prefix)nan", (field == (1 << eb) - 1) & (mantissa != 0))
        case .none: break
        }
        return (code[f.bits - 1], significand, shift, nan)
    }

    /// Whether `code` of an IEEE format is ±∞ (wire `<prefix>inf`); nil for formats without ∞.
    static func floatInfinity(_ m: ModuleBuilder, _ code: Value, _ f: FloatFormat, prefix: String) -> Value? {
        guard f.specials == .ieee else { return nil }
        return m.wire("\(prefix)inf", (code.bits(f.bits - 2, f.mantissaBits) == (1 << f.exponentBits) - 1) & (code.bits(f.mantissaBits - 1, 0) == 0))
    }

    /// What the product of codes `a` (format `fa`, fields `x`) and `b` is when not a number: NaN if
    /// either is NaN or ∞ meets 0; ∞ if either is ∞ otherwise (wires `<prefix>a_inf`, `…b_inf`,
    /// `…a_zero`, `…b_zero`, `…product_nan`, `…product_inf`).
    static func floatProductSpecials(_ m: ModuleBuilder, a: Value, _ fa: FloatFormat, _ x: (sign: Value, significand: Value, shift: Value, nan: Value?),
                                     b: Value, _ fb: FloatFormat, _ y: (sign: Value, significand: Value, shift: Value, nan: Value?),
                                     prefix: String = "") -> (nan: Value, inf: Value) {
        let (infA, infB) = (floatInfinity(m, a, fa, prefix: "\(prefix)a_"), floatInfinity(m, b, fb, prefix: "\(prefix)b_"))
        let zeroA = m.wire("\(prefix)a_zero", x.significand == 0), zeroB = m.wire("\(prefix)b_zero", y.significand == 0)
        func any(_ terms: [Value]) -> Value { terms.dropFirst().reduce(terms.first ?? Value.constant(0, .bit)) { $0 | $1 } }
        var nanTerms = [x.nan, y.nan].compactMap { $0 }
        if let infA { nanTerms.append(infA & zeroB) }
        if let infB { nanTerms.append(infB & zeroA) }
        return (m.wire("\(prefix)product_nan", any(nanTerms)), m.wire("\(prefix)product_inf", any([infA, infB].compactMap { $0 })))
    }

    /// The product of codes `a` and `b` of formats with ∞ (E5M2, BF16, FP16) split for a sum that
    /// cannot count ∞: its finite part in fixed point (``FloatMAC/productType``, 0 when the product
    /// is NaN or ±∞) and three flags, NaN, +∞ and −∞ (wires `<prefix>product_…`).
    static func finiteProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ f: FloatMAC, prefix: String = "")
        -> (finite: Value, nan: Value, pos: Value, neg: Value) {
        let x = floatFields(m, a, f.a, prefix: "\(prefix)a_"), y = floatFields(m, b, f.b, prefix: "\(prefix)b_")
        let (nan, inf) = floatProductSpecials(m, a: a, f.a, x, b: b, f.b, y, prefix: prefix)
        let special = m.wire("\(prefix)product_special", nan | inf)
        let product = floatProduct(m, a, b, f, prefix: "\(prefix)fin_", specials: false)
        let finite = m.wire("\(prefix)product_finite", special.select(Value.constant(0, product.type), product))
        let negative = x.sign ^ y.sign
        return (finite, nan, m.wire("\(prefix)product_pos_inf", inf & ~negative), m.wire("\(prefix)product_neg_inf", inf & negative))
    }

    /// The exact product of float codes `a` and `b` in fixed point (``FloatMAC/addendType``):
    /// ±(sig a · sig b) << (shift a + shift b), or 2^P (the NaN count's unit) when either is NaN.
    /// With `specials` false, the fixed-point product alone (``FloatMAC/productType``): the caller
    /// handles NaN and ∞ codes itself.
    static func floatProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ f: FloatMAC, prefix: String = "", specials: Bool = true) -> Value {
        if f.a.integer && f.b.integer {
            // MXINT8 × MXINT8: a signed multiply, no sign-magnitude round trip.
            return m.wire("\(prefix)fixed", (a.asSigned * b.asSigned).extended(to: f.productType))
        }
        let fa = floatFields(m, a, f.a, prefix: "\(prefix)a_"), fb = floatFields(m, b, f.b, prefix: "\(prefix)b_")
        // The sign goes on the significands' product (a few bits) before the shift, not on the
        // shifted product: −(s << e) = (−s) << e.
        let significands = m.wire("\(prefix)sig_product", fa.significand * fb.significand)
        let neg = m.wire("\(prefix)neg", fa.sign ^ fb.sign)
        let signedType = HWType.s(significands.type.bits + 1)
        let signed = m.wire("\(prefix)sig_signed", neg.select((Value.constant(0, signedType) - significands).wrapped(to: signedType),
                                                             significands.extended(to: signedType)))
        let shift = m.wire("\(prefix)exp_sum", fa.shift + fb.shift)
        let shifted = shiftedLeft(m, signed, by: shift, prefix: "\(prefix)shift", limit: f.productType.bits)
        let product = m.wire("\(prefix)fixed", shifted.extended(to: f.productType))
        let nans = [fa.nan, fb.nan].compactMap { $0 }
        guard specials, !nans.isEmpty else { return product }
        let nan = m.wire("\(prefix)is_nan", nans.count == 1 ? nans[0] : nans[0] | nans[1])
        return m.wire("\(prefix)product", nan.select(Value.constant(Int64(1) << Int64(f.nanBit), f.addendType), product.extended(to: f.addendType)))
    }
}
