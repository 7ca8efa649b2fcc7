import HWGenTypes
import HWGenCore
import HWGenGolden

/// The processing elements of ``SystolicStationary`` (digit-serial and parallel) and its digit
/// machinery: held operands, the Booth digit encoders and the zero-digit compaction.
extension SystolicStationary {
    /// With N:M sparsity, the element of the streamed group `x` the PE's weight belongs to: the
    /// index is shadow-loaded down the column (`idx_in` → `idx_out`) and switched in with the
    /// weight; without, `x` itself.
    func picked(_ m: ModuleBuilder, _ x: Value, first: Value, load: Value) -> Value {
        guard let p = sparsity else { return x }
        let idxType = HWType.u(p.indexBits)
        let shadow = m.register("shadow_idx", idxType, reset: nil)
        shadow.next(m.input("idx_in", idxType), enable: load)
        m.output("idx_out", shadow.value)
        let active = m.register("active_idx", idxType, reset: nil)
        let idx = m.wire("idx", first.select(shadow.value, active.value))
        active.next(idx)
        let lanes = (0..<p.m).map { k -> Value in
            let raw = x.bits(k * streamedType.bits + streamedType.bits - 1, k * streamedType.bits)
            return streamedType.signed ? raw.asSigned : raw
        }
        // A mux tree on the index bits, low bit first.
        var level = lanes
        for bit in 0..<p.indexBits {
            level = stride(from: 0, to: level.count, by: 2).map { idx[bit].select(level[$0 + 1], level[$0]) }
        }
        return m.wire("x_pick", level[0])
    }

    /// The `bitserial` PE: psum_out <= psum_in + digit · a, one Booth digit of b per cycle.
    var serialPE: Module {
        let t = mac.types, ws = stationary == .weights, (xType, wType) = peTypes
        let doc = ws
            ? "Weight-stationary digit-serial PE: psum_out <= psum_in + digit * x * 4^position, one nonzero Booth digit of the "
                + "weight per cycle; the digit list is shadow-loaded down the column and switched in by first_in."
            : "Input-stationary digit-serial PE: psum_out <= psum_in + digit * a, one Booth digit of the streamed b per cycle, "
                + "most significant first; the stationary value is shadow-loaded down the column and switched in by first_in."
        return Module(peName, doc: doc) { m in
            let xIn = m.input("x_in", xType), first = m.input("first_in", .bit)
            let wIn = m.input("w_in", wType), load = m.input("w_load", .bit)
            let shadow = m.register("shadow", wType, reset: nil)
            shadow.next(wIn, enable: load)
            m.output("x_out", m.delay(xIn, "x_q", reset: nil))
            let x = picked(m, xIn, first: first, load: load)
            m.output("first_out", m.delay(first, "first_q"))
            m.output("w_out", shadow.value)
            let operand: Value, digit: Value
            if ws {
                // Slot q of a vector (q = 0 where `start_in` is 1) uses entry q of the weight's
                // compacted digits: digit · x · 4^position.
                let start = m.input("start_in", .bit)
                m.output("start_out", m.delay(start, "start_q"))
                let list = m.register("digits", wType, reset: nil)
                let current = m.wire("current", first.select(shadow.value, list.value))
                list.next(current)
                let eb = entryBits
                let entries = (0..<digits).map { current.bits($0 * eb + eb - 1, $0 * eb) }
                var entry = entries[0]
                if digits > 1 {
                    let slot = m.register("slot", .u(positionBits), reset: nil)
                    slot.next(start.select(Value.constant(1, slot.type), (slot + 1).wrapped(to: slot.type)))
                    let later = (1..<digits).reduce(Value.constant(0, .u(eb))) { e, q in (slot == q).select(entries[q], e) }
                    entry = m.wire("entry", start.select(entries[0], later))
                }
                let pos = digits > 1 ? entry.bits(eb - 1, 3) : nil
                (operand, digit) = (MACUnit(mac).scaledByDigitPosition(m, x, pos: pos), entry.bits(2, 0))
            } else {
                let active = m.register("active", wType, reset: nil)
                let weight = m.wire("weight", first.select(shadow.value, active.value))
                active.next(weight)
                (operand, digit) = (weight, x)
            }
            let psumIn = m.input("psum_in", t.acc)
            let signed = operand.type.signed ? operand : operand.extended(to: .s(WidthRules.signedBits(operand.type)))
            var row = MACUnit.digitRow(m, signed, digit)
            if mac.pipeline >= 1 { row = m.delay(row, "row_q", reset: nil) }
            let wide = MACUnit.modulo(row, bits: t.acc.bits)
            m.output("psum_out", m.delay((psumIn + (t.acc.signed ? wide.asSigned : wide)).wrapped(to: t.acc), "psum", reset: nil))
        }
    }

