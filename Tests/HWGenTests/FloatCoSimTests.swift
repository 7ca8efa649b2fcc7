import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenGolden
@testable import HWGenLibrary

/// Float MACs on the RTL: every engine and the GEMM engine, on both simulators, against the
/// golden model (the testbench) and against the independent Python model (`float_oracle.py`:
/// ml_dtypes decoding, exact fractions) on the C the RTL wrote. Operands include ±0,
/// subnormals, the largest values and (in A's last row) NaN.
@Suite struct FloatCoSimTests {
    /// (name, engine, formats, gemm:) of every design the test runs.
    static let designs: [(String, String, String, Bool)] = [
        ("os", "{ kind: systolic, dataflow: os, rows: 3, cols: 4 }", "a: e4m3, b: e4m3", false),
        ("os_fp32", "{ kind: systolic, dataflow: os, rows: 3, cols: 4 }", "a: e4m3, b: e4m3, acc: fp32, pipeline: 1", false),
        ("matrix2d_fp32", "{ kind: matrix2d, rows: 2, cols: 2 }", "a: e3m2, b: e2m1, acc: fp32, pipeline: 1", false),
        ("gemm_os_fp32", "{ kind: systolic, dataflow: os, rows: 4, cols: 4 }", "a: e4m3, b: e4m3, acc: fp32", true),
        ("ws", "{ kind: systolic, dataflow: ws, rows: 3, cols: 2 }", "a: e4m3, b: e4m3, pipeline: 1", false),
        ("is", "{ kind: systolic, dataflow: is, rows: 2, cols: 3 }", "a: e3m2, b: e2m3", false),
        ("cube", "{ kind: cube, m: 2, n: 2, k: 4, stages: 1 }", "a: e4m3, b: e4m3", false),
        ("tree", "{ kind: tree, lanes: 2, width: 8, stages: 2 }", "a: e4m3, b: e4m3", false),
        ("tree_fp4", "{ kind: tree, lanes: 2, width: 8, stages: 0 }", "a: e4m3, b: e2m1", false),
        ("gemm_tree", "{ kind: tree, lanes: 4, width: 16, stages: 1 }", "a: e4m3, b: e4m3", true),
    ]

    /// Codes of `f`: 10 % from ±0, the smallest subnormals, the largest values (and NaN with
    /// `nan`); the rest uniform over the codes that are not NaN.
    static func codes(_ count: Int, _ f: FloatFormat, nan: Bool = false, rng: inout SplitMix64) -> [Int64] {
        let sign = UInt64(1) << UInt64(f.bits - 1), maxCode = f.encode(FloatValue(f.maxValue), overflow: .saturate)
        let specials = [0, sign, 1, sign | 1, maxCode, sign | maxCode] + (nan ? f.nanCode.map { [$0, sign | $0] } ?? [] : [])
        return (0..<count).map { _ in
            if rng.next() % 10 == 0 { return Int64(specials[Int(rng.next() % UInt64(specials.count))]) }
            var c = rng.next() & (2 * sign - 1)
            while case .nan = f.decode(c) { c = rng.next() & (2 * sign - 1) }
            return Int64(c)
        }
    }

    /// C = A·B (codes) from `scripts/float_oracle.py`, FP32 codes, row-major.
    static func oracle(_ a: IntMatrix, _ b: IntMatrix, _ f: FloatMAC, python: String, dir: URL) throws -> [Int64] {
        try Npy.write(NpyArray(shape: [a.rows, a.cols], dtype: .int64, values: a.data), path: dir.appendingPathComponent("a.npy").path)
        try Npy.write(NpyArray(shape: [b.rows, b.cols], dtype: .int64, values: b.data), path: dir.appendingPathComponent("b.npy").path)
        let r = try Tools.run(python, [CLITests.repo.appendingPathComponent("scripts/float_oracle.py").path, dir.path, f.a.name, f.b.name, "\(f.accumulation)"], timeout: 120)
        try #require(r.status == 0, "\(r.combined)")
        return try Npy.read(path: dir.appendingPathComponent("c_oracle.npy").path).values
    }

