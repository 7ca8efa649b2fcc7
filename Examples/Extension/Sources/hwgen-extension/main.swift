// Registers an engine kind and a MAC kind that HWGen does not have, then runs specs that use
// them through HWGen's own flow: load, elaborate, emit, golden values and cycles, the generated
// testbench on Icarus and Verilator. Exit 0 when every run passes, 1 on a mismatch, 2/3 as hwgen.
// Usage: hwgen-extension <spec.yaml>... [--seed S]
import Foundation
import HWGen

EngineRegistry.register(SingleMACKind())
MACRegistry.register(Radix2Arithmetic())

var args = Array(CommandLine.arguments.dropFirst())
var seed: UInt64 = 1
if let i = args.firstIndex(of: "--seed"), i + 1 < args.count, let s = UInt64(args[i + 1]) {
    seed = s
    args.removeSubrange(i...(i + 1))
}
do {
    var passed = true
    for path in args {
        let design = try Design.load(path: path)
        for shape in [design.defaultShape, GemmShape(m: 3, k: 1, n: 2)] {
            let ops = try OperandSource(gemm: shape, seed: seed).load(design)
            let (verdicts, _) = try Flow.simulate(design, ops.ops, label: ops.label, simulators: Simulator.allCases) { print($0) }
            passed = passed && verdicts.allSatisfy(\.passed)
        }
    }
    exit(passed ? 0 : ExitStatus.mismatch.rawValue)
} catch let error as HWGenError {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    exit(error.status.rawValue)
}
