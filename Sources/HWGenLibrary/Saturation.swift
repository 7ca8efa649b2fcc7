import HWGenTypes
import HWGenCore
import HWGenGolden

/// Saturating accumulation in parallel: clamp-add steps compose.
///
/// The step s ↦ clamp(s + x, L, H) of a saturating accumulator is a function of the form
/// F(s) = clamp(s + c, lo, hi), and such functions are closed under composition: F₂ ∘ F₁ is
/// (c₁ + c₂, clamp(lo₁ + c₂, lo₂, hi₂), clamp(hi₁ + c₂, lo₂, hi₂)). So a column chain or an adder
/// tree that carries (c, lo, hi) instead of a bare sum computes exactly what clamping after every
/// addition in k order gives, and the accumulator applies the composed step once: the partial sums
/// themselves never clamp. c is exact (it widens like any sum); lo and hi stay in the accumulator's type.
struct ClampAdd {
    /// The exact sum of the steps' addends.
    let c: Value
    let lo: Value
    let hi: Value

    /// One step adding `x`, clamped to the whole range of `acc`.
    static func step(_ x: Value, acc: HWType) -> ClampAdd {
        ClampAdd(c: x, lo: Value.constant(acc.minValue, acc), hi: Value.constant(acc.maxValue!, acc))
    }

    /// `self` then `next`, as wires `<prefix>_c`, `_lo`, `_hi`.
    func then(_ next: ClampAdd, _ m: ModuleBuilder, prefix: String) -> ClampAdd {
        let acc = lo.type
        return ClampAdd(c: m.wire("\(prefix)_c", c + next.c),
                        lo: m.wire("\(prefix)_lo", Self.clamp(lo + next.c, next.lo, next.hi, acc)),
                        hi: m.wire("\(prefix)_hi", Self.clamp(hi + next.c, next.lo, next.hi, acc)))
    }

    /// `self` then adding `x` clamped to the accumulator's range (a PE's step: constant bounds).
    /// `exact`: a type known to hold c + x (a column's sum of products), so that the sum is
    /// built no wider than that.
    func adding(_ x: Value, _ m: ModuleBuilder, prefix: String, exact: HWType? = nil) -> ClampAdd {
        ClampAdd(c: m.wire("\(prefix)_c", exact.map { (c + x).wrapped(to: $0) } ?? c + x), lo: m.wire("\(prefix)_lo", (lo + x).saturated(to: lo.type)),
                 hi: m.wire("\(prefix)_hi", (hi + x).saturated(to: hi.type)))
    }

    /// F(s) = clamp(s + c, lo, hi), in the accumulator's type.
    func apply(to s: Value, _ m: ModuleBuilder, prefix: String) -> Value {
        m.wire(prefix, Self.clamp(m.wire("\(prefix)_raw", s + c), lo, hi, lo.type))
    }

    /// Each part delayed by a register `<prefix>_c`, `_lo`, `_hi`.
    func delayed(_ m: ModuleBuilder, prefix: String) -> ClampAdd {
        ClampAdd(c: m.delay(c, "\(prefix)_c", reset: nil), lo: m.delay(lo, "\(prefix)_lo", reset: nil),
                 hi: m.delay(hi, "\(prefix)_hi", reset: nil))
    }

    /// x limited to [lo, hi] (lo ≤ hi, both of type `acc`), in type `acc`.
    static func clamp(_ x: Value, _ lo: Value, _ hi: Value, _ acc: HWType) -> Value {
        let inRange = x.type.bits >= acc.bits ? x.wrapped(to: HWType(bits: acc.bits, signed: x.type.signed)) : x.extended(to: HWType(bits: acc.bits, signed: x.type.signed))
        let typed = inRange.type == acc ? inRange : (acc.signed ? inRange.asSigned : inRange.asUnsigned)
        return (x < lo).select(lo, (x > hi).select(hi, typed))
    }
}
