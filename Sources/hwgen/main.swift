import ArgumentParser
import Foundation
import HWGen

/// `hwgen`: emit, simulate, check and synthesize HWGen designs. Exit codes: 0 ok,
/// 1 RTL/golden mismatch, 2 bad input, 3 missing tool.
struct HWGenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hwgen",
        abstract: "Generate, simulate and synthesize tensor-engine RTL from YAML/JSON specs.",
        discussion: "Exit codes: 0 ok, 1 RTL/golden mismatch, 2 bad input, 3 missing tool.",
        version: "hwgen \(Versions.hwgen) (--version also lists the tools it finds)",
        subcommands: [Emit.self, Sim.self, GoldenCmd.self, DataflowCmd.self, Report.self, Synth.self, Sweep.self, Verify.self, WorkloadCmd.self, Accuracy.self])
}

/// Operands from .npy files or drawn at random.
struct OperandOptions: ParsableArguments {
    @Option(help: "Random GEMM MxKxN (A is MxK, B is KxN).") var gemm: String?
    @Option(help: "Seed for random operands.") var seed: UInt64 = 1
    @Option(name: .customLong("a"), help: "A operand (.npy, M×K).") var aPath: String?
    @Option(name: .customLong("b"), help: "B operand (.npy, K×N; ternary and p<n> weights as their values).") var bPath: String?
    @Option(name: .customLong("group-scales"), help: "mac.group exponents (.npy, ⌈K/G⌉×N, 0…15); random with random operands.")
    var groupScales: String?
    @Option(name: .customLong("scales-a"), help: "MX block scales of A (.npy, M×⌈K/block⌉ E8M0 codes 0…255, 255 is NaN); random with random operands.")
    var scalesA: String?
    @Option(name: .customLong("scales-b"), help: "MX block scales of B (.npy, ⌈K/block⌉×N E8M0 codes); random with random operands.")
    var scalesB: String?
    @Option(help: "Per-column epilogue multipliers (.npy, N values in 1…2^31−1); random with random operands.") var multipliers: String?
    @Option(help: "Per-column epilogue shifts (.npy, N values in 0…63); random with random operands.") var shifts: String?

    /// Where the operands come from.
    func source() throws -> OperandSource {
        OperandSource(gemm: try gemm.map { try GemmShape.parse($0) }, seed: seed, aPath: aPath, bPath: bPath,
                      groupScales: groupScales, scalesA: scalesA, scalesB: scalesB, multipliers: multipliers, shifts: shifts)
    }
}

extension HWGenCommand {
    struct Emit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write rtl/, testbenches/ and (unless --no-vectors) vectors/ for each spec.")
        @Argument(help: "Spec files (.yaml or .json).") var specs: [String]
        @Option(name: .shortAndLong, help: "Output directory.") var output: String = "out"
        @Flag(help: "Do not write test vectors.") var noVectors = false
        @Flag(help: "Also write a FuseSoC CAPI2 core, <name>.core (targets default, lint, sim for icarus and verilator).") var fusesoc = false
        @Flag(help: "Also write a cocotb test (cocotb/: test module, Makefile, operands and golden C as .npy) of the emitted vectors.") var cocotb = false
        @Flag(help: "Also write <name>.md: the top module's ports and, behind AXI, its register map.") var docs = false
        @OptionGroup var operands: OperandOptions

