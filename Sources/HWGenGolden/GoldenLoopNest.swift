import HWGenTypes

/// The loop nest's values and a derived array's cycles, from the nest and the space-time
/// schedule alone (never from the generator).
public enum GoldenLoopNest {
    /// Runs `O[…] += X[…] * Y[…]` over every iteration within `bounds`: each output element starts
    /// at 0 and takes every product, wrapping to `acc` (two's complement). Elements no iteration
    /// writes stay 0.
    public static func evaluate(_ nest: LoopNest, bounds: [Int], tensors: [String: IntTensor], acc: HWType) throws -> IntTensor {
        let shapes = try nest.shapes(bounds: bounds)
        var out = IntTensor(zeros: shapes[nest.output.name]!)
        let (a, b) = (tensors[nest.a.name]!, tensors[nest.b.name]!)
        var p = Array(repeating: 0, count: bounds.count)
        let total = bounds.reduce(1, *)
        for _ in 0..<total {
            let o = nest.output.element(p)
            out[o] = GoldenGEMM.wrap(out[o] &+ a[nest.a.element(p)] &* b[nest.b.element(p)], to: acc)
            for l in p.indices.reversed() {
                p[l] += 1
                if p[l] < bounds[l] { break }
                p[l] = 0
            }
        }
        return out
    }

    /// Cycles from the first accepted beat to the last result of a derived output-stationary
    /// array, from its timing rules:
    /// - beats are offered back to back; a beat that ends an output element (every
    ///   ``SpaceTimeSchedule/runLength``-th) is accepted no sooner than
    ///   ``SpaceTimeSchedule/drainSpacing`` cycles after the previous such beat;
    /// - PE (x, y) takes the beat accepted in cycle c in cycle c + skew(x, y); its sum includes it
    ///   1 + pipeline cycles later (pipeline 2: the upper half one more); it then enters the
    ///   result chain and leaves its row's port after hops(y) more cycles: an element whose last
    ///   beat was accepted in cycle L leaves in cycle L + skew(x, y) + hops(y) + 2 + pipeline.
    ///
    /// A digit-serial MAC (`elementCycles` D > 1) takes a beat every D cycles, each for D cycles;
    /// an element's result then leaves D − 1 cycles later than above.
    public static func spaceTimeCycles(_ s: SpaceTimeSchedule, pipeline: Int, elementCycles d: Int = 1) -> Int {
        // Element ends: the first after runLength beats, each later one max(runLength·D, spacing) on.
        let ends = s.beats / s.runLength
        let lastEnd = (s.runLength - 1) * d + (ends - 1) * max(s.runLength * d, s.drainSpacing) + d - 1
        let far = (0..<s.dataflow.rows).flatMap { x in (0..<s.dataflow.cols).map { y in s.skew(x: x, y: y) + s.hops(y: y) } }.max()!
        return lastEnd + far + 2 + pipeline + 1
    }

    /// Cycles of a derived array whose output moves (``ReductionSchedule``), from its timing
    /// rules: the R preload beats and every pass's P beats are accepted back to back (cycles 0 …
    /// beats − 1); PE (x, y) takes a beat accepted in cycle c in cycle c + σx·x + σy·y, its partial
    /// sum (the product registered first when pipeline ≥ 1) moves σx cycles per PE down x; under
    /// column y the group's sum is registered once more and leaves. The last beat's last column:
    /// (beats − 1) + maxSkew + σx + (pipeline ≥ 1 ? 1 : 0) + 1, and one cycle more to count it.
    public static func reductionCycles(_ s: ReductionSchedule, pipeline: Int) -> Int {
        (s.beats - 1) + s.maxSkew + s.dataflow.sigmaX + (pipeline >= 1 ? 1 : 0) + 1 + 1
    }

    /// The golden cycles of either form of derived array.
    /// With `pairs` (FFIP) a beat carries two values of the innermost loop.
    public static func cycles(_ d: SpaceTimeDataflow, bounds: [Int], pipeline: Int, elementCycles: Int = 1, pairs: Bool = false) -> Int {
        d.outputMoves ? reductionCycles(ReductionSchedule(d, bounds: bounds), pipeline: pipeline)
            : spaceTimeCycles(SpaceTimeSchedule(d, bounds: bounds, pairs: pairs), pipeline: pipeline, elementCycles: elementCycles)
    }
}
