import Foundation

/// Where a run's operands come from: A and B from `.npy` files, or a random GEMM of a shape and
/// seed; group exponents and per-column scales from files, or random with random operands.
public struct OperandSource: Sendable {
    /// The random GEMM's shape (nil: the design's ``Design/defaultShape``).
    public var gemm: GemmShape?
    public var seed: UInt64
    public var aPath: String?
    public var bPath: String?
    public var groupScales: String?
    /// MX block scales of A (M × ⌈K/block⌉) and B (⌈K/block⌉ × N), E8M0 codes.
    public var scalesA: String?
    public var scalesB: String?
    public var multipliers: String?
    public var shifts: String?

    public init(gemm: GemmShape? = nil, seed: UInt64 = 1, aPath: String? = nil, bPath: String? = nil,
                groupScales: String? = nil, scalesA: String? = nil, scalesB: String? = nil, multipliers: String? = nil, shifts: String? = nil) {
        self.gemm = gemm
        self.seed = seed
        self.aPath = aPath
        self.bPath = bPath
        self.groupScales = groupScales
        self.scalesA = scalesA
        self.scalesB = scalesB
        self.multipliers = multipliers
        self.shifts = shifts
    }

    /// The operands for `design`, checked against it (``Design/checkOperands(_:bName:)``), and a
    /// label for reports: `gemm 37x100x21 seed 7`.
    public func load(_ design: Design) throws -> (ops: GemmOperands, label: String) {
        try design.checkGemm()
        let spec = design.spec
        var ops: GemmOperands, label: String
        switch (aPath, bPath) {
        case let (a?, b?):
            guard gemm == nil else { throw HWGenError.badInput("--gemm cannot be combined with --a/--b") }
            let (ma, mb) = try Operands.load(a: a, b: b, mac: spec.mac)
            (ops, label) = (GemmOperands(a: ma, b: mb), "gemm \(ma.rows)x\(ma.cols)x\(mb.cols) from \(a), \(b)")
        case (nil, nil):
            let shape = gemm ?? design.defaultShape
            let (a, b) = Operands.random(shape: shape, mac: spec.mac, seed: seed, sparsity: spec.engine.sparsity)
            (ops, label) = (GemmOperands(a: a, b: b), "gemm \(shape.m)x\(shape.k)x\(shape.n) seed \(seed)")
            if let g = spec.group, spec.macConfig.scalesA {
                let blocks = ceilDiv(shape.k, g)
                if scalesA == nil { ops.scalesA = Operands.randomMXScales(rows: shape.m, cols: blocks, seed: seed ^ 0x7363_6100) }
                if scalesB == nil { ops.groupScales = Operands.randomMXScales(rows: blocks, cols: shape.n, seed: seed ^ 0x7363_6200) }
            } else if let g = spec.group, spec.macConfig.groupScales, groupScales == nil {
                ops.groupScales = Operands.randomGroupScales(k: shape.k, n: shape.n, group: g, seed: seed)
            }
            if let e = spec.epilogue, e.perColumn, multipliers == nil, shifts == nil {
                let sumBits = (spec.macConfig.groupSum ?? spec.mac.product).bits + bitsFor(shape.k) / 2
                ops.columnScales = Operands.randomColumnScales(n: shape.n, sumBits: min(sumBits, spec.mac.acc.bits), out: e.out, seed: seed)
            }
        default:
            throw HWGenError.badInput("--a and --b must be given together")
        }
        let mx = spec.macConfig.scalesA
        if let path = groupScales {
            if mx { throw HWGenError.badInput("--group-scales: \(spec.source) has MX blocks, whose scales are --scales-a and --scales-b (allowed: those)") }
            ops.groupScales = try Npy.readMatrix(path: path, role: "group exponents", type: .s(64))
            label += ", exponents from \(path)"
        }
        for (option, path) in [("--scales-a", scalesA), ("--scales-b", scalesB)] {
            guard let path else { continue }
            guard mx else { throw HWGenError.badInput("\(option): \(spec.source) has no MX block format (allowed: omit \(option))") }
            let m = try Npy.readMatrix(path: path, role: option == "--scales-a" ? "A's block scales" : "B's block scales", type: .s(64))
            if option == "--scales-a" { ops.scalesA = m } else { ops.groupScales = m }
            label += ", \(option.dropFirst(2)) from \(path)"
        }
        switch (multipliers, shifts) {
        case let (m?, s?):
            ops.columnScales = ColumnScales(multipliers: try Npy.readVector(path: m), shifts: try Npy.readVector(path: s))
            label += ", column scales from \(m), \(s)"
        case (nil, nil): break
        default: throw HWGenError.badInput("--multipliers and --shifts must be given together")
        }
        try design.checkOperands(ops, bName: bPath ?? "B")
        return (ops, label)
    }
}

extension Design {
    /// A small GEMM that exercises partial tiles: (R+3)×(2C+2·depth+3)×(C+2), with K at least
    /// 2G + 3 (two whole groups and a short one) for `mac.group` G.
    public var defaultShape: GemmShape {
        let e = spec.engine
        return GemmShape(m: e.rows + 3, k: max(2 * e.cols + 2 * e.depth + 3, 2 * (spec.group ?? 0) + 3), n: e.cols + 2)
    }

    /// Loads and elaborates a spec file.
    public static func load(path: String) throws -> Design { Design(try DesignSpec.load(path: path)) }
}