        func run() throws {
            for path in specs {
                let design = try Design.load(path: path)
                let spec = design.spec
                let v = noVectors ? nil : try operands.source().load(design)
                let dir = URL(fileURLWithPath: output)
                let d = try Flow.emit(design, to: dir, vectors: v?.ops)
                var extras: [String] = []
                if cocotb {
                    guard let v else { throw HWGenError.badInput("--cocotb: the test drives the vectors hwgen writes (allowed: omit --no-vectors)") }
                    _ = try CocotbTest.write(design, d, ops: v.ops, in: dir)
                    extras.append("cocotb/test_\(spec.name).py")
                }
                if docs {
                    try Flow.write(design.markdown, to: dir.appendingPathComponent("\(spec.name).md"))
                    extras.append("\(spec.name).md")
                }
                if fusesoc {
                    try Flow.write(FuseSoCCore.text(design, d, in: dir), to: dir.appendingPathComponent(FuseSoCCore.fileName(design)))
                    extras.append(FuseSoCCore.fileName(design))
                }
                print("emitted \(spec.name): \(d.rtl.count) RTL files, testbench"
                      + (v.map { ", vectors for \($0.label)" } ?? "") + extras.map { ", \($0)" }.joined() + " in \(output)")
            }
        }
    }

    struct Sim: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a GEMM on the RTL and compare values and cycles with the golden model.")
        @Argument(help: "Spec file.") var spec: String
        @OptionGroup var operands: OperandOptions
        @Option(help: "icarus, verilator or both.") var simulator: String = "both"
        @Option(help: "Write the RTL's C here (.npy).") var out: String?
        @Option(help: "Write waves (VCD) here.") var waves: String?
        @Option(help: "Keep generated files and logs in this directory.") var workDir: String?
        @Option(help: "A dataflow spec's loop bounds: LOOP=N,… (every loop).") var bounds: String?
        @Option(name: .customLong("tensor"), help: "A dataflow spec's input tensor: NAME=FILE.npy, its full shape (repeatable; random when not given).")
        var tensors: [String] = []

        func run() throws {
            let design = try Design.load(path: spec)
            let s = design.spec
            let sims: [Simulator]
            switch simulator {
            case "both": sims = Simulator.allCases
            case let name: guard let one = Simulator(rawValue: name) else {
                throw HWGenError.badInput("--simulator: '\(name)' is not a simulator (allowed: icarus, verilator, both)")
            }; sims = [one]
            }
            if let d = s.engine.spaceTime, bounds != nil || !tensors.isEmpty || d.gemmLoops == nil {
                let ops = try NestOperands(design, bounds: bounds, gemm: operands.gemm, tensors: tensors, seed: operands.seed)
                let r = try Flow.simulate(design, nest: ops, simulators: sims, workDir: workDir.map { URL(fileURLWithPath: $0) },
                                          waves: waves.map { URL(fileURLWithPath: $0) }) { print($0) }
                if let out, let first = r.runs.first {
                    try Npy.write(NpyArray(shape: r.golden.shape, dtype: Npy.resultDType(s), values: first.c.data), path: out)
                }
                if !r.verdicts.allSatisfy(\.passed) { throw ExitCode(ExitStatus.mismatch.rawValue) }
                return
            }
            if !tensors.isEmpty || bounds != nil {
                throw HWGenError.badInput("--bounds/--tensor: \(spec) has no dataflow: section (allowed: --gemm, --a, --b)")
            }
            let ops = try operands.source().load(design)
            let result = try Flow.simulate(design, ops.ops, label: ops.label, simulators: sims,
                                           workDir: workDir.map { URL(fileURLWithPath: $0) },
                                           waves: waves.map { URL(fileURLWithPath: $0) }) { print($0) }
            let (a, b) = (ops.ops.a, ops.ops.b)
            print("  " + CycleEstimate(design, shape: GemmShape(m: a.rows, k: a.cols, n: b.cols), b: b).text)
            if let out, let first = result.runs.first {
                try Npy.writeMatrix(first.c, dtype: Npy.resultDType(s), path: out)
            }
            if !result.verdicts.allSatisfy(\.passed) { throw ExitCode(ExitStatus.mismatch.rawValue) }
        }
    }

    struct WorkloadCmd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "workload",
            abstract: "A network on a design, layer by layer: GEMM shapes (im2col as SCALE-Sim), golden cycles, utilization, DRAM bytes, time and energy.",
            discussion: "NET is a SCALE-Sim conv or GEMM topology CSV, or an ONNX model. Without --run, no simulation: the golden cycle model, with a GEMM engine's chunked schedule where a layer does not fit its buffers (hwgen report --cycles-only gives the same count for one shape). With --run, an integer ONNX model runs on --input: every GEMM on the RTL (exit 1 on a mismatch with the golden model), the other nodes on the host.")
        @Argument(help: "Design spec (YAML or JSON).") var spec: String
        @Argument(help: "Network: a SCALE-Sim conv or GEMM topology CSV, or an ONNX model (.onnx).") var net: String
        @Option(help: "CSV: images per inference (multiplies M). ONNX: the size of a dynamic batch dimension.") var batch: Int?
        @Option(help: "A synthesis report (hwgen synth --json, osu018 or an FPGA target): Fmax for the time column and, if it has --power, the energy model.") var synthJson: String?
        @Option(help: "DRAM bandwidth, GB/s: each layer's time is the larger of its compute time and its DRAM bytes at this bandwidth (needs Fmax from --synth-json).") var dramGbps: Double?
        @Option(help: "Also write the report as JSON here.") var json: String?
        @Option(help: "Also write the report as CSV here.") var csv: String?
        @Option(help: "Also write an SVG bar chart of cycles (and energy) per layer here.") var svg: String?
        @Flag(help: "Energy per layer: logic pJ/MAC, SRAM reads and writes and leakage from a calibration (--synth-json with power, else cached, else measured now: synthesis and a gate-level power run, minutes).") var energy = false
        @Flag(name: .customLong("run"), help: "ONNX: run the model on --input, every GEMM on the RTL (checked against the golden model), the other nodes on the host; writes the outputs with --out.") var runModel = false
        @Option(help: "With --run: the model's input (.npy; its first dimension is the batch).") var input: String?
        @Option(help: "With --run: write the model's first output here (.npy).") var out: String?
        @Option(help: "With --run: verilator or icarus.") var simulator: String = "verilator"

        func run() throws {
            let design = try Design.load(path: spec)
            if let b = batch, b < 1 { throw HWGenError.badInput("--batch must be at least 1 (got \(b))") }
            var batch = self.batch, runLayers: [WorkloadLayer]? = nil
            if runModel {
                guard net.lowercased().hasSuffix(".onnx") else { throw HWGenError.badInput("--run: \(net) is not an ONNX model (allowed: a .onnx file)") }
                guard let input else { throw HWGenError.badInput("--run needs --input x.npy (the model's input)") }
                guard let sim = Simulator(rawValue: simulator) else {
                    throw HWGenError.badInput("--simulator: '\(simulator)' is not a simulator (allowed: verilator, icarus)")
                }
                let x = try Npy.read(path: input)
                batch = batch ?? x.shape.first
                print("running \(URL(fileURLWithPath: net).lastPathComponent) on \(design.name) (\(sim.rawValue)), input \(x.shape) \(x.dtype.rawValue)")
                let result = try OnnxRunner.run(model: net, input: x, design: design, simulator: sim) { print($0) }
                print("host nodes: \(result.hostNodes.joined(separator: ", "))")
                for (name, a) in result.outputs { print("output '\(name)': \(a.shape) \(a.dtype.rawValue)") }
                if let out, let first = result.outputs.first { try Npy.write(first.array, path: out) }
                print(result.passed ? "PASS: every GEMM equals the golden model on \(sim.rawValue)\n"
                                    : "FAIL: RTL and golden model differ (see above)\n")
                if !result.passed { throw ExitCode(ExitStatus.mismatch.rawValue) }
                runLayers = result.layers.map(\.workloadLayer)
            } else if input != nil || out != nil {
                throw HWGenError.badInput("--input and --out belong to --run")
            }
            var layers: [WorkloadLayer]
            if let runLayers {
                layers = runLayers   // the GEMMs that ran: no shape inference needed
            } else if net.lowercased().hasSuffix(".onnx") {
                let model = try OnnxModel.load(path: net, batch: batch)
                layers = model.layers
                guard !layers.isEmpty else {
                    throw HWGenError.badInput("\(net): no Conv, ConvInteger, QLinearConv, Gemm, MatMul, MatMulInteger or QLinearMatMul node")
                }
                if !model.skipped.isEmpty {
                    print("skipped (not GEMMs): \(model.skipped.count) nodes: \(model.skipped.joined(separator: ", "))")
                }
            } else {
                layers = try Topology.load(csv: net, batch: batch ?? 1)
            }
            var fmax: Double? = nil, model: EnergyModel? = nil
            if let path = synthJson {
                guard let data = FileManager.default.contents(atPath: path),
                      let reports = try? JSONDecoder().decode([SynthReport].self, from: data) else {
                    throw HWGenError.badInput("--synth-json: \(path) is not a hwgen synth --json report")
                }
                guard let r = reports.first(where: { $0.design == design.name }) else {
                    throw HWGenError.badInput("--synth-json: \(path) has no report for \(design.name) (it has: \(reports.map(\.design).joined(separator: ", ")))")
                }
                fmax = r.fmaxMHz > 0 ? r.fmaxMHz : nil
                model = EnergyModel(r)
            }
            if energy, model == nil {
                if let cached = try EnergyModel.cached(design) {
                    model = cached
                } else {
                    FileHandle.standardError.write(Data("calibrating energy of \(design.name): synthesis and a gate-level power run of \(design.defaultShape) (minutes; cached afterwards)\n".utf8))
                    model = try EnergyModel.calibrate(design) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                }
                fmax = fmax ?? model?.fmaxMHz
            }
            if let g = dramGbps {
                guard g > 0, g.isFinite else { throw HWGenError.badInput("--dram-gbps must be > 0 (got \(g))") }
                guard fmax != nil else { throw HWGenError.badInput("--dram-gbps: needs Fmax (give --synth-json with a synthesis report of \(design.name))") }
            }
            let report = try WorkloadReport(design: design, workload: URL(fileURLWithPath: net).lastPathComponent, layers: layers,
                                            fmaxMHz: fmax, dramGBps: dramGbps, energy: model)
            print(report.markdown, terminator: "")
            if let json { try JSONEncoder.sorted.encode(report).write(to: URL(fileURLWithPath: json)) }
            if let csv { try Flow.write(report.csv, to: URL(fileURLWithPath: csv)) }
            if let svg { try Flow.write(report.svg, to: URL(fileURLWithPath: svg)) }
        }
    }

    struct Accuracy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The error of each floating-point accumulation on LLM-like GEMMs, from the golden model (no simulation).")
        @Option(help: "Element format of A and B: e4m3, e5m2, e2m3, e3m2, e2m1.") var format = "e4m3"
        @Option(help: "K values, comma-separated.") var k = "512,4096,7168"
        @Option(help: "Rows of A.") var m = 16
        @Option(help: "Columns of B.") var n = 16
        @Option(help: "Seed of the operands.") var seed: UInt64 = 1
        @Option(help: "Accumulations, comma-separated: fp32, exact, align<N>, align<N>+promote<P>.") var acc = "fp32,exact,align14,align14+promote128"
        @Option(help: "Products per addition step of align (the engine's group).") var group = 1
        @Option(help: "Operand scalings, comma-separated: tensor, block128 (DeepSeek-V3's 1×128 and 128×128 FP32 scales), mx32 (OCP MX E8M0 scales per 32).") var scaling = "tensor,block128,mx32"
        @Option(help: "Also write the table as JSON here.") var json: String?

        func run() throws {
            // Formats whose exact sums fit HWGen's 128-bit dyadic arithmetic.
            let allowed = ["e4m3", "e5m2", "e2m3", "e3m2", "e2m1"]
            guard let f = FloatFormat(name: format), allowed.contains(f.name) else {
                throw HWGenError.badInput("--format: '\(format)' is not an element format the accuracy study takes (allowed: \(allowed.joined(separator: ", ")))")
            }
            let ks = try k.split(separator: ",").map { s -> Int in
                guard let v = Int(s), (1...65536).contains(v) else { throw HWGenError.badInput("--k: '\(s)' is not a K in 1...65536") }
                return v
            }
            let accs = try acc.split(separator: ",").map { s -> (FloatAccumulation, group: Int) in
                guard let a = FloatAccumulation(name: String(s)) else {
                    throw HWGenError.badInput("--acc: '\(s)' is not an accumulation (allowed: fp32, exact, align<N> with N in 2...64, align<N>+promote<P>)")
                }
                return (a, group)
            }
            guard (1...4096).contains(m), (1...4096).contains(n), (1...1024).contains(group) else {
                throw HWGenError.badInput("--m, --n: 1...4096, --group: 1...1024 (got \(m), \(n), \(group))")
            }
            let scalings = try scaling.split(separator: ",").map { s -> FloatAccuracy.Scaling in
                guard let v = FloatAccuracy.Scaling(rawValue: String(s)) else {
                    throw HWGenError.badInput("--scaling: '\(s)' is not a scaling (allowed: tensor, block128, mx32)")
                }
                return v
            }
            let r = FloatAccuracy(format: f, ks: ks, m: m, n: n, seed: seed, accumulations: accs, scalings: scalings)
            print(r.markdown, terminator: "")
            if let json { try JSONEncoder.sorted.encode(r).write(to: URL(fileURLWithPath: json)) }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One page per design: correctness on both simulators, golden cycles and utilization, and PPA on a synthesis target, as Markdown (and JSON).",
            discussion: "--cycles-only prints the golden cycle model alone (no simulator, no synthesis).")
        @Argument(help: "Spec files.") var specs: [String]
        @Option(help: "GEMM MxKxN (A is MxK, B is KxN); default: a small GEMM with partial tiles.") var gemm: String?
        @Option(help: "Seed for the simulated operands.") var seed: UInt64 = 1
        @Option(help: "Synthesis target: osu018 (default), generic, ice40 or ecp5.") var target: String = "osu018"
        @Option(help: "Clock period in ns for synthesis.") var clock: Double = 10
        @Option(help: "Also write the pages as JSON (an array) here.") var json: String?
        @Option(help: "Keep simulation and synthesis files in this directory.") var workDir: String = "build/report"
        @Flag(help: "Skip the simulations.") var noSim = false
        @Flag(help: "Skip the synthesis.") var noSynth = false
        @Flag(help: "Only the golden cycle model's two lines (no simulator, no synthesis).") var cyclesOnly = false
        @Flag(help: "Also measure power and energy on the GEMM: the synthesized netlist simulated at gate level (osu018; see hwgen synth --power).") var power = false

        func run() throws {
            guard let t = SynthTarget(rawValue: target) else {
                throw HWGenError.badInput("--target: '\(target)' is not a target (allowed: \(SynthTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if power {
                guard t == .osu018 else { throw HWGenError.badInput("--power: target \(t.rawValue) has no Liberty power tables (allowed: --target osu018)") }
                guard !noSynth, !cyclesOnly else { throw HWGenError.badInput("--power: needs the synthesis (drop --no-synth / --cycles-only)") }
            }
            var pages: [DesignReport] = [], failed = false
            for path in specs {
                let design = try Design.load(path: path)
                let s = design.spec
                let shape = try gemm.map { try GemmShape.parse($0, limits: !cyclesOnly) } ?? design.defaultShape
                if cyclesOnly, let tiled = try design.layerCycles(shape).tiling {
                    // Larger than the buffers: the host's chunked schedule (what `hwgen workload` counts).
                    print("report \(s.name) gemm \(shape): \(design.summary), \(s.macConfig)")
                    print("  cycles: \(tiled.cycles) in \(tiled.chunks) runs of at most \(tiled.m)x\(tiled.k)x\(tiled.n) "
                          + "(\(tiled.countM)×\(tiled.countK)×\(tiled.countN) along M, K, N; runs \(tiled.runCycles) cycles, "
                          + "host lines \(tiled.linesIn) in, \(tiled.linesOut) out)")
                    continue
                }
                try design.checkFit(shape)
                let mac = s.macConfig
                let estimate = CycleEstimate(design, shape: shape)
                if cyclesOnly {
                    print("report \(s.name) gemm \(shape.m)x\(shape.k)x\(shape.n): \(design.summary), \(mac)"
                          + (mac.elementCycles > 1 ? ", \(mac.elementCycles) cycles per element" : ""))
                    print("  " + estimate.text)
                    continue
                }
                var verdicts: [SimVerdict] = [], runs: [SimRun] = [], label: String? = nil
                var cycles = estimate
                if !noSim {
                    let ops = try OperandSource(gemm: shape, seed: seed).load(design)
                    label = ops.label
                    (verdicts, runs) = try Flow.simulate(design, ops.ops, label: ops.label, simulators: Simulator.allCases) {
                        FileHandle.standardError.write(Data(($0 + "\n").utf8))
                    }
                    cycles = CycleEstimate(design, shape: shape, b: ops.ops.b)
                    failed = failed || !verdicts.allSatisfy(\.passed)
                }
                var synthesis: SynthReport? = nil
                if !noSynth {
                    var r = try Flow.synthesize(design, clockNS: clock, workDir: URL(fileURLWithPath: workDir).appendingPathComponent(s.name), target: t) {
                        FileHandle.standardError.write(Data(($0 + "\n").utf8))
                    }
                    r.metrics = PPAMetrics(report: r, macs: design.macCount, gemm: shape, gemmCycles: cycles.golden)
                    if power {
                        let ops = try OperandSource(gemm: shape, seed: seed).load(design)
                        r.power = try GatePower.run(design, synthDir: URL(fileURLWithPath: workDir).appendingPathComponent(s.name).appendingPathComponent("synth"),
                                                    ops: ops.ops, label: ops.label, simulator: Simulator.verilator.isInstalled ? .verilator : .icarus,
                                                    periodNS: clock, workDir: URL(fileURLWithPath: workDir).appendingPathComponent(s.name).appendingPathComponent("power")) {
                            FileHandle.standardError.write(Data(($0 + "\n").utf8))
                        }
                        r.metrics?.power = PPAMetrics.powerMeasured
                    }
                    synthesis = r
                }
                let page = DesignReport(design, shape: shape, cycles: cycles, operands: label, verdicts: verdicts, runs: runs, synthesis: synthesis)
                print(page.markdown)
                pages.append(page)
            }
            if let json { try JSONEncoder.sorted.encode(pages).write(to: URL(fileURLWithPath: json), options: .atomic) }
            if failed { throw ExitCode(ExitStatus.mismatch.rawValue) }
        }
    }

    struct DataflowCmd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dataflow",
            abstract: "A dataflow spec's movement table (each tensor's reuse under the space-time matrix) and, with bounds, its schedule's length.")
        @Argument(help: "Spec file with a dataflow: section.") var spec: String
        @Option(help: "Loop bounds: LOOP=N,… (every loop).") var bounds: String?
        @Option(help: "A GEMM nest's bounds as MxKxN.") var gemm: String?

        func run() throws {
            let s = try DesignSpec.load(path: spec, derivable: false)
            guard let d = s.engine.spaceTime else {
                throw HWGenError.badInput("\(spec): no dataflow: section (allowed: a spec with dataflow: loops, compute, space_time, array)")
            }
            if let (field, why) = d.derivationProblem {
                // Legal, not built: the table still says what the matrix does with each tensor.
                print(DataflowReport.text(s, bounds: nil), terminator: "")
                throw HWGenError.badInput("\(spec): dataflow.\(field): \(why)")
            }
            let b = bounds == nil && gemm == nil ? nil : try NestOperands.bounds(d, text: bounds, gemm: gemm)
            print(DataflowReport.text(s, bounds: b), terminator: "")
        }
    }

    struct GoldenCmd: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "golden", abstract: "Compute C = A·B and the cycle count with the Swift golden model.")
        @Argument(help: "Spec file.") var spec: String
        @OptionGroup var operands: OperandOptions
        @Option(help: "Write C here (.npy).") var out: String?

        func run() throws {
            let design = try Design.load(path: spec)
            let s = design.spec
            let ops = try operands.source().load(design)
            let c = design.golden.c(ops.ops)
            if let out { try Npy.writeMatrix(c, dtype: Npy.resultDType(s), path: out) }
            print("golden \(s.name) \(ops.label): C is \(c.rows)x\(c.cols)" + (out.map { ", written to \($0)" } ?? ""))
            let (a, b) = (ops.ops.a, ops.ops.b)
            print("  " + CycleEstimate(design, shape: GemmShape(m: a.rows, k: a.cols, n: b.cols), b: b).text)
        }
    }

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Synthesize for OSU 0.18 µm (Yosys + OpenSTA), Yosys generic cells, or an FPGA (iCE40 UP5K, ECP5 25k) with nextpnr.")
        @Argument(help: "Spec files.") var specs: [String] = []
        @Option(help: "Clock period in ns (ABC's delay target and the STA clock; nextpnr's target frequency).") var clock: Double = 10
        @Option(help: "osu018 (default), generic, ice40 or ecp5.") var target: String = "osu018"
        @OptionGroup(title: "Operands (--gemm alone: the GEMM's golden cycles and achieved GOPS; with --power: the stimulus)")
        var operands: OperandOptions
        @Flag(help: "Also measure power: simulate the netlist at gate level on the operands (checked against the golden model), count every net's switching, and run OpenSTA report_power at the clock (osu018).")
        var power = false
        @Option(help: "Gate-level simulator for --power: verilator, icarus, or replay (the RTL on Verilator drives HWGen's own evaluation of the netlist: for netlists too large to compile; default: verilator when installed).") var simulator: String?
        @Option(help: "Also write the reports as JSON here.") var json: String?
        @Option(help: "Keep scripts, logs and netlists in this directory.") var workDir: String = "build/synth"
        @Option(help: "Synthesize this hand-written Verilog (.v, or .sv read with -sv) instead of specs, in the same flow (osu018; repeat for more files).") var rtl: [String] = []
        @Option(help: "The top module of --rtl.") var top: String?
        @Option(help: "Override a parameter of the --rtl top: NAME=INTEGER (repeatable).") var param: [String] = []

        func run() throws {
            guard clock > 0, clock <= 1000 else {
                throw HWGenError.badInput("--clock: \(clock) is out of range (allowed: 0 < clock ≤ 1000 ns)")
            }
            guard let t = SynthTarget(rawValue: target) else {
                throw HWGenError.badInput("--target: '\(target)' is not a target (allowed: \(SynthTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !rtl.isEmpty || top != nil || !param.isEmpty {
                if power { throw HWGenError.badInput("--power: needs a spec (hand-written RTL has no testbench or golden model)") }
                return try runRTL(t)
            }
            guard !specs.isEmpty else { throw HWGenError.badInput("synth: no spec files (or --rtl FILE --top MODULE)") }
            let gateSim = try powerSimulator(t)
            var reports: [SynthReport] = []
            let progress: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            for path in specs {
                let design = try Design.load(path: path)
                let s = design.spec
                let ops = power ? try operands.source().load(design) : nil
                let shape = try ops.map { o in GemmShape(m: o.ops.a.rows, k: o.ops.a.cols, n: o.ops.b.cols) }
                    ?? operands.gemm.map { try GemmShape.parse($0) }
                if let shape { try design.checkFit(shape) }
                let dir = URL(fileURLWithPath: workDir).appendingPathComponent(s.name)
                var r = try Flow.synthesize(design, clockNS: clock, workDir: dir, target: t, progress: progress)
                if let shape {
                    r.metrics = PPAMetrics(report: r, macs: design.macCount, gemm: shape,
                                           gemmCycles: design.golden.cycles(shape, b: ops?.ops.b))
                }
                if let ops, let gateSim {
                    r.power = try GatePower.run(design, synthDir: dir.appendingPathComponent("synth"), ops: ops.ops, label: ops.label,
                                                simulator: gateSim.simulator, replay: gateSim.replay, periodNS: clock, workDir: dir.appendingPathComponent("power"),
                                                progress: progress)
                    r.metrics?.power = PPAMetrics.powerMeasured
                }
                reports.append(r)
            }
            try output(reports)
        }

        /// The gate-level simulator for `--power` (nil without it); bad requests are exit 2.
        private func powerSimulator(_ t: SynthTarget) throws -> (simulator: Simulator, replay: Bool)? {
            guard power else {
                if simulator != nil { throw HWGenError.badInput("--simulator: only with --power (the gate-level simulation)") }
                return nil
            }
            guard t == .osu018 else {
                throw HWGenError.badInput("--power: target \(t.rawValue) has no Liberty power tables (allowed: --target osu018)")
            }
            let o = operands
            guard o.gemm != nil || o.aPath != nil || o.bPath != nil else {
                throw HWGenError.badInput("--power: no operands to simulate (give --gemm MxKxN [--seed S] or --a A.npy --b B.npy)")
            }
            if let name = simulator {
                if name == "replay" {
                    _ = try Simulator.verilator.resolve()
                    return (.verilator, true)
                }
                guard let s = Simulator(rawValue: name) else {
                    throw HWGenError.badInput("--simulator: '\(name)' is not a simulator (allowed: verilator, icarus, replay)")
                }
                _ = try s.resolve()
                return (s, false)
            }
            return (Simulator.verilator.isInstalled ? .verilator : .icarus, false)
        }

        private func output(_ reports: [SynthReport]) throws {
            print(SynthTable.report(reports), terminator: "")
            if let json {
                let data = try JSONEncoder.sorted.encode(reports)
                try data.write(to: URL(fileURLWithPath: json))
            }
        }

        /// `--rtl`: hand-written Verilog through the same OSU018 flow as the specs.
        private func runRTL(_ t: SynthTarget) throws {
            guard specs.isEmpty else { throw HWGenError.badInput("synth: give spec files or --rtl, not both") }
            guard !rtl.isEmpty, let top else { throw HWGenError.badInput("synth: --rtl needs --top MODULE (and --top needs --rtl)") }
            guard t == .osu018 else { throw HWGenError.badInput("--rtl: only --target osu018 reads hand-written Verilog") }
            guard operands.gemm == nil else { throw HWGenError.badInput("--gemm: needs a spec (hand-written RTL has no golden cycle model)") }
            let params = try param.map { p -> (String, Int) in
                let f = p.split(separator: "=", maxSplits: 1).map(String.init)
                guard f.count == 2, let v = Int(f[1]) else {
                    throw HWGenError.badInput("--param: '\(p)' is not NAME=INTEGER")
                }
                return (f[0], v)
            }
            let r = try ASICSynthesis.run(verilog: rtl.map { URL(fileURLWithPath: $0) }, top: top, clockNS: clock,
                                          workDir: URL(fileURLWithPath: workDir).appendingPathComponent(top),
                                          parameters: params) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
            try output([r])
        }
    }
}

