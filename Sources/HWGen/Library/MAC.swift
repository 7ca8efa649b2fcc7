/// A multiply-accumulate unit of any kind, with one port contract so every engine takes every kind.
///
/// Ports: `a`, `b` (the operands of one element), `first` (the element starts a new sum) and the
/// output `acc`. Each cycle the unit takes one element. A cycle with no element must present
/// `a = 0` and `first = 0` (the sum is then unchanged), so the unit needs no enable and no reset.
/// The running sum including an element presented in cycle t is on `acc` from cycle t + ``latency``
/// — except that, when ``splitBit`` is set, bits `[splitBit...]` of `acc` follow one cycle later
/// (the accumulator's upper half lags its lower half; the carry between them is registered).
/// Sums wrap to the accumulator type (two's complement).
public struct MACUnit: Sendable {
    public let config: MACConfig

    public init(_ config: MACConfig) { self.config = config }

    private var t: MACTypes { config.types }

    /// Cycles from an element at the inputs to the (lower part of the) sum on `acc`.
    public var latency: Int { config.pipeline >= 1 ? 2 : 1 }

    /// Where the accumulator splits into a lower half and an upper half lagging one cycle
    /// (pipeline 2), at the product width or half the accumulator, whichever is lower; nil when
    /// not split (pipeline 0 or 1).
    public var splitBit: Int? {
        guard config.pipeline == 2 else { return nil }
        return min(t.product.bits, (t.acc.bits + 1) / 2)
    }

    /// The unit `mac_<kind>_p<pipeline>_<a>_<b>_<acc>`.
    public var module: Module {
        let doc = "acc <= first ? a*b : acc + a*b (wraps to \(t.acc)); \(config.kind.rawValue), "
            + "pipeline \(config.pipeline), latency \(latency)" + (splitBit.map { ", acc[\(t.acc.bits - 1):\($0)] one cycle later" } ?? "") + "."
        return Module("mac_\(config.tag)", doc: doc) { m in
            let a = m.input("a", t.a), b = m.input("b", t.b), first = m.input("first", .bit)
            switch config.kind {
            case .baseline: baseline(m, a, b, first)
            case .booth: booth(m, first, rows: Self.boothRows(m, a, b, width: t.acc.bits))
            }
        }
    }

    /// Number of product rows a `booth` unit adds per element.
    public var boothRowCount: Int {
        var n = 0
        _ = Module("count") { m in
            n = Self.boothRows(m, m.input("a", t.a), m.input("b", t.b), width: t.acc.bits).count
        }
        return n
    }

    /// A `booth` unit whose product rows are free inputs `row0`, `row1`, … (`u(acc bits)`)
    /// instead of Booth partial products of `a` and `b`: the same accumulator, pipeline and final
    /// adder, for proving the accumulation apart from the multiplication.
    public var rowsModule: Module {
        precondition(config.kind == .booth, "rowsModule is for booth units")
        return Module("mac_rows_\(config.tag)", doc: "\(config) with its product rows as inputs.") { m in
            let first = m.input("first", .bit)
            booth(m, first, rows: (0..<boothRowCount).map { m.input("row\($0)", .u(t.acc.bits)) })
        }
    }

    // MARK: - Baseline: acc + a*b

    private func baseline(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ first: Value) {
        let w = t.acc.bits
        var product = m.wire("product", a * b)
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
            if config.pipeline == 0 {
                // One fused multiply-add: the clear gates the accumulator operand.
                acc.next((Self.cleared(acc.value, clear) + p).wrapped(to: t.acc))
            } else {
                // The clear selects after the adder, off the adder's path (its flag drives w loads).
                acc.next(clear.select(p, (acc + p).wrapped(to: t.acc)))
            }
            m.output("acc", acc)
            return
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
        m.output("acc", concat([hi, lo]).wrapped(to: t.acc))
    }

    // MARK: - Booth radix-4 with a carry-save accumulator

    private func booth(_ m: ModuleBuilder, _ first: Value, rows productRows: [Value]) {
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
            m.output("acc", (s + c).wrapped(to: t.acc))
            return
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
        m.output("acc", concat([sumHi, sumLo.bits(h - 1, 0)]).wrapped(to: t.acc))
    }

