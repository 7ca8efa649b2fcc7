import HWGenTypes
import HWGenCore
import HWGenGolden

/// Output-stationary systolic array.
///
/// A enters from the left (row i skewed by i cycles), B from the top (column j skewed by j);
/// each PE accumulates one output element in its MAC unit. Each row gates its A lane and its
/// `first`/`last` flags with its own copy of the accept signal where they enter the row: a
/// cycle without an element carries a = 0 (so the MAC needs no enable), and no two rows' flag
/// chains are equal registers, so synthesis cannot merge them into one flop per anti-diagonal
/// (each flag register drives one PE). When the last element of a tile has passed a PE, the PE
/// copies its sum into a result chain that shifts left, one row port per PE row: PE (i, j)'s
/// result leaves row i at cycle L + i + 2j + 2 + pipeline, where L is the cycle the tile's last
/// element was accepted. The next tile's last element may only be accepted 2C − 1 cycles after
/// the previous one (`in_ready` is low meanwhile), so result chains never collide; tiles otherwise
/// stream back to back, overlapping compute with drain.
///
/// With `operands: .broadcast` it is the 2D-Matrix engine (`engine: { kind: matrix2d, rows, cols }`): the
/// same PEs and result chains, but A's lane i and B's lane j are broadcast to all of row i and
/// column j in the same cycle (outer-product accumulation, no skew, no operand forwarding). All
/// PEs then finish a tile together, PE (i, j)'s result leaves row i at L + j + 2 + pipeline + D − 1,
/// and tiles' last elements need only C cycles between them.
public struct OutputStationaryArray: Engine {
    /// How A and B reach the PEs.
    public enum Operands: Sendable {
        /// Passed PE to PE, skewed (the systolic array, `dataflow: os`).
        case systolic
        /// Broadcast along rows and columns in the same cycle (the 2D-Matrix).
        case broadcast
    }

    public let rows: Int
    public let cols: Int
    public let mac: MACConfig
    public let operands: Operands

    public init(rows: Int, cols: Int, mac: MACConfig, operands: Operands = .systolic) {
        precondition(!MACRegistry.arithmetic(mac.kind).pairsElements
                     || (operands == .systolic && mac.pipeline < 2 && mac.group == nil && !mac.types.saturating),
                     "OutputStationaryArray: \(mac.kind) pairs elements: systolic, pipeline 0 or 1, no groups, wrapping (checked by the spec loader)")
        self.rows = rows
        self.cols = cols
        self.mac = mac
        self.operands = operands
    }

    /// Operands broadcast (2D-Matrix) instead of passed PE to PE.
    private var broadcast: Bool { operands == .broadcast }

    /// FFIP (a kind that ``MACArithmetic/pairsElements``): a beat carries two elements of K, each
    /// PE accumulates (a₀ + b₁)(a₁ + b₀), and the pair corrections Σ a₀a₁ of each row and Σ b₀b₁
    /// of each column, computed at the array's edges, are subtracted where results leave. Two
    /// registers more: one on the way in (every row and column), one on the way out.
    public var pairs: Bool { MACRegistry.arithmetic(mac.kind).pairsElements }

    /// Broadcast PEs all see the same `first`: with a pipelined one-cycle MAC, the array registers
    /// it once and fans it out through a gate (``MACUnit/firstRegistered``).
    var firstRegistered: Bool { broadcast && mac.pipeline >= 1 && mac.group == nil && !mac.digitSerial }

    /// Elements of K per beat: 2 with FFIP, else 1.
    public var beatDepth: Int { pairs ? 2 : 1 }

    /// The MAC each PE holds: the configured one, or with FFIP a baseline MAC of the pair sums.
    var peUnit: MACUnit {
        guard pairs else { return MACUnit(mac, firstRegistered: firstRegistered) }
        let x = WidthRules.add(mac.types.a, mac.types.b)
        return MACUnit(MACConfig(MACTypes(a: x, b: x, acc: mac.types.acc), kind: MACRegistry.arithmetic(mac.kind).pairMACKind,
                                 pipeline: mac.pipeline))
    }

    /// An array of `baseline` MACs without pipeline stages.
    public init(rows: Int, cols: Int, mac: MACTypes) {
        self.init(rows: rows, cols: cols, mac: MACConfig(mac))
    }

