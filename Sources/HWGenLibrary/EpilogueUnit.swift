import HWGenTypes
import HWGenCore
import HWGenGolden

/// The requantization epilogue as hardware: y = round(acc · M / 2^n) + zero_point, saturated to
/// `out`, with `relu` clamped below at zero_point (see ``Epilogue``), in three register stages.
///
/// Ports: `acc` in, `y` out three cycles later; with per-column scales also `mult` (u31) and
/// `shift` (u6), presented with `acc`. acc · M is exact: stage 1 compresses its partial products
/// (acc shifted by each nonzero digit of M's canonical signed-digit form when M is a constant,
/// radix-4 Booth rows of `mult` otherwise) to a carry-save pair, stage 2 adds the pair, stage 3
/// rounds. The rounding is decided from the bits shifted out: the half bit (bit n − 1) and a
/// sticky OR of the bits below it. A constant n is a slice; a per-column n goes through a
/// logarithmic shifter that collects the sticky bit.
public struct EpilogueUnit: Sendable {
    public let epilogue: Epilogue
    /// Type of the values it requantizes (the accumulator).
    public let input: HWType

    public init(_ epilogue: Epilogue, input: HWType) {
        self.epilogue = epilogue
        self.input = input
    }

    /// Cycles from `acc` to `y`.
    public static let latency = 3

    /// M's canonical signed digits (non-adjacent form), least significant first: −1, 0 or 1.
    static func signedDigits(_ v: Int64) -> [Int] {
        var digits: [Int] = [], x = v
        while x != 0 {
            if x & 1 == 0 { digits.append(0) } else {
                let d = 2 - Int(x & 3)          // 1 when x ≡ 1 (mod 4), −1 when x ≡ 3
                digits.append(d)
                x -= Int64(d)
            }
            x >>= 1
        }
        return digits
    }

    /// Rows (each `u(width)`) whose sum modulo 2^width is acc · M for the constant M: acc·2^i for
    /// a digit +1 at i, its ones' complement for −1 (the +1s gathered in one constant row).
    static func constantProductRows(_ acc: Value, _ multiplier: Int64, width w: Int) -> [Value] {
        let ext = acc.extended(to: HWType(bits: w, signed: acc.type.signed)).asUnsigned
        var rows: [Value] = [], ones: Int64 = 0
        for (i, d) in signedDigits(multiplier).enumerated() where d != 0 && i < w {
            let shifted = place(ext, at: i, width: w)
            if d > 0 { rows.append(shifted); continue }
            // −x·2^i = ~(x·2^i) + 1: the inverted row has ones below i.
            rows.append(i == 0 ? ~shifted : concat([~ext.bits(w - 1 - i, 0), Value.constant((Int64(1) << i) - 1, .u(i))]))
            ones += 1
        }
        let mask: Int64 = w >= 63 ? Int64.max : (Int64(1) << w) - 1
        if ones > 0 { rows.append(Value.constant(ones & mask, .u(w))) }
        return rows.isEmpty ? [Value.constant(0, .u(w))] : rows
    }

