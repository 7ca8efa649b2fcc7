/// Output-stationary systolic array.
///
/// A enters from the left (row i skewed by i cycles), B from the top (column j skewed by j);
/// each PE accumulates one output element. When the last element of a tile has passed, every
/// PE copies its sum into a result chain that shifts left, one row port per PE row: PE (i, j)'s
/// result leaves row i at cycle L + i + 2j + 2, where L is the cycle the tile's last element was
/// accepted. The next tile's last element may only be accepted 2C − 1 cycles after the previous
/// one (`in_ready` is low meanwhile), so result chains never collide; tiles otherwise stream
/// back to back, overlapping compute with drain.
public struct SystolicOS: Sendable {
    public let rows: Int
    public let cols: Int
    public let mac: MACTypes

    public init(rows: Int, cols: Int, mac: MACTypes) {
        self.rows = rows
        self.cols = cols
        self.mac = mac
    }

    /// Cycles between accepted last elements needed to keep the result chains apart.
    public var drainSpacing: Int { 2 * cols - 1 }

    /// The processing element `pe_os_<a>_<b>_<acc>`.
    public var pe: Module {
        let t = mac
        return Module("pe_os_\(t.tag)", doc: "Output-stationary PE: forwards operands and flags, accumulates, shifts results left.") { m in
            let a = m.input("a_in", t.a), b = m.input("b_in", t.b)
            let valid = m.input("valid_in", .bit), first = m.input("first_in", .bit), last = m.input("last_in", .bit)
            let resIn = m.input("res_in", t.acc), resValidIn = m.input("res_valid_in", .bit)
            let unit = m.instance(MAC.accumulate(t), "mac", ["a": a, "b": b, "en": valid, "first": first])
            m.output("a_out", m.delay(a, "a_q", reset: nil))
            m.output("b_out", m.delay(b, "b_q", reset: nil))
            m.output("valid_out", m.delay(valid, "valid_q"))
            m.output("first_out", m.delay(first, "first_q", reset: nil))
            m.output("last_out", m.delay(last, "last_q", reset: nil))
            // `done`: the accumulator holds this tile's final sum.
            let done = m.delay(valid & last, "done")
            m.output("res_out", m.delay(done.select(unit["acc"], resIn), "res", reset: nil))
            m.output("res_valid_out", m.delay(done | resValidIn, "res_valid"))
        }
    }

    /// The array with its input skew and tile controller, named `name`.
    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t) = (rows, cols, mac)
        let spacing = drainSpacing
        let gapType = HWType.u(max(1, bitsFor(spacing)))
        let pe = self.pe
        var top = Module(name, doc: "\(R)x\(C) output-stationary systolic array, \(t).") { m in
            let inValid = m.input("in_valid", .bit), inLast = m.input("in_last", .bit)
            let aCol = m.input("a_col", .u(R * t.a.bits)), bRow = m.input("b_row", .u(C * t.b.bits))

            // Tile controller: first-element flag and result-chain spacing.
            let firstPending = m.register("first_pending", .bit, reset: 1)
            let gap = m.register("drain_gap", gapType, reset: Int64(spacing))
            let drainFree = m.wire("drain_free", gap == spacing)
            let ready = m.wire("ready", ~inLast | drainFree)
            m.output("in_ready", ready)
            let accept = m.wire("accept", inValid & ready)
            firstPending.next(inLast, enable: accept)
            gap.next((accept & inLast).select(Value.constant(1, gapType),
                                              drainFree.select(gap, (gap + 1).wrapped(to: gapType))))

            // Input skew: lane i of A and its flags reach row i after i cycles; B column j after j.
            func lane(_ v: Value, _ k: Int, _ type: HWType) -> Value {
                let raw = v.bits(k * type.bits + type.bits - 1, k * type.bits)
                return type.signed ? raw.asSigned : raw
            }
            func skew(_ v: Value, _ n: Int, _ prefix: String) -> Value {
                (0..<n).reduce(v) { x, d in m.delay(x, "\(prefix)_d\(d + 1)", reset: nil) }
            }
            let aSkewed = (0..<R).map { skew(lane(aCol, $0, t.a), $0, "a\($0)") }
            let bSkewed = (0..<C).map { skew(lane(bRow, $0, t.b), $0, "b\($0)") }
            var flags = [(valid: accept, first: firstPending.value, last: inLast)]
            for i in 1..<max(R, 1) {
                let p = flags[i - 1]
                flags.append((m.delay(p.valid, "valid_row\(i)"), m.delay(p.first, "first_row\(i)", reset: nil),
                              m.delay(p.last, "last_row\(i)", reset: nil)))
            }

            // PE grid; results flow right to left, so res_in is connected after the right neighbour exists.
            var pes: [[InstanceOutputs]] = []
            for i in 0..<R {
                var row: [InstanceOutputs] = []
                for j in 0..<C {
                    let left = j > 0 ? row[j - 1] : nil
                    let unit = m.instance(pe, "pe_\(i)_\(j)", [
                        "a_in": left?["a_out"] ?? aSkewed[i],
                        "valid_in": left?["valid_out"] ?? flags[i].valid,
                        "first_in": left?["first_out"] ?? flags[i].first,
                        "last_in": left?["last_out"] ?? flags[i].last,
                        "b_in": i > 0 ? pes[i - 1][j]["b_out"] : bSkewed[j],
                    ])
                    if let left {
                        left.connect("res_in", unit["res_out"])
                        left.connect("res_valid_in", unit["res_valid_out"])
                    }
                    row.append(unit)
                }
                row[C - 1].connect("res_in", Value.constant(0, t.acc))
                row[C - 1].connect("res_valid_in", Value.constant(0, .bit))
                pes.append(row)
            }
            m.output("out_valid", concat(pes.reversed().map { $0[0]["res_valid_out"] }))
            m.output("out_data", concat(pes.reversed().map { $0[0]["res_out"].asUnsigned }))
        }
        top.origin = origin
        return top
    }
}

/// Bits needed to hold the unsigned value v.
func bitsFor(_ v: Int) -> Int {
    var n = 0
    while (1 << n) <= v { n += 1 }
    return n
}
