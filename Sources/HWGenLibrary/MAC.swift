import HWGenTypes
import HWGenCore
import HWGenGolden

/// A multiply-accumulate unit of any kind, with one port contract so every engine takes every kind.
///
/// Ports: `a` (``aLane``), `b` (``bLane``), `first` (the element starts a new sum) and the
/// output `acc`. An element occupies ``elementCycles`` consecutive cycles: the engine feeds its
/// operands through ``serializeA(_:_:load:prefix:)`` and ``serializeB(_:_:load:prefix:)`` (the
/// identity for one-cycle kinds) and raises `first` in the element's first cycle only. A cycle with
/// no element must present `a = 0` and `first = 0` (the sum is then unchanged), so the unit needs
/// no enable and no reset.
/// The running sum including an element presented in cycle t is on `acc` from cycle t + ``latency``
/// — except that, when ``splitBit`` is set, bits `[splitBit...]` of `acc` follow one cycle later
/// (the accumulator's upper half lags its lower half; the carry between them is registered).
/// Sums wrap to the accumulator type (two's complement).
public struct MACUnit: Sendable {
    public let config: MACConfig

    public init(_ config: MACConfig) { self.config = config }

    private var t: MACTypes { config.types }

    /// Cycles from an element at the inputs to the (lower part of the) sum on `acc`.
    public var latency: Int { (config.pipeline >= 1 ? 2 : 1) + (config.group == nil ? 0 : 1) }

    /// Cycles per element: one per Booth digit of `b` for `bitserial`, else 1.
    public var elementCycles: Int { config.elementCycles }

    /// Type of the `a` port: the operand, or for `bitserial` the operand shifted left by two bits
    /// per digit already taken (a signed number, capped at the accumulator's width).
    public var aLane: HWType {
        config.kind == .bitserial ? .s(min(WidthRules.signedBits(t.a) + 2 * (elementCycles - 1), t.acc.bits)) : t.a
    }

    /// Type of the `b` port: the operand, or for `bitserial` one Booth digit `{neg, two, one}`.
    public var bLane: HWType { config.kind == .bitserial ? .u(3) : t.b }

    /// Width of the signed value added to the accumulator per cycle (before sign extension).
    private var productBits: Int { config.kind == .bitserial ? aLane.bits + 2 : t.product.bits }

    /// Where the accumulator splits into a lower half and an upper half lagging one cycle
    /// (pipeline 2), at the product width or half the accumulator, whichever is lower; nil when
    /// not split (pipeline 0 or 1).
    public var splitBit: Int? {
        guard config.pipeline == 2 else { return nil }
        return min(productBits, (t.acc.bits + 1) / 2)
    }

    /// What the `a` port sees in each cycle of an element whose operand `a` (the operand type) is
    /// loaded in the cycle `load` is 1. For `bitserial`, a in the load cycle and a·4^k k cycles
    /// later, from the shift register `<prefix>_shift`; otherwise `a` itself.
    public func serializeA(_ m: ModuleBuilder, _ a: Value, load: Value, prefix: String) -> Value {
        guard config.kind == .bitserial else { return a }
        let operand = m.wire("\(prefix)_operand", a)
        let lane = fit(operand.extended(to: .s(WidthRules.signedBits(a.type))), aLane)
        guard elementCycles > 1 else { return lane }
        let shift = m.register("\(prefix)_shift", aLane, reset: nil)
        shift.next(load.select(shiftedUp(lane), shiftedUp(shift.value)))
        return load.select(lane, shift.value)
    }

    /// What the `b` port sees in each cycle of an element whose operand `b` is loaded in the cycle
    /// `load` is 1. For `bitserial`, Booth digit k of b in the k-th cycle from the load, the later
    /// digits from the register `<prefix>_digits` (which shifts in zero digits); otherwise `b`.
    public func serializeB(_ m: ModuleBuilder, _ b: Value, load: Value, prefix: String) -> Value {
        guard config.kind == .bitserial else { return b }
        let digits = Self.boothDigits(m, b, prefix: "\(prefix)_digit").map { concat([$0.neg, $0.two, $0.one]) }
        guard digits.count > 1 else { return digits[0] }
        let n = 3 * (digits.count - 1)
        let rest = m.register("\(prefix)_digits", .u(n), reset: nil)
        let drained = n > 3 ? concat([Value.constant(0, .u(3)), rest.value.bits(n - 1, 3)]) : Value.constant(0, .u(3))
        rest.next(load.select(concat(digits.dropFirst().reversed()), drained))
        return load.select(digits[0], rest.value.bits(2, 0))
    }