    var parallelPE: Module {
        let unit = MACUnit(mac), t = mac.types, w = chainType.bits
        let doc = pairs ? "Weight-stationary FFIP PE: psum_out <= psum_in + (x0 + w1) * (x1 + w0); the weight pair is shadow-loaded "
            + "down the column and switched in by first_in."
            : "\(stationary == .weights ? "Weight" : "Input")-stationary PE: psum_out <= psum_in + x * stationary; "
            + "the stationary value is shadow-loaded down the column and switched in by first_in."
        return Module(peName, doc: doc) { m in
            let xIn = m.input("x_in", peTypes.x), first = m.input("first_in", .bit)
            let wIn = m.input("w_in", stationaryType), load = m.input("w_load", .bit)
            let shadow = m.register("shadow", stationaryType, reset: nil)
            shadow.next(wIn, enable: load)
            let active = m.register("active", stationaryType, reset: nil)
            let weight = m.wire("weight", first.select(shadow.value, active.value))
            active.next(weight)
            let xq = m.delay(xIn, "x_q", reset: nil)
            m.output("x_out", xq)
            m.output("first_out", m.delay(first, "first_q"))
            m.output("w_out", shadow.value)
            let x = picked(m, xIn, first: first, load: load)
            // WS, carry-save with a registered stage and no sparsity: the partial products come
            // from the operand registers (x_q, the active weight) the PE has anyway, in the cycle
            // a product register would hold them, instead of through the switch mux into a
            // register. (IS Booth-encodes the streamed operand, and there this measured 2 % worse.)
            let fromRegisters = carrySave && mac.pipeline >= 1 && sparsity == nil && stationary == .weights
            let (a, b) = fromRegisters ? (stationary == .weights ? (xq, active.value) : (active.value, xq))
                : stationary == .weights ? (x, weight) : (weight, x)
            // FFIP: the rows of (x₀ + w₁)(x₁ + w₀).
            let arith = MACRegistry.arithmetic(mac.kind)
            func productRows(_ a: Value, _ b: Value) -> [Value] {
                pairs ? arith.pairRows(m, (a.lane(0, t.a), a.lane(1, t.a)), (b.lane(0, t.b), b.lane(1, t.b)), mac, width: w, prefix: "pair")
                      : unit.productRows(m, a, b, width: w)
            }
            if carrySave {
                let sIn = m.input("psum_s_in", .u(w)), cIn = m.input("psum_c_in", .u(w))
                var rows = productRows(a, b)
                if mac.pipeline >= 1 && !fromRegisters {
                    rows = CarrySave.reduce(rows, width: w, m, prefix: "pp").rows
                        .enumerated().map { k, r in m.delay(r, "pp_\(k == 0 ? "s" : "c")_q", reset: nil) }
                }
                let next = CarrySave.reduce([sIn, cIn] + rows, width: w, m, prefix: "csa").rows
                m.output("psum_s_out", m.delay(next[0], "psum_s", reset: nil))
                m.output("psum_c_out", m.delay(next[1], "psum_c", reset: nil))
            } else if let chain = clampChain {
                // psum_out = psum_in + product exactly; lo and hi are where the clamped sum of the
                // column so far lands from the accumulator's two extremes.
                let step = ClampAdd(c: m.input("psum_in", chain), lo: m.input("lo_in", t.acc), hi: m.input("hi_in", t.acc))
                var product = unit.exactProduct(m, a, b)
                if mac.pipeline >= 1 { product = m.delay(product, "product_q", reset: nil) }
                let next = step.adding(product, m, prefix: "step", exact: chain)   // a column's sum fits the chain
                m.output("psum_out", m.delay(next.c.wrapped(to: chain), "psum", reset: nil))
                m.output("lo_out", m.delay(next.lo, "lo", reset: nil))
                m.output("hi_out", m.delay(next.hi, "hi", reset: nil))
            } else if let f = t.float, f.usesAdder {
                // E5M2, BF16, FP16 (or align<N>, the product cut to N bits below the larger top):
                // the column's FP32 sum so far plus this product, rounded by an FP32 adder in every PE.
                let psumIn = m.input("psum_in", .u(32))
                var addend = FloatAdderMAC.productAddend(m, a, b, f)
                if mac.pipeline >= 1 { addend = addend.registered(m) }
                let next = FloatAdderMAC.sum(m, psumIn, addend, window: max(24, f.a.mantissaBits + f.b.mantissaBits + 2), truncate: f.alignBits)
                m.output("psum_out", m.delay(m.wire("psum_next", next), "psum", reset: nil))
            } else if let f = t.float, f.isBlockScaled, f.hasInfinities {
                // MX with ∞ (E5M2): the chain sums the finite products; NaN, +∞ and −∞ travel
                // beside it as three flags ORed down the column.
                let chain = chainType
                let psumIn = m.input("psum_in", chain), flagsIn = m.input("flags_in", .u(3))
                let split = MACUnit.finiteProduct(m, a, b, f.blockSum)
                var product = split.finite
                var flags = m.wire("product_flags", concat([split.neg, split.pos, split.nan]))   // {−∞, +∞, NaN}
                if mac.pipeline >= 1 {
                    product = m.delay(product, "product_q", reset: nil)
                    flags = m.delay(flags, "flags_q", reset: nil)
                }
                m.output("psum_out", m.delay((psumIn + product.extended(to: chain)).wrapped(to: chain), "psum", reset: nil))
                m.output("flags_out", m.delay(flagsIn | flags, "flags", reset: nil))
            } else {
                let chain = chainType
                let psumIn = m.input("psum_in", chain)
                var product = pairs ? productRows(a, b)[0] : unit.exactProduct(m, a, b)
                if mac.pipeline >= 1 { product = m.delay(product, "product_q", reset: nil) }
                let wide = product.extended(to: HWType(bits: max(chain.bits, product.type.bits), signed: product.type.signed))
                var sum = (psumIn + wide.wrapped(to: chain)).wrapped(to: chain)
                if let f = t.float, f.roundsFixedPointSums {
                    // FP32 accumulation: each PE rounds the column's sum so far.
                    sum = FloatResultUnit.roundedToFP32(m, m.wire("psum_sum", sum), f)
                }
                m.output("psum_out", m.delay(sum, "psum", reset: nil))
            }
        }
    }