    @Test(arguments: Simulator.allCases)
    func floatMACsInEveryEngineEqualThePythonModel(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let python = try Requires.venvPython(importing: "ml_dtypes")
        var rng = SplitMix64(state: CoSimTests.seed("float/\(sim.rawValue)"))
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var nans = 0, numbers = 0, roundedDifferently = 0
        for (name, engine, formats, gemm) in Self.designs {
            let acc = formats.contains("acc:") ? "" : ", acc: exact"
            let yaml = "name: float_\(name)\nengine: \(engine)\nmac: { \(formats)\(acc) }\n"
                + (gemm ? "gemm: { a_words: 1024, b_words: 1024, c_words: 1024 }\n" : "")
            let design = Design(try DesignSpec.parse(text: yaml, source: "float_\(name).yaml"))
            let f = try #require(design.spec.mac.float)
            let shape = GemmShape(m: Int.random(in: 2...7, using: &rng), k: Int.random(in: f.accumulation == .fp32 ? 24...60 : 1...40, using: &rng),
                                  n: Int.random(in: 1...6, using: &rng))
            // NaN only in A's last row, so most results are numbers.
            let a = IntMatrix(rows: shape.m, cols: shape.k, data: Self.codes((shape.m - 1) * shape.k, f.a, rng: &rng)
                                                                  + Self.codes(shape.k, f.a, nan: true, rng: &rng))
            let b = IntMatrix(rows: shape.k, cols: shape.n, data: Self.codes(shape.k * shape.n, f.b, rng: &rng))
            let (verdicts, runs) = try Flow.simulate(design, a: a, b: b, label: "gemm \(shape)", simulators: [sim]) { print($0) }
            #expect(verdicts[0].passed, "\(name): \(verdicts[0])")
            let oracle = try Self.oracle(a, b, f, python: python, dir: dir)
            #expect(runs[0].c.data == oracle, "\(name) \(sim) gemm \(shape): RTL \(runs[0].c.data.map { String($0, radix: 16) }) oracle \(oracle.map { String($0, radix: 16) })")
            if f.accumulation == .fp32 {
                // Rounding after every addition must have mattered somewhere (else the test shows nothing).
                let exact = GoldenFloat.gemm(a: a, f.a, b: b, f.b, acc: .exact).map(Int64.init)
                roundedDifferently += zip(exact, oracle).filter { $0 != $1 }.count
            }
            nans += oracle.filter { $0 == FloatResultUnit.nanCode }.count
            numbers += oracle.filter { $0 != FloatResultUnit.nanCode && $0 != 0 }.count
        }
        #expect(nans > 0 && numbers > 0, "NaN and nonzero results both present: \(nans) NaN, \(numbers) numbers")
        #expect(roundedDifferently > 0, "some fp32 result differs from the exact sum's rounding")
        print("float cosim \(sim): \(nans) NaN and \(numbers) nonzero results; \(roundedDifferently) fp32 results differ from exact")
    }

