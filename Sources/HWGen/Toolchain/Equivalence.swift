import Foundation

/// Outcome of a bounded equivalence proof of a MAC unit against `baseline`.
public struct EquivalenceResult: Sendable {
    /// One cycle of a counterexample: the inputs applied and both sums seen.
    public struct Step: Sendable, Equatable {
        public let cycle: Int
        public let a: Int64, b: Int64, first: Int64
        public let unitAcc: Int64, referenceAcc: Int64
        /// The step names failing operands of a lemma; the sums are not known.
        public var operandsOnly = false
    }
    public let config: MACConfig
    /// Cycles proved (from all-zero registers, any inputs in every cycle).
    public let cycles: Int
    public let proved: Bool
    /// A solver ran out of time: neither proved nor refuted.
    public var undecided: Bool = false
    /// What was proved or failed, step by step (for compositional proofs).
    public let lemmas: [String]
    /// The failing trace when not proved, cycle by cycle.
    public let counterexample: [Step]
    /// Yosys output.
    public let log: String

    /// `PROVED …` or `FAILED …` followed by the counterexample's cycles.
    public var text: String {
        let what = "mac \(config.types) \(config.kind.rawValue) pipeline \(config.pipeline) equals baseline"
        if proved {
            if lemmas.isEmpty { return "PROVED \(what) for \(cycles) cycles from reset, all operands (yosys sat)" }
            return (["PROVED \(what):"] + lemmas.map { "  " + $0 }).joined(separator: "\n")
        }
        var lines = [(undecided ? "UNDECIDED " : "FAILED ") + what + (counterexample.isEmpty ? "" : ": counterexample")]
            + lemmas.map { "  " + $0 }
        for s in counterexample where s.operandsOnly {
            lines.append("  failing operands: a=\(s.a) b=\(s.b)")
        }
        for s in counterexample where !s.operandsOnly {
            lines.append("  cycle \(s.cycle): a=\(s.a) b=\(s.b) first=\(s.first) -> \(config.kind.rawValue) acc=\(s.unitAcc), baseline acc=\(s.referenceAcc)"
                         + (s.unitAcc != s.referenceAcc ? "  <- differs" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// Proves MAC units equal to the baseline: a bounded model check with Yosys's SAT solver, split
/// for Booth and bit-serial units into lemmas (SAT cannot unroll a Booth or a serial unit and an
/// array multiplier over several cycles: 8-bit units do not finish in 5 minutes).
public enum Equivalence {
    /// Largest operand space (a bits + b bits) the product lemma enumerates exhaustively.
    public static let exhaustiveBits = 20

    /// Proves `config`'s unit equal to `baseline` pipeline 0 for `cycles` cycles from all-zero
    /// registers, any operands and `first` flags in every cycle.
    ///
    /// - baseline, shiftadd and saturating units: `sat -seq` on ``EquivalenceMiter`` (unit against the baseline
    ///   reference of the same accumulator, with weight codes decoded, aligned).
    /// - booth: (A) the Booth rows sum to a·b modulo 2^acc, for every operand pair: exhaustive
    ///   simulation of ``ProductMiter`` on Icarus up to ``exhaustiveBits`` operand bits, ABC `&cec`
    ///   beyond; (B) `sat -seq` on ``AccumulationMiter``: with any rows in every cycle, the unit's
    ///   sum equals acc + Σ rows. Together: the unit accumulates a·b like the baseline.
    /// - bitserial: (A) the digit row equals lane·digit for every pre-shifted `a` lane and digit
    ///   code; (B) as for booth, one row per cycle; (C) the serializers' digits and lanes of every
    ///   operand pair, from a cleared sum, give a·b: exhaustive simulation of ``EquivalenceMiter``
    ///   on Icarus up to ``exhaustiveBits`` operand bits (undecided beyond).
    /// A solver that exceeds `timeout` seconds leaves the result undecided (never proved).
    public static func prove(_ config: MACConfig, cycles: Int = 8, workDir: URL,
                             timeout: TimeInterval = 600) throws -> EquivalenceResult {
        let fm = FileManager.default
        try fm.createDirectory(at: workDir, withIntermediateDirectories: true)
        if config.types.float != nil {
            throw HWGenError.badInput("verify --equiv: float MACs have no integer baseline to be proved equal to; they are checked against scripts/float_oracle.py by co-simulation (allowed: an integer mac.a and mac.b)")
        }
        if config.group != nil {
            throw HWGenError.badInput("verify --equiv: units with mac.group are not covered by the equivalence proof (allowed: a spec without mac.group)")
        }
        // A unit adding whole products (any saturating unit too) is compared directly; a unit adding
        // rows (Booth, digit rows) by lemmas: its rows, then its accumulation.
        let unit = MACUnit(config)
        if unit.arithmetic.pairsElements { return try provePairs(config, cycles: cycles, workDir: workDir, timeout: timeout) }
        if config.types.saturating || unit.rowTypes.isEmpty {
            let miter = EquivalenceMiter(config)
            let r = try bmc(miter.module, checkFrom: miter.checkFrom, cycles: cycles, types: config.types,
                            workDir: workDir, timeout: timeout)
            return EquivalenceResult(config: config, cycles: cycles, proved: r.proved, undecided: r.timedOut,
                                     lemmas: r.timedOut ? ["yosys sat did not finish in \(Int(timeout)) s"] : [],
                                     counterexample: r.trace, log: r.log)
        } else {
            let product = try proveProduct(config, workDir: workDir, abcTimeout: timeout)
            guard product.proved else {
                return EquivalenceResult(config: config, cycles: cycles, proved: false, undecided: product.undecided,
                                         lemmas: [product.text], counterexample: product.trace, log: product.log)
            }
            if unit.arithmetic.carrySave && config.pipeline <= 1 {
                // The carry-save state has an inductive invariant: proved for every cycle, not a bound.
                let r = try induction(InductiveAccumulationMiter(config).module, types: config.types,
                                      workDir: workDir, timeout: timeout)
                if r.proved || r.timedOut {
                    let accumulation = r.proved ? "accumulation equals acc + Σ rows for any rows in every cycle (yosys sat, 1-induction)"
                        : "accumulation lemma undecided: yosys sat induction did not finish in \(Int(timeout)) s"
                    return EquivalenceResult(config: config, cycles: cycles, proved: r.proved, undecided: r.timedOut,
                                             lemmas: [product.text, accumulation], counterexample: [], log: product.log + r.log)
                }
                // Not preserved: look for a reachable counterexample within `cycles`.
                let miter = AccumulationMiter(config)
                let b = try bmc(miter.module, checkFrom: miter.checkFrom, cycles: cycles, types: config.types,
                                workDir: workDir, timeout: timeout)
                let found = b.trace.isEmpty ? "none within \(cycles) cycles from reset" : "found, below"
                return EquivalenceResult(config: config, cycles: cycles, proved: false, undecided: b.trace.isEmpty,
                                         lemmas: [product.text, "accumulation invariant is not preserved by a cycle (yosys sat induction step); "
                                                  + "counterexample from reset: \(found)"],
                                         counterexample: b.trace, log: product.log + r.log + b.log)
            }
            let miter = AccumulationMiter(config)
            let r = try bmc(miter.module, checkFrom: miter.checkFrom, cycles: cycles, types: config.types,
                            workDir: workDir, timeout: timeout)
            let accumulation = r.proved ? "accumulation equals acc + Σ rows for any rows, \(cycles) cycles from reset (yosys sat)"
                : r.timedOut ? "accumulation lemma undecided: yosys sat did not finish in \(Int(timeout)) s"
                : "accumulation differs from acc + Σ rows (yosys sat)"
            let lemmas = [product.text, accumulation]
            guard r.proved, config.kind == .bitserial else {
                return EquivalenceResult(config: config, cycles: cycles, proved: r.proved, undecided: r.timedOut,
                                         lemmas: lemmas, counterexample: r.trace, log: product.log + r.log)
            }
            guard config.types.a.bits + config.types.b.bits <= exhaustiveBits else {
                return EquivalenceResult(config: config, cycles: cycles, proved: false, undecided: true,
                                         lemmas: lemmas + ["serialization lemma undecided: more than \(exhaustiveBits) operand bits to enumerate"],
                                         counterexample: [], log: product.log + r.log)
            }
            let serial = try proveSerialization(config, workDir: workDir)
            return EquivalenceResult(config: config, cycles: cycles, proved: serial.proved, lemmas: lemmas + [serial.text],
                                     counterexample: serial.trace, log: product.log + r.log + serial.log)
        }
    }

    /// Lemma A: the kind's product rows sum to the product of its ports for every operand pair.
    static func proveProduct(_ config: MACConfig, workDir: URL, abcTimeout: TimeInterval)
        throws -> (proved: Bool, undecided: Bool, text: String, trace: [EquivalenceResult.Step], log: String) {
        let product = ProductMiter(config)
        let t = MACTypes(a: product.operandTypes.a, b: product.operandTypes.b, acc: config.types.acc)
        let miter = product.module
        let paths = try write(Verilog.emit(miter), to: workDir)
        let pairs = 1 << (t.a.bits + t.b.bits)
        let what = config.kind == .bitserial ? "digit rows equal a·digit" : "partial products sum to a·b"
        if t.a.bits + t.b.bits <= exhaustiveBits {
            let tb = workDir.appendingPathComponent("tb_\(miter.name).v")
            try """
            module tb_\(miter.name);
                reg  [\(t.a.bits - 1):0] a;
                reg  [\(t.b.bits - 1):0] b;
                wire bad;
                integer i, j, fails;
                \(miter.name) dut (.a(a), .b(b), .bad(bad));
                initial begin
                    fails = 0;
                    for (i = 0; i < \(1 << t.a.bits); i = i + 1)
                        for (j = 0; j < \(1 << t.b.bits); j = j + 1) begin
                            a = i; b = j; #1;
                            if (bad !== 1'b0) begin
                                if (fails == 0) $display("HWGEN CEX a=%0d b=%0d", a, b);
                                fails = fails + 1;
                            end
                        end
                    $display("HWGEN PRODUCT pairs=%0d fails=%0d", \(pairs), fails);
                    $finish;
                end
            endmodule

            """.write(to: tb, atomically: true, encoding: .utf8)
            let (line, r) = try simulate(tb, with: paths, what: "product", workDir: workDir)
            let proved = line.hasSuffix("fails=0")
            let trace = r.stdout.split(separator: "\n").first { $0.hasPrefix("HWGEN CEX") }.map { cexStep($0, t) } ?? []
            let text = proved ? "\(what) for all \(pairs) operand pairs (exhaustive, Icarus)"
                              : "\(what): fails (\(line))"
            return (proved, false, text, trace, r.combined)
        }
        let r = try cec(miter, paths: paths, workDir: workDir, timeout: abcTimeout)
        if r.timedOut {
            return (false, true, "product lemma undecided: ABC &cec did not finish in \(Int(abcTimeout)) s", [], r.log)
        }
        return (r.proved, false, r.proved ? "\(what) for all operands (ABC &cec)"
                                          : "\(what): fails (ABC &cec)", [], r.log)
    }

    /// ABC `&cec -m` on a combinational miter whose outputs must all be constant 0.
    static func cec(_ miter: Module, paths: [URL], workDir: URL, timeout: TimeInterval) throws -> (proved: Bool, timedOut: Bool, log: String) {
        let yosys = try Tools.find("yosys", package: "yosys"), abc = try Tools.find("yosys-abc", package: "yosys")
        let aig = workDir.appendingPathComponent("\(miter.name).aig")
        let y = try Tools.run(yosys, ["-q", "-p", paths.map { "read_verilog \"\($0.path)\"" }.joined(separator: "; ")
                                      + "; prep -top \(miter.name); flatten; techmap; opt -fast; aigmap; write_aiger \"\(aig.path)\""],
                              in: workDir, timeout: 600)
        guard y.status == 0 else { throw HWGenError.badInput("yosys failed on the miter \(miter.name): \(y.combined.prefix(300))") }
        let r = try Tools.run(abc, ["-c", "read_aiger \(aig.path); &get; &cec -m"], in: workDir, timeout: timeout)
        return (!r.timedOut && r.combined.contains("Networks are equivalent"), r.timedOut, r.combined)
    }

    /// A kind that pairs elements (FFIP): (A) the pair identity, its rows minus a₀a₁ and b₀b₁
    /// equal a₀b₀ + a₁b₁ modulo 2^acc for every operand quadruple (exhaustive, Icarus, up to
    /// ``exhaustiveBits`` operand bits; beyond, undecided: SAT does not decide this multiplier
    /// identity — ABC `&cec` ran 5 minutes on 8-bit operands without an answer); (B) the MAC an
    /// output-stationary PE builds on the pair sums equals the baseline one (`sat -seq`). How engines
    /// accumulate the pair products and subtract the corrections is covered by co-simulation.
    static func provePairs(_ config: MACConfig, arithmetic: (any MACArithmetic)? = nil, cycles: Int, workDir: URL,
                           timeout: TimeInterval) throws -> EquivalenceResult {
        let t = config.types, bits = 2 * (t.a.bits + t.b.bits)
        let what = "(a0+b1)(a1+b0) − a0·a1 − b0·b1 = a0·b0 + a1·b1 modulo 2^\(t.acc.bits)"
        guard bits <= exhaustiveBits else {
            return EquivalenceResult(config: config, cycles: cycles, proved: false, undecided: true,
                                     lemmas: ["pair identity undecided: \(bits) operand bits to enumerate, more than \(exhaustiveBits), and SAT "
                                              + "does not decide multiplier identities of this size (narrower operands are enumerated)"],
                                     counterexample: [], log: "")
        }
        let miter = PairMiter(config, arithmetic: arithmetic).module
        let paths = try write(Verilog.emit(miter), to: workDir)
        let tb = workDir.appendingPathComponent("tb_\(miter.name).v")
        try """
        module tb_\(miter.name);
            reg  [\(bits - 1):0] x;
            wire bad;
            integer i, fails;
            \(miter.name) dut (.a0(x[\(t.a.bits - 1):0]), .a1(x[\(2 * t.a.bits - 1):\(t.a.bits)]),
                                .b0(x[\(2 * t.a.bits + t.b.bits - 1):\(2 * t.a.bits)]), .b1(x[\(bits - 1):\(2 * t.a.bits + t.b.bits)]), .bad(bad));
            initial begin
                fails = 0;
                for (i = 0; i < \(1 << bits); i = i + 1) begin
                    x = i; #1;
                    if (bad !== 1'b0) begin
                        if (fails == 0) $display("HWGEN CEX x=%0d", x);
                        fails = fails + 1;
                    end
                end
                $display("HWGEN PAIR quadruples=%0d fails=%0d", \(1 << bits), fails);
                $finish;
            end
        endmodule

        """.write(to: tb, atomically: true, encoding: .utf8)
        let (line, sim) = try simulate(tb, with: paths, what: "pair", workDir: workDir)
        guard line.hasSuffix("fails=0") else {
            return EquivalenceResult(config: config, cycles: cycles, proved: false,
                                     lemmas: ["\(what) fails (\(line); first: \(sim.stdout.split(separator: "\n").first { $0.hasPrefix("HWGEN CEX") } ?? ""))"],
                                     counterexample: [], log: sim.combined)
        }
        let identity = "\(what) for all \(1 << bits) operand quadruples (exhaustive, Icarus)"
        let x = WidthRules.add(config.types.a, config.types.b)
        let pe = MACConfig(MACTypes(a: x, b: x, acc: config.types.acc), kind: (arithmetic ?? MACRegistry.arithmetic(config.kind)).pairMACKind,
                           pipeline: config.pipeline)
        // (B) by the proof of that kind (a baseline MAC directly, a Booth one by its lemmas).
        let inner = try prove(pe, cycles: cycles, workDir: workDir, timeout: timeout)
        let head = "the PEs' \(pe.kind.rawValue) MAC of the pair sums (\(x) × \(x), pipeline \(config.pipeline))"
        let mac = inner.proved ? (inner.lemmas.isEmpty ? ["\(head) equals the baseline MAC for \(cycles) cycles from reset (yosys sat)"]
                                                       : ["\(head) equals the baseline MAC:"] + inner.lemmas.map { "  " + $0 })
            : ["\(head): " + (inner.undecided ? "undecided" : "differs from the baseline MAC")] + inner.lemmas.map { "  " + $0 }
        return EquivalenceResult(config: config, cycles: cycles, proved: inner.proved, undecided: inner.undecided,
                                 lemmas: [identity] + mac, counterexample: inner.counterexample, log: sim.combined + inner.log)
    }

    /// Lemma for `bitserial`: the serializers' digits and shifted operands of every operand pair,
    /// loaded into a cleared sum, add up to a·b. Exhaustive simulation of ``EquivalenceMiter``
    /// on Icarus, one pair per element with `first` set, checking `ok` in every cycle.
    static func proveSerialization(_ config: MACConfig, workDir: URL)
        throws -> (proved: Bool, text: String, trace: [EquivalenceResult.Step], log: String) {
        let t = config.types, unit = MACUnit(config), d = unit.elementCycles
        let miter = EquivalenceMiter(config).module
        let paths = try write(Verilog.emit(miter), to: workDir)
        let pairs = 1 << (t.a.bits + t.b.bits)
        // The element checked in cycle c was loaded in cycle c − (d − 1 + latency), its upper half a cycle earlier.
        let tb = workDir.appendingPathComponent("tb_\(miter.name).v")
        try """
        module tb_\(miter.name);
            reg  clk, rst, first;
            reg  [\(t.a.bits - 1):0] a;
            reg  [\(t.b.bits - 1):0] b;
            reg  [\(t.a.bits - 1):0] ha [0:7];
            reg  [\(t.b.bits - 1):0] hb [0:7];
            wire [\(t.acc.bits - 1):0] unit_acc, reference_acc;
            wire ok;
            integer i, j, k, c, e, fails;
            \(miter.name) dut (.clk(clk), .rst(rst), .a(a), .b(b), .first(first),
                .unit_acc(unit_acc), .reference_acc(reference_acc), .ok(ok));
            task step;
                begin
                    #1 clk = 1'b1;
                    #1 clk = 1'b0;
                    c = c + 1;
                    if (c >= \(EquivalenceMiter(config).checkFrom) && ok !== 1'b1) begin
                        e = (c - \(d - 1 + unit.latency)) / \(d);
                        if (fails == 0) $display("HWGEN CEX a=%0d b=%0d", ha[e % 8], hb[e % 8]);
                        fails = fails + 1;
                    end
                end
            endtask
            initial begin
                fails = 0; c = -1; e = 0;
                clk = 1'b0; rst = 1'b1; first = 1'b1; a = 0; b = 0;
                #1 clk = 1'b1;
                #1 clk = 1'b0;
                rst = 1'b0;
                for (i = 0; i < \(1 << t.a.bits); i = i + 1)
                    for (j = 0; j < \(1 << t.b.bits); j = j + 1) begin
                        a = i; b = j;
                        ha[(i * \(1 << t.b.bits) + j) % 8] = a;
                        hb[(i * \(1 << t.b.bits) + j) % 8] = b;
                        for (k = 0; k < \(d); k = k + 1) step;
                    end
                first = 1'b0; a = 0; b = 0;
                for (k = 0; k < \(2 * d + unit.latency + 1); k = k + 1) step;
                $display("HWGEN SERIAL pairs=%0d fails=%0d", \(pairs), fails);
                $finish;
            end
        endmodule

        """.write(to: tb, atomically: true, encoding: .utf8)
        let (line, r) = try simulate(tb, with: paths, what: "serial", workDir: workDir)
        let lines = r.stdout.split(separator: "\n")
        let proved = line.hasSuffix("fails=0")
        let trace = lines.first { $0.hasPrefix("HWGEN CEX") }.map { cexStep($0, t) } ?? []
        return (proved, proved ? "the serialized digits of all \(pairs) operand pairs, from a cleared sum, give a·b (exhaustive, Icarus)"
                               : "serialized digits differ from a·b (\(line))", trace, r.combined)
    }

    /// Builds and runs a miter testbench on Icarus; returns its `HWGEN <WHAT> …` result line.
    private static func simulate(_ tb: URL, with sources: [URL], what: String, workDir: URL) throws -> (Substring, CommandResult) {
        let (iverilog, vvp) = (try Tools.find("iverilog", package: "iverilog"), try Tools.find("vvp", package: "iverilog"))
        let sim = workDir.appendingPathComponent("\(what).vvp")
        let c = try Tools.run(iverilog, ["-g2005", "-o", sim.path] + sources.map(\.path) + [tb.path], in: workDir, timeout: 600)
        guard c.status == 0 else { throw HWGenError.badInput("iverilog failed on the \(what) miter: \(c.combined.prefix(300))") }
        let r = try Tools.run(vvp, ["-n", sim.path], in: workDir, timeout: 3600)
        guard let line = r.stdout.split(separator: "\n").first(where: { $0.hasPrefix("HWGEN \(what.uppercased())") }) else {
            throw HWGenError.badInput("\(what) miter simulation printed no result (log in \(workDir.path))")
        }
        return (line, r)
    }

    /// The operands of a `HWGEN CEX a=… b=…` line as a one-step trace.
    private static func cexStep(_ line: Substring, _ t: MACTypes) -> [EquivalenceResult.Step] {
        let f = line.split(separator: " ").compactMap { $0.split(separator: "=").last.flatMap { UInt64($0) } }
        guard f.count == 2 else { return [] }
        return [.init(cycle: 0, a: signedValue(f[0], t.a), b: signedValue(f[1], t.b), first: 1, unitAcc: 0, referenceAcc: 0,
                      operandsOnly: true)]
    }

    /// `sat -tempinduct`: `ok` holds in the all-zero state and is preserved by every cycle.
    static func induction(_ top: Module, types: MACTypes, workDir: URL, timeout: TimeInterval)
        throws -> (proved: Bool, timedOut: Bool, trace: [EquivalenceResult.Step], log: String) {
        try runSat(top, "sat -tempinduct -maxsteps 1 -set-init-zero" + (top.port("rst") != nil ? " -set rst 0" : "")
                   + " -prove ok 1 -show-inputs -show-outputs \(top.name)", types: types, workDir: workDir, timeout: timeout)
    }

    /// `sat -seq` from all-zero registers: `ok` must be 1 from cycle `checkFrom` on, `cycles` more.
    static func bmc(_ top: Module, checkFrom: Int, cycles: Int, types: MACTypes, workDir: URL, timeout: TimeInterval)
        throws -> (proved: Bool, timedOut: Bool, trace: [EquivalenceResult.Step], log: String) {
        try runSat(top, "sat -seq \(checkFrom + cycles) -set-init-zero" + (top.port("rst") != nil ? " -set rst 0" : "")
                   + " -prove ok 1 -prove-skip \(checkFrom) -show-inputs -show-outputs \(top.name)",
                   types: types, workDir: workDir, timeout: timeout)
    }

    /// Runs one Yosys `sat` command on `top`; a failed proof's trace is parsed for the counterexample.
    private static func runSat(_ top: Module, _ command: String, types: MACTypes, workDir: URL, timeout: TimeInterval)
        throws -> (proved: Bool, timedOut: Bool, trace: [EquivalenceResult.Step], log: String) {
        let yosys = try Tools.find("yosys", package: "yosys")
        let paths = try write(Verilog.emit(top), to: workDir)
        let script = paths.map { "read_verilog \"\($0.path)\"" } + ["prep -top \(top.name)", "flatten", "opt_clean", command]
        let ys = workDir.appendingPathComponent("\(top.name).ys")
        try script.joined(separator: "\n").write(to: ys, atomically: true, encoding: .utf8)
        let r = try Tools.run(yosys, ["-s", ys.path], in: workDir, timeout: timeout)
        let log = r.combined
        try log.write(to: workDir.appendingPathComponent("\(top.name).log"), atomically: true, encoding: .utf8)
        if r.timedOut { return (false, true, [], log) }
        // Without -verify, Yosys prints the failing model; the verdict is read from the log.
        if r.status == 0 && (log.contains("no model found: SUCCESS!") || log.contains("Induction step proven: SUCCESS!")) {
            return (true, false, [], log)
        }
        // A failed induction step has no trace: the state it starts from need not be reachable.
        if r.status == 0 && log.contains("Reached maximum number of time steps -> proof failed") { return (false, false, [], log) }
        let trace = r.status == 0 && log.contains("model found: FAIL!") ? parseTrace(log, types: types) : []
        guard !trace.isEmpty else {
            let line = log.split(separator: "\n").first { $0.contains("ERROR") }.map(String.init) ?? "exit status \(r.status)"
            throw HWGenError.badInput("yosys sat failed: \(line) (log: \(workDir.path)/\(top.name).log)")
        }
        return (false, false, trace, log)
    }

    private static func write(_ files: [VerilogFile], to dir: URL) throws -> [URL] {
        try files.map { f in
            let url = dir.appendingPathComponent(f.name)
            try f.text.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
    }

    static func signedValue(_ u: UInt64, _ type: HWType) -> Int64 {
        let n = type.bits
        if type.signed && n < 64 && u >> (n - 1) & 1 == 1 { return Int64(u) - (Int64(1) << n) }
        return Int64(bitPattern: u)
    }

    /// Reads the `-show-inputs -show-outputs` table of a failed `sat -seq` run:
    /// rows `  <step> \\<signal> <dec> <hex> <bin>`.
    static func parseTrace(_ log: String, types: MACTypes) -> [EquivalenceResult.Step] {
        var values: [Int: [String: String]] = [:]
        for line in log.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, let step = Int(f[0]), f[1].hasPrefix("\\") else { continue }
            values[step, default: [:]][String(f[1].dropFirst())] = String(f[f.count - 1])
        }
        func number(_ bits: String?, _ type: HWType) -> Int64 {
            guard let bits, let u = UInt64(bits, radix: 2) else { return 0 }
            return signedValue(u, HWType(bits: bits.count, signed: type.signed))
        }
        return values.keys.sorted().map { s in
            let v = values[s]!
            return .init(cycle: s - 1, a: number(v["a"], types.a), b: number(v["b"], types.b),
                         first: number(v["first"], .bit), unitAcc: number(v["unit_acc"], types.acc),
                         referenceAcc: number(v["reference_acc"], types.acc))
        }
    }
}
