import HWGenTypes
import HWGenCore
import HWGenGolden

/// Weight- or input-stationary R×C systolic array (`dataflow: ws` or `is`).
///
/// One operand is stationary: PE (i, j) holds element (i, j) of an R×C tile of it, reduction index
/// i. The other streams in from the left, lane i into row i (skewed by i cycles), one vector per
/// cycle, and moves right. Partial sums move down the columns; column j's bottom gives one dot
/// product of depth R per streamed vector. WS keeps B (weights) and streams A's rows; IS keeps A
/// (inputs: the tile holds Aᵀ) and streams B's columns, so each column yields a row of C.
///
/// Tiles of P = 2R + C − 2 streamed vectors: reductions deeper than R are summed over K tiles
/// in a P-long accumulator delay line under each column (no enable, so no flop drives P × acc
/// enable muxes), which emits the sums with the last K tile. Hence the one rule of the stream:
/// `in_valid` stays high from the first to the last beat of a chunk's K tiles (the testbench and
/// a buffer-fed controller never pause there); pauses between chunks are fine. The next tile's stationary operand is shifted into shadow registers down the columns
/// (`w_load`, row R − 1 first) during the last R cycles of the current tile; the streamed
/// vector that starts a tile (`x_first`) switches each PE to its shadow as it passes, so tiles
/// stream back to back. With the `booth` kind the partial sums travel down the columns in
/// carry-save form (two rows) and are added once under the column (the TPE paper's WS OPT1).
///
/// With `bitserial` in IS a streamed vector takes D cycles (D radix-4 Booth digits of b, most
/// significant first; a beat is accepted when the digit counter is 0). Each cycle,
/// every PE adds digit × a-operand to a column psum, so a column carries D interleaved digit
/// sums and no PE shifts anything; under the column the D digit sums of a vector are combined
/// by Horner's rule (sum·4 + next). In WS each column has one Booth encoder at its top: the
/// shadow chain carries encoded digits and each PE rotates its D digits, one per cycle. In IS
/// each row has one encoder at its entry and the streamed digits move right.
public struct SystolicStationary: Engine {
    /// Which operand stays in the PEs.
    public enum Stationary: String, Sendable {
        /// B (weight-stationary, `ws`).
        case weights
        /// A (input-stationary, `is`).
        case inputs
    }

    public let rows: Int
    public let cols: Int
    public let mac: MACConfig
    public let stationary: Stationary
    /// N:M sparse weights (WS only): each PE holds one stored weight and its index in a group of
    /// M elements of K; the N rows of a group see the group's M streamed elements and pick theirs.
    public let sparsity: Sparsity?

    public init(rows: Int, cols: Int, mac: MACConfig, stationary: Stationary, sparsity: Sparsity? = nil) {
        precondition(mac.pipeline <= 1, "SystolicStationary: MACs with pipeline 0 or 1")
        precondition(sparsity.map { stationary == .weights && rows % $0.n == 0 } ?? true,
                     "SystolicStationary: sparsity needs weights stationary and rows a multiple of N")
        self.rows = rows
        self.cols = cols
        self.mac = mac
        self.stationary = stationary
        self.sparsity = sparsity
    }

    /// FFIP (WS, a kind that ``MACArithmetic/pairsElements``): each PE holds a pair of weights
    /// (elements 2i, 2i + 1 of K) and row i streams the matching pair of A, so a tile covers 2R
    /// elements of K. The PE adds (x₀ + w₁)(x₁ + w₀) to the column's partial sum; under each
    /// column the vector's Σ x₀x₁ (computed where the vector enters, before the skew) and the
    /// tile's Σ w₀w₁ (computed at the column's top while the weights load) are subtracted.
    public var pairs: Bool { stationary == .weights && MACRegistry.arithmetic(mac.kind).pairsElements }
    /// Streamed elements a row sees per vector: M with N:M sparsity, 2 with FFIP pairs, else 1.
    var groupLanes: Int { sparsity?.m ?? (pairs ? 2 : 1) }
    /// Elements of K one stationary tile covers: R, or R / N · M with N:M sparsity, 2R with pairs.
    public var tileDepth: Int { pairs ? 2 * rows : sparsity.denseSpan(rows) }

    /// Streamed vectors per tile, and accumulator depth: P = 2R + C − 2.
    public var tileBeats: Int { 2 * rows + cols - 2 }

    /// The stationary operand's element type.
    var elementStationaryType: HWType { stationary == .weights ? mac.types.b : mac.types.a }
    /// A stationary lane as it travels: an element, or with FFIP pairs two (raw bits, w₀ low).
    var stationaryType: HWType { pairs ? .u(2 * elementStationaryType.bits) : elementStationaryType }
    var streamedType: HWType { stationary == .weights ? mac.types.a : mac.types.b }
    var dataflowTag: String { stationary == .weights ? "ws" : "is" }

