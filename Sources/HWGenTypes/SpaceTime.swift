/// A dataflow as a loop nest and a space-time transformation (TensorLib, DAC 2021): the integer
/// matrix T maps an iteration I (one value per loop) to T·I = (PE x, PE y, t₁, …, tₙ₋₂); time is
/// the time rows in lexicographic order, t₁ outermost.
///
/// What a tensor does follows from its reuse: iterations I and I + d touch one element when
/// access·d = 0, and T·d says where and when the element goes next — nowhere in space
/// (stationary), to a neighbour in the same cycle (multicast; for the output, a spatial
/// reduction), or to a neighbour some cycles later (systolic).
public struct SpaceTimeDataflow: Equatable, Sendable {
    public let nest: LoopNest
    /// n × n, rows PE x, PE y, then time (outermost first); columns the loops in order.
    public let matrix: [[Int]]
    /// PEs along x and y.
    public let rows: Int
    public let cols: Int

    /// Checks the matrix (square, unimodular, dependences forward in time) and that the array can
    /// be derived from it (``derivationProblem``); throws ``SpaceTimeError`` naming the field.
    public init(nest: LoopNest, matrix: [[Int]], rows: Int, cols: Int) throws {
        self.nest = nest
        self.matrix = matrix
        self.rows = rows
        self.cols = cols
        if let (field, message) = legalityProblem ?? derivationProblem { throw SpaceTimeError(field: field, message: message) }
    }

    /// Without any check: for classifying legal matrices the generator does not derive (tests, tables).
    public init(unchecked nest: LoopNest, matrix: [[Int]], rows: Int, cols: Int) {
        self.nest = nest
        self.matrix = matrix
        self.rows = rows
        self.cols = cols
    }

    var n: Int { nest.loops.count }

    /// Names an iteration: `(i=0, j=1, k=0)`.
    public func iteration(_ p: [Int]) -> String {
        "(" + zip(nest.loops, p).map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
    }

