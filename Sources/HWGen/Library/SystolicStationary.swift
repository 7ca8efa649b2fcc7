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

    public init(rows: Int, cols: Int, mac: MACConfig, stationary: Stationary) {
        precondition(mac.kind != .bitserial && mac.pipeline <= 1,
                     "SystolicStationary: baseline or booth MACs with pipeline 0 or 1")
        self.rows = rows
        self.cols = cols
        self.mac = mac
        self.stationary = stationary
    }

    /// Streamed vectors per tile, and accumulator depth: P = 2R + C − 2.
    public var tileBeats: Int { 2 * rows + cols - 2 }

    private var stationaryType: HWType { stationary == .weights ? mac.types.b : mac.types.a }
    private var streamedType: HWType { stationary == .weights ? mac.types.a : mac.types.b }
    private var dataflowTag: String { stationary == .weights ? "ws" : "is" }

    public var macCount: Int { rows * cols }
    public var outputLanes: Int { cols }

    /// The last vector's sums leave within R + C + pipeline + 1 cycles.
    public var drainBound: Int { rows + cols + mac.pipeline + 1 }

    public var summary: String {
        "\(rows)x\(cols) \(stationary == .weights ? "weight" : "input")-stationary systolic array"
    }

    public var streamPorts: [StreamPort] {
        [StreamPort("x_col", lanes: rows, streamedType), StreamPort("w_row", lanes: cols, stationaryType),
         StreamPort("x_valid", .bit), StreamPort("x_first", .bit), StreamPort("acc_first", .bit),
         StreamPort("acc_last", .bit), StreamPort("w_load", .bit)]
    }

    /// Whether partial sums travel as carry-save pairs.
    private var carrySave: Bool { mac.kind == .booth }

    /// The PE `pe_<ws|is>_<kind>_p<pipeline>_<a>_<b>_<acc>`.
    public var pe: Module {
        let unit = MACUnit(mac), t = mac.types, w = t.acc.bits
        let doc = "\(stationary == .weights ? "Weight" : "Input")-stationary PE: psum_out <= psum_in + x * stationary; "
            + "the stationary value is shadow-loaded down the column and switched in by first_in."
        return Module("pe_\(dataflowTag)_\(mac.tag)", doc: doc) { m in
            let x = m.input("x_in", streamedType), first = m.input("first_in", .bit)
            let wIn = m.input("w_in", stationaryType), load = m.input("w_load", .bit)
            let shadow = m.register("shadow", stationaryType, reset: nil)
            shadow.next(wIn, enable: load)
            let active = m.register("active", stationaryType, reset: nil)
            let weight = m.wire("weight", first.select(shadow.value, active.value))
            active.next(weight)
            m.output("x_out", m.delay(x, "x_q", reset: nil))
            m.output("first_out", m.delay(first, "first_q"))
            m.output("w_out", shadow.value)
            let (a, b) = stationary == .weights ? (x, weight) : (weight, x)
            if carrySave {
                let sIn = m.input("psum_s_in", .u(w)), cIn = m.input("psum_c_in", .u(w))
                var rows = unit.productRows(m, a, b)
                if mac.pipeline >= 1 {
                    rows = CarrySave.reduce(rows, width: w, m, prefix: "pp").rows
                        .enumerated().map { k, r in m.delay(r, "pp_\(k == 0 ? "s" : "c")_q", reset: nil) }
                }
                let next = CarrySave.reduce([sIn, cIn] + rows, width: w, m, prefix: "csa").rows
                m.output("psum_s_out", m.delay(next[0], "psum_s", reset: nil))
                m.output("psum_c_out", m.delay(next[1], "psum_c", reset: nil))
            } else {
                let psumIn = m.input("psum_in", t.acc)
                var product = m.wire("product", a * b)
                if mac.pipeline >= 1 { product = m.delay(product, "product_q", reset: nil) }
                let wide = product.extended(to: HWType(bits: max(w, product.type.bits), signed: product.type.signed))
                m.output("psum_out", m.delay((psumIn + wide.wrapped(to: t.acc)).wrapped(to: t.acc), "psum", reset: nil))
            }
        }
    }

    /// The array with its input skew, shadow-load chains and column accumulators, named `name`.
    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t, P) = (rows, cols, mac.types, tileBeats)
        let pe = self.pe
        let p = mac.pipeline
        var top = Module(name, doc: "\(summary), \(mac). Tiles of \(P) streamed vectors; \(P)-deep accumulators under each column.") { m in
            let inValid = m.input("in_valid", .bit)
            let xCol = m.input("x_col", .u(R * streamedType.bits)), wRow = m.input("w_row", .u(C * stationaryType.bits))
            let xValid = m.input("x_valid", .bit), xFirst = m.input("x_first", .bit)
            let accFirst = m.input("acc_first", .bit), accLast = m.input("acc_last", .bit)
            let wLoad = m.input("w_load", .bit)
            m.output("in_ready", Value.constant(1, .bit))
            let stream = m.wire("stream", inValid & xValid)
            let load = m.wire("load", inValid & wLoad)

            func lane(_ v: Value, _ k: Int, _ type: HWType) -> Value {
                let raw = v.bits(k * type.bits + type.bits - 1, k * type.bits)
                return type.signed ? raw.asSigned : raw
            }
            func skew(_ v: Value, _ n: Int, _ prefix: String, reset: Int64? = nil) -> Value {
                (0..<n).reduce(v) { x, d in m.delay(x, "\(prefix)_d\(d + 1)", reset: reset) }
            }
            // Row i's lane and tile-start flag, delayed i cycles; idle cycles carry zero.
            var entries: [(x: Value, first: Value)] = []
            for i in 0..<R {
                let valid = skew(stream, i, "valid\(i)", reset: 0)
                let x = skew(lane(xCol, i, streamedType), i, "x\(i)")
                entries.append((m.wire("row\(i)_x", valid.select(x, Value.constant(0, streamedType))),
                                m.wire("row\(i)_first", valid & skew(xFirst, i, "first\(i)"))))
            }
            let zero = Value.constant(0, carrySave ? .u(t.acc.bits) : t.acc)
            var grid: [[InstanceOutputs]] = []
            for i in 0..<R {
                var row: [InstanceOutputs] = []
                for j in 0..<C {
                    let up = i > 0 ? grid[i - 1][j] : nil, left = j > 0 ? row[j - 1] : nil
                    var ports: [String: Value] = [
                        "x_in": left?["x_out"] ?? entries[i].x,
                        "first_in": left?["first_out"] ?? entries[i].first,
                        "w_in": up?["w_out"] ?? lane(wRow, j, stationaryType),
                        "w_load": load,
                    ]
                    if carrySave {
                        ports["psum_s_in"] = up?["psum_s_out"] ?? zero
                        ports["psum_c_in"] = up?["psum_c_out"] ?? zero
                    } else {
                        ports["psum_in"] = up?["psum_out"] ?? zero
                    }
                    row.append(m.instance(pe, "pe_\(i)_\(j)", ports))
                }
                grid.append(row)
            }
            // Under each column: the flags of the vector whose sum arrives, and the accumulator.
            var flags = (valid: skew(stream, R + p, "bottom_valid", reset: 0),
                         first: skew(accFirst, R + p, "bottom_first"), last: skew(accLast, R + p, "bottom_last"))
            var outValid: [Value] = [], outData: [Value] = []
            for j in 0..<C {
                if j > 0 {
                    flags = (m.delay(flags.valid, "col\(j)_valid", reset: 0), m.delay(flags.first, "col\(j)_first"),
                             m.delay(flags.last, "col\(j)_last"))
                }
                let bottom = grid[R - 1][j]
                // The accumulator is a P-long delay line without enable: the entry leaving it is
                // the partial sum of the same streamed vector one tile (P beats) earlier.
                let fifo = (0..<P).map { m.register("col\(j)_acc\($0)", t.acc, reset: nil) }
                let head = flags.first.select(Value.constant(0, t.acc), fifo[P - 1].value)
                let sum: Value
                if carrySave {
                    let pair = CarrySave.reduce([bottom["psum_s_out"], bottom["psum_c_out"], head.asUnsigned], width: t.acc.bits,
                                                m, prefix: "col\(j)_csa").rows
                    sum = m.wire("col\(j)_sum", (pair[0] + pair[1]).wrapped(to: t.acc))
                } else {
                    sum = m.wire("col\(j)_sum", (head + bottom["psum_out"]).wrapped(to: t.acc))
                }
                for (k, r) in fifo.enumerated() { r.next(k == 0 ? sum : fifo[k - 1].value) }
                outValid.append(m.delay(flags.valid & flags.last, "out\(j)_valid"))
                outData.append(m.delay(sum, "out\(j)_data", reset: nil).asUnsigned)
            }
            m.output("out_valid", concat(outValid.reversed()))
            m.output("out_data", concat(outData.reversed()))
        }
        top.origin = origin
        return top
    }

    /// Tiles in order (stationary column tile, streamed chunk of P vectors, K tile), preceded by
    /// R beats that load the first tile's stationary rows. Each tile is P beats of one streamed
    /// vector each (zero beyond the matrices); its last R beats also load the next tile's
    /// stationary rows, row R − 1 first. Column j emits, with each chunk's last K tile, P sums in
    /// stream order.
    public func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus {
        let (m, k, n) = (a.rows, a.cols, b.cols)
        let (R, C, P) = (rows, cols, tileBeats)
        let ws = stationary == .weights
        // Stationary S[k][s] and streamed X[x][k], and where result (x, s) sits in C.
        let sCount = ws ? n : m, xCount = ws ? m : n
        func sValue(_ kk: Int, _ s: Int) -> Int64 { ws ? b[kk, s] : a[s, kk] }
        func xValue(_ x: Int, _ kk: Int) -> Int64 { ws ? a[x, kk] : b[kk, x] }
        func index(_ x: Int, _ s: Int) -> Int { ws ? x * n + s : s * n + x }
        let (tS, tX, tK) = (ceilDiv(sCount, C), ceilDiv(xCount, P), ceilDiv(k, R))
        let tiles = (0..<tS).flatMap { s in (0..<tX).flatMap { x in (0..<tK).map { (s: s, x: x, k: $0) } } }

        func weightRow(_ tile: (s: Int, x: Int, k: Int), _ i: Int) -> [Int64] {
            let kk = tile.k * R + i
            return Self.lanes(C) { j in kk < k && tile.s * C + j < sCount ? sValue(kk, tile.s * C + j) : nil }
        }
        let noX = [Int64](repeating: 0, count: R), noW = [Int64](repeating: 0, count: C)
        var beats: [[[Int64]]] = (0..<R).map { e in [noX, weightRow(tiles[0], R - 1 - e), [0], [0], [0], [0], [1]] }
        beats.reserveCapacity(R + tiles.count * P)
        for (t, tile) in tiles.enumerated() {
            for e in 0..<P {
                let x = tile.x * P + e
                let xs = Self.lanes(R) { i in x < xCount && tile.k * R + i < k ? xValue(x, tile.k * R + i) : nil }
                let loading = t + 1 < tiles.count && e >= R + C - 2
                beats.append([xs, loading ? weightRow(tiles[t + 1], R - 1 - (e - (R + C - 2))) : noW,
                              [1], [e == 0 ? 1 : 0], [tile.k == 0 ? 1 : 0], [tile.k == tK - 1 ? 1 : 0], [loading ? 1 : 0]])
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