    /// The unit `mac_<kind>_p<pipeline>_<a>_<b>_<acc>[_g<G>]`.
    ///
    /// With ``MACConfig/group`` it has three more inputs: `gstart` (the element starts a group;
    /// `first` does too), `gend` (the element ends a group) and `e` (that group's exponent, with
    /// `gend`). An inner unit sums the group's products exactly; one cycle after a group's sum is
    /// complete, it is shifted left by `e` and added (wrapping or clamping) into `acc`, which
    /// starts over with the first group after `first`. ``latency`` includes that cycle.
    public var module: Module {
        if let group = groupModule { return group }
        let overflow = t.saturating ? "clamps to" : "wraps to"
        let doc = "acc <= first ? a*b : acc + a*b (\(overflow) \(t.acc)); \(config.kind.rawValue), "
            + "pipeline \(config.pipeline), latency \(latency)" + (splitBit.map { ", acc[\(t.acc.bits - 1):\($0)] one cycle later" } ?? "") + "."
        return Module("mac_\(config.tag)", doc: doc) { m in
            let a = m.input("a", aLane), b = m.input("b", bLane), first = m.input("first", .bit)
            switch config.kind {
            case .baseline: m.output("acc", accumulate(m, m.wire("product", a * b), first))
            case .booth where t.saturating:
                // A saturating sum needs each product whole: the Booth rows are added up first.
                m.output("acc", accumulate(m, exactProduct(m, a, b), first))
            case .booth: m.output("acc", booth(m, first, rows: Self.boothRows(m, a, b, width: t.acc.bits)).sum)
            case .bitserial: m.output("acc", accumulate(m, Self.digitRow(m, a, b), first))
            case .shiftadd: m.output("acc", accumulate(m, Self.shiftAddProduct(m, a, b, t), first))
            }
        }
    }

