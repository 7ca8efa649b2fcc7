import HWGenTypes

/// One result leaving a PE row's output port.
public struct OSOutputEvent: Hashable, Sendable {
    /// Tile index, row-major over the ⌈M/R⌉ × ⌈N/C⌉ output tiles.
    public let tile: Int
    /// PE column j in 0..<C that produced the result.
    public let col: Int
    /// Cycle in which the result is on the port (cycle 0 = first element accepted).
    public let cycle: Int

    public init(tile: Int, col: Int, cycle: Int) {
        self.tile = tile
        self.col = col
        self.cycle = cycle
    }
}

/// Cycle model of the output-stationary R×C systolic engine (the contract the RTL implements).
///
/// `pipeline` is the MAC's register stages (`mac.pipeline`): each delays every result by one cycle.
/// `elementCycles` (D) is the cycles a MAC spends on one element (`bitserial`: one per Booth digit):
/// the array then accepts an element only every D cycles, and a result appears D − 1 cycles later.
///
/// The M×K×N GEMM is split into T = ⌈M/R⌉·⌈N/C⌉ zero-padded R×C output tiles, fed in row-major
/// tile order, K elements each. The next element is offered in the cycle after an acceptance and
/// accepted D cycles after the previous one, except that a tile's last element waits until
/// ≥ 2C−1 cycles have passed since the previous tile's last element was accepted (the row drain
/// chains must be free). PE (i, j)'s result for tile t appears on row i's port in cycle
/// L_t + i + 2j + 2 + pipeline + D − 1, where L_t is when t's last element was accepted.
public enum GoldenTiming {
    /// Total cycles of a run (last output cycle + 1), in closed form:
    /// L_T + R + 2C + pipeline + D − 1 with L_T = (K − 1)·D + (T − 1)·max(K·D, 2C − 1).
    public static func osCycles(rows: Int, cols: Int, m: Int, k: Int, n: Int, pipeline: Int = 0,
                                elementCycles d: Int = 1) -> Int {
        checkShape(rows, cols, m, k, n)
        precondition(d >= 1, "GoldenTiming: elementCycles must be ≥ 1")
        let tiles = tileCount(rows: rows, cols: cols, m: m, n: n)
        let lastAccept = (k - 1) * d + (tiles - 1) * max(k * d, 2 * cols - 1)
        return lastAccept + rows + 2 * cols + pipeline + d - 1
    }

    /// Cycle in which each tile's last element is accepted (L_1 … L_T), found by stepping through
    /// the element stream one element and one stall cycle at a time.
    public static func osLastAcceptCycles(rows: Int, cols: Int, m: Int, k: Int, n: Int, elementCycles d: Int = 1) -> [Int] {
        checkShape(rows, cols, m, k, n)
        precondition(d >= 1, "GoldenTiming: elementCycles must be ≥ 1")
        var result: [Int] = []
        var cycle = 0                                   // cycle the next element is offered
        for _ in 0..<tileCount(rows: rows, cols: cols, m: m, n: n) {
            for e in 0..<k {
                if e == k - 1, let previous = result.last {
                    while cycle < previous + 2 * cols - 1 { cycle += 1 }   // stall: drain busy
                }
                if e == k - 1 { result.append(cycle) }
                cycle += d                              // accepted; the next one is taken d cycles later
            }
        }
        return result
    }

    /// Event-level output schedule: for each PE row i, its outputs in emission order
    /// (tile order, then column order) with the cycle each appears. Built from the simulated
    /// acceptance cycles, not from ``osCycles(rows:cols:m:k:n:)``.
    public static func osOutputSchedule(rows: Int, cols: Int, m: Int, k: Int, n: Int, pipeline: Int = 0,
                                        elementCycles d: Int = 1) -> [[OSOutputEvent]] {
        let accepts = osLastAcceptCycles(rows: rows, cols: cols, m: m, k: k, n: n, elementCycles: d)
        return (0..<rows).map { i in
            accepts.enumerated().flatMap { tile, last in
                (0..<cols).map { j in OSOutputEvent(tile: tile, col: j, cycle: last + i + 2 * j + 2 + pipeline + d - 1) }
            }
        }
    }

    /// SCALE-Sim v2's output-stationary estimate: ⌈M/R⌉·⌈N/C⌉·(K + R + C − 2) − 1.
    public static func scaleSimOS(rows: Int, cols: Int, m: Int, k: Int, n: Int) -> Int {
        checkShape(rows, cols, m, k, n)
        return tileCount(rows: rows, cols: cols, m: m, n: n) * (k + rows + cols - 2) - 1
    }

