import Foundation

/// Runs an integer ONNX model with every GEMM on the RTL (`hwgen workload SPEC MODEL --run`):
/// convolutions are im2col'ed and matrix products flattened on the host, each GEMM is simulated
/// and checked against the golden model, and the other nodes (casts, clips, reshapes, …) are
/// evaluated on the host with ONNX's integer semantics.
public enum OnnxRunner {
    /// One GEMM node as it ran.
    public struct Layer: Sendable {
        public var node: String
        public var op: String
        /// Each GEMM the node became (one per group, or per batch of a batched MatMul) …
        public var shape: GemmShape
        public var gemms: Int
        /// … and the simulator runs they took (more than `gemms` where a GEMM was split to fit).
        public var runs: Int
        public var rtlCycles: Int
        public var goldenCycles: Int
        public var passed: Bool
        /// What the host added: zero-point corrections, or nothing.
        public var host: String

        /// The layer as `hwgen workload` reports it.
        public var workloadLayer: WorkloadLayer {
            WorkloadLayer(name: node, op: op.hasSuffix("Conv") ? "conv" : gemms > 1 ? "bmm" : "gemm",
                          m: shape.m, k: shape.k, n: shape.n, groups: gemms)
        }
    }

    public struct Result: Sendable {
        public var layers: [Layer]
        /// The graph's outputs, in graph order.
        public var outputs: [(name: String, array: NpyArray)]
        /// Host-evaluated nodes, `name (Op)`.
        public var hostNodes: [String]
        public var passed: Bool { layers.allSatisfy(\.passed) }
    }

    /// Ops evaluated on the host.
    static let hostOps = ["Identity", "Constant", "Relu", "Clip", "Cast", "Add", "Sub", "Mul", "Div", "Flatten", "Reshape",
                          "Transpose", "Squeeze", "Unsqueeze", "MaxPool"]
    /// Ops run on the RTL.
    static let rtlOps = ["ConvInteger", "MatMulInteger", "MatMul", "QLinearConv", "QLinearMatMul"]