    /// The exact product a·b (``MACTypes/product``) of a one-cycle kind, built its way: a
    /// multiplier, Booth rows compressed and added, or shift-and-add.
    func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, prefix: String = "") -> Value {
        switch config.kind {
        case .baseline: return m.wire("\(prefix)product", a * b)
        case .shiftadd: return Self.shiftAddProduct(m, a, b, t, prefix: prefix)
        case .booth:
            let w = t.product.bits
            let rows = CarrySave.reduce(Self.boothRows(m, a, b, width: w, prefix: "\(prefix)booth"), width: w, m, prefix: "\(prefix)pp").rows
            let sum = m.wire("\(prefix)product", Self.rowSum(rows, bits: w))
            return t.product.signed ? sum.asSigned : sum
        case .bitserial: preconditionFailure("a bitserial unit has no one-cycle product")
        }
    }

    /// The group-dequantizing unit: an exact inner sum per group, shifted and accumulated.
    private var groupModule: Module? {
        guard let g = config.group, let sumType = config.groupSum else { return nil }
        let inner = MACUnit(MACConfig(t.withAccumulator(sumType), kind: config.kind,
                                      pipeline: config.pipeline))
        let overflow = t.saturating ? "clamped to" : "wrapping to"
        let doc = "acc += (Σ of a group of up to \(g) products) << e, \(overflow) \(t.acc); \(config.kind.rawValue), "
            + "pipeline \(config.pipeline), latency \(latency)."
        return Module("mac_\(config.tag)", doc: doc) { m in
            let a = m.input("a", aLane), b = m.input("b", bLane), first = m.input("first", .bit)
            let gstart = m.input("gstart", .bit), gend = m.input("gend", .bit), e = m.input("e", MACConfig.exponentType)
            let sum = m.instance(inner.module, "group_sum", ["a": a, "b": b, "first": first | gstart])["acc"]
            // The flags and exponent of the element whose group sum is now on `sum`.
            func lag(_ v: Value, _ name: String, reset: Int64? = 0) -> Value {
                (0..<inner.latency).reduce(v) { x, k in m.delay(x, "\(name)_d\(k + 1)", reset: reset) }
            }
            let (ended, began, exp) = (lag(gend, "gend"), lag(first, "first"), lag(e, "e", reset: nil))
            // `fresh`: the output restarted (a `first`) and has not taken a group yet.
            let fresh = m.register("fresh", .bit, reset: 0)
            fresh.next(began.select(~ended, ended.select(Value.constant(0, .bit), fresh.value)))
            let shifted = Self.shiftedLeft(m, sum, by: exp, prefix: "shifted", limit: t.saturating ? nil : t.acc.bits)
            let acc = m.register("acc", t.acc, reset: nil)
            let base = Self.cleared(acc.value, began | fresh)
            if t.saturating {
                acc.next(m.wire("acc_sum", base + shifted).saturated(to: t.acc), enable: ended)
            } else {
                acc.next(Self.modulo(base + shifted, bits: t.acc.bits).wrapped(to: t.acc), enable: ended)
            }
            m.output("acc", acc)
        }
    }

    /// `v` · 2^by for a variable `by` (all of its values): one stage per bit of `by`, stage i
    /// shifting by 2^i (wires `<prefix>i`). Exact, or with `limit` (for a wrapping accumulator of
    /// that many bits, `v` no wider) only its low `limit` bits: the ones the wrap keeps, so no
    /// stage carries bits nothing reads.
    static func shiftedLeft(_ m: ModuleBuilder, _ v: Value, by: Value, prefix: String, limit: Int? = nil) -> Value {
        var x = v
        for i in 0..<by.type.bits {
            let s = 1 << i
            let width = min(x.type.bits + s, limit ?? Int.max)
            let wide = HWType(bits: width, signed: v.type.signed)
            let moved = s >= width ? Value.constant(0, .u(width))
                : concat([width - s < x.type.bits ? x.bits(width - s - 1, 0) : x.asUnsigned, Value.constant(0, .u(s))])
            x = m.wire("\(prefix)\(i)", by[i].select(v.type.signed ? moved.asSigned : moved, x.extended(to: wide)))
        }
        return x
    }

    /// The value of a weight code `b` as `s(max e + 2)` (for references; the unit never decodes).
    static func decodedWeight(_ m: ModuleBuilder, _ b: Value, _ weights: WeightFormat) -> Value {
        if weights == .ternary { return m.wire("b_value", (b == -2).select(Value.constant(0, .s(2)), b)) }   // `10` reads as 0
        guard case .powerOfTwo(let n) = weights else { return b }
        let e = weights.maxExponent!, type = HWType.s(e + 2)
        let values = (0..<(1 << n)).map { code -> Value in
            let f = code & ((1 << (n - 1)) - 1), neg = code >> (n - 1) == 1
            let v: Int64 = f == 0 ? 0 : (neg ? -1 : 1) << Int64(f - 1)
            return Value.constant(v, type)
        }
        return m.wire("b_value", DotEngine.pick(values, b))
    }

    /// ±a·2^e for a ternary or power-of-two weight code `b`, `s(a bits + 1 + max e)`: the
    /// selected (shifted) a, ones' complemented and incremented when the sign bit is set.
    static func shiftAddProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ t: MACTypes, prefix: String = "") -> Value {
        let product = t.product
        let signed = a.extended(to: .s(WidthRules.signedBits(a.type)))
        let (neg, magnitude): (Value, Value)
        switch t.weights {
        case .ternary:
            // Code = the value as s2: bit 1 is the sign, bit 0 says nonzero.
            neg = b[1]
            magnitude = b[0].select(signed.extended(to: product), Value.constant(0, product))
        case .powerOfTwo(let n):
            // {sign, f}: f = 0 is zero, else the magnitude is 2^(f − 1).
            neg = b[n - 1]
            let f = b.bits(n - 2, 0)
            let copies = (0..<(1 << (n - 1))).map { code -> Value in
                guard code > 0 else { return Value.constant(0, product) }
                let raw = code == 1 ? signed : concat([signed.asUnsigned, Value.constant(0, .u(code - 1))]).asSigned
                return raw.extended(to: product)
            }
            magnitude = DotEngine.pick(copies, f)
        case .integer:
            preconditionFailure("shiftadd takes ternary or power-of-two weights")
        }
        let selected = m.wire("\(prefix)selected", magnitude)
        let ones = m.wire("\(prefix)ones", (selected.asUnsigned ^ replicate(m.wire("\(prefix)neg", neg), product.bits)).asSigned)
        return m.wire("\(prefix)product", (ones + neg).wrapped(to: product))
    }

    /// Types of the rows a `booth` unit (its Booth partial products, each `u(acc bits)`) or a
    /// `bitserial` unit (one signed digit row) adds to its accumulator per cycle; empty for `baseline`.
    public var rowTypes: [HWType] {
        switch config.kind {
        case .baseline, .shiftadd: return []
        case .bitserial: return [.s(aLane.bits + 2)]
        case .booth:
            var n = 0
            _ = Module("count") { m in
                n = Self.boothRows(m, m.input("a", t.a), m.input("b", t.b), width: t.acc.bits).count
            }
            return Array(repeating: .u(t.acc.bits), count: n)
        }
    }

    /// The unit with its product rows (``rowTypes``) as free inputs `row0`, `row1`, … instead of
    /// rows built from `a` and `b`: the same accumulator, pipeline and final adder, for proving the
    /// accumulation apart from the multiplication.
    public var rowsModule: Module {
        precondition(config.kind != .baseline, "rowsModule is for booth and bitserial units")
        return Module("mac_rows_\(config.tag)", doc: "\(config) with its product rows as inputs.") { m in
            let first = m.input("first", .bit)
            let rows = rowTypes.enumerated().map { m.input("row\($0)", $1) }
            m.output("acc", config.kind == .booth ? booth(m, first, rows: rows).sum : accumulate(m, rows[0], first))
        }
    }

    // MARK: - Binary accumulator: acc + a*b (baseline) or acc ± digit·a (bitserial)

    /// `acc <= (first ? 0 : acc) + product`, pipelined and split as configured, wrapping or
    /// (saturating accumulator) clamping; returns the sum.
    private func accumulate(_ m: ModuleBuilder, _ product: Value, _ first: Value) -> Value {
        let w = t.acc.bits
        var product = product
        var clear = first
        if config.pipeline >= 1 {
            product = m.delay(product, "product_q", reset: nil)
            clear = m.delay(first, "first_q")
        }
        // The product in the accumulator's type (sign-extended, or wrapped when an unsigned
        // product is exactly as wide as a signed accumulator).
        let wide = product.extended(to: HWType(bits: max(w, product.type.bits), signed: product.type.signed))
        guard let h = splitBit else {
            let acc = m.register("acc", t.acc, reset: nil), p = wide.wrapped(to: t.acc)
            if t.saturating {
                // Clamp the exact sum (the product is at most as wide as the accumulator).
                let sum = m.wire("acc_sum", (config.pipeline == 0 ? Self.cleared(acc.value, clear) : acc.value) + wide)
                let clamped = sum.saturated(to: t.acc)
                acc.next(config.pipeline == 0 ? clamped : clear.select(p, clamped))
                return acc.value
            }
            if config.pipeline == 0 {
                // One fused multiply-add: the clear gates the accumulator operand.
                acc.next((Self.cleared(acc.value, clear) + p).wrapped(to: t.acc))
            } else {
                // The clear selects after the adder, off the adder's path (its flag drives w loads).
                acc.next(clear.select(p, (acc + p).wrapped(to: t.acc)))
            }
            return acc.value
        }
        let p = wide.wrapped(to: .u(w))
        // Lower half adds the low product bits; its carry and the product's upper bits reach
        // the upper half one cycle later, together with the clear.
        let lo = m.register("acc_lo", .u(h), reset: nil), hi = m.register("acc_hi", .u(w - h), reset: nil)
        let sumLo = m.wire("sum_lo", lo + p.bits(h - 1, 0))
        lo.next(clear.select(p.bits(h - 1, 0), sumLo.bits(h - 1, 0)))
        let carry = m.delay(~clear & sumLo[h], "carry_q", reset: nil)
        // The product's bits above the split: its sign extension when it fits the lower half.
        let pHi = h >= product.type.bits
            ? (product.type.signed ? replicate(m.delay(product[h - 1], "product_sign_q", reset: nil), w - h)
                                   : Value.constant(0, .u(w - h)))
            : m.delay(p.bits(w - 1, h), "product_hi_q", reset: nil)
        let clearHi = m.delay(clear, "clear_hi_q")
        hi.next((Self.cleared(hi.value, clearHi) + pHi + carry).wrapped(to: .u(w - h)))
        return concat([hi, lo]).wrapped(to: t.acc)
    }

    // MARK: - Bit-serial: one Booth digit per cycle

    /// `a` (the operand type) times 4^pos in the type of the `a` port (``aLane``), for units fed
    /// only the nonzero digits of b with their positions; `a` itself (as ``aLane``) without `pos`.
    func scaledByDigitPosition(_ m: ModuleBuilder, _ a: Value, pos: Value?) -> Value {
        let signed = a.type.signed ? a : a.extended(to: .s(WidthRules.signedBits(a.type)))
        let shifted = (0..<(pos == nil ? 1 : elementCycles)).map { p -> Value in
            let v = p == 0 ? signed : concat([signed.asUnsigned, Value.constant(0, .u(2 * p))]).asSigned
            return fit(v, aLane)
        }
        guard let pos else { return m.wire("a_shifted", shifted[0]) }
        return m.wire("a_shifted", (1..<shifted.count).reduce(shifted[0]) { x, p in (pos == p).select(shifted[p], x) })
    }

    /// The row `digit·a` of a `bitserial` unit, `s(a bits + 2)`: 0, a or 2a selected by the digit
    /// `{neg, two, one}`, negated as its ones' complement plus one when `neg` is set.
    static func digitRow(_ m: ModuleBuilder, _ a: Value, _ digit: Value, prefix: String = "row") -> Value {
        let (neg, two, one) = (digit[2], digit[1], digit[0])
        let l = a.type.bits
        let once = a.extended(to: .s(l + 1))
        let twice = concat([a.asUnsigned, Value.constant(0, .bit)]).asSigned
        let selected = one.select(once, two.select(twice, Value.constant(0, .s(l + 1))))
        let ones = m.wire("\(prefix)_ones", (selected.asUnsigned ^ replicate(neg, l + 1)).asSigned)
        return m.wire(prefix, ones + neg)
    }

    // MARK: - Booth radix-4 with a carry-save accumulator

    /// A `booth` unit's state registers (pipeline 0 and 1), for inductive proofs.
    struct BoothState {
        /// The carry-save accumulator.
        let s, c: Value
        /// Pipeline 1: the registered product pair and the registered `first`.
        let pair: (s: Value, c: Value)?
        let clear: Value?
    }

    /// Builds the carry-save accumulator and its final adder in `m`; returns the converted sum
    /// (for the `acc` output) and, without a split, the state registers.
    func booth(_ m: ModuleBuilder, _ first: Value, rows productRows: [Value]) -> (sum: Value, state: BoothState?) {
        let w = t.acc.bits
        var rows = productRows
        var clear = first
        if config.pipeline >= 1 {
            // Stage 1: Booth partial products compressed to two rows, registered.
            let pair = CarrySave.reduce(rows, width: w, m, prefix: "pp").rows
            rows = pair.enumerated().map { k, r in m.delay(r, "pp_\(k == 0 ? "s" : "c")_q", reset: nil) }
            clear = m.delay(first, "first_q")
        }
        guard let h = splitBit else {
            let s = m.register("acc_s", .u(w), reset: nil), c = m.register("acc_c", .u(w), reset: nil)
            if config.pipeline == 0 {
                let next = CarrySave.reduce([Self.cleared(s.value, clear), Self.cleared(c.value, clear)] + rows,
                                            width: w, m, prefix: "csa").rows
                s.next(next[0])
                c.next(next[1])
            } else {
                // The registered product pair is the new sum on `first`: select after the compressor.
                let next = CarrySave.reduce([s.value, c.value] + rows, width: w, m, prefix: "csa").rows
                s.next(clear.select(rows[0], next[0]))
                c.next(clear.select(rows[1], next[1]))
            }
            // The one carry-propagate add, as the sum leaves the unit.
            let pipelined = config.pipeline >= 1
            return ((s + c).wrapped(to: t.acc),
                    BoothState(s: s.value, c: c.value, pair: pipelined ? (rows[0], rows[1]) : nil, clear: pipelined ? clear : nil))
        }
        // Split carry-save accumulator: the lower half's carries out of its top column, and the
        // product rows' upper bits, reach the upper half one cycle later.
        let (sl, cl) = (m.register("acc_s_lo", .u(h), reset: nil), m.register("acc_c_lo", .u(h), reset: nil))
        let (sh, ch) = (m.register("acc_s_hi", .u(w - h), reset: nil), m.register("acc_c_hi", .u(w - h), reset: nil))
        let rowsLo = rows.map { $0.bits(h - 1, 0) }
        let low = CarrySave.reduce([sl.value, cl.value] + rowsLo, width: h, m, prefix: "lo", carriesOut: true)
        sl.next(clear.select(rowsLo[0], low.rows[0]))
        cl.next(clear.select(rowsLo[1], low.rows[1]))
        let clearHi = m.delay(clear, "clear_hi_q")
        var upper = [Self.cleared(sh.value, clearHi), Self.cleared(ch.value, clearHi)]
        upper += rows.enumerated().map { k, r in m.delay(r.bits(w - 1, h), "row\(k)_hi_q", reset: nil) }
        upper += low.carries.enumerated().map { k, x in
            m.delay(~clear & x, "carry\(k)_q", reset: nil).extended(to: .u(w - h))
        }
        let high = CarrySave.reduce(upper, width: w - h, m, prefix: "hi").rows
        sh.next(high[0])
        ch.next(high[1])
        // Conversion, split the same way: the lower sum's carry joins the upper sum a cycle later.
        let sumLo = m.wire("sum_lo", sl + cl)
        let carry = m.delay(sumLo[h], "sum_carry_q", reset: nil)
        let sumHi = (sh + ch + carry).wrapped(to: .u(w - h))
        return (concat([sumHi, sumLo.bits(h - 1, 0)]).wrapped(to: t.acc), nil)
    }

    /// The rows whose sum modulo 2^w is a·b, as the kind builds them from its `a` and `b` ports
    /// (``aLane``, ``bLane``): Booth rows, the one digit row of `bitserial` (a·digit), or the
    /// product itself for `baseline`.
    func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, width: Int? = nil) -> [Value] {
        let w = width ?? t.acc.bits
        switch config.kind {
        case .baseline: return [Self.modulo(m.wire("product", a * b), bits: w)]
        case .shiftadd: return [Self.modulo(Self.shiftAddProduct(m, a, b, t), bits: w)]
        case .booth: return Self.boothRows(m, a, b, width: w)
        case .bitserial: return [Self.modulo(Self.digitRow(m, a, b), bits: w)]
        }
    }

    /// Radix-4 Booth partial-product rows of a·b, each `u(w)`, whose sum modulo 2^w is a·b.
    ///
    /// Digit i of b (bits 2i+1, 2i, 2i−1; b[−1] = 0, b sign- or zero-extended) selects 0, ±a or
    /// ±2a. A negative digit is the row's ones' complement plus a 1 at bit 2i. Each row is the
    /// (|a|+1)-bit selection with its sign bit inverted, which equals the sign-extended row plus
    /// 2^(top) — the sum of those 2^(top) offsets is subtracted once by a constant row.
    static func boothRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, width w: Int, prefix: String = "booth") -> [Value] {
        let aBits = WidthRules.signedBits(a.type)                     // a as a signed number
        let rowBits = aBits + 1                                       // holds ±2a (ones' complement)
        let aExt = a.extended(to: .s(aBits)).asUnsigned
        var rows: [Value] = []
        var negBits: [(Int, Value)] = []
        var offsets: Int64 = 0
        for (i, (neg, one, two)) in boothDigits(m, b, prefix: prefix).enumerated() {
            // A row reaching past bit w − 1 keeps only its low w − 2i bits (its sign flip and
            // offset, 2^(rowBits−1+2i) ≥ 2^w, vanish modulo 2^w).
            let keep = min(rowBits, w - 2 * i)
            guard keep > 0 else { continue }
            // Selected multiple in `keep` bits: a sign-extended by one bit, or 2a (a shifted left).
            let onceA = keep == rowBits ? a.extended(to: .s(rowBits)).asUnsigned : aExt.bits(keep - 1, 0)
            let twiceA = keep == 1 ? Value.constant(0, .bit) : concat([aExt.bits(keep - 2, 0), Value.constant(0, .bit)])
            let selected = one.select(onceA, two.select(twiceA, Value.constant(0, .u(keep))))
            let signed = m.wire("\(prefix)\(i)_pp", selected ^ replicate(neg, keep))
            negBits.append((2 * i, neg))
            guard keep == rowBits else { rows.append(place(signed, at: 2 * i, width: w)); continue }
            // Invert the sign bit: row + 2^(rowBits-1) as an unsigned pattern.
            let flipped = concat([~signed[rowBits - 1], signed.bits(rowBits - 2, 0)])
            rows.append(place(flipped, at: 2 * i, width: w))
            offsets += Int64(1) << (rowBits - 1 + 2 * i)
        }
        // Constant −Σ offsets (mod 2^w) and the negation bits; one row when they do not overlap.
        let mask: Int64 = w >= 63 ? Int64.max : (Int64(1) << w) - 1
        let constant = (-offsets) & mask
        let negRow = place(concatBits(negBits, width: w), at: 0, width: w)
        let lowestConstantBit = constant == 0 ? w : constant.trailingZeroBitCount
        let highestNeg = negBits.last.map(\.0) ?? -1
        if highestNeg < lowestConstantBit {
            rows.append(m.wire("\(prefix)_neg_k", negRow | Value.constant(constant, .u(w))))
        } else {
            rows.append(m.wire("\(prefix)_neg", negRow))
            rows.append(Value.constant(constant, .u(w)))
        }
        return rows
    }

    /// Radix-4 Booth digits of b, least significant first. Digit i, in −2…2, comes from bits
    /// 2i+1, 2i, 2i−1 of b (b[−1] = 0, b sign- or zero-extended) as the wires `<prefix>i_neg`
    /// (negative), `<prefix>i_one` (magnitude 1) and `<prefix>i_two` (magnitude 2).
    static func boothDigits(_ m: ModuleBuilder, _ b: Value, prefix: String) -> [(neg: Value, one: Value, two: Value)] {
        func bit(_ j: Int) -> Value {
            if j < 0 { return Value.constant(0, .bit) }
            if j < b.type.bits { return b[j] }
            return b.type.signed ? b[b.type.bits - 1] : Value.constant(0, .bit)
        }
        return (0..<MACConfig.boothDigits(b.type)).map { i in
            let (hi, mid, lo) = (bit(2 * i + 1), bit(2 * i), bit(2 * i - 1))
            return (m.wire("\(prefix)\(i)_neg", hi),
                    m.wire("\(prefix)\(i)_one", mid ^ lo),
                    m.wire("\(prefix)\(i)_two", (hi & ~mid & ~lo) | (~hi & mid & lo)))
        }
    }

    /// `a` (signed) in type `t`: sign-extended, or wrapped when `t` is narrower.
    private func fit(_ a: Value, _ t: HWType) -> Value {
        a.type.bits <= t.bits ? a.extended(to: t) : a.wrapped(to: t)
    }

    /// `v` shifted left by two bits in its own type.
    private func shiftedUp(_ v: Value) -> Value {
        let n = v.type.bits
        return n > 2 ? concat([v.bits(n - 3, 0), Value.constant(0, .u(2))]).asSigned : Value.constant(0, v.type)
    }

    /// `v` modulo 2^bits as `u(bits)`: sign- or zero-extended, or wrapped when wider.
    static func modulo(_ v: Value, bits w: Int) -> Value {
        v.extended(to: HWType(bits: max(w, v.type.bits), signed: v.type.signed)).wrapped(to: .u(w))
    }

    /// The sum of `rows` modulo 2^bits, as `u(bits)`.
    static func rowSum(_ rows: [Value], bits w: Int) -> Value {
        let wide = rows.map { modulo($0, bits: w) }
        return wide.dropFirst().reduce(wide[0]) { ($0 + $1).wrapped(to: .u(w)) }
    }

    /// `v` with all bits cleared when `clear` is 1.
    static func cleared(_ v: Value, _ clear: Value) -> Value {
        clear.select(Value.constant(0, v.type), v)
    }
}