    /// FP32 accumulation over long sums whose values straddle powers of two, with both signs
    /// and cancellation (±448, ±256, ±1, ±2^−9, ±0.5, 3.5, −3.75; K = 200): the RTL equals the
    /// Python model, and rounding after every addition differs from the exact sum somewhere.
    @Test(arguments: Simulator.allCases)
    func fp32AccumulationOverLongSumsEqualsThePythonModel(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let python = try Requires.venvPython(importing: "ml_dtypes")
        var rng = SplitMix64(state: CoSimTests.seed("fp32/\(sim.rawValue)"))
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let design = Design(try DesignSpec.parse(text: "name: fp32_long\nengine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }\nmac: { a: e4m3, b: e4m3, acc: fp32 }\n",
                                                 source: "fp32_long.yaml"))
        let values: [Double] = [448, -448, 256, -256, 1, -1, 0.001953125, -0.001953125, 0.5, -0.5, 3.5, -3.75]
        let codes = values.map { Int64(FloatFormat.e4m3.encode(FloatValue($0))) }
        let (m, k, n) = (4, 200, 4)
        let a = IntMatrix(rows: m, cols: k, data: (0..<m * k).map { _ in codes[Int(rng.next() % UInt64(codes.count))] })
        let b = IntMatrix(rows: k, cols: n, data: (0..<k * n).map { _ in codes[Int(rng.next() % UInt64(codes.count))] })
        let (verdicts, runs) = try Flow.simulate(design, a: a, b: b, label: "gemm \(m)x\(k)x\(n)", simulators: [sim]) { print($0) }
        #expect(verdicts[0].passed)
        let oracle = try Self.oracle(a, b, try #require(design.spec.mac.float), python: python, dir: dir)
        #expect(runs[0].c.data == oracle, "RTL \(runs[0].c.data) oracle \(oracle)")
        let exact = GoldenFloat.gemm(a: a, .e4m3, b: b, .e4m3, acc: .exact).map(Int64.init)
        #expect(exact != oracle, "fp32 rounding changed some result")
    }

    /// `epilogue.scale` on the RTL (a bare OS array, and the GEMM engine's epilogue) equals ONNX
    /// Runtime's QLinearMatMul bit for bit: random int8 models with scales that are not powers of
    /// two, a zero point, some outputs saturated.
    @Test(arguments: Simulator.allCases)
    func floatScaleEpilogueOnTheRTLEqualsOnnxRuntime(_ sim: Simulator) throws {
        try Requires.simulator(sim)
        let python = try WorkloadTests.onnxRuntime()
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = FloatFormatTests.qlinearMatMulScript(m: 7, k: 40, n: 9, low: -128, high: 128)
        var saturated = 0, total = 0
        for (seed, gemm) in [(1, false), (2, true)] {
            let r = try Tools.run(python, ["-c", script, dir.path, "\(seed)"], timeout: 120)
            try #require(r.status == 0, "\(r.combined)")
            let fields = r.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let yaml = "name: qlinear_\(seed)\nengine: { kind: systolic, dataflow: os, rows: 4, cols: 4 }\nmac: { a: s8, b: s8, acc: s32, pipeline: 1 }\n"
                + "epilogue: { scale: \(fields[0]), zero_point: \(fields[1]), out: s8 }\n"
                + (gemm ? "gemm: { a_words: 1024, b_words: 1024, c_words: 1024 }\n" : "")
            let design = Design(try DesignSpec.parse(text: yaml, source: "qlinear.yaml"))
            let a = try Npy.read(path: dir.appendingPathComponent("a.npy").path), b = try Npy.read(path: dir.appendingPathComponent("b.npy").path)
            let y = try Npy.read(path: dir.appendingPathComponent("y.npy").path).values
            let (verdicts, runs) = try Flow.simulate(design, a: IntMatrix(rows: a.shape[0], cols: a.shape[1], data: a.values),
                                                     b: IntMatrix(rows: b.shape[0], cols: b.shape[1], data: b.values),
                                                     label: "ONNX seed \(seed)", simulators: [sim]) { print($0) }
            #expect(verdicts[0].passed, "seed \(seed): \(verdicts[0])")
            #expect(runs[0].c.data == y, "seed \(seed) scale \(fields[0]): RTL \(runs[0].c.data), ONNX Runtime \(y)")
            saturated += y.filter { abs($0) >= 127 }.count
            total += y.count
        }
        #expect(saturated > 0 && saturated < total, "\(saturated) of \(total) saturated")
    }

    /// Float operands from float32 and float16 `.npy` files (values the format represents), C
    /// written as float32; a value the format cannot represent is exit 2 naming file and index.
    @Test func floatNpyOperandsAndFloat32Results() throws {
        try Requires.simulator(.icarus)
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: fp_npy\nengine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }\nmac: { a: e4m3, b: e4m3, acc: fp32 }\n"
            .write(to: dir.appendingPathComponent("fp.yaml"), atomically: true, encoding: .utf8)
        let av: [Float] = [1.5, -0.25, 448, 0.001953125, 0, -3.5], bv: [Float16] = [2, -0.5, 0.125, 96, -1, 0.375]
        try Npy.write(NpyArray(shape: [2, 3], dtype: .float32, values: av.map { Int64($0.bitPattern) }), path: dir.appendingPathComponent("a.npy").path)
        try Npy.write(NpyArray(shape: [3, 2], dtype: .float16, values: bv.map { Int64($0.bitPattern) }), path: dir.appendingPathComponent("b.npy").path)
        let r = try CLITests.hwgen(["sim", "fp.yaml", "--a", "a.npy", "--b", "b.npy", "--simulator", "icarus", "--out", "c.npy"], in: dir)
        #expect(r.status == 0, "\(r.combined)")
        let c = try Npy.read(path: dir.appendingPathComponent("c.npy").path)
        #expect(c.dtype == .float32 && c.shape == [2, 2])
        // Every product and sum here is exact in FP32: C is the plain product.
        var want: [Float] = []
        for i in 0..<2 {
            for j in 0..<2 {
                var sum: Float = 0
                for k in 0..<3 { sum += av[i * 3 + k] * Float(bv[k * 2 + j]) }
                want.append(sum)
            }
        }
        #expect(c.values.map { Float(bitPattern: UInt32($0)) } == want, "\(c.values)")
        try Npy.write(NpyArray(shape: [2, 3], dtype: .float32, values: ([1, 2, 0.3, 4, 5, 6] as [Float]).map { Int64($0.bitPattern) }),
                      path: dir.appendingPathComponent("bad.npy").path)
        let bad = try CLITests.hwgen(["sim", "fp.yaml", "--a", "bad.npy", "--b", "b.npy", "--simulator", "icarus"], in: dir)
        #expect(bad.status == 2 && bad.stderr.contains("bad.npy: A value 0.30000001192092896 at [0, 2] is not representable in e4m3"), "\(bad.combined)")
    }

