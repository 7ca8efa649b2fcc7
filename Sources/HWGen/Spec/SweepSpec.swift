import Foundation
import Yams

/// A design-space sweep (`hwgen sweep SWEEP.yaml`): a base spec, dotted spec fields to vary
/// (their cross product gives the points), the workload and what to run on each point.
public struct SweepSpec {
    /// One varied field: its dotted path as written in the sweep file, and its values (YAML nodes,
    /// so `4` stays an integer and `booth` a string). A `range: [lo, hi, step]` field also keeps
    /// its bounds, which a search hands to its sampler as an integer distribution.
    public struct Field {
        public let path: String
        public let values: [String]
        let nodes: [Node]
        public var range: (low: Int, high: Int, step: Int)? = nil
    }

    /// The sweep file's path as given, and the base spec's path (resolved against its directory).
    public let source: String
    public let basePath: String
    public let fields: [Field]
    public let gemm: GemmShape?
    public let steps: [String]
    public let target: SynthTarget
    public let clockNS: Double
    public let seed: UInt64
    let baseText: String
    /// The Pareto plot's and front's axes, x then y (`hwgen sweep --pareto X,Y`), when the file
    /// names no `objectives`.
    public var pareto: (x: SweepAxis, y: SweepAxis) = (.area, .gops)
    /// What a search optimizes (`objectives:`, 2 or 3), and the front and plots of a grid too; empty
    /// when the file has none.
    public var objectives: [SweepObjective] = []
    /// `constraints:`: a point that breaks one is infeasible (not on the front).
    public var constraints: [SweepConstraint] = []

    /// What the front is taken over: the file's objectives, else the two `--pareto` axes.
    var frontObjectives: [SweepObjective] { objectives.isEmpty ? [pareto.x, pareto.y].map { $0.objective(target.flow) } : objectives }

    /// The sweep file's name without its extension (`os_kinds`).
    public var name: String { URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent }

    static let keys = ["base", "vary", "objectives", "constraints", "gemm", "steps", "target", "clock", "seed"]
    /// The most values one `range:` may give.
    static let maxRangeValues = 100_000
    /// What `steps` may hold.
    public static let stepNames = ["sim", "synth", "power"]

    /// Reads and checks a sweep file; every problem is one exit-2 line naming the file and field.
    public static func load(path: String) throws -> SweepSpec {
        let data = try readInputFile(path)
        guard let text = String(validating: data, as: UTF8.self) else { throw HWGenError.badInput("\(path): not UTF-8 text") }
        func fail(_ field: String, _ what: String) -> HWGenError { HWGenError.badInput("\(path): \(field.isEmpty ? "" : "\(field): ")\(what)") }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw fail("", "invalid YAML: \(String(describing: error).prefix { !$0.isNewline })")
        }
        guard case .mapping(let top)? = root else { throw fail("", "expected a mapping with \(keys.joined(separator: ", "))") }
        for key in top.keys {
            guard let k = key.string, keys.contains(k) else {
                throw fail("", "unknown field '\(key.string ?? "?")' (allowed: \(keys.joined(separator: ", ")))")
            }
        }
        guard let base = top["base"]?.string else { throw fail("base", "missing or not a string (allowed: a spec path relative to the sweep file)") }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        let basePath = base.hasPrefix("/") ? base : dir.appendingPathComponent(base).path
        let baseText = String(decoding: try readInputFile(basePath), as: UTF8.self)
        _ = try DesignSpec.parse(text: baseText, source: basePath)   // the base itself must be valid

