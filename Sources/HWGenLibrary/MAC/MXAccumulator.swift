import HWGenTypes
import HWGenCore

/// The MX block accumulator (`mac.a: mxfp8_e4m3`, ``FloatMAC/isBlockScaled``): the unit of an
/// engine whose float MAC has blocks. An inner unit sums each block's products exactly (fixed
/// point, ``FloatMAC/blockSum``); one cycle after a block's sum is complete it is normalized
/// and its scale exponents added (stage A), and the next cycle it is added into an FP32
/// accumulator, rounded to nearest even (stage B). So the only roundings are one per block, as
/// the golden model's ``GoldenFloat/mxGemm`` has them.
///
/// Stage B is ``FP32Adder``. A NaN element or a 0xFF scale makes the result the quiet NaN
/// 0x7FC00000; ∞ (an overflow) stays ∞, the addend being always finite.
struct MXAccumulator {
    let config: MACConfig
    var float: FloatMAC { config.types.float! }
    /// The unit summing a block exactly.
    var inner: MACUnit {
        MACUnit(MACConfig(MACTypes(float: float.blockSum), kind: config.kind, pipeline: config.pipeline))
    }

    /// `mac_<tag>`: ports `a`, `b`, `first`, `gstart`, `gend`, `e` (B's block scale) and `ea`
    /// (A's), with `gend`; `acc` is the FP32 code.
    var module: Module {
        let f = float, inner = self.inner, p = f.blockSum.nanBit
        let ieee = f.a.specials == .ieee || f.b.specials == .ieee
        let doc = "acc = fp32(acc + (Σ of a block of up to \(config.group!) products) · 2^(ea + e − 254)), nearest even"
            + " after every block; \(f.a)×\(f.b) elements, pipeline \(config.pipeline), latency \(inner.latency + 2)."
        return Module("mac_\(config.tag)", doc: doc) { m in
            let a = m.input("a", inner.aLane), b = m.input("b", inner.bLane), first = m.input("first", .bit)
            let gstart = m.input("gstart", .bit), gend = m.input("gend", .bit)
            let sb = m.input("e", FloatMAC.scaleType), sa = m.input("ea", FloatMAC.scaleType)
            // The block's exact sum. With IEEE elements (E5M2) the sum takes finite products only and
            // NaN, +∞ and −∞ are flags ORed over the block, as wide as the sum's latency.
            let sum: Value
            var specials: (nan: Value, pos: Value, neg: Value)? = nil
            if ieee {
                let product = MACUnit.finiteProduct(m, a, b, f.blockSum)
                var addend = product.finite
                var clear = m.wire("block_first", first | gstart)
                var flags = [product.nan, product.pos, product.neg]
                if config.pipeline >= 1 {
                    addend = m.delay(addend, "product_q", reset: nil)
                    clear = m.delay(clear, "block_first_q")
                    flags = flags.enumerated().map { k, v in m.delay(v, ["nan_q", "pos_inf_q", "neg_inf_q"][k], reset: nil) }
                }
                let block = m.register("block_sum", .s(p), reset: nil)
                block.next((MACUnit.cleared(block.value, clear) + addend).wrapped(to: .s(p)))
                let held = ["block_nan", "block_pos_inf", "block_neg_inf"].enumerated().map { k, name in
                    let r = m.register(name, .bit, reset: nil)
                    r.next(clear.select(flags[k], r.value | flags[k]))
                    return r.value
                }
                sum = block.value
                specials = (held[0], held[1], held[2])
            } else {
                sum = m.instance(inner.module, "block_sum", ["a": a, "b": b, "first": first | gstart])["acc"]
            }
            // The flags and scales of the element whose block sum is now on `sum`.
            func lag(_ v: Value, _ name: String, reset: Int64? = 0) -> Value {
                (0..<inner.latency).reduce(v) { x, k in m.delay(x, "\(name)_d\(k + 1)", reset: reset) }
            }
            let (ended, began) = (lag(gend, "gend"), lag(first, "first"))
            let (scaleA, scaleB) = (lag(sa, "ea", reset: nil), lag(sb, "e", reset: nil))
            let acc = Self.addBlocks(m, f, sum: sum, specials: specials, ended: ended, began: began, scaleA: scaleA, scaleB: scaleB)
            m.output("acc", acc)
        }
    }

    /// Cycles from a complete block sum to the FP32 register: stage A (normalize, scale) and B (add).
    static let stages = 2

    /// A block sum's register where an engine sums blocks itself: the exact sum with its NaN
    /// count above bit P (``FloatMAC/blockSum``'s accumulator), or with ∞ among the elements
    /// (E5M2) the finite products' sum alone, P bits (the specials are flags beside it).
    static func sumType(_ f: FloatMAC) -> HWType { f.hasInfinities ? .s(f.blockSum.nanBit) : f.blockSum.accumulator }

