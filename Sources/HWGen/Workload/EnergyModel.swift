import Foundation

/// Per-action energies of a design from one measured GEMM (`hwgen synth --power`), as
/// Accelergy-style models count them: logic energy per MAC, each buffer macro's energy per read
/// and per write, and the macros' leakage over the layer's time.
public struct EnergyModel: Codable, Equatable, Sendable {
    /// Logic (everything but the memory macros) energy of the calibration GEMM per MAC, pJ.
    public var logicPJPerMAC: Double
    /// Bank macro models by module name (empty for a bare engine).
    public var macros: [String: SRAMMacroModel]
    /// The macros' leakage, mW, and the clock the calibration ran at, ns.
    public var memoryLeakageMW: Double
    public var clockNS: Double
    /// What was measured: `<design> <gemm> at <clock> ns, <pJ/MAC> pJ/MAC total`.
    public var calibration: String
    /// Fmax of the calibration's synthesis (the time column when no report is given), MHz.
    public var fmaxMHz: Double?

    public init(logicPJPerMAC: Double, macros: [String: SRAMMacroModel], memoryLeakageMW: Double, clockNS: Double,
                calibration: String, fmaxMHz: Double? = nil) {
        self.logicPJPerMAC = logicPJPerMAC
        self.macros = macros
        self.memoryLeakageMW = memoryLeakageMW
        self.clockNS = clockNS
        self.calibration = calibration
        self.fmaxMHz = fmaxMHz
    }

    /// The model of a synthesis report with `--power` on a GEMM; nil without power.
    public init?(_ r: SynthReport) {
        guard let p = r.power, p.pjPerMAC > 0 else { return nil }
        let macs = p.energyNJ * 1000 / p.pjPerMAC
        logicPJPerMAC = (p.memory?.logicEnergyNJ ?? p.energyNJ) * 1000 / macs
        macros = Dictionary((r.memory?.macros ?? []).map { ($0.name, $0.model) }) { a, _ in a }
        memoryLeakageMW = p.memory?.leakageMW ?? 0
        clockNS = p.clockNS
        fmaxMHz = r.fmaxMHz > 0 ? r.fmaxMHz : nil
        calibration = String(format: "%@, %d cycles at %g ns: %.3f pJ/MAC of which logic %.3f", r.design, p.cycles, p.clockNS,
                             p.pjPerMAC, logicPJPerMAC)
    }

    /// A layer's energy, pJ: logic per MAC, each run's macro accesses, and the macros' leakage
    /// over `cycles`; the memory part separately.
    func layerPJ(design: Design, macs: Int, cycles: Int, runs: [(shape: GemmShape, count: Int)]) throws -> (total: Double, memory: Double) {
        var memory = memoryLeakageMW * Double(cycles) * clockNS   // mW · ns = pJ
        if let g = design.harness.gemmEngine {
            func model(_ bank: SRAMBank) throws -> SRAMMacroModel {
                guard let m = macros[bank.name] else {
                    throw HWGenError.badInput("the energy calibration (\(calibration)) has no model of \(bank.name): it was measured on another design")
                }
                return m
            }
            for (s, count) in runs {
                for a in g.accesses(m: s.m, k: s.k, n: s.n, design: design.name) {
                    let m = try model(a.bank)
                    memory += Double(count) * (Double(a.reads) * m.readPJ + Double(a.writes) * m.writePJ)
                }
            }
            if g.cReadsEveryCycle, let c = g.accesses(m: 1, k: 1, n: 1, design: design.name).last {
                memory += Double(c.banks * cycles) * (try model(c.bank)).readPJ
            }
        }
        return (logicPJPerMAC * Double(macs) + memory, memory)
    }

    /// The calibration of a design cached by ``calibrate(_:progress:)``, if any.
    public static func cached(_ design: Design) throws -> EnergyModel? {
        guard let data = FileManager.default.contents(atPath: try cacheFile(design).path) else { return nil }
        return try? JSONDecoder().decode(EnergyModel.self, from: data)
    }

    /// Synthesizes the design (osu018, 10 ns), measures the power of its default GEMM at gate
    /// level (seed 1; Icarus for designs with memory macros, the replay otherwise) and caches the
    /// model under the cache directory, keyed by the design's Verilog.
    public static func calibrate(_ design: Design, progress: @escaping @Sendable (String) -> Void) throws -> EnergyModel {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-energy-\(design.name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let shape = design.defaultShape
        let ops = try OperandSource(gemm: shape, seed: 1).load(design)
        let r0 = try Flow.synthesize(design, clockNS: 10, workDir: work, target: .osu018, progress: progress)
        var r = r0
        let macros = !(r.memory?.macros.isEmpty ?? true)
        r.power = try GatePower.run(design, synthDir: work.appendingPathComponent("synth"), ops: ops.ops, label: ops.label,
                                    simulator: macros ? .icarus : .verilator, replay: !macros, periodNS: 10,
                                    workDir: work.appendingPathComponent("power"), progress: progress)
        guard let model = EnergyModel(r) else { throw HWGenError.mismatch("energy calibration of \(design.name): no power measured") }
        let file = try cacheFile(design)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder.sorted.encode(model).write(to: file)
        return model
    }

    static func cacheFile(_ design: Design) throws -> URL {
        let text = try design.verilog().map(\.text).joined()
        var h = FNV1a64()
        h.add(text)
        return Flow.cacheDirectory.appendingPathComponent("energy/\(design.name)-\(h.hex).json")
    }
}
