import HWGenTypes

/// The DSL's width rules. Every result type is exact: no operator can overflow, and narrowing
/// is only done by the named operations (`wrapped`, `saturated`, `shiftedRight`).
public enum WidthRules {
    /// Smallest signed width that holds every value of `t`.
    package static func signedBits(_ t: HWType) -> Int { t.signed ? t.bits : t.bits + 1 }

    /// `a + b`: one bit wider than the wider operand (after making mixed operands signed).
    public static func add(_ a: HWType, _ b: HWType) -> HWType {
        if a.signed == b.signed { return HWType(bits: max(a.bits, b.bits) + 1, signed: a.signed) }
        return .s(max(signedBits(a), signedBits(b)) + 1)
    }

    /// `a - b`: always signed; one bit wider than the wider operand when both have the same
    /// signedness (u8 − u8 is s9), else one bit wider than the wider operand made signed.
    public static func sub(_ a: HWType, _ b: HWType) -> HWType {
        if a.signed == b.signed { return .s(max(a.bits, b.bits) + 1) }
        return .s(max(signedBits(a), signedBits(b)) + 1)
    }

    /// `a * b`: widths add; signed if either operand is signed.
    /// (u(n) × s(m) always fits s(n+m): |255 × −128| ≤ 2^15.)
    public static func mul(_ a: HWType, _ b: HWType) -> HWType {
        HWType(bits: a.bits + b.bits, signed: a.signed || b.signed)
    }

    /// `a & b`, `a | b`, `a ^ b`: operands must share signedness; width of the wider one.
    public static func bitwise(_ a: HWType, _ b: HWType) -> HWType? {
        a.signed == b.signed ? HWType(bits: max(a.bits, b.bits), signed: a.signed) : nil
    }

    /// Common type two operands are compared in.
    public static func comparison(_ a: HWType, _ b: HWType) -> HWType {
        if a.signed == b.signed { return HWType(bits: max(a.bits, b.bits), signed: a.signed) }
        return .s(max(signedBits(a), signedBits(b)))
    }

    /// Result width would exceed what the DSL accepts.
    static func tooWide(_ bits: Int) -> Bool { bits > HWType.maxBits }
}
