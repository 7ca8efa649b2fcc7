import Foundation

/// The loop bounds and input tensors of a derived array's run: bounds from `--bounds` (or
/// `--gemm` for a GEMM nest), tensors from `.npy` files (`--tensor NAME=FILE`) or drawn at random
/// over their MAC types with a seed.
public struct NestOperands: Sendable {
    public let bounds: [Int]
    public let tensors: [String: IntTensor]
    /// For reports: `bounds k=8,oh=6 seed 1`.
    public let label: String

    /// Largest iteration count of a run.
    public static let maxIterations = 1 << 26

    public init(_ design: Design, bounds text: String?, gemm: String?, tensors paths: [String], seed: UInt64) throws {
        guard let d = design.spec.engine.spaceTime else {
            throw HWGenError.badInput("--bounds/--tensor: \(design.spec.source) has no dataflow: section (allowed: --gemm, --a, --b)")
        }
        if let f = design.spec.mac.float {
            throw HWGenError.badInput("--bounds/--tensor: \(design.spec.source) has \(f.a.name) elements, which run as a GEMM (allowed: --gemm MxKxN, --a, --b)")
        }
        let nest = d.nest
        let bounds = try Self.bounds(d, text: text, gemm: gemm)
        let shapes: [String: [Int]]
        do { shapes = try nest.shapes(bounds: bounds) } catch let e as LoopNestError { throw HWGenError.badInput("--bounds: \(e.message)") }
        for (name, shape) in shapes.sorted(by: { $0.key < $1.key }) {
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard count <= Self.maxIterations else {
                throw HWGenError.badInput("--bounds: tensor \(name) would have \(count) elements (shape \(Npy.tuple(shape))) (allowed: at most \(Self.maxIterations))")
            }
        }
        let mac = design.spec.mac
        // The second factor is the MAC's b: ternary and p<n> weights as their values.
        let inputs: [(TensorAccess, HWType, (Int64) -> Bool, String, (inout SplitMix64) -> Int64)] = [
            (nest.a, mac.a, mac.a.contains, "\(mac.a.minValue)...\(mac.a.maxValue.map(String.init) ?? "?")", { $0.next(mac.a) }),
            (nest.b, mac.b, mac.containsB, mac.weights == .integer ? "\(mac.b.minValue)...\(mac.b.maxValue.map(String.init) ?? "?")" : "\(mac.weights) values",
             { mac.weights.decode($0.next(mac.b)) })]
        var files: [String: String] = [:]
        for p in paths {
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, inputs.contains(where: { $0.0.name == kv[0] }) else {
                throw HWGenError.badInput("--tensor: '\(p)' is not NAME=FILE.npy for an input of the nest (allowed names: \(nest.a.name), \(nest.b.name))")
            }
            guard files[String(kv[0])] == nil else { throw HWGenError.badInput("--tensor: \(kv[0]) is given twice") }
            files[String(kv[0])] = String(kv[1])
        }
        var rng = SplitMix64(state: seed ^ 0x6E65_7374)
        var tensors: [String: IntTensor] = [:]
        for (access, type, contains, allowed, draw) in inputs {
            let shape = shapes[access.name]!
            if let path = files[access.name] {
                let npy = try Npy.read(path: path)
                guard npy.shape == shape else {
                    throw HWGenError.badInput("\(path): \(access.name) has shape \(Npy.tuple(npy.shape)); the bounds need \(Npy.tuple(shape)) (for \(access))")
                }
                guard !npy.dtype.isFloat else {
                    throw HWGenError.badInput("\(path): dtype \(npy.dtype) (allowed: an integer dtype holding \(type) values)")
                }
                if let i = npy.values.firstIndex(where: { !contains($0) }) {
                    throw HWGenError.badInput("\(path): \(access.name) element \(i) (row-major) is \(npy.values[i]), which \(access.name) cannot hold (allowed: \(allowed))")
                }
                tensors[access.name] = IntTensor(shape: shape, values: npy.values)
            } else {
                tensors[access.name] = IntTensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in draw(&rng) })
            }
        }
        self.bounds = bounds
        self.tensors = tensors
        label = (gemm.map { "gemm \($0)" } ?? "bounds " + zip(nest.loops, bounds).map { "\($0)=\($1)" }.joined(separator: ",")) + (files.count == 2 ? "" : " seed \(seed)")
    }

    /// The loop bounds `--bounds LOOP=N,…` (every loop) or, for a GEMM nest, `--gemm MxKxN` give.
    public static func bounds(_ d: SpaceTimeDataflow, text: String?, gemm: String?) throws -> [Int] {
        let nest = d.nest, loops = nest.loops
        var bounds = Array(repeating: 0, count: loops.count)
        switch (text, gemm) {
        case (nil, nil):
            // The default workload: partial tiles on both PE axes, 3 along every other loop.
            for l in loops.indices { bounds[l] = l == d.xLoop ? d.rows + d.rows / 2 + 1 : l == d.yLoop ? d.cols + 1 : 3 }
        case (.some, .some):
            throw HWGenError.badInput("--bounds and --gemm both given (allowed: one of them)")
        case (nil, let g?):
            guard let b = d.gemmBounds(try GemmShape.parse(g)) else {
                throw HWGenError.badInput("--gemm: \(nest) is not a GEMM (allowed: --bounds " + loops.map { "\($0)=N" }.joined(separator: ",") + ")")
            }
            bounds = b
        case (let t?, nil):
            for item in t.split(separator: ",", omittingEmptySubsequences: false) {
                let kv = item.split(separator: "=", omittingEmptySubsequences: false)
                guard kv.count == 2, let l = loops.firstIndex(of: String(kv[0])) else {
                    throw HWGenError.badInput("--bounds: '\(item)' is not LOOP=N for a loop of the nest (allowed loops: \(loops.joined(separator: ", ")))")
                }
                guard let v = Int(kv[1]), GemmShape.dimRange.contains(v) else {
                    throw HWGenError.badInput("--bounds: \(kv[0]) = '\(kv[1])' is not an integer in \(GemmShape.dimRange.lowerBound)...\(GemmShape.dimRange.upperBound)")
                }
                guard bounds[l] == 0 else { throw HWGenError.badInput("--bounds: \(kv[0]) is given twice") }
                bounds[l] = v
            }
            if let l = bounds.firstIndex(of: 0) {
                throw HWGenError.badInput("--bounds: no bound for loop \(loops[l]) (allowed: a bound for each of \(loops.joined(separator: ", ")))")
            }
        }
        let iterations = bounds.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard iterations <= Self.maxIterations else {
            throw HWGenError.badInput("--bounds: \(iterations) iterations is too many (allowed: at most \(Self.maxIterations))")
        }
        return bounds
    }
}