extension HWGenCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove a spec's MAC unit equal to the baseline MAC with Yosys (bounded SAT).",
            discussion: "Prints PROVED (exit 0), or FAILED with a counterexample (the operands of every cycle) or UNDECIDED when a solver runs out of time (exit 1).")
        @Argument(help: "Spec file.") var spec: String
        @Flag(help: "Prove the MAC equal to `baseline` (the only check so far; required).") var equiv = false
        @Option(help: "Accumulate cycles to prove, from all-zero registers (1...64).") var cycles: Int = 8
        @Option(help: "Keep the miter, script and log in this directory.") var workDir: String?
        @Option(help: "Seconds each solver may run before the result is UNDECIDED (exit 1).") var timeout: Double = 600

        func run() throws {
            guard equiv else { throw HWGenError.badInput("verify: nothing to check (allowed: --equiv)") }
            guard (1...64).contains(cycles) else {
                throw HWGenError.badInput("--cycles: \(cycles) is out of range (allowed: 1...64)")
            }
            let s = try DesignSpec.load(path: spec)
            let fm = FileManager.default
            let dir = workDir.map { URL(fileURLWithPath: $0) }
                ?? fm.temporaryDirectory.appendingPathComponent("hwgen-verify-\(UUID().uuidString)")
            guard timeout > 0 else { throw HWGenError.badInput("--timeout: \(timeout) must be > 0 s") }
            let result = try Equivalence.prove(s.macConfig, cycles: cycles, workDir: dir, timeout: timeout)
            print(result.text)
            if workDir == nil && result.proved { try? fm.removeItem(at: dir) }
            if !result.proved {
                print("  miter and log kept in \(dir.path)")
                throw ExitCode(ExitStatus.mismatch.rawValue)
            }
        }
    }
}