    /// Where and when an iteration runs: `PE (0, 1) at time (2)`.
    public func place(_ p: [Int]) -> String {
        let v = IntLinear.apply(matrix, p)
        return "PE (\(v[0]), \(v[1])) at time (" + v.dropFirst(2).map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: legality

    /// Why the matrix is not a legal space-time transformation, as (field, message), or nil.
    public var legalityProblem: (String, String)? {
        guard n >= 3 else {
            return ("loops", "\(n) loop\(n == 1 ? "" : "s") (allowed: at least 3, two for the PE axes and one for time)")
        }
        guard matrix.count == n, matrix.allSatisfy({ $0.count == n }) else {
            return ("space_time", "\(matrix.count) rows of \(matrix.map(\.count).max() ?? 0) (allowed with \(n) loops: \(n) rows of \(n) integers — PE x, PE y, then \(n - 2) time row\(n == 3 ? "" : "s"), outermost first)")
        }
        let det = IntLinear.determinant(matrix)
        if det == 0 {
            // A null vector d gives two iterations I and I + d (both ≥ 0) at one PE and time.
            let d = IntLinear.nullSpace(matrix, columns: n)[0]
            let i0 = d.map { max(0, -$0) }, i1 = zip(i0, d).map { $0 + $1 }
            return ("space_time", "the matrix is singular (determinant 0): iterations \(iteration(i0)) and \(iteration(i1)) both run on \(place(i0)) (allowed: a unimodular matrix, determinant 1 or -1)")
        }
        if abs(det) != 1 {
            return ("space_time", "determinant \(det): the matrix is not unimodular, so PEs sit idle in a pattern of period \(abs(det)) and the inverse is not integral (allowed: determinant 1 or -1)")
        }
        // The output accumulates along each of its reuse directions: that order is a dependence
        // and must move forward in time (a reduction in one cycle across PEs is spatial).
        for l in 0..<n where !nest.output.uses(l) {
            var d = Array(repeating: 0, count: n)
            d[l] = 1
            let v = IntLinear.apply(matrix, d), time = Array(v.dropFirst(2))
            if time.allSatisfy({ $0 == 0 }) {
                return ("space_time", "\(nest.output.name) adds loop \(nest.loops[l])'s products in one cycle across PEs (T·e_\(nest.loops[l]) = \(v)): a spatial reduction, not derived yet (allowed: a nonzero time entry in column \(nest.loops[l]))")
            }
            if let first = time.first(where: { $0 != 0 }), first < 0 {
                var p = Array(repeating: 0, count: n)
                p[l] = 1
                return ("space_time", "the dependence of \(nest.output) along \(nest.loops[l]) goes back in time: \(iteration(Array(repeating: 0, count: n))) runs at \(place(Array(repeating: 0, count: n))) and \(iteration(p)), which adds to it, at \(place(p)) (allowed: the first nonzero time entry of column \(nest.loops[l]) positive)")
            }
        }
        return nil
    }

    // MARK: the derivable form

    /// The loops of PE x and PE y, the time loops (outermost first; the last one is the innermost,
    /// which the systolic skew rides on), and that loop's direction (+1 or −1).
    public var xLoop: Int { matrix[0].firstIndex { $0 != 0 } ?? 0 }
    public var yLoop: Int { matrix[1].firstIndex { $0 != 0 } ?? 0 }
    public var timeLoops: [Int] { matrix.dropFirst(2).map { row in row.indices.first { !isPE($0) && row[$0] != 0 } ?? 0 } }
    public var innerLoop: Int { timeLoops.last! }
    public var innerSign: Int { matrix[n - 1][innerLoop] }
    /// The skew: cycles per PE step along x and y of the innermost time row.
    public var sigmaX: Int { matrix[n - 1][xLoop] }
    public var sigmaY: Int { matrix[n - 1][yLoop] }

    func isPE(_ l: Int) -> Bool { l == xLoop || l == yLoop }

    /// Why HWGen cannot build this (legal) dataflow yet, as (field, message), or nil. It builds:
    /// PE rows selecting one loop each; outer time rows selecting one loop each; an innermost
    /// time row of its loop (±1) plus multiples of the PE loops (the skew); an output that stays
    /// in its PE (it does not use the innermost loop) with one element per PE; inputs that change
    /// with the innermost loop and move along a PE axis whose loop they do not use.
    public var derivationProblem: (String, String)? {
        let form = "allowed: rows PE x and PE y each one 1 in the column of their loop, each time row but the last one 1 in its loop's column, the last time row ±1 in its loop's column plus the skew in the PE loops' columns"
        for (r, row) in matrix.enumerated() where r < n - 1 {
            if row.filter({ $0 != 0 }).count != 1 || row.first(where: { $0 != 0 }) != 1 {
                return ("space_time", "row \(r + 1) \(row) \(r < 2 ? "maps PE \(r == 0 ? "x" : "y")" : "(time)") to more than one loop, or with a factor other than 1: not derived yet (\(form))")
            }
        }
        let last = matrix[n - 1]
        for l in 0..<n where last[l] != 0 && !isPE(l) && l != innerLoop {
            return ("space_time", "the last time row \(last) adds loop \(nest.loops[l]), an outer time loop: not derived yet (\(form))")
        }
        let out = nest.output
        if out.uses(innerLoop) { return reductionProblem }
        for l in [xLoop, yLoop] where !out.uses(l) {
            let axis = l == xLoop ? "x" : "y", sigma = last[l]
            return ("space_time", sigma == 0
                ? "\(out) does not use loop \(nest.loops[l]) of PE \(axis): PEs along \(axis) would add into one element in one cycle (a spatial reduction), not derived yet (allowed: the output's loops on the PE axes)"
                : "\(out) does not use loop \(nest.loops[l]) of PE \(axis): its partial sums move along \(axis), \(abs(sigma)) cycle\(abs(sigma) == 1 ? "" : "s") per hop (a systolic reduction, as in weight- and input-stationary arrays), not derived yet (allowed: the output's loops on the PE axes; the built-in engine: { kind: systolic, dataflow: ws } or is)")
        }
        if let p = outputProblem(timeLoops) { return p }
        for t in [nest.a, nest.b] {
            if !t.uses(innerLoop) {
                return ("space_time", "\(t) does not change with the innermost time loop \(nest.loops[innerLoop]): it would stay in the PEs (weight- or input-stationary), not derived yet (allowed: a loop \(t.name) uses as the last time row)")
            }
            if t.uses(xLoop) && t.uses(yLoop) {
                return ("space_time", "\(t) uses both PE loops (\(nest.loops[xLoop]), \(nest.loops[yLoop])): every PE would need its own port (allowed: each input free of at least one PE loop, along which it moves)")
            }
        }
        return nil
    }

    /// The output names each element once, and the time loops among `loops` it does not use run
    /// inside those it uses (so each element's products are contiguous).
    func outputProblem(_ loops: [Int]) -> (String, String)? {
        let out = nest.output
        let used = (0..<n).filter(out.uses)
        if IntLinear.nullSpace(out.indices.map(\.coefficients), columns: n).contains(where: { d in used.contains { d[$0] != 0 } }) {
            return ("compute", "\(out) gives one element to several iterations of the loops it uses (\(used.map { nest.loops[$0] }.joined(separator: ", "))): PEs would hold partial sums of one element (allowed: output indices that name each element once)")
        }
        if let free = loops.firstIndex(where: { !out.uses($0) }), let again = loops[free...].first(where: out.uses) {
            return ("space_time", "\(out.name) is revisited after other elements: time loop \(nest.loops[again]), which \(out.name) uses, runs inside \(nest.loops[loops[free]]), which it does not (allowed: the time loops \(out.name) does not use innermost)")
        }
        return nil
    }

    /// Whether the output changes with the innermost time loop: its partial sums then move down
    /// PE x (a systolic reduction) past a stationary input (weight- and input-stationary).
    public var outputMoves: Bool { nest.output.uses(innerLoop) }

    /// The stationary input of a moving output (it does not use the innermost loop), and the
    /// streamed one.
    public var stationaryInput: TensorAccess { nest.a.uses(innerLoop) ? nest.b : nest.a }
    public var streamedInput: TensorAccess { nest.a.uses(innerLoop) ? nest.a : nest.b }

    /// The derivable form of a moving output: it does not use PE x's loop, whose skew σx ≥ 1
    /// carries its partial sums down x; it uses PE y's loop (σy ≥ 0); one input is stationary
    /// (free of the innermost loop, using both PE loops), the other streams along y (free of y's
    /// loop).
    var reductionProblem: (String, String)? {
        let out = nest.output, x = nest.loops[xLoop], y = nest.loops[yLoop]
        if out.uses(xLoop) {
            return ("space_time", "\(out) uses the innermost time loop \(nest.loops[innerLoop]) and PE x's loop \(x): its partial sums would not move down x, not derived yet (allowed: a reduction loop \(out.name) does not use on PE x, as k in weight-stationary [[0,0,1],[0,1,0],[1,1,1]])")
        }
        if !out.uses(yLoop) {
            return ("space_time", "\(out) does not use PE y's loop \(y) either: a reduction along both axes, not derived yet (allowed: the output's loop on PE y)")
        }
        if sigmaX < 1 {
            return ("space_time", "the partial sums of \(out.name) move down x with skew \(sigmaX): not derived yet (allowed: a positive entry in the last time row's column \(x))")
        }
        if sigmaY < 0 {
            return ("space_time", "skew \(sigmaY) along y: not derived yet for a moving output (allowed: 0 or more in the last time row's column \(y))")
        }
        let inputs = [nest.a, nest.b].filter { !$0.uses(innerLoop) }
        guard inputs.count == 1 else {
            return ("space_time", inputs.isEmpty
                ? "\(out) moves, and neither input stays in the PEs: not derived yet (allowed: one input free of the innermost loop \(nest.loops[innerLoop]))"
                : "neither input changes with the innermost loop \(nest.loops[innerLoop]): not derived yet")
        }
        let (st, mv) = (stationaryInput, streamedInput)
        if !st.uses(xLoop) || !st.uses(yLoop) {
            return ("space_time", "\(st) stays in the PEs but does not use both PE loops (\(x), \(y)): PEs would hold copies, not derived yet (allowed: a stationary input indexed by both PE loops)")
        }
        if mv.uses(yLoop) {
            return ("space_time", "\(mv) uses PE y's loop \(y): it cannot stream along y, not derived yet (allowed: the streamed input free of \(y))")
        }
        return outputProblem(Array(timeLoops.dropLast()))
    }

    // MARK: movement

    /// One reuse direction of a tensor and what T makes of it.
    public struct Movement: Equatable, Sendable {
        public let tensor: String
        /// The reuse vector d (access·d = 0), in loop order, signed so that time goes forward.
        public let reuse: [Int]
        /// T·d: (dx, dy, dt₁, …).
        public let image: [Int]
        /// `stationary`, `multicast`, `systolic`, `reduction`, …
        public let movement: String
        /// The direction (dx, dy) and delay, in words.
        public let detail: String
    }

    /// Every tensor's reuse directions (an integer basis of its access matrix's null space) and
    /// their movement under T.
    public var movements: [Movement] {
        nest.tensors.flatMap { t -> [Movement] in
            let isOut = t.name == nest.output.name
            return IntLinear.nullSpace(t.indices.map(\.coefficients), columns: n).map { d0 in
                var d = d0, v = IntLinear.apply(matrix, d)
                let time = Array(v.dropFirst(2))
                if let f = time.first(where: { $0 != 0 }), f < 0 { d = d.map { -$0 }; v = v.map { -$0 } }
                else if time.allSatisfy({ $0 == 0 }), let f = v.prefix(2).first(where: { $0 != 0 }), f < 0 { d = d.map { -$0 }; v = v.map { -$0 } }
                let (dx, dy) = (v[0], v[1]), dt = Array(v.dropFirst(2))
                let inner = dt.dropLast().allSatisfy { $0 == 0 }
                let delay = inner ? "\(dt.last!) cycle\(dt.last! == 1 ? "" : "s")" : "time step (" + dt.map(String.init).joined(separator: ", ") + ")"
                let (word, detail): (String, String)
                if dx == 0 && dy == 0 {
                    (word, detail) = (isOut ? "stationary (accumulates)" : inner ? "stationary" : "stationary across passes", "stays in its PE, reused after \(delay)")
                } else if dt.allSatisfy({ $0 == 0 }) {
                    (word, detail) = (isOut ? "spatial reduction" : "multicast", "along (\(dx), \(dy)) in one cycle")
                } else if inner {
                    (word, detail) = (isOut ? "systolic reduction" : "systolic", "along (\(dx), \(dy)), \(delay) per hop")
                } else {
                    (word, detail) = ("reused across passes", "by the PE at (\(dx), \(dy)) one \(delay) later")
                }
                return Movement(tensor: t.name, reuse: d, image: v, movement: word, detail: detail)
            }
        }
    }

    /// How the derived array moves each tensor (what the generator builds), one line each.
    public var builtAs: [(tensor: String, how: String)] {
        if outputMoves {
            let (st, mv) = (stationaryInput, streamedInput)
            return [(nest.output.name, "partial sums move down x, \(sigmaX) register\(sigmaX == 1 ? "" : "s") per PE, into a P-long accumulator line under each column that adds the passes of a group; results leave one port per PE column"),
                    (st.name, "stationary: each PE holds its element and the next pass's in a shadow register, shifted down x from a port per PE column in the last R beats of a pass"),
                    (mv.name, sigmaY == 0 ? "multicast along y from a port per PE row" : "enters at y = 0, one port per PE row, moves +y with \(sigmaY) register\(sigmaY == 1 ? "" : "s") per hop")]
        }
        let exit = sigmaY >= 0 ? "y = 0" : "y = \(cols - 1)"
        var lines = [(nest.output.name, "accumulates in its PE over the loops it does not use; results shift along y to a port per PE row at \(exit)")]
        for t in [nest.a, nest.b] {
            let alongX = !t.uses(xLoop)
            let sigma = alongX ? sigmaX : sigmaY, axis = alongX ? "x" : "y", other = alongX ? "column" : "row"
            let entry = sigma >= 0 ? "\(axis) = 0" : "\(axis) = \(alongX ? rows - 1 : cols - 1)"
            lines.append((t.name, sigma == 0 ? "multicast along \(axis) from a port per PE \(other)"
                          : "enters at \(entry), one port per PE \(other), moves \(sigma > 0 ? "+" : "-")\(axis) with \(abs(sigma)) register\(abs(sigma) == 1 ? "" : "s") per hop"))
        }
        return lines
    }

    /// Whether an input moves along x (it does not use x's loop) rather than along y.
    public func movesAlongX(_ t: TensorAccess) -> Bool { !t.uses(xLoop) }

    // MARK: GEMM

    /// For `C[i][j] += A[i][k] * B[k][j]` (any loop names): the loops of M, N and K, so that
    /// `--gemm MxKxN` sets the bounds; nil for other computations.
    public var gemmLoops: (m: Int, n: Int, k: Int)? {
        func single(_ e: AffineExpr) -> Int? {
            guard e.constant == 0, e.coefficients.filter({ $0 != 0 }) == [1] else { return nil }
            return e.coefficients.firstIndex(of: 1)
        }
        let (o, a, b) = (nest.output.indices.map(single), nest.a.indices.map(single), nest.b.indices.map(single))
        guard n == 3, o.count == 2, a.count == 2, b.count == 2, let m = o[0], let nn = o[1], let k = a[1],
              a[0] == m, b[0] == k, b[1] == nn, Set([m, nn, k]).count == 3 else { return nil }
        return (m, nn, k)
    }

    /// The loop bounds of the GEMM M×K×N for a GEMM nest (``gemmLoops``), else nil.
    public func gemmBounds(_ s: GemmShape) -> [Int]? {
        guard let g = gemmLoops else { return nil }
        var bounds = [0, 0, 0]
        (bounds[g.m], bounds[g.n], bounds[g.k]) = (s.m, s.n, s.k)
        return bounds
    }
}

/// A space-time dataflow refused: the field (`space_time`, `compute`, `loops`) and why.
public struct SpaceTimeError: Error, Equatable, Sendable {
    public let field: String
    public let message: String
}

/// The schedule of a derived array for given loop bounds: output tiles of R × C iterations of
/// the PE loops, in row-major order; in each tile, one beat per iteration of the time loops
/// (lexicographic, the innermost loop in the direction of its sign); PE (x, y) runs beat e's
/// iteration `skew(x, y)` cycles after the beat enters the array.
public struct SpaceTimeSchedule: Sendable {
    public let dataflow: SpaceTimeDataflow
    public let bounds: [Int]
    /// A beat carries two consecutive values of the innermost loop (FFIP MACs): ⌈bound / 2⌉
    /// positions of it.
    public let pairs: Bool

