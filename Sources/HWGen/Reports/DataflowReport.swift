/// `hwgen dataflow SPEC`: a derived array's movement table (what the space-time matrix makes of
/// each tensor's reuse), what the generator builds for each tensor, and for given bounds the
/// schedule's length.
public enum DataflowReport {
    public static func text(_ s: DesignSpec, bounds: [Int]?) -> String {
        let d = s.engine.spaceTime!, loops = d.nest.loops
        let timeNames = (1...(loops.count - 2)).map { "t\($0)" }
        var out = "\(s.name): \(d.nest) on a \(d.rows)x\(d.cols) array\n"
        out += "space-time matrix (rows: PE x, PE y, \(timeNames.joined(separator: ", ")); columns: \(loops.joined(separator: ", "))): "
        out += "[" + d.matrix.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ") + "], determinant \(IntLinear.determinant(d.matrix))\n\n"
        out += "| tensor | reuse d (\(loops.joined(separator: ", "))) | T·d (x, y, \(timeNames.joined(separator: ", "))) | movement | detail |\n|---|---|---|---|---|\n"
        for m in d.movements {
            out += "| \(m.tensor) | (\(m.reuse.map(String.init).joined(separator: ", "))) | (\(m.image.map(String.init).joined(separator: ", "))) | \(m.movement) | \(m.detail) |\n"
        }
        if d.derivationProblem == nil { out += "\nbuilt:\n" + d.builtAs.map { "  \($0.tensor): \($0.how)\n" }.joined() }
        guard let bounds else { return out }
        let cycles = SpaceTimeKind.cycles(d, bounds: bounds, mac: s.macConfig)
        let macs = bounds.reduce(1, *)
        out += "\nschedule for " + zip(loops, bounds).map { "\($0)=\($1)" }.joined(separator: ", ") + ": "
        if d.outputMoves {
            let r = ReductionSchedule(d, bounds: bounds)
            out += "\(d.rows) preload beats + \(r.passes) passes × P = \(r.passBeats) beats = \(r.beats) beats, "
            out += "\(r.groups) group\(r.groups == 1 ? "" : "s") of \(r.groupPasses) pass\(r.groupPasses == 1 ? "" : "es") each, "
        } else {
            let sched = SpaceTimeSchedule(d, bounds: bounds, pairs: MACRegistry.arithmetic(s.macKind).pairsElements)
            out += "\(sched.tiles) tile\(sched.tiles == 1 ? "" : "s") × \(sched.beatsPerTile) beats = \(sched.beats) beats, "
            out += "\(sched.beats / sched.runLength) output elements per PE in turn (\(sched.runLength) beats each), drain spacing \(sched.drainSpacing) cycles, "
        }
        out += "\(cycles) cycles (golden), \(macs) MACs: PE utilization \(String(format: "%.1f", 100.0 * Double(macs) / Double(d.rows * d.cols * cycles))) %\n"
        return out
    }
}