/// `bit` repeated n times.
func replicate(_ bit: Value, _ n: Int) -> Value {
    n == 1 ? bit : concat(Array(repeating: bit, count: n))
}

/// `v` shifted left by `shift` into a `u(width)` row (bits beyond the top are dropped).
func place(_ v: Value, at shift: Int, width: Int) -> Value {
    let keep = min(v.type.bits, width - shift)
    guard keep > 0 else { return Value.constant(0, .u(width)) }
    var parts: [any HWValue] = []
    if width - shift - keep > 0 { parts.append(Value.constant(0, .u(width - shift - keep))) }
    parts.append(v.bits(keep - 1, 0))
    if shift > 0 { parts.append(Value.constant(0, .u(shift))) }
    return parts.count == 1 ? v.bits(keep - 1, 0) : concat(parts)
}

/// A `u(width)` row with the given single bits set at their positions, zero elsewhere.
private func concatBits(_ bits: [(Int, Value)], width: Int) -> Value {
    var parts: [any HWValue] = []
    var pos = width - 1
    for (at, bit) in bits.sorted(by: { $0.0 > $1.0 }) where at < width {
        if pos > at { parts.append(Value.constant(0, .u(pos - at))) }
        parts.append(bit)
        pos = at - 1
    }
    if pos >= 0 { parts.append(Value.constant(0, .u(pos + 1))) }
    return parts.count == 1 ? parts[0].value : concat(parts)
}