    /// The module `epilogue_<acc>_<tag>`.
    public var module: Module {
        if epilogue.scale != nil { return floatScaleModule }
        let e = epilogue
        let doc = "y <= sat_\(e.out)(round_\(e.rounding.rawValue)(acc * M / 2^n) + \(e.zeroPoint))"
            + (e.relu ? ", at least \(e.zeroPoint)" : "") + (e.perColumn ? "; M and n per column" : "; M = \(e.multiplier), n = \(e.shift)")
            + "; latency \(Self.latency)."
        return Module("epilogue_\(input.tag)_\(e.tag)", doc: doc) { m in
            let acc = m.input("acc", input)
            let productType = WidthRules.mul(input, Epilogue.multiplierType), w = productType.bits
            // Stage 1: the partial products, compressed to a carry-save pair.
            let rows: [Value]
            var shiftIn: Value? = nil
            if e.perColumn {
                rows = MACUnit.boothRows(m, acc, m.input("mult", Epilogue.multiplierType), width: w, prefix: "pp")
                shiftIn = m.delay(m.input("shift", Epilogue.shiftType), "shift_q1", reset: nil)
            } else {
                rows = Self.constantProductRows(acc, e.multiplier, width: w)
            }
            let pair = CarrySave.reduce(rows, width: w, m, prefix: "csa").rows
            let (s1, c1) = (m.delay(pair[0], "sum_q", reset: nil), m.delay(pair[1], "carry_q", reset: nil))
            // Stage 2: the product.
            let raw = (s1 + c1).wrapped(to: .u(w))
            let typed = productType.signed ? raw.asSigned : raw
            // Truncating by a constant n needs only floor(x / 2^n): the bits below n are not kept.
            let truncated = !e.perColumn && e.rounding == .truncate && e.shift > 0
            let kept: Value
            if !truncated { kept = typed }
            else if e.shift >= w { kept = productType.signed ? replicate(raw[w - 1], 1).asSigned : Value.constant(0, .u(1)) }
            else { kept = typed.shiftedRight(by: e.shift) }
            let x = m.delay(kept, "product_q", reset: nil).value
            // (q, half, sticky): floor(x / 2^n), bit n − 1 of x, and whether any bit below it is set.
            let q: Value, half: Value, sticky: Value
            if e.perColumn {
                let n = m.delay(shiftIn!, "shift_q", reset: nil)
                // y = {x, 0} shifted right by n: its bit 0 is then x[n − 1], and the bits shifted
                // out beyond it are x's bits below n − 1.
                let w = x.type.bits + 1
                var y = concat([x.asUnsigned, Value.constant(0, .bit)])
                var out = Value.constant(0, .bit)
                for i in 0..<Epilogue.shiftType.bits {
                    let s = 1 << i
                    let fill = x.type.signed ? replicate(y[w - 1], min(s, w)) : Value.constant(0, .u(min(s, w)))
                    let shifted = s >= w ? fill : concat([fill, y.bits(w - 1, s)])
                    let lost = s >= w ? y : y.bits(s - 1, 0)
                    out = m.wire("sticky\(i)", out | (n.value[i] & (lost != 0)))
                    y = m.wire("shift\(i)", n.value[i].select(shifted, y))
                }
                let kept = y.bits(w - 1, 1)
                (q, half, sticky) = (x.type.signed ? kept.asSigned : kept, y[0], out)
            } else if e.shift == 0 || truncated {
                (q, half, sticky) = (x, Value.constant(0, .bit), Value.constant(0, .bit))
            } else if e.shift >= x.type.bits {
                // Everything is shifted out: q is the sign, the half bit the top bit.
                let sign = x.type.signed ? x[x.type.bits - 1] : Value.constant(0, .bit)
                q = x.type.signed ? replicate(sign, 1).asSigned : Value.constant(0, .u(1))
                half = e.shift == x.type.bits ? x[x.type.bits - 1] : sign
                sticky = e.shift == x.type.bits ? (x.type.bits > 1 ? x.bits(x.type.bits - 2, 0) != 0 : Value.constant(0, .bit))
                                                : (x != 0)
            } else {
                let n = e.shift
                q = x.shiftedRight(by: n)
                half = x[n - 1]
                sticky = n > 1 ? m.wire("sticky", x.bits(n - 2, 0) != 0) : Value.constant(0, .bit)
            }
            let negative = x.type.signed ? x[x.type.bits - 1] : Value.constant(0, .bit)
            let up: Value
            switch e.rounding {
            case .truncate: up = Value.constant(0, .bit)
            case .halfUp: up = half
            case .halfAway: up = half & (sticky | ~negative)
            case .halfEven: up = half & (sticky | q[0])
            }
            // Only q's low k bits reach an unsaturated result: beyond them (q outside k bits) the
            // result saturates by q's sign, and the rounding add stays k + 2 bits wide.
            let k = e.out.bits + 2
            let small: Value, outside: Value?
            if q.type.bits > k {
                let sign = q.type.signed ? q[q.type.bits - 1] : Value.constant(0, .bit)
                let high = q.bits(q.type.bits - 1, k - 1)
                outside = m.wire("q_outside", high != replicate(sign, high.type.bits))
                small = q.type.signed ? q.wrapped(to: .s(k)) : q.wrapped(to: .u(k))
            } else {
                (small, outside) = (q, nil)
            }
            let rounded = m.wire("rounded", small + m.wire("round_up", up))
            let shifted = m.wire("shifted", rounded + Value.constant(e.zeroPoint, HWType.s(e.out.bits + 1)))
            var y = m.wire("saturated", shifted.saturated(to: e.out))
            if let outside {
                let sign = q.type.signed ? q[q.type.bits - 1] : Value.constant(0, .bit)
                let limit = sign.select(Value.constant(e.out.minValue, e.out), Value.constant(e.out.maxValue!, e.out))
                y = m.wire("limited", outside.select(limit, y))
            }
            if e.relu && Int64(e.zeroPoint) > e.out.minValue {   // (at the type's minimum it changes nothing)
                let zp = Value.constant(e.zeroPoint, e.out)
                y = (y < zp).select(zp, y)
            }
            m.output("y", m.delay(y, "y_q", reset: nil))
        }
    }
}

