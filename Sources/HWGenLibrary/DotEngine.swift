import HWGenTypes
import HWGenCore
import HWGenGolden

/// An m×n grid of depth-k dot products per cycle: the 3D-Cube (`engine: { kind: cube, m, n, k }`)
/// and, with m = 1, the multiplier-adder tree (`engine: { kind: tree, lanes: n, width: k }`).
///
/// Each beat brings an m×k block of A and a k×n block of B; lane (i, j) multiplies row i by
/// column j and sums the k products in a reduction tree with `stages` register levels, then adds
/// the dot product into its accumulator (`first` starts a sum, `last` ends it and puts the sum on
/// the lane's port the next cycle). The first register level sits right after the multipliers.
/// Without Booth the products keep their width and the tree grows one bit per level. With the `booth` kind the Booth partial products of all k
/// products — rows of the same bit weights — are compressed together in one carry-save tree and
/// added once, with the accumulator, at the end (the TPE paper's OPT2), instead of k separate
/// products summed by a tree of carry-propagate adders.
public struct DotEngine: Engine {
    public let m: Int
    public let n: Int
    public let k: Int
    /// Register levels in the reduction tree, spread evenly over its levels (beyond the tree's
    /// depth they only add latency).
    public let stages: Int
    public let mac: MACConfig
    /// What the grid is: names the modules and the summary.
    public let form: Form
    /// A 3D-Cube, or a multiplier-adder tree (m = 1).
    public enum Form: String, Sendable {
        case cube
        case tree
    }
    /// N:M sparse B: each of the k multipliers of a lane takes a stored weight and picks its
    /// activation from the weight's group of M by the weight's index, so a beat covers
    /// k / N · M elements of K.
    public let sparsity: Sparsity?

    public init(m: Int, n: Int, k: Int, stages: Int, mac: MACConfig, form: Form, sparsity: Sparsity? = nil) {
        precondition(form == .cube || m == 1, "DotEngine: a tree has one row")
        precondition(!MACRegistry.arithmetic(mac.kind).pairsElements || (k % 2 == 0 && sparsity == nil && mac.group == nil),
                     "DotEngine: \(mac.kind) pairs elements: k even, dense, no groups (checked by the spec loader)")
        precondition(sparsity.map { k % $0.n == 0 } ?? true, "DotEngine: k must be whole groups of N")
        self.sparsity = sparsity
        self.m = m
        self.n = n
        self.k = k
        self.stages = stages
        self.mac = mac
        self.form = form
    }

    public var macCount: Int { m * n * k }
    public var outputLanes: Int { m * n }
    public var drainBound: Int { stages + mac.elementCycles + 2 + (mac.scalesA ? MXAccumulator.stages : 0) }

    public var summary: String {
        (form == .tree ? "\(n)-lane multiplier-adder tree of width \(k)" : "\(m)x\(n)x\(k) 3D-Cube")
            + (sparsity.map { " with \($0) sparse weights" } ?? "")
    }

    /// Elements of K one beat covers.
    public var denseDepth: Int { sparsity.denseSpan(k) }

    public var streamPorts: [StreamPort] {
        [StreamPort(StreamSignal.aBlock, lanes: m * denseDepth, mac.types.a), StreamPort(StreamSignal.bBlock, lanes: k * n, mac.types.b)]
            + (sparsity.map { [StreamPort(StreamSignal.bIndex, lanes: k * n, .u($0.indexBits))] } ?? [])
            + [StreamPort(StreamSignal.first, .bit), StreamPort(StreamSignal.last, .bit)]
            + (mac.group == nil ? [] : [StreamPort(StreamSignal.groupStart, .bit), StreamPort(StreamSignal.groupEnd, .bit),
                                        StreamPort(StreamSignal.exponentBlock, lanes: n, mac.scaleType)])
            + (mac.scalesA ? [StreamPort(StreamSignal.exponentColumn, lanes: m, mac.scaleType)] : [])
    }

    /// Levels of the reduction: binary adder levels over k products, or 3:2 compressor levels
    /// over the Booth rows of k products (down to two rows).
    private func levels(_ count: Int, booth: Bool) -> Int {
        var rows = count, l = 0
        if booth { while rows > 2 { rows = rows / 3 * 2 + rows % 3; l += 1 } } else { while rows > 1 { rows = (rows + 1) / 2; l += 1 } }
        return l
    }

    /// The level after which each register stage sits: the first right after the multipliers,
    /// the others spread over the tree (several may share a level when stages exceed its depth).
    private func registerLevels(_ total: Int) -> [Int] {
        (0..<stages).map { s in total * s / stages }
    }

