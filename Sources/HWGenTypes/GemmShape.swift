/// A GEMM problem size: C (M×N) = A (M×K) · B (K×N).
public struct GemmShape: Hashable, Sendable, CustomStringConvertible {
    public var m: Int
    public var k: Int
    public var n: Int

    /// Allowed size of each dimension.
    public static let dimRange = 1...4096
    /// Largest allowed element count of A, B and C (M·K, K·N, M·N).
    public static let maxElements = 1 << 22

    public init(m: Int, k: Int, n: Int) {
        self.m = m
        self.k = k
        self.n = n
    }

    /// `MxKxN`, e.g. `37x100x21`.
    public var description: String { "\(m)x\(k)x\(n)" }

    /// Parses the `--gemm` argument `MxKxN`, e.g. `37x100x21`, checking the size limits.
    /// With `limits: false` only positivity is checked (cycle models take any size).
    public static func parse(_ s: String, limits: Bool = true) throws -> GemmShape {
        func fail(_ what: String) -> HWGenError { HWGenError.badInput("--gemm: \(s.debugDescription): \(what)") }
        let parts = s.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            throw fail("not of the form MxKxN (allowed: three positive integers, e.g. 37x100x21)")
        }
        let names = ["M", "K", "N"]
        var dims: [Int] = []
        for (name, part) in zip(names, parts) {
            guard let dim = Int(part) else { throw fail("\(name) = \(part) is out of range (allowed: \(dimRange))") }
            dims.append(dim)
        }
        if limits, let problem = limitProblem(Array(zip(names, dims))) { throw fail(problem) }
        if let d = zip(names, dims).first(where: { $0.1 < 1 || $0.1 > 1 << 30 }) { throw fail("\(d.0) = \(d.1) is out of range (allowed: 1...\(1 << 30))") }
        return GemmShape(m: dims[0], k: dims[1], n: dims[2])
    }

    /// The first dimension outside ``dimRange``, or pair whose product exceeds ``maxElements``, described; nil if none.
    package static func limitProblem(_ dims: [(name: String, size: Int)]) -> String? {
        if let d = dims.first(where: { !dimRange.contains($0.size) }) {
            return "\(d.name) = \(d.size) is out of range (allowed: \(dimRange))"
        }
        for (i, x) in dims.enumerated() {
            for y in dims[(i + 1)...] where x.size * y.size > maxElements {
                return "\(x.name)*\(y.name) = \(x.size * y.size) is too large (allowed: at most \(maxElements))"
            }
        }
        return nil
    }
}

/// ⌈x / y⌉ for positive y.
package func ceilDiv(_ x: Int, _ y: Int) -> Int { (x + y - 1) / y }

/// The order in which an engine adds the K products of one result: integer sums do not depend
/// on it, floating-point sums do, so a golden model asks the engine (``EngineDescriptor``).
public enum ReductionOrder: Hashable, Sendable {
    /// One product at a time into the accumulator, k = 0, 1, … (OS, 2D-Matrix PEs).
    case sequential
    /// Blocks of `block` consecutive products of K are each summed down a chain of PEs, in K
    /// order from zero, and each block sum is added to the accumulator in K order (WS, IS).
    case chained(block: Int)
    /// Blocks of `block` consecutive products of K are each summed by a balanced adder tree
    /// (pairs of neighbours first), and each block sum is added to the accumulator in K order
    /// (cube, tree).
    case tree(block: Int)
}