    public var streamPorts: [StreamPort] {
        [StreamPort(StreamSignal.aColumn, lanes: rows * beatDepth, mac.types.a), StreamPort(StreamSignal.bRow, lanes: cols * beatDepth, mac.types.b),
         StreamPort(StreamSignal.inLast, .bit)]
            + (mac.group == nil ? [] : [StreamPort(StreamSignal.groupStart, .bit), StreamPort(StreamSignal.groupEnd, .bit)])
            + (mac.groupScales ? [StreamPort(StreamSignal.exponentRow, lanes: cols, mac.scaleType)] : [])
            + (mac.scalesA ? [StreamPort(StreamSignal.exponentColumn, lanes: rows, mac.scaleType)] : [])
    }

    /// MACs per cycle (with FFIP two per PE, on one multiplier).
    public var macCount: Int { rows * cols * beatDepth }

    /// The last tile's results leave within R + 2C + pipeline + D cycles (its last element may
    /// wait 2C − 1 cycles for the previous tile's results).
    public var drainBound: Int { rows + 4 * cols + mac.pipeline + mac.elementCycles + (mac.group == nil ? 0 : 1) + (mac.scalesA ? 1 : 0) + (pairs ? 2 : 0) }

    /// One lane per PE row.
    public var outputLanes: Int { rows }

    public var summary: String {
        broadcast ? "\(rows)x\(cols) 2D-Matrix (broadcast outer-product) array" : "\(rows)x\(cols) output-stationary systolic array"
    }

    /// Tiles in row-major order over the ⌈M/R⌉ × ⌈N/C⌉ output tiles, K beats each: beat k of a
    /// tile carries column k of its A rows, row k of its B columns (zero beyond the matrices) and
    /// `in_last` for k = K − 1. Row i's port gives each tile's C results, column 0 first.
    /// With FFIP a beat carries elements 2e and 2e + 1 of K (lanes 2i and 2i + 1 of row i, 2j and
    /// 2j + 1 of column j; zero beyond K), ⌈K/2⌉ beats per tile.
    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus {
        let (m, k, n) = (a.rows, a.cols, b.cols)
        let tilesC = ceilDiv(n, cols), tiles = ceilDiv(m, rows) * tilesC
        let depth = beatDepth, beatsPerTile = ceilDiv(k, depth)
        var beats: [[[Int64]]] = []
        beats.reserveCapacity(tiles * beatsPerTile)
        for t in 0..<tiles {
            let (r0, c0) = (t / tilesC * rows, t % tilesC * cols)
            for c in 0..<beatsPerTile {
                beats.append([Self.lanes(rows * depth) { x in
                                  let (r, e) = (r0 + x / depth, c * depth + x % depth)
                                  return r < m && e < k ? a[r, e] : nil },
                              Self.lanes(cols * depth) { x in
                                  let (col, e) = (c0 + x / depth, c * depth + x % depth)
                                  return col < n && e < k ? b[e, col] : nil },
                              [c == beatsPerTile - 1 ? 1 : 0]])
            }
        }
        let order: [[Int?]] = (0..<rows).map { i in
            (0..<tiles).flatMap { t in
                (0..<cols).map { j -> Int? in
                    let (r, c) = (t / tilesC * rows + i, t % tilesC * cols + j)
                    return r < m && c < n ? r * n + c : nil
                }
            }
        }
        return Stimulus(beats: beats, order: order)
    }

    /// With `mac.group` G, each beat also says whether its element of K starts a group
    /// (`g_start`: k mod G = 0) or ends one (`g_end`: k mod G = G − 1 or k = K − 1), and with
    /// `g_end` carries the group's exponents E[k / G][column] on `e_row` — for MX, B's block
    /// scales there and A's, S[row][k / G], on `ea_col`.
    public func stimulus(_ ops: GemmOperands) -> Stimulus {
        var s = stimulus(a: ops.a, b: ops.b)
        guard let g = mac.group else { return s }
        let (m, k, n) = (ops.a.rows, ops.a.cols, ops.b.cols), tilesC = ceilDiv(n, cols)
        for x in s.beats.indices {
            let (t, kk) = (x / k, x % k), c0 = t % tilesC * cols, r0 = t / tilesC * rows
            let end = kk % g == g - 1 || kk == k - 1
            s.beats[x] += [[kk % g == 0 ? 1 : 0], [end ? 1 : 0]]
            if let e = ops.groupScales { s.beats[x] += [Self.lanes(cols) { j in end && c0 + j < n ? e[kk / g, c0 + j] : nil }] }
            if let sa = ops.scalesA {
                s.beats[x] += [Self.lanes(rows) { i in end && r0 + i < m ? sa[r0 + i, kk / g] : nil }]
            }
        }
        return s
    }

