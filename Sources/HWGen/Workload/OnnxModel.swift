import Foundation
import SwiftProtobuf

/// ONNX models as workloads: the GEMM-shaped nodes with their static shapes, every other node
/// listed as skipped with its op type.
public enum OnnxModel {
    /// The layers of a model, and the nodes that are not GEMMs (`name (OpType)`).
    public struct Parsed: Sendable {
        public var layers: [WorkloadLayer]
        public var skipped: [String]
    }

    /// Op types that run as GEMMs.
    static let gemmOps: Set<String> = ["Conv", "ConvInteger", "QLinearConv", "Gemm", "MatMul", "MatMulInteger", "QLinearMatMul"]

    /// Reads an ONNX file. Shapes come from the graph's inputs, outputs, `value_info` and
    /// initializers (a model saved after `onnx.shape_inference.infer_shapes` has them all); a
    /// symbolic dimension takes `batch` when given. Errors name the file and the node, exit 2.
    public static func load(path: String, batch: Int?) throws -> Parsed {
        try parse(read(path: path).graph, file: path, batch: batch)
    }

    /// The model in an ONNX file (errors name the file, exit 2).
    static func read(path: String) throws -> Onnx_ModelProto {
        guard let data = FileManager.default.contents(atPath: path) else { throw HWGenError.badInput("\(path): cannot read the file") }
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw HWGenError.badInput("\(path): not an ONNX model (\(error))")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else { throw HWGenError.badInput("\(path): not an ONNX model (no graph nodes)") }
        return model
    }

    static func parse(_ g: Onnx_GraphProto, file: String, batch: Int?) throws -> Parsed {
        // Known shapes: dims, nil for a symbolic one.
        var shapes: [String: [Int?]] = [:]
        for v in g.input + g.output + g.valueInfo where v.type.tensorType.hasShape {
            shapes[v.name] = v.type.tensorType.shape.dim.map { d in d.dimValue > 0 ? Int(d.dimValue) : nil }
        }
        for t in g.initializer { shapes[t.name] = t.dims.map { Int($0) } }
        var layers: [WorkloadLayer] = [], skipped: [String] = []
        for (i, node) in g.node.enumerated() {
            let label = node.name.isEmpty ? "node \(i) (\(node.opType))" : "node \(i) '\(node.name)' (\(node.opType))"
            guard gemmOps.contains(node.opType) else { skipped.append(node.name.isEmpty ? "node \(i) (\(node.opType))" : "\(node.name) (\(node.opType))"); continue }
            func fail(_ what: String) -> HWGenError { HWGenError.badInput("\(file) \(label): \(what)") }
            func shape(_ input: Int) throws -> [Int] {
                guard input < node.input.count else { throw fail("has no input \(input)") }
                let name = node.input[input]
                guard let s = shapes[name] else {
                    throw fail("the shape of '\(name)' is unknown (save the model after onnx.shape_inference.infer_shapes)")
                }
                return try s.enumerated().map { d, v in
                    if let v { return v }
                    guard d == 0, let batch else { throw fail("'\(name)' has a dynamic dimension \(d) (give --batch for a dynamic batch)") }
                    return batch
                }
            }
            func ints(_ a: String) -> [Int]? { node.attribute.first { $0.name == a }.map { $0.ints.map { Int($0) } } }
            func int(_ a: String, _ d: Int) -> Int { node.attribute.first { $0.name == a }.map { Int($0.i) } ?? d }
            let name = node.name.isEmpty ? "\(node.opType)_\(i)" : node.name
            switch node.opType {
            case "Conv", "ConvInteger", "QLinearConv":
                let x = try shape(0), w = try shape(node.opType == "QLinearConv" ? 3 : 1)
                guard x.count == 4, w.count == 4 else { throw fail("only 2-D convolutions (input \(x), weights \(w))") }
                let autoPad = node.attribute.first { $0.name == "auto_pad" }.map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
                guard autoPad == "NOTSET" || autoPad == "VALID" else { throw fail("auto_pad \(autoPad) (allowed: NOTSET with pads, VALID)") }
                let s = ints("strides") ?? [1, 1], p = autoPad == "VALID" ? [0, 0, 0, 0] : (ints("pads") ?? [0, 0, 0, 0])
                let dil = ints("dilations") ?? [1, 1], group = int("group", 1)
                guard s.count == 2, p.count == 4, dil.count == 2, s.allSatisfy({ $0 >= 1 }), group >= 1, x[1] % group == 0, w[0] % group == 0 else {
                    throw fail("strides \(s), pads \(p), dilations \(dil), group \(group) do not fit input \(x) and weights \(w)")
                }
                let oh = (x[2] + p[0] + p[2] - dil[0] * (w[2] - 1) - 1) / s[0] + 1
                let ow = (x[3] + p[1] + p[3] - dil[1] * (w[3] - 1) - 1) / s[1] + 1
                guard oh >= 1, ow >= 1 else { throw fail("the filter is larger than the padded input") }
                let depthwise = group > 1 && group == x[1] && w[0] == group
                layers.append(WorkloadLayer(name: name, op: depthwise ? "dwconv" : "conv", m: oh * ow * x[0],
                                            k: w[1] * w[2] * w[3], n: w[0] / group, groups: group))
            case "Gemm":
                let a = try shape(0), b = try shape(1)
                guard a.count == 2, b.count == 2 else { throw fail("A \(a) and B \(b) must be matrices") }
                let (m, k) = int("transA", 0) == 1 ? (a[1], a[0]) : (a[0], a[1])
                let (k2, n) = int("transB", 0) == 1 ? (b[1], b[0]) : (b[0], b[1])
                guard k == k2 else { throw fail("A is \(m)×\(k), B \(k2)×\(n)") }
                layers.append(WorkloadLayer(name: name, op: "gemm", m: m, k: k, n: n, groups: 1))
            default:   // MatMul, MatMulInteger, QLinearMatMul: numpy matmul semantics
                let a = try shape(0), b = try shape(node.opType == "QLinearMatMul" ? 3 : 1)
                guard a.count >= 1, b.count >= 1 else { throw fail("scalar operands") }
                let m = a.count >= 2 ? a[a.count - 2] : 1, k = a[a.count - 1]
                let k2 = b.count >= 2 ? b[b.count - 2] : b[0], n = b.count >= 2 ? b[b.count - 1] : 1
                guard k == k2 else { throw fail("A is …×\(m)×\(k), B …×\(k2)×\(n)") }
                let batchA = a.dropLast(2).reduce(1, *), batchB = b.dropLast(2).reduce(1, *)
                // A batch of A against one B is one taller GEMM; batched B, one GEMM per batch.
                if batchB <= 1 {
                    layers.append(WorkloadLayer(name: name, op: "gemm", m: m * batchA, k: k, n: n, groups: 1))
                } else {
                    layers.append(WorkloadLayer(name: name, op: "bmm", m: m, k: k, n: n, groups: max(batchA, batchB)))
                }
            }
        }
        return Parsed(layers: layers, skipped: skipped)
    }
}