    /// Runs the model at `path` on `input` (its first graph input). Errors name the file and the
    /// node, exit 2; an RTL/golden mismatch is reported in the result (exit 1 in the CLI).
    public static func run(model path: String, input: NpyArray, design: Design, simulator: Simulator,
                           log: @escaping (String) -> Void) throws -> Result {
        if let f = design.spec.mac.float {
            throw HWGenError.badInput("--run: \(design.spec.source) multiplies \(f.a) codes; --run executes integer ONNX models (allowed: a design with integer mac.a and mac.b)")
        }
        let g = try OnnxModel.read(path: path).graph
        var values: [String: OnnxTensor] = [:]
        func failFile(_ what: String) -> HWGenError { HWGenError.badInput("\(path): \(what)") }
        for t in g.initializer { values[t.name] = try OnnxTensor(t, fail: failFile) }
        guard let inputInfo = g.input.first(where: { values[$0.name] == nil }) else { throw failFile("the graph has no input") }
        let x = OnnxTensor(input)
        let want = inputInfo.type.tensorType
        if let t = OnnxTensor.DataType(rawValue: Int(want.elemType)), t != x.type {
            throw failFile("input '\(inputInfo.name)' is \(OnnxTensor.name(t)) but --input holds \(OnnxTensor.name(x.type))")
        }
        if want.hasShape {
            let dims = want.shape.dim.map { $0.dimValue > 0 ? Int($0.dimValue) : nil }
            guard dims.count == x.shape.count, zip(dims, x.shape).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw failFile("input '\(inputInfo.name)' has shape \(dims.map { $0.map(String.init) ?? "?" }) but --input is \(x.shape)")
            }
        }
        values[inputInfo.name] = x
        // Every node is checked before the first simulation starts.
        for (i, node) in g.node.enumerated() {
            let exec = NodeRun(node: node, name: node.name, file: path, label: label(node, i), values: [:], design: design,
                               simulator: simulator, log: log)
            if !rtlOps.contains(node.opType) && !hostOps.contains(node.opType) {
                throw exec.fail("cannot run \(node.opType) (runs on the RTL: \(rtlOps.joined(separator: ", ")); on the host: \(hostOps.joined(separator: ", ")))")
            }
            if node.opType == "Cast", OnnxTensor.DataType(rawValue: exec.int("to", 0)).flatMap({ OnnxTensor.intRanges[$0] }) == nil {
                throw exec.fail("cast to element type \(exec.int("to", 0)) (allowed: integer types)")
            }
        }
        var layers: [Layer] = [], hostNodes: [String] = []
        for (i, node) in g.node.enumerated() {
            let exec = NodeRun(node: node, name: node.name.isEmpty ? "\(node.opType)_\(i)" : node.name, file: path, label: label(node, i),
                               values: values, design: design, simulator: simulator, log: log)
            let outs: [OnnxTensor]
            if rtlOps.contains(node.opType) {
                let (y, layer) = try exec.gemmNode()
                outs = [y]
                layers.append(layer)
                log("  \(layer.node) (\(layer.op)): \(layer.gemms)× \(layer.shape) on the RTL in \(layer.runs) runs, "
                    + "\(layer.rtlCycles) cycles (golden \(layer.goldenCycles))" + (layer.host.isEmpty ? "" : "; host: \(layer.host)")
                    + (layer.passed ? "" : " — MISMATCH"))
            } else {
                outs = try exec.hostNode()
                hostNodes.append(node.name.isEmpty ? "node \(i) (\(node.opType))" : "\(node.name) (\(node.opType))")
            }
            for (name, t) in zip(node.output, outs) where !name.isEmpty { values[name] = t }
        }
        var outputs: [(String, NpyArray)] = []
        for o in g.output {
            guard let t = values[o.name] else { throw failFile("output '\(o.name)' is not computed by any node") }
            guard let a = t.npy else { throw failFile("output '\(o.name)' is \(OnnxTensor.name(t.type)) (allowed: int8, uint8, int16, int32, int64)") }
            outputs.append((o.name, a))
        }
        return Result(layers: layers, outputs: outputs, hostNodes: hostNodes)
    }

    static func label(_ node: Onnx_NodeProto, _ i: Int) -> String {
        node.name.isEmpty ? "node \(i) (\(node.opType))" : "node \(i) '\(node.name)' (\(node.opType))"
    }
}

/// One node of a running graph.
private struct NodeRun {
    let node: Onnx_NodeProto
    let name: String
    let file: String
    let label: String
    let values: [String: OnnxTensor]
    let design: Design
    let simulator: Simulator
    let log: (String) -> Void

    func fail(_ what: String) -> HWGenError { HWGenError.badInput("\(file) \(label): \(what)") }

    /// Input `i`, nil when absent (past the end or an empty name).
    func input(_ i: Int) throws -> OnnxTensor? {
        guard i < node.input.count, !node.input[i].isEmpty else { return nil }
        guard let t = values[node.input[i]] else { throw fail("input '\(node.input[i])' is not computed before this node") }
        return t
    }

    func need(_ i: Int, _ what: String) throws -> OnnxTensor {
        guard let t = try input(i) else { throw fail("has no \(what) (input \(i))") }
        return t
    }

    func integer(_ i: Int, _ what: String) throws -> OnnxTensor {
        let t = try need(i, what)
        guard t.type != .float else {
            throw fail("\(what) is float (hwgen runs integer models: ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul)")
        }
        return t
    }

