import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// A second, independent oracle: NumPy computes what the design delivers from the same `.npy`
/// files the RTL runs on, for a sample of engines, MAC kinds, weight types, accumulators (wrapping
/// and saturating), MixPE groups and requantization epilogues; the RTL's output and the golden
/// model's must both equal it. The script shares no code with HWGen: int64 matrix products,
/// NumPy's clip for saturation, Python integers for the exact epilogue product.
@Suite struct NumpyOracleTests {
    static let script = #"""
        import json, sys
        import numpy as np
        cfg = json.loads(sys.argv[1])
        a, b = np.load(cfg["a"]).astype(np.int64), np.load(cfg["b"]).astype(np.int64)
        bits, signed, sat = cfg["bits"], cfg["signed"], cfg["sat"]
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        def step(x):
            if sat:
                return np.clip(x, lo, hi)
            x = np.mod(x, 1 << bits)
            return np.where(x > hi, x - (1 << bits), x)
        g = cfg.get("group") or 1
        e = np.load(cfg["e"]).astype(np.int64) if cfg.get("e") else None
        acc = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
        for k0 in range(0, a.shape[1], g):
            s = a[:, k0:k0 + g] @ b[k0:k0 + g, :]
            if e is not None:
                s = s << e[k0 // g][None, :]
            acc = step(acc + s)
        ep = cfg.get("epilogue")
        if ep:
            n_cols = acc.shape[1]
            mult = np.load(ep["m"]).reshape(-1) if "m" in ep else [ep["multiplier"]] * n_cols
            shift = np.load(ep["s"]).reshape(-1) if "s" in ep else [ep["shift"]] * n_cols
            olo, ohi = (-(1 << (ep["bits"] - 1)), (1 << (ep["bits"] - 1)) - 1) if ep["signed"] else (0, (1 << ep["bits"]) - 1)
            out = np.zeros(acc.shape, dtype=np.int64)
            for i in range(acc.shape[0]):
                for j in range(n_cols):
                    x, n = int(acc[i, j]) * int(mult[j]), int(shift[j])
                    q = x >> n
                    if n > 0:
                        r, half = x - (q << n), 1 << (n - 1)
                        mode = ep["rounding"]
                        if mode == "half-up" and r >= half: q += 1
                        if mode == "half-away" and (r > half or (r == half and x >= 0)): q += 1
                        if mode == "half-even" and (r > half or (r == half and q % 2 == 1)): q += 1
                    y = min(max(q + ep["zero_point"], olo), ohi)
                    if ep["relu"]: y = max(y, ep["zero_point"])
                    out[i, j] = y
            acc = out
        np.save(cfg["c"], acc.astype(np.int64))
        """#

    static func mac(_ a: HWType, _ b: HWType, _ acc: HWType, sat: Bool = false) -> MACTypes { MACTypes(a: a, b: b, acc: acc, saturating: sat) }
    static func coded(_ a: HWType, _ w: WeightFormat, _ acc: HWType, sat: Bool = false) -> MACTypes {
        MACTypes(a: a, weights: w, acc: acc, saturating: sat)
    }

    static func with(_ spec: DesignSpec, group: Int? = nil, epilogue: Epilogue? = nil, gemm: Bool = false) -> DesignSpec {
        var s = spec
        s.group = group
        s.epilogue = epilogue
        if let e = epilogue { s.name += "_ep_\(e.tag)" }
        if let g = group { s.name += "_g\(g)" }
        if gemm {
            let banks = s.engine.descriptor.gemmBanks(s.engine, mac: s.macConfig)
            s.gemm = GemmSpec(aWords: banks.a.0 * 256, bWords: banks.b.0 * 256, cWords: banks.c.0 * 256, doubleBuffer: false)
            s.name = "gemm_" + s.name
        }
        return s
    }

    static let designs: [DesignSpec] = [
        EngineCoSimTests.spec(.os, 3, 2, mac(.s(8), .s(8), .s(18)), .booth, pipeline: 1),
        EngineCoSimTests.spec(.ws, 2, 3, mac(.u(8), .s(4), .s(14)), .bitserial, pipeline: 0),
        EngineCoSimTests.spec(.is, 3, 2, mac(.s(8), .u(8), .s(20)), .baseline, pipeline: 1),
        EngineCoSimTests.dot(.cube, 2, 2, 3, stages: 1, mac(.s(8), .s(8), .s(17)), .booth),
        // FFIP, its accumulator wrapping (s16), bare and behind the GEMM engine's buffers.
        EngineCoSimTests.dot(.tree, 1, 3, 4, stages: 1, mac(.s(8), .u(8), .s(16)), .ffip),
        with(EngineCoSimTests.dot(.cube, 2, 2, 2, stages: 0, mac(.s(8), .s(8), .s(32)), .ffip), gemm: true),
        EngineCoSimTests.spec(.os, 3, 2, mac(.s(8), .s(8), .s(24)), .ffip, pipeline: 1),
        EngineCoSimTests.spec(.ws, 3, 2, mac(.s(8), .u(8), .s(24)), .ffipBooth, pipeline: 1),
        with(EngineCoSimTests.spec(.os, 2, 3, mac(.u(8), .s(8), .s(32)), .ffip, pipeline: 0), gemm: true),
        EngineCoSimTests.sparseTree(2, 4, "2:4", mac(.s(8), .s(8), .s(32)), .baseline),
        EngineCoSimTests.matrix2d(2, 2, mac(.u(8), .u(8), .u(16)), .bitserial, pipeline: 1),
        // Ternary and power-of-two weights on shift-add MACs.
        EngineCoSimTests.spec(.os, 3, 2, coded(.s(8), .ternary, .s(12)), .shiftadd, pipeline: 1),
        EngineCoSimTests.spec(.ws, 2, 3, coded(.u(8), .powerOfTwo(bits: 4), .s(20)), .shiftadd, pipeline: 0),
        EngineCoSimTests.dot(.tree, 1, 2, 4, stages: 1, coded(.s(8), .powerOfTwo(bits: 3), .s(16)), .shiftadd),
        // Saturating accumulators.
        EngineCoSimTests.spec(.os, 2, 3, mac(.s(8), .s(8), .s(16), sat: true), .baseline, pipeline: 0),
        EngineCoSimTests.matrix2d(2, 2, mac(.s(8), .s(8), .s(17), sat: true), .booth, pipeline: 1),
        // MixPE groups, and epilogues.
        with(EngineCoSimTests.spec(.os, 2, 2, mac(.s(8), .s(4), .s(24)), .baseline, pipeline: 1), group: 4),
        with(EngineCoSimTests.matrix2d(2, 3, mac(.s(8), .s(4), .s(18), sat: true), .baseline, pipeline: 0), group: 8),
        with(EngineCoSimTests.spec(.os, 2, 2, mac(.s(8), .s(8), .s(32)), .baseline, pipeline: 1),
             epilogue: Epilogue(multiplier: 1_518_500_250, shift: 38, zeroPoint: -3, rounding: .halfEven, out: .s(8), relu: true)),
        with(EngineCoSimTests.spec(.is, 2, 2, mac(.s(8), .s(8), .s(24)), .baseline, pipeline: 0),
             epilogue: Epilogue(multiplier: 3, shift: 2, zeroPoint: 5, rounding: .halfAway, out: .u(8))),
        // Saturation down WS columns and in a tree; groups in a tree and a WS GEMM; a per-column epilogue.
        EngineCoSimTests.spec(.ws, 3, 2, mac(.s(8), .s(8), .s(17), sat: true), .booth, pipeline: 1),
        EngineCoSimTests.dot(.tree, 1, 2, 4, stages: 1, coded(.s(8), .ternary, .s(11), sat: true), .shiftadd),
        with(EngineCoSimTests.dot(.tree, 1, 2, 4, stages: 2, mac(.s(8), .s(4), .s(26)), .baseline), group: 8),
        with(EngineCoSimTests.spec(.ws, 2, 2, mac(.s(8), .s(4), .s(22)), .baseline, pipeline: 1), group: 4, gemm: true),
        with(EngineCoSimTests.spec(.os, 2, 3, mac(.s(8), .s(8), .s(24)), .baseline, pipeline: 1),
             epilogue: Epilogue(perColumn: true, zeroPoint: -2, rounding: .halfUp, out: .s(8)), gemm: true),
    ]

    @Test func rtlAndGoldenEqualNumpy() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            try Requires.skip("python3 is not installed (apt-get install -y python3 python3-numpy)")
        }
        let probe = try Tools.run(python, ["-c", "import numpy"], in: FileManager.default.temporaryDirectory, timeout: 60)
        guard probe.status == 0 else {
            try Requires.skip("NumPy is not installed (apt-get install -y python3-numpy)")
        }
        try Requires.simulator(.icarus)
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
            func path(_ name: String) -> String { dir.appendingPathComponent("\(name)\(n).npy").path }
            let bValues = spec.mac.weights.maxExponent.map { HWType.s($0 + 2) } ?? spec.mac.b
            try Npy.writeMatrix(a, dtype: Npy.dtype(for: spec.mac.a), path: path("a"))
            try Npy.writeMatrix(b, dtype: Npy.dtype(for: bValues), path: path("b"))
            var cfg: [String: Any] = ["a": path("a"), "b": path("b"), "c": path("c"), "bits": spec.mac.acc.bits,
                                      "signed": spec.mac.acc.signed, "sat": spec.mac.saturating]
            let (fa, fb) = try Operands.load(a: path("a"), b: path("b"), mac: spec.mac)   // as `hwgen sim --a --b` reads them
            var ops = GemmOperands(a: fa, b: fb)
            if let group = spec.group {
                try Npy.writeMatrix(Operands.randomGroupScales(k: shape.k, n: shape.n, group: group, seed: g.next()), dtype: .uint8, path: path("e"))
                ops.groupScales = try Npy.readMatrix(path: path("e"), role: "E", type: .s(64))
                cfg["group"] = group
                cfg["e"] = path("e")
            }
            if let e = spec.epilogue {
                var ep: [String: Any] = ["rounding": e.rounding.rawValue, "zero_point": e.zeroPoint, "bits": e.out.bits,
                                         "signed": e.out.signed, "relu": e.relu, "multiplier": e.multiplier, "shift": e.shift]
                if e.perColumn {
                    let scales = Operands.randomColumnScales(n: shape.n, sumBits: spec.mac.product.bits + 2, out: e.out, seed: g.next())
                    try Npy.write(NpyArray(shape: [shape.n], dtype: .int64, values: scales.multipliers), path: path("m"))
                    try Npy.write(NpyArray(shape: [shape.n], dtype: .int64, values: scales.shifts), path: path("s"))
                    ops.columnScales = ColumnScales(multipliers: try Npy.readVector(path: path("m")), shifts: try Npy.readVector(path: path("s")))
                    (ep["m"], ep["s"]) = (path("m"), path("s"))
                }
                cfg["epilogue"] = ep
            }
            let json = String(data: try JSONSerialization.data(withJSONObject: cfg, options: [.sortedKeys]), encoding: .utf8)!
            let r = try Tools.run(python, [scriptPath.path, json], in: dir, timeout: 120)
            #expect(r.status == 0, "numpy: \(r.stderr)")
            let numpy = try Npy.readMatrix(path: path("c"), role: "C", type: .s(64))
            let label = "\(spec.name) gemm \(shape) from .npy (seed \(seed))"
            let (verdicts, runs) = try Flow.simulate(Design(spec), ops, label: label, simulators: [.icarus]) { print($0) }
            #expect(Design(spec).golden.c(ops) == numpy, "\(label): golden differs from NumPy")
            #expect(runs[0].c == numpy, "\(label): RTL differs from NumPy")
            #expect(verdicts[0].passed, "\(label)")
        }
    }
}
