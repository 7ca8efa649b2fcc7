import HWGenTypes
import HWGenCore
import HWGenGolden

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
    /// Requantization of each result on its way into the C buffer, or nil.
    public let epilogue: Epilogue?
    /// MixPE group size G: B words also carry their group's exponent, and the controller flags
    /// group starts and ends.
    public let group: Int?

    /// nil when the engine has no ``GemmFeed``.
    public init?(array: any Engine, types: MACTypes, aWords: Int, bWords: Int, cWords: Int, doubleBuffer: Bool,
                 epilogue: Epilogue? = nil, group: Int? = nil) {
        guard let feed = array.gemmFeed else { return nil }
        self.epilogue = epilogue
        self.group = group
        self.array = array
        self.types = types
        self.feed = feed
        self.aWords = aWords
        self.bWords = bWords
        self.cWords = cWords
        self.doubleBuffer = doubleBuffer
    }

    /// Banks: A and B lanes of a beat, and output lanes.
    public var aBanks: Int {
        switch feed {
        case .tiles(let f): return f.aLanes.count
        case .stationary(let f): return f.weightsStationary ? f.depth : f.cols
        }
    }
    public var bBanks: Int {
        switch feed {
        case .tiles(let f): return f.bLanes.count
        case .stationary(let f): return f.weightsStationary ? f.cols : f.rows
        }
    }
    public var cBanks: Int { array.outputLanes }

    /// MX: every A word carries the E8M0 scale of its element's block above the element (B words
    /// carry B's in their exponent field).
    var aScaleBits: Int { types.float?.isBlockScaled == true && group != nil ? FloatMAC.scaleType.bits : 0 }
    /// An A bank's word: A's type, or with MX `{scale, value}`.
    public var aWordType: HWType { aScaleBits == 0 ? types.a : .u(aScaleBits + types.a.bits) }

    /// An A word for the host: value (masked to its width) and MX scale packed.
    private func packA(_ value: Int64, scale: Int64) -> Int64 {
        aScaleBits == 0 ? value : scale << Int64(types.a.bits) | (value & ((1 << Int64(types.a.bits)) - 1))
    }

    /// The fields of an A bank word read in hardware: the values packed as the engine's port
    /// takes them, and each lane's scale (MX).
    func unpackA(_ word: Value, lanes: Int) -> (values: Value, scales: [Value]) {
        let v = types.a.bits, w = aWordType.bits
        guard aScaleBits > 0 else { return (word, []) }
        return (concat((0..<lanes).reversed().map { word.bits($0 * w + v - 1, $0 * w) }), (0..<lanes).map { word.bits($0 * w + w - 1, $0 * w + v) })
    }

    /// Bits of A bank i's word the hardware reads: the scale only in a lane the engine takes a
    /// row's scale from (element 0 of a tile beat's row, of a WS vector; every IS column).
    func aReadBits(_ bank: Int) -> Int {
        guard aScaleBits > 0 else { return aWordType.bits }
        switch feed {
        case .tiles(let t): return t.aLanes[bank].k == 0 ? aWordType.bits : types.a.bits
        case .stationary(let s): return !s.weightsStationary || bank == 0 ? aWordType.bits : types.a.bits
        }
    }

    /// A B bank's word: B's type, or `{exponent, index, value}` with the fields that apply: the
    /// in-group index of N:M sparse weights, the exponent of the word's group with `mac.group`.
    public var bWordType: HWType {
        let f = bFields
        return f.index + f.exponent == 0 ? types.b : .u(f.exponent + f.index + f.value)
    }

    /// Bits of a B word's fields.
    private var bFields: (value: Int, index: Int, exponent: Int) {
        var index = 0
        if case .tiles(let f) = feed, let sp = f.sparse { index = sp.pattern.indexBits }
        if case .stationary(let f) = feed, let sp = f.sparsity { index = sp.indexBits }
        // Groups with scales (MixPE exponents, MX's B scales); promotion groups have none.
        let scaled = group != nil && types.float?.promoteEvery == nil
        return (types.b.bits, index, !scaled ? 0 : types.float?.isBlockScaled == true ? FloatMAC.scaleType.bits : MACConfig.exponentType.bits)
    }

    /// A B word for the host: value (masked to its width), index and exponent packed.
    private func packB(_ value: Int64, index: Int64 = 0, exponent: Int64 = 0) -> Int64 {
        let f = bFields
        guard f.index + f.exponent > 0 else { return value }
        return exponent << Int64(f.index + f.value) | index << Int64(f.value) | (value & ((1 << Int64(f.value)) - 1))
    }

    /// The fields of a B bank word read in hardware, lane by lane (lane 0 in the low bits): the
    /// values and indices packed as the engine's ports take them, and each lane's exponent.
    func unpackB(_ word: Value, lanes: Int) -> (values: Value, indices: Value?, exponents: [Value]) {
        let f = bFields, w = f.value + f.index + f.exponent
        guard f.index + f.exponent > 0 else { return (word, nil, []) }
        let values = concat((0..<lanes).reversed().map { word.bits($0 * w + f.value - 1, $0 * w) })
        let indices = f.index == 0 ? nil : concat((0..<lanes).reversed().map { word.bits($0 * w + f.value + f.index - 1, $0 * w + f.value) })
        let exponents = f.exponent == 0 ? [] : (0..<lanes).map { word.bits($0 * w + w - 1, $0 * w + f.value + f.index) }
        return (values, indices, exponents)
    }

    /// Bits of B bank i's word the hardware reads: all of them, or without the exponent field in
    /// a lane whose exponent the engine takes from another lane (a tree or cube column reads it
    /// from one lane of the beat, an IS vector from its first lane). The host format keeps the
    /// field in every word; the bank's read register holds only what is read.
    func bReadBits(_ bank: Int) -> Int {
        let f = bFields, all = f.value + f.index + f.exponent
        guard f.exponent > 0 else { return bWordType.bits }
        switch feed {
        case .tiles(let t): return t.group.map { $0.lanes.contains(bank) } ?? true ? all : all - f.exponent
        case .stationary(let s): return s.weightsStationary || bank == 0 ? all : all - f.exponent
        }
    }

    /// Words per bank (per set).
    public var aDepth: Int { aWords / aBanks }
    public var bDepth: Int { bWords / bBanks }
    public var cDepth: Int { cWords / cBanks }

    /// Width of `cfg_m`, `cfg_k`, `cfg_n`.
    public static let dimBits = 16

    /// The unit on each result's way into the C buffer: the epilogue, or a float MAC's FP32
    /// conversion; nil when results are stored as accumulated (an FP32 accumulator's too).
    public var resultUnit: (any ResultUnit)? {
        if let e = epilogue { return EpilogueUnit(e, input: types.acc) }
        return types.float.flatMap { $0.accumulatesInFP32 ? nil : FloatResultUnit($0) }
    }

    /// Type of a C word: the result unit's output, else the accumulator.
    public var cType: HWType { resultUnit?.out ?? types.acc }

    /// Cycles the epilogue adds to every result: its stages, and with per-column scales the
    /// registered read of the column's M and n.
    public var epilogueLatency: Int { (resultUnit?.cycles ?? 0) + (epilogue?.perColumn == true ? 1 : 0) }

    /// The most columns N any GEMM that fits the buffers can have (the per-column table's reach).
    public var maxColumns: Int {
        switch feed {
        case .tiles(let f): return min(cDepth / f.resultsPerTile, bDepth) * f.tileCols
        case .stationary(let f): return f.weightsStationary ? cDepth / f.tileBeats * f.cols : cDepth
        }
    }

    /// Entries of the per-column scale table (`ep_waddr` addresses them): a power of two ≥ ``maxColumns``.
    public var columnTableDepth: Int {
        var d = 2
        while d < min(maxColumns, 1 << Self.dimBits) { d *= 2 }
        return d
    }

    /// Words per bank A·B needs: (A, B, C), each with how it is counted.
    func need(m: Int, k: Int, n: Int) -> (a: (Int, String), b: (Int, String), c: (Int, String)) {
        switch feed {
        case .tiles(let f):
            let tilesR = ceilDiv(m, f.tileRows), tilesC = ceilDiv(n, f.tileCols), beats = ceilDiv(k, f.depth)
            let perTile = f.depth == 1 ? "K" : "⌈K/\(f.depth)⌉"
            return ((tilesR * beats, "⌈M/\(f.tileRows)⌉·\(perTile)"), (tilesC * beats, "⌈N/\(f.tileCols)⌉·\(perTile)"),
                    (tilesR * tilesC * f.resultsPerTile, "⌈M/\(f.tileRows)⌉·⌈N/\(f.tileCols)⌉·\(f.resultsPerTile)"))
        case .stationary(let f):
            let (R, C, P) = (f.rows, f.cols, f.tileBeats)
            let (x, sx) = f.weightsStationary ? (m, "M") : (n, "N"), (st, ss) = f.weightsStationary ? (n, "N") : (m, "M")
            let kd = f.depth
            let streamed = (ceilDiv(x, P) * ceilDiv(k, kd) * P, "⌈\(sx)/\(P)⌉·⌈K/\(kd)⌉·\(P)")
            let held = (ceilDiv(st, C) * ceilDiv(k, kd) * R, "⌈\(ss)/\(C)⌉·⌈K/\(kd)⌉·\(R)")
            let results = (ceilDiv(st, C) * ceilDiv(x, P) * P, "⌈\(ss)/\(C)⌉·⌈\(sx)/\(P)⌉·\(P)")
            return f.weightsStationary ? (streamed, held, results) : (held, streamed, results)
        }
    }

    /// Why a GEMM does not fit the buffers, or nil when it does.
    public func fitProblem(m: Int, k: Int, n: Int) -> String? {
        let w = need(m: m, k: k, n: n)
        if w.a.0 > aDepth { return "A needs \(w.a.0) words per bank (\(w.a.1)), the buffer has \(aDepth) (a_words \(aWords) / \(aBanks) banks)" }
        if w.b.0 > bDepth { return "B needs \(w.b.0) words per bank (\(w.b.1)), the buffer has \(bDepth) (b_words \(bWords) / \(bBanks) banks)" }
        if w.c.0 > cDepth { return "C needs \(w.c.0) words per bank (\(w.c.1)), the buffer has \(cDepth) (c_words \(cWords) / \(cBanks) banks)" }
        if epilogue?.perColumn == true && n > columnTableDepth {
            return "the per-column scale table holds \(columnTableDepth) columns, N is \(n)"
        }
        return nil
    }

    /// What the host writes and reads for A·B: A and B buffer lines (one word per bank), and for
    /// each C line and output lane the index in C (row·N + col) of the result it holds, nil for
    /// padding. Tiles: A word tr·Kb + c, B word tc·Kb + c (Kb beats per tile). Stationary: the
    /// streamed operand's word (x·Kt + k)·P + e (chunk x, K tile k, vector e), the stationary one's
    /// (s·Kt + k)·R + R − 1 − i (its row i of tile (s, k)), C's (s·X + x)·P + e.
    /// With `mac.group` G, every B word also holds the exponent E[g][column] of its group g
    /// (its element of K divided by G) and its column of C.
    /// With MX, every A word also holds the scale S[row][element / G] of its block (tile feeds).
    public func hostData(a: IntMatrix, b: IntMatrix, exponents: IntMatrix? = nil, scalesA: IntMatrix? = nil)
        -> (aLines: [[Int64]], bLines: [[Int64]], cMap: [[Int?]]) {
        let (m, k, n) = (a.rows, a.cols, b.cols)
        /// The exponent of the group holding element kk of K, for column c of C (0 outside).
        func exponent(_ kk: Int, _ c: Int) -> Int64 {
            guard let g = group, let e = exponents, kk / g < e.rows, c < n else { return 0 }
            return e[kk / g, c]
        }
        switch feed {
        case .tiles(let f):
            let tilesR = ceilDiv(m, f.tileRows), tilesC = ceilDiv(n, f.tileCols), beats = ceilDiv(k, f.depth)
            let aLines = (0..<tilesR * beats).map { x in f.aLanes.map { lane -> Int64 in
                let (r, e) = (x / beats * f.tileRows + lane.row, x % beats * f.depth + lane.k)
                guard r < m && e < k else { return 0 }
                let scale = group.flatMap { g in scalesA.map { $0[r, e / g] } } ?? 0
                return packA(a[r, e], scale: scale) } }
            let bLines: [[Int64]]
            if let sp = f.sparse {
                // Stored weights with their in-group indices, packed {index, value}.
                let cb = SparseWeights.compress(b, sp.pattern)
                bLines = (0..<tilesC * beats).map { x in f.bLanes.map { lane -> Int64 in
                    let (e, c) = (x % beats * sp.storedDepth + lane.k, x / beats * f.tileCols + lane.col)
                    guard e < cb.values.rows && c < n else { return 0 }
                    return packB(cb.values[e, c], index: cb.indices[e, c], exponent: exponent(x % beats * f.depth, c)) } }
            } else {
                bLines = (0..<tilesC * beats).map { x in f.bLanes.map { lane -> Int64 in
                    let (e, c) = (x % beats * f.depth + lane.k, x / beats * f.tileCols + lane.col)
                    return e < k && c < n ? packB(b[e, c], exponent: exponent(x % beats * f.depth, c)) : 0 } }
            }
            let cMap = (0..<tilesR * tilesC * f.resultsPerTile).map { x in (0..<cBanks).map { l -> Int? in
                let t = x / f.resultsPerTile
                let at = f.resultAt(l, x % f.resultsPerTile)
                let (r, c) = (t / tilesC * f.tileRows + at.row, t % tilesC * f.tileCols + at.col)
                return r < m && c < n ? r * n + c : nil } }
            return (aLines, bLines, cMap)
        case .stationary(let f):
            let (R, C, P, ws) = (f.rows, f.cols, f.tileBeats, f.weightsStationary)
            let (xCount, sCount) = ws ? (m, n) : (n, m)
            func xValue(_ x: Int, _ kk: Int) -> Int64 { ws ? a[x, kk] : b[kk, x] }
            func sValue(_ kk: Int, _ s: Int) -> Int64 { ws ? b[kk, s] : a[s, kk] }
            let kd = f.depth
            let (chunks, kTiles, sTiles) = (ceilDiv(xCount, P), ceilDiv(k, kd), ceilDiv(sCount, C))
            /// MX: A's scale of row r for element kk of K.
            func scaleA(_ r: Int, _ kk: Int) -> Int64 { group.flatMap { g in scalesA.map { $0[r, kk / g] } } ?? 0 }
            let streamed = (0..<chunks * kTiles * P).map { w in (0..<kd).map { i -> Int64 in
                let (x, kk) = (w / (kTiles * P) * P + w % P, w / P % kTiles * kd + i)
                guard x < xCount && kk < k else { return 0 }
                // IS streams B: its words carry the exponent of the vector's column; WS streams A,
                // whose words carry their block's scale.
                return ws ? packA(xValue(x, kk), scale: scaleA(x, kk)) : packB(xValue(x, kk), exponent: exponent(w / P % kTiles * kd, x)) } }
            // Stationary row r of tile (s, kt): row kt·R + r of B (or of B compressed, packed
            // {index, value}).
            let compressed = f.sparsity.map { SparseWeights.compress(b, $0) }
            let held = (0..<sTiles * kTiles * R).map { w in (0..<C).map { j -> Int64 in
                let (s, r) = (w / (kTiles * R) * C + j, w / R % kTiles * R + R - 1 - w % R)
                // WS holds B: its words carry the exponent of the tile's group for their column.
                let e = ws ? exponent(w / R % kTiles * kd, s) : 0
                if let cb = compressed {
                    guard s < sCount && r < cb.values.rows else { return 0 }
                    return packB(cb.values[r, s], index: cb.indices[r, s], exponent: e)
                }
                guard s < sCount && r < k else { return 0 }
                return ws ? packB(sValue(r, s), exponent: e) : packA(sValue(r, s), scale: scaleA(s, r)) } }
            let cMap = (0..<sTiles * chunks * P).map { w in (0..<C).map { j -> Int? in
                let (s, x) = (w / (chunks * P) * C + j, w % (chunks * P))
                guard s < sCount && x < xCount else { return nil }
                return ws ? x * n + s : s * n + x } }
            return ws ? (streamed, held, cMap) : (held, streamed, cMap)
        }
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let t = types
        let (A, B, L) = (aBanks, bBanks, cBanks)
        let engine = array.module(name: "\(name)_array", origin: nil)
        let design = name
        let sets = doubleBuffer ? 2 : 1
        func bits(_ depth: Int) -> Int { max(1, depth.trailingZeroBitCount) }
        let (aBits, bBits, cBits) = (bits(aDepth), bits(bDepth), bits(cDepth))
        let dim = HWType.u(Self.dimBits)
        let doc = "\(array.summary) with A/B/C buffers (\(aWords)/\(bWords)/\(cWords) words"
            + (doubleBuffer ? ", double-buffered" : "") + ") and a tiling controller."
        var top = Module(name, doc: doc) { m in
            let start = m.input("start", .bit)
            let cfgM = m.input("cfg_m", dim), cfgK = m.input("cfg_k", dim), cfgN = m.input("cfg_n", dim)
            let aWe = m.input("a_we", .bit), aWaddr = m.input("a_waddr", .u(aBits)), aWdata = m.input("a_wdata", .u(A * aWordType.bits))
            let bWe = m.input("b_we", .bit), bWaddr = m.input("b_waddr", .u(bBits)), bWdata = m.input("b_wdata", .u(B * bWordType.bits))
            let cRaddr = m.input("c_raddr", .u(cBits))
            let tableBits = bitsFor(columnTableDepth - 1)
            let table = epilogue.flatMap { $0.perColumn ? $0 : nil }.map { _ in
                (we: m.input("ep_we", .bit), addr: m.input("ep_waddr", .u(tableBits)),
                 mult: m.input("ep_wmult", Epilogue.multiplierType), shift: m.input("ep_wshift", Epilogue.shiftType))
            }

            // Controller state.
            let busy = m.register("busy", .bit, reset: 0)
            let feeding = m.register("feeding", .bit, reset: 0)
            let done = m.register("done_q", .bit, reset: 0)
            let kReg = m.register("cfg_k_q", dim, reset: nil), mReg = m.register("cfg_m_q", dim, reset: nil)
            let nReg = m.register("cfg_n_q", dim, reset: nil)
            let go = m.wire("go", start & ~busy)
            let inReady = m.wire(StreamSignal.inReady, .bit)
            let accept = m.wire("accept", feeding & inReady)
            kReg.next(cfgK, enable: go)
            mReg.next(cfgM, enable: go)
            nReg.next(cfgN, enable: go)
            let state = (go: go, accept: accept, m: mReg.value, k: kReg.value, n: nReg.value, aBits: aBits, bBits: bBits)
            let control: Control
            switch feed {
            case .tiles(let f): control = tileControl(m, f, state)
            case .stationary(let f): control = stationaryControl(m, f, state)
            }
            let expected = m.register("expected", .u(cBits + 1), reset: nil)
            expected.next(go.select(Value.constant(0, expected.type), (expected + control.results).wrapped(to: expected.type)),
                          enable: go | control.resultsDue)
            feeding.next(go | (feeding & ~control.lastBeat))

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

            // A and B banks (memory macros): host writes; reads at the next address (from the set
            // `start` hands over) while the engine is fed — the stream ignores its data otherwise.
            let readSet = runSel.map { go.select(fillSel!, $0) }
            let feedRead = go | feeding.value
            // Bank i's word is the low `kept(i)` bits of what the macro reads (zero above them).
            func banks(_ name: String, _ count: Int, _ type: HWType, depth: Int, kept: (Int) -> Int = { _ in 0 },
                       write: (addr: Value, data: Value, enable: Value), read: Value) -> [Value] {
                return (0..<count).map { i in
                    // A bank stores only the bits the engine reads (its own macro when narrower).
                    let keep = kept(i) > 0 ? kept(i) : type.bits
                    let macro = SRAMBank(design: design, words: depth * sets, bits: keep).module
                    let data = write.data.lane(i, type).asUnsigned
                    // The host's word still carries the field; nothing reads it (a lint-waived wire).
                    if keep < type.bits { _ = m.wire("\(name)_bank\(i)_unstored", data.bits(type.bits - 1, keep)) }
                    let word = m.instance(macro, "\(name)_bank\(i)", [
                        "we": write.enable, "waddr": address(fillSel, write.addr), "wdata": keep < type.bits ? data.bits(keep - 1, 0) : data,
                        "re": feedRead, "raddr": address(readSet, read)])["rdata"]
                    return keep < type.bits ? concat([Value.constant(0, .u(type.bits - keep)), word]) : word
                }
            }
            let aWord = concat(banks("a", A, aWordType, depth: aDepth, kept: aReadBits, write: (aWaddr, aWdata, aWe), read: control.aNext).reversed())
            let bWord = concat(banks("b", B, bWordType, depth: bDepth, kept: bReadBits, write: (bWaddr, bWdata, bWe), read: control.bNext).reversed())

            // The engine's stream: the controller's ports, every other one 0.
            var ports: [String: Value] = [StreamSignal.inValid: feeding.value]
            for p in array.streamPorts { ports[p.name] = Value.constant(0, .u(p.bits)) }
            ports.merge(control.ports(aWord, bWord)) { $1 }
            let out = m.instance(engine, "array", ports)
            inReady.drive(out[StreamSignal.inReady])

            // Results as they reach the C banks: with an epilogue, requantized (and later).
            var captured: [(valid: Value, data: Value)] = (0..<L).map { l in (out[StreamSignal.outValid][l], out[StreamSignal.outData].lane(l, t.acc)) }
            if let result = resultUnit {
                let unit = result.module
                var columns: [Value] = []
                var scales: (mult: MemoryHandle, shift: MemoryHandle)? = nil
                if let table {
                    // The host writes M and n of column c at c; each lane looks up its result's column.
                    let mult = m.memory("ep_mult", Epilogue.multiplierType, depth: columnTableDepth)
                    let shift = m.memory("ep_shift", Epilogue.shiftType, depth: columnTableDepth)
                    mult.write(table.addr, table.mult, enable: table.we)
                    shift.write(table.addr, table.shift, enable: table.we)
                    scales = (mult, shift)
                    columns = resultColumns(m, captured.map(\.valid), go: go, mExtent: mReg.value, nExtent: nReg.value)
                }
                captured = captured.enumerated().map { l, c in
                    var ports: [String: Value] = ["acc": c.data]
                    var valid = c.valid
                    if let scales {
                        // A registered read of the column's M and n (0 beyond N: padding), with acc a cycle later.
                        let col = columns[l]
                        let inRange = m.delay(col < nReg.value, "ep_in_range\(l)")
                        let q = (m.delay(scales.mult[col.bits(tableBits - 1, 0)], "ep_mult_q\(l)", reset: nil),
                                 m.delay(scales.shift[col.bits(tableBits - 1, 0)], "ep_shift_q\(l)", reset: nil))
                        ports = ["acc": m.delay(c.data, "ep_acc\(l)", reset: nil),
                                 "mult": inRange.select(q.0, Value.constant(0, Epilogue.multiplierType)),
                                 "shift": inRange.select(q.1, Value.constant(0, Epilogue.shiftType))]
                        valid = m.delay(valid, "ep_valid\(l)_d0")
                    }
                    let y = m.instance(unit, "\(result.instancePrefix)\(l)", ports)["y"]
                    for k in 0..<result.cycles { valid = m.delay(valid, "ep_valid\(l)_d\(k + 1)") }
                    return (valid, y)
                }
            }

            // C banks: lane l's results in order; the run is done when every lane has them all.
            var cData: [Value] = [], complete: [Value] = []
            for l in 0..<L {
                let valid = captured[l].valid
                let count = m.register("c_count\(l)", .u(cBits + 1), reset: nil)
                let after = m.wire("c_count\(l)_next", (count + valid.extended(to: .u(1))).wrapped(to: count.type))
                count.next(go.select(Value.constant(0, count.type), after), enable: go | valid)
                // The host's read port: a single set is read between runs (a run overwrites it);
                // double-buffered, the previous run's set is read while the next one runs.
                let macro = SRAMBank(design: name, words: cDepth * sets, bits: cType.bits).module
                cData.append(m.instance(macro, "c_bank\(l)", [
                    "we": valid, "waddr": address(runSel, count.value.bits(cBits - 1, 0)), "wdata": captured[l].data.asUnsigned,
                    "re": doubleBuffer ? Value.constant(1, .bit) : ~busy.value, "raddr": address(readSel, cRaddr)])["rdata"])
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