    /// One message naming the field, exit 2, for each combination the hardware does not build.
    @Test func badFloatSpecsNameTheField() throws {
        let cases: [(String, String)] = [
            ("mac: { a: e4m3, b: s8, acc: exact }", "mac.b: \"s8\" is not a float element format"),
            ("mac: { a: e4m3, b: e4m3, acc: s32 }", "mac.acc: \"s32\" is not a float accumulation"),
            ("mac: { a: e4m3, b: e4m3, acc: align14 }", "mac.acc: align14 accumulation is modelled by `hwgen accuracy` but not built in hardware yet"),
            ("mac: { a: e4m3, b: e4m3, acc: fp32, pipeline: 2 }", "mac.pipeline: 2 splits the accumulator, which fp32 accumulation rounds as a whole"),
            ("mac: { a: e5m2, b: e4m3, acc: exact }", "mac.a: e5m2 elements are modelled by `hwgen accuracy` but not built in hardware yet"),
            ("mac: { a: bf16, b: bf16, acc: fp32 }", "mac.a: bf16 elements are modelled by `hwgen accuracy` but not built in hardware yet"),
            ("mac: { a: mxfp8_e4m3, b: mxfp8_e4m3, acc: fp32 }", "mac.a: mxfp8_e4m3: MX block formats are modelled"),
            ("mac: { a: e4m3, b: e4m3, acc: exact, kind: booth }", "mac.kind: booth multiplies integers, not mac.a e4m3"),
            ("mac: { a: s8, b: s8, acc: s32, kind: float }", "mac.kind: float multiplies floating-point elements"),
            ("mac: { a: e4m3, b: e4m3, acc: exact, group: 4 }", "mac.group: group dequantization takes integer products"),
        ]
        let scaled = "mac: { a: s8, b: s8, acc: s32 }\nepilogue: { out: s8, "
        let scales: [(String, String)] = [
            (scaled + "scale: 1.0e30 }", "epilogue.scale: 1.0e30 is outside the built range"),
            (scaled + "scale: 0.5, multiplier: 3 }", "epilogue.multiplier: epilogue.scale replaces multiplier and shift"),
            (scaled + "scale: 0.5, rounding: half-up }", "epilogue.rounding: a float scale rounds as ONNX Runtime does"),
            (scaled + "scale: big }", "epilogue.scale: \"big\" is not a number"),
        ]
        for (mac, message) in cases + scales {
            let yaml = "name: bad\nengine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }\n\(mac)\n"
            #expect(throws: HWGenError.self) { try DesignSpec.parse(text: yaml, source: "bad.yaml") }
            do { _ = try DesignSpec.parse(text: yaml, source: "bad.yaml") } catch {
                #expect("\(error)".contains("bad.yaml: \(message)"), "\(mac): \(error)")
            }
        }
        let tree = "name: bad\nengine: { kind: tree, lanes: 2, width: 4 }\nmac: { a: e4m3, b: e4m3, acc: fp32 }\n"
        do { _ = try DesignSpec.parse(text: tree, source: "bad.yaml"); Issue.record("fp32 on a tree was accepted") } catch {
            #expect("\(error)".contains("bad.yaml: mac.acc: fp32 rounds after every addition"), "\(error)")
        }
        // K beyond the exact accumulator's reach.
        let design = Design(try DesignSpec.parse(text: "name: k\nengine: { kind: tree, lanes: 1, width: 4 }\nmac: { a: e4m3, b: e4m3, acc: exact }\n", source: "k.yaml"))
        let k = FloatMAC.maxProducts + 1
        #expect(throws: HWGenError.self) { try design.checkOperands(a: IntMatrix(rows: 1, cols: k, data: Array(repeating: 0, count: k)),
                                                                     b: IntMatrix(rows: k, cols: 1, data: Array(repeating: 0, count: k))) }
    }
}
