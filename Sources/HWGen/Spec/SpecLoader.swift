import Foundation
import Yams

extension DesignSpec {
    /// Reads and validates a spec file (YAML, or JSON for `.json` files).
    ///
    /// Every problem is reported as one ``HWGenError/badInput(_:)`` line naming the file,
    /// the field path and what is allowed.
    public static func load(path: String) throws -> DesignSpec {
        try load(path: path, derivable: true)
    }

    /// With `derivable: false`, a `dataflow:` section need only be a legal space-time
    /// transformation (for `hwgen dataflow`, which classifies dataflows HWGen does not build yet);
    /// its ``SpaceTimeDataflow/derivationProblem`` then says why it cannot be built.
    public static func load(path: String, derivable: Bool) throws -> DesignSpec {
        let data = try readInputFile(path)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw HWGenError.badInput("\(path): not UTF-8 text (allowed: a YAML or JSON spec)")
        }
        return try SpecReader(source: path, derivable: derivable).spec(from: text)
    }

    /// Validates spec text; `source` names the file in messages and becomes ``source``.
    /// A `source` ending in `.json` only changes the wording of syntax errors: JSON is parsed as YAML.
    public static func parse(text: String, source: String) throws -> DesignSpec {
        try SpecReader(source: source).spec(from: text)
    }
}

/// Reads a file the user named, mapping failures to one-line bad-input errors.
func readInputFile(_ path: String) throws -> Data {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw HWGenError.badInput("\(path): no such file")
    }
    if isDirectory.boolValue { throw HWGenError.badInput("\(path): is a directory (allowed: a file)") }
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw HWGenError.badInput("\(path): cannot read: \(error.localizedDescription)")
    }
}

/// Validates a parsed YAML tree against the spec schema.
struct SpecReader {
    let source: String
    /// A `dataflow:` section must be one HWGen derives an array from (else: legal is enough).
    var derivable = true

    static let maxNameLength = 64
    static let topKeys = ["name", "engine", "dataflow", "mac", "gemm", "epilogue", "description"]
    static let epilogueKeys = ["multiplier", "shift", "scale", "per_column", "zero_point", "rounding", "out", "relu"]
    static let gemmKeys = ["a_words", "b_words", "c_words", "double_buffer", "interface"]
    static let macKeys = ["a", "b", "acc", "kind", "pipeline", "group", "block"]

    /// The dotted paths a spec can have, for sweep files: `engine.rows`, `mac.kind`, …
    static var fieldPaths: [String] {
        let engine = Set(EngineRegistry.all.flatMap(\.fields)).sorted()
        return ["name", "description"] + engine.map { "engine.\($0)" } + macKeys.map { "mac.\($0)" }
            + gemmKeys.map { "gemm.\($0)" } + epilogueKeys.map { "epilogue.\($0)" }
    }

