import HWGen

/// `mac.kind: radix2` — an array multiplier: one partial-product row per bit of b (a·2^i where
/// b_i = 1, the sign bit's row negated for signed b), kept in the same carry-save accumulator
/// as `booth`. Twice Booth's rows, no digit encoders.
struct Radix2Arithmetic: MACArithmetic {
    static let kind = MACKind("radix2")
    var kind: MACKind { Self.kind }
    var carrySave: Bool { true }
    var mergesRows: Bool { true }

    func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width w: Int, prefix: String) -> [Value] {
        let signedA = a.type.signed ? a : a.extended(to: .s(a.type.bits + 1))
        let aMod = signedA.extended(to: .s(max(w, signedA.type.bits))).wrapped(to: .s(w)).asUnsigned   // a modulo 2^w
        let zero = Value.constant(0, .u(w))
        return (0..<min(b.type.bits, w)).map { i in
            let shifted = i == 0 ? aMod : concat([aMod.bits(w - 1 - i, 0), Value.constant(0, .u(i))])
            let row = b.type.signed && i == b.type.bits - 1 ? m.wire("\(prefix)\(i)_neg", (~shifted + 1).wrapped(to: .u(w))) : shifted
            return m.wire("\(prefix)\(i)", b[i].select(row, zero))
        }
    }

    func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value { exactProduct(m, a, b, c, prefix: "") }

    func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value {
        let p = c.types.product
        let rows = productRows(m, a, b, c, width: p.bits, prefix: "\(prefix)r")
        let sum = m.wire("\(prefix)product", rows.dropFirst().reduce(rows[0]) { ($0 + $1).wrapped(to: .u(p.bits)) })
        return p.signed ? sum.asSigned : sum
    }

    func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String, registered: Bool) -> [Value] {
        productRows(m, a, b, c, width: width, prefix: "\(prefix)_r")
    }

    func rowTypes(_ c: MACConfig) -> [HWType] { Array(repeating: .u(c.types.acc.bits), count: min(c.types.b.bits, c.types.acc.bits)) }
}
