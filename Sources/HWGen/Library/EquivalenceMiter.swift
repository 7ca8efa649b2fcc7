/// A miter that compares a MAC unit with the `baseline` pipeline-0 unit of the same types.
///
/// Both units take the same `a`, `b`, `first` every cycle. The reference's `acc` is delayed so it
/// lines up with the unit's: by `latency − 1` cycles, and one more for the upper bits of a split
/// accumulator. Output `ok` is 1 when the aligned sums are equal. From all-zero registers (both
/// sums 0), `ok` must hold in every cycle from ``checkFrom`` on, whatever the inputs.
public struct EquivalenceMiter: Sendable {
    public let unit: MACUnit

    public init(_ config: MACConfig) { unit = MACUnit(config) }

    /// The reference: behavioural `acc + a*b`, no pipeline.
    public var reference: MACUnit { MACUnit(MACConfig(unit.config.types)) }

    /// First cycle (0-based) in which `ok` is checked: every aligned output is then defined by inputs.
    public var checkFrom: Int { unit.latency + (unit.splitBit == nil ? 0 : 1) }

    /// The miter module `equiv_<tag>`.
    public var module: Module {
        let t = unit.config.types, w = t.acc.bits
        return Module("equiv_\(unit.config.tag)", doc: "\(unit.config) against baseline, pipeline 0.") { m in
            let a = m.input("a", t.a), b = m.input("b", t.b), first = m.input("first", .bit)
            let ports: [String: any HWValue] = ["a": a, "b": b, "first": first]
            let dut = m.instance(unit.module, "dut", ports)["acc"].asUnsigned
            var ref = m.instance(reference.module, "golden_mac", ports)["acc"].asUnsigned
            ref = (1..<unit.latency).reduce(ref) { v, k in m.delay(v, "reference_d\(k)", reset: nil) }
            if let h = unit.splitBit {
                ref = concat([m.delay(ref.bits(w - 1, h), "reference_hi_d", reset: nil), ref.bits(h - 1, 0)])
            }
            let expected = m.wire("expected", ref)
            m.output("unit_acc", dut)
            m.output("reference_acc", expected)
            m.output("ok", dut == expected)
        }
    }
}