    /// Whether zero digits of B are skipped: a 2D-Matrix of `bitserial` MACs, whose columns share
    /// one sparse Booth encoder each (TPE OPT3/OPT4).
    public var skipsZeroDigits: Bool { broadcast && mac.digitSerial }

    /// Cycles between accepted last elements needed to keep the result chains apart.
    public var drainSpacing: Int { broadcast ? cols : 2 * cols - 1 }

    /// The processing element `pe_os_<kind>_p<pipeline>_<a>_<b>_<acc>` (`pe_bc_…` when broadcast:
    /// no operand or flag outputs, and `done_in` from the array instead of its own `last` delays).
    public var pe: Module {
        let unit = peUnit, t = mac.types
        let (name, doc) = broadcast
            ? ("pe_bc_\(mac.tag)", "Broadcast (2D-Matrix) PE: accumulates, shifts results left.")
            : pairs ? ("pe_os_\(mac.tag)", "Output-stationary FFIP PE: forwards operand pairs and flags, accumulates (a0+b1)*(a1+b0), shifts results left.")
            : ("pe_os_\(mac.tag)", "Output-stationary PE: forwards operands and flags, accumulates, shifts results left.")
        return Module(name, doc: doc) { m in
            var a = m.input("a_in", pairs ? .u(2 * t.a.bits) : skipsZeroDigits ? t.a : unit.aLane)
            let b = m.input("b_in", pairs ? .u(2 * t.b.bits) : unit.bLane)
            if skipsZeroDigits {
                // The column's encoder sends each nonzero digit with its position p: a · 4^p.
                let pos = unit.elementCycles > 1 ? m.input("pos_in", .u(bitsFor(unit.elementCycles - 1))) : nil
                a = unit.scaledByDigitPosition(m, a, pos: pos)
            }
            let first = m.input("first_in", .bit)
            let last = broadcast ? nil : m.input("last_in", .bit)
            let resIn = m.input("res_in", t.acc), resValidIn = m.input("res_valid_in", .bit)
            var macPorts: [String: Value] = ["a": a, "b": b, "first": first]
            if pairs {
                // FFIP: the MAC multiplies the pair sums (a₀ + b₁)(a₁ + b₀).
                macPorts["a"] = m.wire("pair_x", a.lane(0, t.a) + b.lane(1, t.b))
                macPorts["b"] = m.wire("pair_y", a.lane(1, t.a) + b.lane(0, t.b))
            }
            if mac.group != nil {
                // Group flags travel with `first`, the group's exponent with b.
                // (MX: A's block scale travels with a.)
                for (port, type) in [("gstart", HWType.bit), ("gend", .bit)] + (mac.groupScales ? [("e", mac.scaleType)] : [])
                    + (mac.scalesA ? [("ea", mac.scaleType)] : []) {
                    let v = m.input("\(port)_in", type)
                    macPorts[port] = v
                    if !broadcast { m.output("\(port)_out", m.delay(v, "\(port)_q", reset: type == .bit ? 0 : nil)) }
                }
            }
            let sum = m.instance(unit.module, "mac", macPorts)["acc"]
            if !broadcast {
                m.output("a_out", m.delay(a, "a_q", reset: nil))
                m.output("b_out", m.delay(b, "b_q", reset: nil))
                m.output("first_out", m.delay(first, "first_q"))
            }
            // `done`: the MAC's sum includes this tile's last element. Broadcast PEs all finish
            // together, so the array computes it once (as a gate, which synthesis buffers).
            let done: Value
            if broadcast {
                done = m.input("done_in", .bit)
            } else {
                let lastQ = m.delay(last!, "last_q")
                m.output("last_out", lastQ)
                done = (1..<unit.latency).reduce(lastQ) { d, k in m.delay(d, "done_d\(k)") }
            }
            Self.resultStage(m, unit: unit, sum: sum, done: done, resIn: resIn, resValidIn: resValidIn)
        }
    }

