import HWGenTypes

/// Bit-accurate reference model of an integer GEMM as computed by the MAC array.
///
/// Written independently of the RTL generator: it relies only on the `Types` layer.
public enum GoldenGEMM {
    /// Computes C = A · B the way the hardware accumulator does, without groups (below).
    public static func multiply(_ a: IntMatrix, _ b: IntMatrix, mac: MACTypes) -> IntMatrix {
        multiply(a, b, mac: mac, group: nil, scales: nil)
    }

    /// C = A · B as the accumulator computes it, with ternary or power-of-two weights as their
    /// values, a wrapping or saturating accumulator, and optionally MixPE group dequantization.
    ///
    /// Without groups, acc starts at 0 and takes acc ← step(acc + A[i][k]·B[k][j]) for k in order,
    /// where `step` wraps (two's complement, or modulo 2^bits unsigned) or, with
    /// ``MACTypes/saturating``, clamps to the accumulator's range. Products are exact.
    ///
    /// With `group` G and `scales` E (⌈K/G⌉ × N exponents), acc ← step(acc + 2^E[g][j] · S_g) for
    /// each group g in order, where S_g = Σ_{k∈g} A[i][k]·B[k][j] is exact (the last group may be
    /// shorter).
    ///
    /// - Precondition: shapes agree; elements are within their types (B: ``MACTypes/containsB(_:)``);
    ///   `mac.acc.bits <= 48`; exponents in 0…15.
    public static func multiply(_ a: IntMatrix, _ b: IntMatrix, mac: MACTypes, group: Int?, scales: IntMatrix?) -> IntMatrix {
        precondition(a.cols == b.rows, "GoldenGEMM: A is \(a.rows)x\(a.cols) but B is \(b.rows)x\(b.cols)")
        precondition(a.data.allSatisfy(mac.a.contains), "GoldenGEMM: A element outside \(mac.a)")
        precondition(b.data.allSatisfy(mac.containsB), "GoldenGEMM: B element outside \(mac.bTag)")
        precondition(mac.acc.bits <= 48, "GoldenGEMM: accumulator wider than 48 bits")
        let g = group ?? 1
        if group != nil {
            precondition(scales.map { $0.rows == (a.cols + g - 1) / g && $0.cols == b.cols } == true,
                         "GoldenGEMM: group exponents must be ⌈K/G⌉ × N")
            precondition(scales!.data.allSatisfy { (0...15).contains($0) }, "GoldenGEMM: exponent outside 0…15")
        }
        let (lo, hi) = (mac.acc.minValue, mac.acc.maxValue!)
        // Magnitudes: products < 2^32, group sums < 2^42, shifted sums < 2^57 and |acc| < 2^48,
        // so no Int64 operation below overflows.
        func step(_ x: Int64) -> Int64 { mac.saturating ? min(max(x, lo), hi) : wrap(x, to: mac.acc) }
        var c = IntMatrix(rows: a.rows, cols: b.cols)
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                var acc: Int64 = 0
                var k0 = 0
                while k0 < a.cols {
                    let k1 = min(k0 + g, a.cols)
                    var sum: Int64 = 0
                    for k in k0..<k1 { sum += a[i, k] * b[k, j] }
                    if let e = scales { sum <<= e[k0 / g, j] }
                    acc = step(acc + sum)
                    k0 = k1
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

/// Bit-exact reference of the requantization epilogue (``Epilogue``).
public enum GoldenEpilogue {
    /// Applies `e` to every element of `c`; column j uses `columns`' M[j] and n[j] when
    /// `e.perColumn` (which must then be given, with N entries each).
    public static func apply(_ c: IntMatrix, _ e: Epilogue, columns: ColumnScales?) -> IntMatrix {
        var y = IntMatrix(rows: c.rows, cols: c.cols)
        for i in 0..<c.rows {
            for j in 0..<c.cols {
                if let scale = e.scale {
                    let v = GoldenFloat.requantize(c[i, j], scale: scale, zeroPoint: e.zeroPoint, out: e.out)
                    y[i, j] = e.relu ? max(v, e.zeroPoint) : v
                    continue
                }
                let (m, n) = e.perColumn ? (columns!.multipliers[j], Int(columns!.shifts[j])) : (e.multiplier, e.shift)
                y[i, j] = requantize(c[i, j], multiplier: m, shift: n, e)
            }
        }
        return y
    }

    /// round(acc · M / 2^n) + zero_point, saturated to `out`, then (relu) at least zero_point.
    public static func requantize(_ acc: Int64, multiplier: Int64, shift n: Int, _ e: Epilogue) -> Int64 {
        let x = Int128(acc) * Int128(multiplier)            // exact: < 2^79
        var q = x >> n                                      // floor
        if n > 0 {
            let r = x - (q << n), half = Int128(1) << (n - 1)
            switch e.rounding {
            case .truncate: break
            case .halfUp: if r >= half { q += 1 }
            case .halfAway: if r > half || (r == half && q >= 0) { q += 1 }
            case .halfEven: if r > half || (r == half && q & 1 == 1) { q += 1 }
            }
        }
        let y = q + Int128(e.zeroPoint)
        var out = Int64(min(max(y, Int128(e.out.minValue)), Int128(e.out.maxValue!)))
        if e.relu { out = max(out, e.zeroPoint) }
        return out
    }
}