    func spec(from text: String) throws -> DesignSpec {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, text: text)
        }
        guard let root else {
            throw HWGenError.badInput("\(source): the file is empty (allowed: a mapping with name, engine, mac)")
        }
        let top = try mapping(root, "", keys: Self.topKeys)
        let name = try identifier(top["name"], "name")
        if let description = top["description"] { _ = try string(description, "description", allowed: "a string") }

        if top["dataflow"] != nil && top["engine"] != nil {
            throw fail("dataflow", "a spec has engine: or dataflow:, not both (allowed: engine: for a built-in engine, dataflow: for a derived array)")
        }
        let engine = try top["dataflow"].map(spaceTimeSpec) ?? engineSpec(top["engine"])

        let m = try mapping(top["mac"], "mac", keys: Self.macKeys)
        let mac: MACTypes
        if let float = try floatMAC(m) {
            mac = MACTypes(float: float)
            if top["epilogue"] != nil { throw fail("epilogue", "requantization of float results is not built yet (allowed with mac.a \(float.a): remove epilogue)") }
            if m["group"] != nil { throw fail("mac.group", "group dequantization takes integer products (allowed with mac.a \(float.a): remove mac.group)") }
            if engine.sparsity != nil { throw fail("engine.sparsity", "N:M sparsity with float elements is not built yet (allowed: remove engine.sparsity)") }
            if float.isBlockScaled {
                if !engine.descriptor.blockScales {
                    let able = EngineRegistry.all.filter(\.blockScales).map(\.id).joined(separator: ", ")
                    throw fail("mac.a", "MX blocks are built in the PEs of engine \(able), not yet in engine \(engine.descriptor.id) (allowed: engine \(able); or mac.a \(float.a.name) without blocks)")
                }
                if let (beat, what) = engine.descriptor.groupGranule(engine), let block = float.block, block % beat != 0 {
                    throw fail("mac.block", "\(block) is not a multiple of the \(beat) elements of K \(what) covers (allowed: a multiple of \(beat))")
                }
            } else if float.accumulation == .fp32 || float.alignBits != nil {
                let order = engine.descriptor.reductionOrder(engine)
                // Chains (WS, IS) add one product per PE: an FP32 adder in each takes E5M2/BF16/FP16.
                var chained = false
                if case .chained = order { chained = true }
                // align<N> on a chain: each column's products cut and added by the PEs' FP32 adders,
                // the column's sum then added into the FP32 accumulator (a promotion every tile).
                let adderChain = chained && float.usesAdder && float.promoteEvery == nil
                // align<N> on a tree: the accumulator cuts each beat's products (DotEngine.alignedAdd).
                var alignedTree = false, adderTree = false
                if case .tree = order, float.usesAdder, float.alignBits == nil {
                    // E5M2, FP16: products as exact FP32 codes, a tree of FP32 adders.
                    guard float.productsExactInFP32 else {
                        throw fail("mac.acc", "fp32 of \(float.a) × \(float.b) in engine \(engine.descriptor.id): its products can leave FP32's range, and its tree of FP32 adders would round them before the first addition (allowed with engine \(engine.descriptor.id): e5m2, fp16 and the 8-, 6- and 4-bit formats; bf16 in engines that add one product at a time or down a chain)")
                    }
                    adderTree = true
                }
                if case .tree = order, float.alignBits != nil {
                    guard float.promoteEvery == nil else {
                        throw fail("mac.acc", "\(float.accumulation): promotion is not built in engine \(engine.descriptor.id) (allowed with engine \(engine.descriptor.id): align\(float.alignBits!) without +promote)")
                    }
                    alignedTree = true
                }
                if chained && float.promoteEvery != nil, case .chained(let k) = order {
                    throw fail("mac.acc", "\(float.accumulation): engine \(engine.descriptor.id) adds each column's sum of \(k) products into an FP32 accumulator, a promotion every \(k) products of its own (allowed with engine \(engine.descriptor.id): align\(float.alignBits!) without +promote)")
                }
                if order != .sequential && !float.roundsFixedPointSums && !adderChain && !alignedTree && !adderTree {
                    let sequential = EngineRegistry.all.filter {
                        switch $0.reductionOrder(EngineSpec($0, rows: 2, cols: 2, depth: 2)) { case .tree: return false; default: return true }
                    }.map(\.id).joined(separator: ", ")
                    let fixed = FloatMAC.elementFormats.filter { !FloatMAC.adderFormats.contains($0) }.map(\.name).joined(separator: ", ")
                    throw fail("mac.acc", "\(float.accumulation) of \(float.a) × \(float.b) products goes through an FP32 adder, built in engines that add one product at a time or down a chain (\(sequential)); engine \(engine.descriptor.id) adds sums of several (allowed with engine \(engine.descriptor.id): exact, or fp32 of \(fixed) elements)")
                }
            }
        } else {
            let a = try hwType(m["a"], "mac.a", bits: MACTypes.operandBits)
            let (b, weights) = try weightType(m["b"])
            let (acc, saturating) = try accumulatorType(m["acc"])
            mac = weights == .integer ? MACTypes(a: a, b: b, acc: acc, saturating: saturating)
                                      : MACTypes(a: a, weights: weights, acc: acc, saturating: saturating)
            try checkAccumulator(mac)
        }
        let saturating = mac.saturating
        let kind = try m["kind"].map { MACRegistry.kind(named: try word($0, "mac.kind", MACRegistry.all.map(\.kind.rawValue), what: "a MAC kind"))! }
            ?? (mac.float == nil ? .baseline : .float)
        let pipeline = try m["pipeline"].map { try integer($0, "mac.pipeline", in: MACConfig.pipelineRange) } ?? 0
        try checkKind(kind, mac)
        if let f = mac.float, f.accumulation == .fp32 || f.alignBits != nil, pipeline == 2 {
            throw fail("mac.pipeline", "2 splits the accumulator, which fp32 accumulation rounds as a whole (allowed with mac.acc fp32: 0, 1)")
        }
        if let problem = engine.descriptor.pipelineProblem(pipeline) { throw fail("mac.pipeline", problem) }
        if saturating && pipeline == 2 {
            throw fail("mac.pipeline", "2 splits the accumulator, which cannot saturate (allowed with \(mac.accTag): 0, 1)")
        }
        let group = try mac.float?.block ?? mac.float?.promoteEvery
            ?? m["group"].map { try groupSize($0, mac: mac, kind: kind, pipeline: pipeline, engine: engine) }
        let config = MACConfig(mac, kind: kind, pipeline: pipeline, group: group)
        if let (field, problem) = engine.descriptor.macProblem(config) { throw fail(field, problem) }
        if MACRegistry.arithmetic(kind).pairsElements, let (field, problem) = engine.descriptor.pairingProblem(engine, mac: config) {
            throw fail(field, problem)
        }
        if top["gemm"] != nil, MACRegistry.arithmetic(kind).pairsElements, !engine.descriptor.pairsInGemm {
            throw fail("gemm", "the buffered GEMM controller of engine \(engine.descriptor.id) does not feed \(kind) pairs yet "
                       + "(allowed with mac.kind \(kind): remove gemm:, or the bare engine)")
        }
        if let d = engine.spaceTime, mac.float != nil, d.outputMoves || d.gemmLoops == nil {
            throw fail("mac.a", d.outputMoves
                ? "float elements in a derived array whose output moves are not built yet (allowed with this dataflow: integer s<N>/u<N>; floats where the output stays)"
                : "float elements in a derived array run GEMM nests, C[i][j] += A[i][k] * B[k][j]; \(d.nest) is not one (allowed with this compute: integer s<N>/u<N>)")
        }
        if let d = engine.spaceTime, d.outputMoves, MACRegistry.arithmetic(kind).pairsElements {
            throw fail("mac.kind", "\(kind) pairs elements of K, which a derived array whose output moves does not do yet (allowed with this dataflow: baseline, booth, shiftadd)")
        }
        if let d = engine.spaceTime, d.outputMoves, kind.digitSerial {
            throw fail("mac.kind", "\(kind) takes several cycles per element, which a derived array whose output moves does not schedule yet (allowed with this dataflow: baseline, booth, shiftadd)")
        }
        if let d = engine.spaceTime, d.outputMoves, pipeline == 2 {
            throw fail("mac.pipeline", "2 (a split accumulator) needs an output that stays in its PE; \(d.nest.output.name) moves (allowed: 0, 1)")
        }
        if top["gemm"] != nil, let d = engine.spaceTime, d.outputMoves {
            throw fail("gemm", "a derived array whose output moves needs a continuous stream, which the GEMM engine's controller does not give it yet (allowed: remove gemm:)")
        }
        if top["gemm"] != nil, let d = engine.spaceTime, d.gemmLoops == nil {
            throw fail("gemm", "the GEMM engine's buffers feed GEMMs; \(d.nest) is not one (allowed: remove gemm:, or a compute of the form C[i][j] += A[i][k] * B[k][j])")
        }
        if top["gemm"] != nil && !engine.descriptor.buffered {
            throw fail("gemm", "engine \(engine.descriptor.id) has no buffered GEMM controller (allowed: remove gemm:)")
        }
        let gemm = try top["gemm"].map { try gemmSpec($0, engine: engine, mac: config) }
        let epilogue = try top["epilogue"].map { try epilogueSpec($0, mac: mac, gemm: gemm != nil) }
        return DesignSpec(name: name, engine: engine, mac: mac, macKind: kind, pipeline: pipeline, source: source, gemm: gemm,
                          group: group, epilogue: epilogue)
    }

    /// Float elements (`mac.a: e4m3`, `mac.b: e4m3`, `mac.acc: exact`), or nil when neither
    /// `mac.a` nor `mac.b` names a float format.
    func floatMAC(_ m: [String: Node]) throws -> FloatMAC? {
        let names = FloatMAC.elementFormats.map(\.name)
        let texts = ["a", "b"].map { m[$0]?.scalar?.string }
        let mxNames = FloatMAC.mxFormats.map(\.name)
        if texts.contains(where: { $0.map(mxNames.contains) == true }) { return try mxMAC(m, texts) }
        if m["block"] != nil { throw fail("mac.block", "blocks belong to MX formats (allowed: mac.a and mac.b \(mxNames.joined(separator: ", ")), or remove mac.block)") }
        for (key, text) in zip(["a", "b"], texts) {
            if let text, let f = FloatFormat(name: text), !FloatMAC.elementFormats.contains(f) {
                throw fail("mac.\(key)", "\(text) elements are modelled by `hwgen accuracy` but not built in hardware yet (allowed: \(names.joined(separator: ", ")))")
            }
        }
        guard texts.contains(where: { $0.flatMap(FloatFormat.init(name:)) != nil }) else { return nil }
        var formats: [FloatFormat] = []
        for (key, text) in zip(["a", "b"], texts) {
            guard let text, let f = FloatFormat(name: text), FloatMAC.elementFormats.contains(f) else {
                throw fail("mac.\(key)", "\(quote(texts[key == "a" ? 0 : 1] ?? "")) is not a float element format; both operands of a float MAC are (allowed: \(names.joined(separator: ", ")))")
            }
            formats.append(f)
        }
        let accumulations = "exact, fp32, align<N>, align<N>+promote<P>"
        let text = try string(m["acc"], "mac.acc", allowed: accumulations)
        guard let acc = FloatAccumulation(name: text) else {
            throw fail("mac.acc", "\(quote(text)) is not a float accumulation (allowed: \(accumulations))")
        }
        let float = FloatMAC(a: formats[0], b: formats[1], accumulation: acc)
        if let (field, problem) = float.problem { throw fail(field, problem) }
        return float
    }

    /// MX elements (`mac.a: mxfp8_e4m3`, `mac.b: mxfp4`, `mac.block: 32`, `mac.acc: fp32`, the default).
    func mxMAC(_ m: [String: Node], _ texts: [String?]) throws -> FloatMAC {
        let mxNames = FloatMAC.mxFormats.map(\.name)
        var formats: [FloatFormat] = []
        for (key, text) in zip(["a", "b"], texts) {
            guard let text, let f = FloatMAC.mxFormats.first(where: { $0.name == text })?.element else {
                throw fail("mac.\(key)", "\(quote(text ?? "")) is not an MX format; both operands of an MX MAC are (allowed: \(mxNames.joined(separator: ", ")))")
            }
            formats.append(f)
        }
        let block = try m["block"].map { try integer($0, "mac.block", in: FloatMAC.blockRange) } ?? 32
        let text = try m["acc"].map { try string($0, "mac.acc", allowed: "fp32") } ?? "fp32"
        guard let acc = FloatAccumulation(name: text) else { throw fail("mac.acc", "\(quote(text)) is not a float accumulation (allowed with MX formats: fp32)") }
        let float = FloatMAC(a: formats[0], b: formats[1], accumulation: acc, block: block)
        if let (field, problem) = float.problem { throw fail(field, problem) }
        return float
    }

    /// `mac.b`: an integer type, `ternary` or `p<n>`.
    func weightType(_ node: Node?) throws -> (HWType, WeightFormat) {
        let bits = MACTypes.operandBits, p = WeightFormat.powerOfTwoBits
        let allowed = "s\(bits.lowerBound)...s\(bits.upperBound), u\(bits.lowerBound)...u\(bits.upperBound), ternary, p\(p.lowerBound)...p\(p.upperBound)"
        let text = try string(node, "mac.b", allowed: allowed)
        if let w = WeightFormat(tag: text) { return (w.codeType!, w) }
        guard let type = HWType(tag: text), bits.contains(type.bits) else {
            throw fail("mac.b", "\(quote(text)) is not a weight type (allowed: \(allowed))")
        }
        return (type, .integer)
    }

    /// `mac.acc`: an integer type, with `sat` appended for a saturating accumulator.
    func accumulatorType(_ node: Node?) throws -> (HWType, Bool) {
        let bits = MACTypes.accBits
        let allowed = "s\(bits.lowerBound)...s\(bits.upperBound), u\(bits.lowerBound)...u\(bits.upperBound), each wrapping or with sat appended (s24sat)"
        let text = try string(node, "mac.acc", allowed: allowed)
        let saturating = text.hasSuffix("sat")
        guard let type = HWType(tag: saturating ? String(text.dropLast(3)) : text), bits.contains(type.bits) else {
            throw fail("mac.acc", "\(quote(text)) is not an accumulator type (allowed: \(allowed))")
        }
        return (type, saturating)
    }

    /// What the kind's arithmetic says of these types (`shiftadd` goes with ternary and
    /// power-of-two weights, and they need it; `bitserial` cannot saturate).
    func checkKind(_ kind: MACKind, _ mac: MACTypes) throws {
        if let (field, problem) = MACRegistry.arithmetic(kind).typeProblem(mac) { throw fail(field, problem) }
    }

    /// `mac.group`: G elements of K per group sum; built in the output-stationary PEs (systolic os,
    /// matrix2d), in the cube's and tree's accumulators (G a multiple of the K a beat covers) and
    /// under the WS and IS columns (G a multiple of the K a tile covers).
    func groupSize(_ node: Node, mac: MACTypes, kind: MACKind, pipeline: Int, engine: EngineSpec) throws -> Int {
        let g = try integer(node, "mac.group", in: MACConfig.groupRange)
        // Cube and tree: a beat covers `depth` elements of K; WS and IS: a tile covers R of them.
        if let (beat, what) = engine.descriptor.groupGranule(engine), g % beat != 0 {
            throw fail("mac.group", "\(g) is not a multiple of the \(beat) elements of K \(what) covers (allowed: a multiple of \(beat))")
        }
        if pipeline == 2 { throw fail("mac.pipeline", "2 splits the accumulator, which group dequantization does not (allowed with mac.group: 0, 1)") }
        if kind.digitSerial {
            throw fail("mac.group", "group dequantization takes one element per cycle, not bitserial's digits (allowed with mac.kind bitserial: remove mac.group)")
        }
        let sum = MACConfig(mac, kind: kind, pipeline: pipeline, group: g).groupSum!
        if sum.bits > mac.acc.bits {
            throw fail("mac.acc", "\(mac.acc) is narrower than a group sum of \(g) products (\(sum)) (allowed: at least \(sum.signed ? "s" : "u")\(sum.bits))")
        }
        return g
    }

    /// The `epilogue:` mapping.
    func epilogueSpec(_ node: Node, mac: MACTypes, gemm: Bool) throws -> Epilogue {
        let e = try mapping(node, "epilogue", keys: Self.epilogueKeys)
        let perColumn = try e["per_column"].map { try boolean($0, "epilogue.per_column") } ?? false
        let out = try hwType(e["out"], "epilogue.out", bits: Epilogue.outBits)
        var ep = Epilogue(perColumn: perColumn, out: out)
        if let node = e["scale"] {
            let r = Epilogue.scaleRange
            for key in ["multiplier", "shift", "per_column"] where e[key] != nil {
                throw fail("epilogue.\(key)", "epilogue.scale replaces multiplier and shift, per tensor (allowed: remove epilogue.\(key), or epilogue.scale)")
            }
            // The decimal rounded to the nearest float32 once (Float(_:) parses correctly rounded).
            guard let text = node.scalar?.string, let f = Float(text), f.isFinite else {
                throw fail("epilogue.scale", "\(quote(node.scalar?.string ?? "a mapping")) is not a number (allowed: a float32 from \(r.lowerBound) to \(r.upperBound))")
            }
            guard r.contains(f) else {
                throw fail("epilogue.scale", "\(text) is outside the built range (allowed: a float32 from \(r.lowerBound) to \(r.upperBound), so acc · scale stays a normal FP32 number)")
            }
            ep.scale = f
            if let rounding = e["rounding"], rounding.scalar?.string != RoundingMode.halfEven.rawValue {
                throw fail("epilogue.rounding", "a float scale rounds as ONNX Runtime does, half to even (allowed with epilogue.scale: half-even, or leave it out)")
            }
        } else if perColumn {
            for key in ["multiplier", "shift"] where e[key] != nil {
                throw fail("epilogue.\(key)", "per_column: true takes each column's \(key) from a file at run time (allowed: remove epilogue.\(key), or per_column: false)")
            }
            if !gemm {
                throw fail("epilogue.per_column", "per-column scales are loaded into a gemm: design's controller, which knows each result's column (allowed: per_column: false, or add a gemm: section)")
            }
        } else {
            let r = Epilogue.multiplierRange
            ep.multiplier = Int64(try integer(e["multiplier"], "epilogue.multiplier", in: Int(r.lowerBound)...Int(r.upperBound)))
            ep.shift = try integer(e["shift"], "epilogue.shift", in: Epilogue.shiftRange)
        }
        if let z = e["zero_point"] {
            ep.zeroPoint = Int64(try integer(z, "epilogue.zero_point", in: Int(out.minValue)...Int(out.maxValue!)))
        }
        ep.rounding = try e["rounding"].map { try choice($0, "epilogue.rounding", what: "a rounding mode") } ?? .halfEven
        ep.relu = try e["relu"].map { try boolean($0, "epilogue.relu") } ?? false
        return ep
    }

    /// The `engine:` mapping: its kind (and dataflow) first, then that kind's fields, read by the
    /// kind's ``EngineDescriptor``.
    func engineSpec(_ node: Node?) throws -> EngineSpec {
        let kinds = EngineRegistry.kindNames
        var pairs: [(Node, Node)] = []
        if case .mapping(let m)? = node {
            pairs = m.map { ($0.key, $0.value) }
        } else {
            _ = try mapping(node, "engine", keys: EngineRegistry.descriptors(kind: kinds[0])[0].fields)   // throws: missing, or not a mapping
        }
        let kindNode = pairs.first { $0.0.scalar?.string == "kind" }?.1
        let kind = try word(kindNode, "engine.kind", kinds, what: "an engine kind")
        let family = EngineRegistry.descriptors(kind: kind)
        var fields: [String] = []
        for d in family { for f in d.fields where !fields.contains(f) { fields.append(f) } }
        if !fields.contains("sparsity"), pairs.contains(where: { $0.0.scalar?.string == "sparsity" }) {
            let with = kinds.filter { k in EngineRegistry.descriptors(kind: k).contains { $0.fields.contains("sparsity") } }.joined(separator: ", ")
            throw fail("engine.sparsity", "N:M sparsity is built for engine \(with) only, not \(kind) (allowed for \(kind): \(fields.joined(separator: ", ")))")
        }
        let e = try mapping(node, "engine", keys: fields)
        var descriptor = family[0]
        if family.count > 1 || family[0].dataflow != nil {
            let dataflow = try word(e["dataflow"], "engine.dataflow", family.compactMap(\.dataflow), what: "a dataflow")
            descriptor = family.first { $0.dataflow == dataflow }!
        }
        let spec = try descriptor.parse(EngineFields(reader: self, fields: e, path: "engine"))
        let macs = spec.rows * spec.cols * spec.depth
        if macs > EngineSpec.maxMACs {
            throw fail("engine", "\(macs) multipliers (\(fields.dropFirst().filter { $0 != "stages" && $0 != "dataflow" }.joined(separator: "·"))) is too many (allowed: at most \(EngineSpec.maxMACs))")
        }
        return spec
    }

    /// The `dataflow:` section: `loops`, `compute`, `space_time`, `array` (a derived array).
    func spaceTimeSpec(_ node: Node) throws -> EngineSpec {
        let d = try mapping(node, "dataflow", keys: SpaceTimeKind().fields)
        func list(_ node: Node?, _ path: String, allowed: String) throws -> [Node] {
            guard let node else { throw missing(path, allowed: allowed) }
            guard case .sequence(let items) = node else { throw wrongType(node, path, expected: "a list", allowed: allowed) }
            return Array(items)
        }
        let loopNodes = try list(d["loops"], "dataflow.loops", allowed: "a list of loop names, outermost first, e.g. [i, j, k]")
        let loops = try loopNodes.enumerated().map { try string($1, "dataflow.loops[\($0)]", allowed: "a loop name") }
        let compute = try string(d["compute"], "dataflow.compute", allowed: "one multiply-accumulate, e.g. \"C[i][j] += A[i][k] * B[k][j]\"")
        let nest: LoopNest
        do { nest = try LoopNest.parse(compute: compute, loops: loops) } catch let e as LoopNestError {
            throw fail(e.message.hasPrefix("loop") && !e.message.contains("appears in no index") ? "dataflow.loops" : "dataflow.compute", e.message)
        }
        let matrixAllowed = "\(loops.count) rows of \(loops.count) integers: PE x, PE y, then time rows, outermost first"
        let matrix = try list(d["space_time"], "dataflow.space_time", allowed: matrixAllowed).enumerated().map { r, row in
            try list(row, "dataflow.space_time[\(r)]", allowed: matrixAllowed).enumerated().map { c, v in
                try integer(v, "dataflow.space_time[\(r)][\(c)]", in: -16...16)
            }
        }
        let array = try list(d["array"], "dataflow.array", allowed: "[rows, cols]: PEs along x and y")
        guard array.count == 2 else { throw fail("dataflow.array", "\(array.count) numbers (allowed: [rows, cols], PEs along x and y)") }
        let (rows, cols) = (try integer(array[0], "dataflow.array[0]", in: EngineSpec.dimRange), try integer(array[1], "dataflow.array[1]", in: EngineSpec.dimRange))
        if rows * cols > EngineSpec.maxMACs {
            throw fail("dataflow.array", "\(rows * cols) PEs is too many (allowed: at most \(EngineSpec.maxMACs))")
        }
        var e = EngineSpec(SpaceTimeKind(), rows: rows, cols: cols)
        do {
            e.spaceTime = try SpaceTimeDataflow(nest: nest, matrix: matrix, rows: rows, cols: cols)
        } catch let error as SpaceTimeError {
            let unchecked = SpaceTimeDataflow(unchecked: nest, matrix: matrix, rows: rows, cols: cols)
            guard !derivable, unchecked.legalityProblem == nil else { throw fail("dataflow.\(error.field)", error.message) }
            e.spaceTime = unchecked
        }
        return e
    }

    /// `engine.sparsity`, an N:M pattern, when present.
    func sparsity(_ node: Node?, _ path: String = "engine.sparsity") throws -> Sparsity? {
        let allowed = "N:M with M = 2, 4, 8 or 16 and 1 ≤ N < M, e.g. \"2:4\""
        return try node.map { node -> Sparsity in
            let text = try string(node, path, allowed: allowed)
            guard let p = Sparsity(text) else { throw fail(path, "\(quote(text)) is not a sparsity pattern (allowed: \(allowed))") }
            return p
        }
    }

    /// The `gemm:` mapping. Each buffer is banked by lane (``EngineSpec/gemmBanks``) and each
    /// bank's depth must be a power of two.
    func gemmSpec(_ node: Node, engine: EngineSpec, mac: MACConfig) throws -> GemmSpec {
        let g = try mapping(node, "gemm", keys: Self.gemmKeys)
        let banks = engine.descriptor.gemmBanks(engine, mac: mac)
        func words(_ key: String, banks: Int, what: String) throws -> Int {
            let w = try integer(g[key], "gemm.\(key)", in: GemmSpec.wordRange)
            let depth = w / banks
            guard w % banks == 0, depth >= 2, depth & (depth - 1) == 0 else {
                throw fail("gemm.\(key)", "\(w) is not \(banks) bank\(banks == 1 ? "" : "s") (\(what)) of a power-of-two depth ≥ 2 (allowed: e.g. \(banks * 1024))")
            }
            return w
        }
        let double = try g["double_buffer"].map { try boolean($0, "gemm.double_buffer") } ?? false
        var spec = GemmSpec(aWords: try words("a_words", banks: banks.a.count, what: banks.a.what),
                            bWords: try words("b_words", banks: banks.b.count, what: banks.b.what),
                            cWords: try words("c_words", banks: banks.c.count, what: banks.c.what), doubleBuffer: double)
        spec.interface = try g["interface"].map { try choice($0, "gemm.interface", what: "an interface") } ?? .native
        return spec
    }

    // MARK: Errors

    /// `<file>: <path>: <what>`, or `<file>: <what>` at the top level.
    func fail(_ path: String, _ what: String) -> HWGenError {
        HWGenError.badInput(path.isEmpty ? "\(source): \(what)" : "\(source): \(path): \(what)")
    }

    func missing(_ path: String, allowed: String) -> HWGenError {
        fail(path, "missing (allowed: \(allowed))")
    }

    func wrongType(_ node: Node, _ path: String, expected: String, allowed: String) -> HWGenError {
        fail(path, "expected \(expected), got \(describe(node)) (allowed: \(allowed))")
    }

    func syntaxError(_ error: Error, text: String) -> HWGenError {
        let what = "invalid " + (source.lowercased().hasSuffix(".json") ? "JSON" : "YAML")
        switch error as? YamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let detail = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            return fail("", "line \(mark.line), column \(mark.column): \(what): \(problem)\(detail)")
        case let .reader(problem, offset, _, _):
            guard let offset else { return fail("", "\(what): \(problem)") }
            let lines = text.prefix(offset).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            return fail("", "line \(lines.count), column \((lines.last?.count ?? 0) + 1): \(what): \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { quote($0, "'") }.joined(separator: ", ")
            return fail("", "line \(context.mark.line), column \(context.mark.column): duplicate field \(names) (allowed: each field once)")
        default:
            return fail("", "\(what): \(String(describing: error).prefix { !$0.isNewline })")
        }
    }

    /// `the string "8"`, `the integer 8`, `a mapping`, …
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let scalar):
            switch tagName(node) {
            case .str: return "the string \(quote(scalar.string))"
            case .int: return "the integer \(scalar.string)"
            case .float: return "the number \(scalar.string)"
            case .bool: return "the boolean \(scalar.string)"
            case .null: return "an empty value"
            default: return "the value \(quote(scalar.string))"
            }
        default: return "an alias"
        }
    }

    /// The resolved tag (`.str`, `.int`, …) of a node.
    func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    /// A one-line, escaped, length-limited rendering of a user string, in double (or the given) quotes.
    func quote(_ s: String, _ mark: Character = "\"") -> String {
        let escaped = String(s.prefix(64)).debugDescription.dropFirst().dropLast()
        return "\(mark)\(escaped)\(mark)" + (s.count > 64 ? "…" : "")
    }

    // MARK: Field readers

    /// Checks `node` is a mapping whose keys are all in `keys`; returns its fields by name.
    /// Missing fields are reported by the reader of each field.
    func mapping(_ node: Node?, _ path: String, keys: [String]) throws -> [String: Node] {
        let allowed = keys.joined(separator: ", ")
        guard let node else { throw missing(path, allowed: "a mapping with \(allowed)") }
        guard case .mapping(let pairs) = node else {
            throw wrongType(node, path, expected: "a mapping", allowed: allowed)
        }
        var fields: [String: Node] = [:]
        for (key, value) in pairs {
            guard let name = key.scalar?.string, keys.contains(name) else {
                let what = key.scalar.map { "unknown field \(quote($0.string, "'"))" } ?? "\(describe(key)) is not a field name"
                throw fail(path, "\(what) (allowed: \(allowed))")
            }
            fields[name] = value
        }
        return fields
    }

    func string(_ node: Node?, _ path: String, allowed: String) throws -> String {
        guard let node else { throw missing(path, allowed: allowed) }
        guard case .scalar(let scalar) = node, tagName(node) == .str else {
            throw wrongType(node, path, expected: "a string", allowed: allowed)
        }
        return scalar.string
    }

    func integer(_ node: Node?, _ path: String, in range: ClosedRange<Int>) throws -> Int {
        let allowed = "\(range.lowerBound)...\(range.upperBound)"
        guard let node else { throw missing(path, allowed: "an integer in \(allowed)") }
        guard case .scalar(let scalar) = node, tagName(node) == .int else {
            throw wrongType(node, path, expected: "an integer", allowed: allowed)
        }
        guard let value = node.int, range.contains(value) else {
            throw fail(path, "\(scalar.string) is out of range (allowed: \(allowed))")
        }
        return value
    }

    func boolean(_ node: Node, _ path: String) throws -> Bool {
        guard case .scalar = node, tagName(node) == .bool, let v = node.bool else {
            throw wrongType(node, path, expected: "a boolean", allowed: "true, false")
        }
        return v
    }

    /// One of `words` (a registry's names), in a message saying `what` it must be.
    func word(_ node: Node?, _ path: String, _ words: [String], what: String) throws -> String {
        let allowed = words.joined(separator: ", ")
        let text = try string(node, path, allowed: allowed)
        guard words.contains(text) else { throw fail(path, "\(quote(text)) is not \(what) (allowed: \(allowed))") }
        return text
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: Node?, _ path: String, what: String) throws -> E
    where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        let text = try string(node, path, allowed: allowed)
        guard let value = E(rawValue: text) else { throw fail(path, "\(quote(text)) is not \(what) (allowed: \(allowed))") }
        return value
    }

    func hwType(_ node: Node?, _ path: String, bits: ClosedRange<Int>) throws -> HWType {
        let allowed = "s\(bits.lowerBound)...s\(bits.upperBound), u\(bits.lowerBound)...u\(bits.upperBound)"
        let text = try string(node, path, allowed: allowed)
        guard let type = HWType(tag: text), bits.contains(type.bits) else {
            throw fail(path, "\(quote(text)) is not a type (allowed: \(allowed))")
        }
        return type
    }

    func identifier(_ node: Node?, _ path: String) throws -> String {
        let rule = "a Verilog identifier [A-Za-z_][A-Za-z0-9_]*"
        let name = try string(node, path, allowed: rule)
        let isStart = { (c: Character) in c.isASCII && (c.isLetter || c == "_") }
        guard let first = name.first, isStart(first), name.allSatisfy({ isStart($0) || ($0.isASCII && $0.isNumber) }) else {
            throw fail(path, "\(quote(name)) is not a Verilog identifier (allowed: \(rule))")
        }
        guard name.utf8.count <= Self.maxNameLength else {
            throw fail(path, "\(quote(name)) is \(name.utf8.count) characters long (allowed: at most \(Self.maxNameLength))")
        }
        guard !VerilogNames.reserved.contains(name) else {
            throw fail(path, "\(quote(name)) is a Verilog/SystemVerilog keyword (allowed: any other identifier)")
        }
        return name
    }

    /// The accumulator must be signed when a product can be negative, and at least as wide as the product.
    func checkAccumulator(_ mac: MACTypes) throws {
        let p = mac.product
        let ops = "\(mac.a) × \(mac.bTag)"
        let top = MACTypes.accBits.upperBound
        let allowed = p.signed ? "s\(p.bits)...s\(top)" : "s\(p.bits)...s\(top), u\(p.bits)...u\(top)"
        if p.signed && !mac.acc.signed {
            throw fail("mac.acc", "\(mac.acc) cannot hold the signed products of \(ops) (allowed: \(allowed))")
        }
        if mac.acc.bits < p.bits {
            throw fail("mac.acc", "\(mac.acc) is narrower than the \(p) product of \(ops) (allowed: \(allowed))")
        }
    }
}

/// An `engine:` mapping's fields, read with the spec's file and field paths in errors.
struct EngineFields: SpecFields {
    let reader: SpecReader
    let fields: [String: Node]
    let path: String

    func has(_ field: String) -> Bool { fields[field] != nil }
    func integer(_ field: String, in range: ClosedRange<Int>) throws -> Int { try reader.integer(fields[field], "\(path).\(field)", in: range) }
    func sparsity(_ field: String) throws -> Sparsity? { try reader.sparsity(fields[field], "\(path).\(field)") }
    func fail(_ field: String, _ what: String) -> HWGenError { reader.fail("\(path).\(field)", what) }
}
