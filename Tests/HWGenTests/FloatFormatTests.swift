import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenGolden

/// Floating-point element formats: every code's value and round-to-nearest-even conversion,
/// against ml_dtypes (an independent implementation) where it is installed.
@Suite struct FloatFormatTests {
    @Test func knownValues() {
        let e4m3 = FloatFormat.e4m3
        #expect(e4m3.decode(0x7E).double == 448)
        #expect(e4m3.decode(0x01).double == 0x1p-9)
        #expect(e4m3.decode(0x7F) == .nan && e4m3.decode(0xFF) == .nan)
        #expect(e4m3.decode(0x78).double == 256)   // S.1111.000 is a number in E4M3
        #expect(e4m3.encode(FloatValue(500.0)) == 0x7E)
        #expect(e4m3.encode(FloatValue(-500.0), overflow: .special) == 0xFF)
        #expect(e4m3.encode(FloatValue(-0.0)) == 0x80)
        #expect(FloatFormat.e5m2.maxValue.double == 57344)
        #expect(FloatFormat.e5m2.decode(0x7C) == .infinity(negative: false))
        #expect(FloatFormat.e2m1.maxValue.double == 6 && FloatFormat.e2m3.maxValue.double == 7.5 && FloatFormat.e3m2.maxValue.double == 28)
        #expect(FloatFormat.bf16.decode(0x3F80).double == 1 && FloatFormat.fp16.maxValue.double == 65504)
        // Ties to even: 1 + 2^-4 lies halfway between E4M3's 1 and 1.125.
        #expect(e4m3.encode(FloatValue(1.0625)) == 0x38 && e4m3.encode(FloatValue(1.1875)) == 0x3A)
    }

    /// MXINT8's element: every code is code/64 (two's complement); values round to nearest even
    /// in units of 2^−6 and saturate to −2…127/64; NaN becomes 0 (MX carries NaN in the scale).
    @Test func int8ElementOfMXINT8() {
        let f = FloatFormat.int8
        for code in 0..<256 {
            #expect(f.decode(UInt64(code)).double == Double(Int8(truncatingIfNeeded: code)) / 64, "code \(code)")
            #expect(f.encode(f.decode(UInt64(code))) == UInt64(code), "code \(code)")
        }
        #expect(f.maxValue.double == 127.0 / 64)
        #expect(f.encode(FloatValue(1.0)) == 0x40 && f.encode(FloatValue(-2.0)) == 0x80 && f.encode(FloatValue(-0.0)) == 0)
        #expect(f.encode(FloatValue(2.0)) == 0x7F && f.encode(FloatValue(-3.0)) == 0x80 && f.encode(FloatValue(1e30)) == 0x7F)
        #expect(f.encode(FloatValue(-Double.infinity)) == 0x80 && f.encode(.nan) == 0)
        // Ties to even: 1.5/64 → 2/64, 2.5/64 → 2/64, −0.5/64 → 0; below half an LSB → 0.
        #expect(f.encode(FloatValue(1.5 / 64)) == 2 && f.encode(FloatValue(2.5 / 64)) == 2 && f.encode(FloatValue(-0.5 / 64)) == 0)
        #expect(f.encode(FloatValue(0x1p-40)) == 0 && f.encode(FloatValue(-3.5 / 64)) == UInt64(UInt8(bitPattern: -4)))
    }

