import Foundation

/// Gate-level activity for netlists too large for a Verilog simulator (`hwgen synth --power
/// --simulator replay`): the RTL runs on Verilator with the design's testbench and records the top's
/// input and output ports at every falling edge; HWGen then evaluates the synthesized netlist cycle
/// by cycle on those inputs — each cell's Liberty function as a truth table, in topological order,
/// each flip-flop's `next_state` at the rising edge, every flip-flop starting at 0 — compares its
/// outputs with the RTL's at every sampled edge after reset, and counts toggles and high cycles per
/// net in the testbench's window exactly as the in-netlist monitor does.
///
/// The same zero-delay, once-per-cycle model as the Verilog gate-level run, at a few bytes per net:
/// a 16×16 array (about 290,000 nets) needs no compiled model. The netlist must be clocked by `clk`
/// on rising edges only, without asynchronous set or reset, and without memory macros.
enum NetlistReplay {
    /// The netlist as evaluation tables: net 0 is constant 0, net 1 constant 1.
    struct Compiled {
        var netCount: Int
        var index: [String: Int]
        /// Top input and output port bits, in the netlist's declaration order (least significant bit first per port).
        var inputs: [String]
        var outputs: [String]
        /// Combinational functions in evaluation order: gate g reads nets `ins[start[g]..<start[g + 1]]`
        /// (at most 6), looks the combination up in `table[g]` and writes net `out[g]`.
        var start: [Int32]
        var ins: [Int32]
        var table: [UInt64]
        var out: [Int32]
        /// Flip-flops: the net holding the state and the net carrying `next_state` (a gate's output).
        var flops: [(state: Int32, next: Int32)]
    }

