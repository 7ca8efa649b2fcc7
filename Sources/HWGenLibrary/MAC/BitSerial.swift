import HWGenTypes
import HWGenCore

/// `bitserial`: one radix-4 Booth digit of `b` per cycle (``MACKind/digitSerial``), each adding
/// 0, ±a or ±2a (a pre-shifted two bits per digit) to a binary accumulator. No multiplier.
public struct BitSerialArithmetic: MACArithmetic {
    public init() {}
    public var kind: MACKind { .bitserial }
    public var mergesRows: Bool { true }

    /// The operand shifted left by two bits per digit already taken (signed, capped at the accumulator).
    public func aLane(_ c: MACConfig) -> HWType {
        .s(min(WidthRules.signedBits(c.types.a) + 2 * (c.elementCycles - 1), c.types.acc.bits))
    }
    /// One Booth digit `{neg, two, one}`.
    public func bLane(_ c: MACConfig) -> HWType { .u(3) }
    public func addendBits(_ c: MACConfig) -> Int { aLane(c).bits + 2 }

    public func typeProblem(_ t: MACTypes) -> (field: String, message: String)? {
        if t.float != nil { return MACArithmeticDefaults.floatProblem(kind, t) }
        if t.weights != .integer { return MACArithmeticDefaults.codedWeightsProblem(kind, t) }
        if t.saturating {
            return ("mac.acc", "\(t.accTag): a bitserial unit adds one Booth digit row per cycle and cannot clamp whole products (allowed with mac.kind bitserial: \(t.acc), a wrapping accumulator)")
        }
        return nil
    }

    public func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value { MACUnit.digitRow(m, a, b) }

    public func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value {
        preconditionFailure("a bitserial unit has no one-cycle product")
    }

    public func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value] {
        [MACUnit.modulo(MACUnit.digitRow(m, a, b), bits: width)]
    }

    public func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width w: Int, prefix: String, registered: Bool) -> [Value] {
        [MACUnit.modulo(MACUnit.digitRow(m, a, b, prefix: "\(prefix)_row"), bits: w)]
    }

    public func rowTypes(_ c: MACConfig) -> [HWType] { [.s(aLane(c).bits + 2)] }
}

extension MACUnit {
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
}
