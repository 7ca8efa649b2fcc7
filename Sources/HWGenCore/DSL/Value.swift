import HWGenTypes

/// Anything usable as a hardware value in an expression: ``Value``, ``Reg``.
public protocol HWValue {
    /// The expression this value stands for.
    var value: Value { get }
}

/// A typed hardware expression built by the DSL. Operators follow ``WidthRules``.
public struct Value: HWValue, Sendable {
    public let expr: Expr
    public init(_ expr: Expr) { self.expr = expr }
    public var value: Value { self }
    /// The exact type.
    public var type: HWType { expr.type }

    /// A constant of the given type (an out-of-range value is reported by the checks).
    public static func constant(_ v: Int64, _ t: HWType) -> Value {
        t.contains(v) ? Value(.const(v, t)) : invalid("constant \(v) does not fit \(t)")
    }
    static func invalid(_ message: String) -> Value { Value(.invalid(message)) }
}

/// Rounding used when dropping fractional bits (SpinalHDL's RoundType, the common subset).
public enum Rounding: Sendable {
    /// Toward −∞: drop the bits.
    case floor
    /// Half up: add half an LSB, then drop the bits.
    case halfUp
}

extension HWValue {
    /// Lane `k` of a packed vector of `type` lanes (lane 0 in the low bits), as `type`.
    public func lane(_ k: Int, _ type: HWType) -> Value {
        let raw = value.bits(k * type.bits + type.bits - 1, k * type.bits)
        return type.signed ? raw.asSigned : raw
    }

    public var type: HWType { value.type }

    /// Modular truncation or two's-complement wrap to `t` (may also change signedness).
    public func wrapped(to t: HWType) -> Value {
        let e = value.expr
        guard t.bits <= type.bits else {
            return .invalid("wrapped(to: \(t)) widens \(type); use extended(to:)")
        }
        if t == type { return value }
        if t.bits == type.bits { return Value(.reinterpret(e, t)) }
        return Value(.resize(e, t))
    }

    /// Value-preserving widening to `t` (sign extension for signed values).
    public func extended(to t: HWType) -> Value {
        guard t.bits >= type.bits, !(type.signed && !t.signed),
              t.signed == type.signed || t.bits > type.bits else {
            return .invalid("extended(to: \(t)) cannot hold every \(type) value")
        }
        return t == type ? value : Value(.resize(value.expr, t))
    }

    /// Clamps to the range of `t`, then converts: values above t's maximum become the maximum,
    /// values below its minimum become the minimum.
    public func saturated(to t: HWType) -> Value {
        guard let maxV = t.maxValue else { return .invalid("saturated(to: \(t)) is not supported") }
        let maxC = Value.constant(maxV, t), minC = Value.constant(t.minValue, t)
        let inRange = t.bits <= type.bits
            ? wrapped(to: t)
            : extended(to: HWType(bits: t.bits, signed: type.signed)).wrapped(to: t)
        return (value > maxC).select(maxC, (value < minC).select(minC, inRange))
    }

    /// Arithmetic (signed) or logical (unsigned) shift right by a constant, with rounding.
    /// The result is `n` bits narrower; `.halfUp` first adds 2^(n−1) (widening by one bit).
    public func shiftedRight(by n: Int, rounding: Rounding = .floor) -> Value {
        guard n > 0, n < type.bits else { return .invalid("shiftedRight(by: \(n)) of \(type)") }
        var v = value
        if rounding == .halfUp { v = v + Value.constant(Int64(1) << (n - 1), .u(n)) }
        let kept = Value(.slice(v.expr, hi: v.type.bits - 1, lo: n))
        return v.type.signed ? kept.asSigned : kept
    }

    /// Same bits read as signed.
    public var asSigned: Value { type.signed ? value : Value(.reinterpret(value.expr, .s(type.bits))) }
    /// Same bits read as unsigned.
    public var asUnsigned: Value { type.signed ? Value(.reinterpret(value.expr, .u(type.bits))) : value }

    /// Bits hi...lo, unsigned.
    public func bits(_ hi: Int, _ lo: Int) -> Value {
        guard lo >= 0, hi >= lo, hi < type.bits else { return .invalid("bits(\(hi), \(lo)) of \(type)") }
        return Value(.slice(value.expr, hi: hi, lo: lo))
    }
    /// Bit i, unsigned.
    public subscript(_ i: Int) -> Value { bits(i, i) }

    /// `self ? a : b` for a one-bit `self`; both arms must have the same type.
    public func select(_ a: some HWValue, _ b: some HWValue) -> Value {
        guard type == .bit else { return .invalid("select condition must be 1 bit, not \(type)") }
        guard a.type == b.type else {
            return .invalid("select arms differ: \(a.type) vs \(b.type) (convert one explicitly)")
        }
        if case .const(let c, _) = value.expr { return c != 0 ? a.value : b.value }
        return Value(.mux(value.expr, a.value.expr, b.value.expr, a.type))
    }
}

/// Concatenation, most significant part first.
public func concat(_ parts: [any HWValue]) -> Value {
    guard !parts.isEmpty else { return .invalid("concat of nothing") }
    let width = parts.reduce(0) { $0 + $1.type.bits }
    guard !WidthRules.tooWide(width) else { return .invalid("concat is \(width) bits wide") }
    return Value(.concat(parts.map(\.value.expr)))
}

