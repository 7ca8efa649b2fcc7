import HWGenTypes
import HWGenCore

/// `baseline`: behavioural `acc + a*b`, one multiplier and one adder (fused by synthesis).
public struct BaselineArithmetic: MACArithmetic {
    public init() {}
    public var kind: MACKind { .baseline }

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
}
