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
            let ref = m.instance(reference.module, "golden_mac", ports)["acc"].asUnsigned
            unit.compare(m, unit: dut, reference: ref, width: w)
        }
    }
}

extension MACUnit {
    /// Outputs `unit_acc`, `reference_acc` and `ok` of a miter: `reference` (a latency-1 sum) is
    /// delayed to line up with this unit's `acc`: by `latency − 1` cycles, its upper bits one more
    /// when the accumulator is split.
    func compare(_ m: ModuleBuilder, unit: Value, reference: Value, width w: Int) {
        var ref = (1..<latency).reduce(reference) { v, k in m.delay(v, "reference_d\(k)", reset: nil) }
        if let h = splitBit {
            ref = concat([m.delay(ref.bits(w - 1, h), "reference_hi_d", reset: nil), ref.bits(h - 1, 0)])
        }
        let expected = m.wire("expected", ref)
        m.output("unit_acc", unit)
        m.output("reference_acc", expected)
        m.output("ok", unit == expected)
    }
}

/// A `booth` unit with free product rows against a plain accumulator of the same rows:
/// `acc <= (first ? 0 : acc) + Σ rows`, delayed to line up like ``EquivalenceMiter``.
public struct AccumulationMiter: Sendable {
    public let unit: MACUnit
    public init(_ config: MACConfig) { unit = MACUnit(config) }

    /// First cycle in which `ok` is checked.
    public var checkFrom: Int { unit.latency + (unit.splitBit == nil ? 0 : 1) }

    public var module: Module {
        let t = unit.config.types, w = t.acc.bits
        return Module("accumulate_\(unit.config.tag)", doc: "\(unit.config) accumulation against acc + Σ rows.") { m in
            let first = m.input("first", .bit)
            let rows = (0..<unit.boothRowCount).map { m.input("row\($0)", .u(w)) }
            var ports: [String: any HWValue] = ["first": first]
            for (k, r) in rows.enumerated() { ports["row\(k)"] = r }
            let dut = m.instance(unit.rowsModule, "dut", ports)["acc"].asUnsigned
            let sum = rows.dropFirst().reduce(rows[0]) { ($0 + $1).wrapped(to: .u(w)) }
            let acc = m.register("reference", .u(w), reset: nil)
            acc.next((MACUnit.cleared(acc.value, first) + sum).wrapped(to: .u(w)))
            unit.compare(m, unit: dut, reference: acc.value, width: w)
        }
    }
}

/// Combinational miter of a kind's partial-product rows against `a * b`: output `bad` is 1 when
/// the rows (with their constant) do not sum to the product modulo 2^acc (so `bad` must be constant 0).
public struct ProductMiter: Sendable {
    public let config: MACConfig
    public init(_ config: MACConfig) { self.config = config }

    public var module: Module {
        let t = config.types, w = t.acc.bits
        return Module("product_\(config.tag)", doc: "\(config.kind.rawValue) partial products against a*b.") { m in
            let a = m.input("a", t.a), b = m.input("b", t.b)
            let rows = MACUnit.productRows(m, config.kind, a, b, width: w)
            let pair = CarrySave.reduce(rows, width: w, m, prefix: "csa").rows
            let product = m.wire("product", a * b)
            let wide = product.extended(to: HWType(bits: max(w, product.type.bits), signed: product.type.signed))
            m.output("bad", (pair[0] + pair[1]).wrapped(to: .u(w)) != wide.wrapped(to: .u(w)))
        }
    }
}
