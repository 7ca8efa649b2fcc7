/// An engine wrapped with A, B and C buffers and a tiling controller (`gemm:` in a spec): the
/// host loads the buffers, writes M, K, N and pulses `start`, waits for `done` and reads C back.
/// It wraps any engine with a ``GemmFeed`` (output tiles of K beats: OS, 2D-Matrix, 3D-Cube and
/// dense trees).
///
/// Buffers are inferred memories banked by lane, so the engine gets a full beat every cycle: A
/// bank l holds, for each tile row tr, the beats' A lane l at word tr·Kb + c (Kb = ⌈K/depth⌉
/// beats per tile; written one word per bank at a time on `a_wdata` at `a_waddr`), B bank l the
/// B lane l at word tc·Kb + c, and C bank l receives output lane l's results, tile after tile
/// (read one word per bank on `c_rdata`, one cycle after `c_raddr`). Each read uses the next
/// address, so the word for the current beat is always ready and the engine is fed back to back
/// (its `in_ready` holds a beat). With `double_buffer` every buffer has two sets: `start` hands
/// the set the host just filled to the engine and points the host at the other, so the next
/// GEMM's operands load while this one computes, and C of the last finished run stays readable
/// while the next runs.
public struct GemmEngine: Sendable {
    public let array: any Engine
    public let feed: GemmFeed
    /// Operand and accumulator types (buffer word widths).
    public let types: MACTypes
    /// Words per set: A and B (each a multiple of the bank count, per-bank depth a power of two).
    public let aWords: Int
    public let bWords: Int
    public let cWords: Int
    public let doubleBuffer: Bool

    /// nil when the engine has no ``GemmFeed``.
    public init?(array: any Engine, types: MACTypes, aWords: Int, bWords: Int, cWords: Int, doubleBuffer: Bool) {
        guard let feed = array.gemmFeed else { return nil }
        self.array = array
        self.types = types
        self.feed = feed
        self.aWords = aWords
        self.bWords = bWords
        self.cWords = cWords
        self.doubleBuffer = doubleBuffer
    }

    /// Banks: A and B lanes of a beat, and output lanes.
    public var aBanks: Int { feed.aLanes.count }
    public var bBanks: Int { feed.bLanes.count }
    public var cBanks: Int { array.outputLanes }

    /// Words per bank (per set).
    public var aDepth: Int { aWords / aBanks }
    public var bDepth: Int { bWords / bBanks }
    public var cDepth: Int { cWords / cBanks }

    /// Width of `cfg_m`, `cfg_k`, `cfg_n`.
    public static let dimBits = 16

    /// Why a GEMM does not fit the buffers, or nil when it does.
    public func fitProblem(m: Int, k: Int, n: Int) -> String? {
        let f = feed
        let tilesR = ceilDiv(m, f.tileRows), tilesC = ceilDiv(n, f.tileCols), beats = ceilDiv(k, f.depth)
        let perTile = f.depth == 1 ? "K" : "⌈K/\(f.depth)⌉"
        if tilesR * beats > aDepth {
            return "A needs \(tilesR * beats) words per bank (⌈M/\(f.tileRows)⌉·\(perTile)), the buffer has \(aDepth) (a_words \(aWords) / \(aBanks) banks)"
        }
        if tilesC * beats > bDepth {
            return "B needs \(tilesC * beats) words per bank (⌈N/\(f.tileCols)⌉·\(perTile)), the buffer has \(bDepth) (b_words \(bWords) / \(bBanks) banks)"
        }
        if tilesR * tilesC * f.resultsPerTile > cDepth {
            return "C needs \(tilesR * tilesC * f.resultsPerTile) words per bank (⌈M/\(f.tileRows)⌉·⌈N/\(f.tileCols)⌉·\(f.resultsPerTile)), "
                + "the buffer has \(cDepth) (c_words \(cWords) / \(cBanks) banks)"
        }
        return nil
    }