    /// Cycle model of the R×C 2D-Matrix engine: the output-stationary model without the skew.
    ///
    /// Operands are broadcast, so every PE sees an element in the cycle it is accepted and all
    /// PEs of a tile finish together; a tile's last element waits until ≥ C cycles have passed
    /// since the previous tile's (the row result chains, C long, must have drained). PE (i, j)'s
    /// result for tile t is on row i's port in cycle L_t + j + 2 + pipeline + D − 1, so the run
    /// takes L_T + C + pipeline + D + 1 cycles with L_T = (K − 1)·D + (T − 1)·max(K·D, C).
    public static func matrix2dCycles(rows: Int, cols: Int, m: Int, k: Int, n: Int, pipeline: Int = 0,
                                      elementCycles d: Int = 1) -> Int {
        checkShape(rows, cols, m, k, n)
        precondition(d >= 1, "GoldenTiming: elementCycles must be ≥ 1")
        let tiles = tileCount(rows: rows, cols: cols, m: m, n: n)
        let lastAccept = (k - 1) * d + (tiles - 1) * max(k * d, cols)
        return lastAccept + cols + pipeline + d + 1
    }

    /// Cycle model of the 2D-Matrix engine with `bitserial` MACs, which skip zero digits (TPE
    /// OPT3/OPT4): one encoder per column hands its PEs only the nonzero radix-4 Booth digits of
    /// the column's element of B, so element k of a tile takes L = max(1, the most nonzero digits
    /// of B[k][c] over the tile's columns c) cycles, and the next element is accepted right after.
    /// A tile's last element ends no sooner than C cycles after the previous tile's last element
    /// ended (the result chains must have drained; meanwhile it adds zero digits). The run ends
    /// C + pipeline + 2 cycles after the last element ends.
    public static func matrix2dSkipCycles(rows: Int, cols: Int, b: IntMatrix, m: Int, bType: HWType, pipeline: Int = 0) -> Int {
        let (k, n) = (b.rows, b.cols)
        checkShape(rows, cols, m, k, n)
        let tilesC = ceilDiv(n, cols), tiles = ceilDiv(m, rows) * tilesC
        var time = 0, lastEnd = Int.min / 2
        for t in 0..<tiles {
            let c0 = t % tilesC * cols
            for kk in 0..<k {
                let length = max(1, (c0..<min(c0 + cols, n)).map { nonzeroBoothDigits(b[kk, $0], bType) }.max() ?? 0)
                var end = time + length - 1
                if kk == k - 1 {
                    end = max(end, lastEnd + cols)
                    lastEnd = end
                }
                time = end + 1
            }
        }
        return lastEnd + cols + pipeline + 2
    }

    /// Cycle model of the WS R×C systolic engine with `bitserial` MACs, which skip zero digits
    /// of the weights (TPE OPT3/OPT4). `weights` is the stationary matrix, K'×N: B, or with N:M
    /// sparsity B's stored values (``SparseWeights``). Each tile (C columns, R rows of it) holds
    /// its weights' nonzero Booth digits, so each of its P = 2R + C − 2 vectors takes
    /// S = max(1, the most nonzero digits of a weight in the tile) cycles; the R beats that load
    /// the first tile take one cycle each. The last vector's last digit enters at cycle
    /// R + Σ P·S − 1 and its sums leave R + C + pipeline cycles later (as in
    /// ``stationaryCycles(rows:cols:streamed:stationary:k:pipeline:elementCycles:tileDepth:)``).
    /// Without `weights`, the bound with every digit nonzero (S = D).
    public static func wsSkipCycles(rows: Int, cols: Int, streamed m: Int, weights: IntMatrix?, bType: HWType,
                                    shape: (k: Int, n: Int), pipeline: Int = 0) -> Int {
        let p = 2 * rows + cols - 2
        let chunks = ceilDiv(m, p), d = MACConfig.boothDigits(bType)
        var slots = 0
        if let w = weights {
            checkShape(rows, cols, m, w.rows, w.cols)
            for s0 in stride(from: 0, to: w.cols, by: cols) {
                for k0 in stride(from: 0, to: w.rows, by: rows) {
                    var most = 1
                    for r in k0..<min(k0 + rows, w.rows) {
                        for c in s0..<min(s0 + cols, w.cols) { most = max(most, nonzeroBoothDigits(w[r, c], bType)) }
                    }
                    slots += most
                }
            }
        } else {
            checkShape(rows, cols, m, shape.k, shape.n)
            slots = ceilDiv(shape.n, cols) * ceilDiv(shape.k, rows) * d
        }
        return rows + p * chunks * slots + rows + cols + pipeline
    }

    /// The nonzero radix-4 Booth digits of `v` (a value of type `t`): digit i is
    /// −2·v[2i+1] + v[2i] + v[2i−1], with v[−1] = 0 and v sign- or zero-extended.
    public static func nonzeroBoothDigits(_ v: Int64, _ t: HWType) -> Int {
        let count = MACConfig.boothDigits(t)
        func bit(_ j: Int) -> Int64 {
            if j < 0 { return 0 }
            if j >= t.bits { return t.signed && v < 0 ? 1 : 0 }
            return (v >> Int64(j)) & 1
        }
        return (0..<count).filter { i in -2 * bit(2 * i + 1) + bit(2 * i) + bit(2 * i - 1) != 0 }.count
    }

