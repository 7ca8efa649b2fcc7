/// How a floating-point dot product is accumulated (`mac.acc` of a float MAC).
public enum FloatAccumulation: Hashable, Sendable, CustomStringConvertible {
    /// An FP32 accumulator, rounded to nearest even after every addition, in the engine's order.
    case fp32
    /// Exact: every product summed without rounding, one rounding to FP32 at the end.
    case exact
    /// Each group of products aligned to the leading bit of the largest of them and the
    /// accumulator, each product truncated (toward zero) to `bits` bits below it, added to the
    /// accumulator and the sum rounded to FP32 (as DeepSeek-V3 describes FP8 tensor cores). With `promote`, every `promote` products the
    /// partial sum is added (rounded to nearest even) into an FP32 accumulator and restarts at 0.
    case align(bits: Int, promote: Int?)

    /// Parses `fp32`, `exact`, `align<N>` or `align<N>+promote<P>`; nil for anything else.
    public init?(name: String) {
        switch name {
        case "fp32": self = .fp32
        case "exact": self = .exact
        default:
            let parts = name.split(separator: "+", maxSplits: 1).map(String.init)
            guard parts[0].hasPrefix("align"), let n = Int(parts[0].dropFirst(5)), (2...64).contains(n) else { return nil }
            var promote: Int? = nil
            if parts.count == 2 {
                guard parts[1].hasPrefix("promote"), let p = Int(parts[1].dropFirst(7)), p >= 1 else { return nil }
                promote = p
            }
            self = .align(bits: n, promote: promote)
        }
    }

    public var description: String {
        switch self {
        case .fp32: return "fp32"
        case .exact: return "exact"
        case .align(let n, let p): return "align\(n)" + (p.map { "+promote\($0)" } ?? "")
        }
    }
}