    /// FP32 conversion of Doubles equals Float(x), which rounds to nearest even.
    @Test func fp32MatchesSwiftFloat() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20000 {
            let x = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g) & 0xBFFF_FFFF_FFFF_FFFF | 0x3000_0000_0000_0000)
            guard x.isFinite, abs(x) < Double(Float.greatestFiniteMagnitude) else { continue }
            #expect(FloatFormat.fp32.encode(FloatValue(x)) == UInt64(Float(x).bitPattern), "\(x)")
        }
        for f in [Float.leastNonzeroMagnitude, Float.leastNormalMagnitude, -Float.greatestFiniteMagnitude, 1.5e-42] {
            #expect(FloatFormat.fp32.encode(FloatValue(Double(f))) == UInt64(f.bitPattern))
            #expect(FloatFormat.fp32.decode(UInt64(f.bitPattern)).double == Double(f))
        }
    }

    /// Every code of every format decodes to ml_dtypes' value, and values (random ones, every
    /// midpoint between neighbouring codes, subnormals) round to ml_dtypes' code.
    @Test(arguments: [("e4m3", "float8_e4m3fn"), ("e5m2", "float8_e5m2"), ("e2m3", "float6_e2m3fn"), ("e3m2", "float6_e3m2fn"),
                      ("e2m1", "float4_e2m1fn"), ("bf16", "bfloat16"), ("fp16", "float16")])
    func matchesMLDtypes(format: String, dtype: String) throws {
        let python = try Requires.venvPython(importing: "ml_dtypes")
        let f = try #require(FloatFormat(name: format))
        let dir = try CLITests.tempDir()
        let script = """
            import sys, numpy as np, ml_dtypes
            dt = np.dtype(getattr(ml_dtypes, sys.argv[2]) if sys.argv[2] != "float16" else np.float16)
            bits = int(sys.argv[3]); out = sys.argv[1]
            codes = np.arange(1 << bits, dtype=np.uint16 if bits > 8 else np.uint8)
            vals = (codes.view(dt) if bits in (8, 16) else codes.astype(np.uint8).view(dt)).astype(np.float64)
            np.save(out + "/values.npy", vals.view(np.int64))
            fin = np.unique(vals[np.isfinite(vals)])
            mids = (fin[:-1] + fin[1:]) / 2          # exact in float64: ties
            r = np.random.default_rng(7)
            rand = r.uniform(-1, 1, 4000) * fin.max()
            tiny = r.uniform(-1, 1, 1000) * fin[fin > 0].min() * 4
            x = np.concatenate([mids, rand, tiny, -mids]).astype(np.float32).astype(np.float64)
            x = x[np.abs(x) <= fin.max()]
            c = x.astype(dt)
            codes = (c.view(np.uint8) if bits <= 8 else c.view(np.uint16)).astype(np.int64) & ((1 << bits) - 1)
            np.save(out + "/x.npy", x.view(np.int64)); np.save(out + "/codes.npy", codes)
            """
        let r = try Tools.run(python, ["-c", script, dir.path, dtype, "\(f.bits)"], timeout: 120)
        try #require(r.status == 0, "\(r.combined)")
        let values = try Npy.read(path: dir.appendingPathComponent("values.npy").path).values.map { Double(bitPattern: UInt64(bitPattern: $0)) }
        #expect(values.count == 1 << f.bits)
        for (code, v) in values.enumerated() {
            let mine = f.decode(UInt64(code)).double
            #expect(mine.bitPattern == v.bitPattern || (mine.isNaN && v.isNaN), "\(format) code \(code): \(mine), ml_dtypes \(v)")
        }
        let xs = try Npy.read(path: dir.appendingPathComponent("x.npy").path).values.map { Double(bitPattern: UInt64(bitPattern: $0)) }
        let codes = try Npy.read(path: dir.appendingPathComponent("codes.npy").path).values
        #expect(xs.count > 1000)
        var wrong = 0
        for (x, c) in zip(xs, codes) where f.encode(FloatValue(x)) != UInt64(c) {
            wrong += 1
            if wrong <= 5 { Issue.record("\(format): \(x) → \(f.encode(FloatValue(x))), ml_dtypes \(c)") }
        }
        #expect(wrong == 0, "\(wrong) of \(xs.count) conversions differ")
    }

    /// The golden float GEMM equals the independent Python model (ml_dtypes, exact fractions,
    /// its own rounding) for every accumulation, on codes that include ±0, subnormals, the largest
    /// values and NaN (and ±∞ for E5M2).
    @Test(arguments: ["e4m3", "e5m2"])
    func goldenFloatGEMMEqualsPythonOracle(format: String) throws {
        let python = try Requires.venvPython(importing: "ml_dtypes")
        let f = try #require(FloatFormat(name: format))
        let seed: UInt64 = 11
        print("float oracle \(format): seed \(seed)")
        var rng = SplitMix64(state: seed)
        let specials: [UInt64] = format == "e4m3" ? [0x00, 0x80, 0x01, 0x87, 0x7E, 0xFE, 0x7F] : [0x00, 0x80, 0x01, 0x83, 0x7B, 0xFB, 0x7C, 0x7F]
        func codes(_ n: Int, nan: Bool) -> [Int64] {
            (0..<n).map { _ in
                let r = rng.next() % 100
                if r < 8 { return Int64(specials[Int(rng.next() % UInt64(specials.count - (nan ? 0 : (format == "e4m3" ? 1 : 2))))]) }
                var c = rng.next() & 0xFF
                while case .nan = f.decode(c) { c = rng.next() & 0xFF }
                if case .infinity = f.decode(c) { c = 0x3C }
                return Int64(c)
            }
        }
        let (m, k, n) = (3, 37, 4)
        // Row 0 of A is free of specials; the others may hold NaN (and ∞ for E5M2).
        let a = IntMatrix(rows: m, cols: k, data: codes(k, nan: false) + codes((m - 1) * k, nan: true))
        let b = IntMatrix(rows: k, cols: n, data: codes(k * n, nan: false))
        let dir = try CLITests.tempDir()
        try Npy.write(NpyArray(shape: [m, k], dtype: .int64, values: a.data), path: dir.appendingPathComponent("a.npy").path)
        try Npy.write(NpyArray(shape: [k, n], dtype: .int64, values: b.data), path: dir.appendingPathComponent("b.npy").path)
        let cases: [(FloatAccumulation, String, Int)] = [(.fp32, "fp32", 1), (.exact, "exact", 1), (.align(bits: 14, promote: nil), "align14", 1),
                                                         (.align(bits: 8, promote: nil), "align8", 4), (.align(bits: 10, promote: 8), "align10+promote8", 2)]
        for (acc, name, group) in cases {
            let r = try Tools.run(python, [CLITests.repo.appendingPathComponent("scripts/float_oracle.py").path, dir.path, format, format, name, "\(group)"], timeout: 120)
            try #require(r.status == 0, "\(r.combined)")
            let oracle = try Npy.read(path: dir.appendingPathComponent("c_oracle.npy").path).values.map { UInt32($0) }
            let mine = GoldenFloat.gemm(a: a, f, b: b, f, acc: acc, group: group)
            #expect(mine == oracle, "\(format) \(name) group \(group): golden \(mine.map { String($0, radix: 16) }), oracle \(oracle.map { String($0, radix: 16) })")
            #expect(oracle.contains(0x7FC0_0000) && oracle.contains { $0 & 0x7F80_0000 != 0x7F80_0000 }, "specials and numbers both present")
        }
    }

    /// `hwgen accuracy`: align14's error grows with K and promoting every 128 products stops the
    /// growth (DeepSeek-V3's observation), FP32 accumulation stays near FP32's own precision; bad
    /// arguments exit 2 with one message.
    @Test func accuracyReproducesAlignmentLoss() throws {
        let r = FloatAccuracy(format: .e4m3, ks: [256, 2048], m: 4, n: 4, seed: 3,
                              accumulations: [(.fp32, 1), (.align(bits: 14, promote: nil), 1), (.align(bits: 14, promote: 128), 1)])
        let e = Dictionary(uniqueKeysWithValues: r.rows.map { ("\($0.accumulation) \($0.k)", $0.relativeError) })
        #expect(e["align14 2048"]! > 2 * e["align14 256"]!, "\(e)")
        #expect(e["align14+promote128 2048"]! < e["align14 2048"]! / 2, "\(e)")
        #expect(e["fp32 2048"]! < 1e-6 && e["align14 256"]! > 1e-5, "\(e)")
        // Block-128 scaling promotes at every block; MX blocks are exact, FP32 across.
        let blocked = FloatAccuracy(format: .e4m3, ks: [2048], m: 4, n: 4, seed: 3, accumulations: [(.align(bits: 14, promote: nil), 1)],
                                    scalings: [.block128, .mx32])
        #expect(blocked.rows.count == 2 && blocked.rows[0].relativeError < e["align14 2048"]! / 2, "\(blocked.rows)")
        #expect(blocked.rows[1].scaling == .mx32 && blocked.rows[1].relativeError < 1e-6, "\(blocked.rows)")
        for (args, message) in [(["--format", "e9m9"], "--format: 'e9m9' is not an element format"), (["--scaling", "mx16"], "--scaling: 'mx16' is not a scaling"),
                                (["--acc", "align99"], "--acc: 'align99' is not an accumulation"),
                                (["--k", "0"], "--k: '0' is not a K")] {
            let bad = try CLITests.hwgen(["accuracy"] + args)
            #expect(bad.status == 2 && bad.stderr.contains(message) && bad.stderr.split(separator: "\n").count == 1, "\(args): \(bad.combined)")
        }
    }

    /// The float-scale requantization equals ONNX Runtime's QLinearMatMul (int8, random scales
    /// that are not powers of two, outputs that saturate).
    @Test func floatScaleRequantizationEqualsOnnxRuntime() throws {
        let python = try WorkloadTests.onnxRuntime()
        let dir = try CLITests.tempDir()
        let script = Self.qlinearMatMulScript(m: 16, k: 48, n: 12, low: -63, high: 64)
        var differ = 0, saturated = 0, total = 0
        for seed in 1...6 {
            let r = try Tools.run(python, ["-c", script, dir.path, "\(seed)"], timeout: 120)
            try #require(r.status == 0, "\(r.combined)")
            let acc = try Npy.read(path: dir.appendingPathComponent("acc.npy").path).values
            let y = try Npy.read(path: dir.appendingPathComponent("y.npy").path).values
            let meta = try Npy.read(path: dir.appendingPathComponent("meta.npy").path).values
            let scale = Float(bitPattern: UInt32(meta[0]))
            for (a, want) in zip(acc, y) {
                let got = GoldenFloat.requantize(a, scale: scale, zeroPoint: meta[1], out: .s(8))
                total += 1
                if abs(want) >= 127 { saturated += 1 }
                if got != want {
                    differ += 1
                    if differ <= 5 { Issue.record("seed \(seed): acc \(a) scale \(scale) zp \(meta[1]): golden \(got), ONNX Runtime \(want)") }
                }
            }
        }
        #expect(differ == 0, "\(differ) of \(total) differ")
        #expect(saturated > 0 && saturated < total, "\(saturated) of \(total) saturated")
    }

    /// A Python script (ONNX Runtime) for one random int8 QLinearMatMul M×K×N, elements in
    /// [low, high), scales uniform in [0.001, 0.1), a y zero point in [−20, 20). Arguments: the
    /// output directory and the seed. Writes a.npy, b.npy, acc.npy (A·B), y.npy (ONNX Runtime's
    /// output) and meta.npy (the output scale's bits, the zero point); prints the scale and zero point.
    static func qlinearMatMulScript(m: Int, k: Int, n: Int, low: Int, high: Int) -> String {
        """
        import sys, numpy as np, onnx, onnxruntime as ort
        from onnx import helper, TensorProto, numpy_helper as nh
        out = sys.argv[1]; r = np.random.default_rng(int(sys.argv[2]))
        M, K, N = \(m), \(k), \(n)
        a = r.integers(\(low), \(high), (M, K)).astype(np.int8); b = r.integers(\(low), \(high), (K, N)).astype(np.int8)
        sa, sb, sy = [np.float32(r.uniform(0.001, 0.1)) for _ in range(3)]
        zp = np.int8(r.integers(-20, 20))
        f = lambda v, n: nh.from_array(np.array(v, np.float32), n)
        init = [nh.from_array(b, "b"), f(sa, "sa"), f(sb, "sb"), f(sy, "sy"), nh.from_array(np.array(0, np.int8), "z0"), nh.from_array(np.array(zp, np.int8), "zy")]
        node = helper.make_node("QLinearMatMul", ["a", "sa", "z0", "b", "sb", "z0", "sy", "zy"], ["y"])
        g = helper.make_graph([node], "q", [helper.make_tensor_value_info("a", TensorProto.INT8, [M, K])],
                              [helper.make_tensor_value_info("y", TensorProto.INT8, [M, N])], init)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]); m.ir_version = 8
        y = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(["y"], {"a": a})[0]
        scale = np.float32(sa * sb / sy)   # float32 arithmetic, as ONNX Runtime forms the output scale
        np.save(out + "/a.npy", a.astype(np.int64)); np.save(out + "/b.npy", b.astype(np.int64))
        np.save(out + "/acc.npy", a.astype(np.int64) @ b.astype(np.int64))
        np.save(out + "/y.npy", y.astype(np.int64))
        np.save(out + "/meta.npy", np.array([int(np.array([scale], np.float32).view(np.uint32)[0]), int(zp)], np.int64))
        print(repr(float(scale)), int(zp))
        """
    }
}