    func attribute(_ a: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == a } }
    func ints(_ a: String) -> [Int]? { attribute(a).map { $0.ints.map { Int($0) } } }
    func int(_ a: String, _ d: Int) -> Int { attribute(a).map { Int($0.i) } ?? d }

    // MARK: GEMM nodes

    /// A zero point or scale: a scalar, or one value per `count` (a 1-D tensor of that length).
    func perChannel(_ t: OnnxTensor?, _ count: Int, _ what: String) throws -> [Int64] {
        guard let t else { return Array(repeating: 0, count: count) }
        if t.count == 1 { return Array(repeating: t.ints[0], count: count) }
        guard t.shape == [count] else { throw fail("\(what) has shape \(t.shape) (allowed: a scalar or [\(count)])") }
        return t.ints
    }

    func gemmNode() throws -> (OnnxTensor, OnnxRunner.Layer) {
        var gemm = GemmRunner(run: self)
        switch node.opType {
        case "ConvInteger", "QLinearConv":
            let q = node.opType == "QLinearConv"
            let x = try integer(0, "x"), w = try integer(q ? 3 : 1, "w")
            guard x.shape.count == 4, w.shape.count == 4, (x.shape + w.shape).allSatisfy({ $0 >= 1 }) else {
                throw fail("only 2-D convolutions of non-empty tensors (x \(x.shape), w \(w.shape))")
            }
            let xz = try perChannel(try input(2), 1, "x_zero_point")[0]
            let wz = try perChannel(try input(q ? 5 : 3), w.shape[0], "w_zero_point")
            let requant = q ? try gemm.requantization(xScale: need(1, "x_scale"), wScale: need(4, "w_scale"), yScale: need(6, "y_scale"),
                                                      yZero: input(7), xZero: xz, wZero: wz, bias: input(8), columns: w.shape[0]) : nil
            let y = try conv(x, w, xZero: xz, wZero: wz, requant: requant, gemm: &gemm)
            return (y, gemm.layer(op: node.opType))
        default:   // MatMulInteger, MatMul, QLinearMatMul
            let q = node.opType == "QLinearMatMul"
            let a = try integer(0, "A"), b = try integer(q ? 3 : 1, "B")
            guard a.shape.count >= 2, b.shape.count >= 2, (a.shape + b.shape).allSatisfy({ $0 >= 1 }) else {
                throw fail("A \(a.shape) and B \(b.shape) must have at least 2 dimensions, none empty")
            }
            let n = b.shape[b.shape.count - 1], m = a.shape[a.shape.count - 2]
            let az = node.opType == "MatMul" ? Array(repeating: 0, count: m) : try perChannel(try input(2), m, "a_zero_point")
            let bz = node.opType == "MatMul" ? Array(repeating: 0, count: n) : try perChannel(try input(q ? 5 : 3), n, "b_zero_point")
            let requant = q ? try gemm.requantization(xScale: need(1, "a_scale"), wScale: need(4, "b_scale"), yScale: need(6, "y_scale"),
                                                      yZero: input(7), xZero: q ? az[0] : 0, wZero: bz, bias: nil, columns: n) : nil
            if q, Set(az).count > 1 { throw fail("a_zero_point must be one value with QLinearMatMul") }
            let y = try matmul(a, b, aZero: az, bZero: bz, requant: requant, gemm: &gemm)
            return (y, gemm.layer(op: node.opType))
        }
    }

    /// im2col per group (as ``Topology`` counts it): rows (n, oh, ow), columns (c, kh, kw); padding
    /// reads the x zero point, as ONNX Runtime pads.
    func conv(_ x: OnnxTensor, _ w: OnnxTensor, xZero: Int64, wZero: [Int64], requant: GemmRunner.Requant?,
              gemm: inout GemmRunner) throws -> OnnxTensor {
        let autoPad = attribute("auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
        guard autoPad == "NOTSET" || autoPad == "VALID" else { throw fail("auto_pad \(autoPad) (allowed: NOTSET with pads, VALID)") }
        let s = ints("strides") ?? [1, 1], p = autoPad == "VALID" ? [0, 0, 0, 0] : (ints("pads") ?? [0, 0, 0, 0])
        let d = ints("dilations") ?? [1, 1], groups = int("group", 1)
        let (batch, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        guard s.count == 2, p.count == 4, d.count == 2, s.allSatisfy({ $0 >= 1 }), d.allSatisfy({ $0 >= 1 }), p.allSatisfy({ $0 >= 0 }),
              groups >= 1, c == cg * groups, f % groups == 0 else {
            throw fail("strides \(s), pads \(p), dilations \(d), group \(groups) do not fit x \(x.shape) and w \(w.shape)")
        }
        let oh = (h + p[0] + p[2] - d[0] * (kh - 1) - 1) / s[0] + 1, ow = (wd + p[1] + p[3] - d[1] * (kw - 1) - 1) / s[1] + 1
        guard oh >= 1, ow >= 1 else { throw fail("the filter is larger than the padded input") }
        let fg = f / groups, k = cg * kh * kw, m = batch * oh * ow
        var out = Array(repeating: Int64(0), count: batch * f * oh * ow)
        for gi in 0..<groups {
            var a = IntMatrix(rows: m, cols: k), b = IntMatrix(rows: k, cols: fg)
            for n in 0..<batch {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let r = (n * oh + y) * ow + xo
                        for ci in 0..<cg {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let ih = y * s[0] - p[0] + i * d[0], iw = xo * s[1] - p[1] + j * d[1]
                                    let inside = ih >= 0 && ih < h && iw >= 0 && iw < wd
                                    a.data[r * k + (ci * kh + i) * kw + j] = inside ? x.ints[((n * c + gi * cg + ci) * h + ih) * wd + iw] : xZero
                                }
                            }
                        }
                    }
                }
            }
            for fo in 0..<fg {
                for kk in 0..<k { b.data[kk * fg + fo] = w.ints[(gi * fg + fo) * k + kk] }
            }
            let cols = Array(wZero[(gi * fg)..<(gi * fg + fg)])
            let y = try gemm.multiply(a, b, aZero: Array(repeating: xZero, count: m), bZero: cols,
                                      requant: requant?.columns(gi * fg..<(gi * fg + fg)))
            for n in 0..<batch {
                for fo in 0..<fg {
                    for pix in 0..<(oh * ow) { out[((n * f + gi * fg + fo) * oh * ow) + pix] = y.data[(n * oh * ow + pix) * fg + fo] }
                }
            }
        }
        return OnnxTensor(shape: [batch, f, oh, ow], type: requant?.type ?? .int32, ints: out)
    }

    /// numpy matmul: batches of A against one B are one taller GEMM; batched B, one GEMM per batch.
    func matmul(_ a: OnnxTensor, _ b: OnnxTensor, aZero: [Int64], bZero: [Int64], requant: GemmRunner.Requant?,
                gemm: inout GemmRunner) throws -> OnnxTensor {
        let (m, k) = (a.shape[a.shape.count - 2], a.shape[a.shape.count - 1])
        let (k2, n) = (b.shape[b.shape.count - 2], b.shape[b.shape.count - 1])
        guard k == k2 else { throw fail("A is …×\(m)×\(k), B …×\(k2)×\(n)") }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let type = requant?.type ?? (node.opType == "MatMul" ? a.type : .int32)
        if batchB.reduce(1, *) == 1 {
            let rows = batchA.reduce(1, *) * m
            let y = try gemm.multiply(IntMatrix(rows: rows, cols: k, data: a.ints), IntMatrix(rows: k, cols: n, data: b.ints),
                                      aZero: (0..<rows).map { aZero[$0 % m] }, bZero: bZero, requant: requant)
            return OnnxTensor(shape: batchA + [m, n], type: type, ints: y.data)
        }
        guard batchA == batchB else { throw fail("batched A \(a.shape) and B \(b.shape) must have the same batch dimensions") }
        var out: [Int64] = []
        for i in 0..<batchA.reduce(1, *) {
            let y = try gemm.multiply(IntMatrix(rows: m, cols: k, data: Array(a.ints[(i * m * k)..<((i + 1) * m * k)])),
                                      IntMatrix(rows: k, cols: n, data: Array(b.ints[(i * k * n)..<((i + 1) * k * n)])),
                                      aZero: aZero, bZero: bZero, requant: requant)
            out += y.data
        }
        return OnnxTensor(shape: batchA + [m, n], type: type, ints: out)
    }

    // MARK: Host nodes

    func hostNode() throws -> [OnnxTensor] {
        switch node.opType {
        case "Identity": return [try need(0, "input")]
        case "Constant":
            guard let v = attribute("value"), v.hasT else { throw fail("only a tensor 'value' attribute") }
            return [try OnnxTensor(v.t, fail: fail)]
        case "Relu":
            let x = try integer(0, "X")
            return [OnnxTensor(shape: x.shape, type: x.type, ints: x.ints.map { max($0, 0) })]
        case "Clip":
            let x = try integer(0, "input")
            let lo = try input(1).map { try scalar($0, "min") } ?? Int64.min, hi = try input(2).map { try scalar($0, "max") } ?? Int64.max
            if attribute("min") != nil || attribute("max") != nil { throw fail("min/max attributes (opset < 11) are float (allowed: min/max inputs)") }
            return [OnnxTensor(shape: x.shape, type: x.type, ints: x.ints.map { min(max($0, lo), hi) })]
        case "Cast":
            let x = try integer(0, "input")
            guard let to = OnnxTensor.DataType(rawValue: int("to", 0)), OnnxTensor.intRanges[to] != nil else {
                throw fail("cast to element type \(int("to", 0)) (allowed: integer types)")
            }
            return [OnnxTensor(shape: x.shape, type: to, ints: x.ints.map { OnnxTensor.wrap($0, to: to) })]
        case "Add", "Sub", "Mul", "Div":
            let a = try integer(0, "A"), b = try integer(1, "B")
            guard a.type == b.type else { throw fail("A is \(OnnxTensor.name(a.type)), B \(OnnxTensor.name(b.type))") }
            guard let shape = OnnxTensor.broadcast(a.shape, b.shape) else { throw fail("shapes \(a.shape) and \(b.shape) do not broadcast") }
            let (x, y) = (a.expanded(to: shape), b.expanded(to: shape))
            if node.opType == "Div", y.contains(0) { throw fail("division by zero") }
            let op: (Int64, Int64) -> Int64 = switch node.opType {
            case "Add": { $0 &+ $1 }
            case "Sub": { $0 &- $1 }
            case "Mul": { $0 &* $1 }
            default: { $0.dividedReportingOverflow(by: $1).partialValue }   // toward zero, as C; MIN / −1 wraps
            }
            return [OnnxTensor(shape: shape, type: a.type, ints: zip(x, y).map { OnnxTensor.wrap(op($0, $1), to: a.type) })]
        case "Flatten":
            let x = try need(0, "input")
            var axis = int("axis", 1)
            if axis < 0 { axis += x.shape.count }
            guard (0...x.shape.count).contains(axis) else { throw fail("axis \(int("axis", 1)) for rank \(x.shape.count)") }
            return [reshaped(x, [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
        case "Reshape":
            let x = try need(0, "data"), spec = try integer(1, "shape").ints.map { Int($0) }
            var shape = spec.enumerated().map { i, v in v == 0 && int("allowzero", 0) == 0 && i < x.shape.count ? x.shape[i] : v }
            if let i = shape.firstIndex(of: -1) {
                let known = shape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
                guard known > 0, x.count % known == 0 else { throw fail("cannot reshape \(x.shape) to \(spec)") }
                shape[i] = x.count / known
            }
            guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == x.count else { throw fail("cannot reshape \(x.shape) to \(spec)") }
            return [reshaped(x, shape)]
        case "Transpose":
            let x = try need(0, "data"), r = x.shape.count
            let perm = ints("perm") ?? Array((0..<r).reversed())
            guard perm.sorted() == Array(0..<r) else { throw fail("perm \(perm) for rank \(r)") }
            let shape = perm.map { x.shape[$0] }, src = OnnxTensor.strides(x.shape), dst = OnnxTensor.strides(shape)
            let ints = (0..<x.count).map { i in x.ints[(0..<r).reduce(0) { $0 + (i / dst[$1]) % shape[$1] * src[perm[$1]] }] }
            return [OnnxTensor(shape: shape, type: x.type, ints: ints)]
        case "Squeeze", "Unsqueeze":
            let x = try need(0, "data")
            let axes = try input(1).map { $0.ints.map { Int($0) } } ?? ints("axes")
            var shape = x.shape
            if node.opType == "Squeeze" {
                let r = shape.count, ax = Set((axes ?? shape.indices.filter { shape[$0] == 1 }).map { $0 < 0 ? $0 + r : $0 })
                guard ax.allSatisfy({ (0..<r).contains($0) && shape[$0] == 1 }) else { throw fail("cannot squeeze axes \(axes ?? []) of \(shape)") }
                shape = shape.indices.filter { !ax.contains($0) }.map { shape[$0] }
            } else {
                guard let axes else { throw fail("has no axes") }
                let r = shape.count + axes.count
                for a in axes.map({ $0 < 0 ? $0 + r : $0 }).sorted() {
                    guard (0...shape.count).contains(a) else { throw fail("axis \(a) for rank \(r)") }
                    shape.insert(1, at: a)
                }
            }
            return [reshaped(x, shape)]
        default:   // MaxPool
            return [try maxPool(try integer(0, "X"))]
        }
    }

    func scalar(_ t: OnnxTensor, _ what: String) throws -> Int64 {
        guard t.count == 1, t.type != .float else { throw fail("\(what) must be an integer scalar") }
        return t.ints[0]
    }

    func reshaped(_ x: OnnxTensor, _ shape: [Int]) -> OnnxTensor {
        var y = x
        y.shape = shape
        return y
    }

    /// 2-D max pooling over NCHW; padding never wins.
    func maxPool(_ x: OnnxTensor) throws -> OnnxTensor {
        guard x.shape.count == 4, let ks = ints("kernel_shape"), ks.count == 2 else { throw fail("only 2-D pooling of NCHW with kernel_shape") }
        let s = ints("strides") ?? [1, 1], p = ints("pads") ?? [0, 0, 0, 0], d = ints("dilations") ?? [1, 1]
        guard s.count == 2, p.count == 4, d.count == 2, (s + d + ks).allSatisfy({ $0 >= 1 }), p.allSatisfy({ $0 >= 0 }) else {
            throw fail("kernel_shape \(ks), strides \(s), pads \(p), dilations \(d) (allowed: 2-D, strides, dilations and kernel ≥ 1, pads ≥ 0)")
        }
        guard int("ceil_mode", 0) == 0, (attribute("auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET") == "NOTSET" else {
            throw fail("ceil_mode and auto_pad are not supported (allowed: explicit pads)")
        }
        guard node.output.count < 2 || node.output[1].isEmpty else { throw fail("the Indices output is not supported") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + p[0] + p[2] - d[0] * (ks[0] - 1) - 1) / s[0] + 1, ow = (w + p[1] + p[3] - d[1] * (ks[1] - 1) - 1) / s[1] + 1
        guard oh >= 1, ow >= 1 else { throw fail("the kernel is larger than the padded input") }
        var out: [Int64] = []
        out.reserveCapacity(n * c * oh * ow)
        for plane in 0..<(n * c) {
            for y in 0..<oh {
                for xo in 0..<ow {
                    var best = Int64.min
                    for i in 0..<ks[0] {
                        for j in 0..<ks[1] {
                            let ih = y * s[0] - p[0] + i * d[0], iw = xo * s[1] - p[1] + j * d[1]
                            if ih >= 0, ih < h, iw >= 0, iw < w { best = max(best, x.ints[(plane * h + ih) * w + iw]) }
                        }
                    }
                    out.append(best)
                }
            }
        }
        return OnnxTensor(shape: [n, c, oh, ow], type: x.type, ints: out)
    }
}

/// The GEMMs of one node on the RTL: operands checked against the design, split to fit, zero
/// points corrected on the host.
private struct GemmRunner {
    let run: NodeRun
    var shapes: [GemmShape] = []
    var runs = 0, rtlCycles = 0, goldenCycles = 0, passed = true
    var corrected = false

    init(run: NodeRun) { self.run = run }

    /// A QLinear node's requantization as the design's epilogue does it: y = round(acc · 2^−n) + zero point.
    struct Requant {
        var shifts: [Int64]
        var type: OnnxTensor.DataType
        func columns(_ r: Range<Int>) -> Requant { Requant(shifts: Array(shifts[r]), type: type) }
    }

    /// Checks that the design's epilogue computes ONNX Runtime's requantization exactly: every
    /// output scale x_scale·w_scale/y_scale (float32, as ONNX Runtime forms it) is 2^−n, zero
    /// points of x and w are 0 and y's is the epilogue's, no bias, rounding half-even, no ReLU,
    /// and the epilogue saturates to y's type.
    func requantization(xScale: OnnxTensor, wScale: OnnxTensor, yScale: OnnxTensor, yZero: OnnxTensor?, xZero: Int64,
                        wZero: [Int64], bias: OnnxTensor?, columns: Int) throws -> Requant {
        let spec = run.design.spec
        guard let e = spec.epilogue else {
            throw run.fail("\(spec.source) has no epilogue to requantize with (allowed: a design with epilogue.scale, or an epilogue with rounding half-even and power-of-two scales)")
        }
        guard xScale.count == 1, yScale.count == 1, wScale.count == 1 || wScale.count == columns, xScale.type == .float else {
            throw run.fail("scales must be float: x and y per tensor, w per tensor or per output channel")
        }
        guard xZero == 0, wZero.allSatisfy({ $0 == 0 }) else { throw run.fail("x and w zero points must be 0 (the epilogue rounds before the host could correct them)") }
        guard bias == nil else { throw run.fail("a bias is not supported (the epilogue has no bias add)") }
        let yType = yZero?.type ?? .uint8, yz = yZero?.ints.first ?? 0
        guard e.rounding == .halfEven, !e.relu, e.zeroPoint == yz, let r = OnnxTensor.intRanges[yType],
              e.out.minValue == r.lowerBound, e.out.maxValue == r.upperBound else {
            throw run.fail("the epilogue of \(spec.source) (rounding \(e.rounding.rawValue), zero point \(e.zeroPoint), out \(e.out)\(e.relu ? ", relu" : "")) "
                           + "is not this node's (half-even, zero point \(yz), out \(OnnxTensor.name(yType)), no relu)")
        }
        if let scale = e.scale {
            // A float-scale epilogue: the node's output scale must be the epilogue's, bit for bit.
            for j in 0..<columns {
                let s = xScale.floats[0] * wScale.floats[wScale.count == 1 ? 0 : j] / yScale.floats[0]
                guard s.bitPattern == scale.bitPattern else {
                    throw run.fail("output scale x_scale·w_scale/y_scale = \(s) of channel \(j) is not the epilogue.scale \(scale) of \(spec.source) (allowed: a design with epilogue.scale \(s))")
                }
            }
            return Requant(shifts: [], type: yType)
        }
        let shifts: [Int64] = try (0..<columns).map { j in
            let s = xScale.floats[0] * wScale.floats[wScale.count == 1 ? 0 : j] / yScale.floats[0]
            guard s > 0, s.significand == 1, s.exponent <= 0, -Int(s.exponent) <= Epilogue.shiftRange.upperBound else {
                throw run.fail("output scale x_scale·w_scale/y_scale = \(s) of channel \(j) is not 2^−n, n in 0…63 (the scales the epilogue computes exactly)")
            }
            let n = Int64(-s.exponent)
            if !e.perColumn, Int64(e.shift) - Int64(e.multiplier.trailingZeroBitCount) != n || e.multiplier.nonzeroBitCount != 1 {
                throw run.fail("output scale 2^−\(n) of channel \(j) is not the epilogue's \(e.multiplier)/2^\(e.shift) (allowed: a per_column epilogue, or this scale)")
            }
            return n
        }
        return Requant(shifts: shifts, type: yType)
    }

    /// A·B on the RTL, with ONNX's zero points: Σ(a − az)(b − bz) = Σab − bz·Σa − az·Σb + K·az·bz,
    /// the correction terms added on the host.
    mutating func multiply(_ a: IntMatrix, _ b: IntMatrix, aZero: [Int64], bZero: [Int64], requant: Requant?) throws -> IntMatrix {
        let spec = run.design.spec
        guard spec.group == nil else { throw run.fail("\(spec.source) has mac.group (group exponents): --run does not supply them") }
        for (what, m, t) in [("activations", a, spec.mac.a), ("weights", b, spec.mac.b)] {
            if let v = m.data.first(where: { !t.contains($0) }) {
                throw run.fail("\(what) hold \(v), outside the design's \(what == "activations" ? "A" : "B") operand type \(t) of \(spec.source)")
            }
        }
        if spec.epilogue != nil, requant == nil {
            throw run.fail("\(spec.source) requantizes its results (epilogue), but \(run.node.opType) needs the int32 accumulators (allowed: a design without an epilogue)")
        }
        shapes.append(GemmShape(m: a.rows, k: a.cols, n: b.cols))
        let perColumn = spec.epilogue?.perColumn == true
        var c = try tiles(a, b, scales: requant.flatMap { !perColumn ? nil : $0 }.map { ColumnScales(multipliers: Array(repeating: 1, count: b.cols), shifts: $0.shifts) })
        if aZero.contains(where: { $0 != 0 }) || bZero.contains(where: { $0 != 0 }) {
            corrected = true
            let k = Int64(a.cols)
            let colSums = (0..<b.cols).map { j in (0..<b.rows).reduce(Int64(0)) { $0 + b[$1, j] } }
            for i in 0..<a.rows {
                let rowSum = (0..<a.cols).reduce(Int64(0)) { $0 + a[i, $1] }
                for j in 0..<b.cols {
                    c.data[i * b.cols + j] += -bZero[j] * rowSum - aZero[i] * colSums[j] + k * aZero[i] * bZero[j]
                }
            }
        }
        return c
    }

    /// Runs A·B in pieces that fit: a GEMM engine's buffer chunks, or the simulation size limits
    /// for a bare engine; partial sums along K are added on the host (only without an epilogue).
    mutating func tiles(_ a: IntMatrix, _ b: IntMatrix, scales: ColumnScales?) throws -> IntMatrix {
        let design = run.design
        let (m, k, n) = (a.rows, a.cols, b.cols)
        var (mc, kc, nc) = (m, k, n)
        if let t = try design.layerCycles(GemmShape(m: m, k: k, n: n)).tiling {
            (mc, kc, nc) = (t.m, t.k, t.n)
        } else {
            let cap = GemmShape.dimRange.upperBound
            (kc, nc) = (min(k, cap), min(n, cap))
            mc = max(1, min(m, cap, GemmShape.maxElements / max(kc, nc)))
        }
        if kc < k, design.spec.epilogue != nil {
            throw run.fail("K = \(k) must be split into runs of \(kc), but the epilogue requantizes each run (allowed: K ≤ \(kc) on \(design.spec.source))")
        }
        var c = IntMatrix(rows: m, cols: n)
        for i0 in stride(from: 0, to: m, by: mc) {
            for j0 in stride(from: 0, to: n, by: nc) {
                for k0 in stride(from: 0, to: k, by: kc) {
                    let (ms, ks, ns) = (min(mc, m - i0), min(kc, k - k0), min(nc, n - j0))
                    let sa = IntMatrix(rows: ms, cols: ks, data: (0..<(ms * ks)).map { a[i0 + $0 / ks, k0 + $0 % ks] })
                    let sb = IntMatrix(rows: ks, cols: ns, data: (0..<(ks * ns)).map { b[k0 + $0 / ns, j0 + $0 % ns] })
                    let ops = GemmOperands(a: sa, b: sb, columnScales: scales.map {
                        ColumnScales(multipliers: Array($0.multipliers[j0..<(j0 + ns)]), shifts: Array($0.shifts[j0..<(j0 + ns)]))
                    })
                    do { try design.checkOperands(ops, bName: "weights") } catch let e as HWGenError where e.status == .badInput { throw run.fail(e.message) }
                    let r = try Flow.simulate(design, ops, label: "\(run.name) \(ms)x\(ks)x\(ns)", simulators: [run.simulator]) { line in
                        if line.contains("FAIL") || line.contains("MISMATCH") { run.log(line) }
                    }
                    guard let out = r.runs.first, let v = r.verdicts.first else { continue }
                    runs += 1
                    rtlCycles += v.rtlCycles
                    goldenCycles += v.goldenCycles
                    passed = passed && v.passed
                    for i in 0..<ms { for j in 0..<ns { c.data[(i0 + i) * n + j0 + j] += out.c[i, j] } }
                }
            }
        }
        return c
    }

    func layer(op: String) -> OnnxRunner.Layer {
        OnnxRunner.Layer(node: run.name, op: op, shape: shapes.first ?? GemmShape(m: 0, k: 0, n: 0), gemms: shapes.count, runs: runs,
                         rtlCycles: rtlCycles, goldenCycles: goldenCycles, passed: passed,
                         host: corrected ? "zero-point corrections" : "")
    }
}
