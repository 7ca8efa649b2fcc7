import Foundation
import HWGenGolden
import TextTable

/// The error each floating-point accumulation adds to a GEMM (`hwgen accuracy`), from the golden
/// model alone: LLM-like operands quantized per tensor to an element format, C from each
/// accumulation compared with the exact sum of the same quantized products.
public struct FloatAccuracy: Codable, Sendable {
    /// How operands are scaled to the element format.
    public enum Scaling: String, Codable, Sendable, CaseIterable {
        /// One scale per tensor (max|x| to the format's largest value); C's relative error does not depend on it.
        case tensor
        /// DeepSeek-V3's fine-grained scaling: FP32 scales per 1×128 block of A and per 128×128 block
        /// of B; each block's partial sum (by the accumulation) is scaled and added into FP32.
        case block128
        /// OCP MX: E8M0 scales per 32 elements along K (shared exponent ⌊log2 max|x|⌋ − the format's
        /// largest exponent); each block's dot product exact, scaled, added into FP32.
        case mx32
    }

    /// One accumulation at one K.
    public struct Row: Codable, Sendable {
        public var k: Int
        public var scaling: Scaling
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
    /// each operand scaled as `scalings` say and rounded to the format (nearest even, saturating).
    /// A and B use the same `format`. The reference is the exact sum of the same quantized, scaled
    /// products. MX blocks are summed exactly whatever the accumulation (the OCP definition).
    public init(format: FloatFormat, ks: [Int], m: Int, n: Int, seed: UInt64, accumulations: [(FloatAccumulation, group: Int)],
                scalings: [Scaling] = [.tensor]) {
        self.format = format.name
        (self.m, self.n, self.seed) = (m, n, seed)
        operands = "A ~ N(0,1), every 64th K channel ×20; B ~ N(0,0.02²); rounded to \(format.name), nearest even"
        var rows: [Row] = []
        let maxExp = Int(log2(format.maxValue.double).rounded(.down))
        for k in ks {
            var rng = SplitMix64(state: seed &+ UInt64(k))
            func gauss() -> Double {
                let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
                return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            }
            let a = (0..<(m * k)).map { i in gauss() * (i % k % 64 == 7 ? 20 : 1) }, b = (0..<(k * n)).map { _ in gauss() * 0.02 }
            for scaling in scalings {
                let block = scaling == .mx32 ? 32 : scaling == .block128 ? 128 : k
                // The scale of a group of values: FP32 max|x|/max, or an E8M0 power of two.
                func scale(_ xs: [Double]) -> FloatValue {
                    let amax = xs.map(abs).max() ?? 0
                    guard amax > 0 else { return FloatValue(1.0) }
                    if scaling == .mx32 {
                        return GoldenFloat.e8m0(UInt8(min(254, max(0, Int(log2(amax).rounded(.down)) - maxExp + 127))))
                    }
                    return FloatValue(Double(Float(amax / format.maxValue.double)))
                }
                func q(_ x: Double, _ s: FloatValue) -> FloatValue { format.decode(format.encode(FloatValue(x / s.double))) }
                let kb = Self.ceilDivide(k, block)
                // A: per row and K block; B: per K block and 128 columns (per K block of 32 for MX).
                var sa: [FloatValue] = [], qa = [FloatValue](repeating: FloatValue(0.0), count: m * k)
                let whole = scaling == .tensor ? scale(a) : nil
                for i in 0..<m {
                    for bk in 0..<kb {
                        let r = (bk * block)..<min(k, (bk + 1) * block), s = whole ?? scale(r.map { a[i * k + $0] })
                        sa.append(s)
                        for kk in r { qa[i * k + kk] = q(a[i * k + kk], s) }
                    }
                }
                let colBlock = scaling == .mx32 ? 1 : scaling == .block128 ? 128 : n
                var sb: [FloatValue] = [], qb = [FloatValue](repeating: FloatValue(0.0), count: k * n)
                for bk in 0..<kb {
                    for c0 in stride(from: 0, to: n, by: colBlock) {
                        let r = (bk * block)..<min(k, (bk + 1) * block), cols = c0..<min(n, c0 + colBlock)
                        let s = scale(r.flatMap { kk in cols.map { b[kk * n + $0] } })
                        sb.append(s)
                        for kk in r { for j in cols { qb[kk * n + j] = q(b[kk * n + j], s) } }
                    }
                }
                let colBlocks = Self.ceilDivide(n, colBlock)
                var exact: [Double] = [], blocks: [[[FloatValue]]] = [], scales: [[FloatValue]] = []
                for i in 0..<m {
                    for j in 0..<n {
                        let bl = (0..<kb).map { bk in ((bk * block)..<min(k, (bk + 1) * block)).map { GoldenFloat.product(qa[i * k + $0], qb[$0 * n + j]) } }
                        let sc = (0..<kb).map { bk in GoldenFloat.product(sa[i * kb + bk], sb[bk * colBlocks + j / colBlock]) }
                        exact.append(GoldenFloat.exactSum(zip(bl, sc).map { GoldenFloat.product(GoldenFloat.exactSum($0), $1) }).double)
                        blocks.append(bl)
                        scales.append(sc)
                    }
                }
                let rms = (exact.reduce(0) { $0 + $1 * $1 } / Double(exact.count)).squareRoot()
                let accs = scaling == .mx32 ? [(FloatAccumulation.exact, group: 1)] : accumulations
                for (acc, group) in accs {
                    var num = 0.0, den = 0.0, maxRel = 0.0
                    for (idx, e) in exact.enumerated() {
                        let code = scaling == .tensor ? GoldenFloat.dot(blocks[idx][0], acc: acc, group: group)
                            : GoldenFloat.blockedDot(blocks[idx], scales: scales[idx], inner: acc, group: group)
                        let x = scaling == .tensor ? Double(Float(bitPattern: code)) * scales[idx][0].double : Double(Float(bitPattern: code))
                        num += (x - e) * (x - e)
                        den += e * e
                        if abs(e) >= rms / 10 { maxRel = max(maxRel, abs(x - e) / abs(e)) }
                    }
                    let label = scaling == .mx32 ? "exact blocks, fp32 across" : "\(acc)" + (group > 1 ? " (groups of \(group))" : "")
                    rows.append(Row(k: k, scaling: scaling, accumulation: label, relativeError: (num / den).squareRoot(), maxRelativeError: maxRel))
                }
            }
        }
        self.rows = rows
    }

    static func ceilDivide(_ x: Int, _ y: Int) -> Int { (x + y - 1) / y }

    /// The Markdown table.
    public var markdown: String {
        let t = TextTable<Row> { r in
            [Column(title: "K", value: r.k, align: .right), Column(title: "scaling", value: r.scaling.rawValue),
             Column(title: "accumulation", value: r.accumulation),
             Column(title: "relative error", value: String(format: "%.2e", r.relativeError), align: .right),
             Column(title: "max relative error", value: String(format: "%.2e", r.maxRelativeError), align: .right)]
        }
        return "accuracy of \(format) × \(format) GEMMs, \(m)×K×\(n), seed \(seed): \(operands)\n\n" + (t.string(for: rows) ?? "") + "\n"
    }
}