    /// FP32 accumulation of fixed-point float products: the trees and the accumulators round
    /// every sum (``ReductionOrder/tree(block:)``).
    var fp32: Bool { mac.types.float?.roundsFixedPointSums ?? false }
    /// `align<N>` (E4M3 and the MX element formats): a lane passes its beat's k products on, and
    /// the accumulator cuts them against its own top (``alignedAdd(_:base:_:_:bits:prefix:)``).
    var alignBits: Int? { mac.types.float.flatMap { $0.block == nil ? $0.alignBits : nil } }

    /// One lane: `dot` of a k-element row and column, pipelined, `u(acc)` or (booth) two rows.
    public var lane: Module {
        // With MixPE groups the dot is one beat's part of a group sum: exact in the group sum's type.
        // MX: a block's sum (``MXAccumulator/sumType(_:)``).
        let t = mac.types, outType = t.float.flatMap { $0.isBlockScaled ? MXAccumulator.sumType($0) : nil } ?? (mac.group != nil ? mac.groupSum ?? t.acc : t.acc)
        let w = outType.bits, unit = MACUnit(mac)
        let arith = unit.arithmetic
        let booth = arith.mergesRows   // rows of all products in one carry-save tree
        let pairs = arith.pairsElements
        let serial = mac.digitSerial
        let name = (sparsity.map { "sdot\(k)_\($0.n)of\($0.m)" } ?? "dot\(k)") + "_\(mac.kind.rawValue)_s\(stages)_\(t.tag)"
            + (mac.group.map { "_g\($0)" } ?? "")
        let what = sparsity.map { "Sum of \(k) products b_i * a[group(i) * \($0.m) + idx_i] (\($0) sparse weights)" }
            ?? (pairs ? "Sum of \(k) products a_i*b_i as \(k / 2) FFIP pair products (a[2q]+b[2q+1])*(a[2q+1]+b[2q]) minus the pair corrections ra and rb"
                      : "Sum of \(k) products a_i*b_i")
        return Module(name, doc: "\(what) (\(mac.group == nil ? "wraps to" : "exact, as") \(outType)), \(stages) register level(s) in the reduction"
                      + (serial ? "; one Booth digit of each b per cycle, the digit rows compressed together."
                  : booth ? "; Booth rows of all products compressed together, one final add." : ".")) { mb in
            var a = (0..<denseDepth).map { mb.input("a\($0)", unit.aLane) }
            let b = (0..<k).map { mb.input("b\($0)", unit.bLane) }
            if let p = sparsity {
                // Each stored weight picks its activation among the M of its group.
                let idx = (0..<k).map { mb.input("i\($0)", .u(p.indexBits)) }
                let dense = a
                a = (0..<k).map { e in
                    let start = p.denseSpan(e)
                    let group = Array(dense[start..<(start + p.m)])
                    return mb.wire("x\(e)", Self.pick(group, idx[e]))
                }
            }
            if t.saturating && mac.group == nil {
                // Clamp-add steps, composed pairwise in k order (see ``ClampAdd``).
                let steps = (0..<k).map { ClampAdd.step(unit.exactProduct(mb, a[$0], b[$0], prefix: "p\($0)_"), acc: t.acc) }
                var marks = registerLevels(levels(k, booth: false))
                let dot = Self.pairwise(steps, eachLevel: { level, xs in
                    var out = xs
                    while marks.first == level {
                        marks.removeFirst()
                        out = out.enumerated().map { i, x in x.delayed(mb, prefix: "l\(level)_\(i)_q\(stages - marks.count)") }
                    }
                    return out
                }) { level, i, x, y in x.then(y, mb, prefix: "l\(level)_\(i)") }
                assert(marks.isEmpty, "every register level is at most the tree's depth")
                mb.output("dot_c", dot.c)
                mb.output("dot_lo", dot.lo)
                mb.output("dot_hi", dot.hi)
                return
            }
            if let f = t.float, alignBits != nil {
                // The beat's products in fixed point, each through the lane's register levels.
                for i in 0..<k {
                    let r = arith.dotRows(mb, a[i], b[i], mac, width: f.accumulator.bits, prefix: "p\(i)", registered: false)
                    precondition(r.count == 1, "a float MAC gives one row per product")
                    let product = (0..<stages).reduce(mb.wire("product\(i)", r[0].extended(to: f.accumulator))) { x, s in
                        mb.delay(x, "product\(i)_q\(s + 1)", reset: nil)
                    }
                    mb.output("p\(i)", product)
                }
                return
            }
            if let f = t.float, f.usesAdder {
                // E5M2, FP16: each product's exact FP32 code, then a tree of FP32 adders, each rounding.
                let leaf = FloatAdderMAC.productCode(f, a: unit.aLane, b: unit.bLane)
                let codes = (0..<k).map { i in mb.instance(leaf, "product\(i)", ["a": a[i], "b": b[i]])["y"] }
                let sum = reduce(mb, codes, booth: false, width: 32) { x, y, name in
                    mb.instance(FloatAdderMAC.codeAdder, name, ["a": x, "b": y])["y"]
                }
                mb.output("dot", sum[0])
                return
            }
            var rows: [Value] = []
            if pairs {
                // FFIP: one product per pair; the pairs' corrections come in on ra and rb.
                for q in 0..<(k / 2) {
                    rows += arith.pairRows(mb, (a[2 * q], a[2 * q + 1]), (b[2 * q], b[2 * q + 1]), mac, width: w, prefix: "p\(q)")
                }
            } else if let f = t.float, f.isBlockScaled, f.hasInfinities {
                // MX with ∞ (E5M2): the tree sums the finite products; NaN, +∞ and −∞ are flags
                // ORed over the beat, through as many registers as the tree has.
                var flags: [(nan: Value, pos: Value, neg: Value)] = []
                for i in 0..<k {
                    let product = MACUnit.finiteProduct(mb, a[i], b[i], f.blockSum, prefix: "p\(i)_")
                    rows.append(product.finite)
                    flags.append((product.nan, product.pos, product.neg))
                }
                func any(_ vs: [Value]) -> Value { vs.dropFirst().reduce(vs[0]) { $0 | $1 } }
                for (name, v) in [("nan", any(flags.map(\.nan))), ("pinf", any(flags.map(\.pos))), ("ninf", any(flags.map(\.neg)))] {
                    mb.output(name, (0..<stages).reduce(mb.wire("beat_\(name)", v)) { x, s in mb.delay(x, "\(name)_q\(s + 1)", reset: nil) })
                }
            } else {
                for i in 0..<k { rows += arith.dotRows(mb, a[i], b[i], mac, width: w, prefix: "p\(i)", registered: stages > 0) }
            }
            // A plain accumulator takes the tree's last two rows and adds them with its own sum
            // in one carry-save level and one adder (two adders in a row otherwise).
            let twoRows = mac.group == nil && !pairs && !fp32
            if let f = t.float, fp32 {
                // FP32 accumulation: every adder of the tree rounds its sum to FP32.
                rows = reduce(mb, rows.map { $0.extended(to: t.acc) }, booth: false, width: w) { x, y, name in
                    FloatResultUnit.roundedToFP32(mb, mb.wire(name, (x + y).wrapped(to: t.acc)), f, prefix: "\(name)_fp32_")
                }
            } else {
                rows = reduce(mb, rows, booth: booth, width: w, keepTwo: twoRows)
            }
            if twoRows {
                mb.output("dot_s", MACUnit.modulo(rows[0], bits: w))
                mb.output("dot_c", rows.count == 2 ? MACUnit.modulo(rows[1], bits: w) : Value.constant(0, .u(w)))
                return
            }
            // Products keep their own width and each adder level widens by one bit; the sum is
            // taken modulo 2^acc only at the end.
            var sum = rows.count == 2 ? (rows[0] + rows[1]).wrapped(to: .u(w)) : rows[0]
            if pairs {
                // Exact, at the narrow widths of the sums (not the accumulator's).
                let ra = mb.input("ra", pairCorrectionType(unit.aLane)), rb = mb.input("rb", pairCorrectionType(unit.bLane))
                sum = mb.wire("corrected", sum - ra - rb)
            }
            mb.output("dot", MACUnit.modulo(sum, bits: w).wrapped(to: outType))
        }
    }

