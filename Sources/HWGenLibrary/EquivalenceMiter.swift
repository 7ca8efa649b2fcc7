import HWGenTypes
import HWGenCore
import HWGenGolden

/// A miter that compares a MAC unit with the `baseline` pipeline-0 unit of the same types.
///
/// Both units take the same `a`, `b`, `first`. A unit with several cycles per element takes a new
/// element every ``MACUnit/elementCycles`` cycles through its serializers (the inputs are ignored
/// in between; the reference sees `a = 0` then). The reference's `acc` is delayed so it lines up
/// with the unit's: by `elementCycles + latency − 2` cycles, and one more for the upper bits of a
/// split accumulator. Output `ok` is 1 when the aligned sums are equal, or when the unit is between
/// digits. From all-zero registers (both sums 0), `ok` must hold in every cycle from
/// ``checkFrom`` on, whatever the inputs.
public struct EquivalenceMiter: Sendable {
    public let unit: MACUnit

    public init(_ config: MACConfig) { unit = MACUnit(config) }

    /// The reference: behavioural `acc + a*b`, no pipeline; ternary and power-of-two weights
    /// decoded to their values first.
    public var reference: MACUnit {
        let t = unit.config.types
        guard let e = t.weights.maxExponent else { return MACUnit(MACConfig(t)) }
        return MACUnit(MACConfig(MACTypes(a: t.a, b: .s(e + 2), acc: t.acc, saturating: t.saturating)))
    }

    /// First cycle (0-based) in which `ok` is checked: every aligned output is then defined by inputs.
    public var checkFrom: Int { unit.elementCycles - 1 + unit.latency + (unit.splitBit == nil ? 0 : 1) }

    /// The miter module `equiv_<tag>`.
    public var module: Module {
        let t = unit.config.types, w = t.acc.bits, d = unit.elementCycles
        return Module("equiv_\(unit.config.tag)", doc: "\(unit.config) against baseline, pipeline 0.") { m in
            let a = m.input("a", t.a), b = m.input("b", t.b), first = m.input("first", .bit)
            guard d > 1 else {
                let ports: [String: any HWValue] = ["a": unit.serializeA(m, a, load: Value.constant(1, .bit), prefix: "a"),
                                                    "b": unit.serializeB(m, b, load: Value.constant(1, .bit), prefix: "b"),
                                                    "first": first]
                let dut = m.instance(unit.module, "dut", ports)["acc"].asUnsigned
                let ref = m.instance(reference.module, "golden_mac", ["a": a, "b": MACUnit.decodedWeight(m, b, t.weights),
                                                                      "first": first])["acc"].asUnsigned
                unit.compare(m, unit: dut, reference: ref, width: w)
                return
            }
            // A new element in every d-th cycle (phase 0).
            let phase = m.register("phase", .u(bitsFor(d - 1)), reset: 0)
            let load = m.wire("load", phase == 0)
            phase.next((phase == d - 1).select(Value.constant(0, phase.type), (phase + 1).wrapped(to: phase.type)))
            let dut = m.instance(unit.module, "dut", ["a": unit.serializeA(m, a, load: load, prefix: "a"),
                                                      "b": unit.serializeB(m, b, load: load, prefix: "b"),
                                                      "first": first & load])["acc"].asUnsigned
            let ref = m.instance(reference.module, "golden_mac", ["a": load.select(a, Value.constant(0, t.a)), "b": b,
                                                                  "first": first & load])["acc"].asUnsigned
            // The unit's sum is complete `d − 1 + latency` cycles after the element's load.
            let check = (0..<(d - 1 + unit.latency)).reduce(load) { v, k in m.delay(v, "check_d\(k + 1)", reset: 0) }
            unit.compare(m, unit: dut, reference: ref, width: w, check: check)
        }
    }
}

