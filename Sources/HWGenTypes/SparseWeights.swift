/// N:M weight compression: the pattern check and the compressed form sparse engines store (the
/// golden model checks dense B with it; the engines' stimulus stores its compression).
public enum SparseWeights {
    /// B compressed along K: for each column and each group of M rows (the last one zero-padded),
    /// N (value, index-in-group) pairs — the group's nonzeros in row order, then (0, 0) pads.
    public struct Compressed: Sendable {
        public let pattern: Sparsity
        /// `values[g * N + e][col]`, `indices[g * N + e][col]` for group g, entry e.
        public let values: IntMatrix
        public let indices: IntMatrix
    }

    /// The first group of `b` with more than N nonzeros, described, or nil when `b` is N:M sparse.
    /// Groups are checked column by column, top to bottom.
    public static func violation(_ b: IntMatrix, _ p: Sparsity) -> String? {
        for col in 0..<b.cols {
            for k0 in stride(from: 0, to: b.rows, by: p.m) {
                let rows = k0..<min(k0 + p.m, b.rows)
                let nonzeros = rows.filter { b[$0, col] != 0 }
                if nonzeros.count > p.n {
                    return "B column \(col), rows \(rows.lowerBound)...\(rows.upperBound - 1) hold \(nonzeros.count) nonzeros "
                        + "(at rows \(nonzeros.map(String.init).joined(separator: ", "))); \(p) sparsity allows at most \(p.n) per group of \(p.m)"
                }
            }
        }
        return nil
    }

    /// Compresses `b`. - Precondition: ``violation(_:_:)`` is nil.
    public static func compress(_ b: IntMatrix, _ p: Sparsity) -> Compressed {
        let groups = (b.rows + p.m - 1) / p.m
        var values = IntMatrix(rows: groups * p.n, cols: b.cols), indices = IntMatrix(rows: groups * p.n, cols: b.cols)
        for col in 0..<b.cols {
            for g in 0..<groups {
                let nonzeros = (g * p.m..<min((g + 1) * p.m, b.rows)).filter { b[$0, col] != 0 }
                precondition(nonzeros.count <= p.n, "SparseWeights: B breaks \(p) in column \(col), group \(g)")
                for (e, row) in nonzeros.enumerated() {
                    values[g * p.n + e, col] = b[row, col]
                    indices[g * p.n + e, col] = Int64(row - g * p.m)
                }
            }
        }
        return Compressed(pattern: p, values: values, indices: indices)
    }

    /// The dense B a compressed one stands for (rows = `k`), for checking a compression.
    public static func expand(_ c: Compressed, rows k: Int) -> IntMatrix {
        var b = IntMatrix(rows: k, cols: c.values.cols)
        for r in 0..<c.values.rows {
            for col in 0..<c.values.cols where c.values[r, col] != 0 {
                b[r / c.pattern.n * c.pattern.m + Int(c.indices[r, col]), col] = c.values[r, col]
            }
        }
        return b
    }
}
