/// GEMM operands: reproducible random ones, or loaded from `.npy` files.
public enum Operands {
    /// Random A (m×k) and B (k×n), uniform over the full ranges of `mac.a` and `mac.b`.
    /// Deterministic: the same seed gives the same matrices on every platform and Swift version.
    /// With `sparsity` N:M, B is then pruned: in each group of M rows of a column, N positions
    /// drawn at random keep their values and the others are zeroed.
    public static func random(shape: GemmShape, mac: MACTypes, seed: UInt64, sparsity: Sparsity? = nil) -> (a: IntMatrix, b: IntMatrix) {
        var rng = SplitMix64(state: seed)
        let a = (0..<shape.m * shape.k).map { _ in rng.next(mac.a) }
        // Coded weights: a code drawn uniformly, as its value.
        let b = (0..<shape.k * shape.n).map { _ in mac.weights.decode(rng.next(mac.b)) }
        var mb = IntMatrix(rows: shape.k, cols: shape.n, data: b)
        if let p = sparsity {
            for col in 0..<shape.n {
                for k0 in stride(from: 0, to: shape.k, by: p.m) {
                    var rows = Array(k0..<min(k0 + p.m, shape.k))
                    for i in rows.indices.reversed() where i > 0 { rows.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                    for r in rows.dropFirst(p.n) { mb[r, col] = 0 }
                }
            }
        }
        return (IntMatrix(rows: shape.m, cols: shape.k, data: a), mb)
    }

    /// Random group exponents for K × N with groups of `group`: ⌈K/G⌉ × N values in 0…7.
    public static func randomGroupScales(k: Int, n: Int, group: Int, seed: UInt64) -> IntMatrix {
        var rng = SplitMix64(state: seed ^ 0x6772_6F75_7073)
        let rows = (k + group - 1) / group
        return IntMatrix(rows: rows, cols: n, data: (0..<rows * n).map { _ in Int64(rng.next() % 8) })
    }

    /// Random E8M0 block scales, `rows` × `cols`: mostly within 2^±8 (codes 119…135), one in 16
    /// an extreme code (0, 1, 127 ± 100, 253, 254) so results reach FP32's subnormals and its
    /// overflow, one in 64 NaN (0xFF).
    public static func randomMXScales(rows: Int, cols: Int, seed: UInt64) -> IntMatrix {
        var rng = SplitMix64(state: seed)
        let extremes: [Int64] = [0, 1, 27, 227, 253, 254]
        return IntMatrix(rows: rows, cols: cols, data: (0..<rows * cols).map { _ in
            let r = rng.next() % 64
            if r == 0 { return 255 }
            if r < 5 { return extremes[Int(rng.next() % UInt64(extremes.count))] }
            return 119 + Int64(rng.next() % 17)
        })
    }

    /// Random per-column epilogue scales for N columns: M in [2^30, 2^31), and n around the shift
    /// that maps a sum of about `sumBits` bits onto `out` (within ±2, so some results saturate).
    public static func randomColumnScales(n: Int, sumBits: Int, out: HWType, seed: UInt64) -> ColumnScales {
        var rng = SplitMix64(state: seed ^ 0x7363_616C_6573)
        let base = sumBits + 31 - out.bits
        let m = (0..<n).map { _ in Int64(1 << 30) + Int64(rng.next() % (1 << 30)) }
        let s = (0..<n).map { _ in Int64(min(63, max(0, base - 2 + Int(rng.next() % 5)))) }
        return ColumnScales(multipliers: m, shifts: s)
    }

    /// Loads A and B, checking their values fit `mac.a`/`mac.b`, that A's columns match B's rows,
    /// and the ``GemmShape`` size limits.
    public static func load(a: String, b: String, mac: MACTypes) throws -> (IntMatrix, IntMatrix) {
        let ma = try mac.float.map { try Npy.readFloatMatrix(path: a, role: "A", format: $0.a) } ?? Npy.readMatrix(path: a, role: "A", type: mac.a)
        if let problem = GemmShape.limitProblem([("M", ma.rows), ("K", ma.cols)]) {
            throw HWGenError.badInput("\(a): shape \(Npy.tuple([ma.rows, ma.cols])): \(problem)")
        }
        let mb = try mac.float.map { try Npy.readFloatMatrix(path: b, role: "B", format: $0.b) }
            ?? (mac.weights == .integer ? try Npy.readMatrix(path: b, role: "B", type: mac.b)
                : try Npy.readMatrix(path: b, role: "B", what: mac.bTag, allowed: mac.weights.allowedValues, accepts: mac.containsB))
        let shapeB = Npy.tuple([mb.rows, mb.cols])
        guard mb.rows == ma.cols else {
            throw HWGenError.badInput(
                "\(b): shape \(shapeB) does not match \(a) \(Npy.tuple([ma.rows, ma.cols])): B must have \(ma.cols) rows")
        }
        if let problem = GemmShape.limitProblem([("M", ma.rows), ("K", mb.rows), ("N", mb.cols)]) {
            throw HWGenError.badInput("\(b): shape \(shapeB): \(problem)")
        }
        return (ma, mb)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose output is fixed by its definition,
/// unlike the standard library's random APIs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value uniform over the full range of `type` (the top `type.bits` bits of one draw;
    /// signed types and unsigned types up to 63 bits).
    mutating func next(_ type: HWType) -> Int64 {
        let shift = 64 - type.bits
        let raw = next()
        return type.signed ? Int64(bitPattern: raw) >> shift : Int64(bitPattern: raw >> shift)
    }
}