/// An engine whose every result passes through an ``EpilogueUnit`` on its way out (a bare
/// engine with a per-tensor `epilogue:`): the same stream, results `out` wide and
/// ``EpilogueUnit/latency`` cycles later.
public struct RequantizedEngine: Engine {
    public let core: any Engine
    public let unit: any ResultUnit

    public init(core: any Engine, epilogue: Epilogue, accumulator: HWType) {
        precondition(!epilogue.perColumn, "per-column scales need the GEMM controller")
        self.init(core: core, unit: EpilogueUnit(epilogue, input: accumulator))
    }

    /// The core with `unit` on each output lane.
    public init(core: any Engine, unit: any ResultUnit) {
        self.core = core
        self.unit = unit
    }

    public var streamPorts: [StreamPort] { core.streamPorts }
    public var outputLanes: Int { core.outputLanes }
    public var macCount: Int { core.macCount }
    public var drainBound: Int { core.drainBound + unit.cycles }
    public var summary: String { core.summary + " with " + unit.phrase }

    public func module(name: String, origin: String?) -> Module {
        let inner = core.module(name: "\(name)_core", origin: nil)
        let unit = self.unit.module, (acc, out, cycles) = (self.unit.input, self.unit.out, self.unit.cycles)
        var top = Module(name, doc: "\(summary): each result \(self.unit.verb) \(out).") { m in
            var ports: [String: Value] = [StreamSignal.inValid: m.input(StreamSignal.inValid, .bit)]
            for p in core.streamPorts { ports[p.name] = m.input(p.name, .u(p.bits)) }
            let c = m.instance(inner, "core", ports)
            m.output(StreamSignal.inReady, c[StreamSignal.inReady])
            let lanes = (0..<outputLanes).map { l -> Value in
                let raw = c[StreamSignal.outData].bits(l * acc.bits + acc.bits - 1, l * acc.bits)
                return m.instance(unit, "\(self.unit.instancePrefix)\(l)", ["acc": acc.signed ? raw.asSigned : raw])["y"].asUnsigned
            }
            let valid = (0..<cycles).reduce(c[StreamSignal.outValid]) { v, k in m.delay(v, "out_valid_d\(k + 1)") }
            m.output(StreamSignal.outValid, valid)
            m.output(StreamSignal.outData, concat(lanes.reversed()))
        }
        top.origin = origin
        return top
    }

    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus { core.stimulus(a: a, b: b) }
    public func stimulus(_ ops: GemmOperands) -> Stimulus { core.stimulus(ops) }
}

/// A unit on every output lane, between an engine and its results: `acc` in, `y` out
/// ``cycles`` later. The requantization epilogue (``EpilogueUnit``) and the FP32 conversion of
/// float sums (``FloatResultUnit``).
public protocol ResultUnit: Sendable {
    /// The module, ports `acc` and `y`.
    var module: Module { get }
    /// Type of `acc`.
    var input: HWType { get }
    /// Type of `y`.
    var out: HWType { get }
    /// Cycles from `acc` to `y`.
    var cycles: Int { get }
    /// For summaries: `a requantization epilogue`.
    var phrase: String { get }
    /// For docs: each result `requantized to` s8.
    var verb: String { get }
    /// Instance names: `epilogue0`, `epilogue1`, …
    var instancePrefix: String { get }
}

extension EpilogueUnit: ResultUnit {
    public var out: HWType { epilogue.out }
    public var cycles: Int { Self.latency }
    public var phrase: String { "a requantization epilogue" }
    public var verb: String { "requantized to" }
    public var instancePrefix: String { "epilogue" }
}
