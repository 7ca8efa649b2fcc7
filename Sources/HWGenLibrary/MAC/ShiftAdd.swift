import HWGenTypes
import HWGenCore

/// `shiftadd`: ternary or power-of-two weight codes only: negate, shift and add ±a·2^e. No multiplier.
public struct ShiftAddArithmetic: MACArithmetic {
    public init() {}
    public var kind: MACKind { .shiftadd }
    public var acceptsWeightCodes: Bool { true }

    public func typeProblem(_ t: MACTypes) -> (field: String, message: String)? {
        if t.float != nil { return MACArithmeticDefaults.floatProblem(kind, t) }
        guard t.weights == .integer else { return nil }
        let integerKinds = MACRegistry.all.filter { !$0.acceptsWeightCodes && $0.kind != .float }.map(\.kind.rawValue).joined(separator: ", ")
        return ("mac.kind", "shiftadd multiplies by ternary or power-of-two weights, not mac.b \(t.b) (allowed with mac.kind shiftadd: mac.b ternary, p2...p5; with mac.b \(t.b): \(integerKinds))")
    }

    public func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value {
        MACUnit.shiftAddProduct(m, a, b, c.types)
    }

    public func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value {
        MACUnit.shiftAddProduct(m, a, b, c.types, prefix: prefix)
    }

    public func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value] {
        [MACUnit.modulo(MACUnit.shiftAddProduct(m, a, b, c.types), bits: width)]
    }

    public func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width w: Int, prefix: String, registered: Bool) -> [Value] {
        [MACUnit.shiftAddProduct(m, a, b, c.types, prefix: "\(prefix)_")]
    }
}

extension MACUnit {

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
}
