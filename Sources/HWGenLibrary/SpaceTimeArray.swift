import HWGenTypes
import HWGenCore
import HWGenGolden

/// A PE array derived from a loop nest and a space-time matrix (``SpaceTimeDataflow``), not
/// written by hand: what each tensor does comes from the matrix.
///
/// The output stays in its PE (the MAC accumulates it over the loops it does not use) and its
/// results shift along y, against the skew, to one port per PE row. Each input moves along the PE
/// axis whose loop it does not use: with |σ| registers per hop when the innermost time row gives
/// that axis a skew σ ≠ 0 (entering at the edge the skew starts from, one port per PE of the
/// other axis, each delayed by its edge PE's skew), multicast along the axis when σ = 0. The
/// beat's `valid`, `first` and `last` flags enter at the x edge per PE column and move along x
/// like an input. A tile's element ends (`in_last`) are accepted at least
/// ``SpaceTimeSchedule/drainSpacing`` cycles apart (`in_ready` low meanwhile), so result chains
/// never collide.
/// An engine derived from a loop nest: it turns bounds and tensors into its stream.
public protocol LoopNestEngine: Engine {
    var dataflow: SpaceTimeDataflow { get }
    /// The beats and result order (offsets into the output tensor) for loop bounds `bounds` and
    /// the input tensors by name (B's as its wires carry it).
    func stimulus(bounds: [Int], tensors: [String: IntTensor], outputShape: [Int]) -> Stimulus
}

extension LoopNestEngine {
    /// A GEMM nest (``SpaceTimeDataflow/gemmLoops``): bounds M, N, K from A and B.
    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus {
        guard let bounds = dataflow.gemmBounds(GemmShape(m: a.rows, k: a.cols, n: b.cols)) else {
            preconditionFailure("\(dataflow.nest) is not a GEMM (Design.checkGemm refuses it)")
        }
        let nest = dataflow.nest
        return stimulus(bounds: bounds, tensors: [nest.a.name: IntTensor(shape: [a.rows, a.cols], values: a.data),
                                                  nest.b.name: IntTensor(shape: [b.rows, b.cols], values: b.data)],
                        outputShape: [a.rows, b.cols])
    }
}

public struct SpaceTimeArray: LoopNestEngine {
    public let dataflow: SpaceTimeDataflow
    public let mac: MACConfig

    public init(_ dataflow: SpaceTimeDataflow, mac: MACConfig) {
        precondition(mac.group == nil && mac.types.float?.isBlockScaled != true
                     && (!MACRegistry.arithmetic(mac.kind).pairsElements || (mac.pipeline < 2 && !mac.types.saturating)),
                     "SpaceTimeArray: MACs without groups or MX blocks; pairs with pipeline 0 or 1, wrapping (checked by the spec loader)")
        self.dataflow = dataflow
        self.mac = mac
    }

    var rows: Int { dataflow.rows }
    var cols: Int { dataflow.cols }

    /// FFIP (a kind that ``MACArithmetic/pairsElements``): a beat carries two consecutive values
    /// of the innermost loop; each PE accumulates (a₀ + b₁)(a₁ + b₀) and subtracts, as it takes
    /// its result, Σ a₀a₁ and Σ b₀b₁ of the element, which each input's edge lane sums and
    /// sends along with that input.
    public var pairs: Bool { MACRegistry.arithmetic(mac.kind).pairsElements }

    /// The MAC each PE holds: the configured one, or with FFIP a baseline MAC of the pair sums.
    var peUnit: MACUnit {
        guard pairs else { return MACUnit(mac) }
        let x = WidthRules.add(mac.types.a, mac.types.b)
        return MACUnit(MACConfig(MACTypes(a: x, b: x, acc: mac.types.acc), kind: MACRegistry.arithmetic(mac.kind).pairMACKind, pipeline: mac.pipeline))
    }

    /// One input's edge: the tensor, the axis it moves along, its skew per hop, its ports.
    struct Edge {
        let access: TensorAccess
        let alongX: Bool
        let sigma: Int
        let lanes: Int
        let type: HWType
        var port: String { StreamSignal.tensorEdge(access.name) }
    }

