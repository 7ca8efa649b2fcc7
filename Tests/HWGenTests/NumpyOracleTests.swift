import Foundation
import Testing
@testable import HWGen

/// A second, independent oracle: NumPy computes C from the same `.npy` files the RTL runs on
/// (int64 matmul, then the accumulator's two's-complement wrap), for a sample of engines, MAC
/// kinds and narrow accumulators; the RTL's C and the golden model's must both equal it.
@Suite struct NumpyOracleTests {
    static let script = """
        import sys
        import numpy as np
        a, b, bits, signed, out = np.load(sys.argv[1]), np.load(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
        c = a.astype(np.int64) @ b.astype(np.int64)
        c = np.mod(c, 1 << bits)
        if signed:
            c = np.where(c >= 1 << (bits - 1), c - (1 << bits), c)
        np.save(out, c.astype(np.int64))
        """

    static let designs: [DesignSpec] = [
        EngineCoSimTests.spec(.os, 3, 2, MACTypes(a: .s(8), b: .s(8), acc: .s(18)), .booth, pipeline: 1),
        EngineCoSimTests.spec(.ws, 2, 3, MACTypes(a: .u(8), b: .s(4), acc: .s(14)), .bitserial, pipeline: 0),
        EngineCoSimTests.spec(.is, 3, 2, MACTypes(a: .s(8), b: .u(8), acc: .s(20)), .baseline, pipeline: 1),
        EngineCoSimTests.dot(.cube, 2, 2, 3, stages: 1, MACTypes(a: .s(8), b: .s(8), acc: .s(17)), .booth),
        EngineCoSimTests.sparseTree(2, 4, "2:4", MACTypes(a: .s(8), b: .s(8), acc: .s(32)), .baseline),
        EngineCoSimTests.matrix2d(2, 2, MACTypes(a: .u(8), b: .u(8), acc: .u(16)), .bitserial, pipeline: 1),
    ]

    @Test func rtlAndGoldenEqualNumpy() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            print("skipped: python3 is not installed (apt-get install -y python3 python3-numpy)")
            return
        }
        let probe = try Tools.run(python, ["-c", "import numpy"], in: FileManager.default.temporaryDirectory, timeout: 60)
        guard probe.status == 0 else {
            print("skipped: NumPy is not installed (apt-get install -y python3-numpy)")
            return
        }
        guard CoSimTests.available(.icarus) else { return }
        let seed = CoSimTests.seed("numpyOracle")
        var g = SplitMix64(state: seed)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-numpy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let scriptPath = dir.appendingPathComponent("oracle.py")
        try Self.script.write(to: scriptPath, atomically: true, encoding: .utf8)
        for (n, spec) in Self.designs.enumerated() {
            let shape = GemmShape(m: Int.random(in: 1...9, using: &g), k: Int.random(in: 1...40, using: &g), n: Int.random(in: 1...7, using: &g))
            let (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: g.next(), sparsity: spec.engine.sparsity)
            let (aPath, bPath, cPath) = ["a", "b", "c"].map { dir.appendingPathComponent("\($0)\(n).npy").path }.triple
            try Npy.writeMatrix(a, dtype: Npy.dtype(for: spec.mac.a), path: aPath)
            try Npy.writeMatrix(b, dtype: Npy.dtype(for: spec.mac.b), path: bPath)
            let r = try Tools.run(python, [scriptPath.path, aPath, bPath, String(spec.mac.acc.bits), spec.mac.acc.signed ? "1" : "0", cPath],
                                  in: dir, timeout: 120)
            #expect(r.status == 0, "numpy: \(r.stderr)")
            let numpy = try Npy.readMatrix(path: cPath, role: "C", type: .s(64))
            // The RTL reads the same files back (`hwgen sim --a/--b` reads them this way).
            let (fa, fb) = (try Npy.readMatrix(path: aPath, role: "A", type: spec.mac.a), try Npy.readMatrix(path: bPath, role: "B", type: spec.mac.b))
            let label = "gemm \(shape) from .npy (seed \(seed))"
            let (verdicts, runs) = try Flow.simulate(spec, a: fa, b: fb, label: label, simulators: [.icarus]) { print($0) }
            #expect(GoldenGEMM.multiply(fa, fb, mac: spec.mac) == numpy, "\(label): golden differs from NumPy")
            #expect(runs[0].c == numpy, "\(label): RTL differs from NumPy")
            #expect(verdicts[0].passed, "\(label)")
        }
    }
}

private extension Array {
    var triple: (Element, Element, Element) { (self[0], self[1], self[2]) }
}