    /// `mx_add_<tag>`: stages A and B alone (``addBlocks(_:_:sum:specials:ended:began:scaleA:scaleB:)``),
    /// for engines whose lanes sum a block's products themselves (the 3D-Cube and the tree): `sum`
    /// is the block's exact sum, complete when `gend` is high, whose products count NaNs above
    /// bit P (``FloatMAC/nanBit``); `first` marks a block that begins a result; `ea` and `e`
    /// are the block's E8M0 scales. With ∞ among the elements (E5M2) `sum` is the finite
    /// products' and `sum_nan`, `sum_pinf`, `sum_ninf` say whether the block had NaN, +∞, −∞ products. `acc`,
    /// the FP32 code, follows `gend` by two cycles.
    static func blockAdder(_ f: FloatMAC, sumType: HWType) -> Module {
        Module("mx_add_\(f.a.name)_\(f.b.name)_\(sumType.tag)", doc: "acc = fp32(acc + sum · 2^(ea + e − 254)) when gend, nearest even; "
               + "\(f.a)×\(f.b) block sums, " + (f.hasInfinities ? "NaN and ±∞ as flags" : "NaN counted from bit \(f.nanBit)") + "; latency 2.") { m in
            let sum = m.input("sum", sumType), gend = m.input("gend", .bit), first = m.input("first", .bit)
            let sa = m.input("ea", FloatMAC.scaleType), sb = m.input("e", FloatMAC.scaleType)
            let specials = f.hasInfinities ? (nan: m.input("sum_nan", .bit), pos: m.input("sum_pinf", .bit), neg: m.input("sum_ninf", .bit)) : nil
            m.output("acc", addBlocks(m, f, sum: sum, specials: specials, ended: gend, began: first, scaleA: sa, scaleB: sb))
        }
    }

    /// Stages A and B on a block's complete exact sum `sum` (``FloatMAC/blockSum``'s accumulator,
    /// or with IEEE elements its finite part and the `specials` flags), in the cycle `ended` is
    /// high: stage A normalizes it and adds the scale exponents `scaleA` and `scaleB` (E8M0), stage
    /// B adds it into the FP32 register, which restarts at a block that `began` a result. Returns
    /// the register (two cycles after `ended`).
    static func addBlocks(_ m: ModuleBuilder, _ f: FloatMAC, sum: Value, specials: (nan: Value, pos: Value, neg: Value)?,
                          ended: Value, began: Value, scaleA: Value, scaleB: Value) -> Reg {
        // `fresh`: the output restarted (a `first`) and has not taken a block yet.
        let fresh = m.register("fresh", .bit, reset: 0)
        fresh.next(began.select(~ended, ended.select(Value.constant(0, .bit), fresh.value)))
        let (addend, carried) = stageA(m, f, sum: sum, specials: specials, scaleA: scaleA, scaleB: scaleB,
                                       carry: [(ended, "add_valid", 0), (began | fresh, "add_clear", 0)])
        let acc = m.register("acc", .u(32), reset: nil)
        let current = m.wire("acc_in", MACUnit.cleared(acc.value, carried[1]))
        acc.next(m.wire("acc_next", stageB(m, f, current: current, addend)), enable: carried[0])
        return acc
    }

    /// A block sum after stage A: NaN (of the block or a scale), ±∞ (IEEE elements), and the
    /// finite sum's sign, significand normalized to its top bit, and biased FP32 exponent.
    struct Addend {
        let nan: Value, inf: Value, infSign: Value, sign: Value, significand: Value, exponent: Value
    }

    /// Stage A: the block sum's sign, magnitude normalized to bit n − 1, and the biased exponent
    /// of that bit, n − 1 − lz + LSB + (ea − 127) + (e − 127) + 127, registered (`add_*`) after
    /// the values in `carry` (name, reset), which travel with it.
    static func stageA(_ m: ModuleBuilder, _ f: FloatMAC, sum: Value, specials: (nan: Value, pos: Value, neg: Value)?,
                       scaleA: Value, scaleB: Value, carry: [(Value, String, Int64?)]) -> (Addend, [Value]) {
        let lsb = f.blockSum.productLSB, p = f.blockSum.nanBit, n = p - 1, eType = FP32Adder.exponentType
        let ieee = specials != nil
        let fixed = sum.bits(p - 1, 0).asSigned
        var nan = m.wire("scale_nan", (scaleA == 0xFF) | (scaleB == 0xFF))
        var infinite = Value.constant(0, .bit), infSign = Value.constant(0, .bit)
        if let specials {
            nan = m.wire("nan", nan | specials.nan | (specials.pos & specials.neg))
            infinite = m.wire("sum_inf", specials.pos | specials.neg)
            infSign = specials.neg
        } else if f.hasSpecials {
            let high = sum.bits(sum.type.bits - 1, p)
            nan = m.wire("nan", nan | (high != replicate(fixed[p - 1], high.type.bits)))
        }
        let sign = m.wire("sum_sign", fixed[p - 1])
        let magnitude = m.wire("sum_magnitude", sign.select((Value.constant(0, .s(p)) - fixed).wrapped(to: .u(n)), fixed.wrapped(to: .u(n))))
        let (lz, normalized) = FP32Adder.normalized(m, magnitude, lz: "sum_lz", prefix: "sum_norm")
        let bias = n - 1 + lsb - 127
        let exponent = m.wire("sum_exp", (scaleA.extended(to: eType) + scaleB.extended(to: eType) - lz.extended(to: eType)
                                          + Value.constant(Int64(bias), eType)).wrapped(to: eType))
        let carried = carry.map { v, name, reset in m.delay(v, name, reset: reset).value }
        let nanA = m.delay(nan, "add_nan", reset: nil).value
        let infA = ieee ? m.delay(infinite, "add_inf", reset: nil).value : infinite
        let infSignA = ieee ? m.delay(infSign, "add_inf_sign", reset: nil).value : infSign
        return (Addend(nan: nanA, inf: infA, infSign: infSignA, sign: m.delay(sign, "add_sign", reset: nil).value,
                       significand: m.delay(normalized, "add_sig", reset: nil).value, exponent: m.delay(exponent, "add_exp", reset: nil).value),
                carried)
    }

