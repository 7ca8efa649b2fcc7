import Foundation
import TextTable

/// A network on a design, layer by layer, from the golden cycle model alone (`hwgen workload`).
public struct WorkloadReport: Codable, Sendable {
    /// One layer's figures.
    public struct Layer: Codable, Sendable {
        public var name: String
        public var op: String
        public var m: Int
        public var k: Int
        public var n: Int
        public var groups: Int
        public var macs: Int
        /// Golden cycles of all the layer's GEMMs (a GEMM engine's chunked schedule where one does not fit).
        public var cycles: Int
        /// Runs of the GEMM engine per group (1 where the GEMM fits the buffers; nil for a bare engine).
        public var runs: Int?
        public var utilizationPercent: Double
        /// Bytes between DRAM and the buffers: A and B loaded, C read back (the engine's operand and
        /// result words; a bare engine moves A, B and C once).
        public var dramBytes: Int
        /// Time at Fmax, µs; with `--dram-gbps`, the time the bytes need at that bandwidth and the larger of the two.
        public var computeUS: Double?
        public var dramUS: Double?
        public var timeUS: Double?
        /// Energy from the calibration's per-action energies (``EnergyModel``), µJ, and its memory
        /// macros' part (accesses and leakage).
        public var energyUJ: Double?
        public var memoryEnergyUJ: Double?
    }

    public struct Total: Codable, Sendable {
        public var cycles: Int
        public var macs: Int
        public var utilizationPercent: Double
        public var dramBytes: Int
        public var timeUS: Double?
        public var energyUJ: Double?
        public var memoryEnergyUJ: Double?
    }

    public var design: String
    public var workload: String
    public var macUnits: Int
    public var fmaxMHz: Double?
    public var dramGBps: Double?
    /// The energy model's calibration and logic pJ/MAC.
    public var energyCalibration: String?
    public var pjPerMAC: Double?
    public var layers: [Layer]
    public var total: Total

    /// Builds the report: each layer's golden cycles (``Design/layerCycles(_:)``), utilization
    /// against the design's MACs, DRAM bytes, and time and energy where Fmax, a bandwidth or a
    /// energy model is given.
    public init(design: Design, workload name: String, layers input: [WorkloadLayer], fmaxMHz: Double? = nil,
                dramGBps: Double? = nil, energy: EnergyModel? = nil) throws {
        self.design = design.name
        workload = name
        macUnits = design.macCount
        self.fmaxMHz = fmaxMHz
        self.dramGBps = dramGBps
        pjPerMAC = energy?.logicPJPerMAC
        energyCalibration = energy?.calibration
        let spec = design.spec
        let bytes = { (t: HWType) in (t.bits + 7) / 8 }
        var memo: [GemmShape: (Int, GemmTiling?)] = [:]
        layers = try input.map { l in
            let shape = GemmShape(m: l.m, k: l.k, n: l.n)
            let (one, tiling) = try memo[shape] ?? design.layerCycles(shape)
            memo[shape] = (one, tiling)
            let cycles = one * l.groups
            let moved = l.groups * (tiling.map { $0.bytesIn + $0.bytesOut }
                ?? (l.m * l.k * bytes(spec.mac.a) + l.k * l.n * bytes(spec.mac.b) + l.m * l.n * bytes(spec.mac.acc)))
            let compute = fmaxMHz.map { Double(cycles) / $0 }
            let dram = dramGBps.map { Double(moved) / ($0 * 1e3) }
            let time = compute.map { c in max(c, dram ?? 0) }
            let pj = try energy.map { e in
                try e.layerPJ(design: design, macs: l.macs, cycles: cycles, runs: Self.runs(tiling, shape).map { ($0.shape, $0.count * l.groups) })
            }
            return Layer(name: l.name, op: l.op, m: l.m, k: l.k, n: l.n, groups: l.groups, macs: l.macs, cycles: cycles,
                         runs: design.harness.gemmEngine == nil ? nil : (tiling?.chunks ?? 1),
                         utilizationPercent: Self.percent(l.macs, cycles, design.macCount), dramBytes: moved,
                         computeUS: compute, dramUS: dram, timeUS: time, energyUJ: pj.map { $0.total / 1e6 },
                         memoryEnergyUJ: pj.map { $0.memory / 1e6 })
        }
        let cycles = layers.reduce(0) { $0 + $1.cycles }, macs = layers.reduce(0) { $0 + $1.macs }
        total = Total(cycles: cycles, macs: macs, utilizationPercent: Self.percent(macs, cycles, design.macCount),
                      dramBytes: layers.reduce(0) { $0 + $1.dramBytes },
                      timeUS: fmaxMHz == nil ? nil : layers.reduce(0.0) { $0 + ($1.timeUS ?? 0) },
                      energyUJ: energy == nil ? nil : layers.reduce(0.0) { $0 + ($1.energyUJ ?? 0) },
                      memoryEnergyUJ: energy == nil ? nil : layers.reduce(0.0) { $0 + ($1.memoryEnergyUJ ?? 0) })
    }

