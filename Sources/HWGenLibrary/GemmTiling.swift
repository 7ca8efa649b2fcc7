import HWGenTypes
import HWGenGolden

/// A GEMM larger than a GEMM engine's buffers, run as a sequence of runs that fit ("chunks"): the
/// host splits K, then M, then N, loads each chunk's A and B lines, starts the run, reads its C
/// lines back (adding the partial sums of K chunks itself), and goes on to the next.
///
/// Chunk sizes: for K chunks from the largest that fits (all of K if it does) down by halves, the
/// largest M with that K (and N = 1), then the largest N with both; the candidate with the fewest
/// cycles is taken. The host moves one buffer line per cycle
/// (``GemmEngine/hostLines(m:k:n:)``). Without double buffering a chunk costs its loads, its run
/// (the golden model's cycles) and its C read-back in sequence; with double buffering the next
/// chunk's loads and the previous chunk's read-back overlap the current run, so each run costs
/// max(run, next loads + previous read-back), plus the first loads and the last read-back.
/// A model of the host schedule, not of RTL: each chunk's run is what the RTL is checked against.
public struct GemmTiling: Sendable, Equatable {
    /// The chunk's largest size along M, K, N.
    public var m: Int, k: Int, n: Int
    /// Chunks along M, K, N.
    public var countM: Int, countK: Int, countN: Int
    /// Cycles of the whole GEMM (loads, runs, read-backs) and of the runs alone.
    public var cycles: Int
    public var runCycles: Int
    /// Buffer lines moved by the host: A and B loaded, C read back.
    public var linesIn: Int, linesOut: Int
    /// Bytes those lines carry (a line: one word per bank, words rounded up to whole bytes).
    public var bytesIn: Int, bytesOut: Int

    public var chunks: Int { countM * countK * countN }
}

extension GemmEngine {
    /// Host buffer lines of one run: A and B words per bank written, C words per bank read.
    public func hostLines(m: Int, k: Int, n: Int) -> (a: Int, b: Int, c: Int) {
        let w = need(m: m, k: k, n: n)
        return (w.a.0, w.b.0, w.c.0)
    }

    /// The chunking of an M×K×N GEMM (``GemmTiling``) with the fewest cycles among K chunk sizes
    /// halved from the largest that fits, `run` giving a chunk's golden cycles; nil when not even a
    /// 1×1×1 run fits.
    public func tiling(m: Int, k: Int, n: Int, run: (GemmShape) -> Int) -> GemmTiling? {
        func fits(_ m: Int, _ k: Int, _ n: Int) -> Bool { fitProblem(m: m, k: k, n: n) == nil }
        /// The largest x in 1...hi with ok(x), for ok true up to a point and false beyond.
        func largest(_ hi: Int, _ ok: (Int) -> Bool) -> Int? {
            guard ok(1) else { return nil }
            var (lo, up) = (1, hi)
            while lo < up {
                let mid = (lo + up + 1) / 2
                if ok(mid) { lo = mid } else { up = mid - 1 }
            }
            return lo
        }
        guard let kMax = largest(k, { fits(1, $0, 1) }) else { return nil }
        // K chunks from the largest that fits down by halves: a shorter K leaves room for more of
        // M and N; the schedule with the fewest cycles wins (the first of equals).
        var best: GemmTiling? = nil
        var kc = kMax
        while true {
            if let mc = largest(m, { fits($0, kc, 1) }), let nc = largest(n, { fits(mc, kc, $0) }) {
                let t = schedule(m: m, k: k, n: n, mc: mc, kc: kc, nc: nc, run: run)
                if best == nil || t.cycles < best!.cycles { best = t }
            }
            if kc == 1 { break }
            kc = (kc + 1) / 2
        }
        return best
    }