extension HWGenCommand {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every point of a design-space sweep (cached, in parallel here or as a Slurm array job): results.csv, results.json and pareto.svg.")
        @Argument(help: "Sweep file (.yaml).") var sweep: String
        @Option(name: .shortAndLong, help: "Output directory (with --backend slurm, on a filesystem the nodes share).") var output: String
        @Option(help: "Where the points run: local (here) or slurm (one sbatch array job).") var backend: String = "local"
        @Option(help: "Points running at once (local default: the number of cores; slurm default: no limit).") var maxParallel: Int?
        @Option(name: .short, help: "Same as --max-parallel.") var j: Int?
        @Option(help: "Slurm partition (default: the cluster's default).") var partition: String?
        @Option(help: "Slurm time limit per point, as sbatch --time takes it (e.g. 30, 2:00:00).") var time: String?
        @Option(help: "One more sbatch argument, e.g. --sbatch-arg=--account=hw (repeatable).") var sbatchArg: [String] = []
        @Option(help: "Seconds between two squeue polls.") var poll: Double = 2
        @Flag(help: "Run nothing: write each point's job.sh and DIR/array.sh (task i runs point i under Slurm, LSF or PBS) for your own scheduler; a later run without it gathers the results.") var prepareOnly = false
        @Option(help: "The Pareto plot's axes X,Y among area, gops, energy (pJ/MAC), power (mW), cycles (default: area,gops).") var pareto: String?
        @Flag(help: "Continue an earlier run in the output directory: keep its finished points, run only the others (on Slurm, follow its tasks still queued or running); with --search, reopen its study.") var resume = false
        @Option(help: "Search the space instead of running the grid: nsga2, tpe or random (Optuna; the sweep file's objectives and constraints).") var search: String?
        @Option(help: "With --search: how many distinct points to evaluate.") var budget: Int?
        @Option(help: "With --search: the sampler's seed.") var seed: Int = 1
        @Option(help: "With --search: trials asked per batch (NSGA-II's population; TPE's random start).") var population: Int = 16
        @Option(help: "Keep the points' results here instead of OUTPUT/points (share one cache between grids and searches).") var cache: String?

