import Foundation

/// Outcome of a bounded equivalence proof of a MAC unit against `baseline`.
public struct EquivalenceResult: Sendable {
    /// One cycle of a counterexample: the inputs applied and both sums seen.
    public struct Step: Sendable, Equatable {
        public let cycle: Int
        public let a: Int64, b: Int64, first: Int64
        public let unitAcc: Int64, referenceAcc: Int64
    }
    public let config: MACConfig
    /// Cycles proved (from all-zero registers, any inputs in every cycle).
    public let cycles: Int
    public let proved: Bool
    /// The failing trace when not proved, cycle by cycle.
    public let counterexample: [Step]
    /// Yosys output.
    public let log: String

    /// `PROVED …` or `FAILED …` followed by the counterexample's cycles.
    public var text: String {
        let what = "mac \(config.types) \(config.kind.rawValue) pipeline \(config.pipeline) equals baseline"
        if proved { return "PROVED \(what) for \(cycles) cycles from reset, all operands (yosys sat)" }
        var lines = ["FAILED \(what): counterexample"]
        for s in counterexample {
            lines.append("  cycle \(s.cycle): a=\(s.a) b=\(s.b) first=\(s.first) -> \(config.kind.rawValue) acc=\(s.unitAcc), baseline acc=\(s.referenceAcc)"
                         + (s.unitAcc != s.referenceAcc ? "  <- differs" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// Proves MAC units equal to the baseline with Yosys's SAT solver (bounded model check).
public enum Equivalence {
    /// Runs `sat -seq <cycles>` on the miter of `config` against baseline: every cycle from
    /// ``EquivalenceMiter/checkFrom`` on must have equal sums, for any operands and `first` flags.
    /// A carry-save accumulator has many states with one value, so this is a bounded proof:
    /// `cycles` accumulate steps from all-zero registers (restarts by `first` included).
    public static func prove(_ config: MACConfig, cycles: Int = 8, workDir: URL) throws -> EquivalenceResult {
        let yosys = try Tools.find("yosys", package: "yosys")
        let miter = EquivalenceMiter(config)
        let files = try Verilog.emit(miter.module)
        let fm = FileManager.default
        try fm.createDirectory(at: workDir, withIntermediateDirectories: true)
        var reads: [String] = []
        for f in files {
            let url = workDir.appendingPathComponent(f.name)
            try f.text.write(to: url, atomically: true, encoding: .utf8)
            reads.append("read_verilog \"\(url.path)\"")
        }
        let top = miter.module.name
        let total = miter.checkFrom + cycles
        let script = reads + [
            "prep -top \(top)", "flatten", "opt_clean",
            "sat -seq \(total) -set-init-zero" + (miter.module.port("rst") != nil ? " -set rst 0" : "")
                + " -prove ok 1 -prove-skip \(miter.checkFrom)"
                + " -show-inputs -show-outputs -verify \(top)",
        ]
        let ys = workDir.appendingPathComponent("\(top).ys")
        try script.joined(separator: "\n").write(to: ys, atomically: true, encoding: .utf8)
        let r = try Tools.run(yosys, ["-q", "-s", ys.path], in: workDir, timeout: 3600)
        let log = r.combined
        try log.write(to: workDir.appendingPathComponent("\(top).log"), atomically: true, encoding: .utf8)
        if r.status == 0 {
            return EquivalenceResult(config: config, cycles: cycles, proved: true, counterexample: [], log: log)
        }
        let trace = parseTrace(log, types: config.types)
        guard !trace.isEmpty else {
            let line = log.split(separator: "\n").first { $0.contains("ERROR") }.map(String.init) ?? "exit status \(r.status)"
            throw HWGenError.badInput("yosys sat failed: \(line) (log: \(workDir.path)/\(top).log)")
        }
        return EquivalenceResult(config: config, cycles: cycles, proved: false, counterexample: trace, log: log)
    }

    /// Reads the `-show-inputs -show-outputs` table of a failed `sat -seq` run:
    /// rows `  <step> \<signal> <dec> <hex> <bin>`.
    static func parseTrace(_ log: String, types: MACTypes) -> [EquivalenceResult.Step] {
        var values: [Int: [String: String]] = [:]
        for line in log.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, let step = Int(f[0]), f[1].hasPrefix("\\") else { continue }
            values[step, default: [:]][String(f[1].dropFirst())] = String(f[f.count - 1])
        }
        func number(_ bits: String?, _ type: HWType) -> Int64 {
            guard let bits, let u = UInt64(bits, radix: 2) else { return 0 }
            let n = bits.count
            if type.signed && n < 64 && u >> (n - 1) == 1 { return Int64(u) - (Int64(1) << n) }
            return Int64(bitPattern: u)
        }
        return values.keys.sorted().map { s in
            let v = values[s]!
            return .init(cycle: s - 1, a: number(v["a"], types.a), b: number(v["b"], types.b),
                         first: number(v["first"], .bit), unitAcc: number(v["unit_acc"], types.acc),
                         referenceAcc: number(v["reference_acc"], types.acc))
        }
    }
}
