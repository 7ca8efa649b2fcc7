import HWGenTypes
import HWGenCore

/// The float MAC of elements whose products span too many binades for a fixed-point sum (E5M2,
/// BF16, FP16: ``FloatMAC/usesAdder``): each exact product, normalized, is added into an FP32
/// accumulator by ``FP32Adder``, rounded to nearest even after every addition — FP32
/// accumulation in the engine's order, with IEEE special values: NaN if either element is NaN
/// or ∞ meets 0, ±∞ products, ∞ − ∞ = NaN, overflow to ±∞. A zero result is +0. With
/// `align<N>` accumulation the same unit cuts each product to N bits below the larger operand's
/// top before adding it (``FP32Adder/add(_:code:sign:significand:exponent:window:truncate:)``).
///
/// Latency 1 (pipeline 0: product and addition in one cycle) or 2 (pipeline 1: the normalized
/// product is registered first).
struct FloatAdderMAC {
    let config: MACConfig
    /// `first` arrives registered with the product (pipeline 1 in a 2D-Matrix, which registers it
    /// once for all PEs: ``MACUnit/firstRegistered``), so the unit does not delay it again.
    var firstRegistered = false
    var float: FloatMAC { config.types.float! }

    /// `mac_<tag>` (`_fr` with ``firstRegistered``): ports `a`, `b`, `first`; `acc` is the FP32 code.
    var module: Module {
        if let p = float.promoteEvery { return promoting(p) }
        let f = float, fa = f.a, fb = f.b
        let cut = f.alignBits.map { ", a*b cut to \($0) bits below the larger top" } ?? ""
        let doc = "acc <= fp32((first ? 0 : acc) + a*b), nearest even after every product\(cut); \(fa)×\(fb) elements, "
            + "pipeline \(config.pipeline), latency \(config.pipeline >= 1 ? 2 : 1)."
        return Module("mac_\(config.tag)" + (firstRegistered ? "_fr" : ""),
                      doc: doc + (firstRegistered ? " `first` arrives registered, with the product." : "")) { m in
            let a = m.input("a", .u(fa.bits)), b = m.input("b", .u(fb.bits)), first = m.input("first", .bit)
            var addend = Self.productAddend(m, a, b, f)
            var clear = first
            if config.pipeline >= 1 {
                addend = addend.registered(m)
                if !firstRegistered { clear = m.delay(first, "first_q") }
            }
            let acc = m.register("acc", .u(32), reset: nil)
            let current = m.wire("acc_in", MACUnit.cleared(acc.value, clear))
            acc.next(m.wire("acc_next", Self.sum(m, current, addend, window: max(24, fa.mantissaBits + fb.mantissaBits + 2), truncate: f.alignBits)))
            m.output("acc", acc)
        }
    }

    /// An exact addend of the FP32 adder: NaN, ±∞ (sign `sign`), or ± `significand` normalized
    /// to its top bit with that bit's biased FP32 exponent.
    struct Addend {
        var nan: Value, inf: Value, sign: Value, significand: Value, exponent: Value

        /// The addend one cycle later (registers `nan_q`, `inf_q`, `sign_q`, `sig_q`, `exp_q`).
        func registered(_ m: ModuleBuilder) -> Addend {
            Addend(nan: m.delay(nan, "nan_q", reset: nil).value, inf: m.delay(inf, "inf_q", reset: nil).value,
                   sign: m.delay(sign, "sign_q", reset: nil).value, significand: m.delay(significand, "sig_q", reset: nil).value,
                   exponent: m.delay(exponent, "exp_q", reset: nil).value)
        }
    }