    /// MACs per cycle: one per PE, two with FFIP pairs.
    public var macCount: Int { rows * cols * (pairs ? 2 : 1) }
    public var outputLanes: Int { cols }

    /// The last vector's sums leave within R + C + pipeline + D + 1 cycles.
    public var drainBound: Int { rows + cols + mac.pipeline + mac.elementCycles + 1 + pairLag + (mac.scalesA ? 1 : 0) }

    public var summary: String {
        "\(rows)x\(cols) \(stationary == .weights ? "weight" : "input")-stationary systolic array"
            + (sparsity.map { " with \($0) sparse weights" } ?? "")
    }

    /// Fed from buffers by ``GemmEngine``.
    public var gemmFeed: GemmFeed? {
        var feed = StationaryFeed(rows: rows, cols: cols, tileBeats: tileBeats, weightsStationary: stationary == .weights)
        feed.sparsity = sparsity
        return .stationary(feed)
    }

    /// `x_col` carries R streamed lanes, or with N:M sparsity the M elements of each of the
    /// tile's R / N groups; `w_idx` the stored weights' indices in their groups.
    public var streamPorts: [StreamPort] {
        [StreamPort(StreamSignal.streamedColumn, lanes: rows / (sparsity?.n ?? 1) * groupLanes, streamedType),
         StreamPort(StreamSignal.weightRow, lanes: cols, stationaryType),
         StreamPort(StreamSignal.streamedValid, .bit), StreamPort(StreamSignal.streamedFirst, .bit),
         StreamPort(StreamSignal.accumulateFirst, .bit), StreamPort(StreamSignal.accumulateLast, .bit),
         StreamPort(StreamSignal.weightLoad, .bit)]
            + (sparsity.map { [StreamPort(StreamSignal.weightIndex, lanes: cols, .u($0.indexBits))] } ?? [])
            + (mac.group == nil ? [] : [StreamPort(StreamSignal.groupStart, .bit), StreamPort(StreamSignal.groupEnd, .bit),
                                        StreamPort(StreamSignal.exponentVector, lanes: exponentLanes, mac.scaleType)])
            + (mac.scalesA ? [StreamPort(StreamSignal.exponentVectorA, lanes: scaleALanes, mac.scaleType)] : [])
    }

    /// MixPE group exponents (MX: B's block scales) per beat: one per column of the tile (WS: the
    /// columns are B's), or one for the streamed vector (IS: the vector is a column of B).
    var exponentLanes: Int { stationary == .weights ? cols : 1 }
    /// MX: A's block scales per beat: one for the streamed vector (WS: a row of A), or one per
    /// column of the tile (IS: the columns are A's rows).
    var scaleALanes: Int { stationary == .weights ? 1 : cols }

    /// Whether partial sums travel as carry-save pairs.
    var carrySave: Bool {
        let arith = MACUnit(mac).arithmetic
        return (arith.carrySave || (pairs && arith.pairMACKind == .booth)) && !mac.types.saturating
    }

    /// Cycles every input of the grid waits with FFIP pairs, while the row correction is computed.
    var pairLag: Int { pairs ? 2 : 0 }

    /// A saturating accumulator: partial sums travel as clamp-add steps (``ClampAdd``), whose
    /// exact sum `psum` has this type.
    var clampChain: HWType? {
        guard mac.types.saturating, mac.group == nil else { return nil }
        let p = mac.types.product
        return HWType(bits: p.bits + bitsFor(rows), signed: p.signed)
    }

    /// Type of the partial sums a column's PEs pass down (the parallel PE; carry-save pairs are
    /// this wide, unsigned): the
    /// accumulator, or with MixPE groups the exact group sum (a tile's column sum lies within one
    /// group, and only the column's group adder widens it to the accumulator).
    var chainType: HWType {
        if let f = mac.types.float, f.isBlockScaled { return MXAccumulator.sumType(f) }   // MX: a block's sum
        return mac.group != nil ? mac.groupSum ?? mac.types.acc : mac.types.acc
    }

    /// Whether vectors are digit-serial (`bitserial`).
    var serial: Bool { mac.digitSerial }
    /// Booth digits per element (1 unless `bitserial`).
    var digits: Int { mac.elementCycles }
    /// Whether zero digits of the weights are skipped (WS `bitserial`, TPE OPT3/OPT4): a vector
    /// takes as many cycles as the most nonzero Booth digits among its tile's weights.
    public var skipsZeroDigits: Bool { serial && stationary == .weights }
    /// Bits of a digit's position.
    var positionBits: Int { digits > 1 ? bitsFor(digits - 1) : 0 }
    /// One entry of a weight's compacted digit list: `{position, neg, two, one}`.
    var entryBits: Int { 3 + positionBits }
    /// A stationary lane as the PEs hold it: WS `bitserial` keeps its weight's nonzero Booth
    /// digits with their positions, first in entry 0 (the low bits), zero entries after.
    var digitWord: HWType { .u(entryBits * MACConfig.boothDigits(mac.types.b)) }

