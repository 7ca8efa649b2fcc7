import HWGenTypes
import HWGenCore
import HWGenGolden

/// The GEMM engine's controllers: one per ``GemmFeed`` case, and the result-column tracker.
extension GemmEngine {
    /// What a controller gives the shared buffers and result capture: the next read addresses of
    /// A and B, the engine's stream ports (from the A and B words read), when results are due
    /// (`resultsDue`: add `results` to the expected count) and the cycle the last beat is taken.
    struct Control {
        let aNext: Value
        let bNext: Value
        let ports: (_ aWord: Value, _ bWord: Value) -> [String: Value]
        let resultsDue: Value
        let results: Int
        let lastBeat: Value
    }

    /// Per output lane, the column of C of the result on the lane in this cycle (counted over the
    /// lane's results since `go`, in the order ``hostData(a:b:)`` maps them).
    func resultColumns(_ m: ModuleBuilder, _ valid: [Value], go: Value, mExtent: Value, nExtent: Value) -> [Value] {
        let dim = HWType.u(Self.dimBits)
        func zero(_ t: HWType) -> Value { Value.constant(0, t) }
        /// A counter stepping by `step` on `tick`, back to 0 after it reaches `extent` − step (or
        /// beyond); returns its value and whether it wraps on this tick.
        func counter(_ name: String, step: Int, extent: Value, tick: Value) -> (value: Value, wraps: Value) {
            let r = m.register(name, dim, reset: nil)
            let wraps = m.wire("\(name)_wraps", (r + step) >= extent)
            r.next(go.select(zero(dim), wraps.select(zero(dim), (r + step).wrapped(to: dim))), enable: go | tick)
            return (r.value, wraps)
        }
        return valid.enumerated().map { l, v in
            switch feed {
            case .tiles(let f):
                // Result n of a tile sits at column offset resultAt(l, n).col of the tile's columns.
                let n = counter("ep_n\(l)", step: 1, extent: Value.constant(Int64(f.resultsPerTile), dim), tick: v)
                let base = counter("ep_col_base\(l)", step: f.tileCols, extent: nExtent, tick: v & n.wraps)
                let offsets = (0..<f.resultsPerTile).map { f.resultAt(l, $0).col }
                let offset: Value
                if offsets.enumerated().allSatisfy({ $0.offset == $0.element }) {
                    offset = n.value
                } else if Set(offsets).count == 1 {
                    offset = Value.constant(Int64(offsets[0]), dim)
                } else {
                    offset = DotEngine.pick(offsets.map { Value.constant(Int64($0), dim) }, n.value)
                }
                return m.wire("ep_col\(l)", (base.value + offset).wrapped(to: dim))
            case .stationary(let f):
                let e = counter("ep_e\(l)", step: 1, extent: Value.constant(Int64(f.tileBeats), dim), tick: v)
                if f.weightsStationary {
                    // Column s·C + l: s advances after every chunk of the streamed rows.
                    let chunk = counter("ep_x\(l)", step: f.tileBeats, extent: mExtent, tick: v & e.wraps)
                    let base = counter("ep_col_base\(l)", step: f.cols, extent: nExtent, tick: v & e.wraps & chunk.wraps)
                    return m.wire("ep_col\(l)", (base.value + l).wrapped(to: dim))
                }
                // IS streams B's columns: column x·P + e of the chunk x.
                let chunk = counter("ep_x\(l)", step: f.tileBeats, extent: nExtent, tick: v & e.wraps)
                return m.wire("ep_col\(l)", (chunk.value + e.value).wrapped(to: dim))
            }
        }
    }

    /// Inputs every controller gets: the start pulse, the beat taken, and M, K, N.
    typealias ControlState = (go: Value, accept: Value, m: Value, k: Value, n: Value, aBits: Int, bBits: Int)