    private func schedule(m: Int, k: Int, n: Int, mc: Int, kc: Int, nc: Int, run: (GemmShape) -> Int) -> GemmTiling {
        let (cm, ck, cn) = (ceilDiv(m, mc), ceilDiv(k, kc), ceilDiv(n, nc))
        let (aLine, bLine, cLine) = (aBanks * ((aWordType.bits + 7) / 8), bBanks * ((bWordType.bits + 7) / 8), cBanks * ((cType.bits + 7) / 8))
        // Runs in order (M, N outer, K inner), each with its loads and read-back; at most 8 distinct shapes.
        var memo: [GemmShape: (load: Int, run: Int, read: Int, bytesIn: Int, bytesOut: Int)] = [:]
        func step(_ s: GemmShape) -> (load: Int, run: Int, read: Int, bytesIn: Int, bytesOut: Int) {
            if let v = memo[s] { return v }
            let h = hostLines(m: s.m, k: s.k, n: s.n)
            let v = (h.a + h.b, run(s), h.c, h.a * aLine + h.b * bLine, h.c * cLine)
            memo[s] = v
            return v
        }
        var runs = 0, linesIn = 0, linesOut = 0, bytesIn = 0, bytesOut = 0, total = 0
        var previousRead = 0, first = true
        var pending: (load: Int, run: Int, read: Int, bytesIn: Int, bytesOut: Int)? = nil
        func account(_ s: (load: Int, run: Int, read: Int, bytesIn: Int, bytesOut: Int), next: Int) {
            runs += s.run; linesIn += s.load; linesOut += s.read; bytesIn += s.bytesIn; bytesOut += s.bytesOut
            if doubleBuffer {
                if first { total += s.load; first = false }
                total += max(s.run, next + previousRead)
                previousRead = s.read
            } else {
                total += s.load + s.run + s.read
            }
        }
        for i in 0..<cm {
            for j in 0..<cn {
                for l in 0..<ck {
                    let s = step(GemmShape(m: min(mc, m - i * mc), k: min(kc, k - l * kc), n: min(nc, n - j * nc)))
                    if let p = pending { account(p, next: s.load) }
                    pending = s
                }
            }
        }
        if let p = pending {
            account(p, next: 0)
            if doubleBuffer { total += p.read }
        }
        return GemmTiling(m: mc, k: kc, n: nc, countM: cm, countK: ck, countN: cn, cycles: total, runCycles: runs,
                          linesIn: linesIn, linesOut: linesOut, bytesIn: bytesIn, bytesOut: bytesOut)
    }
}

/// Accesses of one buffer kind's memory macros during one run.
public struct BufferAccesses: Sendable, Equatable {
    /// `A`, `B` or `C`.
    public var buffer: String
    /// The bank macro (``SRAMBank``) and how many banks the buffer has.
    public var bank: SRAMBank
    public var banks: Int
    /// Reads and writes, all banks together.
    public var reads: Int
    public var writes: Int
}

extension GemmEngine {
    /// Beats the controller feeds the engine in one run (each reads one word of every A and B
    /// bank): a tile stream's tiles × beats, or a stationary stream's first R load beats and P
    /// vectors per tile.
    public func feedBeats(m: Int, k: Int, n: Int) -> Int {
        switch feed {
        case .tiles(let f):
            return ceilDiv(m, f.tileRows) * ceilDiv(n, f.tileCols) * ceilDiv(k, f.depth)
        case .stationary(let f):
            let (x, st) = f.weightsStationary ? (m, n) : (n, m)
            return f.rows + ceilDiv(st, f.cols) * ceilDiv(x, f.tileBeats) * ceilDiv(k, f.depth) * f.tileBeats
        }
    }

    /// The memory macro accesses of one M×K×N run as the RTL makes them: the host writes each A
    /// and B line once (one word per bank); the engine reads one word of every A and B bank per
    /// fed beat and on the `start` cycle; each result is written to its C bank once. A
    /// single-buffered C bank's read port is enabled whenever the engine is idle, so it reads once
    /// per bank in every cycle the host spends loading A and B and reading C back. A double-buffered
    /// one reads every cycle: those reads are not counted here but by the caller, from the cycles of
    /// the whole schedule (``cReadsEveryCycle``).
    public func accesses(m: Int, k: Int, n: Int, design: String) -> [BufferAccesses] {
        let lines = hostLines(m: m, k: k, n: n), beats = feedBeats(m: m, k: k, n: n) + 1, sets = doubleBuffer ? 2 : 1
        let results = need(m: m, k: k, n: n).c.0
        let cReads = doubleBuffer ? 0 : (lines.a + lines.b + lines.c) * cBanks
        // A and B banks of each width (a lane that takes its scale or exponent from another
        // lane stores none).
        let a = Dictionary(grouping: 0..<aBanks, by: aReadBits).sorted { $0.key > $1.key }.map { bits, banks in
            BufferAccesses(buffer: "A", bank: SRAMBank(design: design, words: aDepth * sets, bits: bits), banks: banks.count,
                           reads: beats * banks.count, writes: lines.a * banks.count)
        }
        let b = Dictionary(grouping: 0..<bBanks, by: bReadBits).sorted { $0.key > $1.key }.map { bits, banks in
            BufferAccesses(buffer: "B", bank: SRAMBank(design: design, words: bDepth * sets, bits: bits), banks: banks.count,
                           reads: beats * banks.count, writes: lines.b * banks.count)
        }
        let c = BufferAccesses(buffer: "C", bank: SRAMBank(design: design, words: cDepth * sets, bits: cType.bits), banks: cBanks,
                               reads: cReads, writes: results * cBanks)
        return a + b + [c]
    }

    /// Whether the C banks' read port is always enabled (double buffering: the host may read the
    /// previous run's results at any time), one read per bank per cycle.
    public var cReadsEveryCycle: Bool { doubleBuffer }
}