    /// The runs of one GEMM: itself, or the chunks of its tiling (full chunks and the remainders).
    static func runs(_ t: GemmTiling?, _ s: GemmShape) -> [(shape: GemmShape, count: Int)] {
        guard let t else { return [(s, 1)] }
        func parts(_ total: Int, _ chunk: Int, _ count: Int) -> [(Int, Int)] {
            let last = total - chunk * (count - 1)
            return last == chunk ? [(chunk, count)] : [(chunk, count - 1), (last, 1)].filter { $0.1 > 0 }
        }
        return parts(s.m, t.m, t.countM).flatMap { m in parts(s.k, t.k, t.countK).flatMap { k in
            parts(s.n, t.n, t.countN).map { n in (GemmShape(m: m.0, k: k.0, n: n.0), m.1 * k.1 * n.1) } } }
    }

    static func percent(_ macs: Int, _ cycles: Int, _ units: Int) -> Double {
        cycles == 0 ? 0 : (Double(macs) / Double(cycles * units) * 1000).rounded() / 10
    }

    /// The Markdown table printed by `hwgen workload`, totals last.
    public var markdown: String {
        func us(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "" }
        let (runs, f, d, e) = (layers.contains { $0.runs != nil }, fmaxMHz != nil, dramGBps != nil, pjPerMAC != nil)
        let mem = runs && e
        let table = TextTable<Layer> { l in
            var c = [Column(title: "layer", value: l.name), Column(title: "op", value: l.op),
                     Column(title: "M×K×N", value: "\(l.m)×\(l.k)×\(l.n)" + (l.groups > 1 ? " ×\(l.groups)" : ""), align: .right),
                     Column(title: "cycles", value: l.cycles, align: .right)]
            if runs { c.append(Column(title: "runs", value: l.runs.map(String.init) ?? "", align: .right)) }
            c += [Column(title: "util %", value: String(format: "%.1f", l.utilizationPercent), align: .right),
                  Column(title: "DRAM bytes", value: l.dramBytes, align: .right)]
            if f { c.append(Column(title: "time µs", value: us(l.timeUS), align: .right)) }
            if d { c.append(Column(title: "DRAM µs", value: us(l.dramUS), align: .right)) }
            if e {
                c.append(Column(title: "energy µJ", value: us(l.energyUJ), align: .right))
                if mem { c.append(Column(title: "SRAM µJ", value: us(l.memoryEnergyUJ), align: .right)) }
            }
            return c
        }
        let t = total
        var text = "workload \(workload) on \(design) (\(macUnits) MACs)\n\n" + (table.string(for: layers) ?? "") + "\n"
        text += "total: \(layers.count) layers, \(t.macs) MACs, \(t.cycles) cycles, utilization \(String(format: "%.1f", t.utilizationPercent)) %, \(t.dramBytes) DRAM bytes"
        if let f = fmaxMHz, let time = t.timeUS { text += String(format: ", %.1f µs at %.1f MHz", time, f) + (dramGBps.map { String(format: " and %g GB/s", $0) } ?? "") }
        if let e = t.energyUJ, let c = energyCalibration {
            text += String(format: ", %.1f µJ", e) + (t.memoryEnergyUJ.map { $0 > 0 ? String(format: " (SRAM %.1f µJ)", $0) : "" } ?? "")
            text += "\nenergy model: \(c)"
        }
        return text + "\n"
    }

