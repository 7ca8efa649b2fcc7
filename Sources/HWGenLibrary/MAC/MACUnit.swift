import HWGenTypes
import HWGenCore


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

    /// The kind's arithmetic (``MACRegistry``), looked up once.
    public let arithmetic: any MACArithmetic

    /// With pipeline ≥ 1, `first` comes already registered (in step with the product register)
    /// instead of being registered in the unit: an engine whose units all see the same flag
    /// (the 2D-Matrix) registers it once and fans it out through a gate, which synthesis buffers,
    /// rather than from one flop (identical per-unit flag flops are merged into one).
    /// Module `mac_<tag>_fr`. One-cycle kinds without groups only.
    public let firstRegistered: Bool

    public init(_ config: MACConfig, firstRegistered: Bool = false) {
        precondition(!firstRegistered || (config.pipeline >= 1 && config.group == nil && !config.digitSerial),
                     "MACUnit: a registered first needs pipeline ≥ 1, no groups, one cycle per element")
        self.config = config
        self.firstRegistered = firstRegistered
        arithmetic = MACRegistry.arithmetic(config.kind)
    }


    private var t: MACTypes { config.types }

    /// Cycles from an element at the inputs to the (lower part of the) sum on `acc`.
    public var latency: Int { (config.pipeline >= 1 ? 2 : 1) + (config.group == nil ? 0 : 1) + (config.scalesA ? 1 : 0) }

    /// Cycles per element: one per Booth digit of `b` for `bitserial`, else 1.
    public var elementCycles: Int { config.elementCycles }

    /// Type of the `a` port: the operand, or for `bitserial` the operand shifted left by two bits
    /// per digit already taken (a signed number, capped at the accumulator's width).
    public var aLane: HWType { arithmetic.aLane(config) }

    /// Type of the `b` port: the operand, or for `bitserial` one Booth digit `{neg, two, one}`.
    public var bLane: HWType { arithmetic.bLane(config) }

    /// Width of the signed value added to the accumulator per cycle (before sign extension).
    private var productBits: Int { arithmetic.addendBits(config) }

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
        guard config.digitSerial else { return a }
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
        guard config.digitSerial else { return b }
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
        if let mx = mxModule { return mx }
        if let adder = floatAdderModule { return adder }
        if let group = groupModule { return group }
        let overflow = t.saturating ? "clamps to" : "wraps to"
        let doc = "acc <= first ? a*b : acc + a*b (\(overflow) \(t.acc)); \(config.kind.rawValue), "
            + "pipeline \(config.pipeline), latency \(latency)" + (splitBit.map { ", acc[\(t.acc.bits - 1):\($0)] one cycle later" } ?? "") + "."
        return Module("mac_\(config.tag)" + (firstRegistered ? "_fr" : ""),
                      doc: doc + (firstRegistered ? " `first` arrives registered, with the product." : "")) { m in
            let a = m.input("a", aLane), b = m.input("b", bLane), first = m.input("first", .bit)
            let arith = arithmetic
            if arith.carrySave && t.saturating {
                // A saturating sum needs each product whole: the rows are added up first.
                m.output("acc", accumulate(m, exactProduct(m, a, b), first))
            } else if arith.carrySave {
                m.output("acc", booth(m, first, rows: arith.productRows(m, a, b, config, width: t.acc.bits, prefix: "booth")).sum)
            } else {
                m.output("acc", accumulate(m, arith.addend(m, a, b, config), first))
            }
        }
    }


    /// The exact product a·b (``MACTypes/product``) of a one-cycle kind, built its way: a
    /// multiplier, Booth rows compressed and added, or shift-and-add.
    func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, prefix: String = "") -> Value {
        arithmetic.exactProduct(m, a, b, config, prefix: prefix)
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

    /// Types of the rows a carry-save unit (its partial products, each `u(acc bits)`) or a
    /// digit-serial unit (one signed digit row) adds to its accumulator per cycle; empty for
    /// kinds that add one whole product.
    public var rowTypes: [HWType] { arithmetic.rowTypes(config) }

    /// The unit with its product rows (``rowTypes``) as free inputs `row0`, `row1`, … instead of
    /// rows built from `a` and `b`: the same accumulator, pipeline and final adder, for proving the
    /// accumulation apart from the multiplication.
    public var rowsModule: Module {
        precondition(!rowTypes.isEmpty, "rowsModule is for units that add rows (booth, bitserial)")
        let carrySave = arithmetic.carrySave
        return Module("mac_rows_\(config.tag)", doc: "\(config) with its product rows as inputs.") { m in
            let first = m.input("first", .bit)
            let rows = rowTypes.enumerated().map { m.input("row\($0)", $1) }
            m.output("acc", carrySave ? booth(m, first, rows: rows).sum : accumulate(m, rows[0], first))
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
            if !firstRegistered { clear = m.delay(first, "first_q") }
        }
        // The product in the accumulator's type (sign-extended, or wrapped when an unsigned
        // product is exactly as wide as a signed accumulator).
        let wide = product.extended(to: HWType(bits: max(w, product.type.bits), signed: product.type.signed))
        guard let h = splitBit else {
            let acc = m.register("acc", t.acc, reset: nil), p = wide.wrapped(to: t.acc)
            if let f = t.float, f.accumulation == .fp32 {
                // FP32 accumulation: the exact sum rounded to FP32's 24 significant bits.
                let sum = m.wire("acc_sum", (Self.cleared(acc.value, clear) + p).wrapped(to: t.acc))
                acc.next(FloatResultUnit.roundedToFP32(m, sum, f))
                return acc.value
            }
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
                acc.next(firstRegistered ? (Self.cleared(acc.value, clear) + p).wrapped(to: t.acc)
                                         : clear.select(p, (acc + p).wrapped(to: t.acc)))
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
            if !firstRegistered { clear = m.delay(first, "first_q") }
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
        arithmetic.productRows(m, a, b, config, width: width ?? t.acc.bits, prefix: "booth")
    }

    /// `a` (signed) in type `t`: sign-extended, or wrapped when `t` is narrower.
    func fit(_ a: Value, _ t: HWType) -> Value {
        a.type.bits <= t.bits ? a.extended(to: t) : a.wrapped(to: t)
    }

    /// `v` shifted left by two bits in its own type.
    func shiftedUp(_ v: Value) -> Value {
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