    /// A PE's stage of a result chain: `res_out` takes the sum when `done`, else `res_in` (with a
    /// split accumulator the upper half, and its `done`, one cycle later); `res_valid_out` likewise.
    static func resultStage(_ m: ModuleBuilder, unit: MACUnit, sum: Value, done: Value, resIn: Value, resValidIn: Value) {
        let acc = unit.config.types.acc, w = acc.bits
        guard let h = unit.splitBit else {
            m.output("res_out", m.delay(done.select(sum, resIn), "res", reset: nil))
            m.output("res_valid_out", m.delay(done | resValidIn, "res_valid"))
            return
        }
        // Split accumulator: the upper half of the sum, and of the result chain, lags one cycle.
        let doneHi = m.delay(done, "done_hi")
        let lo = m.delay(done.select(sum.bits(h - 1, 0), resIn.bits(h - 1, 0)), "res_lo", reset: nil)
        let hi = m.delay(doneHi.select(sum.bits(w - 1, h), resIn.bits(w - 1, h)), "res_hi", reset: nil)
        m.output("res_out", concat([hi, lo]).wrapped(to: acc))
        m.output("res_valid_out", m.delay(doneHi | resValidIn, "res_valid"))
    }

    /// The array with its input skew and tile controller, named `name`.
    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t) = (rows, cols, mac.types)
        let spacing = drainSpacing
        let gapType = HWType.u(max(1, bitsFor(spacing)))
        let pe = self.pe
        let unit = MACUnit(mac), d = unit.elementCycles
        let split = unit.splitBit
        let bc = broadcast
        var top = Module(name, doc: "\(summary), \(t), \(mac.kind.rawValue) MAC, pipeline \(mac.pipeline).") { m in
            let inValid = m.input(StreamSignal.inValid, .bit), inLast = m.input(StreamSignal.inLast, .bit)
            let aCol = m.input(StreamSignal.aColumn, .u(R * beatDepth * t.a.bits)), bRow = m.input(StreamSignal.bRow, .u(C * beatDepth * t.b.bits))
            let eType = mac.scaleType
            let groupIn = mac.group.map { _ in (start: m.input(StreamSignal.groupStart, .bit), end: m.input(StreamSignal.groupEnd, .bit),
                                                e: mac.groupScales ? m.input(StreamSignal.exponentRow, .u(C * eType.bits)) : nil) }
            let scalesA = mac.scalesA ? m.input(StreamSignal.exponentColumn, .u(R * eType.bits)) : nil

            // Tile controller: first-element flag and result-chain spacing.
            let firstPending = m.register("first_pending", .bit, reset: 1)
            let gap = m.register("drain_gap", gapType, reset: Int64(spacing))
            let drainFree = m.wire("drain_free", gap == spacing)
            // Elements of a multi-cycle MAC: one accepted per `d` cycles, in phase 0; when zero
            // digits are skipped, one accepted when the previous one's digits are all used.
            let skip = skipsZeroDigits
            let busy = skip ? m.register("busy", .bit, reset: 0) : nil
            let phase = d > 1 && !skip ? m.register("phase", .u(bitsFor(d - 1)), reset: 0) : nil
            let idle = phase.map { m.wire("phase_idle", $0 == 0) } ?? busy.map { m.wire("idle", ~$0) }
            // A tile's last element is taken only when the result chains have drained; when
            // element lengths vary (skipping), its last cycle waits for that instead.
            let ready = m.wire("ready", skip ? idle! : idle.map { $0 & (~inLast | drainFree) } ?? (~inLast | drainFree))
            m.output(StreamSignal.inReady, ready)
            let accept = m.wire("accept", inValid & ready)
            firstPending.next(inLast, enable: accept)
            let tileDone = skip ? m.wire("tile_done", .bit) : nil
            gap.next((tileDone.map { $0.value } ?? (accept & inLast)).select(Value.constant(1, gapType),
                                                                             drainFree.select(gap, (gap + 1).wrapped(to: gapType))))
            // Per-cycle flags before the skew: an element is in progress; its first cycle starts a
            // tile; its last cycle ends one.
            var active = accept, first = firstPending.value, last = inLast
            // With skipping: per column, the element's Booth digits not yet used; each cycle the
            // lowest nonzero one goes to the column's PEs with its position.
            var columnDigits: [(digit: Value, pos: Value?)] = []
            var heldA: [Value] = []
            if let busy {
                let lastHeld = m.register("last_held", .bit, reset: 0)
                lastHeld.next(inLast, enable: accept)
                active = m.wire("active", accept | busy)
                var more: [Value] = []
                for j in 0..<C {
                    let e = sparseEncoder(m, bRow.lane(j, t.b), load: accept, active: active, prefix: "b\(j)")
                    columnDigits.append((e.digit, e.pos))
                    more.append(e.more)
                }
                let lastNow = m.wire("last_now", accept.select(inLast, lastHeld.value))
                let end = m.wire("element_end", active & ~more.dropFirst().reduce(more[0]) { $0 | $1 } & (~lastNow | drainFree))
                busy.next(active & ~end)
                first = m.wire("first_cycle", firstPending & accept)
                last = m.wire("last_cycle", lastNow & end)
                tileDone!.drive(last)
                heldA = (0..<R).map { i in
                    let held = m.register("a\(i)_held", t.a, reset: nil)
                    held.next(aCol.lane(i, t.a), enable: accept)
                    return accept.select(aCol.lane(i, t.a), held.value)
                }
            } else if let phase, let idle {
                let lastHeld = m.register("last_held", .bit, reset: 0)
                lastHeld.next(inLast, enable: accept)
                phase.next(accept.select(Value.constant(1, phase.type),
                                         (idle | (phase == d - 1)).select(Value.constant(0, phase.type),
                                                                          (phase + 1).wrapped(to: phase.type))))
                active = m.wire("active", accept | ~idle)
                first = m.wire("first_cycle", firstPending & idle)
                last = m.wire("last_cycle", lastHeld & (phase == d - 1))
            }

            // Input skew: lane i of A, the accept signal and the flags reach row i after i cycles;
            // B column j after j. Each row gates its own lane and flags with its own accept.
            // FFIP registers every lane once more on the way in (row 0 and column 0 too), so that
            // no gate sits before a PE's pre-adder and multiplier.
            func skew(_ v: Value, _ n: Int, _ prefix: String, reset: Int64? = nil) -> Value {
                m.delay(v, cycles: bc ? 0 : n + (pairs ? 1 : 0), prefix, reset: reset)
            }
            let pairB = HWType.u(2 * t.b.bits), pairA = HWType.u(2 * t.a.bits)
            let bSkewed = skip ? columnDigits.map(\.digit)
                : pairs ? (0..<C).map { j in    // zeroed outside elements before the skew (see below)
                    skew(m.wire("b\(j)_gated", active.select(bRow.lane(j, pairB), Value.constant(0, pairB))), j, "b\(j)") }
                : (0..<C).map { skew(unit.serializeB(m, bRow.lane($0, t.b), load: accept, prefix: "b\($0)"), $0, "b\($0)") }
            var entries: [(a: Value, first: Value, last: Value)] = []
            var groupFlags: [(start: Value, end: Value)] = []
            for i in 0..<R {
                let valid = skew(active, i, "valid\(i)", reset: 0)
                // FFIP pairs are zeroed before the skew, like B's, so that the PE's pre-adder
                // starts at a register.
                let a = skip ? heldA[i]
                    : pairs ? skew(m.wire("a\(i)_gated", active.select(aCol.lane(i, pairA), Value.constant(0, pairA))), i, "a\(i)")
                    : skew(unit.serializeA(m, aCol.lane(i, t.a), load: accept, prefix: "a\(i)"), i, "a\(i)")
                entries.append((pairs ? a : m.wire("row\(i)_a", valid.select(a, Value.constant(0, a.type))),
                                m.wire("row\(i)_first", valid & skew(first, i, "first\(i)")),
                                m.wire("row\(i)_last", valid & skew(last, i, "last\(i)"))))
                if let g = groupIn {
                    groupFlags.append((m.wire("row\(i)_gstart", valid & skew(g.start, i, "gstart\(i)")),
                                       m.wire("row\(i)_gend", valid & skew(g.end, i, "gend\(i)"))))
                }
            }
            let exponents = groupIn?.e.map { e in (0..<C).map { skew(e.lane($0, eType), $0, "e\($0)") } } ?? []
            let rowScales = scalesA.map { sa in (0..<R).map { skew(sa.lane($0, eType), $0, "ea\($0)") } } ?? []

            // FFIP: a bubble must multiply to 0, and (0 + b₁)(0 + b₀) does not, so B is zeroed
            // outside elements too (before its skew registers, so no gate sits between them and
            // the PEs). The pair corrections are summed where the operands enter and subtracted
            // where the results leave.
            var corrections: (rows: [Value], columns: [Value])? = nil
            if pairs {
                var columnFlags: [(first: Value, last: Value)] = []
                for j in 0..<C {
                    let valid = skew(active, j, "bvalid\(j)", reset: 0)
                    columnFlags.append((m.wire("col\(j)_first", valid & skew(first, j, "bfirst\(j)")),
                                        m.wire("col\(j)_last", valid & skew(last, j, "blast\(j)"))))
                }
                corrections = pairCorrections(m, rows: entries.map { ($0.a, $0.first, $0.last) },
                                              columns: (0..<C).map { (bSkewed[$0], columnFlags[$0].first, columnFlags[$0].last) })
            }

            // Broadcast: one `done` for every PE, the tile's last element delayed by the MAC's
            // latency and qualified by the element's own (equally delayed) activity.
            var bcDone: Value? = nil
            if bc {
                var lastD = m.wire("done_last", last & active), activeD = active
                for k in 0..<unit.latency {
                    lastD = m.delay(lastD, "done_last_d\(k + 1)")
                    activeD = m.delay(activeD, "done_active_d\(k + 1)")
                }
                bcDone = m.wire("done", lastD & activeD)
            }
            // The registered `first` of broadcast PEs: flops ANDed, so the fan-out is a gate's.
            let bcClear = bc && firstRegistered
                ? m.wire("clear", m.delay(first & active, "first_q") & m.delay(active, "active_q")) : nil
            // PE grid; results flow right to left, so res_in is connected after the right neighbour exists.
            var pes: [[InstanceOutputs]] = []
            for i in 0..<R {
                var row: [InstanceOutputs] = []
                for j in 0..<C {
                    let left = j > 0 ? row[j - 1] : nil
                    var bcPorts: [String: Value] = [:]
                    if let bcDone {
                        bcPorts = ["a_in": entries[i].a, "first_in": bcClear ?? entries[i].first, "done_in": bcDone, "b_in": bSkewed[j]]
                        if let pos = columnDigits.isEmpty ? nil : columnDigits[j].pos { bcPorts["pos_in"] = pos }
                    }
                    var ports = bc ? bcPorts : [
                        "a_in": left?["a_out"] ?? entries[i].a,
                        "first_in": left?["first_out"] ?? entries[i].first,
                        "last_in": left?["last_out"] ?? entries[i].last,
                        "b_in": i > 0 ? pes[i - 1][j]["b_out"] : bSkewed[j],
                    ]
                    if !groupFlags.isEmpty {
                        ports["gstart_in"] = bc ? groupFlags[i].start : left?["gstart_out"] ?? groupFlags[i].start
                        ports["gend_in"] = bc ? groupFlags[i].end : left?["gend_out"] ?? groupFlags[i].end
                        if !exponents.isEmpty { ports["e_in"] = bc || i == 0 ? exponents[j] : pes[i - 1][j]["e_out"] }
                        if !rowScales.isEmpty { ports["ea_in"] = bc ? rowScales[i] : left?["ea_out"] ?? rowScales[i] }
                    }
                    let unit = m.instance(pe, "pe_\(i)_\(j)", ports)
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
            // With a split accumulator the lower half of each result arrives a cycle early: realign.
            var results: [Value] = pes.enumerated().map { i, row in
                let r = row[0]["res_out"].asUnsigned
                guard let h = split else { return r }
                return concat([r.bits(t.acc.bits - 1, h), m.delay(r.bits(h - 1, 0), "out\(i)_lo", reset: nil)])
            }
            var valids = pes.map { $0[0]["res_valid_out"] }
            if let corrections {
                // Row i's results leave i cycles after row 0's: its column corrections likewise.
                var column = corrections.columns[0]
                for i in 0..<R {
                    if i > 0 { column = m.delay(column, "rb_lane\(i)", reset: nil) }
                    let corrected = MACUnit.modulo(results[i] - corrections.rows[i] - column, bits: t.acc.bits)
                    results[i] = m.delay(corrected, "out\(i)", reset: nil)
                    valids[i] = m.delay(valids[i], "out\(i)_valid")
                }
            }
            m.output(StreamSignal.outValid, concat(valids.reversed()))
            m.output(StreamSignal.outData, concat(results.reversed()))
        }
        top.origin = origin
        return top
    }
}