private func binary(_ op: BinaryOp, _ l: Value, _ r: Value, _ rule: (HWType, HWType) -> HWType?) -> Value {
    // Every rule's result is at most a.bits + b.bits + 2 wide: refuse before building the type.
    guard !WidthRules.tooWide(l.type.bits + r.type.bits + 2) else {
        return .invalid("'\(op.rawValue)' of \(l.type) and \(r.type) is too wide (allowed: up to \(HWType.maxBits) bits)")
    }
    guard let t = rule(l.type, r.type) else { return .invalid("'\(op.rawValue)' needs operands of the same signedness, not \(l.type) and \(r.type)") }
    guard !WidthRules.tooWide(t.bits) else { return .invalid("'\(op.rawValue)' result is \(t.bits) bits wide") }
    return folded(op, l, r, t) ?? Value(.binary(op, l.expr, r.expr, t))
}

/// `l op r` without the operator when a constant operand makes it trivial (`x ^ 0`, `x & 0`,
/// `x & ~0`, `x | 0`), so generated logic reads like hand-written RTL. Only folds where the kept
/// operand already has the result type.
private func folded(_ op: BinaryOp, _ l: Value, _ r: Value, _ t: HWType) -> Value? {
    func constant(_ v: Value) -> Int64? { if case .const(let c, _) = v.expr { return c }; return nil }
    func allOnes(_ c: Int64, _ type: HWType) -> Bool {
        type.bits >= 64 ? c == -1 : (c & ((Int64(1) << type.bits) - 1)) == (Int64(1) << type.bits) - 1
    }
    for (c, x, ct) in [(constant(r), l, r.type), (constant(l), r, l.type)] {
        guard let c, x.type == t, ct.bits <= t.bits || ct == t else { continue }
        switch op {
        case .xor, .or: if c == 0 { return x }
        case .and:
            if c == 0 { return Value(.const(0, t)) }
            if allOnes(c, ct), ct.bits == t.bits { return x }
        default: break
        }
    }
    return nil
}

/// An integer literal typed to fit next to `other`.
private func literal(_ v: Int, like other: HWType) -> Value {
    let v64 = Int64(v)
    if other.contains(v64) { return .constant(v64, other) }
    var bits = 1
    while !HWType(bits: bits, signed: v < 0).contains(v64) && bits < 64 { bits += 1 }
    return .constant(v64, HWType(bits: bits, signed: v < 0))
}

public func + (l: some HWValue, r: some HWValue) -> Value { binary(.add, l.value, r.value, WidthRules.add) }
public func - (l: some HWValue, r: some HWValue) -> Value { binary(.sub, l.value, r.value, WidthRules.sub) }
public func * (l: some HWValue, r: some HWValue) -> Value { binary(.mul, l.value, r.value, WidthRules.mul) }
public func & (l: some HWValue, r: some HWValue) -> Value { binary(.and, l.value, r.value, WidthRules.bitwise) }
public func | (l: some HWValue, r: some HWValue) -> Value { binary(.or, l.value, r.value, WidthRules.bitwise) }
public func ^ (l: some HWValue, r: some HWValue) -> Value { binary(.xor, l.value, r.value, WidthRules.bitwise) }
public prefix func ~ (x: some HWValue) -> Value {
    if case .const(let c, let t) = x.value.expr, t.bits < 64 {
        let flipped = ~c & ((Int64(1) << t.bits) - 1)               // the inverted bit pattern
        return .constant(t.signed && flipped >= Int64(1) << (t.bits - 1) ? flipped - (Int64(1) << t.bits) : flipped, t)
    }
    return Value(.unary(.not, x.value.expr, x.type))
}

private func compare(_ op: BinaryOp, _ l: Value, _ r: Value) -> Value { binary(op, l, r) { _, _ in .bit } }
public func == (l: some HWValue, r: some HWValue) -> Value { compare(.eq, l.value, r.value) }
public func != (l: some HWValue, r: some HWValue) -> Value { compare(.ne, l.value, r.value) }
public func < (l: some HWValue, r: some HWValue) -> Value { compare(.lt, l.value, r.value) }
public func <= (l: some HWValue, r: some HWValue) -> Value { compare(.le, l.value, r.value) }
public func > (l: some HWValue, r: some HWValue) -> Value { compare(.gt, l.value, r.value) }
public func >= (l: some HWValue, r: some HWValue) -> Value { compare(.ge, l.value, r.value) }

public func + (l: some HWValue, r: Int) -> Value { l + literal(r, like: l.type) }
public func - (l: some HWValue, r: Int) -> Value { l - literal(r, like: l.type) }
public func == (l: some HWValue, r: Int) -> Value { l == literal(r, like: l.type) }
public func != (l: some HWValue, r: Int) -> Value { l != literal(r, like: l.type) }
public func < (l: some HWValue, r: Int) -> Value { l < literal(r, like: l.type) }
public func >= (l: some HWValue, r: Int) -> Value { l >= literal(r, like: l.type) }