    /// Output tiles in row-major order, ⌈K/depth⌉ beats each; A words tr·Kb + c, B words tc·Kb + c.
    func tileControl(_ m: ModuleBuilder, _ f: TileFeed, _ s: ControlState) -> Control {
        let dim = HWType.u(Self.dimBits), (aType, bType) = (HWType.u(s.aBits), HWType.u(s.bBits))
        let (go, accept) = (s.go, s.accept)
        let kk = m.register("k", dim, reset: nil)
        let rowBase = m.register("row_base", dim, reset: nil), colBase = m.register("col_base", dim, reset: nil)
        let aBase = m.register("a_base", aType, reset: nil)
        let aAddr = m.register("a_addr", aType, reset: nil), bAddr = m.register("b_addr", bType, reset: nil)
        let lastK = m.wire("last_k", (kk + f.depth) >= s.k)
        let lastCol = m.wire("last_col", (colBase + f.tileCols) >= s.n)
        let lastRow = m.wire("last_row", (rowBase + f.tileRows) >= s.m)
        let tileEnd = m.wire("tile_end", accept & lastK)
        kk.next(go.select(Value.constant(0, dim), lastK.select(Value.constant(0, dim), (kk + f.depth).wrapped(to: dim))),
                enable: go | accept)
        colBase.next(go.select(Value.constant(0, dim), lastCol.select(Value.constant(0, dim), (colBase + f.tileCols).wrapped(to: dim))),
                     enable: go | tileEnd)
        rowBase.next(go.select(Value.constant(0, dim), (rowBase + f.tileRows).wrapped(to: dim)), enable: go | (tileEnd & lastCol))
        // The next tile row's A words follow the last word of this one.
        let aNextRow = m.wire("a_next_row", (aAddr + 1).wrapped(to: aType))
        aBase.next(go.select(Value.constant(0, aType), aNextRow), enable: go | (tileEnd & lastCol))
        // Next read addresses: the word of the beat after an acceptance, else the current one.
        let aNext = m.wire("a_next", go.select(Value.constant(0, aType),
            accept.select(tileEnd.select(lastCol.select(aNextRow, aBase.value), (aAddr + 1).wrapped(to: aType)), aAddr.value)))
        let bNext = m.wire("b_next", go.select(Value.constant(0, bType),
            (tileEnd & lastCol).select(Value.constant(0, bType), accept.select((bAddr + 1).wrapped(to: bType), bAddr.value))))
        aAddr.next(aNext)
        bAddr.next(bNext)
        let first = f.firstFlag.map { _ in m.wire("first_k", kk == 0) }
        // MixPE: beats counted within their group of G / depth beats (a tile starts a group).
        let groupFlags = group.map { g -> (start: Value, end: Value) in
            let beats = g / f.depth
            let n = m.register("group_beat", .u(max(1, bitsFor(beats - 1))), reset: nil)
            let end = m.wire("group_end", (n == beats - 1) | lastK)
            n.next((go | (accept & end)).select(Value.constant(0, n.type), (n + 1).wrapped(to: n.type)), enable: go | accept)
            return (m.wire("group_start", n == 0), end)
        }
        return Control(aNext: aNext, bNext: bNext, ports: { aWord, bWord in
            let aw = unpackA(aWord, lanes: f.aLanes.count)
            var p = [f.aPort: aw.values]
            if !aw.scales.isEmpty {
                // MX: each row's scale from its lane of element k = 0 of the beat.
                let rows = (0..<f.tileRows).map { r in f.aLanes.firstIndex { $0.row == r && $0.k == 0 }! }
                p[StreamSignal.exponentColumn] = concat(rows.reversed().map { aw.scales[$0] })
            }
            let word = unpackB(bWord, lanes: f.bLanes.count)
            p[f.bPort] = word.values
            if let sp = f.sparse, let indices = word.indices { p[sp.indexPort] = indices }
            if let flags = groupFlags {
                p[StreamSignal.groupStart] = flags.start
                p[StreamSignal.groupEnd] = flags.end
            }
            if let g = f.group {
                // Each column's exponent from its lane of element k = 0 of the beat.
                p[g.exponentPort] = concat(g.lanes.reversed().map { word.exponents[$0] })
            }
            if let name = f.firstFlag, let first { p[name] = first }
            if let name = f.lastFlag { p[name] = lastK }
            return p
        }, resultsDue: tileEnd, results: f.resultsPerTile, lastBeat: tileEnd & lastCol & lastRow)
    }