    /// The exact product of codes `a` and `b` of `f`'s formats as an ``Addend``: NaN if either is
    /// NaN or ∞ meets 0; ±∞ if either is ∞ otherwise.
    static func productAddend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ f: FloatMAC) -> Addend {
        let (fa, fb) = (f.a, f.b)
        let x = MACUnit.floatFields(m, a, fa, prefix: "a_"), y = MACUnit.floatFields(m, b, fb, prefix: "b_")
        let (nan, inf) = MACUnit.floatProductSpecials(m, a: a, fa, x, b: b, fb, y)
        let sign = m.wire("product_sign", x.sign ^ y.sign)
        // The significands' product, normalized to its top bit, and that bit's biased exponent:
        // (sigBits − 1 − lz) + e'a + e'b − biasA − Ma − biasB − Mb + 127, with e' = shift + 1.
        let sigBits = fa.mantissaBits + fb.mantissaBits + 2
        let product = m.wire("sig_product", x.significand * y.significand)
        let (lz, shifted) = FP32Adder.normalized(m, product, lz: "product_lz", prefix: "product_norm")
        let normalized = m.wire("product_norm", shifted)
        let eType = FP32Adder.exponentType
        let bias = sigBits - 1 + 2 - fa.bias - fa.mantissaBits - fb.bias - fb.mantissaBits + 127
        let exponent = m.wire("product_exp", (x.shift.extended(to: eType) + y.shift.extended(to: eType) - lz.extended(to: eType)
                                              + Value.constant(Int64(bias), eType)).wrapped(to: eType))
        return Addend(nan: nan, inf: inf, sign: sign, significand: normalized, exponent: exponent)
    }

    /// An FP32 code as an ``Addend`` (a subnormal's significand has no hidden bit, exponent 1).
    static func codeAddend(_ m: ModuleBuilder, _ code: Value) -> Addend {
        let field = code.bits(30, 23)
        let normal = m.wire("y_normal", field != 0)
        return Addend(nan: FP32Adder.isNaN(m, code, "y_is_nan"), inf: FP32Adder.isInfinity(m, code, "y_is_inf"), sign: code[31],
                      significand: m.wire("y_sig", concat([normal, code.bits(22, 0)])),
                      exponent: m.wire("y_exp", normal.select(field.extended(to: FP32Adder.exponentType), Value.constant(1, FP32Adder.exponentType))))
    }

    /// fp32(`current` + `x`), nearest even, in a `window` of significand bits (`truncate` N:
    /// `x` cut to N bits below the larger top first), with IEEE specials: NaN for a NaN operand
    /// or ∞ − ∞, ±∞ for an infinite one.
    static func sum(_ m: ModuleBuilder, _ current: Value, _ x: Addend, window: Int, truncate: Int? = nil) -> Value {
        let added = FP32Adder.add(m, code: current, sign: x.sign, significand: x.significand, exponent: x.exponent, window: window,
                                  truncate: truncate)
        let accNaN = FP32Adder.isNaN(m, current, "acc_is_nan"), accInf = FP32Adder.isInfinity(m, current, "acc_is_inf")
        let nanOut = m.wire("sum_nan", x.nan | accNaN | (x.inf & accInf & (x.sign ^ current[31])))
        return nanOut.select(FP32Adder.nan, x.inf.select(FP32Adder.infinity(sign: x.sign), accInf.select(current, added)))
    }

    /// `fp32_product_<a>_<b>`: y = the FP32 code of a·b, exact where ``FloatMAC/productsExactInFP32``:
    /// the leaves of a tree of ``codeAdder``s (tree, cube).
    static func productCode(_ f: FloatMAC, a aType: HWType, b bType: HWType) -> Module {
        Module("fp32_product_\(f.a.name)_\(f.b.name)", doc: "y = fp32(a * b), exact (every \(f.a) × \(f.b) product is an FP32 number); NaN, ±∞ as IEEE.") { m in
            let a = m.input("a", aType), b = m.input("b", bType)
            m.output("y", sum(m, Value.constant(0, .u(32)), productAddend(m, a, b, f), window: max(24, f.a.mantissaBits + f.b.mantissaBits + 2)))
        }
    }

    /// `fp32_add`: y = fp32(a + b) for two FP32 codes, nearest even, IEEE specials: the adder
    /// under a WS/IS column of FP32-adder MACs (the vector's sum so far plus the column's).
    static var codeAdder: Module {
        Module("fp32_add", doc: "y = fp32(a + b) for FP32 codes, nearest even; NaN for a NaN or ∞ − ∞.") { m in
            let a = m.input("a", .u(32)), b = m.input("b", .u(32))
            m.output("y", sum(m, a, codeAddend(m, b), window: 24))
        }
    }
}

extension FloatAdderMAC {
    /// `align<N>+promote<P>`: an inner unit sums the products of a group of P elements (`gstart`
    /// starts one, `gend` ends it, as the engine's group flags say) into an FP32 partial with
    /// `align<N>`; one cycle after a group's last product, the partial is added into the FP32
    /// accumulator `acc` by a second adder, rounded to nearest even (DeepSeek-V3's promotion to
    /// CUDA cores, here in the PE). Latency one more than the inner unit's.
    func promoting(_ p: Int) -> Module {
        let f = float
        let inner = MACUnit(MACConfig(MACTypes(float: f.partialSum), kind: config.kind, pipeline: config.pipeline))
        let doc = "acc = fp32(acc + partial) after every \(p) products, partial = \(f.partialSum.accumulation) sums of them; "
            + "\(f.a)×\(f.b) elements, pipeline \(config.pipeline), latency \(inner.latency + 1)."
        return Module("mac_\(config.tag)", doc: doc) { m in
            let a = m.input("a", .u(f.a.bits)), b = m.input("b", .u(f.b.bits)), first = m.input("first", .bit)
            let gstart = m.input("gstart", .bit), gend = m.input("gend", .bit)
            let partial = m.instance(inner.module, "partial_sum", ["a": a, "b": b, "first": first | gstart])["acc"]
            func lag(_ v: Value, _ name: String) -> Value {
                (0..<inner.latency).reduce(v) { x, k in m.delay(x, "\(name)_d\(k + 1)") }
            }
            let (ended, began) = (lag(gend, "gend"), lag(first, "first"))
            // `fresh`: the output restarted (a `first`) and has not taken a partial yet.
            let fresh = m.register("fresh", .bit, reset: 0)
            fresh.next(began.select(~ended, ended.select(Value.constant(0, .bit), fresh.value)))
            let acc = m.register("acc", .u(32), reset: nil)
            let current = m.wire("acc_in", MACUnit.cleared(acc.value, began | fresh))
            // The partial as the adder's addend: its 24-bit significand (normal or 0: sums of
            // these products are multiples of their smallest, far above FP32's subnormals) and field.
            let field = partial.bits(30, 23)
            let significand = m.wire("partial_sig", concat([field != 0, partial.bits(22, 0)]))
            let added = FP32Adder.add(m, code: current, sign: partial[31], significand: significand, exponent: field.extended(to: FP32Adder.exponentType), window: 24)
            let nan = m.wire("sum_nan", FP32Adder.isNaN(m, partial, "partial_is_nan") | FP32Adder.isNaN(m, current, "acc_is_nan"))
            acc.next(m.wire("acc_next", nan.select(FP32Adder.nan, added)), enable: ended)
            m.output("acc", acc)
        }
    }
}

extension MACUnit {
    /// The FP32-adder unit when the MAC's float elements need one, else nil.
    var floatAdderModule: Module? {
        guard config.types.float?.usesAdder == true else { return nil }
        return FloatAdderMAC(config: config, firstRegistered: firstRegistered).module
    }
}