    /// `base` plus `products` (fixed point, ``FloatMAC/accumulator``), each product's magnitude
    /// first cut toward zero to `bits` bits below the leading bit of the largest of the products
    /// and `base`, then the sum rounded to FP32: ``GoldenFloat/dot(_:acc:group:order:)``'s
    /// `align` step for a group of k. A NaN product (2^P) passes uncut into the count above P.
    static func alignedAdd(_ m: ModuleBuilder, base: Value, _ products: [Value], _ f: FloatMAC, bits: Int, prefix pre: String) -> Value {
        let p = f.nanBit, type = base.type, zero = Value.constant(0, .u(p))
        func magnitude(_ x: Value) -> Value {
            let v = x.bits(p - 1, 0)
            return v[p - 1].select((zero - v).wrapped(to: .u(p)), v)
        }
        // Ones from a value's leading bit down, on its bits from N up (the only ones the cut reads).
        let high = p - min(bits, p)
        func smear(_ v: Value, _ name: String) -> Value {
            FloatResultUnit.smearedDown(m, m.wire("\(name)0", v.bits(p - 1, p - high))) { "\(name)\($0)" }
        }
        let mags = products.enumerated().map { i, x in m.wire("\(pre)m\(i)", magnitude(x)) }
        let keep: Value
        if high == 0 {
            keep = Value.constant((1 << p) - 1, .u(p))
        } else {
            // The largest leading bit, smeared down and shifted by N: zeros where bits are cut.
            let smears = ([magnitude(base)] + mags).enumerated().map { i, v in smear(v, "\(pre)s\(i)_") }
            let top = m.wire("\(pre)top", smears.dropFirst().reduce(smears[0]) { $0 | $1 })
            keep = m.wire("\(pre)keep", ~concat([Value.constant(0, .u(p - high)), top]))
        }
        let terms = products.enumerated().map { i, x -> Value in
            let kept = m.wire("\(pre)k\(i)", mags[i] & keep)
            let cut = m.wire("\(pre)c\(i)", x[p - 1].select((zero - kept).wrapped(to: .u(p)), kept).asSigned.extended(to: type))
            // NaN: 2^P, whose bits below P are 0 (a negative finite product has bit P − 1 set).
            return type.bits > p ? (x[p] & ~x[p - 1]).select(x, cut) : cut
        } + [base]
        // A balanced tree of adders (the sum is exact: its order does not matter).
        let sum = Self.pairwise(terms) { level, i, x, y in m.wire("\(pre)add\(level)_\(i)", (x + y).wrapped(to: type)) }
        return FloatResultUnit.roundedToFP32(m, sum, f, prefix: "\(pre)fp32_")
    }