    /// The MAC's `a` input (zeroed outside beats) first, then `b`.
    var edges: [Edge] {
        let d = dataflow
        return [(d.nest.a, mac.types.a), (d.nest.b, mac.types.b)].map { t, type in
            let x = d.movesAlongX(t)
            return Edge(access: t, alongX: x, sigma: x ? d.sigmaX : d.sigmaY, lanes: x ? cols : rows, type: type)
        }
    }

    public var streamPorts: [StreamPort] {
        edges.map { StreamPort($0.port, lanes: $0.lanes * (pairs ? 2 : 1), $0.type) } + [StreamPort(StreamSignal.inLast, .bit)]
    }

    public var outputLanes: Int { rows }
    public var macCount: Int { rows * cols * (pairs ? 2 : 1) }
    public var summary: String { "\(rows)x\(cols) space-time array (\(dataflow.nest))" }

    /// A schedule's spacing and skew do not depend on the bounds: one with every bound 1.
    var shape: SpaceTimeSchedule { SpaceTimeSchedule(dataflow, bounds: Array(repeating: 1, count: dataflow.nest.loops.count), pairs: pairs) }

    public var drainBound: Int {
        let s = shape
        return s.drainSpacing + s.skew(x: dataflow.sigmaX >= 0 ? rows - 1 : 0, y: dataflow.sigmaY >= 0 ? cols - 1 : 0) + cols + 3 + mac.pipeline
            + mac.elementCycles
    }

