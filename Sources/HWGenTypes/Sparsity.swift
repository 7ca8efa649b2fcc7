/// N:M structured sparsity of the weights (B): in every group of M consecutive elements of a
/// column along K, at most N are nonzero (`sparsity: "2:4"` in a spec).
public struct Sparsity: Hashable, Sendable, CustomStringConvertible {
    /// Nonzeros kept per group.
    public let n: Int
    /// Group length along K.
    public let m: Int

    /// Allowed group lengths.
    public static let groupSizes = [2, 4, 8, 16]

    public init?(n: Int, m: Int) {
        guard Self.groupSizes.contains(m), (1..<m).contains(n) else { return nil }
        self.n = n
        self.m = m
    }

    /// Parses `N:M`, e.g. `2:4`; nil unless M is 2, 4, 8 or 16 and 1 ≤ N < M.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(n: n, m: m)
    }

    /// Bits of an index within a group.
    public var indexBits: Int { max(1, m.trailingZeroBitCount) }

    public var description: String { "\(n):\(m)" }

    /// Elements of K that `stored` stored weights (whole groups of N) stand for: stored / N · M.
    public func denseSpan(_ stored: Int) -> Int { stored / n * m }
}

extension Optional where Wrapped == Sparsity {
    /// Elements of K that `stored` weights stand for: ``Sparsity/denseSpan(_:)``, or `stored`
    /// itself for dense weights.
    public func denseSpan(_ stored: Int) -> Int { map { $0.denseSpan(stored) } ?? stored }
}