    /// One row per layer, then a `total` row.
    public var csv: String {
        func o(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "" }
        var s = "name,op,m,k,n,groups,macs,cycles,runs,utilization_percent,dram_bytes,time_us,energy_uj,sram_energy_uj\n"
        for l in layers {
            s += "\(l.name),\(l.op),\(l.m),\(l.k),\(l.n),\(l.groups),\(l.macs),\(l.cycles),\(l.runs.map(String.init) ?? ""),"
                + "\(l.utilizationPercent),\(l.dramBytes),\(o(l.timeUS)),\(o(l.energyUJ)),\(o(l.memoryEnergyUJ))\n"
        }
        s += "total,,,,,,\(total.macs),\(total.cycles),,\(total.utilizationPercent),\(total.dramBytes),\(o(total.timeUS)),\(o(total.energyUJ)),\(o(total.memoryEnergyUJ))\n"
        return s
    }

    /// A bar chart per layer: cycles (blue, left axis) and, with a pJ/MAC, energy (orange, right
    /// axis); each bar's tooltip gives the layer, its GEMM, cycles and utilization.
    public var svg: String {
        let energy = pjPerMAC != nil
        let n = Double(max(layers.count, 1))
        let (left, right, top, bottom) = (80.0, energy ? 80.0 : 30.0, 40.0, 130.0)
        let slot = max(8.0, min(40.0, 900 / n)), w = left + right + slot * n, h = 460.0
        let maxC = Double(layers.map(\.cycles).max() ?? 1), maxE = layers.compactMap(\.energyUJ).max() ?? 1
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func y(_ v: Double, _ top: Double) -> Double { h - bottom - v / max(top, 1e-12) * (h - 40 - bottom) }
        let esc = SVGText.escape
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(w / 2))" y="22" text-anchor="middle" font-size="14">\(esc("\(workload) on \(design): cycles\(energy ? " and energy" : "") per layer"))</text>
            <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="black"/>

            """
        for i in 0...4 {
            let v = maxC * Double(i) / 4
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(v, maxC) + 4))\" text-anchor=\"end\">\(Int(v))</text>\n"
            if energy {
                let e = maxE * Double(i) / 4
                s += "<text x=\"\(f(w - right + 6))\" y=\"\(f(y(e, maxE) + 4))\" fill=\"#ff7f0e\">\(String(format: "%.3g", e))</text>\n"
            }
        }
        s += "<text x=\"16\" y=\"\(f((top + h - bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f((top + h - bottom) / 2)))\" fill=\"#1f77b4\">cycles</text>\n"
        if energy {
            s += "<text x=\"\(f(w - 14))\" y=\"\(f((top + h - bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(90 \(f(w - 14)) \(f((top + h - bottom) / 2)))\" fill=\"#ff7f0e\">energy µJ</text>\n"
        }
        let barW = energy ? slot * 0.4 : slot * 0.75
        for (i, l) in layers.enumerated() {
            let x = left + slot * Double(i) + slot * 0.1
            let tip = esc("\(l.name): \(l.op) \(l.m)×\(l.k)×\(l.n)\(l.groups > 1 ? " ×\(l.groups)" : ""), \(l.cycles) cycles, \(l.utilizationPercent) % utilization"
                + (l.energyUJ.map { String(format: ", %.3f µJ", $0) } ?? ""))
            let yc = y(Double(l.cycles), maxC)
            s += "<rect x=\"\(f(x))\" y=\"\(f(yc))\" width=\"\(f(barW))\" height=\"\(f(h - bottom - yc))\" fill=\"#1f77b4\"><title>\(tip)</title></rect>\n"
            if let e = l.energyUJ {
                let ye = y(e, maxE)
                s += "<rect x=\"\(f(x + barW))\" y=\"\(f(ye))\" width=\"\(f(barW))\" height=\"\(f(h - bottom - ye))\" fill=\"#ff7f0e\"><title>\(tip)</title></rect>\n"
            }
            let lx = x + barW / (energy ? 1 : 2)
            s += "<text x=\"\(f(lx))\" y=\"\(f(h - bottom + 8))\" text-anchor=\"end\" font-size=\"9\" transform=\"rotate(-60 \(f(lx)) \(f(h - bottom + 8)))\">\(esc(l.name))</text>\n"
        }
        return s + "</svg>\n"
    }
}