    public init(_ dataflow: SpaceTimeDataflow, bounds: [Int], pairs: Bool = false) {
        precondition(bounds.count == dataflow.nest.loops.count && bounds.allSatisfy { $0 >= 1 }, "SpaceTimeSchedule: one bound ≥ 1 per loop")
        self.dataflow = dataflow
        self.bounds = bounds
        self.pairs = pairs
    }

    /// Beats along a time loop: its bound, or for the innermost loop with pairs ⌈bound / 2⌉.
    func steps(_ l: Int) -> Int { pairs && l == d.innerLoop ? (bounds[l] + 1) / 2 : bounds[l] }

    var d: SpaceTimeDataflow { dataflow }
    public var tilesX: Int { (bounds[d.xLoop] + d.rows - 1) / d.rows }
    public var tilesY: Int { (bounds[d.yLoop] + d.cols - 1) / d.cols }
    public var tiles: Int { tilesX * tilesY }
    /// Beats per tile: the product of the time loops' bounds.
    public var beatsPerTile: Int { d.timeLoops.reduce(1) { $0 * steps($1) } }
    /// Beats per output element: the product of the steps of the time loops the output does not
    /// use (innermost by the derivation's rule).
    public var runLength: Int { d.timeLoops.filter { !d.nest.output.uses($0) }.reduce(1) { $0 * steps($1) } }
    public var beats: Int { tiles * beatsPerTile }

