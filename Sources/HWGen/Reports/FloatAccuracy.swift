import Foundation
import HWGenGolden
import TextTable

/// The error each floating-point accumulation adds to a GEMM (`hwgen accuracy`), from the golden
/// model alone: LLM-like operands quantized per tensor to an element format, C from each
/// accumulation compared with the exact sum of the same quantized products.
public struct FloatAccuracy: Codable, Sendable {
    /// One accumulation at one K.
    public struct Row: Codable, Sendable {
        public var k: Int
        public var accumulation: String
        /// ‖C − exact‖ / ‖exact‖ (Frobenius).
        public var relativeError: Double
        /// The largest |C − exact| / |exact| over the elements with |exact| at least a tenth of
        /// the RMS of exact C (so that near-zero sums do not dominate).
        public var maxRelativeError: Double
    }

    public var format: String
    public var m: Int
    public var n: Int
    public var seed: UInt64
    public var operands: String
    public var rows: [Row]

    /// Activations: N(0, 1) with every 64th K channel an outlier channel ×20; weights N(0, 0.02²);
    /// each operand scaled by max|x| / (the format's largest value) and rounded to the format
    /// (nearest even, saturating). A and B use the same `format`.
    public init(format: FloatFormat, ks: [Int], m: Int, n: Int, seed: UInt64, accumulations: [(FloatAccumulation, group: Int)]) {
        self.format = format.name
        (self.m, self.n, self.seed) = (m, n, seed)
        operands = "A ~ N(0,1), every 64th K channel ×20; B ~ N(0,0.02²); per-tensor scales to \(format.name), round to nearest even"
        var rows: [Row] = []
        for k in ks {
            var rng = SplitMix64(state: seed &+ UInt64(k))
            func gauss() -> Double {
                let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
                return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            }
            let a = (0..<(m * k)).map { i in gauss() * (i % k % 64 == 7 ? 20 : 1) }, b = (0..<(k * n)).map { _ in gauss() * 0.02 }
            func quantize(_ x: [Double]) -> [FloatValue] {
                let s = (x.map(abs).max() ?? 1) / format.maxValue.double
                return x.map { format.decode(format.encode(FloatValue($0 / s))) }
            }
            let qa = quantize(a), qb = quantize(b)
            var exact: [Double] = [], products: [[FloatValue]] = []
            for i in 0..<m {
                for j in 0..<n {
                    let p = (0..<k).map { GoldenFloat.product(qa[i * k + $0], qb[$0 * n + j]) }
                    exact.append(GoldenFloat.exactSum(p).double)
                    products.append(p)
                }
            }
            let rms = (exact.reduce(0) { $0 + $1 * $1 } / Double(exact.count)).squareRoot()
            for (acc, group) in accumulations {
                let c = products.map { Double(Float(bitPattern: GoldenFloat.dot($0, acc: acc, group: group))) }
                var num = 0.0, den = 0.0, maxRel = 0.0
                for (x, e) in zip(c, exact) {
                    num += (x - e) * (x - e)
                    den += e * e
                    if abs(e) >= rms / 10 { maxRel = max(maxRel, abs(x - e) / abs(e)) }
                }
                rows.append(Row(k: k, accumulation: "\(acc)" + (group > 1 ? " (groups of \(group))" : ""),
                                relativeError: (num / den).squareRoot(), maxRelativeError: maxRel))
            }
        }
        self.rows = rows
    }

    /// The Markdown table.
    public var markdown: String {
        let t = TextTable<Row> { r in
            [Column(title: "K", value: r.k, align: .right), Column(title: "accumulation", value: r.accumulation),
             Column(title: "relative error", value: String(format: "%.2e", r.relativeError), align: .right),
             Column(title: "max relative error", value: String(format: "%.2e", r.maxRelativeError), align: .right)]
        }
        return "accuracy of \(format) × \(format) GEMMs, \(m)×K×\(n), seed \(seed): \(operands)\n\n" + (t.string(for: rows) ?? "") + "\n"
    }
}