    /// The processing element: the MAC, |σ| registers per input that moves on, the flags'
    /// registers along x, and its stage of the result chain.
    func pe(name: String) -> Module {
        let unit = peUnit, t = mac.types, pairs = self.pairs
        let edges = self.edges, sx = abs(dataflow.sigmaX)
        return Module(name, doc: "Space-time PE: accumulates one output element, passes inputs on, shifts results toward the row's port.") { m in
            let a = m.input("a_in", pairs ? .u(2 * t.a.bits) : unit.aLane), b = m.input("b_in", pairs ? .u(2 * t.b.bits) : unit.bLane)
            let first = m.input("first_in", .bit), last = m.input("last_in", .bit)
            let resIn = m.input("res_in", t.acc), resValidIn = m.input("res_valid_in", .bit)
            // FFIP: each input's pair correction Σ e₀e₁ of the element travels with it.
            let corrections = pairs ? [m.input("ca_in", t.acc), m.input("cb_in", t.acc)] : []
            for (i, (e, v)) in zip(edges, [a, b]).enumerated() where e.sigma != 0 {
                let port = i == 0 ? "a" : "b"
                m.output("\(port)_out", m.delay(v, cycles: abs(e.sigma), "\(port)_q", reset: nil))
                if pairs { m.output("c\(port)_out", m.delay(corrections[i], cycles: abs(e.sigma), "c\(port)_q", reset: nil)) }
            }
            // One chain of `last` registers serves the flag passed on and the capture strobe.
            var lastChain = [last]
            for k in 1...max(sx, unit.latency) { lastChain.append(m.delay(lastChain[k - 1], k == 1 ? "last_q" : "last_d\(k)")) }
            if sx > 0 {
                m.output("first_out", m.delay(first, cycles: sx, "first_q"))
                m.output("last_out", lastChain[sx])
            }
            let done = lastChain[unit.latency]
            guard pairs else {
                let sum = m.instance(unit.module, "mac", ["a": a, "b": b, "first": first])["acc"]
                OutputStationaryArray.resultStage(m, unit: unit, sum: sum, done: done, resIn: resIn, resValidIn: resValidIn)
                return
            }
            // The MAC multiplies the pair sums (a₀ + b₁)(a₁ + b₀); the corrections, which reach
            // the PE one cycle after the element's last beat, are held to the capture.
            let x = m.wire("pair_x", a.lane(0, t.a) + b.lane(1, t.b)), y = m.wire("pair_y", a.lane(1, t.a) + b.lane(0, t.b))
            let sum = m.instance(unit.module, "mac", ["a": x, "b": y, "first": first])["acc"]
            let held = corrections.enumerated().map { i, c in m.delay(c, cycles: unit.latency - 1, "c\(i == 0 ? "a" : "b")_held", reset: nil) }
            let corrected = m.wire("corrected", (sum - held[0] - held[1]).wrapped(to: t.acc))
            OutputStationaryArray.resultStage(m, unit: unit, sum: corrected, done: done, resIn: resIn, resValidIn: resValidIn)
        }
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t) = (rows, cols, mac.types)
        let s = shape, spacing = s.drainSpacing
        let gapType = HWType.u(max(1, bitsFor(spacing)))
        let pe = self.pe(name: "\(name)_pe")
        let edges = self.edges
        let (sx, sy) = (dataflow.sigmaX, dataflow.sigmaY)
        let unit = MACUnit(mac), split = unit.splitBit, d = unit.elementCycles
        var top = Module(name, doc: "\(summary): \(t), \(mac.kind.rawValue) MAC, pipeline \(mac.pipeline).") { m in
            let inValid = m.input(StreamSignal.inValid, .bit), inLast = m.input(StreamSignal.inLast, .bit)
            let ports = edges.map { m.input($0.port, .u($0.lanes * $0.type.bits * (pairs ? 2 : 1))) }

            // Element ends are accepted only when the result chains have drained; a digit-serial
            // MAC takes one element per D cycles (accepted in phase 0).
            let firstPending = m.register("first_pending", .bit, reset: 1)
            let gap = m.register("drain_gap", gapType, reset: Int64(spacing))
            let drainFree = m.wire("drain_free", gap == spacing)
            let phase = d > 1 ? m.register("phase", .u(bitsFor(d - 1)), reset: 0) : nil
            let idle = phase.map { m.wire("phase_idle", $0 == 0) }
            let ready = m.wire("ready", idle.map { $0 & (~inLast | drainFree) } ?? (~inLast | drainFree))
            m.output(StreamSignal.inReady, ready)
            let accept = m.wire("accept", inValid & ready)
            firstPending.next(inLast, enable: accept)
            gap.next((accept & inLast).select(Value.constant(1, gapType), drainFree.select(gap, (gap + 1).wrapped(to: gapType))))
            // Per cycle: an element is in progress; its first cycle starts a sum; its last ends one.
            var (active, first, last) = (accept, firstPending.value, inLast)
            if let phase, let idle {
                let lastHeld = m.register("last_held", .bit, reset: 0)
                lastHeld.next(inLast, enable: accept)
                phase.next(accept.select(Value.constant(1, phase.type),
                                         (idle | (phase == d - 1)).select(Value.constant(0, phase.type), (phase + 1).wrapped(to: phase.type))))
                active = m.wire("active", accept | ~idle)
                first = m.wire("first_cycle", firstPending & idle)
                last = m.wire("last_cycle", lastHeld & (phase == d - 1))
            }

            // Edge skew: the flags enter each PE column at the x edge after that column's skew,
            // an input's lane after its edge PE's; each lane of the MAC's `a` is zeroed outside beats.
            func edgeSkew(alongX: Bool, lane: Int) -> Int { alongX ? s.skew(x: sx >= 0 ? 0 : R - 1, y: lane) : s.skew(x: lane, y: sy >= 0 ? 0 : C - 1) }
            var validAt: [Int: Value] = [:]    // one accept delay line per skew
            func valid(alongX: Bool, lane: Int) -> Value {
                let n = edgeSkew(alongX: alongX, lane: lane)
                if let v = validAt[n] { return v }
                let v = m.delay(active, cycles: n, "valid_s\(n)", reset: 0)
                validAt[n] = v
                return v
            }
            let columnFlags = (0..<C).map { y -> (first: Value, last: Value) in
                let n = edgeSkew(alongX: true, lane: y), v = valid(alongX: true, lane: y)
                return (m.wire("col\(y)_first", v & m.delay(first, cycles: n, "first_s\(y)")),
                        m.wire("col\(y)_last", v & m.delay(last, cycles: n, "last_s\(y)")))
            }
            // FFIP: both inputs are zeroed outside beats ((0 + b₁)(0 + b₀) is not 0), and each
            // lane sums e₀e₁ over the element, held from the cycle after its last beat.
            func laneFlags(alongX: Bool, lane: Int) -> (first: Value, last: Value) {
                if alongX { return columnFlags[lane] }
                let n = edgeSkew(alongX: false, lane: lane), v = valid(alongX: false, lane: lane)
                return (m.wire("row\(lane)_first", v & m.delay(first, cycles: n, "rfirst_s\(lane)")),
                        m.wire("row\(lane)_last", v & m.delay(last, cycles: n, "rlast_s\(lane)")))
            }
            var corrections: [[Value]] = []
            let lanes: [[Value]] = zip(edges, ports).enumerated().map { i, ep in
                let (e, port) = ep
                let tag = "\(i == 0 ? "a" : "b")_\(e.access.name)"
                var sums: [Value] = []
                let values = (0..<e.lanes).map { l -> Value in
                    // A digit-serial MAC: a·4^k and b's Booth digit k in the element's k-th cycle.
                    let lane = port.lane(l, pairs ? .u(2 * e.type.bits) : e.type)
                    let serial = i == 0 ? unit.serializeA(m, lane, load: accept, prefix: "\(tag)\(l)_s")
                        : unit.serializeB(m, lane, load: accept, prefix: "\(tag)\(l)_s")
                    let v = m.delay(serial, cycles: edgeSkew(alongX: e.alongX, lane: l), "\(tag)\(l)", reset: nil)
                    guard i == 0 || pairs else { return v }
                    let gated = m.wire("\(tag)\(l)_gated", valid(alongX: e.alongX, lane: l).select(v, Value.constant(0, v.type)))
                    if pairs {
                        let f = laneFlags(alongX: e.alongX, lane: l), w = t.acc.bits
                        let product = MACUnit.modulo(m.wire("\(tag)\(l)_pp", gated.lane(0, e.type) * gated.lane(1, e.type)), bits: w)
                        let partial = m.register("\(tag)\(l)_psum", .u(w), reset: nil)
                        let total = m.wire("\(tag)\(l)_ptotal", f.first.select(product, (partial + product).wrapped(to: .u(w))))
                        partial.next(total)
                        let held = m.delay(total, "\(tag)\(l)_corr", reset: nil, enable: f.last)
                        sums.append(t.acc.signed ? held.asSigned : held)
                    }
                    return gated
                }
                corrections.append(sums)
                return values
            }

            // The grid: inputs from the edge or the upstream neighbour (multicast: from the edge),
            // flags along x likewise; results toward the row's port, connected once both PEs exist.
            let xs = sx >= 0 ? Array(0..<R) : Array((0..<R).reversed())
            var grid = [[InstanceOutputs?]](repeating: [InstanceOutputs?](repeating: nil, count: C), count: R)
            let ys = sy >= 0 ? Array(0..<C) : Array((0..<C).reversed())
            for x in xs {
                for y in ys {
                    let upX = sx > 0 ? x - 1 : x + 1, upY = sy > 0 ? y - 1 : y + 1
                    var ports: [String: Value] = [:]
                    for (i, e) in edges.enumerated() {
                        let port = i == 0 ? "a" : "b", lane = e.alongX ? y : x
                        let up: InstanceOutputs? = e.sigma == 0 ? nil
                            : e.alongX ? ((0..<R).contains(upX) ? grid[upX][y] : nil) : ((0..<C).contains(upY) ? grid[x][upY] : nil)
                        ports["\(port)_in"] = up?["\(port)_out"] ?? lanes[i][lane]
                        if pairs { ports["c\(port)_in"] = up?["c\(port)_out"] ?? corrections[i][lane] }
                    }
                    let upFlags = sx == 0 || !(0..<R).contains(upX) ? nil : grid[upX][y]
                    ports["first_in"] = upFlags?["first_out"] ?? columnFlags[y].first
                    ports["last_in"] = upFlags?["last_out"] ?? columnFlags[y].last
                    grid[x][y] = m.instance(pe, "pe_\(x)_\(y)", ports)
                }
            }
            let pes = grid.map { $0.map { $0! } }
            // Results shift toward the port: from y + 1 to y (y − 1 to y when the skew runs the other way).
            let exit = sy >= 0 ? 0 : C - 1, step = sy >= 0 ? 1 : -1
            for x in 0..<R {
                for y in 0..<C {
                    let from = y + step
                    let source = (0..<C).contains(from) ? pes[x][from] : nil
                    pes[x][y].connect("res_in", source?["res_out"] ?? Value.constant(0, t.acc))
                    pes[x][y].connect("res_valid_in", source?["res_valid_out"] ?? Value.constant(0, .bit))
                }
            }
            // With a split accumulator the lower half of each result arrives a cycle early: realign.
            let results: [Value] = (0..<R).map { x in
                let r = pes[x][exit]["res_out"].asUnsigned
                guard let h = split else { return r }
                return concat([r.bits(t.acc.bits - 1, h), m.delay(r.bits(h - 1, 0), "out\(x)_lo", reset: nil)])
            }
            m.output(StreamSignal.outValid, concat((0..<R).reversed().map { pes[$0][exit]["res_valid_out"] }))
            m.output(StreamSignal.outData, concat(results.reversed()))
        }
        top.origin = origin
        return top
    }

    /// The beats and result order for loop bounds `bounds` and the input tensors (by name):
    /// per tile, per beat of its time loops, each edge lane's element (0 where the tile
    /// overhangs), `in_last` on every element's last beat; lane x's results per element, in the
    /// order they leave (nearest the port first), as offsets into the output tensor.
    public func stimulus(bounds: [Int], tensors: [String: IntTensor], outputShape: [Int]) -> Stimulus {
        let s = SpaceTimeSchedule(dataflow, bounds: bounds, pairs: pairs)
        let out = dataflow.nest.output, edges = self.edges, depth = pairs ? 2 : 1
        var beats: [[[Int64]]] = []
        beats.reserveCapacity(s.beats)
        for t in 0..<s.tiles {
            for e in 0..<s.beatsPerTile {
                var beat: [[Int64]] = edges.map { edge in
                    let tensor = tensors[edge.access.name]!
                    // With pairs, lanes 2l and 2l + 1 carry the beat's two values.
                    return Self.lanes(edge.lanes * depth) { q in
                        let (l, h) = (q / depth, q % depth)
                        return (edge.alongX ? s.iteration(tile: t, beat: e, x: 0, y: l, half: h) : s.iteration(tile: t, beat: e, x: l, y: 0, half: h))
                            .map { tensor[edge.access.element($0)] }
                    }
                }
                beat.append([(e + 1) % s.runLength == 0 ? 1 : 0])
                beats.append(beat)
            }
        }
        let exitOrder = dataflow.sigmaY >= 0 ? Array(0..<cols) : Array((0..<cols).reversed())
        let shape = IntTensor(zeros: outputShape)
        let order: [[Int?]] = (0..<rows).map { x in
            (0..<s.tiles).flatMap { t in
                stride(from: 0, to: s.beatsPerTile, by: s.runLength).flatMap { e in
                    exitOrder.map { y in s.iteration(tile: t, beat: e, x: x, y: y).map { shape.offset(out.element($0)) } }
                }
            }
        }
        return Stimulus(beats: beats, order: order)
    }
}