    /// The time loops' values at beat e of a tile (with pairs, element `half` of the beat's pair).
    public func timeValues(_ e: Int, half: Int = 0) -> [Int] {
        var rest = e, values = Array(repeating: 0, count: d.timeLoops.count)
        for (i, l) in d.timeLoops.enumerated().reversed() {
            values[i] = rest % steps(l)
            rest /= steps(l)
        }
        if pairs { values[values.count - 1] = 2 * values[values.count - 1] + half }
        if d.innerSign < 0 { values[values.count - 1] = bounds[d.innerLoop] - 1 - values[values.count - 1] }
        return values
    }

    /// The iteration PE (x, y) runs at beat e of tile t (with pairs, element `half` of the pair),
    /// or nil where the tile or the last pair overhangs the loops.
    public func iteration(tile t: Int, beat e: Int, x: Int, y: Int, half: Int = 0) -> [Int]? {
        var p = Array(repeating: 0, count: bounds.count)
        p[d.xLoop] = t / tilesY * d.rows + x
        p[d.yLoop] = t % tilesY * d.cols + y
        guard p[d.xLoop] < bounds[d.xLoop], p[d.yLoop] < bounds[d.yLoop] else { return nil }
        for (l, v) in zip(d.timeLoops, timeValues(e, half: half)) { p[l] = v }
        guard p[d.innerLoop] >= 0, p[d.innerLoop] < bounds[d.innerLoop] else { return nil }
        return p
    }