    /// Builds the tables of a flat Yosys netlist of `library`'s cells.
    static func compile(netlist text: String, library: LibertyLibrary, clock: String = "clk") throws -> Compiled {
        var index: [String: Int] = ["1'b0": 0, "1'b1": 1, "1'bx": 0, "1'bz": 0]
        var count = 2
        func net(_ name: String) -> Int32 {
            if let i = index[name] { return Int32(i) }
            index[name] = count
            count += 1
            return Int32(count - 1)
        }
        var widths: [String: (msb: Int, lsb: Int)] = [:]
        var inputs: [String] = [], outputs: [String] = []
        var pending: [(ins: [Int32], table: UInt64, out: Int32)] = []
        var flops: [(state: Int32, next: Int32)] = []
        var temps = 0
        func truthTable(_ node: LibertyExpression.Node, _ vars: [String]) -> UInt64 {
            var table: UInt64 = 0
            for combo in 0..<(1 << vars.count) {
                if node.evaluate({ v in (combo >> vars.firstIndex(of: v)!) & 1 == 1 }) { table |= 1 << UInt64(combo) }
            }
            return table
        }
        func ports(_ line: String, _ keyword: String) -> [String] {
            let d = GatePower.declaredBits(line, keyword)
            if let r = d.range { widths[d.name] = r }
            return d.bits
        }
        try GatePower.forEachLine(of: text, instanceOf: { library.cells[$0] != nil }) { item in
            switch item {
            case .instance(let type, let name, let pins):
                let cell = library.cells[type]!
                let byPin = Dictionary(pins, uniquingKeysWith: { a, _ in a })
                func pinNet(_ pin: String) throws -> Int32 {
                    guard let c = byPin[pin], !c.isEmpty else { return 0 }
                    let bits = try GatePower.connectionBits(c, widths: widths)
                    guard bits.count == 1 else { throw HWGenError.badInput("replay: \(name).\(pin) is connected to \(bits.count) bits") }
                    return net(bits[0])
                }
                var stateNet: [String: (Int32, negated: Bool)] = [:]
                if let st = cell.storage {
                    guard st.kind == "ff", case .variable(let clockPin)? = try? LibertyExpression.parse(st.clock),
                          st.clear == nil, st.preset == nil else {
                        throw HWGenError.badInput("replay: cell \(type) (\(name)) is not a plain rising-edge flip-flop (use --simulator verilator)")
                    }
                    guard byPin[clockPin].flatMap({ try? GatePower.connectionBits($0, widths: widths) }) == [clock] else {
                        throw HWGenError.badInput("replay: flip-flop \(name) is not clocked by \(clock) (use --simulator verilator)")
                    }
                    temps += 1
                    let state = net("hwgen_replay_state_\(temps)"), next = net("hwgen_replay_next_\(temps)")
                    let node = try LibertyExpression.parse(st.data), vars = node.variables
                    pending.append((try vars.map(pinNet), truthTable(node, vars), next))
                    flops.append((state, next))
                    stateNet[st.state] = (state, false)
                    stateNet[st.stateNegated] = (state, true)
                }
                for p in cell.pins where p.direction != "input" {
                    guard let c = byPin[p.name], !c.isEmpty else { continue }
                    guard let f = p.function, p.threeState == nil else {
                        throw HWGenError.badInput("replay: cell \(type) output \(p.name) has no function or is three-state")
                    }
                    let node = try LibertyExpression.parse(f), vars = node.variables
                    let ins = try vars.map { v -> Int32 in
                        if let s = stateNet[v] {
                            guard !s.negated else {   // a negated state: an inverter's input
                                temps += 1
                                let inv = net("hwgen_replay_not_\(temps)")
                                pending.append(([s.0], 0b01, inv))
                                return inv
                            }
                            return s.0
                        }
                        return try pinNet(v)
                    }
                    pending.append((ins, truthTable(node, vars), try pinNet(p.name)))
                }
            case .other(_, let line):
                if line.hasPrefix("input ") { inputs += ports(line, "input").filter { $0 != clock } }
                else if line.hasPrefix("output ") { outputs += ports(line, "output") }
                else if line.hasPrefix("wire ") { _ = ports(line, "wire") }
                else if line.hasPrefix("assign "), let eq = line.firstIndex(of: "=") {
                    let lhs = try GatePower.connectionBits(String(line[line.index(line.startIndex, offsetBy: 7)..<eq]), widths: widths)
                    let rhs = try GatePower.connectionBits(String(line[line.index(after: eq)...].dropLast(line.hasSuffix(";") ? 1 : 0)), widths: widths)
                    guard lhs.count == rhs.count else { throw HWGenError.badInput("replay: cannot read \(line)") }
                    for (l, r) in zip(lhs, rhs) { pending.append(([net(r)], 0b10, net(l))) }
                }
            }
        }
        for p in inputs + outputs { _ = net(p) }
        // Topological order: a gate runs once every net it reads is final (inputs, states, constants).
        var driver = [Int32](repeating: -1, count: count)
        for (g, gate) in pending.enumerated() {
            if driver[Int(gate.out)] >= 0 { throw HWGenError.badInput("replay: net \(gate.out) has two drivers") }
            driver[Int(gate.out)] = Int32(g)
        }
        var readers = [[Int32]](repeating: [], count: count)
        var waiting = [Int](repeating: 0, count: pending.count)
        var ready: [Int] = []
        for (g, gate) in pending.enumerated() {
            for i in gate.ins where driver[Int(i)] >= 0 { waiting[g] += 1; readers[Int(i)].append(Int32(g)) }
            if waiting[g] == 0 { ready.append(g) }
        }
        var c = Compiled(netCount: count, index: index, inputs: inputs, outputs: outputs, start: [0], ins: [], table: [], out: [], flops: flops)
        while let g = ready.popLast() {
            guard pending[g].ins.count <= 6 else { throw HWGenError.badInput("replay: a cell function of \(pending[g].ins.count) inputs (at most 6)") }
            c.ins += pending[g].ins
            c.start.append(Int32(c.ins.count))
            c.table.append(pending[g].table)
            c.out.append(pending[g].out)
            for r in readers[Int(pending[g].out)] {
                waiting[Int(r)] -= 1
                if waiting[Int(r)] == 0 { ready.append(Int(r)) }
            }
        }
        guard c.out.count == pending.count else {
            throw HWGenError.badInput("replay: the netlist has a combinational loop (\(pending.count - c.out.count) cells on it)")
        }
        return c
    }

