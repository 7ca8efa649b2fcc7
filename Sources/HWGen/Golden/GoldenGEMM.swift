/// Bit-accurate reference model of an integer GEMM as computed by the MAC array.
///
/// Written independently of the RTL generator: it relies only on the `Types` layer.
public enum GoldenGEMM {
    /// Computes C = A · B the way the hardware accumulator does.
    ///
    /// Each product A[i][k]·B[k][j] is exact (it fits in `mac.product`). The accumulator is an
    /// `mac.acc.bits`-bit register that is loaded with the k = 0 product (sign- or zero-extended,
    /// or truncated if the accumulator is narrower) and then updated `acc ← wrap(acc + product)`
    /// for every further k, where `wrap` is two's-complement wrap for a signed accumulator and
    /// reduction into [0, 2^bits) for an unsigned one. With K = 0 every element is 0.
    ///
    /// - Precondition: `a.cols == b.rows`; every element of `a` (`b`) is within `mac.a` (`mac.b`);
    ///   `mac.acc.bits <= 63`. Callers validate user input before calling.
    public static func multiply(_ a: IntMatrix, _ b: IntMatrix, mac: MACTypes) -> IntMatrix {
        precondition(a.cols == b.rows, "GoldenGEMM: A is \(a.rows)x\(a.cols) but B is \(b.rows)x\(b.cols)")
        precondition(a.data.allSatisfy(mac.a.contains), "GoldenGEMM: A element outside \(mac.a)")
        precondition(b.data.allSatisfy(mac.b.contains), "GoldenGEMM: B element outside \(mac.b)")
        precondition(mac.acc.bits <= 63, "GoldenGEMM: accumulator wider than 63 bits")

        var c = IntMatrix(rows: a.rows, cols: b.cols)
        guard a.cols > 0 else { return c }
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                // Load with the first product, then wrap after every accumulation step.
                var acc = wrap(a[i, 0] &* b[0, j], to: mac.acc)
                for k in 1..<a.cols {
                    // Overflow safety: operands are ≤ 16 bits so |product| < 2^32, and |acc| < 2^48,
                    // so neither `&*` nor `&+` actually wraps in Int64. Even if they did, Int64
                    // arithmetic is exact modulo 2^64, a multiple of 2^bits, so `wrap` stays correct.
                    acc = wrap(acc &+ a[i, k] &* b[k, j], to: mac.acc)
                }
                c[i, j] = acc
            }
        }
        return c
    }

    /// Reduces `x` modulo 2^bits into the range of `type` (bits ≤ 63): keeps the low `bits` bits
    /// and, for a signed type, reinterprets them as two's complement.
    static func wrap(_ x: Int64, to type: HWType) -> Int64 {
        let modulus = Int64(1) << type.bits
        let low = x & (modulus &- 1)                          // x mod 2^bits, in [0, 2^bits)
        if type.signed && low >= modulus >> 1 { return low - modulus }
        return low
    }
}
