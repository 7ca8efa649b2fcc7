import Foundation

/// Pareto fronts and hypervolumes of objective vectors, every objective minimized (a maximized
/// one is negated first: ``SweepObjective``).
public enum Pareto {
    /// The point's objective vector (minimized), or nil when it has no result, misses a figure or
    /// breaks a constraint (it is then on no front).
    static func objectiveVector(_ r: DesignReport, objectives: [SweepObjective], constraints: [SweepConstraint]) -> [Double]? {
        for c in constraints {
            guard let v = c.violation(r), v <= 0 else { return nil }
        }
        let v = objectives.compactMap { $0.minimized(r) }
        return v.count == objectives.count ? v : nil
    }

    /// Whether `a` dominates `b`: no worse in every objective, better in one.
    public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        zip(a, b).allSatisfy { $0 <= $1 } && zip(a, b).contains { $0 < $1 }
    }

    /// The indices of the vectors no other vector dominates (nil entries are on no front).
    public static func front(_ vectors: [[Double]?]) -> Set<Int> {
        let measured = vectors.indices.compactMap { i in vectors[i].map { (i, $0) } }
        return Set(measured.filter { _, v in !measured.contains { dominates($0.1, v) } }.map(\.0))
    }

    /// The hypervolume `points` dominate up to `reference` (2 or 3 objectives; points not better
    /// than the reference in every objective add nothing).
    public static func hypervolume(_ points: [[Double]], reference: [Double]) -> Double {
        let inside = points.filter { zip($0, reference).allSatisfy { $0 < $1 } }
        switch reference.count {
        case 2: return area(inside.map { ($0[0], $0[1]) }, reference: (reference[0], reference[1]))
        case 3:
            // Slices along the third objective: each slab's depth times the area of the points at or below it.
            let sorted = inside.sorted { $0[2] < $1[2] }
            var volume = 0.0
            for (i, p) in sorted.enumerated() {
                let top = i + 1 < sorted.count ? sorted[i + 1][2] : reference[2]
                guard top > p[2] else { continue }
                volume += (top - p[2]) * area(sorted[...i].map { ($0[0], $0[1]) }, reference: (reference[0], reference[1]))
            }
            return volume
        default:
            preconditionFailure("hypervolume of \(reference.count) objectives: searches have 2 or 3")
        }
    }

    /// The area `points` dominate in two dimensions up to `reference`.
    static func area(_ points: [(Double, Double)], reference: (Double, Double)) -> Double {
        var total = 0.0, bestY = reference.1
        for (x, y) in points.sorted(by: { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }) where y < bestY {
            total += (reference.0 - x) * (bestY - y)
            bestY = y
        }
        return total
    }

    /// Each objective scaled to [0, 1] between the best and worst of `all` (a flat objective to 0),
    /// so that hypervolumes of different units add up; the reference is then 1.1 in each.
    public struct Normalizer: Sendable {
        let low: [Double], high: [Double]

        public init?(_ all: [[Double]]) {
            guard let first = all.first else { return nil }
            low = first.indices.map { i in all.map { $0[i] }.min()! }
            high = first.indices.map { i in all.map { $0[i] }.max()! }
        }

        public func callAsFunction(_ v: [Double]) -> [Double] {
            v.indices.map { high[$0] > low[$0] ? (v[$0] - low[$0]) / (high[$0] - low[$0]) : 0 }
        }

        public var reference: [Double] { Array(repeating: 1.1, count: low.count) }
    }
}