    /// Cycles after a beat enters the array that PE (x, y) runs its iteration: |σx| per step
    /// from the x edge the skew starts at, plus |σy| per step likewise.
    public func skew(x: Int, y: Int) -> Int {
        abs(d.sigmaX) * (d.sigmaX >= 0 ? x : d.rows - 1 - x) + abs(d.sigmaY) * (d.sigmaY >= 0 ? y : d.cols - 1 - y)
    }

    /// Hops from PE (x, y) to its row's result port (results shift against the y skew).
    public func hops(y: Int) -> Int { d.sigmaY >= 0 ? y : d.cols - 1 - y }

    /// Cycles between the last beats of two consecutive output elements, so that the result
    /// chains never collide: (|σy| + 1)(C − 1) + 1.
    public var drainSpacing: Int { (abs(d.sigmaY) + 1) * (d.cols - 1) + 1 }
}

/// The schedule of a derived array whose output moves (``SpaceTimeDataflow/outputMoves``):
/// passes of P = R + the largest skew beats, each with one stationary tile (shadow-loaded during
/// the previous pass's last R beats, R beats before the first). The innermost loop is cut into
/// chunks of P; passes run in the order (y tile, the outer time loops the output uses, chunk, the
/// outer time loops it does not use, x tile), and the passes of one (y tile, used loops, chunk) —
/// a group — add into P-long accumulator lines under the columns; the group's last pass emits.
public struct ReductionSchedule: Sendable {
    public let dataflow: SpaceTimeDataflow
    public let bounds: [Int]