    /// Verilog for the RTL top (before its `endmodule`): at each falling edge, a line
    /// `<on> <inputs> <outputs>` in binary (each list in `inputs`/`outputs` order) to `replay.txt`.
    static func recorder(inputs: [String], outputs: [String], on: String) -> String {
        func cat(_ bits: [String]) -> String { bits.isEmpty ? "1'b0" : "{" + bits.joined(separator: ", ") + "}" }
        return """

                // ---- hwgen synth --power --simulator replay: the ports at every falling edge ----
                integer hwgen_replay_fd;
                initial hwgen_replay_fd = $fopen("replay.txt", "w");
                always @(negedge clk) begin
                    $fdisplay(hwgen_replay_fd, "%b %b %b", \(on), \(cat(inputs)), \(cat(outputs)));
                    $fflush(hwgen_replay_fd);
                end

            """
    }

    /// Evaluates `c` on the recorded edges; returns per-`nets` (toggles, high) over the window's
    /// first `cycles` samples and the cycles compared. Throws a mismatch naming the first edge and
    /// port bit where the netlist's output differs from the RTL's (after `reset` is low).
    static func run(_ c: Compiled, record: String, nets: [String], cycles: Int, reset: String = "rst")
        throws -> (window: Int, counts: [(toggles: Int, high: Int)], compared: Int) {
        var value = [UInt8](repeating: 0, count: c.netCount)
        value[1] = 1
        let inNets = c.inputs.map { c.index[$0]! }, outNets = c.outputs.map { c.index[$0]! }
        let watched = try nets.map { n -> Int in
            guard let i = c.index[n] else { throw HWGenError.badInput("replay: net \(n) is not in the netlist") }
            return i
        }
        let resetBit = c.inputs.firstIndex(of: reset)
        var prev = [UInt8](repeating: 0, count: watched.count)
        var toggles = [Int](repeating: 0, count: watched.count), high = [Int](repeating: 0, count: watched.count)
        var n = 0, compared = 0, edge = 0
        for line in record.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, f[1].count == max(1, inNets.count), f[2].count == max(1, outNets.count) else {
                throw HWGenError.mismatch("replay.txt edge \(edge): expected <on> <\(inNets.count) input bits> <\(outNets.count) output bits>")
            }
            // `{a, b}` prints a first: character k is input k.
            for (k, ch) in f[1].prefix(inNets.count).enumerated() { value[inNets[k]] = ch == "1" ? 1 : 0 }
            c.start.withUnsafeBufferPointer { start in c.ins.withUnsafeBufferPointer { ins in
                c.table.withUnsafeBufferPointer { table in c.out.withUnsafeBufferPointer { out in
                    value.withUnsafeMutableBufferPointer { v in
                        for g in 0..<out.count {
                            var idx = 0
                            for k in Int(start[g])..<Int(start[g + 1]) { idx |= Int(v[Int(ins[k])]) << (k - Int(start[g])) }
                            v[Int(out[g])] = UInt8(truncatingIfNeeded: table[g] >> UInt64(idx)) & 1
                        }
                    }
                } }
            } }
            if resetBit.map({ value[inNets[$0]] == 0 }) ?? true {
                for (j, ch) in f[2].prefix(outNets.count).enumerated() where ch == "0" || ch == "1" {
                    let want: UInt8 = ch == "1" ? 1 : 0
                    if value[outNets[j]] != want {
                        throw HWGenError.mismatch("the synthesized netlist differs from the RTL at falling edge \(edge): output \(c.outputs[j]) is \(value[outNets[j]]), the RTL's \(want)")
                    }
                }
                compared += 1
            }
            if n < cycles && f[0] == "1" {
                for (k, i) in watched.enumerated() {
                    let v = value[i]
                    if v != prev[k] { toggles[k] += 1 }
                    if v == 1 { high[k] += 1 }
                }
                n += 1
            }
            for (k, i) in watched.enumerated() { prev[k] = value[i] }
            for fl in c.flops { value[Int(fl.state)] = value[Int(fl.next)] }
            edge += 1
        }
        guard n == cycles else {
            throw HWGenError.mismatch("replay: the window had \(n) sampled edges, the golden model \(cycles) cycles")
        }
        return (n, zip(toggles, high).map { ($0, $1) }, compared)
    }
}
