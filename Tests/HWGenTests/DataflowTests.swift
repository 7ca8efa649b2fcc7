import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Derived arrays (`dataflow:` specs): the notation, the legality checks and their messages, the
/// movement table, and the generated arrays on both simulators against the golden model and NumPy.
@Suite struct DataflowTests {
    static let gemm = "C[i][j] += A[i][k] * B[k][j]"
    static let os = [[1, 0, 0], [0, 1, 0], [1, 1, 1]]
    static let ws = [[0, 0, 1], [0, 1, 0], [1, 1, 1]]
    static let `is` = [[0, 0, 1], [1, 0, 0], [1, 1, 1]]

    static func nest(_ compute: String = gemm, _ loops: [String] = ["i", "j", "k"]) throws -> LoopNest {
        try LoopNest.parse(compute: compute, loops: loops)
    }

    static func problem(_ matrix: [[Int]], _ compute: String = gemm, _ loops: [String] = ["i", "j", "k"]) throws -> SpaceTimeError? {
        do { _ = try SpaceTimeDataflow(nest: try nest(compute, loops), matrix: matrix, rows: 4, cols: 4); return nil }
        catch let e as SpaceTimeError { return e }
    }

    /// A spec text with a dataflow section.
    static func spec(_ name: String, loops: String, compute: String, matrix: String, array: String = "[4, 4]",
                     mac: String = "{ a: s8, b: s8, acc: s32, kind: baseline, pipeline: 1 }") -> String {
        "name: \(name)\ndataflow:\n  loops: \(loops)\n  compute: \"\(compute)\"\n  space_time: \(matrix)\n  array: \(array)\nmac: \(mac)\n"
    }

    // MARK: notation