extension SpaceTimeArray {
    /// A GEMM nest through ``GemmEngine``: output tiles of the PE loops, one element of K per
    /// beat on each input's edge lanes (A's lanes are rows of C, B's columns, whichever PE axis
    /// runs i), `in_last` on a tile's last beat; output lane x gives the tile's results in the
    /// order they leave its row.
    public var gemmFeed: GemmFeed? {
        guard let g = dataflow.gemmLoops else { return nil }
        let iOnX = dataflow.xLoop == g.m
        let edges = self.edges
        let exitOrder = dataflow.sigmaY >= 0 ? Array(0..<cols) : Array((0..<cols).reversed())
        let d = pairs ? 2 : 1
        return .tiles(TileFeed(tileRows: iOnX ? rows : cols, tileCols: iOnX ? cols : rows, depth: d,
                               aPort: edges[0].port, aLanes: (0..<edges[0].lanes * d).map { ($0 / d, $0 % d) },
                               bPort: edges[1].port, bLanes: (0..<edges[1].lanes * d).map { ($0 % d, $0 / d) },
                               firstFlag: nil, lastFlag: StreamSignal.inLast, resultsPerTile: cols,
                               resultAt: { lane, n in iOnX ? (lane, exitOrder[n]) : (exitOrder[n], lane) }))
    }
}