    /// The pair corrections Σ x₂q·x₂q₊₁ of k elements of `type` (a row of A or a column of B), exact,
    /// through the same register levels as a lane's reduction so that they meet its sum.
    func pairCorrection(_ type: HWType) -> Module {
        Module("pairsum\(k)_s\(stages)_\(type.tag)", doc: "FFIP correction: sum of the \(k / 2) products x[2q]*x[2q+1] (exact), "
               + "\(stages) register level(s) in the reduction, as in the dot-product lanes.") { mb in
            let x = (0..<k).map { mb.input("x\($0)", type) }
            let rows = reduce(mb, (0..<(k / 2)).map { q in mb.wire("p\(q)", x[2 * q] * x[2 * q + 1]) }, booth: false, width: mac.types.acc.bits)
            mb.output("sum", rows[0])
        }
    }

    /// The type of ``pairCorrection(_:)``'s sum.
    func pairCorrectionType(_ type: HWType) -> HWType { pairCorrection(type).port("sum")!.type }

    /// Sums `rows` in a tree of binary adders (or, `booth`, 3:2 compressors down to two rows) with
    /// `stages` register levels: the first right after the rows, the others spread over the tree.
    /// `adder` builds each binary adder (a wire of that name) when it does more than add.
    private func reduce(_ mb: ModuleBuilder, _ input: [Value], booth: Bool, width w: Int, keepTwo: Bool = false,
                        adder: ((Value, Value, String) -> Value)? = nil) -> [Value] {
        var rows = input
        let total = levels(rows.count, booth: booth)
        var marks = registerLevels(total)
        var level = 0
        func register(_ rs: [Value]) -> [Value] {
            var out = rs
            while marks.first == level {
                marks.removeFirst()
                out = out.enumerated().map { i, r in mb.delay(r, "l\(level)_\(i)_q\(stages - marks.count)", reset: nil) }
            }
            return out
        }
        rows = register(rows)
        while booth || keepTwo ? rows.count > 2 : rows.count > 1 {
            level += 1
            var next: [Value] = []
            var i = 0
            if booth {
                while i + 3 <= rows.count {
                    next += CarrySave.reduce(Array(rows[i..<(i + 3)]), width: w, mb, prefix: "l\(level)_\(i / 3)_").rows
                    i += 3
                }
            } else {
                while i + 2 <= rows.count {
                    let name = "l\(level)_\(i / 2)"
                    next.append(adder?(rows[i], rows[i + 1], name) ?? mb.wire(name, rows[i] + rows[i + 1]))
                    i += 2
                }
            }
            next += rows[i...]
            rows = register(next)
        }
        while !marks.isEmpty { rows = register(rows) }   // stages beyond the tree's depth
        return rows
    }

    /// `values[index]` by a mux tree on the index bits, least significant first.
    static func pick(_ values: [Value], _ index: Value) -> Value {
        pairwise(values) { level, _, lo, hi in index[level - 1].select(hi, lo) }
    }