extension OutputStationaryArray {
    /// Tiles of R × C, one element of K per beat (A column, B row, `in_last`); row lane i gives
    /// the tile's row i, column 0 first.
    public var gemmFeed: GemmFeed? {
        let d = beatDepth
        var feed = TileFeed(tileRows: rows, tileCols: cols, depth: d, aPort: StreamSignal.aColumn, aLanes: (0..<rows * d).map { ($0 / d, $0 % d) },
                            bPort: StreamSignal.bRow, bLanes: (0..<cols * d).map { ($0 % d, $0 / d) }, firstFlag: nil, lastFlag: StreamSignal.inLast,
                            resultsPerTile: cols, resultAt: { lane, n in (lane, n) })
        if mac.groupScales { feed.group = (StreamSignal.exponentRow, Array(0..<cols)) }   // promotion groups: flags only
        return .tiles(feed)
    }
}

extension OutputStationaryArray {
    /// A column's sparse Booth encoder (TPE OPT4): the element's digits not yet used are kept in
    /// `<prefix>_rest` (loaded from `b` when `load` is 1); each cycle the lowest nonzero one goes
    /// out with its position (nil for a one-digit b), a zero digit when not `active`; `more` says
    /// whether nonzero digits remain after this cycle.
    func sparseEncoder(_ m: ModuleBuilder, _ b: Value, load: Value, active: Value, prefix: String)
        -> (digit: Value, pos: Value?, more: Value) {
        let ds = MACUnit.boothDigits(m, b, prefix: "\(prefix)_digit").map { concat([$0.neg, $0.two, $0.one]) }
        let rest = m.register("\(prefix)_rest", .u(3 * ds.count), reset: nil)
        let current = m.wire("\(prefix)_current", load.select(concat(ds.reversed()), rest.value))
        let digit = (0..<ds.count).map { current.bits(3 * $0 + 2, 3 * $0) }
        let nonzero = digit.map { $0[1] | $0[0] }
        var lower = Value.constant(0, .bit), lowest: [Value] = []
        for (i, nz) in nonzero.enumerated() {
            lowest.append(i == 0 ? nz : m.wire("\(prefix)_lowest\(i)", nz & ~lower))
            lower = i == 0 ? nz : m.wire("\(prefix)_lower\(i + 1)", lower | nz)
        }
        rest.next(concat((0..<ds.count).reversed().map { lowest[$0].select(Value.constant(0, .u(3)), digit[$0]) }))
        let picked = (1..<ds.count).reduce(lowest[0].select(digit[0], Value.constant(0, .u(3)))) { x, i in
            lowest[i].select(digit[i], x)
        }
        func any(_ bits: [Value]) -> Value { bits.dropFirst().reduce(bits.first ?? Value.constant(0, .bit)) { $0 | $1 } }
        var pos: Value? = nil
        if ds.count > 1 {
            let posBits: [Value] = (0..<bitsFor(ds.count - 1)).map { bit in
                any((0..<ds.count).filter { ($0 >> bit) & 1 == 1 }.map { lowest[$0] })
            }
            pos = m.wire("\(prefix)_pos", concat(posBits.reversed()))
        }
        return (m.wire("\(prefix)_digit", active.select(picked, Value.constant(0, .u(3)))), pos,
                m.wire("\(prefix)_more", any((0..<ds.count).map { nonzero[$0] & ~lowest[$0] })))
    }
}