    /// Cycle model of the weight- (`ws`) or input-stationary (`is`) R×C systolic engine.
    ///
    /// The engine reduces over K in R-deep tiles; its stationary operand (B for WS, Aᵀ for IS)
    /// covers C columns of the output per tile, and the streamed operand (A's rows for WS, B's
    /// columns for IS) comes in chunks of P = 2R + C − 2 vectors, one per cycle, zero-padded. So
    /// T = ⌈S/C⌉·⌈X/P⌉·⌈K/R⌉ tiles (S and X: the stationary and streamed output extents, N and M
    /// for WS, M and N for IS) take P cycles each, back to back, after R cycles that load the first
    /// stationary tile. A vector streamed in cycle b has its column-j sum on the output port in
    /// cycle b + R + j + pipeline + 1 (R rows, j columns of skew, the accumulator register), so
    /// the run ends after cycle R + T·P − 1 + R + C + pipeline: total 2R + T·P + C + pipeline.
    ///
    /// A `bitserial` vector takes D cycles (one per Booth digit): the R + T·P beats are accepted
    /// every D cycles and the last one's last digit enters at (R + T·P)·D − 1, so the total is
    /// (R + T·P)·D + R + C + pipeline.
    ///
    /// With N:M sparse weights a K tile covers `tileDepth` = R / N · M elements of K instead of R.
    public static func stationaryCycles(rows: Int, cols: Int, streamed x: Int, stationary s: Int, k: Int,
                                        pipeline: Int = 0, elementCycles d: Int = 1, tileDepth: Int? = nil) -> Int {
        checkShape(rows, cols, x, k, s)
        let p = 2 * rows + cols - 2
        let tiles = ceilDiv(s, cols) * ceilDiv(x, p) * ceilDiv(k, tileDepth ?? rows)
        return (rows + tiles * p) * d + rows + cols + pipeline
    }

    /// Cycle model of the m×n×k dot-product engines (3D-Cube; a tree is 1×lanes×width).
    ///
    /// One beat every D cycles (D = `elementCycles`, 1 but for `bitserial`): for each of the
    /// ⌈M/m⌉·⌈N/n⌉ output tiles, ⌈K/k⌉ beats. A beat's dot products (one per cycle of the beat)
    /// pass `stages` register levels, enter the accumulators at the end of that cycle, and the
    /// last cycle of a tile's last beat puts its sums on the ports one cycle later: the run takes
    /// beats·D + stages + 1 cycles.
    public static func dotCycles(m: Int, n: Int, k: Int, stages: Int, gemm: (m: Int, k: Int, n: Int),
                                 elementCycles d: Int = 1) -> Int {
        checkShape(m, n, gemm.m, gemm.k, gemm.n)
        precondition(k >= 1 && stages >= 0 && d >= 1, "GoldenTiming: dot depth ≥ 1, stages ≥ 0, elementCycles ≥ 1")
        return ceilDiv(gemm.m, m) * ceilDiv(gemm.n, n) * ceilDiv(gemm.k, k) * d + stages + 1
    }

    /// Cycles of the buffered GEMM engine from the cycle `start` is high to the cycle `done` is:
    /// the controller starts reading at `start`, feeds the array's first element in the next cycle
    /// (the array's cycle 0), and raises `done` the cycle after the last result is written.
    public static func gemmCycles(engineCycles: Int) -> Int { engineCycles + 1 }

    /// SCALE-Sim v2's weight-stationary estimate: ⌈K/R⌉·⌈N/C⌉·(2R + C + M − 2) − 1.
    public static func scaleSimWS(rows: Int, cols: Int, m: Int, k: Int, n: Int) -> Int {
        checkShape(rows, cols, m, k, n)
        return ceilDiv(k, rows) * ceilDiv(n, cols) * (2 * rows + cols + m - 2) - 1
    }

    /// SCALE-Sim v2's input-stationary estimate: ⌈K/R⌉·⌈M/C⌉·(2R + C + N − 2) − 1.
    public static func scaleSimIS(rows: Int, cols: Int, m: Int, k: Int, n: Int) -> Int {
        checkShape(rows, cols, m, k, n)
        return ceilDiv(k, rows) * ceilDiv(m, cols) * (2 * rows + cols + n - 2) - 1
    }

    /// Ideal cycles with every PE busy every cycle: M·N·K / (R·C).
    public static func idealCycles(rows: Int, cols: Int, m: Int, k: Int, n: Int) -> Double {
        checkShape(rows, cols, m, k, n)
        return Double(m) * Double(n) * Double(k) / (Double(rows) * Double(cols))
    }

    /// Number of output tiles T = ⌈M/R⌉·⌈N/C⌉.
    public static func tileCount(rows: Int, cols: Int, m: Int, n: Int) -> Int {
        ceilDiv(m, rows) * ceilDiv(n, cols)
    }


    private static func checkShape(_ r: Int, _ c: Int, _ m: Int, _ k: Int, _ n: Int) {
        precondition(r >= 1 && c >= 1 && m >= 1 && k >= 1 && n >= 1,
                     "GoldenTiming: array and GEMM dimensions must be ≥ 1")
    }
}