    /// R beats loading the first stationary tile, then tiles (s, x, k), k fastest, of P vectors;
    /// the last R beats of a tile load the next tile's rows. The streamed words run in order and
    /// start over for each stationary column tile s; the stationary words run in order within s
    /// and start over at s's first word for each new chunk x.
    func stationaryControl(_ m: ModuleBuilder, _ f: StationaryFeed, _ s: ControlState) -> Control {
        let dim = HWType.u(Self.dimBits), (R, C, P) = (f.rows, f.cols, f.tileBeats)
        let (xType, wType) = f.weightsStationary ? (HWType.u(s.aBits), HWType.u(s.bBits)) : (HWType.u(s.bBits), HWType.u(s.aBits))
        let (xExtent, sExtent) = f.weightsStationary ? (s.m, s.n) : (s.n, s.m)
        let (go, accept) = (s.go, s.accept)
        func zero(_ t: HWType) -> Value { Value.constant(0, t) }
        func inc(_ v: Value, _ by: Int = 1) -> Value { (v + by).wrapped(to: v.type) }
        let preload = m.register("preload", .bit, reset: 0)
        let pre = m.register("preload_count", .u(bitsFor(R)), reset: nil)
        let beat = m.register("beat", .u(bitsFor(P)), reset: nil)
        let kBase = m.register("k_base", dim, reset: nil), xBase = m.register("x_base", dim, reset: nil)
        let sBase = m.register("s_base", dim, reset: nil)
        let xAddr = m.register("x_addr", xType, reset: nil), wAddr = m.register("w_addr", wType, reset: nil)
        let wBase = m.register("w_base", wType, reset: nil)
        let kd = f.depth
        func flags(_ k: Value, _ x: Value, _ st: Value) -> (k: Value, x: Value, s: Value) {
            ((k + kd) >= s.k, (x + P) >= xExtent, (st + C) >= sExtent)
        }
        let last = flags(kBase.value, xBase.value, sBase.value)
        let lastK = m.wire("last_k", last.k), lastX = m.wire("last_x", last.x), lastS = m.wire("last_s", last.s)
        let hasNext = m.wire("has_next", ~(lastK & lastX & lastS))
        let tileLast = m.wire("tile_last", ~preload & (beat == P - 1))
        let loading = m.wire("loading", preload | (R + C - 2 > 0 ? hasNext & (beat >= R + C - 2) : hasNext))   // (beat ≥ 0 always holds)
        let switching = m.wire("switching", accept & ((preload & (pre == R - 1)) | (tileLast & hasNext)))
        // The tile after the switch (the current one's successor; tile 0 after the preload).
        let advance = ~preload & tileLast
        let kNext = m.wire("k_next", (advance & ~lastK).select(inc(kBase.value, kd), zero(dim)))
        let xNext = m.wire("x_next", advance.select(lastK.select(lastX.select(zero(dim), inc(xBase.value, P)), xBase.value), zero(dim)))
        let sNext = m.wire("s_next", advance.select((lastK & lastX).select(inc(sBase.value, C), sBase.value), zero(dim)))
        let upcoming = flags(kNext, xNext, sNext)
        // Its successor's rows load next: from s's first word for a new chunk, else onwards.
        let wOn = m.wire("w_on", loading.select(inc(wAddr.value), wAddr.value))
        let restart = m.wire("w_restart", upcoming.k & ~upcoming.x)
        let wAfter = m.wire("w_after", (switching & restart).select(wBase.value, wOn))
        let newBlock = m.wire("w_new_block", switching & upcoming.k & upcoming.x & ~upcoming.s)
        let xAfter = m.wire("x_after", (switching & advance & lastK & lastX).select(zero(xType), inc(xAddr.value)))
        let onStream = ~preload
        let xNextAddr = m.wire("x_next_addr", go.select(zero(xType), accept.select(onStream.select(xAfter, xAddr.value), xAddr.value)))
        let wNextAddr = m.wire("w_next_addr", go.select(zero(wType), accept.select(wAfter, wAddr.value)))
        xAddr.next(xNextAddr)
        wAddr.next(wNextAddr)
        wBase.next(go.select(zero(wType), wOn), enable: go | newBlock)
        preload.next(go | (preload & ~(accept & (pre == R - 1))))
        pre.next(go.select(zero(pre.type), inc(pre.value)), enable: go | (accept & preload))
        beat.next(go.select(zero(beat.type), (preload | tileLast).select(zero(beat.type), inc(beat.value))), enable: go | accept)
        kBase.next(go.select(zero(dim), kNext), enable: go | switching)
        xBase.next(go.select(zero(dim), xNext), enable: go | switching)
        sBase.next(go.select(zero(dim), sNext), enable: go | switching)
        let (aNext, bNext) = f.weightsStationary ? (xNextAddr, wNextAddr) : (wNextAddr, xNextAddr)
        // MixPE: K tiles counted within their group of G / depth tiles (a new chunk starts a group).
        let groupFlags = group.map { g -> (start: Value, end: Value) in
            let tiles = g / kd
            let n = m.register("group_tile", .u(max(1, bitsFor(tiles - 1))), reset: nil)
            let end = m.wire("group_end", (n == tiles - 1) | lastK)
            let restart = m.wire("group_restart", preload | end)
            n.next(restart.select(Value.constant(0, n.type), (n + 1).wrapped(to: n.type)), enable: switching)
            return (m.wire("group_start", n == 0), end)
        }
        return Control(aNext: aNext, bNext: bNext, ports: { aWord, bWord in
            let (x, w) = f.weightsStationary ? (aWord, bWord) : (bWord, aWord)
            var p = [StreamSignal.streamedColumn: x, StreamSignal.weightRow: w, StreamSignal.streamedValid: ~preload,
                     StreamSignal.streamedFirst: m.wire("x_first", ~preload & (beat == 0)),
                     StreamSignal.accumulateFirst: m.wire("acc_first", kBase == 0), StreamSignal.accumulateLast: lastK,
                     StreamSignal.weightLoad: loading]
            // Per-column values of the tile being loaded (B's exponents in WS, A's MX scales in
            // IS), switched in with it. (Every row of a tile carries them; the switch may come
            // with the last row.)
            func switchedIn(_ values: [Value], _ name: String) -> Value {
                concat(values.enumerated().map { j, e -> Value in
                    let next = m.delay(e, "\(name)\(j)_next", reset: nil, enable: loading)
                    return m.delay(loading.select(e, next), "\(name)\(j)_now", reset: nil, enable: switching)
                }.reversed())
            }
            if f.weightsStationary {
                let word = unpackB(w, lanes: C), streamed = unpackA(x, lanes: kd)
                p[StreamSignal.weightRow] = word.values
                p[StreamSignal.streamedColumn] = streamed.values
                if let indices = word.indices { p[StreamSignal.weightIndex] = indices }
                if !word.exponents.isEmpty { p[StreamSignal.exponentVector] = switchedIn(word.exponents, "e") }
                if let scale = streamed.scales.first { p[StreamSignal.exponentVectorA] = scale }   // the vector's row of A
            } else {
                let word = unpackB(x, lanes: kd), held = unpackA(w, lanes: C)
                p[StreamSignal.streamedColumn] = word.values
                p[StreamSignal.weightRow] = held.values
                if let e = word.exponents.first { p[StreamSignal.exponentVector] = e }   // the vector's column
                if !held.scales.isEmpty { p[StreamSignal.exponentVectorA] = switchedIn(held.scales, "ea") }
            }
            if let flags = groupFlags {
                p[StreamSignal.groupStart] = flags.start
                p[StreamSignal.groupEnd] = flags.end
            }
            return p
        }, resultsDue: accept & tileLast & lastK, results: P, lastBeat: accept & tileLast & ~hasNext)
    }
}