/// Carry-save (3:2 compressor) reduction of rows of bits, word by word.
public enum CarrySave {
    /// Compresses `rows` (each `u(width)`) into two rows with the same sum modulo 2^width.
    /// With `carriesOut`, `carries` are the carries out of the top column (weight 2^width), one per
    /// compressor, for callers that split a wider sum into slices; otherwise they are dropped and
    /// empty. Each level's rows are named wires `<prefix>N_…`.
    public static func reduce(_ rows: [Value], width w: Int, _ m: ModuleBuilder, prefix: String,
                              carriesOut: Bool = false) -> (rows: [Value], carries: [Value]) {
        var rows = rows, carries: [Value] = [], level = 0
        while rows.count > 2 {
            level += 1
            var next: [Value] = []
            var i = 0
            while i + 3 <= rows.count {
                let (x, y, z) = (rows[i], rows[i + 1], rows[i + 2])
                let k = i / 3
                let half = m.wire("\(prefix)\(level)_\(k)_x", x ^ y)
                next.append(m.wire("\(prefix)\(level)_\(k)_s", half ^ z))
                // Majority bits, shifted up one column; the top one leaves the row.
                let top = carriesOut ? w - 1 : w - 2
                if top >= 0 {
                    let major = m.wire("\(prefix)\(level)_\(k)_m",
                                       (x.bits(top, 0) & y.bits(top, 0)) | (half.bits(top, 0) & z.bits(top, 0)))
                    if carriesOut { carries.append(major[top]) }
                    next.append(w == 1 ? Value.constant(0, .u(1))
                                       : concat([major.bits(w - 2, 0), Value.constant(0, .bit)]))
                } else {
                    next.append(Value.constant(0, .u(1)))
                }
                i += 3
            }
            next += rows[i...]
            rows = next
        }
        while rows.count < 2 { rows.append(Value.constant(0, .u(w))) }
        return (rows, carries)
    }
}