extension MACUnit {
    /// Outputs `unit_acc`, `reference_acc` and `ok` of a miter: `reference` (a sum that includes an
    /// element one cycle after its first cycle) is delayed to line up with this unit's `acc`: by
    /// `elementCycles + latency − 2` cycles, its upper bits one more when the accumulator is split.
    /// With `check`, sums are compared only in cycles where `check` is 1 (its upper bits a cycle later).
    /// `perCycle`: the unit's ports are driven directly, one digit per cycle (no `elementCycles` lag).
    func compare(_ m: ModuleBuilder, unit: Value, reference: Value, width w: Int, check: Value? = nil, perCycle: Bool = false) {
        let lag = (perCycle ? 0 : elementCycles - 1) + latency - 1
        var ref = (0..<lag).reduce(reference) { v, k in m.delay(v, "reference_d\(k + 1)", reset: nil) }
        if let h = splitBit {
            ref = concat([m.delay(ref.bits(w - 1, h), "reference_hi_d", reset: nil), ref.bits(h - 1, 0)])
        }
        let expected = m.wire("expected", ref)
        m.output("unit_acc", unit)
        m.output("reference_acc", expected)
        guard let check else {
            m.output("ok", unit == expected)
            return
        }
        guard let h = splitBit else {
            m.output("ok", ~check | (unit == expected))
            return
        }
        let checkHi = m.delay(check, "check_hi", reset: 0)
        m.output("ok", (~check | (unit.bits(h - 1, 0) == expected.bits(h - 1, 0)))
                     & (~checkHi | (unit.bits(w - 1, h) == expected.bits(w - 1, h))))
    }
}

/// A `booth` or `bitserial` unit with free product rows against a plain accumulator of the same
/// rows: `acc <= (first ? 0 : acc) + Σ rows`, delayed to line up like ``EquivalenceMiter`` (one
/// row per cycle, so without the serial unit's per-element lag).
public struct AccumulationMiter: Sendable {
    public let unit: MACUnit
    public init(_ config: MACConfig) { unit = MACUnit(config) }

    /// First cycle in which `ok` is checked.
    public var checkFrom: Int { unit.latency + (unit.splitBit == nil ? 0 : 1) }

    public var module: Module {
        let t = unit.config.types, w = t.acc.bits
        return Module("accumulate_\(unit.config.tag)", doc: "\(unit.config) accumulation against acc + Σ rows.") { m in
            let first = m.input("first", .bit)
            let rows = unit.rowTypes.enumerated().map { m.input("row\($0)", $1) }
            var ports: [String: any HWValue] = ["first": first]
            for (k, r) in rows.enumerated() { ports["row\(k)"] = r }
            let dut = m.instance(unit.rowsModule, "dut", ports)["acc"].asUnsigned
            let sum = MACUnit.rowSum(rows, bits: w)
            let acc = m.register("reference", .u(w), reset: nil)
            acc.next((MACUnit.cleared(acc.value, first) + sum).wrapped(to: .u(w)))
            unit.compare(m, unit: dut, reference: acc.value, width: w, perCycle: true)
        }
    }
}

/// Combinational miter of a kind's partial-product rows against the product of its ports: output
/// `bad` is 1 when the rows (with their constant) do not sum to `a * b` modulo 2^acc (so `bad` must
/// be constant 0). For `bitserial`, `a` is the pre-shifted lane and `b` one Booth digit
/// `{neg, two, one}`, whose value the miter decodes on its own as ±(one ? 1 : two ? 2 : 0).
public struct ProductMiter: Sendable {
    public let config: MACConfig
    public init(_ config: MACConfig) { self.config = config }

    /// The miter's `a` and `b` port types.
    public var operandTypes: (a: HWType, b: HWType) {
        let unit = MACUnit(config)
        return (unit.aLane, unit.bLane)
    }

    public var module: Module {
        let unit = MACUnit(config), w = config.types.acc.bits
        return Module("product_\(config.tag)", doc: "\(config.kind.rawValue) partial products against a*b.") { m in
            let a = m.input("a", unit.aLane), b = m.input("b", unit.bLane)
            let rows = unit.productRows(m, a, b)
            let pair = CarrySave.reduce(rows, width: w, m, prefix: "csa").rows
            var factor = b
            if config.kind == .bitserial {
                let magnitude = b[0].select(Value.constant(1, .s(3)), b[1].select(Value.constant(2, .s(3)), Value.constant(0, .s(3))))
                factor = m.wire("digit", b[2].select(Value.constant(0, .s(3)) - magnitude, magnitude.extended(to: .s(4))))
            }
            let product = m.wire("product", a * factor)
            m.output("bad", (pair[0] + pair[1]).wrapped(to: .u(w)) != MACUnit.modulo(product, bits: w))
        }
    }
}