    /// The rows whose sum modulo 2^w is a·b, as the kind builds them: Booth rows, or the
    /// product itself for `baseline`.
    static func productRows(_ m: ModuleBuilder, _ kind: MACKind, _ a: Value, _ b: Value, width w: Int) -> [Value] {
        switch kind {
        case .baseline:
            let p = m.wire("product", a * b)
            return [p.extended(to: HWType(bits: max(w, p.type.bits), signed: p.type.signed)).wrapped(to: .u(w))]
        case .booth:
            return boothRows(m, a, b, width: w)
        }
    }

    /// Radix-4 Booth partial-product rows of a·b, each `u(w)`, whose sum modulo 2^w is a·b.
    ///
    /// Digit i of b (bits 2i+1, 2i, 2i−1; b[−1] = 0, b sign- or zero-extended) selects 0, ±a or
    /// ±2a. A negative digit is the row's ones' complement plus a 1 at bit 2i. Each row is the
    /// (|a|+1)-bit selection with its sign bit inverted, which equals the sign-extended row plus
    /// 2^(top) — the sum of those 2^(top) offsets is subtracted once by a constant row.
    static func boothRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, width w: Int) -> [Value] {
        let aBits = a.type.signed ? a.type.bits : a.type.bits + 1     // a as a signed number
        let bBits = b.type.signed ? b.type.bits : b.type.bits + 1
        let digits = (bBits + 1) / 2
        let rowBits = aBits + 1                                       // holds ±2a (ones' complement)
        let aExt = a.extended(to: .s(aBits)).asUnsigned
        func bBit(_ j: Int) -> Value {
            if j < 0 { return Value.constant(0, .bit) }
            if j < b.type.bits { return b[j] }
            return b.type.signed ? b[b.type.bits - 1] : Value.constant(0, .bit)
        }
        var rows: [Value] = []
        var negBits: [(Int, Value)] = []
        var offsets: Int64 = 0
        for i in 0..<digits {
            let (hiB, midB, loB) = (bBit(2 * i + 1), bBit(2 * i), bBit(2 * i - 1))
            let neg = m.wire("booth\(i)_neg", hiB)
            let one = m.wire("booth\(i)_one", midB ^ loB)
            let two = m.wire("booth\(i)_two", (hiB & ~midB & ~loB) | (~hiB & midB & loB))
            // Selected multiple in rowBits: a sign-extended by one bit, or 2a (a shifted left).
            let onceA = a.extended(to: .s(rowBits)).asUnsigned
            let twiceA = concat([aExt.bits(aBits - 1, 0), Value.constant(0, .bit)])
            let zero = Value.constant(0, .u(rowBits))
            let selected = one.select(onceA, two.select(twiceA, zero))
            let signed = m.wire("booth\(i)_pp", selected ^ replicate(neg, rowBits))
            // Invert the sign bit: row + 2^(rowBits-1) as an unsigned pattern.
            let flipped = concat([~signed[rowBits - 1], signed.bits(rowBits - 2, 0)])
            rows.append(place(flipped, at: 2 * i, width: w))
            negBits.append((2 * i, neg))
            offsets += Int64(1) << (rowBits - 1 + 2 * i)
        }
        // Constant −Σ offsets (mod 2^w) and the negation bits; one row when they do not overlap.
        let mask: Int64 = w >= 63 ? Int64.max : (Int64(1) << w) - 1
        let constant = (-offsets) & mask
        let negRow = place(concatBits(negBits, width: w), at: 0, width: w)
        let lowestConstantBit = constant == 0 ? w : constant.trailingZeroBitCount
        let highestNeg = negBits.last.map(\.0) ?? -1
        if highestNeg < lowestConstantBit {
            rows.append(m.wire("booth_neg_k", negRow | Value.constant(constant, .u(w))))
        } else {
            rows.append(m.wire("booth_neg", negRow))
            rows.append(Value.constant(constant, .u(w)))
        }
        return rows
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