    @Test func affineIndicesParse() throws {
        let loops = ["oh", "r", "s"]
        let e = try AffineExpr.parse("2*oh + r - 1", loops: loops)
        #expect(e.coefficients == [2, 1, 0] && e.constant == -1)
        #expect(e.description == "2*oh+r-1")
        #expect(try AffineExpr.parse("oh*3-s", loops: loops).coefficients == [3, 0, -1])
        #expect(try AffineExpr.parse("-r", loops: loops).coefficients == [0, -1, 0])
        for (bad, says) in [("oh*r", "not affine"), ("x+1", "'x' is not a loop"), ("oh+", "without an operand"), ("", "empty index")] {
            #expect(throws: LoopNestError.self) { try AffineExpr.parse(bad, loops: loops) }
            do { _ = try AffineExpr.parse(bad, loops: loops) } catch let e as LoopNestError { #expect(e.message.contains(says), "\(bad): \(e.message)") }
        }
    }

    @Test func computeStatementsParseAndRefuse() throws {
        let conv = try Self.nest("O[k][oh][ow] += W[k][c][r][s] * I[c][2*oh+r][2*ow+s]", ["k", "oh", "ow", "c", "r", "s"])
        #expect(conv.output.name == "O" && conv.a.name == "W" && conv.b.name == "I")
        #expect(try conv.shapes(bounds: [8, 6, 6, 3, 3, 3]) == ["O": [8, 6, 6], "W": [8, 3, 3, 3], "I": [3, 13, 13]])
        let cases: [(String, [String], String)] = [
            ("C[i][j] = A[i][k] * B[k][j]", ["i", "j", "k"], "one '+='"),
            ("C[i][j] += A[i][k] + B[k][j]", ["i", "j", "k"], "product of two tensors"),
            ("C[i][j] += C[i][k] * B[k][j]", ["i", "j", "k"], "names tensor C twice"),
            ("C[i][j] += A[i][k] * B[k][j]", ["i", "j", "k", "l"], "loop 'l' appears in no index"),
            ("C[i][j] += A[i][k] * B[k][j]", ["i", "j", "j"], "appears twice"),
            ("C[i][j] += A[i][k] * B[k][j]", ["i", "j", "2k"], "not an identifier"),
            ("C[i][j] += A[i][k] * B", ["i", "j", "k"], "not a tensor access"),
        ]
        for (compute, loops, says) in cases {
            do { _ = try Self.nest(compute, loops); Issue.record("accepted \(compute)") }
            catch let e as LoopNestError { #expect(e.message.contains(says), "\(compute): \(e.message)") }
        }
    }

    // MARK: legality

    /// The issue's example: j appears in no row, so (i, 0, k) and (i, 1, k) collide.
    @Test func singularMatrixNamesTwoCollidingIterations() throws {
        let e = try #require(try Self.problem([[1, 0, 0], [1, 0, 0], [0, 0, 1]]))
        #expect(e.field == "space_time")
        #expect(e.message.contains("singular"))
        #expect(e.message.contains("iterations (i=0, j=0, k=0) and (i=0, j=1, k=0) both run on PE (0, 0) at time (0)"), "\(e.message)")
    }

    @Test func otherIllegalMatrices() throws {
        let notUnimodular = try #require(try Self.problem([[1, 0, 0], [0, 1, 0], [1, 1, 2]]))
        #expect(notUnimodular.message.contains("determinant 2"))
        let backwards = try #require(try Self.problem([[1, 0, 0], [0, 1, 0], [1, 1, -1]]))
        #expect(backwards.message.contains("goes back in time"), "\(backwards.message)")
        let spatial = try #require(try Self.problem([[1, 0, 0], [0, 0, 1], [0, 1, 0]]))
        #expect(spatial.message.contains("spatial reduction"), "\(spatial.message)")
        let shape = try #require(try Self.problem([[1, 0, 0], [0, 1, 0]]))
        #expect(shape.message.contains("allowed with 3 loops: 3 rows of 3"))
        // WS and IS are derived; a moving output with a negative skew along y, or with its
        // reduction on y, is legal but not derived yet.
        #expect(try Self.problem(Self.ws) == nil && Self.problem(Self.is) == nil)
        for m in [[[0, 0, 1], [1, 0, 0], [-1, 1, 1]], [[1, 0, 0], [0, 0, 1], [1, 1, 1]]] {
            let e = try #require(try Self.problem(m))
            #expect(e.message.contains("not derived yet"), "\(e.message)")
        }
        // A time loop the output uses inside one it does not: partial sums of one element.
        let revisit = try #require(try Self.problem([[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 1, 1, 0, 1]],
                                                    "C[b][i][j] += A[b][i][k][l] * B[b][k][l][j]", ["b", "i", "j", "k", "l"]))
        #expect(revisit.message.contains("revisited"), "\(revisit.message)")
    }

    /// The movement table of the three menu dataflows, as TensorLib classifies them.
    @Test func movementsOfTheMenuDataflows() throws {
        func table(_ m: [[Int]]) throws -> [String: String] {
            // WS and IS are legal, only not derived: classify them without the derivation check.
            let d = SpaceTimeDataflow(unchecked: try Self.nest(), matrix: m, rows: 4, cols: 4)
            #expect(d.legalityProblem == nil)
            return Dictionary(uniqueKeysWithValues: d.movements.map { ($0.tensor, "\($0.movement) \($0.image)") })
        }
        #expect(try table(Self.os) == ["C": "stationary (accumulates) [0, 0, 1]", "A": "systolic [0, 1, 1]", "B": "systolic [1, 0, 1]"])
        #expect(try table(Self.ws) == ["C": "systolic reduction [1, 0, 1]", "A": "systolic [0, 1, 1]", "B": "stationary [0, 0, 1]"])
        #expect(try table(Self.is) == ["C": "systolic reduction [1, 0, 1]", "A": "stationary [0, 0, 1]", "B": "systolic [0, 1, 1]"])
        #expect(try table([[1, 0, 0], [0, 1, 0], [1, 0, 1]])["A"] == "multicast [0, 1, 0]")
    }

