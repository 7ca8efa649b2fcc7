/// Maps a design spec to its engine: the generator, the golden cycle model and SCALE-Sim's
/// estimate. This is the one place that switches on the engine kind and dataflow.
public enum Designs {
    /// The engine generator for `spec`: with a per-tensor `epilogue:` and no `gemm:`, its results
    /// pass through the epilogue (a `gemm:` design's controller applies it instead).
    public static func engine(for spec: DesignSpec) -> any Engine {
        let core = coreEngine(for: spec)
        guard spec.gemm == nil, let e = spec.epilogue else { return core }
        return RequantizedEngine(core: core, epilogue: e, accumulator: spec.mac.acc)
    }

    /// The engine without an epilogue.
    public static func coreEngine(for spec: DesignSpec) -> any Engine {
        let e = spec.engine, mac = spec.macConfig
        switch (e.kind, e.dataflow) {
        case (.systolic, .os): return SystolicOS(rows: e.rows, cols: e.cols, mac: mac)
        case (.systolic, .ws): return SystolicStationary(rows: e.rows, cols: e.cols, mac: mac, stationary: .weights, sparsity: e.sparsity)
        case (.systolic, .is): return SystolicStationary(rows: e.rows, cols: e.cols, mac: mac, stationary: .inputs)
        case (.cube, _): return DotEngine(m: e.rows, n: e.cols, k: e.depth, stages: e.stages, mac: mac, isTree: false)
        case (.tree, _): return DotEngine(m: 1, n: e.cols, k: e.depth, stages: e.stages, mac: mac, isTree: true, sparsity: e.sparsity)
        case (.matrix2d, _): return SystolicOS(rows: e.rows, cols: e.cols, mac: mac, broadcast: true)
        }
    }

    /// The buffered GEMM engine around the array, when the spec has a `gemm:` section.
    public static func gemmEngine(for spec: DesignSpec) -> GemmEngine? {
        guard let g = spec.gemm else { return nil }
        return GemmEngine(array: coreEngine(for: spec), types: spec.mac, aWords: g.aWords, bWords: g.bWords, cWords: g.cWords,
                          doubleBuffer: g.doubleBuffer, epilogue: spec.epilogue, group: spec.group)
    }

    /// The top module for `spec`.
    public static func module(for spec: DesignSpec) -> Module {
        if let g = gemmEngine(for: spec) { return g.module(name: spec.name, origin: spec.fileName) }
        return engine(for: spec).module(name: spec.name, origin: spec.fileName)
    }

    /// Checked Verilog for `spec`: one file per module, children first.
    public static func verilog(for spec: DesignSpec) throws -> [VerilogFile] {
        try Verilog.emit(module(for: spec))
    }

    /// What the golden model says the design delivers for `ops`: C, requantized when the spec
    /// has an epilogue.
    public static func expected(_ spec: DesignSpec, _ ops: GemmOperands) -> IntMatrix {
        let c = GoldenGEMM.multiply(ops.a, ops.b, mac: spec.mac, group: spec.group, scales: ops.groupScales)
        return spec.epilogue.map { GoldenEpilogue.apply(c, $0, columns: ops.columnScales) } ?? c
    }

    /// Checks everything a run consumes beyond A and B: group exponents (⌈K/G⌉ × N, 0…15) exactly
    /// when the spec has `mac.group`, per-column scales (N each) exactly when its epilogue has
    /// `per_column`; then ``checkOperands(_:a:b:bName:)``.
    public static func checkOperands(_ spec: DesignSpec, _ ops: GemmOperands, bName: String = "B") throws {
        let (k, n) = (ops.a.cols, ops.b.cols)
        switch (spec.group, ops.groupScales) {
        case (nil, nil): break
        case (nil, _?): throw HWGenError.badInput("--group-scales: \(spec.source) has no mac.group (allowed: omit --group-scales)")
        case (let g?, nil): throw HWGenError.badInput("\(spec.source): mac.group \(g) needs group exponents (--group-scales E.npy, ⌈K/\(g)⌉ × N)")
        case (let g?, let e?):
            guard e.rows == ceilDiv(k, g), e.cols == n else {
                throw HWGenError.badInput("--group-scales: shape (\(e.rows), \(e.cols)) does not match K = \(k), N = \(n) (allowed: (\(ceilDiv(k, g)), \(n)) for groups of \(g))")
            }
            let range = 0...Int64((1 << MACConfig.exponentType.bits) - 1)
            if let i = e.data.firstIndex(where: { !range.contains($0) }) {
                throw HWGenError.badInput("--group-scales: exponent \(e.data[i]) at [\(i / e.cols), \(i % e.cols)] is out of range (allowed: \(range))")
            }
        }
        let perColumn = spec.epilogue?.perColumn == true
        switch (perColumn, ops.columnScales) {
        case (false, nil): break
        case (false, _?): throw HWGenError.badInput("--multipliers/--shifts: \(spec.source) has no epilogue with per_column: true (allowed: omit them)")
        case (true, nil): throw HWGenError.badInput("\(spec.source): epilogue.per_column needs --multipliers M.npy and --shifts S.npy (N values each)")
        case (true, let c?):
            for (what, values, range) in [("--multipliers", c.multipliers, Epilogue.multiplierRange),
                                          ("--shifts", c.shifts, 0...Int64(Epilogue.shiftRange.upperBound))] {
                guard values.count == n else { throw HWGenError.badInput("\(what): \(values.count) values for N = \(n) columns (allowed: exactly \(n))") }
                if let i = values.firstIndex(where: { !range.contains($0) }) {
                    throw HWGenError.badInput("\(what): value \(values[i]) at [\(i)] is out of range (allowed: \(range))")
                }
            }
        }
        try checkOperands(spec, a: ops.a, b: ops.b, bName: bName)
    }