    /// `xs` reduced by a balanced binary tree: level 1 combines pairs (0, 1), (2, 3), …, the
    /// `i`-th pair of a level as `combine(level, i, left, right)`; an odd last one passes up.
    /// `eachLevel` sees every level's values (level 0: `xs`) before they go up, e.g. to register them.
    static func pairwise<T>(_ xs: [T], eachLevel: (_ level: Int, [T]) -> [T] = { $1 },
                            _ combine: (_ level: Int, _ index: Int, T, T) -> T) -> T {
        var row = eachLevel(0, xs), level = 0
        while row.count > 1 {
            level += 1
            row = eachLevel(level, stride(from: 0, to: row.count, by: 2).map { i in
                i + 1 < row.count ? combine(level, i / 2, row[i], row[i + 1]) : row[i]
            })
        }
        return row[0]
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let t = mac.types, lane = self.lane, kd = denseDepth
        var top = Module(name, doc: "\(summary), \(mac); \(stages) register level(s) in each reduction tree.") { mb in
            let inValid = mb.input(StreamSignal.inValid, .bit)
            let aBlk = mb.input(StreamSignal.aBlock, .u(m * kd * t.a.bits)), bBlk = mb.input(StreamSignal.bBlock, .u(k * n * t.b.bits))
            let idxType = HWType.u(sparsity?.indexBits ?? 1)
            let bIdx = sparsity.map { _ in mb.input(StreamSignal.bIndex, .u(k * n * idxType.bits)) }
            let first = mb.input(StreamSignal.first, .bit), last = mb.input(StreamSignal.last, .bit)
            let eType = mac.scaleType
            let groupIn = mac.group.map { _ in (start: mb.input(StreamSignal.groupStart, .bit), end: mb.input(StreamSignal.groupEnd, .bit),
                                                e: mb.input(StreamSignal.exponentBlock, .u(n * eType.bits))) }
            let scalesA = mac.scalesA ? mb.input(StreamSignal.exponentColumn, .u(m * eType.bits)) : nil
            // A multi-cycle MAC (bitserial: one Booth digit per cycle) takes a beat every D cycles.
            let unit = MACUnit(mac), d = unit.elementCycles
            var valid = inValid, isFirst = first, isLast = last, accept = inValid
            if d > 1 {
                let phase = mb.register("phase", .u(bitsFor(d - 1)), reset: 0)
                let idle = mb.wire("phase_idle", phase == 0)
                mb.output(StreamSignal.inReady, idle)
                accept = mb.wire("accept", inValid & idle)
                phase.next(accept.select(Value.constant(1, phase.type),
                                         (idle | (phase == d - 1)).select(Value.constant(0, phase.type), (phase + 1).wrapped(to: phase.type))))
                let lastHeld = mb.register("last_held", .bit, reset: 0)
                lastHeld.next(last, enable: accept)
                valid = mb.wire("active", accept | ~idle)
                isFirst = mb.wire("first_cycle", accept & first)
                isLast = mb.wire("last_cycle", lastHeld & (phase == d - 1))
            } else {
                mb.output(StreamSignal.inReady, Value.constant(1, .bit))
            }
            let aLanes = (0..<(m * kd)).map { unit.serializeA(mb, aBlk.lane($0, t.a), load: accept, prefix: "a\($0)") }
            let bLanes = (0..<(k * n)).map { unit.serializeB(mb, bBlk.lane($0, t.b), load: accept, prefix: "b\($0)") }
            let idxLanes: [Value] = bIdx.map { v in (0..<(k * n)).map { x -> Value in
                let live = v.lane(x, idxType)
                guard d > 1 else { return live }
                return accept.select(live, mb.delay(live, "idx\(x)_q", reset: nil, enable: accept))   // held for the beat
            } } ?? []
            // The flags (and group exponents) follow the dot products through the trees' register levels.
            var group = groupIn.map { g in (start: g.start, end: g.end, e: (0..<n).map { g.e.lane($0, eType) }) }
            var rowScales = scalesA.map { sa in (0..<m).map { sa.lane($0, eType) } } ?? []
            for s in 0..<stages {
                valid = mb.delay(valid, "valid_d\(s + 1)")
                isFirst = mb.delay(isFirst, "first_d\(s + 1)")
                isLast = mb.delay(isLast, "last_d\(s + 1)")
                group = group.map { g in (mb.delay(g.start, "gstart_d\(s + 1)"), mb.delay(g.end, "gend_d\(s + 1)"),
                                          g.e.enumerated().map { j, e in mb.delay(e, "e\(j)_d\(s + 1)", reset: nil) }) }
                rowScales = rowScales.enumerated().map { i, e in mb.delay(e, "ea\(i)_d\(s + 1)", reset: nil) }
            }
            // MX: each lane's block sum is registered; the cycle after a block's last beat, its
            // flags and scales meet the complete sum at the lane's block adder.
            let blocks = !mac.scalesA ? nil : group.map { g in
                (ended: mb.delay(valid & g.end, "block_end"), began: mb.delay(valid & isFirst, "block_first"),
                 sa: rowScales.enumerated().map { i, e in mb.delay(e, "ea\(i)_q", reset: nil) },
                 sb: g.e.enumerated().map { j, e in mb.delay(e, "e\(j)_q", reset: nil) })
            }
            // FFIP: each row's and each column's pair corrections, computed once and shared by its lanes.
            let arith = unit.arithmetic
            let corrections: ([Value], [Value])? = !arith.pairsElements ? nil : {
                let rowModule = pairCorrection(unit.aLane), columnModule = pairCorrection(unit.bLane)
                let rowSums = (0..<m).map { i in
                    mb.instance(rowModule, "pairs_a\(i)", Dictionary(uniqueKeysWithValues: (0..<kd).map { ("x\($0)", aLanes[i * kd + $0]) }))["sum"]
                }
                let columnSums = (0..<n).map { j in
                    mb.instance(columnModule, "pairs_b\(j)", Dictionary(uniqueKeysWithValues: (0..<k).map { ("x\($0)", bLanes[$0 * n + j]) }))["sum"]
                }
                return (rowSums, columnSums)
            }()
            // The accumulators' controls are gates, not flip-flop outputs: a clear (a tile's first
            // dot) and an add (any later valid dot). A gate's fan-out to every accumulator bit is
            // buffered by synthesis; a flop's is not in this flow. Without either, dot is not added.
            let clear = mb.wire("acc_clear", valid & isFirst), add = mb.wire("acc_add", valid & ~isFirst)
            var outValid: [Value] = [], outData: [Value] = []
            for i in 0..<m {
                for j in 0..<n {
                    var ports: [String: Value] = [:]
                    for e in 0..<kd { ports["a\(e)"] = aLanes[i * kd + e] }
                    for e in 0..<k {
                        ports["b\(e)"] = bLanes[e * n + j]
                        if !idxLanes.isEmpty { ports["i\(e)"] = idxLanes[e * n + j] }
                    }
                    if let (rowSums, columnSums) = corrections {
                        ports["ra"] = rowSums[i]
                        ports["rb"] = columnSums[j]
                    }
                    let out = mb.instance(lane, "dot_\(i)_\(j)", ports)
                    if let g = group, let x = blocks, let f = t.float {
                        // MX: the block's exact sum so far (NaNs counted above it); the block adder
                        // scales it into FP32.
                        let sumType = MXAccumulator.sumType(f)
                        let inner = mb.register("block_\(i)_\(j)", sumType, reset: nil)
                        inner.next((MACUnit.cleared(inner.value, g.start) + out["dot"]).wrapped(to: sumType), enable: valid)
                        var ports = ["sum": inner.value, "gend": x.ended, "first": x.began, "ea": x.sa[i], "e": x.sb[j]]
                        if f.hasInfinities {
                            // The block's flags: the beat's, ORed from the block's first beat on.
                            for name in ["nan", "pinf", "ninf"] {
                                let held = mb.register("block_\(i)_\(j)_\(name)", .bit, reset: nil)
                                held.next(g.start.select(out[name], held.value | out[name]), enable: valid)
                                ports["sum_\(name)"] = held.value
                            }
                        }
                        let adder = MXAccumulator.blockAdder(f, sumType: sumType)
                        outData.append(mb.instance(adder, "mx_\(i)_\(j)", ports)["acc"])
                        continue
                    }
                    // align<N> keeps its sum in fixed point (rounded to FP32) and leaves as an FP32 code.
                    let acc = mb.register("acc_\(i)_\(j)", alignBits != nil ? t.float!.accumulator : t.acc, reset: nil)
                    if let g = group, let sumType = mac.groupSum {
                        // MixPE: the group's exact sum so far; at its last beat, shifted by the group's
                        // exponent and added (wrapping or clamping) from 0 (the tile's first group) or acc.
                        let inner = mb.register("group_\(i)_\(j)", sumType, reset: nil)
                        let dot = out["dot"]   // exact, of the group sum's type
                        let sum = mb.wire("group_\(i)_\(j)_sum", (MACUnit.cleared(inner.value, g.start) + dot).wrapped(to: sumType))
                        inner.next(sum, enable: valid)
                        let fresh = mb.register("fresh_\(i)_\(j)", .bit, reset: 0)
                        let began = valid & isFirst, ended = valid & g.end
                        fresh.next(began.select(~g.end, g.end.select(Value.constant(0, .bit), fresh.value)), enable: valid)
                        let shifted = MACUnit.shiftedLeft(mb, sum, by: g.e[j], prefix: "shifted_\(i)_\(j)_", limit: t.saturating ? nil : t.acc.bits)
                        let base = MACUnit.cleared(acc.value, isFirst | fresh.value)
                        let next = t.saturating ? mb.wire("acc_\(i)_\(j)_sum", base + shifted).saturated(to: t.acc)
                                                : MACUnit.modulo(base + shifted, bits: t.acc.bits).wrapped(to: t.acc)
                        acc.next(next, enable: ended)
                    } else if t.saturating {
                        // The beat's composed clamp-add step, applied from 0 (a tile's first beat) or acc.
                        let beat = ClampAdd(c: out["dot_c"], lo: out["dot_lo"], hi: out["dot_hi"])
                        acc.next(beat.apply(to: MACUnit.cleared(acc.value, clear), mb, prefix: "acc_\(i)_\(j)_next"), enable: clear | add)
                    } else if lane.port("dot_s") != nil {
                        // The dot as its two rows: clear ? s + c : acc + (add ? s + c : 0), the
                        // second in one carry-save level and one adder. (`clear | add` is the valid
                        // flop itself, whose fan-out synthesis does not buffer: so two gated paths.)
                        let w = t.acc.bits, zero = Value.constant(0, .u(w)), (s, c) = (out["dot_s"], out["dot_c"])
                        let fresh = mb.wire("acc_\(i)_\(j)_fresh", MACUnit.rowSum([s, c], bits: w))
                        let sum = CarrySave.reduce([acc.value.asUnsigned, add.select(s, zero), add.select(c, zero)],
                                                   width: w, mb, prefix: "acc_\(i)_\(j)_csa").rows
                        acc.next(clear.select(fresh, MACUnit.rowSum(sum, bits: w)).wrapped(to: t.acc))
                    } else if let f = t.float, let bits = alignBits {
                        // align<N>: the beat's products cut against the largest of them and acc, added, rounded.
                        let products = (0..<k).map { out["p\($0)"] }
                        acc.next(Self.alignedAdd(mb, base: MACUnit.cleared(acc.value, clear), products, f, bits: bits, prefix: "acc_\(i)_\(j)_"),
                                 enable: clear | add)
                        outData.append(FloatResultUnit.code(mb, acc.value, f, registered: false, prefix: "acc_\(i)_\(j)_code_"))
                        continue
                    } else if let f = t.float, f.usesAdder {
                        // E5M2, FP16: the beat's FP32 sum added into acc by an FP32 adder.
                        let dot = out["dot"], sum = mb.instance(FloatAdderMAC.codeAdder, "acc_\(i)_\(j)_add", ["a": acc.value, "b": dot])["y"]
                        acc.next(clear.select(dot, sum), enable: clear | add)
                    } else if let f = t.float, fp32 {
                        // acc + dot rounded to FP32 (a tile's first dot is already).
                        let dot = out["dot"], sum = mb.wire("acc_\(i)_\(j)_sum", (acc + add.select(dot, Value.constant(0, t.acc))).wrapped(to: t.acc))
                        acc.next(clear.select(dot, FloatResultUnit.roundedToFP32(mb, sum, f, prefix: "acc_\(i)_\(j)_fp32_")))
                    } else {
                        let dot = out["dot"]
                        acc.next(clear.select(dot, (acc + add.select(dot, Value.constant(0, t.acc))).wrapped(to: t.acc)))
                    }
                    outData.append(acc.value.asUnsigned)
                }
            }
            // MX results leave the block adders two cycles later.
            let done = (0..<(mac.scalesA ? MXAccumulator.stages : 0)).reduce(mb.delay(valid & isLast, "done")) { d, s in mb.delay(d, "done_d\(s + 1)") }
            outValid = Array(repeating: done, count: m * n)
            mb.output(StreamSignal.outValid, concat(outValid))
            mb.output(StreamSignal.outData, concat(outData.reversed()))
        }
        top.origin = origin
        return top
    }