/// A `booth` unit (pipeline 0 or 1) built inline next to ``AccumulationMiter``'s reference
/// `acc <= (first ? 0 : acc) + Σ rows` and, for pipeline 1, a reference pipelined like the unit.
/// Output `ok` is an inductive invariant: stage by stage the carry-save pairs sum to the binary
/// values (the product pair to the registered Σ rows, the accumulator pair to the reference), and
/// the pipelined reference equals the plain one. It holds in the all-zero state; if every cycle
/// preserves it (1-induction), the unit's sum equals acc + Σ rows in every cycle, for any rows.
public struct InductiveAccumulationMiter: Sendable {
    public let unit: MACUnit

    public init(_ config: MACConfig) {
        precondition(config.kind == .booth && config.pipeline <= 1, "induction is set up for booth pipelines 0 and 1")
        unit = MACUnit(config)
    }

    public var module: Module {
        let w = unit.config.types.acc.bits, u = HWType.u(w)
        return Module("induct_\(unit.config.tag)", doc: "\(unit.config) accumulation, inductive invariant.") { m in
            let first = m.input("first", .bit)
            let rows = unit.rowTypes.enumerated().map { m.input("row\($0)", $1) }
            let (sum, state) = unit.booth(m, first, rows: rows)
            guard let state else { preconditionFailure("booth pipelines 0 and 1 have a plain carry-save state") }
            let total = m.wire("rows_total", MACUnit.rowSum(rows, bits: w))
            let reference = m.register("reference", u, reset: nil)
            reference.next((MACUnit.cleared(reference.value, first) + total).wrapped(to: u))
            m.output("unit_acc", sum)
            let carrySave = (state.s + state.c).wrapped(to: u)
            guard let pair = state.pair, let clear = state.clear else {
                m.output("ok", carrySave == reference)
                return
            }
            let refPair = m.delay(total, "ref_pair_q", reset: nil)
            let refFirst = m.delay(first, "ref_first_q")
            let refAcc = m.register("ref_acc", u, reset: nil)
            let refNext = m.wire("ref_acc_next", refFirst.select(refPair, (refAcc + refPair).wrapped(to: u)))
            refAcc.next(refNext)
            let lagged = m.delay(reference.value, "reference_d1", reset: nil)
            m.output("ok", ((pair.s + pair.c).wrapped(to: u) == refPair) & (clear == refFirst)
                         & (carrySave == refAcc) & (lagged == refAcc) & (reference == refNext))
        }
    }
}

/// Combinational miter of a kind that pairs elements (FFIP) against two plain products: output
/// `bad` is 1 when the pair's rows minus the corrections a₀a₁ and b₀b₁ differ from a₀b₀ + a₁b₁
/// modulo 2^acc (so `bad` must be constant 0).
public struct PairMiter: Sendable {
    public let config: MACConfig
    /// The arithmetic under test (by default the registered one of `config.kind`).
    public let arithmetic: any MACArithmetic
    public init(_ config: MACConfig, arithmetic: (any MACArithmetic)? = nil) {
        self.config = config
        self.arithmetic = arithmetic ?? MACRegistry.arithmetic(config.kind)
    }

    public var module: Module {
        let t = config.types, w = t.acc.bits, arith = arithmetic
        return Module("pair_\(config.tag)", doc: "\(config.kind.rawValue) pair product minus its corrections against a0*b0 + a1*b1.") { m in
            let a0 = m.input("a0", t.a), a1 = m.input("a1", t.a), b0 = m.input("b0", t.b), b1 = m.input("b1", t.b)
            let rows = arith.pairRows(m, (a0, a1), (b0, b1), config, width: w, prefix: "pair")
            let corrections = MACUnit.modulo(m.wire("pa", a0 * a1), bits: w) + MACUnit.modulo(m.wire("pb", b0 * b1), bits: w)
            let fast = MACUnit.modulo(MACUnit.rowSum(rows, bits: w) - corrections, bits: w)
            let plain = MACUnit.modulo(m.wire("p0", a0 * b0) + m.wire("p1", a1 * b1), bits: w)
            m.output("bad", fast != plain)
        }
    }
}