        func run() throws {
            let parallel = maxParallel ?? j
            if let n = parallel, n < 1 { throw HWGenError.badInput("--max-parallel: \(n) must be at least 1") }
            guard poll > 0 else { throw HWGenError.badInput("--poll: \(poll) must be positive") }
            let chosen: HWGen.Sweep.Backend
            switch backend {
            case "local" where prepareOnly:
                chosen = .jobsOnly
            case "local":
                if let (name, _) = [("--partition", partition), ("--time", time), ("--sbatch-arg", sbatchArg.first)].first(where: { $0.1 != nil }) {
                    throw HWGenError.badInput("\(name): only with --backend slurm")
                }
                chosen = .local(jobs: parallel ?? ProcessInfo.processInfo.activeProcessorCount)
            case "slurm":
                if prepareOnly { throw HWGenError.badInput("--prepare-only: only with --backend local (it submits nothing)") }
                chosen = .slurm(SlurmOptions(partition: partition, maxParallel: parallel, timeLimit: time, extraArguments: sbatchArg, pollSeconds: poll))
            default:
                throw HWGenError.badInput("--backend: '\(backend)' is not a backend (allowed: local, slurm)")
            }
            var spec = try SweepSpec.load(path: sweep)
            if let pareto {
                guard spec.objectives.isEmpty else { throw HWGenError.badInput("--pareto: \(sweep) names objectives, which decide the front and the plot (remove --pareto or objectives)") }
                spec.pareto = try SweepAxis.pair(pareto, steps: spec.steps)
            }
            var options: Search.Options? = nil
            if let search {
                guard let method = Search.Method(rawValue: search) else {
                    throw HWGenError.badInput("--search: '\(search)' is not a method (allowed: \(Search.Method.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard let budget else { throw HWGenError.badInput("--search: needs --budget N (distinct points to evaluate)") }
                if prepareOnly { throw HWGenError.badInput("--prepare-only: not with --search (each batch depends on the results of the last)") }
                options = Search.Options(method: method, budget: budget, seed: seed, population: population, resume: resume)
                try Search.check(spec, options!)
            } else if let (name, _) = [("--budget", budget.map(String.init))].first(where: { $0.1 != nil }) {
                throw HWGenError.badInput("\(name): only with --search")
            }
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let isTTY = isatty(2) == 1
            let points: [HWGen.Sweep.PointResult]
            var stoppedBy: Int32? = nil
            var searched: Search.Outcome? = nil
            let progress: @Sendable (String) -> Void = { line in
                FileHandle.standardError.write(Data((isTTY ? "\r\u{1B}[K" + line : line + "\n").utf8))
            }
            let outDir = URL(fileURLWithPath: output), pointsDir = cache.map { URL(fileURLWithPath: $0) }
            do {
                if let options {
                    searched = try Search.run(spec, options: options, outDir: outDir, pointsDir: pointsDir, backend: chosen, hwgen: exe, progress: progress)
                    points = searched!.points
                } else {
                    points = try HWGen.Sweep.run(spec, outDir: outDir, pointsDir: pointsDir, backend: chosen, resume: resume, hwgen: exe, progress: progress)
                }
            } catch let e as SweepInterrupted {
                (points, stoppedBy) = (e.points, e.signal)
            }
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            if let s = searched {
                print("search \(spec.source) (\(search!), seed \(seed)): \(points.count) of the space's \(spec.size) points evaluated in \(s.trials) trials; "
                      + "stopped: \(s.stopped); hypervolume \(String(format: "%.4f", s.convergence.last ?? 0)); \(output)/convergence.svg")
            }
            let failed = points.filter { $0.status == "failed" }, unfinished = points.filter { $0.status == "unfinished" }
            print("sweep \(spec.source): \(points.count) points, \(points.filter(\.cached).count) from the cache, \(failed.count) failed, "
                  + (unfinished.isEmpty ? "" : "\(unfinished.count) unfinished, ")
                  + "\(points.filter(\.pareto).count) on the Pareto front; \(output)/results.csv, results.json, pareto.svg")
            if prepareOnly {
                let n = unfinished.count, dir = URL(fileURLWithPath: output).path
                print(n == 0 ? "nothing to run: every point has a result" : """
                    \(n) point(s) to run: \(dir)/array.sh runs point i as array task i (0-based), each writing its own result into \(dir)/points/
                      Slurm: sbatch --array=0-\(n - 1) \(dir)/array.sh
                      LSF:   bsub -J "hwgen-\(spec.name)[1-\(n)]" -o \(dir)/%J_%I.out sh \(dir)/array.sh
                      PBS:   qsub -J 0-\(n - 1) \(dir)/array.sh
                    then \(CommandLine.arguments[0]) sweep \(sweep) -o \(output) gathers the results (and runs any point left without one)
                    """)
                return
            }
            for f in failed + unfinished {
                let what = zip(spec.fields, f.values).map { "\($0.path)=\($1)" }.joined(separator: " ")
                print("  \(f.status): \(what) (\(f.note.map { "\($0); " } ?? "")log: \(f.log))")
            }
            if let sig = stoppedBy {
                let again = search.map { " --search \($0) --budget \(budget!) --seed \(seed) --population \(population)" } ?? ""
                print("interrupted: the unfinished points run with: hwgen sweep \(sweep) -o \(output) --backend \(backend)\(again)\(cache.map { " --cache \($0)" } ?? "") --resume")
                throw ExitCode(128 + sig)
            }
        }
    }
}

// Argument errors exit 2 like every other bad input; HWGen errors exit with their own status.
Tools.stopChildrenOnSignals()
// `--version` prints the tools found as well, which ArgumentParser's static string cannot.
if CommandLine.arguments.dropFirst() == ["--version"] {
    print(Versions.report())
    exit(0)
}
do {
    var command = try HWGenCommand.parseAsRoot()
    try command.run()
} catch let e as HWGenError {
    FileHandle.standardError.write(Data((e.description + "\n").utf8))
    exit(e.status.rawValue)
} catch let e as ExitCode {
    exit(e.rawValue)
} catch {
    let code = HWGenCommand.exitCode(for: error)
    if code == .success { HWGenCommand.exit(withError: error) }
    FileHandle.standardError.write(Data((HWGenCommand.fullMessage(for: error) + "\n").utf8))
    exit(ExitStatus.badInput.rawValue)
}
