/// An output-stationary (or 2D-Matrix) array wrapped with A, B and C buffers and a tiling
/// controller (`gemm:` in a spec): the host loads the buffers, writes M, K, N and pulses
/// `start`, waits for `done` and reads C back.
///
/// Buffers are inferred memories banked by lane, so the array gets a full A column and B row
/// every cycle: A bank i holds rows r ≡ i (mod R) at word tr·K + k (written R words at a time on
/// `a_wdata` at `a_waddr`), B bank j holds columns c ≡ j (mod C) at word tc·K + k, and C bank i
/// receives row i's results, tile after tile, C words per tile (read R words at a time on
/// `c_rdata`, one cycle after `c_raddr`). Each read uses the next address, so the word for the
/// current element is always ready and the array is fed back to back. With `double_buffer`
/// every buffer has two sets: `start` hands the set the host just filled to the array and points
/// the host at the other, so the next GEMM's operands load while this one computes, and C of the
/// last finished run stays readable while the next runs.
public struct GemmEngine: Sendable {
    public let array: SystolicOS
    /// Words per set: A and B (each a multiple of the bank count, per-bank depth a power of two).
    public let aWords: Int
    public let bWords: Int
    public let cWords: Int
    public let doubleBuffer: Bool

    public init(array: SystolicOS, aWords: Int, bWords: Int, cWords: Int, doubleBuffer: Bool) {
        self.array = array
        self.aWords = aWords
        self.bWords = bWords
        self.cWords = cWords
        self.doubleBuffer = doubleBuffer
    }

    /// Words per bank (per set).
    public var aDepth: Int { aWords / array.rows }
    public var bDepth: Int { bWords / array.cols }
    public var cDepth: Int { cWords / array.rows }

    /// Width of `cfg_m`, `cfg_k`, `cfg_n`.
    public static let dimBits = 16

    /// Why a GEMM does not fit the buffers, or nil when it does.
    public func fitProblem(m: Int, k: Int, n: Int) -> String? {
        let (R, C) = (array.rows, array.cols)
        let tilesR = (m + R - 1) / R, tilesC = (n + C - 1) / C
        if tilesR * k > aDepth { return "A needs \(tilesR * k) words per bank (⌈M/R⌉·K), the buffer has \(aDepth) (a_words \(aWords) / \(R) banks)" }
        if tilesC * k > bDepth { return "B needs \(tilesC * k) words per bank (⌈N/C⌉·K), the buffer has \(bDepth) (b_words \(bWords) / \(C) banks)" }
        if tilesR * tilesC * C > cDepth {
            return "C needs \(tilesR * tilesC * C) words per bank (⌈M/R⌉·⌈N/C⌉·C), the buffer has \(cDepth) (c_words \(cWords) / \(R) banks)"
        }
        return nil
    }