    @Test func integerNullSpace() {
        #expect(IntLinear.nullSpace([[1, 0, 0], [1, 0, 0], [0, 0, 1]], columns: 3) == [[0, 1, 0]])
        let coupled = IntLinear.nullSpace([[0, 2, 0, 0, 1, 0]], columns: 6)
        #expect(coupled.count == 5 && (coupled.contains([0, 1, 0, 0, -2, 0]) || coupled.contains([0, -1, 0, 0, 2, 0])))
        #expect(IntLinear.determinant([[1, 0, 0], [0, 1, 0], [1, 1, 1]]) == 1)
        #expect(IntLinear.determinant([[0, 0, 1], [0, 1, 0], [1, 1, 1]]) == -1)
        #expect(IntLinear.determinant([[2, 1], [4, 3]]) == 2)
    }

    // MARK: simulation

    static func load(_ design: String) throws -> Design { try Design.load(path: CLITests.repo.appendingPathComponent("designs/\(design).yaml").path) }

    /// The issue's must-hold: the OS matrix on a random 19×45×23 GEMM equals the golden model on
    /// both simulators, within 5 % of the hand-written `systolic_os_4x4_s8`'s cycles; so do the WS
    /// and IS matrices next to `systolic_ws_4x4_s8` and `systolic_is_4x4_s8`.
    @Test(arguments: [("gemm_stt_os_4x4", "systolic_os_4x4_s8"), ("gemm_stt_ws_4x4", "systolic_ws_4x4_s8"), ("gemm_stt_is_4x4", "systolic_is_4x4_s8"),
                      ("gemm_stt_os_4x4_bitserial", "systolic_os_4x4_s8_bitserial"), ("gemm_stt_os_4x4_ffip", "systolic_os_4x4_s8_ffip")])
    func derivedMenuMatchesGoldenAndTheHandWrittenArray(_ derived: String, _ handWritten: String) throws {
        try Requires.bothSimulators()
        let seed = CoSimTests.seed("derived \(derived)")
        let design = try Self.load(derived)
        let ops = try OperandSource(gemm: GemmShape(m: 19, k: 45, n: 23), seed: seed).load(design)
        let r = try Flow.simulate(design, ops.ops, label: ops.label, simulators: Simulator.allCases) { print($0) }
        #expect(r.verdicts.allSatisfy { $0.passed })
        let hand = try Self.load(handWritten).golden.cycles(GemmShape(m: 19, k: 45, n: 23), b: nil)
        for v in r.verdicts { #expect(abs(Double(v.rtlCycles - hand)) <= 0.05 * Double(hand), "\(v.rtlCycles) vs \(hand)") }
    }

    /// The derived OS array inside the GEMM engine's buffers, fed by its tile controller.
    @Test func derivedArrayInTheGemmEngine() throws {
        try Requires.bothSimulators()
        let seed = CoSimTests.seed("derivedGemm")
        var g = SplitMix64(state: seed)
        let design = try Self.load("gemm_stt_os_4x4_buf")
        let shape = GemmShape(m: Int(g.next() % 20) + 1, k: Int(g.next() % 60) + 1, n: Int(g.next() % 20) + 1)
        let ops = try OperandSource(gemm: shape, seed: seed).load(design)
        let r = try Flow.simulate(design, ops.ops, label: ops.label, simulators: Simulator.allCases) { print($0) }
        #expect(r.verdicts.allSatisfy { $0.passed }, "\(shape) seed \(seed)")
        let dir = try CLITests.tempDir()
        let conv = try String(contentsOf: CLITests.repo.appendingPathComponent("designs/conv_stt_os_kow_4x4.yaml"), encoding: .utf8)
            + "gemm: { a_words: 1024, b_words: 1024, c_words: 1024 }\n"
        let refused = try CLITests.hwgen(["dataflow", try CLITests.write(conv, "conv.yaml", in: dir)])
        #expect(refused.status == 2 && refused.combined.contains("gemm: the GEMM engine's buffers feed GEMMs"), "\(refused.combined)")
    }

    /// Random bounds on every shipped dataflow design (and the 16×16 OS once), both simulators.
    @Test(arguments: ["gemm_stt_mcast_4x4", "bgemm_stt_os_4x4", "conv_stt_os_kow_4x4", "conv_stt_s2_koh_mc_4x4", "conv_stt_ws_kc_4x4",
                      "gemm_stt_ws_4x4", "gemm_stt_is_4x4"])
    func shippedDataflowsMatchGolden(_ name: String) throws {
        try Requires.bothSimulators()
        let seed = CoSimTests.seed("dataflow \(name)")
        var g = SplitMix64(state: seed)
        let design = try Self.load(name)
        let d = try #require(design.spec.engine.spaceTime)
        // Bounds 1…9 (reduction loops 1…4): partial tiles, element ends closer than the drain spacing.
        let bounds = d.nest.loops.indices.map { l in Int(g.next() % (d.nest.output.uses(l) ? 9 : 4)) + 1 }
        let text = zip(d.nest.loops, bounds).map { "\($0)=\($1)" }.joined(separator: ",")
        let ops = try NestOperands(design, bounds: text, gemm: nil, tensors: [], seed: seed)
        let r = try Flow.simulate(design, nest: ops, simulators: Simulator.allCases) { print($0) }
        #expect(r.verdicts.allSatisfy { $0.passed }, "\(name) \(text) seed \(seed)")
    }

    /// Float elements in derived arrays whose output stays (GEMM nests), on both simulators
    /// against the bit-exact float golden model; the forms not built are refused.
    @Test(arguments: ["{ a: e4m3, b: e4m3, acc: fp32 }", "{ a: e4m3, b: e2m1, acc: exact }", "{ a: bf16, b: bf16, acc: fp32, pipeline: 1 }",
                      "{ a: e5m2, b: e4m3, acc: fp32, pipeline: 1 }", "{ a: e4m3, b: e4m3, acc: align14 }"])
    func floatElementsInDerivedArrays(_ mac: String) throws {
        try Requires.bothSimulators()
        let seed = CoSimTests.seed("float \(mac)")
        var g = SplitMix64(state: seed)
        let matrix = [[[1, 0, 0], [0, 1, 0], [1, 1, 1]], [[1, 0, 0], [0, 1, 0], [1, 0, 1]], [[0, 1, 0], [1, 0, 0], [2, -1, 1]]][Int(g.next() % 3)]
        let text = Self.spec("stt_float", loops: "[i, j, k]", compute: Self.gemm, matrix: "\(matrix)", array: "[3, 4]", mac: mac)
        let design = Design(try DesignSpec.parse(text: text, source: "float.yaml"))
        let shape = GemmShape(m: Int(g.next() % 9) + 1, k: Int(g.next() % 40) + 1, n: Int(g.next() % 9) + 1)
        let ops = try OperandSource(gemm: shape, seed: seed).load(design)
        let r = try Flow.simulate(design, ops.ops, label: ops.label, simulators: Simulator.allCases) { print($0) }
        #expect(r.verdicts.allSatisfy { $0.passed }, "\(mac) \(matrix) \(shape) seed \(seed)")
    }

    @Test func floatFormsNotBuiltAreRefused() throws {
        let cases: [(String, String, String)] = [
            (Self.gemm, "[[0,0,1],[0,1,0],[1,1,1]]", "float elements in a derived array whose output moves"),
            (Self.gemm, "[[1,0,0],[0,1,0],[1,1,1]]", ""),   // accepted
        ]
        for (compute, matrix, says) in cases {
            let text = Self.spec("f", loops: "[i, j, k]", compute: compute, matrix: matrix, mac: "{ a: e4m3, b: e4m3, acc: fp32 }")
            do { _ = try DesignSpec.parse(text: text, source: "f.yaml"); #expect(says.isEmpty, "accepted \(matrix)") }
            catch let e as HWGenError { #expect(!says.isEmpty && e.message.contains(says), "\(e.message)") }
        }
        let conv = Self.spec("f", loops: "[k, oh, ow, c, r, s]", compute: "O[k][oh][ow] += W[k][c][r][s] * I[c][oh+r][ow+s]",
                             matrix: "[[1,0,0,0,0,0],[0,0,1,0,0,0],[0,1,0,0,0,0],[0,0,0,1,0,0],[0,0,0,0,1,0],[1,0,1,0,0,1]]",
                             mac: "{ a: e4m3, b: e4m3, acc: fp32 }")
        #expect(throws: HWGenError.self) { try DesignSpec.parse(text: conv, source: "f.yaml") }
        let promote = Self.spec("f", loops: "[i, j, k]", compute: Self.gemm, matrix: "[[1,0,0],[0,1,0],[1,1,1]]", mac: "{ a: e4m3, b: e4m3, acc: align14+promote128 }")
        do { _ = try DesignSpec.parse(text: promote, source: "f.yaml"); Issue.record("accepted promote") }
        catch let e as HWGenError { #expect(e.message.contains("mac.acc") && e.message.contains("promoting"), "\(e.message)") }
    }

    /// The same dataflow from Swift: an EngineSpec built in code, simulated like a spec file.
    @Test func dataflowFromSwift() throws {
        try Requires.bothSimulators()
        let engine = try EngineSpec.spaceTime(loops: ["b", "i", "j", "k"], compute: "C[b][i][j] += A[b][i][k] * B[b][k][j]",
                                              matrix: [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 1, 1]], rows: 3, cols: 2)
        #expect(engine.spaceTime?.outputMoves == true)
        let design = Design(DesignSpec(name: "bgemm_ws_swift", engine: engine, mac: MACTypes(a: .s(8), b: .s(4), acc: .s(20)),
                                       pipeline: 1, source: "swift"))
        let seed = CoSimTests.seed("dataflowFromSwift")
        let ops = try NestOperands(design, bounds: "b=2,i=7,j=5,k=4", gemm: nil, tensors: [], seed: seed)
        let r = try Flow.simulate(design, nest: ops, simulators: Simulator.allCases) { print($0) }
        #expect(r.verdicts.allSatisfy { $0.passed })
        #expect(throws: SpaceTimeError.self) {
            try EngineSpec.spaceTime(loops: ["i", "j", "k"], compute: Self.gemm, matrix: [[1, 0, 0], [1, 0, 0], [0, 0, 1]], rows: 2, cols: 2)
        }
    }

    /// NumPy's reference for each shipped dataflow design, from the tensors by name (`st`: the stride).
    static let numpyReference: [String: (bounds: [String: Int], stride: Int, expression: String)] = [
        // The issue's must-hold: direct 2-D convolutions (valid padding, stride 1 and 2).
        "conv_stt_os_kow_4x4": (["k": 5, "oh": 6, "ow": 5, "c": 3, "r": 3, "s": 2], 1, "conv(W, I, st)"),
        "conv_stt_s2_koh_mc_4x4": (["k": 5, "oh": 6, "ow": 5, "c": 3, "r": 3, "s": 2], 2, "conv(W, I, st)"),
        "bgemm_stt_os_4x4": (["b": 3, "i": 7, "j": 6, "k": 9], 1, "np.einsum('bik,bkj->bij', A, B)"),
        "gemm_stt_mcast_4x4": (["i": 9, "j": 7, "k": 13], 1, "A @ B"),
        "conv_stt_ws_kc_4x4": (["k": 6, "oh": 4, "ow": 7, "c": 5, "r": 2, "s": 3], 1, "conv(W, I, st)"),
        "gemm_stt_ws_4x4": (["i": 13, "j": 6, "k": 11], 1, "A @ B"),
        // The issue's must-hold: the OS matrix on a random 19×45×23 GEMM.
        "gemm_stt_os_4x4": (["i": 19, "j": 23, "k": 45], 1, "A @ B"),
    ]

    /// Each shipped dataflow equals NumPy's result on random .npy tensors, through
    /// `hwgen sim --bounds … --tensor … --out` on both simulators.
    @Test(arguments: ["conv_stt_os_kow_4x4", "conv_stt_s2_koh_mc_4x4", "bgemm_stt_os_4x4", "gemm_stt_mcast_4x4", "conv_stt_ws_kc_4x4",
                      "gemm_stt_ws_4x4", "gemm_stt_os_4x4"])
    func shippedDataflowsEqualNumpy(_ name: String) throws {
        let python = try Requires.venvPython(importing: "numpy")
        try Requires.bothSimulators()
        let seed = CoSimTests.seed("numpy \(name)")
        var g = SplitMix64(state: seed)
        let (bounds, stride, expression) = Self.numpyReference[name]!
        let design = try Self.load(name)
        let d = try #require(design.spec.engine.spaceTime)
        let values = d.nest.loops.map { bounds[$0]! }
        let shapes = try d.nest.shapes(bounds: values)
        let dir = try CLITests.tempDir()
        var args = ["sim", "designs/\(name).yaml", "--bounds", zip(d.nest.loops, values).map { "\($0)=\($1)" }.joined(separator: ",")]
        var files: [String] = []
        for t in [d.nest.a, d.nest.b] {
            let shape = shapes[t.name]!, path = dir.appendingPathComponent("\(t.name).npy").path
            try Npy.write(NpyArray(shape: shape, dtype: .int8, values: (0..<shape.reduce(1, *)).map { _ in g.next(.s(8)) }), path: path)
            args += ["--tensor", "\(t.name)=\(path)"]
            files.append("\(t.name)=\(path)")
        }
        let out = dir.appendingPathComponent("out.npy").path
        let run = try CLITests.hwgen(args + ["--out", out])
        #expect(run.status == 0, "\(run.combined)")
        let check = """
            import numpy as np, sys
            T = {kv.split('=', 1)[0]: np.load(kv.split('=', 1)[1]).astype(np.int64) for kv in sys.argv[4:]}
            globals().update(T); st = int(sys.argv[2]); O = np.load(sys.argv[1])
            def conv(W, I, st):
                K, C, R, S = W.shape; OH, OW = O.shape[1:]
                ref = np.zeros((K, OH, OW), dtype=np.int64)
                for r in range(R):
                    for s in range(S):
                        ref += np.einsum('kc,cij->kij', W[:, :, r, s], I[:, r:r + st * (OH - 1) + 1:st, s:s + st * (OW - 1) + 1:st])
                return ref
            ref = eval(sys.argv[3])
            assert O.shape == ref.shape, (O.shape, ref.shape)
            bad = int((O != ref).sum())
            print('numpy: %d of %d outputs differ' % (bad, ref.size)); sys.exit(1 if bad else 0)
            """
        let py = try Tools.run(python, ["-c", check, out, "\(stride)", expression] + files, in: dir, timeout: 120)
        #expect(py.status == 0, "\(name) seed \(seed): \(py.combined)")
    }

    /// Bad input through the CLI: a singular matrix, bounds and tensors that do not fit: exit 2.
    @Test func badDataflowInputIsExit2() throws {
        let dir = try CLITests.tempDir()
        let singular = try CLITests.write(Self.spec("bad", loops: "[i, j, k]", compute: Self.gemm, matrix: "[[1,0,0],[1,0,0],[0,0,1]]"), "bad.yaml", in: dir)
        let r = try CLITests.hwgen(["sim", singular, "--gemm", "4x4x4"])
        #expect(r.status == 2)
        #expect(r.combined.contains("dataflow.space_time: the matrix is singular (determinant 0): iterations (i=0, j=0, k=0) and (i=0, j=1, k=0) both run on PE (0, 0) at time (0)"), "\(r.combined)")
        let ws = try CLITests.write(Self.spec("ws", loops: "[i, j, k]", compute: Self.gemm, matrix: "[[0,0,1],[1,0,0],[-1,1,1]]"), "ws.yaml", in: dir)
        #expect(try CLITests.hwgen(["dataflow", ws]).status == 2)
        let cases: [([String], String)] = [
            (["sim", "designs/conv_stt_os_kow_4x4.yaml", "--bounds", "k=2,oh=2"], "no bound for loop ow"),
            (["sim", "designs/conv_stt_os_kow_4x4.yaml", "--bounds", "k=2,x=2"], "'x=2' is not LOOP=N"),
            (["sim", "designs/conv_stt_os_kow_4x4.yaml", "--gemm", "4x4x4"], "is not a GEMM"),
            (["sim", "designs/conv_stt_os_kow_4x4.yaml", "--bounds", "k=2,oh=2,ow=2,c=1,r=2,s=2", "--tensor", "Q=x.npy"], "allowed names: W, I"),
            (["sim", "designs/systolic_os_4x4_s8.yaml", "--bounds", "k=2"], "has no dataflow: section"),
            (["golden", "designs/conv_stt_ws_kc_4x4.yaml"], "not a GEMM: its runs take loop bounds"),
            (["emit", "designs/conv_stt_os_kow_4x4.yaml", "-o", dir.path], "not a GEMM: its runs take loop bounds"),
            (["synth", "designs/conv_stt_os_kow_4x4.yaml", "--gemm", "4x4x4", "--target", "generic"], "not a GEMM"),
            (["sim", "designs/gemm_stt_os_4x4_buf.yaml", "--bounds", "i=2,j=2,k=2"], "wraps its array in gemm: buffers"),
            (["sim", "designs/conv_stt_os_kow_4x4.yaml", "--bounds", "k=4096,oh=4096,ow=4096,c=1,r=1,s=1"], "iterations is too many"),
        ]
        for (args, says) in cases {
            let r = try CLITests.hwgen(args)
            #expect(r.status == 2 && r.combined.contains(says), "\(args): \(r.combined)")
        }
        // A tensor of the wrong shape names both shapes.
        let wrong = dir.appendingPathComponent("I.npy").path
        try Npy.write(NpyArray(shape: [1, 4, 4], dtype: .int8, values: Array(repeating: 1, count: 16)), path: wrong)
        let shape = try CLITests.hwgen(["sim", "designs/conv_stt_os_kow_4x4.yaml", "--bounds", "k=2,oh=2,ow=2,c=1,r=2,s=2", "--tensor", "I=\(wrong)"])
        #expect(shape.status == 2 && shape.combined.contains("I has shape (1, 4, 4); the bounds need (1, 3, 3)"), "\(shape.combined)")
    }

    @Test func dataflowCommandPrintsTheMovementTable() throws {
        let r = try CLITests.hwgen(["dataflow", "designs/gemm_stt_os_4x4.yaml", "--gemm", "19x45x23"])
        #expect(r.status == 0, "\(r.combined)")
        #expect(r.stdout.contains("| A | (0, 1, 0) | (0, 1, 1) | systolic | along (0, 1), 1 cycle per hop |"), "\(r.stdout)")
        #expect(r.stdout.contains("1362 cycles (golden)"))
    }
}

/// Random derived arrays: GEMM nests with every legal OS-class assignment of i and j to the PE
/// axes, skews −2…2 on each axis (bit-serial and FFIP MACs among the kinds), weight- and input-stationary
/// matrices, and direct convolutions (stride 1 or 2) over (k, oh) or (k, ow)
/// with the reduction loops in random order; random array sizes, operand types, MAC kinds,
/// pipelines and bounds. Each on both simulators against the golden model.
/// `HWGEN_PROPERTY_N` configurations (default 6; `make fuzz` runs more).
@Suite struct DataflowPropertyTests {
    static func draw(_ g: inout SplitMix64) -> (yaml: String, bounds: String) {
        func pick<T>(_ xs: [T]) -> T { xs[Int(g.next() % UInt64(xs.count))] }
        func skew() -> Int { Int(g.next() % 5) - 2 }
        let (rows, cols) = (Int(g.next() % 5) + 1, Int(g.next() % 5) + 1)
        let (loops, compute, matrix, sizes): ([String], String, [[Int]], [Int])
        let form = g.next() % 4
        if form == 3 {
            // A moving output (WS or IS): PE x on k, PE y on j (WS) or i (IS), σx 1…2, σy 0…2.
            loops = ["i", "j", "k"]
            compute = "C[i][j] += A[i][k] * B[k][j]"
            let ws = g.next() % 2 == 0
            let inner = ws ? 0 : 1
            var last = [0, 0, 0]
            (last[2], last[ws ? 1 : 0], last[inner]) = (Int(g.next() % 2) + 1, Int(g.next() % 3), 1)
            matrix = [[0, 0, 1], ws ? [0, 1, 0] : [1, 0, 0], last]
            sizes = [Int(g.next() % 12) + 1, Int(g.next() % 12) + 1, Int(g.next() % 12) + 1]
        } else if form < 2 {
            loops = ["i", "j", "k"]
            compute = "C[i][j] += A[i][k] * B[k][j]"
            let swap = g.next() % 2 == 0
            let (x, y) = swap ? (1, 0) : (0, 1)
            var last = [0, 0, 1]
            (last[x], last[y]) = (skew(), skew())
            matrix = [x == 0 ? [1, 0, 0] : [0, 1, 0], y == 0 ? [1, 0, 0] : [0, 1, 0], last]
            sizes = [Int(g.next() % 9) + 1, Int(g.next() % 9) + 1, Int(g.next() % 12) + 1]
        } else {
            let stride = Int(g.next() % 2) + 1
            loops = ["k", "oh", "ow", "c", "r", "s"]
            compute = "O[k][oh][ow] += W[k][c][r][s] * I[c][\(stride)*oh+r][\(stride)*ow+s]"
            let other = pick([1, 2])                                   // oh or ow beside k on the array
            let pe = g.next() % 2 == 0 ? [0, other] : [other, 0]
            let reductions = [3, 4, 5].shuffled(using: &g)
            let time = [3 - other] + reductions                         // the other output loop outermost
            var rowsOfT = (pe + time.dropLast()).map { l in (0..<6).map { $0 == l ? 1 : 0 } }
            var last = (0..<6).map { $0 == time.last! ? 1 : 0 }
            (last[pe[0]], last[pe[1]]) = (skew(), skew())
            rowsOfT.append(last)
            matrix = rowsOfT
            sizes = [Int(g.next() % 6) + 1, Int(g.next() % 4) + 1, Int(g.next() % 4) + 1, Int(g.next() % 3) + 1, Int(g.next() % 3) + 1, Int(g.next() % 3) + 1]
        }
        var (a, b) = (pick(["s8", "u8", "s4", "s3"]), pick(["s8", "s4", "u5", "s2"]))
        var kind = b.hasPrefix("s") ? pick(form == 3 ? ["baseline", "booth"] : ["baseline", "booth", "bitserial"]) : "baseline"
        let ffip = form != 3 && g.next() % 4 == 0
        if ffip { (kind, a, b) = (pick(["ffip", "ffip_booth"]), "s8", "s8") }
        let yaml = """
            name: stt_fuzz
            dataflow:
              loops: [\(loops.joined(separator: ", "))]
              compute: "\(compute)"
              space_time: \(matrix)
              array: [\(rows), \(cols)]
            mac: { a: \(a), b: \(b), acc: s24, kind: \(kind), pipeline: \(g.next() % (form == 3 || ffip ? 2 : 3)) }
            """
        return (yaml, zip(loops, sizes).map { "\($0)=\($1)" }.joined(separator: ","))
    }

    @Test func randomDerivedArraysMatchGolden() throws {
        try Requires.bothSimulators()
        let seed = CoSimTests.seed("dataflowProperty")
        var g = SplitMix64(state: seed)
        for n in 0..<PropertyTests.count {
            let (yaml, bounds) = Self.draw(&g)
            let design = Design(try DesignSpec.parse(text: yaml, source: "fuzz\(n).yaml"))
            let ops = try NestOperands(design, bounds: bounds, gemm: nil, tensors: [], seed: seed &+ UInt64(n))
            let r = try Flow.simulate(design, nest: ops, simulators: Simulator.allCases) { print($0) }
            #expect(r.verdicts.allSatisfy { $0.passed }, "configuration \(n) of seed \(seed): \(bounds)\n\(yaml)")
        }
    }
}
