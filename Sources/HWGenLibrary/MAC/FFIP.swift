import HWGenTypes
import HWGenCore

/// `ffip`: the fast inner product (Winograd 1968; Pogue et al., FFIP). A dot product over pairs
/// of elements is Σ (a₀ + b₁)(a₁ + b₀) − Σ a₀a₁ − Σ b₀b₁: one multiplier (on operands one bit
/// wider) per pair instead of two, plus two correction sums that depend on one operand each,
/// which an engine computes once per row of A and once per column of B and subtracts. Bit-exact
/// for integers, so the golden model is the plain GEMM.
///
/// Only engines whose descriptor pairs elements (``EngineDescriptor/pairsElements``) take it.
/// A single element is the pair (a, 0)·(b, 0): (a + 0)(0 + b) − 0 − 0 = a·b, so the per-element
/// members below are the baseline product.
///
/// `ffip_booth` multiplies the pair sums with radix-4 Booth partial products instead: compressed
/// in the lanes' carry-save trees (cube, tree) or accumulated in carry-save form (the OS PEs).
public struct FFIPArithmetic: MACArithmetic {
    /// How the pair sums are multiplied: `baseline` (`*`) or `booth`.
    public let pairMACKind: MACKind

    public init(booth: Bool = false) { pairMACKind = booth ? .booth : .baseline }
    public var kind: MACKind { pairMACKind == .booth ? .ffipBooth : .ffip }
    public var pairsElements: Bool { true }
    public var mergesRows: Bool { pairMACKind == .booth }

    public func addend(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig) -> Value { m.wire("product", a * b) }

    public func exactProduct(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, prefix: String) -> Value {
        m.wire("\(prefix)product", a * b)
    }

    public func productRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String) -> [Value] {
        [MACUnit.modulo(m.wire("product", a * b), bits: width)]
    }

    public func dotRows(_ m: ModuleBuilder, _ a: Value, _ b: Value, _ c: MACConfig, width: Int, prefix: String, registered: Bool) -> [Value] {
        [m.wire(prefix, a * b)]
    }

    /// `(a₀ + b₁)(a₁ + b₀)`: equals a₀b₀ + a₁b₁ + a₀a₁ + b₀b₁.
    public func pairRows(_ m: ModuleBuilder, _ a: (Value, Value), _ b: (Value, Value), _ c: MACConfig,
                         width: Int, prefix: String) -> [Value] {
        let x = m.wire("\(prefix)_x", a.0 + b.1), y = m.wire("\(prefix)_y", a.1 + b.0)
        if pairMACKind == .booth { return MACUnit.boothRows(m, x, y, width: width, prefix: "\(prefix)_booth") }
        return [m.wire(prefix, x * y)]
    }
}
