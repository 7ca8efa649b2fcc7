import HWGenTypes
import HWGenCore

/// `booth`: radix-4 Booth partial products compressed with a carry-save (sum + carry)
/// accumulator; one carry-propagate adder converts the sum as it leaves the unit (TPE OPT1).
/// Dot-product engines compress the rows of all their products in one tree (OPT2).
public struct BoothArithmetic: MACArithmetic {
    public init() {}
    public var kind: MACKind { .booth }
    public var carrySave: Bool { true }
    public var mergesRows: Bool { true }

    public func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value {
        exactProduct(m, a, b, c, prefix: "")
    }

    public func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value {
        let w = c.types.product.bits
        let rows = CarrySave.reduce(MACUnit.boothRows(m, a, b, width: w, prefix: "\(prefix)booth"), width: w, m, prefix: "\(prefix)pp").rows
        let sum = m.wire("\(prefix)product", MACUnit.rowSum(rows, bits: w))
        return c.types.product.signed ? sum.asSigned : sum
    }

    public func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value] {
        MACUnit.boothRows(m, a, b, width: width, prefix: prefix)
    }

    /// Before a register level, each product's Booth rows shrink to a carry-save pair (two
    /// registers per product instead of one per row).
    public func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width w: Int, prefix: String, registered: Bool) -> [Value] {
        let pp = MACUnit.boothRows(m, a, b, width: w, prefix: "\(prefix)_booth")
        return registered ? CarrySave.reduce(pp, width: w, m, prefix: "\(prefix)_pp").rows : pp
    }

    public func rowTypes(_ c: MACConfig) -> [HWType] {
        let t = c.types
        var n = 0
        _ = Module("count") { m in
            n = MACUnit.boothRows(m, m.input("a", t.a), m.input("b", t.b), width: t.acc.bits).count
        }
        return Array(repeating: .u(t.acc.bits), count: n)
    }
}

extension MACUnit {
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