        guard case .mapping(let vary)? = top["vary"], !vary.isEmpty else {
            throw fail("vary", "missing or empty (allowed: a mapping of dotted spec fields to lists of values, e.g. engine.rows: [2, 4])")
        }
        var fields: [Field] = []
        for (key, value) in vary {
            let name = key.string ?? "?"
            guard SpecReader.fieldPaths.contains(name), name != "name" else {
                throw fail("vary.\(name)", "not a spec field (allowed: \(SpecReader.fieldPaths.filter { $0 != "name" }.joined(separator: ", ")))")
            }
            if case .mapping(let m) = value {
                var r: [Int] = []
                if case .sequence(let seq)? = m["range"], seq.count == 3 { r = seq.compactMap(\.int) }
                guard m.count == 1, r.count == 3, r[2] > 0, r[0] <= r[1] else {
                    throw fail("vary.\(name)", "expected a list of values or { range: [lo, hi, step] } with integers lo <= hi and step > 0")
                }
                guard (r[1] - r[0]) / r[2] < maxRangeValues else { throw fail("vary.\(name)", "the range gives more than \(maxRangeValues) values") }
                let ints = Array(stride(from: r[0], through: r[1], by: r[2]))
                fields.append(Field(path: name, values: ints.map(String.init), nodes: ints.map { Node(String($0), Tag(.int)) },
                                    range: (r[0], ints.last!, r[2])))
                continue
            }
            guard case .sequence(let seq) = value, !seq.isEmpty else {
                throw fail("vary.\(name)", "expected a non-empty list of values (or { range: [lo, hi, step] })")
            }
            let nodes = Array(seq)
            guard nodes.allSatisfy({ $0.scalar != nil }) else { throw fail("vary.\(name)", "every value must be a scalar") }
            fields.append(Field(path: name, values: nodes.map { $0.scalar!.string }, nodes: nodes))
        }
        let gemm = try top["gemm"].map { n -> GemmShape in
            guard let s = n.string else { throw fail("gemm", "expected MxKxN") }
            do { return try GemmShape.parse(s) } catch let e as HWGenError { throw fail("gemm", e.message) }
        }
        var steps = ["sim", "synth"]
        if let s = top["steps"] {
            guard case .sequence(let seq) = s, !seq.isEmpty else { throw fail("steps", "expected a non-empty list (allowed: sim, synth, power)") }
            steps = try seq.map { n in
                guard let v = n.string, stepNames.contains(v) else { throw fail("steps", "'\(n.string ?? "?")' is not a step (allowed: sim, synth, power)") }
                return v
            }
        }
        var target = SynthTarget.osu018
        if let t = top["target"] {
            guard let v = t.string, let tt = SynthTarget(rawValue: v) else {
                throw fail("target", "'\(t.string ?? "?")' is not a target (allowed: \(SynthTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            target = tt
        }
        var clock = 10.0
        if let c = top["clock"] {
            guard let v = c.float ?? c.int.map(Double.init), v > 0, v <= 1000 else { throw fail("clock", "expected a number of ns in (0, 1000]") }
            clock = v
        }
        var seed: UInt64 = 1
        if let s = top["seed"] {
            guard let v = s.int, v >= 0 else { throw fail("seed", "expected a non-negative integer") }
            seed = UInt64(v)
        }
        if steps.contains("power") {
            guard steps.contains("synth") else { throw fail("steps", "power needs synth (the gate-level simulation runs on its netlist)") }
            guard target == .osu018 else { throw fail("steps", "power needs target osu018 (\(target.rawValue) has no Liberty power tables)") }
        }
        var spec = SweepSpec(source: path, basePath: basePath, fields: fields, gemm: gemm, steps: steps, target: target,
                             clockNS: clock, seed: seed, baseText: baseText)
        if let o = top["objectives"] {
            guard case .mapping(let m) = o, (2...3).contains(m.count) else {
                throw fail("objectives", "expected 2 or 3 of METRIC: minimize|maximize (metrics: \(SweepMetric.names))")
            }
            for (k, v) in m {
                let name = k.string ?? "?"
                guard let metric = SweepMetric(rawValue: name) else { throw fail("objectives.\(name)", "not a metric (allowed: \(SweepMetric.names))") }
                guard let d = v.string, d == "minimize" || d == "maximize" else { throw fail("objectives.\(name)", "expected minimize or maximize") }
                if let why = metric.missing(steps: steps, target: target) { throw fail("objectives.\(name)", "\(why); the sweep's steps: [\(steps.joined(separator: ", "))], target \(target.rawValue)") }
                guard !spec.objectives.contains(where: { $0.metric == metric }) else { throw fail("objectives.\(name)", "named twice") }
                spec.objectives.append(SweepObjective(metric: metric, maximize: d == "maximize"))
            }
        }
        if let c = top["constraints"] {
            guard case .sequence(let seq) = c, !seq.isEmpty, seq.allSatisfy({ $0.string != nil }) else {
                throw fail("constraints", "expected a list such as [\"area_mm2 <= 2\", \"fmax_mhz >= 200\"]")
            }
            for (i, n) in seq.enumerated() {
                let con = try SweepConstraint.parse(n.string!, field: "\(path): constraints[\(i)]")
                if let why = con.metric.missing(steps: steps, target: target) {
                    throw fail("constraints[\(i)]", "\(con.metric.rawValue) \(why); the sweep's steps: [\(steps.joined(separator: ", "))], target \(target.rawValue)")
                }
                spec.constraints.append(con)
            }
        }
        return spec
    }

    /// How many points the fields span (saturating at `Int.max`).
    public var size: Int {
        fields.reduce(1) { n, f in n.multipliedReportingOverflow(by: f.values.count).overflow ? Int.max : n * f.values.count }
    }

    /// The points: the cross product of the fields' values, first field slowest.
    public var points: [[Int]] {
        fields.reduce([[]]) { acc, f in acc.flatMap { p in f.values.indices.map { p + [$0] } } }
    }

    /// The spec text of a point (the base with the point's values set), named
    /// `<base name>_<hash of the values>`.
    public func pointText(_ point: [Int]) throws -> String {
        guard case .mapping(var top)? = try Yams.compose(yaml: baseText) else { throw HWGenError.badInput("\(basePath): not a mapping") }
        let label = zip(fields, point).map { "\($0.path)=\($0.values[$1])" }.joined(separator: ",")
        for (f, i) in zip(fields, point) {
            let parts = f.path.split(separator: ".").map(String.init)
            if parts.count == 1 { top[parts[0]] = f.nodes[i]; continue }
            var inner: Node.Mapping
            if case .mapping(let m)? = top[parts[0]] { inner = m } else { inner = Node.Mapping([]) }
            inner[parts[1]] = f.nodes[i]
            top[parts[0]] = .mapping(inner)
        }
        let baseName = top["name"]?.string ?? "design"
        top["name"] = Node("\(baseName.prefix(40))_\(String(FNV1a64.hash(label), radix: 16))")
        return try Yams.serialize(node: .mapping(top))
    }
}