    /// Checks operands against what the engine requires of them (B's N:M pattern); the message
    /// names the first offending group.
    public static func checkOperands(_ spec: DesignSpec, a: IntMatrix, b: IntMatrix, bName: String = "B") throws {
        if let p = spec.engine.sparsity, let problem = SparseWeights.violation(b, p) {
            throw HWGenError.badInput("\(bName): \(problem) (engine.sparsity of \(spec.source))")
        }
        try checkFit(spec, shape: GemmShape(m: a.rows, k: a.cols, n: b.cols))
    }

    /// Checks that a GEMM of `shape` fits the buffers of a `gemm:` design.
    public static func checkFit(_ spec: DesignSpec, shape s: GemmShape) throws {
        if let g = gemmEngine(for: spec), let problem = g.fitProblem(m: s.m, k: s.k, n: s.n) {
            throw HWGenError.badInput("gemm \(s.m)x\(s.k)x\(s.n) does not fit the buffers of \(spec.source): \(problem)")
        }
    }

    /// Whether the engine's cycle count depends on B: a 2D-Matrix of `bitserial` MACs skips
    /// zero Booth digits (TPE OPT3/OPT4).
    public static func skipsZeroDigits(_ spec: DesignSpec) -> Bool {
        let e = spec.engine
        return spec.macKind == .bitserial && (e.kind == .matrix2d || (e.kind == .systolic && e.dataflow == .ws))
    }

    /// Cycles the golden model predicts for A·B: from the first accepted beat to the last result,
    /// or with `gemm:` from `start` to `done`. Where the count depends on B
    /// (``skipsZeroDigits(_:)``) and `b` is nil, the most it can be (every digit nonzero).
    public static func goldenCycles(_ spec: DesignSpec, shape s: GemmShape, b: IntMatrix? = nil) -> Int {
        // The OS PEs' group stage adds a cycle to every result (the accumulators of the other
        // engines add groups in the same cycle), the epilogue its two stages and, with per-column
        // scales, the read of the column's scale.
        let epilogue = spec.epilogue.map { EpilogueUnit.latency + ($0.perColumn ? 1 : 0) } ?? 0
        let e = spec.engine
        let groupStage = spec.group != nil && (e.kind == .matrix2d || (e.kind == .systolic && e.dataflow == .os)) ? 1 : 0
        let bare = engineCycles(spec, shape: s, b: b) + groupStage + epilogue
        return spec.gemm == nil ? bare : GoldenTiming.gemmCycles(engineCycles: bare)
    }

    private static func engineCycles(_ spec: DesignSpec, shape s: GemmShape, b: IntMatrix?) -> Int {
        let e = spec.engine, mac = spec.macConfig
        if e.kind == .matrix2d && skipsZeroDigits(spec), let b {
            return GoldenTiming.matrix2dSkipCycles(rows: e.rows, cols: e.cols, b: b, m: s.m, bType: spec.mac.b, pipeline: mac.pipeline)
        }
        if e.kind == .systolic && skipsZeroDigits(spec) {
            let weights = b.map { b in e.sparsity.map { SparseWeights.compress(b, $0).values } ?? b }
            let k = e.sparsity.map { ceilDiv(s.k, $0.m) * $0.n } ?? s.k
            return GoldenTiming.wsSkipCycles(rows: e.rows, cols: e.cols, streamed: s.m, weights: weights, bType: spec.mac.b,
                                             shape: (k, s.n), pipeline: mac.pipeline)
        }
        switch (e.kind, e.dataflow) {
        case (.systolic, .os):
            return GoldenTiming.osCycles(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n,
                                         pipeline: mac.pipeline, elementCycles: mac.elementCycles)
        case (.systolic, .ws):
            return GoldenTiming.stationaryCycles(rows: e.rows, cols: e.cols, streamed: s.m, stationary: s.n, k: s.k,
                                                 pipeline: mac.pipeline, elementCycles: mac.elementCycles,
                                                 tileDepth: e.sparsity.map { e.rows / $0.n * $0.m })
        case (.systolic, .is):
            return GoldenTiming.stationaryCycles(rows: e.rows, cols: e.cols, streamed: s.n, stationary: s.m, k: s.k,
                                                 pipeline: mac.pipeline, elementCycles: mac.elementCycles)
        case (.matrix2d, _):
            return GoldenTiming.matrix2dCycles(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n,
                                               pipeline: mac.pipeline, elementCycles: mac.elementCycles)
        case (.cube, _), (.tree, _):
            // With N:M weights a beat covers depth / N · M elements of K.
            let k = e.sparsity.map { e.depth / $0.n * $0.m } ?? e.depth
            return GoldenTiming.dotCycles(m: e.rows, n: e.cols, k: k, stages: e.stages, gemm: (s.m, s.k, s.n),
                                          elementCycles: mac.elementCycles)
        }
    }

    /// SCALE-Sim v2's cycle estimate for the dataflow, or nil for engines it does not model.
    public static func scaleSimCycles(_ spec: DesignSpec, shape s: GemmShape) -> Int? {
        let e = spec.engine
        switch (e.kind, e.dataflow) {
        case (.systolic, .os): return GoldenTiming.scaleSimOS(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n)
        case (.systolic, .ws): return GoldenTiming.scaleSimWS(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n)
        case (.systolic, .is): return GoldenTiming.scaleSimIS(rows: e.rows, cols: e.cols, m: s.m, k: s.k, n: s.n)
        case (.cube, _), (.tree, _), (.matrix2d, _): return nil
        }
    }
}