    /// `v` in the cycle `load` is 1, and afterwards as it was then (the register `<name>_held`):
    /// a beat's value for all the cycles of its vector.
    func hold(_ m: ModuleBuilder, _ v: Value, _ name: String, _ load: Value) -> Value {
        let r = m.register("\(name)_held", v.type, reset: nil)
        r.next(v, enable: load)
        return m.wire("\(name)_now", load.select(v, r.value))
    }

    /// The compacted Booth digits of the weight `w` (its nonzero digits with their positions,
    /// lowest first, as a ``digitWord``) and how many there are: a sparse encoder.
    func compactedDigits(_ m: ModuleBuilder, _ w: Value, prefix: String) -> (list: Value, count: Value) {
        let ds = MACUnit.boothDigits(m, w, prefix: "\(prefix)_digit")
        let nonzero = ds.map { $0.one | $0.two }
        let countType = HWType.u(bitsFor(digits))
        // rank[i]: nonzero digits below digit i.
        var rank: [Value] = [Value.constant(0, countType)]
        for i in 1..<max(1, ds.count) {
            rank.append(m.wire("\(prefix)_rank\(i)", (rank[i - 1] + nonzero[i - 1].extended(to: .u(1))).wrapped(to: countType)))
        }
        let count = m.wire("\(prefix)_count", (rank[ds.count - 1] + nonzero[ds.count - 1].extended(to: .u(1))).wrapped(to: countType))
        let entries: [Value] = (0..<ds.count).map { e in
            (0..<ds.count).filter { $0 >= e }.reduce(Value.constant(0, .u(entryBits))) { x, i in
                var fields = [ds[i].neg, ds[i].two, ds[i].one]
                if positionBits > 0 { fields.insert(Value.constant(Int64(i), .u(positionBits)), at: 0) }
                return (nonzero[i] & (rank[i] == e)).select(concat(fields), x)
            }
        }
        return (m.wire("\(prefix)_digits", concat(entries.reversed())), count)
    }

    /// Booth digits `{neg, two, one}` of `b`, most significant first: the top digit in the cycle
    /// `load` is 1, the others in the following cycles from the register `<prefix>_digits`.
    func serialDigits(_ m: ModuleBuilder, _ b: Value, load: Value, prefix: String) -> Value {
        let ds = MACUnit.boothDigits(m, b, prefix: "\(prefix)_digit").map { concat([$0.neg, $0.two, $0.one]) }
        guard ds.count > 1 else { return ds[0] }
        let n = 3 * (ds.count - 1)
        let rest = m.register("\(prefix)_digits", .u(n), reset: nil)
        let drained = n > 3 ? concat([rest.value.bits(n - 4, 0), Value.constant(0, .u(3))]) : Value.constant(0, .u(3))
        rest.next(load.select(concat(ds.dropLast().reversed()), drained))
        return load.select(ds[ds.count - 1], rest.value.bits(n - 1, n - 3))
    }

    /// Tiles in order (stationary column tile, streamed chunk of P vectors, K tile), preceded by
    /// R beats that load the first tile's stationary rows. Each tile is P beats of one streamed
    /// vector each (zero beyond the matrices); its last R beats also load the next tile's
    /// stationary rows, row R − 1 first. Column j emits, with each chunk's last K tile, P sums in
    /// stream order. With N:M sparsity the stationary rows are B compressed by ``SparseWeights``
    /// (R stored rows, R / N groups per K tile) and a vector carries each group's M elements.
    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus { stimulus(a: a, b: b, exponents: nil) }

    /// With `mac.group` G, each tile's beats also flag whether the tile starts a group of K
    /// (`g_start`) or ends one (`g_end`), and with `g_end` carry the group's exponents: of the
    /// tile's B columns (WS) or of the vector's B column (IS), on `e_vec`; MX adds A's scales on
    /// `ea_vec`: the vector's row of A (WS) or the tile's rows of A (IS).
    public func stimulus(_ ops: GemmOperands) -> Stimulus { stimulus(a: ops.a, b: ops.b, exponents: ops.groupScales, scalesA: ops.scalesA) }
}