    /// The PE `pe_<ws|is>[_<N>of<M>]_<kind>_p<pipeline>_<a>_<b>_<acc>`.
    public var pe: Module { serial ? serialPE : parallelPE }

    var peName: String {
        "pe_\(dataflowTag)" + (sparsity.map { "_\($0.n)of\($0.m)" } ?? "") + "_\(mac.tag)"
    }

    /// Ports of the PE (`x_in`, `w_in`): the streamed and stationary operand as they travel.
    var peTypes: (x: HWType, w: HWType) {
        let x = sparsity == nil && !pairs ? streamedType : .u(groupLanes * streamedType.bits)
        guard serial else { return (x, stationaryType) }
        return stationary == .weights ? (sparsity == nil ? mac.types.a : x, digitWord) : (.u(3), mac.types.a)
    }

    /// The array with its input skew, shadow-load chains and column accumulators, named `name`.
    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t, P) = (rows, cols, mac.types, tileBeats)
        let pe = self.pe
        let p = mac.pipeline
        var top = Module(name, doc: "\(summary), \(mac). Tiles of \(P) streamed vectors; \(P)-deep accumulators under each column.") { m in
            let inValid = m.input(StreamSignal.inValid, .bit)
            let xCol = m.input(StreamSignal.streamedColumn, .u(streamPorts[0].bits))
            let wRow = m.input(StreamSignal.weightRow, .u(C * stationaryType.bits))
            let xValid = m.input(StreamSignal.streamedValid, .bit), xFirst = m.input(StreamSignal.streamedFirst, .bit)
            let accFirst = m.input(StreamSignal.accumulateFirst, .bit), accLast = m.input(StreamSignal.accumulateLast, .bit)
            let wLoad = m.input(StreamSignal.weightLoad, .bit)
            let idxType = HWType.u(sparsity?.indexBits ?? 1)
            let wIdx = sparsity.map { _ in m.input(StreamSignal.weightIndex, .u(C * idxType.bits)) }
            let eType = mac.scaleType
            let groupIn = mac.group.map { _ in (start: m.input(StreamSignal.groupStart, .bit), end: m.input(StreamSignal.groupEnd, .bit),
                                                e: m.input(StreamSignal.exponentVector, .u(exponentLanes * eType.bits))) }
            let scalesA = mac.scalesA ? m.input(StreamSignal.exponentVectorA, .u(scaleALanes * eType.bits)) : nil
            // Row i's streamed lane, or with N:M sparsity the M elements of its group (raw bits).
            func rowLane(_ v: Value, _ i: Int) -> Value {
                if pairs { return v.lane(i, .u(2 * streamedType.bits)) }
                guard let p = sparsity else { return v.lane(i, streamedType) }
                return v.lane(i / p.n, .u(p.m * streamedType.bits))
            }
            func skew(_ v: Value, _ n: Int, _ prefix: String, reset: Int64? = nil) -> Value {
                m.delay(v, cycles: n, prefix, reset: reset)
            }
            let xType = peTypes.x
            var entries: [(x: Value, first: Value, start: Value?)] = []
            // Per cycle under the columns (before their skew): a vector's digit is in the array,
            // it is the vector's first or last digit, and the vector's accumulator flags.
            var cycle: (valid: Value, first: Value?, last: Value?, accFirst: Value, accLast: Value)
            let load: Value
            var wLanes: [Value]
            var pairTop: [(s: Value, c: Value)]? = nil
            var loadIn: Value? = nil
            if skipsZeroDigits {
                // A vector takes S cycles, S = the most nonzero Booth digits among the weights of its
                // tile (at least 1), counted over the load beats by one sparse encoder per column;
                // a beat without a vector takes one cycle.
                let countType = HWType.u(bitsFor(digits))
                let left = m.register("slots_left", countType, reset: 0)
                let ready = m.wire("ready", left == 0)
                m.output(StreamSignal.inReady, ready)
                let accept = m.wire("accept", inValid & ready)
                let stream = m.wire("stream", accept & xValid)
                load = m.wire("load", accept & wLoad)
                var counts: [Value] = []
                wLanes = (0..<C).map { j in
                    let (list, count) = compactedDigits(m, wRow.lane(j, stationaryType), prefix: "w\(j)")
                    counts.append(count)
                    return list
                }
                let rowMost = m.wire("w_row_slots", counts.dropFirst().reduce(counts[0]) { x, c in (c > x).select(c, x) })
                let newTile = m.wire("new_tile", stream & xFirst)
                let nextSlots = m.register("next_slots", countType, reset: 0), slots = m.register("slots", countType, reset: 1)
                let loaded = load.select(rowMost, Value.constant(0, countType))
                nextSlots.next(newTile.select(loaded, (load & (rowMost > nextSlots)).select(rowMost, nextSlots.value)))
                let raw = m.wire("slots_raw", newTile.select(nextSlots.value, slots.value))
                let now = m.wire("slots_now", (raw == 0).select(Value.constant(1, countType), raw))
                slots.next(now, enable: newTile)
                left.next(stream.select((now - 1).wrapped(to: countType), (left == 0).select(left.value, (left - 1).wrapped(to: countType))))
                let valid = m.wire("digit_valid", stream | (left != 0))
                let lastDigit = m.wire("digit_last", (stream & (now == 1)) | (left == 1))
                let held = (hold(m, xCol, "x_col", stream), hold(m, accFirst, "acc_first", stream), hold(m, accLast, "acc_last", stream))
                cycle = (valid, stream, lastDigit, held.1, held.2)
                let tileFirst = m.wire("tile_first", stream & xFirst)
                for i in 0..<R {
                    let rowValid = skew(valid, i, "valid\(i)", reset: 0)
                    entries.append((m.wire("row\(i)_x", rowValid.select(skew(rowLane(held.0, i), i, "x\(i)"), Value.constant(0, xType))),
                                    m.wire("row\(i)_first", rowValid & skew(tileFirst, i, "first\(i)")),
                                    m.wire("row\(i)_start", rowValid & skew(stream, i, "start\(i)"))))
                }
            } else if serial {
                // One beat per D cycles: accepted when the digit counter is 0 (it counts from an
                // accepted beat and rests at 0).
                let d = digits
                let phase = d > 1 ? m.register("phase", .u(bitsFor(d - 1)), reset: 0) : nil
                let ready = phase.map { m.wire("ready", $0 == 0) } ?? Value.constant(1, .bit)
                m.output(StreamSignal.inReady, ready)
                let accept = m.wire("accept", inValid & ready)
                let stream = m.wire("stream", accept & xValid)
                load = m.wire("load", accept & wLoad)
                var valid = stream, held = (xCol, accFirst, accLast)
                var lastDigit = stream
                if let phase {
                    let phaseLast = m.wire("phase_last", phase == d - 1)
                    phase.next((accept | ((phase != 0) & ~phaseLast)).select((phase + 1).wrapped(to: phase.type), Value.constant(0, phase.type)))
                    let busy = m.register("busy", .bit, reset: 0)
                    busy.next(~phaseLast & (stream | busy))
                    valid = m.wire("digit_valid", stream | busy)
                    lastDigit = m.wire("digit_last", busy & phaseLast)
                    held = (stationary == .weights ? hold(m, xCol, "x_col", stream) : xCol, hold(m, accFirst, "acc_first", stream),
                            hold(m, accLast, "acc_last", stream))
                }
                cycle = (valid, stream, lastDigit, held.1, held.2)
                let tileFirst = m.wire("tile_first", stream & xFirst)
                for i in 0..<R {
                    let rowValid = skew(valid, i, "valid\(i)", reset: 0)
                    // WS: the vector's lane, held for its D cycles; IS: its Booth digits, one per cycle.
                    let x = stationary == .weights ? rowLane(held.0, i)
                        : serialDigits(m, xCol.lane(i, streamedType), load: stream, prefix: "x\(i)")
                    entries.append((m.wire("row\(i)_x", rowValid.select(skew(x, i, "x\(i)"), Value.constant(0, xType))),
                                    m.wire("row\(i)_first", rowValid & skew(tileFirst, i, "first\(i)")), nil))
                }
                // WS: one Booth encoder per column, at the top of its shadow chain.
                wLanes = (0..<C).map { j in
                    let w = wRow.lane(j, stationaryType)
                    guard stationary == .weights else { return w }
                    let ds = MACUnit.boothDigits(m, w, prefix: "w\(j)_digit").map { concat([$0.neg, $0.two, $0.one]) }
                    return m.wire("w\(j)_digits", concat(ds.reversed()))
                }
            } else {
                m.output(StreamSignal.inReady, Value.constant(1, .bit))
                let stream = m.wire("stream", inValid & xValid)
                load = m.wire("load", inValid & wLoad)
                cycle = (stream, nil, nil, accFirst, accLast)
                // Row i's lane and tile-start flag, delayed i cycles; idle cycles carry zero.
                for i in 0..<R {
                    let valid = skew(stream, i, "valid\(i)", reset: 0)
                    let x = skew(rowLane(xCol, i), i, "x\(i)")
                    entries.append((m.wire("row\(i)_x", valid.select(x, Value.constant(0, xType))),
                                    m.wire("row\(i)_first", valid & skew(xFirst, i, "first\(i)")), nil))
                }
                wLanes = (0..<C).map { wRow.lane($0, stationaryType) }
                if pairs {
                    pairTop = pairCorrections(m, xCol: xCol, wRow: wRow, stream: stream, first: m.wire("tile_first", stream & xFirst),
                                              load: load, lane: rowLane)
                    // Everything entering the grid waits while the corrections are computed.
                    entries = entries.enumerated().map { i, e in
                        (skew(e.x, pairLag, "row\(i)_xp"), skew(e.first, pairLag, "row\(i)_firstp", reset: 0), nil)
                    }
                    wLanes = wLanes.enumerated().map { j, w in skew(w, pairLag, "w\(j)_p") }
                    // A gate of two delayed flags, not one delayed flop: the gate drives every
                    // PE's shadow enable, and synthesis buffers a gate but not a flop's output.
                    loadIn = m.wire("load_grid", skew(inValid, pairLag, "in_valid_p", reset: 0) & skew(wLoad, pairLag, "w_load_p", reset: 0))
                }
            }
            let gridLoad = loadIn ?? load
            let zero = Value.constant(0, carrySave ? .u(chainType.bits) : clampChain ?? chainType)
            var grid: [[InstanceOutputs]] = []
            for i in 0..<R {
                var row: [InstanceOutputs] = []
                for j in 0..<C {
                    let up = i > 0 ? grid[i - 1][j] : nil, left = j > 0 ? row[j - 1] : nil
                    var ports: [String: Value] = [
                        "x_in": left?["x_out"] ?? entries[i].x,
                        "first_in": left?["first_out"] ?? entries[i].first,
                        "w_in": up?["w_out"] ?? wLanes[j],
                        "w_load": gridLoad,
                    ]
                    if let start = entries[i].start { ports["start_in"] = left?["start_out"] ?? start }
                    if let f = t.float, f.isBlockScaled, f.hasInfinities { ports["flags_in"] = up?["flags_out"] ?? Value.constant(0, .u(3)) }
                    if let wIdx { ports["idx_in"] = up?["idx_out"] ?? wIdx.lane(j, idxType) }
                    // FFIP: the top of each column starts the vector's sum at −(Σ x₀x₁ + Σ w₀w₁).
                    let top = i == 0 ? pairTop?[j] : nil
                    if carrySave {
                        ports["psum_s_in"] = up?["psum_s_out"] ?? top?.s ?? zero
                        ports["psum_c_in"] = up?["psum_c_out"] ?? top?.c ?? zero
                    } else {
                        let start = top.map { m.wire("col\(j)_start", ($0.s + $0.c).wrapped(to: .u(chainType.bits))) }
                        ports["psum_in"] = up?["psum_out"] ?? start.map { chainType.signed ? $0.asSigned : $0 } ?? zero
                    }
                    if clampChain != nil {
                        ports["lo_in"] = up?["lo_out"] ?? Value.constant(t.acc.minValue, t.acc)
                        ports["hi_in"] = up?["hi_out"] ?? Value.constant(t.acc.maxValue!, t.acc)
                    }
                    row.append(m.instance(pe, "pe_\(i)_\(j)", ports))
                }
                grid.append(row)
            }
            // Under each column: the flags of the vector whose sum arrives, and the accumulator.
            func flag(_ v: Value?, _ n: String, reset: Int64? = nil) -> Value? { v.map { skew($0, R + p + pairLag, n, reset: reset) } }
            var flags = (valid: flag(cycle.valid, "bottom_valid", reset: 0)!, first: flag(cycle.first, "bottom_digit_first"),
                         last: flag(cycle.last, "bottom_digit_last"),
                         accFirst: flag(cycle.accFirst, "bottom_first")!, accLast: flag(cycle.accLast, "bottom_last")!)
            // Group flags under the columns (like the accumulator's), and each column's exponent.
            var groupFlags = groupIn.map { g in (start: flag(g.start, "bottom_gstart")!, end: flag(g.end, "bottom_gend")!) }
            let exponents = groupIn.map { g in (0..<C).map { j in
                skew(g.e.lane(exponentLanes == 1 ? 0 : j, eType), R + p + j, "e\(j)_bottom") } } ?? []
            let rowScales = scalesA.map { sa in (0..<C).map { j in
                skew(sa.lane(scaleALanes == 1 ? 0 : j, eType), R + p + j, "ea\(j)_bottom") } } ?? []
            var outValid: [Value] = [], outData: [Value] = []
            for j in 0..<C {
                if j > 0 {
                    flags = (m.delay(flags.valid, "col\(j)_valid", reset: 0), flags.first.map { m.delay($0, "col\(j)_digit_first") },
                             flags.last.map { m.delay($0, "col\(j)_digit_last") },
                             m.delay(flags.accFirst, "col\(j)_first"), m.delay(flags.accLast, "col\(j)_last"))
                    groupFlags = groupFlags.map { (m.delay($0.start, "col\(j)_gstart"), m.delay($0.end, "col\(j)_gend")) }
                }
                let bottom = grid[R - 1][j]
                if let g = groupFlags, let f = t.float, f.isBlockScaled {
                    // MX: each vector's block sum so far in a P-long delay line; the column's ring
                    // of FP32 accumulators adds it, scaled, when the block is complete.
                    let sumType = MXAccumulator.sumType(f)
                    let psum = bottom["psum_out"]
                    let exact = psum.type.bits < sumType.bits ? psum.extended(to: sumType) : psum.wrapped(to: sumType)
                    let inner = (0..<P).map { m.register("col\(j)_block\($0)", sumType, reset: nil) }
                    let blockSum = m.wire("col\(j)_block_sum", (MACUnit.cleared(inner[P - 1].value, g.start) + exact).wrapped(to: sumType))
                    for (k, r) in inner.enumerated() { r.next(k == 0 ? blockSum : inner[k - 1].value) }
                    var ports = ["sum": blockSum, "gend": flags.valid & g.end, "first": flags.accFirst, "ea": rowScales[j], "e": exponents[j]]
                    if f.hasInfinities {
                        // The block's {−∞, +∞, NaN} flags so far, in a P-long line beside its sum.
                        let held = (0..<P).map { m.register("col\(j)_flags\($0)", .u(3), reset: nil) }
                        let blockFlags = m.wire("col\(j)_block_flags", MACUnit.cleared(held[P - 1].value, g.start) | bottom["flags_out"])
                        for (k, r) in held.enumerated() { r.next(k == 0 ? blockFlags : held[k - 1].value) }
                        for (bit, name) in ["sum_nan", "sum_pinf", "sum_ninf"].enumerated() { ports[name] = blockFlags[bit] }
                    }
                    let ring = MXAccumulator.columnRing(f, sumType: sumType, length: P)
                    let acc = m.instance(ring, "col\(j)_mx", ports)["acc"]
                    outValid.append(m.delay(m.delay(flags.valid & flags.accLast, "out\(j)_last"), "out\(j)_valid"))
                    outData.append(m.delay(acc, "out\(j)_data", reset: nil))
                    continue
                }
                // The accumulator is a P-long delay line: the entry leaving it is the partial sum of
                // the same streamed vector one tile (P vectors) earlier. It has no enable unless
                // vectors take several cycles.
                let fifo = (0..<P).map { m.register("col\(j)_acc\($0)", t.acc, reset: nil) }
                let head = flags.accFirst.select(Value.constant(0, t.acc), fifo[P - 1].value)
                let sum: Value
                var shift: Value? = nil
                if let g = groupFlags, let sumType = mac.groupSum {
                    // MixPE: a second P-long delay line holds each vector's group sum so far; at the
                    // group's last tile the sum, shifted by its exponent, is added (wrapping or
                    // clamping) into the vector's accumulator, which otherwise passes unchanged.
                    let partial = carrySave ? (bottom["psum_s_out"] + bottom["psum_c_out"]).wrapped(to: .u(sumType.bits)) : bottom["psum_out"]
                    let exact = carrySave ? (sumType.signed ? partial.asSigned : partial) : partial
                    let inner = (0..<P).map { m.register("col\(j)_group\($0)", sumType, reset: nil) }
                    let groupSum = m.wire("col\(j)_group_sum", (MACUnit.cleared(inner[P - 1].value, g.start) + exact).wrapped(to: sumType))
                    for (k, r) in inner.enumerated() { r.next(k == 0 ? groupSum : inner[k - 1].value) }
                    let shifted = MACUnit.shiftedLeft(m, groupSum, by: exponents[j], prefix: "col\(j)_shifted", limit: t.saturating ? nil : t.acc.bits)
                    let total = head + shifted
                    let added = t.saturating ? m.wire("col\(j)_total", total).saturated(to: t.acc)
                                             : MACUnit.modulo(total, bits: t.acc.bits).wrapped(to: t.acc)
                    sum = m.wire("col\(j)_sum", g.end.select(added, head))
                } else if carrySave {
                    let pair = CarrySave.reduce([bottom["psum_s_out"], bottom["psum_c_out"], head.asUnsigned], width: t.acc.bits,
                                                m, prefix: "col\(j)_csa").rows
                    sum = m.wire("col\(j)_sum", (pair[0] + pair[1]).wrapped(to: t.acc))
                } else if let digitFirst = flags.first, let digitLast = flags.last {
                    let w = t.acc.bits
                    let scaled: Value
                    if skipsZeroDigits {
                        // The slot sums are already weighted by their digits' positions: add them up.
                        let partial = m.register("col\(j)_slots", .u(w), reset: nil)
                        scaled = digitFirst.select(Value.constant(0, .u(w)), partial.value)
                        partial.next(m.wire("col\(j)_partial", (scaled + bottom["psum_out"].asUnsigned).wrapped(to: .u(w))))
                    } else {
                        // Horner's rule over the vector's digit sums (most significant first).
                        // Only the low w − 2 bits of the running sum survive the next · 4.
                        let partial = m.register("col\(j)_digits", .u(w - 2), reset: nil)
                        scaled = digitFirst.select(Value.constant(0, .u(w)), concat([partial.value, Value.constant(0, .u(2))]))
                        let low = digitFirst.select(Value.constant(0, .u(w - 2)), concat([partial.value.bits(w - 5, 0), Value.constant(0, .u(2))]))
                        partial.next(m.wire("col\(j)_partial", (low + bottom["psum_out"].asUnsigned.bits(w - 3, 0)).wrapped(to: .u(w - 2))))
                    }
                    // head + scaled + bottom as a carry-save pair and one adder, beside the Horner adder.
                    let pair = CarrySave.reduce([head.asUnsigned, scaled.asUnsigned, bottom["psum_out"].asUnsigned], width: w,
                                                m, prefix: "col\(j)_csa").rows
                    sum = m.wire("col\(j)_sum", t.acc.signed ? (pair[0] + pair[1]).wrapped(to: .u(w)).asSigned : (pair[0] + pair[1]).wrapped(to: .u(w)))
                    shift = m.wire("col\(j)_shift", flags.valid & digitLast)   // a gate, which synthesis buffers
                } else if clampChain != nil {
                    let column = ClampAdd(c: bottom["psum_out"], lo: bottom["lo_out"], hi: bottom["hi_out"])
                    sum = column.apply(to: head, m, prefix: "col\(j)_sum")
                } else if let f = t.float, f.usesAdder {
                    // The vector's FP32 sum so far plus the column's, by an FP32 adder.
                    sum = m.instance(FloatAdderMAC.codeAdder, "col\(j)_fadd", ["a": head, "b": bottom["psum_out"]])["y"]
                } else if let f = t.float, f.roundsFixedPointSums {
                    // FP32 accumulation: the vector's sum so far plus the column's, rounded.
                    sum = FloatResultUnit.roundedToFP32(m, m.wire("col\(j)_total", (head + bottom["psum_out"]).wrapped(to: t.acc)), f,
                                                        prefix: "col\(j)_fp32_")
                } else {
                    sum = m.wire("col\(j)_sum", (head + bottom["psum_out"]).wrapped(to: t.acc))
                }
                for (k, r) in fifo.enumerated() { r.next(k == 0 ? sum : fifo[k - 1].value, enable: shift) }
                let done = shift.map { flags.valid & $0 } ?? flags.valid
                outValid.append(m.delay(done & flags.accLast, "out\(j)_valid"))
                outData.append(m.delay(sum, "out\(j)_data", reset: nil).asUnsigned)
            }
            m.output(StreamSignal.outValid, concat(outValid.reversed()))
            m.output(StreamSignal.outData, concat(outData.reversed()))
        }
        top.origin = origin
        return top
    }

    func stimulus(a: IntMatrix, b: IntMatrix, exponents: IntMatrix?, scalesA: IntMatrix? = nil) -> Stimulus {
        let (m, k, n) = (a.rows, a.cols, b.cols)
        let (R, C, P) = (rows, cols, tileBeats)
        let ws = stationary == .weights
        let compressed = sparsity.map { SparseWeights.compress(b, $0) }
        // Stationary S[r][s] (r: a row of B, or of compressed B) and streamed X[x][k], and where
        // result (x, s) sits in C.
        let sCount = ws ? n : m, xCount = ws ? m : n, sRows = compressed?.values.rows ?? k
        func sValue(_ r: Int, _ s: Int) -> Int64 { compressed?.values[r, s] ?? (ws ? b[r, s] : a[s, r]) }
        func xValue(_ x: Int, _ kk: Int) -> Int64 { ws ? a[x, kk] : b[kk, x] }
        func index(_ x: Int, _ s: Int) -> Int { ws ? x * n + s : s * n + x }
        let (tS, tX, tK) = (ceilDiv(sCount, C), ceilDiv(xCount, P), ceilDiv(sRows, pairs ? 2 * R : R))
        let tiles = (0..<tS).flatMap { s in (0..<tX).flatMap { x in (0..<tK).map { (s: s, x: x, k: $0) } } }

        // Row i of a tile's stationary values (and, sparse, their indices).
        func stationaryRow(_ tile: (s: Int, x: Int, k: Int), _ i: Int) -> [[Int64]] {
            if pairs {   // rows 2i and 2i + 1 of the tile, packed {w₁, w₀} as raw bits
                let bits = elementStationaryType.bits, mask = (Int64(1) << bits) - 1, r0 = tile.k * 2 * R + 2 * i
                return [Self.lanes(C) { j in
                    let c = tile.s * C + j
                    guard c < sCount else { return nil }
                    let w0 = r0 < sRows ? sValue(r0, c) : 0, w1 = r0 + 1 < sRows ? sValue(r0 + 1, c) : 0
                    return ((w1 & mask) << bits) | (w0 & mask)
                }]
            }
            let r = tile.k * R + i
            func at(_ v: (Int, Int) -> Int64) -> [Int64] {
                Self.lanes(C) { j in r < sRows && tile.s * C + j < sCount ? v(r, tile.s * C + j) : nil }
            }
            return [at(sValue)] + (compressed.map { c in [at { c.indices[$0, $1] }] } ?? [])
        }
        let xLanes = streamPorts[0].lanes
        func vector(_ tile: (s: Int, x: Int, k: Int), _ x: Int) -> [Int64] {
            Self.lanes(xLanes) { l in
                let kk = tile.k * tileDepth + l
                return x < xCount && kk < k ? xValue(x, kk) : nil
            }
        }
        let idle = [Int64](repeating: 0, count: xLanes), noW = stationaryRow((0, 0, tK), 0).map { $0.map { _ in Int64(0) } }
        // Ports: x_col, w_row, x_valid, x_first, acc_first, acc_last, w_load[, w_idx].
        func beat(_ x: [Int64], _ w: [[Int64]], _ flags: [Int64]) -> [[Int64]] {
            [x, w[0]] + flags.map { [$0] } + w.dropFirst()
        }
        // Group flags and exponents of a tile's vector (ports g_start, g_end, e_vec), when grouped.
        func group(_ tile: (s: Int, x: Int, k: Int), _ x: Int) -> [[Int64]] {
            guard let g = mac.group, let e = exponents else { return [] }
            let k0 = tile.k * tileDepth, end = (k0 + tileDepth) % g == 0 || tile.k == tK - 1
            let lanes = ws ? Self.lanes(C) { j in end && tile.s * C + j < sCount ? e[k0 / g, tile.s * C + j] : nil }
                           : [end && x < xCount ? e[k0 / g, x] : 0]
            // MX: A's scales, of the vector (WS: a row of A) or of the tile's columns (IS: A's rows).
            let scales = scalesA.map { sa in
                [ws ? [end && x < xCount ? sa[x, k0 / g] : 0] : Self.lanes(C) { j in end && tile.s * C + j < sCount ? sa[tile.s * C + j, k0 / g] : nil }]
            } ?? []
            return [[k0 % g == 0 ? 1 : 0], [end ? 1 : 0], lanes] + scales
        }
        let noGroup: [[Int64]] = (mac.group == nil ? [] : [[0], [0], [Int64](repeating: 0, count: exponentLanes)])
            + (mac.scalesA ? [[Int64](repeating: 0, count: scaleALanes)] : [])
        var beats: [[[Int64]]] = (0..<R).map { e in beat(idle, stationaryRow(tiles[0], R - 1 - e), [0, 0, 0, 0, 1]) + noGroup }
        beats.reserveCapacity(R + tiles.count * P)
        for (t, tile) in tiles.enumerated() {
            for e in 0..<P {
                let loading = t + 1 < tiles.count && e >= R + C - 2
                beats.append(beat(vector(tile, tile.x * P + e), loading ? stationaryRow(tiles[t + 1], R - 1 - (e - (R + C - 2))) : noW,
                                  [1, e == 0 ? 1 : 0, tile.k == 0 ? 1 : 0, tile.k == tK - 1 ? 1 : 0, loading ? 1 : 0])
                             + group(tile, tile.x * P + e))
            }
        }
        let order: [[Int?]] = (0..<C).map { j in
            tiles.filter { $0.k == tK - 1 }.flatMap { tile in
                (0..<P).map { e -> Int? in
                    let (x, s) = (tile.x * P + e, tile.s * C + j)
                    return x < xCount && s < sCount ? index(x, s) : nil
                }
            }
        }
        return Stimulus(beats: beats, order: order)
    }
}
