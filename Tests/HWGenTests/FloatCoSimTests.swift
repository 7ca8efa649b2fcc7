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
        // E2M3 × E2M3 exact: a 24-bit sum, exactly FP32's significand (PropertyTests found a trap there).
        ("gemm_matrix2d_e2m3", "{ kind: matrix2d, rows: 4, cols: 2 }", "a: e2m3, b: e2m3", true),
        ("gemm_os_fp32", "{ kind: systolic, dataflow: os, rows: 4, cols: 4 }", "a: e4m3, b: e4m3, acc: fp32", true),
        ("ws", "{ kind: systolic, dataflow: ws, rows: 3, cols: 2 }", "a: e4m3, b: e4m3, pipeline: 1", false),
        ("is", "{ kind: systolic, dataflow: is, rows: 2, cols: 3 }", "a: e3m2, b: e2m3", false),
        ("cube", "{ kind: cube, m: 2, n: 2, k: 4, stages: 1 }", "a: e4m3, b: e4m3", false),
        ("tree", "{ kind: tree, lanes: 2, width: 8, stages: 2 }", "a: e4m3, b: e4m3", false),
        ("tree_fp4", "{ kind: tree, lanes: 2, width: 8, stages: 0 }", "a: e4m3, b: e2m1", false),
        ("gemm_tree", "{ kind: tree, lanes: 4, width: 16, stages: 1 }", "a: e4m3, b: e4m3", true),
        ("os_bf16", "{ kind: systolic, dataflow: os, rows: 3, cols: 3 }", "a: bf16, b: bf16, acc: fp32, pipeline: 1", false),
        ("matrix2d_fp16_e5m2", "{ kind: matrix2d, rows: 2, cols: 3 }", "a: fp16, b: e5m2, acc: fp32", false),
        ("gemm_os_e5m2", "{ kind: systolic, dataflow: os, rows: 2, cols: 2 }", "a: e5m2, b: e4m3, acc: fp32", true),
        ("os_align14", "{ kind: systolic, dataflow: os, rows: 3, cols: 3 }", "a: e4m3, b: e4m3, acc: align14, pipeline: 1", false),
        ("matrix2d_align6", "{ kind: matrix2d, rows: 2, cols: 2 }", "a: e4m3, b: e2m1, acc: align6", false),
        // Pipeline 1 in a 2D-Matrix: `first` arrives registered (a property test found it delayed twice).
        ("matrix2d_bf16_p1", "{ kind: matrix2d, rows: 2, cols: 3 }", "a: bf16, b: e4m3, acc: fp32, pipeline: 1", false),
        ("matrix2d_align6_p1", "{ kind: matrix2d, rows: 3, cols: 2 }", "a: e3m2, b: e2m3, acc: align6, pipeline: 1", false),
        ("os_align8_promote4", "{ kind: systolic, dataflow: os, rows: 2, cols: 3 }", "a: e4m3, b: e4m3, acc: align8+promote4, pipeline: 1", false),
        ("matrix2d_align6_promote3", "{ kind: matrix2d, rows: 3, cols: 2 }", "a: e3m2, b: e4m3, acc: align6+promote3", false),
        ("gemm_os_align8_promote4", "{ kind: systolic, dataflow: os, rows: 2, cols: 2 }", "a: e4m3, b: e4m3, acc: align8+promote4, pipeline: 1", true),
        // FP32 in the engines' own orders: trees (cube, tree), chains down the columns (WS, IS).
        ("tree_fp32", "{ kind: tree, lanes: 2, width: 5, stages: 1 }", "a: e4m3, b: e4m3, acc: fp32", false),
        ("cube_fp32", "{ kind: cube, m: 2, n: 2, k: 4, stages: 2 }", "a: e4m3, b: e2m1, acc: fp32", true),
        ("ws_fp32", "{ kind: systolic, dataflow: ws, rows: 4, cols: 2 }", "a: e4m3, b: e4m3, acc: fp32, pipeline: 1", false),
        ("is_fp32", "{ kind: systolic, dataflow: is, rows: 3, cols: 2 }", "a: e3m2, b: e4m3, acc: fp32", false),
        // align<N> on chains: cut by the PEs' FP32 adders, each column's sum promoted into FP32.
        ("ws_align8", "{ kind: systolic, dataflow: ws, rows: 3, cols: 2 }", "a: e4m3, b: e4m3, acc: align8, pipeline: 1", false),
        ("is_align6", "{ kind: systolic, dataflow: is, rows: 4, cols: 2 }", "a: e3m2, b: e4m3, acc: align6", false),
        ("gemm_ws_align8", "{ kind: systolic, dataflow: ws, rows: 2, cols: 2 }", "a: e4m3, b: e4m3, acc: align8", true),
        // align<N> on trees: each beat's k products cut together against the accumulator's top.
        ("tree_align6", "{ kind: tree, lanes: 2, width: 4, stages: 1 }", "a: e4m3, b: e4m3, acc: align6", false),
        ("cube_align8", "{ kind: cube, m: 2, n: 2, k: 3, stages: 0 }", "a: e3m2, b: e2m3, acc: align8", false),
        ("gemm_tree_align10", "{ kind: tree, lanes: 2, width: 8, stages: 2 }", "a: e4m3, b: e2m1, acc: align10", true),
        // E5M2, FP16 on trees: exact FP32 products, a tree of FP32 adders rounding every sum.
        ("tree_e5m2_fp32", "{ kind: tree, lanes: 2, width: 5, stages: 1 }", "a: e5m2, b: e5m2, acc: fp32", false),
        ("cube_fp16_e4m3", "{ kind: cube, m: 2, n: 2, k: 4, stages: 2 }", "a: fp16, b: e4m3, acc: fp32", false),
        ("gemm_cube_e5m2_fp16", "{ kind: cube, m: 2, n: 2, k: 4, stages: 0 }", "a: e5m2, b: fp16, acc: fp32", true),
        // E5M2, BF16, FP16 down WS/IS columns: an FP32 adder in every PE and under every column.
        ("ws_bf16", "{ kind: systolic, dataflow: ws, rows: 3, cols: 2 }", "a: bf16, b: bf16, acc: fp32, pipeline: 1", false),
        ("gemm_is_fp16_e5m2", "{ kind: systolic, dataflow: is, rows: 2, cols: 2 }", "a: fp16, b: e5m2, acc: fp32", true),
    ]

    /// Codes of `f`: 10 % from ±0, the smallest subnormals, the largest values, ±∞ (IEEE
    /// formats) and NaN (with `nan`); the rest uniform over the codes that are not NaN — for
    /// formats of 5 or more exponent bits, 4 in 5 of them with an exponent within 2^±8, so that
    /// sums round rather than overflow.
    static func codes(_ count: Int, _ f: FloatFormat, nan: Bool = false, rng: inout SplitMix64) -> [Int64] {
        let sign = UInt64(1) << UInt64(f.bits - 1), maxCode = f.encode(FloatValue(f.maxValue), overflow: .saturate)
        let inf: [UInt64] = f.specials == .ieee ? [maxCode + 1, sign | (maxCode + 1)] : []
        let specials = [0, sign, 1, sign | 1, maxCode, sign | maxCode] + inf + (nan ? f.nanCode.map { [$0, sign | $0] } ?? [] : [])
        return (0..<count).map { _ in
            if rng.next() % 10 == 0 { return Int64(specials[Int(rng.next() % UInt64(specials.count))]) }
            if f.exponentBits >= 5 && rng.next() % 5 != 0 {
                let field = UInt64(f.bias - 8) + rng.next() % 17, mantissa = rng.next() & ((1 << UInt64(f.mantissaBits)) - 1)
                return Int64(rng.next() & sign | field << UInt64(f.mantissaBits) | mantissa)
            }
            var c = rng.next() & (2 * sign - 1)
            while case .nan = f.decode(c) { c = rng.next() & (2 * sign - 1) }
            return Int64(c)
        }
    }

    /// C = A·B (codes) from `scripts/float_oracle.py`, FP32 codes, row-major; with `scales`, MX
    /// blocks of `f.block` (A's and B's E8M0 scales).
    /// `order`: the engine's, which `fp32` follows.
    static func oracle(_ a: IntMatrix, _ b: IntMatrix, _ f: FloatMAC, scales: (a: IntMatrix, b: IntMatrix)? = nil,
                       order: ReductionOrder = .sequential, python: String, dir: URL) throws -> [Int64] {
        let files = [("a.npy", a), ("b.npy", b)] + (scales.map { [("sa.npy", $0.a), ("sb.npy", $0.b)] } ?? [])
        for (file, x) in files {
            try Npy.write(NpyArray(shape: [x.rows, x.cols], dtype: .int64, values: x.data), path: dir.appendingPathComponent(file).path)
        }
        var acc = f.block.map { ["mx", "\($0)"] } ?? ["\(f.accumulation)"]
        switch order {
        case .tree(let k) where f.accumulation == .fp32 && f.block == nil: acc.append("tree:\(k)")
        case .chained(let k) where f.accumulation == .fp32 && f.block == nil: acc.append("chain:\(k)")
        case .chained(let k) where f.alignBits != nil && f.promoteEvery == nil: acc = ["align\(f.alignBits!)+promote\(k)"]
        case .tree(let k) where f.alignBits != nil: acc.append("\(k)")   // the beat's k products cut together
        default: break
        }
        let r = try Tools.run(python, [CLITests.repo.appendingPathComponent("scripts/float_oracle.py").path, dir.path, f.a.name, f.b.name] + acc,
                              timeout: 120)
        try #require(r.status == 0, "\(r.combined)")
        return try Npy.read(path: dir.appendingPathComponent("c_oracle.npy").path).values
    }

    /// What a co-simulation test against the oracle needs: `sim` present, the venv's Python with
    /// ml_dtypes, a seeded generator (printed, replayable) and a scratch directory (the caller
    /// removes it).
    static func setUp(_ sim: Simulator, _ test: String) throws -> (python: String, rng: SplitMix64, dir: URL) {
        try Requires.simulator(sim)
        let python = try Requires.venvPython(importing: "ml_dtypes")
        return (python, SplitMix64(state: CoSimTests.seed("\(test)/\(sim.rawValue)")), try CLITests.tempDir())
    }

    @Test(arguments: Simulator.allCases)
    func floatMACsInEveryEngineEqualThePythonModel(_ sim: Simulator) throws {
        var (python, rng, dir) = try Self.setUp(sim, "float")
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
            let oracle = try Self.oracle(a, b, f, order: design.golden.reductionOrder, python: python, dir: dir)
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

    /// FP32 and align<N> accumulation over long sums whose values straddle powers of two, with
    /// both signs and cancellation (±448, ±256, ±1, ±2^−9, ±0.5, 3.5, −3.75; K = 200): the RTL
    /// equals the Python model; rounding after every addition differs from the exact sum
    /// somewhere, cutting products to 10 bits (align10) from rounding them (fp32), and promoting
    /// every 16 products (align10+promote16) from not promoting; FP32 in a tree's order (sums of 8)
    /// and in a WS array's (chains of 4) from one product at a time, and from each other.
    @Test(arguments: Simulator.allCases)
    func fp32AccumulationOverLongSumsEqualsThePythonModel(_ sim: Simulator) throws {
        var (python, rng, dir) = try Self.setUp(sim, "fp32")
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Double] = [448, -448, 256, -256, 1, -1, 0.001953125, -0.001953125, 0.5, -0.5, 3.5, -3.75]
        let codes = values.map { Int64(FloatFormat.e4m3.encode(FloatValue($0))) }
        let (m, k, n) = (4, 200, 4)
        let a = IntMatrix(rows: m, cols: k, data: (0..<m * k).map { _ in codes[Int(rng.next() % UInt64(codes.count))] })
        let b = IntMatrix(rows: k, cols: n, data: (0..<k * n).map { _ in codes[Int(rng.next() % UInt64(codes.count))] })
        var results: [String: [Int64]] = [:]
        let engines = ["tree": "{ kind: tree, lanes: 2, width: 8 }", "ws": "{ kind: systolic, dataflow: ws, rows: 4, cols: 2 }"]
        for acc in ["fp32", "align10", "align10+promote16", "fp32 tree", "fp32 ws"] {
            let parts = acc.split(separator: " ").map(String.init)
            let engine = parts.count > 1 ? engines[parts[1]]! : "{ kind: systolic, dataflow: os, rows: 2, cols: 2 }"
            let design = Design(try DesignSpec.parse(text: "name: long\nengine: \(engine)\nmac: { a: e4m3, b: e4m3, acc: \(parts[0]) }\n",
                                                     source: "long.yaml"))
            let (verdicts, runs) = try Flow.simulate(design, a: a, b: b, label: "\(acc) gemm \(m)x\(k)x\(n)", simulators: [sim]) { print($0) }
            #expect(verdicts[0].passed, "\(acc): \(verdicts[0])")
            let oracle = try Self.oracle(a, b, try #require(design.spec.mac.float), order: design.golden.reductionOrder, python: python, dir: dir)
            #expect(runs[0].c.data == oracle, "\(acc): RTL \(runs[0].c.data) oracle \(oracle)")
            results[acc] = oracle
        }
        // That the choices differ is a property of the arithmetic, not of the RTL (which equals the
        // model above on the random data): on data of a fixed seed, so that it cannot fail by chance.
        var fixed = SplitMix64(state: 1)
        let fa = IntMatrix(rows: m, cols: k, data: (0..<m * k).map { _ in codes[Int(fixed.next() % UInt64(codes.count))] })
        let fb = IntMatrix(rows: k, cols: n, data: (0..<k * n).map { _ in codes[Int(fixed.next() % UInt64(codes.count))] })
        func golden(_ acc: String, _ order: ReductionOrder = .sequential) -> [UInt32] {
            GoldenFloat.gemm(a: fa, .e4m3, b: fb, .e4m3, acc: FloatAccumulation(name: acc)!, order: order)
        }
        #expect(golden("exact") != golden("fp32"), "fp32 rounding changed some result")
        #expect(golden("align10") != golden("fp32"), "cutting products to 10 bits changed some result")
        #expect(golden("align10+promote16") != golden("align10"), "promoting every 16 products changed some result")
        let tree = golden("fp32", .tree(block: 8)), ws = golden("fp32", .chained(block: 4))
        #expect(tree != golden("fp32") && ws != golden("fp32") && tree != ws, "the engines' orders of FP32 additions changed some result")
        #expect(results.count == 5)
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
            ("mac: { a: e4m3, b: e4m3, acc: align30 }", "mac.acc: align30 accumulation is not built (allowed: exact, fp32, align2...align24, with +promote2...+promote4096)"),
            ("mac: { a: bf16, b: bf16, acc: align14 }", "mac.acc: align14 cuts products of the 8-, 6- and 4-bit formats without infinities, not bf16"),
            ("mac: { a: e4m3, b: e4m3, acc: fp32, pipeline: 2 }", "mac.pipeline: 2 splits the accumulator, which fp32 accumulation rounds as a whole"),
            ("mac: { a: e5m2, b: e4m3, acc: exact }", "mac.acc: exact: sums of e5m2 products span too many binades for a fixed-point accumulator"),
            ("mac: { a: bf16, b: bf16, acc: fp32, pipeline: 2 }", "mac.pipeline: 2 splits the accumulator, which fp32 accumulation rounds as a whole"),
            ("mac: { a: fp32, b: bf16, acc: fp32 }", "mac.a: fp32 elements are modelled by `hwgen accuracy` but not built in hardware yet"),
            ("mac: { a: mxint8, b: s8 }", "mac.b: \"s8\" is not an MX format; both operands of an MX MAC are"),
            ("mac: { a: mxfp8_e4m3, b: e4m3 }", "mac.b: \"e4m3\" is not an MX format; both operands of an MX MAC are"),
            ("mac: { a: mxfp8_e4m3, b: mxfp4, acc: exact }", "mac.acc: exact: MX blocks are summed exactly and added into an FP32 accumulator"),
            ("mac: { a: mxfp4, b: mxfp4, block: 1 }", "mac.block: 1 is out of range (allowed: 2...256)"),
            ("mac: { a: e4m3, b: e4m3, acc: exact, block: 32 }", "mac.block: blocks belong to MX formats"),
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
        let engines: [(String, String, String)] = [
            ("{ kind: systolic, dataflow: ws, rows: 4, cols: 2 }", "mxfp8_e4m3, b: mxfp8_e4m3, block: 6",
             "mac.block: 6 is not a multiple of the 4 elements of K"),
            ("{ kind: tree, lanes: 2, width: 8 }", "mxfp8_e4m3, b: mxfp8_e4m3, block: 12",
             "mac.block: 12 is not a multiple of the 8 elements of K a beat of the tree covers (allowed: a multiple of 8)"),
        ]
        for (engine, mac, message) in engines {
            let yaml = "name: bad\nengine: \(engine)\nmac: { a: \(mac) }\n"
            do { _ = try DesignSpec.parse(text: yaml, source: "bad.yaml"); Issue.record("\(engine) \(mac) was accepted") } catch {
                #expect("\(error)".contains("bad.yaml: \(message)"), "\(error)")
            }
        }
        let tree = "name: bad\nengine: { kind: tree, lanes: 2, width: 4 }\nmac: { a: e4m3, b: e4m3, acc: align14+promote8 }\n"
        do { _ = try DesignSpec.parse(text: tree, source: "bad.yaml"); Issue.record("align14+promote8 on a tree was accepted") } catch {
            #expect("\(error)".contains("bad.yaml: mac.acc: align14+promote8: promotion is not built in engine tree (allowed with engine tree: align14 without +promote)"), "\(error)")
        }
        let bf16Tree = "name: bad\nengine: { kind: tree, lanes: 2, width: 4 }\nmac: { a: bf16, b: bf16, acc: fp32 }\n"
        do { _ = try DesignSpec.parse(text: bf16Tree, source: "bad.yaml"); Issue.record("bf16 on a tree was accepted") } catch {
            #expect("\(error)".contains("bad.yaml: mac.acc: fp32 of bf16 × bf16 in engine tree: its products can leave FP32's range"), "\(error)")
        }
        let chain = "name: bad\nengine: { kind: systolic, dataflow: ws, rows: 4, cols: 2 }\nmac: { a: e4m3, b: e4m3, acc: align14+promote8 }\n"
        do { _ = try DesignSpec.parse(text: chain, source: "bad.yaml"); Issue.record("align14+promote8 on WS was accepted") } catch {
            #expect("\(error)".contains("bad.yaml: mac.acc: align14+promote8: engine systolic/ws adds each column's sum of 4 products into an FP32 accumulator"), "\(error)")
        }
        // K beyond the exact accumulator's reach.
        let design = Design(try DesignSpec.parse(text: "name: k\nengine: { kind: tree, lanes: 1, width: 4 }\nmac: { a: e4m3, b: e4m3, acc: exact }\n", source: "k.yaml"))
        let k = FloatMAC.maxProducts + 1
        #expect(throws: HWGenError.self) { try design.checkOperands(a: IntMatrix(rows: 1, cols: k, data: Array(repeating: 0, count: k)),
                                                                     b: IntMatrix(rows: k, cols: 1, data: Array(repeating: 0, count: k))) }
    }

    /// Runs an MX design on `sim` (the testbench checks the golden model), checks the RTL's C
    /// against `float_oracle.py … mx BLOCK`, and returns the oracle's C.
    static func mxRun(_ design: Design, a: IntMatrix, b: IntMatrix, scalesA sa: IntMatrix, scalesB sb: IntMatrix,
                      sim: Simulator, python: String, dir: URL) throws -> [Int64] {
        let f = try #require(design.spec.mac.float), name = design.name
        let (verdicts, runs) = try Flow.simulate(design, GemmOperands(a: a, b: b, groupScales: sb, scalesA: sa),
                                                 label: "\(name) gemm \(a.rows)x\(a.cols)x\(b.cols)", simulators: [sim]) { print($0) }
        #expect(verdicts[0].passed, "\(name): \(verdicts[0])")
        let oracle = try Self.oracle(a, b, f, scales: (sa, sb), python: python, dir: dir)
        #expect(runs[0].c.data == oracle, "\(name) \(sim): RTL \(runs[0].c.data.map { String($0, radix: 16) }) oracle \(oracle.map { String($0, radix: 16) })")
        return oracle
    }

    /// The FP32 adder of MX PEs over long sums: blocks of 2, K = 240, values straddling powers of
    /// two with both signs and cancellation, scales near 2^0: the RTL equals the Python model, and
    /// rounding after every block differs from rounding the exact sum somewhere.
    @Test(arguments: Simulator.allCases)
    func mxAccumulationOverLongSumsEqualsThePythonModel(_ sim: Simulator) throws {
        var (python, rng, dir) = try Self.setUp(sim, "mx-long")
        defer { try? FileManager.default.removeItem(at: dir) }
        let design = Design(try DesignSpec.parse(text: "name: mx_long\nengine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }\n"
                                                 + "mac: { a: mxfp8_e4m3, b: mxfp8_e4m3, block: 2, pipeline: 1 }\n", source: "mx_long.yaml"))
        let values: [Double] = [448, -448, 256, -256, 1, -1, 0.001953125, -0.001953125, 0.5, -0.5, 3.5, -3.75]
        let codes = values.map { Int64(FloatFormat.e4m3.encode(FloatValue($0))) }
        let (m, k, n) = (4, 240, 4)
        func pick(_ count: Int) -> [Int64] { (0..<count).map { _ in codes[Int(rng.next() % UInt64(codes.count))] } }
        let a = IntMatrix(rows: m, cols: k, data: pick(m * k)), b = IntMatrix(rows: k, cols: n, data: pick(k * n))
        let sa = IntMatrix(rows: m, cols: k / 2, data: (0..<m * k / 2).map { _ in 120 + Int64(rng.next() % 15) })
        let sb = IntMatrix(rows: k / 2, cols: n, data: (0..<k / 2 * n).map { _ in 120 + Int64(rng.next() % 15) })
        let oracle = try Self.mxRun(design, a: a, b: b, scalesA: sa, scalesB: sb, sim: sim, python: python, dir: dir)
        // The same products with every block's scales folded in, summed exactly, rounded once.
        var exact: [Int64] = []
        for i in 0..<m {
            for j in 0..<n {
                let products = (0..<k).map { kk in
                    GoldenFloat.product(GoldenFloat.product(FloatFormat.e4m3.decode(UInt64(a[i, kk])), FloatFormat.e4m3.decode(UInt64(b[kk, j]))),
                                        GoldenFloat.product(GoldenFloat.e8m0(UInt8(sa[i, kk / 2])), GoldenFloat.e8m0(UInt8(sb[kk / 2, j]))))
                }
                exact.append(Int64(GoldenFloat.dot(products, acc: .exact)))
            }
        }
        #expect(exact != oracle, "rounding after every block changed some result")
    }

    /// E8M0 block scales for the MX test: `regime` 0 near 2^0 (codes 117…137), 1 uniform over
    /// 0…254, 2 tiny (0…5: with B's low scales, results among FP32's subnormals), 3 huge
    /// (230…254: sums overflow), 4 low (90…110); one in 50 NaN (255).
    static func mxScales(_ count: Int, regime: Int, rng: inout SplitMix64) -> [Int64] {
        (0..<count).map { _ in
            if rng.next() % 50 == 0 { return 255 }
            switch regime {
            case 0: return 117 + Int64(rng.next() % 21)
            case 1: return Int64(rng.next() % 255)
            case 2: return Int64(rng.next() % 6)
            case 3: return 230 + Int64(rng.next() % 25)
            default: return 90 + Int64(rng.next() % 21)
            }
        }
    }

    /// MX formats (blocks with E8M0 scales, an FP32 accumulator adder in every PE, lane or
    /// column) on every engine (OS, WS, IS, 2D-Matrix, tree, 3D-Cube), both simulators, equal the Python model (ml_dtypes elements, exact
    /// fractions): elements with ±0, subnormals, the largest values and NaN (A's last row); A's
    /// rows in four scale regimes and B's even columns low, so that results are normal,
    /// subnormal, ±∞ and NaN.
    @Test(arguments: Simulator.allCases)
    func mxFormatsEqualThePythonModel(_ sim: Simulator) throws {
        var (python, rng, dir) = try Self.setUp(sim, "mx")
        defer { try? FileManager.default.removeItem(at: dir) }
        let designs = [
            ("os_mxfp8", "{ kind: systolic, dataflow: os, rows: 4, cols: 3 }", "a: mxfp8_e4m3, b: mxfp8_e4m3, pipeline: 1"),
            ("os_mxfp8_b4", "{ kind: systolic, dataflow: os, rows: 3, cols: 2 }", "a: mxfp8_e4m3, b: mxfp8_e4m3, block: 4"),
            ("matrix2d_mxfp4_fp6", "{ kind: matrix2d, rows: 2, cols: 3 }", "a: mxfp4, b: mxfp6_e3m2, block: 8, pipeline: 1"),
            ("os_mxfp8_e5m2", "{ kind: systolic, dataflow: os, rows: 3, cols: 2 }", "a: mxfp8_e5m2, b: mxfp8_e4m3, block: 8, pipeline: 1"),
            ("os_mxfp6", "{ kind: systolic, dataflow: os, rows: 2, cols: 2 }", "a: mxfp6_e2m3, b: mxfp4, block: 16"),
            ("os_mxint8", "{ kind: systolic, dataflow: os, rows: 3, cols: 2 }", "a: mxint8, b: mxint8, block: 8, pipeline: 1"),
            ("matrix2d_mxint8_fp8", "{ kind: matrix2d, rows: 2, cols: 2 }", "a: mxint8, b: mxfp8_e5m2, block: 4"),
            ("tree_mxfp8", "{ kind: tree, lanes: 3, width: 4, stages: 1 }", "a: mxfp8_e4m3, b: mxfp8_e4m3, block: 8"),
            ("cube_mxint8_fp4", "{ kind: cube, m: 2, n: 2, k: 4, stages: 2 }", "a: mxint8, b: mxfp4, block: 4"),
            ("tree_mxfp8_e5m2", "{ kind: tree, lanes: 2, width: 4, stages: 1 }", "a: mxfp8_e5m2, b: mxfp8_e5m2, block: 8"),
            ("ws_mxfp8_e5m2", "{ kind: systolic, dataflow: ws, rows: 2, cols: 2 }", "a: mxfp8_e5m2, b: mxfp4, block: 4, pipeline: 1"),
            ("ws_mxfp8_int8", "{ kind: systolic, dataflow: ws, rows: 4, cols: 3 }", "a: mxfp8_e4m3, b: mxint8, block: 8, pipeline: 1"),
            ("is_mxfp6_fp4", "{ kind: systolic, dataflow: is, rows: 2, cols: 3 }", "a: mxfp6_e3m2, b: mxfp4, block: 4"),
            // The buffered GEMM engine: A words carry A's scales, B words B's.
            ("gemm_os_mxfp8", "{ kind: systolic, dataflow: os, rows: 4, cols: 2 }",
             "a: mxfp8_e4m3, b: mxfp8_e5m2, block: 4, pipeline: 1 }\ngemm: { a_words: 512, b_words: 512, c_words: 512, double_buffer: true, interface: axi"),
            ("gemm_tree_mxint8", "{ kind: tree, lanes: 2, width: 4, stages: 1 }",
             "a: mxint8, b: mxfp6_e2m3, block: 8 }\ngemm: { a_words: 256, b_words: 256, c_words: 256"),
            ("gemm_is_mxfp8", "{ kind: systolic, dataflow: is, rows: 2, cols: 2 }",
             "a: mxfp8_e4m3, b: mxint8, block: 4 }\ngemm: { a_words: 1024, b_words: 1024, c_words: 1024, double_buffer: true"),
        ]
        var kinds = [String: Int]()
        for (name, engine, formats) in designs {
            let design = Design(try DesignSpec.parse(text: "name: \(name)\nengine: \(engine)\nmac: { \(formats) }\n", source: "\(name).yaml"))
            let f = try #require(design.spec.mac.float), block = try #require(f.block)
            let (m, n) = (Int.random(in: 5...8, using: &rng), Int.random(in: 2...5, using: &rng))
            let k = block * Int.random(in: 1...3, using: &rng) + Int.random(in: 0...block - 1, using: &rng)
            let blocks = ceilDiv(k, block)
            let a = IntMatrix(rows: m, cols: k, data: Self.codes((m - 1) * k, f.a, rng: &rng) + Self.codes(k, f.a, nan: true, rng: &rng))
            let b = IntMatrix(rows: k, cols: n, data: Self.codes(k * n, f.b, rng: &rng))
            var sa = IntMatrix(rows: m, cols: blocks, data: (0..<m).flatMap { Self.mxScales(blocks, regime: $0 % 4, rng: &rng) })
            sa[m - 1, blocks - 1] = 255   // a NaN scale in every design (the formats may have no NaN)
            // B's even columns in the low regime.
            let sb = IntMatrix(rows: blocks, cols: n, data: (0..<blocks * n).flatMap { Self.mxScales(1, regime: $0 % n % 2 == 0 ? 4 : 0, rng: &rng) })
            let oracle = try Self.mxRun(design, a: a, b: b, scalesA: sa, scalesB: sb, sim: sim, python: python, dir: dir)
            for c in oracle {
                let field = (c >> 23) & 0xFF, mantissa = c & 0x7F_FFFF
                let kind = field == 0xFF ? (mantissa == 0 ? "inf" : "nan") : field == 0 ? (mantissa == 0 ? "zero" : "subnormal") : "normal"
                kinds[kind, default: 0] += 1
            }
        }
        print("mx cosim \(sim): \(kinds.sorted { $0.key < $1.key })")
        for kind in ["normal", "subnormal", "inf", "nan"] { #expect(kinds[kind, default: 0] > 0, "no \(kind) result: \(kinds)") }
    }

    /// MX scales from `.npy`: the run uses them (C equals the golden model with those scales);
    /// a wrong shape, a code outside 0…255, scales for a design without MX blocks, and
    /// `--group-scales` on an MX design are each exit 2 with one message naming the option.
    @Test func mxScaleFilesAndTheirErrors() throws {
        try Requires.simulator(.icarus)
        let dir = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: mx_npy\nengine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }\nmac: { a: mxfp4, b: mxfp4, block: 4 }\n"
            .write(to: dir.appendingPathComponent("mx.yaml"), atomically: true, encoding: .utf8)
        try "name: fp\nengine: { kind: systolic, dataflow: os, rows: 2, cols: 2 }\nmac: { a: e2m1, b: e2m1, acc: fp32 }\n"
            .write(to: dir.appendingPathComponent("fp.yaml"), atomically: true, encoding: .utf8)
        func save(_ name: String, _ rows: Int, _ cols: Int, _ values: [Int64]) throws {
            try Npy.write(NpyArray(shape: [rows, cols], dtype: .int64, values: values), path: dir.appendingPathComponent(name).path)
        }
        // A: 2×6 (two blocks of 4, the second short), all 1.0 (code 2); B: 6×2, all 1.0.
        try save("a.npy", 2, 6, Array(repeating: 2, count: 12))
        try save("b.npy", 6, 2, Array(repeating: 2, count: 12))
        try save("sa.npy", 2, 2, [127, 128, 130, 120])        // row 0: 2^0, 2^1; row 1: 2^3, 2^−7
        try save("sb.npy", 2, 2, [127, 255, 127, 127])        // column 1's first block is NaN
        let ok = try CLITests.hwgen(["sim", "mx.yaml", "--a", "a.npy", "--b", "b.npy", "--scales-a", "sa.npy", "--scales-b", "sb.npy",
                                     "--simulator", "icarus", "--out", "c.npy"], in: dir)
        #expect(ok.status == 0, "\(ok.combined)")
        let c = try Npy.read(path: dir.appendingPathComponent("c.npy").path).values.map { Float(bitPattern: UInt32($0)) }
        // Row 0: 4·1 + 2·2 = 8; row 1: 4·8 + 2·2^−7.
        #expect(c.count == 4 && c[0] == 8 && c[1].isNaN && c[2] == 32 + 2 / 128 && c[3].isNaN, "\(c)")
        try save("sa_shape.npy", 2, 3, Array(repeating: 127, count: 6))
        try save("sb_range.npy", 2, 2, [127, 256, 127, 127])
        let cases: [([String], String)] = [
            (["mx.yaml", "--scales-a", "sa_shape.npy", "--scales-b", "sb.npy"], "--scales-a: shape (2, 3) does not match M = 2, K = 6 (allowed: (2, 2) for blocks of 4)"),
            (["mx.yaml", "--scales-a", "sa.npy", "--scales-b", "sb_range.npy"], "--scales-b: scale 256 at [0, 1] is out of range (allowed: 0...255, E8M0 codes, 255 is NaN)"),
            (["mx.yaml", "--scales-b", "sb.npy"], "mac.block 4 needs A's block scales (--scales-a S.npy, M × ⌈K/4⌉)"),
            (["mx.yaml", "--scales-a", "sa.npy", "--scales-b", "sb.npy", "--group-scales", "sb.npy"], "--group-scales: mx.yaml has MX blocks, whose scales are --scales-a and --scales-b"),
            (["fp.yaml", "--scales-a", "sa.npy"], "--scales-a: fp.yaml has no MX block format (allowed: omit --scales-a)"),
        ]
        for (args, message) in cases {
            let r = try CLITests.hwgen(["sim"] + args + ["--a", "a.npy", "--b", "b.npy", "--simulator", "icarus"], in: dir)
            #expect(r.status == 2 && r.stderr.contains(message), "\(args): \(r.combined)")
        }
    }
}
