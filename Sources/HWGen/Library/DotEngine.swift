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
    /// `tree` (m = 1) or `cube`: names the modules and the summary.
    public let isTree: Bool

    public init(m: Int, n: Int, k: Int, stages: Int, mac: MACConfig, isTree: Bool) {
        precondition(mac.kind != .bitserial, "DotEngine: baseline or booth MACs")
        precondition(!isTree || m == 1, "DotEngine: a tree has one row")
        self.m = m
        self.n = n
        self.k = k
        self.stages = stages
        self.mac = mac
        self.isTree = isTree
    }

    public var macCount: Int { m * n * k }
    public var outputLanes: Int { m * n }
    public var drainBound: Int { stages + 2 }

    public var summary: String {
        isTree ? "\(n)-lane multiplier-adder tree of width \(k)" : "\(m)x\(n)x\(k) 3D-Cube"
    }

    public var streamPorts: [StreamPort] {
        [StreamPort("a_blk", lanes: m * k, mac.types.a), StreamPort("b_blk", lanes: k * n, mac.types.b),
         StreamPort("first", .bit), StreamPort("last", .bit)]
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

    /// One lane: `dot` of a k-element row and column, pipelined, `u(acc)` or (booth) two rows.
    public var lane: Module {
        let t = mac.types, w = t.acc.bits
        let booth = mac.kind == .booth
        let name = "dot\(k)_\(mac.kind.rawValue)_s\(stages)_\(t.tag)"
        return Module(name, doc: "Sum of \(k) products a_i*b_i (wraps to \(t.acc)), \(stages) register level(s) in the reduction"
                      + (booth ? "; Booth rows of all products compressed together, one final add." : ".")) { mb in
            let a = (0..<k).map { mb.input("a\($0)", t.a) }, b = (0..<k).map { mb.input("b\($0)", t.b) }
            var rows: [Value] = []
            for i in 0..<k {
                if booth {
                    rows += MACUnit.boothRows(mb, a[i], b[i], width: w, prefix: "p\(i)_booth")
                } else {
                    rows.append(mb.wire("p\(i)", a[i] * b[i]))
                }
            }
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
            while booth ? rows.count > 2 : rows.count > 1 {
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
                        next.append(mb.wire("l\(level)_\(i / 2)", rows[i] + rows[i + 1]))
                        i += 2
                    }
                }
                next += rows[i...]
                rows = register(next)
            }
            while !marks.isEmpty { rows = register(rows) }   // stages beyond the tree's depth
            // Products keep their own width and each adder level widens by one bit; the sum is
            // taken modulo 2^acc only at the end.
            let sum = rows.count == 2 ? (rows[0] + rows[1]).wrapped(to: .u(w)) : rows[0]
            mb.output("dot", MACUnit.modulo(sum, bits: w).wrapped(to: t.acc))
        }
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let t = mac.types, lane = self.lane
        var top = Module(name, doc: "\(summary), \(mac); \(stages) register level(s) in each reduction tree.") { mb in
            let inValid = mb.input("in_valid", .bit)
            let aBlk = mb.input("a_blk", .u(m * k * t.a.bits)), bBlk = mb.input("b_blk", .u(k * n * t.b.bits))
            let first = mb.input("first", .bit), last = mb.input("last", .bit)
            mb.output("in_ready", Value.constant(1, .bit))
            func field(_ v: Value, _ idx: Int, _ type: HWType) -> Value {
                let raw = v.bits(idx * type.bits + type.bits - 1, idx * type.bits)
                return type.signed ? raw.asSigned : raw
            }
            // The flags follow the dot products through the trees' register levels.
            var valid = inValid, isFirst = first, isLast = last
            for s in 0..<stages {
                valid = mb.delay(valid, "valid_d\(s + 1)")
                isFirst = mb.delay(isFirst, "first_d\(s + 1)")
                isLast = mb.delay(isLast, "last_d\(s + 1)")
            }
            var outValid: [Value] = [], outData: [Value] = []
            for i in 0..<m {
                for j in 0..<n {
                    var ports: [String: Value] = [:]
                    for e in 0..<k {
                        ports["a\(e)"] = field(aBlk, i * k + e, t.a)
                        ports["b\(e)"] = field(bBlk, e * n + j, t.b)
                    }
                    let dot = mb.instance(lane, "dot_\(i)_\(j)", ports)["dot"]
                    let acc = mb.register("acc_\(i)_\(j)", t.acc, reset: nil)
                    acc.next((isFirst.select(Value.constant(0, t.acc), acc.value) + dot).wrapped(to: t.acc), enable: valid)
                    outData.append(acc.value.asUnsigned)
                }
            }
            let done = mb.delay(valid & isLast, "done")
            outValid = Array(repeating: done, count: m * n)
            mb.output("out_valid", concat(outValid))
            mb.output("out_data", concat(outData.reversed()))
        }
        top.origin = origin
        return top
    }

    /// Output tiles m×n in row-major order, ⌈K/k⌉ beats each: beat c carries A[tile rows][c·k…]
    /// and B[c·k…][tile columns], zero beyond the matrices. Lane i·n + j gives each tile's C[i][j].
    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus {
        let (rowsA, depth, colsB) = (a.rows, a.cols, b.cols)
        let (tM, tN, tK) = (ceilDiv(rowsA, m), ceilDiv(colsB, n), ceilDiv(depth, k))
        var beats: [[[Int64]]] = []
        beats.reserveCapacity(tM * tN * tK)
        for tile in 0..<(tM * tN) {
            let (r0, c0) = (tile / tN * m, tile % tN * n)
            for c in 0..<tK {
                let k0 = c * k
                beats.append([Self.lanes(m * k) { x in
                                  let (r, e) = (r0 + x / k, k0 + x % k)
                                  return r < rowsA && e < depth ? a[r, e] : nil },
                              Self.lanes(k * n) { x in
                                  let (e, col) = (k0 + x / n, c0 + x % n)
                                  return e < depth && col < colsB ? b[e, col] : nil },
                              [c == 0 ? 1 : 0], [c == tK - 1 ? 1 : 0]])
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