    /// What the host writes and reads for A·B: A buffer lines (one word per bank, at word
    /// tr·Kb + c), B lines (tc·Kb + c), and for each C line and output lane the index in C
    /// (row·N + col) of the result it holds, nil for padding.
    public func hostData(a: IntMatrix, b: IntMatrix) -> (aLines: [[Int64]], bLines: [[Int64]], cMap: [[Int?]]) {
        let f = feed
        let (m, k, n) = (a.rows, a.cols, b.cols)
        let tilesR = ceilDiv(m, f.tileRows), tilesC = ceilDiv(n, f.tileCols), beats = ceilDiv(k, f.depth)
        let aLines = (0..<tilesR * beats).map { x in f.aLanes.map { lane -> Int64 in
            let (r, e) = (x / beats * f.tileRows + lane.row, x % beats * f.depth + lane.k)
            return r < m && e < k ? a[r, e] : 0 } }
        let bLines = (0..<tilesC * beats).map { x in f.bLanes.map { lane -> Int64 in
            let (e, c) = (x % beats * f.depth + lane.k, x / beats * f.tileCols + lane.col)
            return e < k && c < n ? b[e, c] : 0 } }
        let cMap = (0..<tilesR * tilesC * f.resultsPerTile).map { x in (0..<cBanks).map { l -> Int? in
            let t = x / f.resultsPerTile
            let at = f.resultAt(l, x % f.resultsPerTile)
            let (r, c) = (t / tilesC * f.tileRows + at.row, t % tilesC * f.tileCols + at.col)
            return r < m && c < n ? r * n + c : nil } }
        return (aLines, bLines, cMap)
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let f = feed, t = types
        let (A, B, L) = (aBanks, bBanks, cBanks)
        let engine = array.module(name: "\(name)_array", origin: nil)
        let sets = doubleBuffer ? 2 : 1
        func bits(_ depth: Int) -> Int { max(1, depth.trailingZeroBitCount) }
        let (aBits, bBits, cBits) = (bits(aDepth), bits(bDepth), bits(cDepth))
        let dim = HWType.u(Self.dimBits)
        let doc = "\(array.summary) with A/B/C buffers (\(aWords)/\(bWords)/\(cWords) words"
            + (doubleBuffer ? ", double-buffered" : "") + ") and a tiling controller."
        var top = Module(name, doc: doc) { m in
            let start = m.input("start", .bit)
            let cfgM = m.input("cfg_m", dim), cfgK = m.input("cfg_k", dim), cfgN = m.input("cfg_n", dim)
            let aWe = m.input("a_we", .bit), aWaddr = m.input("a_waddr", .u(aBits)), aWdata = m.input("a_wdata", .u(A * t.a.bits))
            let bWe = m.input("b_we", .bit), bWaddr = m.input("b_waddr", .u(bBits)), bWdata = m.input("b_wdata", .u(B * t.b.bits))
            let cRaddr = m.input("c_raddr", .u(cBits))

            // Controller state.
            let busy = m.register("busy", .bit, reset: 0)
            let feeding = m.register("feeding", .bit, reset: 0)
            let done = m.register("done_q", .bit, reset: 0)
            let kReg = m.register("cfg_k_q", dim, reset: nil), mReg = m.register("cfg_m_q", dim, reset: nil)
            let nReg = m.register("cfg_n_q", dim, reset: nil)
            let kk = m.register("k", dim, reset: nil)
            let rowBase = m.register("row_base", dim, reset: nil), colBase = m.register("col_base", dim, reset: nil)
            let aBase = m.register("a_base", .u(aBits), reset: nil)
            let aAddr = m.register("a_addr", .u(aBits), reset: nil), bAddr = m.register("b_addr", .u(bBits), reset: nil)
            let expected = m.register("expected", .u(cBits + 1), reset: nil)
            let go = m.wire("go", start & ~busy)
            let inReady = m.wire("in_ready", .bit)
            let accept = m.wire("accept", feeding & inReady)
            let lastK = m.wire("last_k", (kk + f.depth) >= kReg)
            let lastCol = m.wire("last_col", (colBase + f.tileCols) >= nReg)
            let lastRow = m.wire("last_row", (rowBase + f.tileRows) >= mReg)
            let tileEnd = m.wire("tile_end", accept & lastK)
            kReg.next(cfgK, enable: go)
            mReg.next(cfgM, enable: go)
            nReg.next(cfgN, enable: go)
            kk.next(go.select(Value.constant(0, dim), lastK.select(Value.constant(0, dim), (kk + f.depth).wrapped(to: dim))),
                    enable: go | accept)
            colBase.next(go.select(Value.constant(0, dim), lastCol.select(Value.constant(0, dim), (colBase + f.tileCols).wrapped(to: dim))),
                         enable: go | tileEnd)
            rowBase.next(go.select(Value.constant(0, dim), (rowBase + f.tileRows).wrapped(to: dim)), enable: go | (tileEnd & lastCol))
            // The next tile row's A words follow the last word of this one.
            let aNextRow = m.wire("a_next_row", (aAddr + 1).wrapped(to: .u(aBits)))
            aBase.next(go.select(Value.constant(0, .u(aBits)), aNextRow), enable: go | (tileEnd & lastCol))
            // Next read addresses: the word of the element after an acceptance, else the current one.
            let aNext = m.wire("a_next", go.select(Value.constant(0, .u(aBits)),
                accept.select(tileEnd.select(lastCol.select(aNextRow, aBase.value), (aAddr + 1).wrapped(to: .u(aBits))), aAddr.value)))
            let bNext = m.wire("b_next", go.select(Value.constant(0, .u(bBits)),
                (tileEnd & lastCol).select(Value.constant(0, .u(bBits)), accept.select((bAddr + 1).wrapped(to: .u(bBits)), bAddr.value))))
            aAddr.next(aNext)
            bAddr.next(bNext)
            expected.next(go.select(Value.constant(0, expected.type), (expected + f.resultsPerTile).wrapped(to: expected.type)),
                          enable: go | tileEnd)
            feeding.next(go | (feeding & ~(tileEnd & lastCol & lastRow)))

            // Buffer sets: the host fills `fill_sel`; a run uses `run_sel`; the host reads C from `read_sel`.
            var fillSel: Value? = nil, runSel: Value? = nil, readSel: Value? = nil
            if doubleBuffer {
                let f = m.register("fill_sel", .bit, reset: 0), r = m.register("run_sel", .bit, reset: 0)
                let rd = m.register("read_sel", .bit, reset: 0)
                f.next(~f.value, enable: go)
                r.next(f.value, enable: go)
                (fillSel, runSel, readSel) = (f.value, r.value, rd.value)
                rd.next(r.value, enable: done.value)
            }
            func address(_ sel: Value?, _ a: Value) -> Value { sel.map { concat([$0, a]) } ?? a }
            func lane(_ v: Value, _ i: Int, _ type: HWType) -> Value {
                let raw = v.bits(i * type.bits + type.bits - 1, i * type.bits)
                return type.signed ? raw.asSigned : raw
            }

            // A and B banks: host writes; reads at the next address (from the set `start` hands over).
            let readSet = runSel.map { go.select(fillSel!, $0) }
            func banks(_ name: String, _ count: Int, _ type: HWType, depth: Int,
                       write: (addr: Value, data: Value, enable: Value), read: Value) -> [Value] {
                (0..<count).map { i in
                    let bank = m.memory("\(name)_bank\(i)", type, depth: depth * sets)
                    bank.write(address(fillSel, write.addr), lane(write.data, i, type), enable: write.enable)
                    let q = m.register("\(name)_q\(i)", type, reset: nil)
                    q.next(bank[address(readSet, read)])
                    return q.value.asUnsigned
                }
            }
            let aCol = banks("a", A, t.a, depth: aDepth, write: (aWaddr, aWdata, aWe), read: aNext)
            let bRow = banks("b", B, t.b, depth: bDepth, write: (bWaddr, bWdata, bWe), read: bNext)

            // The engine's stream: A and B lanes from the banks, the tile flags, other ports 0.
            var ports: [String: Value] = ["in_valid": feeding.value]
            for p in array.streamPorts { ports[p.name] = Value.constant(0, .u(p.bits)) }
            ports[f.aPort] = concat(aCol.reversed())
            ports[f.bPort] = concat(bRow.reversed())
            if let first = f.firstFlag { ports[first] = m.wire("first_k", kk == 0) }
            if let last = f.lastFlag { ports[last] = lastK }
            let out = m.instance(engine, "array", ports)
            inReady.drive(out["in_ready"])

            // C banks: lane l's results in order; the run is done when every lane has them all.
            var cData: [Value] = [], complete: [Value] = []
            for l in 0..<L {
                let valid = out["out_valid"][l]
                let count = m.register("c_count\(l)", .u(cBits + 1), reset: nil)
                let after = m.wire("c_count\(l)_next", (count + valid.extended(to: .u(1))).wrapped(to: count.type))
                count.next(go.select(Value.constant(0, count.type), after), enable: go | valid)
                let bank = m.memory("c_bank\(l)", t.acc, depth: cDepth * sets)
                bank.write(address(runSel, count.value.bits(cBits - 1, 0)), lane(out["out_data"], l, t.acc), enable: valid)
                let q = m.register("c_q\(l)", t.acc, reset: nil)
                q.next(bank[address(readSel, cRaddr)])
                cData.append(q.value.asUnsigned)
                complete.append(after == expected)
            }
            let finishing = m.wire("finishing", busy & ~feeding & ~go & complete.dropFirst().reduce(complete[0], &))
            done.next(finishing)
            busy.next(go | (busy & ~finishing))
            m.output("busy", busy)
            m.output("done", done)
            m.output("c_rdata", concat(cData.reversed()))
        }
        top.origin = origin
        return top
    }
}