    /// Output tiles m×n in row-major order, ⌈K/kd⌉ beats each (kd = ``denseDepth``): beat c carries
    /// A[tile rows][c·kd…] and B[c·kd…][tile columns] — with N:M sparsity the c-th k rows of B
    /// compressed by ``SparseWeights`` and their indices — zero beyond the matrices. Lane i·n + j
    /// gives each tile's C[i][j].
    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus { stimulus(a: a, b: b, exponents: nil) }

    /// With `mac.group`, each beat also flags whether it starts (`g_start`) or ends (`g_end`) a
    /// group of K, and with `g_end` carries the group's exponents of the tile's columns (`e_blk`).
    /// MX: B's block scales ride on `e_blk` and A's, S[row][k / G], on `ea_col`, with `g_end`.
    public func stimulus(_ ops: GemmOperands) -> Stimulus { stimulus(a: ops.a, b: ops.b, exponents: ops.groupScales, scalesA: ops.scalesA) }

    private func stimulus(a: IntMatrix, b: IntMatrix, exponents: IntMatrix?, scalesA: IntMatrix? = nil) -> Stimulus {
        let (rowsA, depth, colsB) = (a.rows, a.cols, b.cols)
        let kd = denseDepth
        let (tM, tN, tK) = (ceilDiv(rowsA, m), ceilDiv(colsB, n), ceilDiv(depth, kd))
        let compressed = sparsity.map { SparseWeights.compress(b, $0) }
        var beats: [[[Int64]]] = []
        beats.reserveCapacity(tM * tN * tK)
        for tile in 0..<(tM * tN) {
            let (r0, c0) = (tile / tN * m, tile % tN * n)
            for c in 0..<tK {
                let k0 = c * kd
                var beat = [Self.lanes(m * kd) { x in
                                let (r, e) = (r0 + x / kd, k0 + x % kd)
                                return r < rowsA && e < depth ? a[r, e] : nil }]
                if let cb = compressed {
                    func stored(_ mtx: IntMatrix, _ x: Int) -> Int64? {
                        let (e, col) = (c * k + x / n, c0 + x % n)
                        return e < mtx.rows && col < colsB ? mtx[e, col] : nil
                    }
                    beat += [Self.lanes(k * n) { stored(cb.values, $0) }, Self.lanes(k * n) { stored(cb.indices, $0) }]
                } else {
                    beat.append(Self.lanes(k * n) { x in
                        let (e, col) = (k0 + x / n, c0 + x % n)
                        return e < depth && col < colsB ? b[e, col] : nil })
                }
                beats.append(beat + [[c == 0 ? 1 : 0], [c == tK - 1 ? 1 : 0]])
            }
        }
        if let g = mac.group, let e = exponents {
            // Beat c covers K from c·kd: it starts a group at a multiple of G, ends one before the next.
            for x in beats.indices {
                let (tile, c) = (x / tK, x % tK), (k0, c0) = (x % tK * kd, tile % tN * n)
                let end = (k0 + kd) % g == 0 || c == tK - 1
                beats[x] += [[k0 % g == 0 ? 1 : 0], [end ? 1 : 0], Self.lanes(n) { j in end && c0 + j < colsB ? e[k0 / g, c0 + j] : nil }]
                if let sa = scalesA {
                    let r0 = tile / tN * m
                    beats[x].append(Self.lanes(m) { i in end && r0 + i < rowsA ? sa[r0 + i, k0 / g] : nil })
                }
            }
        }
        let order: [[Int?]] = (0..<(m * n)).map { l in
            (0..<(tM * tN)).map { tile -> Int? in
                let (r, col) = (tile / tN * m + l / n, tile % tN * n + l % n)
                return r < rowsA && col < colsB ? r * colsB + col : nil
            }
        }
        return Stimulus(beats: beats, order: order)
    }
}

extension DotEngine {
    /// Tiles of m × n, k elements of K per beat (with N:M weights k stored weights covering
    /// k / N · M elements); lane i·n + j gives the tile's C[i][j].
    public var gemmFeed: GemmFeed? {
        let (m, n, k, kd) = (self.m, self.n, self.k, denseDepth)
        var feed = TileFeed(tileRows: m, tileCols: n, depth: kd, aPort: StreamSignal.aBlock, aLanes: (0..<m * kd).map { ($0 / kd, $0 % kd) },
                            bPort: StreamSignal.bBlock, bLanes: (0..<k * n).map { ($0 / n, $0 % n) }, firstFlag: StreamSignal.first, lastFlag: StreamSignal.last,
                            resultsPerTile: 1, resultAt: { lane, _ in (lane / n, lane % n) })
        feed.sparse = sparsity.map { ($0, k, StreamSignal.bIndex) }
        if mac.group != nil { feed.group = (StreamSignal.exponentBlock, Array(0..<n)) }   // B lane (0, j) is lane j
        return .tiles(feed)
    }
}