    /// Stage B: fp32(current + addend), nearest even. NaN: a NaN block or scale, a NaN
    /// accumulator, or ∞ − ∞; an infinite block sets ±∞; an infinite accumulator stays.
    static func stageB(_ m: ModuleBuilder, _ f: FloatMAC, current: Value, _ x: Addend) -> Value {
        let ieee = f.a.specials == .ieee || f.b.specials == .ieee
        let added = FP32Adder.add(m, code: current, sign: x.sign, significand: x.significand, exponent: x.exponent,
                                  window: max(24, f.blockSum.nanBit - 1))
        let accNaN = FP32Adder.isNaN(m, current, "acc_is_nan"), accInf = FP32Adder.isInfinity(m, current, "acc_is_inf")
        let infCode = FP32Adder.infinity(sign: x.infSign)
        let nanOut = ieee ? m.wire("sum_is_nan", x.nan | accNaN | (x.inf & accInf & (x.infSign ^ current[31]))) : x.nan | accNaN
        let finiteNext = ieee ? m.wire("add_next", x.inf.select(infCode, accInf.select(current, added))) : accInf.select(current, added)
        return nanOut.select(FP32Adder.nan, finiteNext)
    }

    /// `mx_ring_<formats>_<sum>_p<P>`: MX under a column of a weight- or input-stationary array.
    /// The column's results are a P-long ring of FP32 accumulators, one per streamed vector of a
    /// tile, shifted every cycle (stage A's register and P − 1 more). Each cycle the entry of the
    /// vector whose block sum `sum` arrives (+0 at its first tile, `first`) goes through stage A
    /// beside it and, if `gend` (its block is complete), stage B adds the scaled sum into it.
    /// `acc` is the entry after stage B, one cycle after `sum`. With ∞ among the elements (E5M2),
    /// `sum_nan`, `sum_pinf`, `sum_ninf` flag the block's special products, as in ``blockAdder(_:sumType:)``.
    static func columnRing(_ f: FloatMAC, sumType: HWType, length: Int) -> Module {
        Module("mx_ring_\(f.a.name)_\(f.b.name)_\(sumType.tag)_p\(length)",
               doc: "A ring of \(length) FP32 accumulators: acc = fp32(entry + sum · 2^(ea + e − 254)) when gend, else the entry; "
               + "\(f.a)×\(f.b) block sums, NaN counted from bit \(f.nanBit); latency 1.") { m in
            let sum = m.input("sum", sumType), gend = m.input("gend", .bit), first = m.input("first", .bit)
            let sa = m.input("ea", FloatMAC.scaleType), sb = m.input("e", FloatMAC.scaleType)
            let specials = f.hasInfinities ? (nan: m.input("sum_nan", .bit), pos: m.input("sum_pinf", .bit), neg: m.input("sum_ninf", .bit)) : nil
            let tail = (0..<(length - 1)).map { m.register("ring\($0)", .u(32), reset: nil) }
            let next = m.wire("acc_next", .u(32))
            let head = tail.last?.value ?? next.value
            let (addend, carried) = stageA(m, f, sum: sum, specials: specials, scaleA: sa, scaleB: sb,
                                           carry: [(gend, "add_valid", 0), (MACUnit.cleared(head, first), "add_entry", nil)])
            next.drive(carried[0].select(stageB(m, f, current: carried[1], addend), carried[1]))
            for (k, r) in tail.enumerated() { r.next(k == 0 ? next.value : tail[k - 1].value) }
            m.output("acc", next)
        }
    }
}

extension MACUnit {
    /// The MX unit when the MAC's float elements have blocks, else nil.
    var mxModule: Module? {
        guard config.types.float?.isBlockScaled == true, config.group != nil else { return nil }
        return MXAccumulator(config: config).module
    }
}