    /// What the host writes and reads for A·B: A buffer lines (word address tr·K + k: A[tr·R + i][k]
    /// in lane i), B lines (tc·K + k: B[k][tc·C + j] in lane j), and for each C line and row lane
    /// the index in C (row·N + col) of the result it holds, nil for padding.
    public func hostData(a: IntMatrix, b: IntMatrix) -> (aLines: [[Int64]], bLines: [[Int64]], cMap: [[Int?]]) {
        let (R, C) = (array.rows, array.cols)
        let (m, k, n) = (a.rows, a.cols, b.cols)
        let tilesR = ceilDiv(m, R), tilesC = ceilDiv(n, C)
        let aLines = (0..<tilesR * k).map { x in (0..<R).map { i -> Int64 in
            let r = x / k * R + i
            return r < m ? a[r, x % k] : 0 } }
        let bLines = (0..<tilesC * k).map { x in (0..<C).map { j -> Int64 in
            let c = x / k * C + j
            return c < n ? b[x % k, c] : 0 } }
        let cMap = (0..<tilesR * tilesC * C).map { x in (0..<R).map { i -> Int? in
            let t = x / C
            let (r, c) = (t / tilesC * R + i, t % tilesC * C + x % C)
            return r < m && c < n ? r * n + c : nil } }
        return (aLines, bLines, cMap)
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t) = (array.rows, array.cols, array.mac.types)
        let engine = array.module(name: "\(name)_array")
        let sets = doubleBuffer ? 2 : 1
        func bits(_ depth: Int) -> Int { max(1, depth.trailingZeroBitCount) }
        let (aBits, bBits, cBits) = (bits(aDepth), bits(bDepth), bits(cDepth))
        let dim = HWType.u(Self.dimBits)
        let doc = "\(array.summary) with A/B/C buffers (\(aWords)/\(bWords)/\(cWords) words"
            + (doubleBuffer ? ", double-buffered" : "") + ") and a tiling controller; \(array.mac)."
        var top = Module(name, doc: doc) { m in
            let start = m.input("start", .bit)
            let cfgM = m.input("cfg_m", dim), cfgK = m.input("cfg_k", dim), cfgN = m.input("cfg_n", dim)
            let aWe = m.input("a_we", .bit), aWaddr = m.input("a_waddr", .u(aBits)), aWdata = m.input("a_wdata", .u(R * t.a.bits))
            let bWe = m.input("b_we", .bit), bWaddr = m.input("b_waddr", .u(bBits)), bWdata = m.input("b_wdata", .u(C * t.b.bits))
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
            let lastK = m.wire("last_k", (kk + 1).wrapped(to: dim) == kReg)
            let lastCol = m.wire("last_col", (colBase + C) >= nReg)
            let lastRow = m.wire("last_row", (rowBase + R) >= mReg)
            let tileEnd = m.wire("tile_end", accept & lastK)
            kReg.next(cfgK, enable: go)
            mReg.next(cfgM, enable: go)
            nReg.next(cfgN, enable: go)
            kk.next(go.select(Value.constant(0, dim), lastK.select(Value.constant(0, dim), (kk + 1).wrapped(to: dim))),
                    enable: go | accept)
            colBase.next(go.select(Value.constant(0, dim), lastCol.select(Value.constant(0, dim), (colBase + C).wrapped(to: dim))),
                         enable: go | tileEnd)
            rowBase.next(go.select(Value.constant(0, dim), (rowBase + R).wrapped(to: dim)), enable: go | (tileEnd & lastCol))
            let aNextRow = m.wire("a_next_row", (aBase + kReg.value.wrapped(to: .u(min(aBits, Self.dimBits))).extended(to: .u(aBits))).wrapped(to: .u(aBits)))
            aBase.next(go.select(Value.constant(0, .u(aBits)), aNextRow), enable: go | (tileEnd & lastCol))
            // Next read addresses: the word of the element after an acceptance, else the current one.
            let aNext = m.wire("a_next", go.select(Value.constant(0, .u(aBits)),
                accept.select(tileEnd.select(lastCol.select(aNextRow, aBase.value), (aAddr + 1).wrapped(to: .u(aBits))), aAddr.value)))
            let bNext = m.wire("b_next", go.select(Value.constant(0, .u(bBits)),
                (tileEnd & lastCol).select(Value.constant(0, .u(bBits)), accept.select((bAddr + 1).wrapped(to: .u(bBits)), bAddr.value))))
            aAddr.next(aNext)
            bAddr.next(bNext)
            expected.next(go.select(Value.constant(0, expected.type), (expected + C).wrapped(to: expected.type)), enable: go | tileEnd)
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
            let aCol = banks("a", R, t.a, depth: aDepth, write: (aWaddr, aWdata, aWe), read: aNext)
            let bRow = banks("b", C, t.b, depth: bDepth, write: (bWaddr, bWdata, bWe), read: bNext)

            let out = m.instance(engine, "array", [
                "in_valid": feeding, "in_last": lastK,
                "a_col": concat(aCol.reversed()), "b_row": concat(bRow.reversed()),
            ])
            inReady.drive(out["in_ready"])

            // C banks: row i's results in order; the run is done when the last row has them all.
            var cData: [Value] = []
            var lastRowCount: Value? = nil
            for i in 0..<R {
                let valid = out["out_valid"][i]
                let count = m.register("c_count\(i)", .u(cBits + 1), reset: nil)
                count.next(go.select(Value.constant(0, count.type), (count + 1).wrapped(to: count.type)), enable: go | valid)
                let bank = m.memory("c_bank\(i)", t.acc, depth: cDepth * sets)
                bank.write(address(runSel, count.value.bits(cBits - 1, 0)), lane(out["out_data"], i, t.acc), enable: valid)
                let q = m.register("c_q\(i)", t.acc, reset: nil)
                q.next(bank[address(readSel, cRaddr)])
                cData.append(q.value.asUnsigned)
                if i == R - 1 { lastRowCount = m.wire("last_row_count", (count + 1).wrapped(to: count.type)) }
            }
            let finishing = m.wire("finishing", busy & ~feeding & ~go & out["out_valid"][R - 1] & (lastRowCount! == expected))
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
