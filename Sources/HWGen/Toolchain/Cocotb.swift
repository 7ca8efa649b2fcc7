import Foundation
import Templates

/// `hwgen emit --cocotb`: a cocotb test for an emitted design, for users who write their tests in
/// Python. `DIR/cocotb/` gets `test_<name>.py`, a `Makefile`, `<name>.json` (the stream layout,
/// output lanes, pad value and golden cycle count) and the operands as `a.npy`, `b.npy` with the
/// golden `c_golden.npy`; the test drives the stimulus in `DIR/vectors/<name>/`.
///
/// It covers engines with HWGen's stream interface (a spec without `gemm:`); a GEMM engine is
/// driven through its buffers by its Verilog testbench (`--fusesoc` runs it under FuseSoC).
public enum CocotbTest {
    /// `<name>.json`, as the test module reads it (snake_case keys).
    struct Config: Encodable {
        struct Port: Encodable { let name: String; let offset: Int; let bits: Int }
        let lanes: Int, acc_bits: Int, signed: Bool, pad: Int64?, reset_cycles: Int
        let ports: [Port]
        let golden_cycles: Int
    }

    /// Writes the test for `spec`, emitted into `dir` with the vectors of `ops`; returns its directory.
    public static func write(_ design: Design, _ files: EmittedFiles, ops: GemmOperands, in dir: URL) throws -> URL {
        let spec = design.spec
        guard spec.gemm == nil else {
            throw HWGenError.badInput("--cocotb: \(spec.source) has a gemm: section; the cocotb test drives an engine's stream, "
                                      + "a GEMM engine is driven through its buffers by its Verilog testbench (allowed: a spec without gemm:, or --fusesoc)")
        }
        guard files.vectors != nil else {
            throw HWGenError.badInput("--cocotb: the test drives the vectors hwgen writes (allowed: omit --no-vectors)")
        }
        let engine = design.engine
        let out = dir.appendingPathComponent("cocotb")
        let shape = GemmShape(m: ops.a.rows, k: ops.a.cols, n: ops.b.cols)
        let config = Config(lanes: engine.outputLanes, acc_bits: spec.resultType.bits, signed: spec.resultType.signed,
                            pad: spec.mac.float == nil ? spec.epilogue?.zeroPoint ?? 0 : nil, reset_cycles: 4,
                            ports: StreamPort.layout(engine.streamPorts).map { Config.Port(name: $0.port.name, offset: $0.offset, bits: $0.port.bits) },
                            golden_cycles: design.golden.cycles(shape, b: ops.b))
        let json = try JSONEncoder.sorted.encode(config)
        let values: [String: Any] = [
            "name": spec.name, "source": spec.fileName, "vectors": "../vectors/\(spec.name)",
            "sources": files.rtl.map { "../rtl/\($0.lastPathComponent)" }.joined(separator: " "),
        ]
        try Flow.write(Templates.render(Templates.cocotbTest, values), to: out.appendingPathComponent("test_\(spec.name).py"))
        try Flow.write(Templates.render(Templates.cocotbMakefile, values), to: out.appendingPathComponent("Makefile"))
        try Flow.write(String(decoding: json, as: UTF8.self) + "\n", to: out.appendingPathComponent("\(spec.name).json"))
        try Npy.writeMatrix(ops.a, dtype: Npy.dtype(for: spec.mac.a), path: out.appendingPathComponent("a.npy").path)
        try Npy.writeMatrix(ops.b, dtype: Npy.dtype(for: HWType.s(64)), path: out.appendingPathComponent("b.npy").path)
        try Npy.writeMatrix(design.golden.c(ops), dtype: Npy.dtype(for: spec.resultType), path: out.appendingPathComponent("c_golden.npy").path)
        return out
    }
}