    public init(_ dataflow: SpaceTimeDataflow, bounds: [Int]) {
        precondition(bounds.count == dataflow.nest.loops.count && bounds.allSatisfy { $0 >= 1 }, "ReductionSchedule: one bound ≥ 1 per loop")
        self.dataflow = dataflow
        self.bounds = bounds
    }

    var d: SpaceTimeDataflow { dataflow }
    public var tilesX: Int { (bounds[d.xLoop] + d.rows - 1) / d.rows }
    public var tilesY: Int { (bounds[d.yLoop] + d.cols - 1) / d.cols }
    /// The largest skew of a PE: σx(R − 1) + σy(C − 1).
    public var maxSkew: Int { d.sigmaX * (d.rows - 1) + d.sigmaY * (d.cols - 1) }
    /// Beats per pass.
    public var passBeats: Int { d.rows + maxSkew }
    public var chunks: Int { (bounds[d.innerLoop] + passBeats - 1) / passBeats }
    var usedOuter: [Int] { d.timeLoops.dropLast().filter(d.nest.output.uses) }
    var freeOuter: [Int] { d.timeLoops.dropLast().filter { !d.nest.output.uses($0) } }
    /// Passes per group and groups.
    public var groupPasses: Int { freeOuter.reduce(tilesX) { $0 * bounds[$1] } }
    public var groups: Int { usedOuter.reduce(tilesY * chunks) { $0 * bounds[$1] } }
    public var passes: Int { groups * groupPasses }
    /// Beats of the stream: R preload beats, then every pass.
    public var beats: Int { d.rows + passes * passBeats }

    /// The iteration PE (x, y) runs at beat b of pass p, or nil where a tile or the last chunk
    /// overhangs the loops.
    public func iteration(pass p: Int, beat b: Int, x: Int, y: Int) -> [Int]? {
        var pt = Array(repeating: 0, count: bounds.count)
        var rest = p
        func take(_ extent: Int) -> Int { defer { rest /= extent }; return rest % extent }
        let tx = take(tilesX)
        for l in freeOuter.reversed() { pt[l] = take(bounds[l]) }
        let chunk = take(chunks)
        for l in usedOuter.reversed() { pt[l] = take(bounds[l]) }
        let ty = take(tilesY)
        pt[d.xLoop] = tx * d.rows + x
        pt[d.yLoop] = ty * d.cols + y
        let inner = chunk * passBeats + b
        guard pt[d.xLoop] < bounds[d.xLoop], pt[d.yLoop] < bounds[d.yLoop], inner < bounds[d.innerLoop] else { return nil }
        pt[d.innerLoop] = d.innerSign > 0 ? inner : bounds[d.innerLoop] - 1 - inner
        return pt
    }

    /// PE (x, y)'s skew: σx·x + σy·y.
    public func skew(x: Int, y: Int) -> Int { d.sigmaX * x + d.sigmaY * y }
}
