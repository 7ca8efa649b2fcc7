import Foundation

/// Power from real switching activity: the synthesized netlist is simulated at gate level on the
/// testbench's own stimulus (a post-synthesis check against the golden model too), every driven
/// net's toggles and high cycles are counted over the GEMM, and OpenSTA's `report_power` turns them
/// into internal, switching and leakage power at the clock.
///
/// What it models: zero-delay simulation sampled once per cycle (at the falling edge, when every net
/// has settled), so a net's activity is its number of cycle-to-cycle changes — glitches are not
/// counted; the Liberty's internal-energy and leakage tables; switching power from pin
/// capacitances only (OSU018 has no wire-load model, so wires add nothing); the clock as an ideal
/// net (no clock tree).
public enum GatePower {
    /// One output pin of a cell instance and the net it drives.
    struct DrivenPin: Equatable {
        var instance: String
        var pin: String
        var net: String
    }

    /// A memory macro instance: its cell and the expressions on its write and read enables.
    struct MacroInstance: Equatable {
        var instance: String
        var cell: String
        var writeEnable: String
        var readEnable: String
    }

    /// What power analysis needs from a Yosys netlist: input port bits and driven pins.
    struct NetlistScan {
        var top: String
        /// Input port bits (`a_col[3]`), the clock excluded.
        var inputs: [String]
        /// Output pins of cells and macros (a macro's `rdata[3]`).
        var driven: [DrivenPin]
        /// Cell names the netlist instantiates.
        var cellTypes: Set<String>
        var macros: [MacroInstance] = []
    }

    /// The bits of a port connection in a Yosys netlist, most significant first: a concatenation
    /// `{ a, b[3], 2'h1 }`, a bit or range select, a constant, or a whole vector (its width from
    /// `widths`, declared `wire [msb:lsb] name;`).
    static func connectionBits(_ expr: String, widths: [String: (msb: Int, lsb: Int)]) throws -> [String] {
        let e = expr.trimmingCharacters(in: .whitespaces)
        if e.hasPrefix("{"), e.hasSuffix("}") {
            return try e.dropFirst().dropLast().split(separator: ",").flatMap { try connectionBits(String($0), widths: widths) }
        }
        if let q = e.firstIndex(of: "'"), let n = Int(e[..<q]), !e.hasPrefix("\\") {
            let radix = e[e.index(after: q)...].first
            let digits = e[e.index(q, offsetBy: 2)...].replacingOccurrences(of: "_", with: "")
            guard let base = [Character("h"): 16, "b": 2, "d": 10][radix ?? " "] else { throw HWGenError.badInput("netlist: cannot read constant \(e)") }
            // Constants are short here (enables, tie-offs): expand digit by digit.
            var bits: [Character] = []
            for ch in digits {
                if base == 2 { bits.append(ch == "1" ? "1" : (ch == "0" ? "0" : "x")); continue }
                guard let v = Int(String(ch), radix: base) else { bits += Array(repeating: "x", count: base == 16 ? 4 : 1); continue }
                let w = base == 16 ? 4 : 1
                bits += (0..<w).reversed().map { (v >> $0) & 1 == 1 ? "1" : "0" }
            }
            let padded = Array(repeating: Character("0"), count: max(0, n - bits.count)) + bits.suffix(n)
            return padded.map { "1'b\($0)" }
        }
        // name, name[i], name[m:l] (an escaped name ends at white space: `\\a.b [3]`)
        var name = e, select: String? = nil
        if e.hasSuffix("]"), let open = e.lastIndex(of: "[") {
            name = e[..<open].trimmingCharacters(in: .whitespaces)
            select = String(e[e.index(after: open)..<e.index(before: e.endIndex)])
        }
        let sep = name.hasPrefix("\\") ? " " : ""
        let range: (msb: Int, lsb: Int)
        if let sel = select {
            let f = sel.split(separator: ":").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard f.count == (sel.contains(":") ? 2 : 1) else { throw HWGenError.badInput("netlist: cannot read select \(e)") }
            range = (f[0], f.count == 2 ? f[1] : f[0])
        } else if let w = widths[name] {
            range = w
        } else {
            return [e]
        }
        let step = range.msb >= range.lsb ? -1 : 1
        return stride(from: range.msb, through: range.lsb, by: step).map { "\(name)\(sep)[\($0)]" }
    }

    /// Reads the module header, input declarations and cell instances of a flat netlist written by
    /// Yosys `write_verilog -noattr`. Output pins are those the Liberty declares as outputs.
    /// Instances of `macros` (memory macro cells) give their `rdata` bits as driven pins and their
    /// enables' expressions.
    static func scan(netlist text: String, library: LibertyLibrary, macros: Set<String> = [], clock: String = "clk") throws -> NetlistScan {
        var top = "", inputs: [String] = [], driven: [DrivenPin] = [], types: Set<String> = []
        var widths: [String: (msb: Int, lsb: Int)] = [:], found: [MacroInstance] = []
        try forEachLine(of: text, instanceOf: { library.cells[$0] != nil || macros.contains($0) }) { item in
            switch item {
            case .instance(let type, let name, let pins):
                types.insert(type)
                if let cell = library.cells[type] {
                    for (pin, net) in pins where cell.outputs.contains(pin) && !net.isEmpty {
                        driven.append(DrivenPin(instance: name, pin: pin, net: net))
                    }
                    return
                }
                let byPin = Dictionary(pins, uniquingKeysWith: { a, _ in a })
                for (i, net) in try connectionBits(byPin["rdata"] ?? "", widths: widths).reversed().enumerated() {
                    driven.append(DrivenPin(instance: name, pin: "rdata[\(i)]", net: net))
                }
                guard let we = byPin["we"], let re = byPin["re"] else {
                    throw HWGenError.badInput("netlist: memory macro \(name) has no we or re connection")
                }
                found.append(MacroInstance(instance: name, cell: type, writeEnable: we, readEnable: re))
            case .other(_, let line):
                if line.hasPrefix("wire ["), let colon = line.firstIndex(of: ":"), let close = line.firstIndex(of: "]"),
                   let msb = Int(line[line.index(line.startIndex, offsetBy: 6)..<colon]), let lsb = Int(line[line.index(after: colon)..<close]) {
                    widths[line[line.index(after: close)...].dropLast(line.hasSuffix(";") ? 1 : 0).trimmingCharacters(in: .whitespaces)] = (msb, lsb)
                } else if line.hasPrefix("module "), top.isEmpty {
                    top = String(line.dropFirst(7).prefix { $0 != "(" && $0 != " " })
                } else if line.hasPrefix("input ") {
                    inputs += declaredBits(line, "input").bits.filter { $0 != clock }
                }
            }
        }
        guard !top.isEmpty else { throw HWGenError.badInput("the netlist has no module") }
        return NetlistScan(top: top, inputs: inputs, driven: driven, cellTypes: types, macros: found)
    }

    /// The bits of a declaration `keyword [msb:lsb] name;` (`name[lsb]` … `name[msb]`) or
    /// `keyword name;` (`name`), and the range of a vector.
    static func declaredBits(_ line: String, _ keyword: String) -> (name: String, bits: [String], range: (msb: Int, lsb: Int)?) {
        let decl = line.dropFirst(keyword.count + 1).dropLast(line.hasSuffix(";") ? 1 : 0).trimmingCharacters(in: .whitespaces)
        if decl.hasPrefix("["), let colon = decl.firstIndex(of: ":"), let close = decl.firstIndex(of: "]"),
           let msb = Int(decl[decl.index(after: decl.startIndex)..<colon]), let lsb = Int(decl[decl.index(after: colon)..<close]) {
            let name = decl[decl.index(after: close)...].trimmingCharacters(in: .whitespaces)
            return (name, (min(lsb, msb)...max(lsb, msb)).map { "\(name)[\($0)]" }, (msb, lsb))
        }
        return (decl, [decl], nil)
    }

    /// A line of a Yosys netlist, or a whole instance block of a type `forEachLine` was asked for.
    enum NetlistItem {
        /// `TYPE name (` … `);`: the type, the instance name and each `.PIN(connection)` in order.
        case instance(type: String, name: String, pins: [(String, String)])
        /// Any other line: as written, and trimmed.
        case other(raw: Substring, trimmed: String)
    }

    /// Calls `body` for each line of a netlist written by Yosys `write_verilog -noattr`, with the
    /// blocks of instances whose type `instanceOf` accepts gathered into one item.
    static func forEachLine(of text: String, instanceOf: (String) -> Bool, _ body: (NetlistItem) throws -> Void) throws {
        var current: (type: String, name: String, pins: [(String, String)])? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let c = current {
                if line.hasPrefix(");") {
                    current = nil
                    try body(.instance(type: c.type, name: c.name, pins: c.pins))
                } else if line.hasPrefix("."), let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")") {
                    current!.pins.append((String(line[line.index(after: line.startIndex)..<open]),
                                          line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces)))
                }
                continue
            }
            if let space = line.firstIndex(of: " "), line.hasSuffix("("), instanceOf(String(line[..<space])) {
                current = (String(line[..<space]), line[line.index(after: space)...].dropLast().trimmingCharacters(in: .whitespaces), [])
                continue
            }
            try body(.other(raw: raw, trimmed: line))
        }
    }

    /// The netlist with every cell instance replaced by its Liberty function: `assign`s for outputs,
    /// one `always` per storage element (its state in a `reg hwgen_state_<n>`). The same logic as
    /// instantiating the cell models, without a module instance and its port variables per cell:
    /// Verilator needs about a third of the memory (a 4×4 array: 110 against 330 MiB).
    /// `extra` goes before `endmodule` (the activity monitor).
    static func flatten(netlist text: String, library: LibertyLibrary, extra: String = "") throws -> String {
        var out: [Substring] = [], body: [String] = []
        var states = 0
        func emit(_ c: LibertyLibrary.Cell, _ pins: [String: String]) throws {
            var stateNames: [String: String] = [:]
            if let st = c.storage {
                let reg = "hwgen_state_\(states)"
                states += 1
                stateNames = [st.state: reg, st.stateNegated: "(~\(reg))"]
            }
            func net(_ pin: String) -> String {
                if let s = stateNames[pin] { return s }
                guard let n = pins[pin], !n.isEmpty else { return "1'bx" }
                return "(\(n) )"   // an escaped name ends at white space
            }
            func expr(_ f: String) throws -> String {
                do { return try LibertyExpression.verilog(f, rename: net) } catch let e as HWGenError {
                    throw HWGenError.badInput("cell \(c.name): \(e.message)")
                }
            }
            if let st = c.storage, let reg = stateNames[st.state] {
                // Every storage element starts at 0, one state silicon can power up in (Verilator's
                // default too). Left at x, Icarus would carry x through the XOR-form enable muxes ABC
                // builds (d = q ^ (en & (new ^ q))) even where the enable selects a constant.
                body.append("    reg \(reg) = 1'b0;")
                body.append("    " + (try st.alwaysBlock(state: reg, expr: expr) { pin in
                    guard let n = pins[pin], !n.isEmpty else { throw HWGenError.badInput("cell \(c.name): edge pin \(pin) is not connected") }
                    return n + " "   // an escaped name ends at white space
                }))
            }
            for p in c.pins where p.direction != "input" {
                guard let n = pins[p.name], !n.isEmpty else { continue }
                guard let f = p.function else { throw HWGenError.badInput("cell \(c.name): output \(p.name) has no function") }
                let value = try p.threeState.map { "\(try expr($0)) ? 1'bz : \(try expr(f))" } ?? (try expr(f))
                body.append("    assign \(n) = \(value);")
            }
        }
        try forEachLine(of: text, instanceOf: { library.cells[$0] != nil }) { item in
            switch item {
            case .instance(let type, _, let pins):
                try emit(library.cells[type]!, Dictionary(pins, uniquingKeysWith: { a, _ in a }))
            case .other(let raw, let line):
                if line == "endmodule" { out += body.map { Substring($0) }; out.append(Substring(extra)) }
                out.append(raw)
            }
        }
        return out.joined(separator: "\n")
    }

    /// The nets the monitor samples: input port bits, then each driven net once, in netlist order,
    /// then the macros' enables.
    static func monitoredNets(_ scan: NetlistScan) -> [String] {
        var seen = Set<String>(), nets: [String] = []
        let enables = scan.macros.flatMap { [$0.writeEnable, $0.readEnable] }
        for n in scan.inputs + scan.driven.map(\.net) + enables where seen.insert(n).inserted { nets.append(n) }
        return nets
    }

    /// Verilog for the testbench (before its `endmodule`): `hwgen_on`, true from the posedge whose
    /// index (`edge_n`) is `start`, set with a nonblocking assignment at the falling edge so that the
    /// netlist's monitor, sampling at the same edge, reads it one sample late — the same way in
    /// every simulator.
    static func window(start: String) -> String {
        """

            // ---- hwgen synth --power: the GEMM window for the netlist's activity monitor ----
            reg hwgen_on;
            initial hwgen_on = 1'b0;
            always @(negedge clk) hwgen_on <= (\(start)) >= 0 && edge_n >= (\(start));

            """
    }

    /// Verilog for the netlist module (before its `endmodule`; local names, so the simulator resolves
    /// no hierarchical reference per net): at each falling edge while `on` (the testbench's window)
    /// holds, for `cycles` samples, compares each net with its value one cycle before, counts changes
    /// and high cycles, then writes `activity.txt` (`cycles`, then `toggles high` per net).
    static func monitor(nets: [String], on: String, cycles: Int) -> String {
        var s = """

            // ---- hwgen synth --power: switching activity of every driven net ----
            localparam HWGEN_NETS = \(nets.count);
            localparam HWGEN_CYCLES = \(cycles);
            wire [HWGEN_NETS-1:0] hwgen_net;
            reg  [HWGEN_NETS-1:0] hwgen_now, hwgen_prev;
            integer hwgen_toggles [0:HWGEN_NETS-1];
            integer hwgen_high [0:HWGEN_NETS-1];
            integer hwgen_n, hwgen_i, hwgen_fd;
            reg hwgen_done;

            """
        for (i, n) in nets.enumerated() { s += "    assign hwgen_net[\(i)] = \(n) ;\n" }  // an escaped name ends at white space
        s += """
            initial begin
                hwgen_n = 0;
                hwgen_done = 1'b0;
                hwgen_prev = 0;
                for (hwgen_i = 0; hwgen_i < HWGEN_NETS; hwgen_i = hwgen_i + 1) begin
                    hwgen_toggles[hwgen_i] = 0;
                    hwgen_high[hwgen_i] = 0;
                end
            end
            always @(negedge clk) begin
                hwgen_now = hwgen_net;
                if (!hwgen_done && \(on)) begin
                    for (hwgen_i = 0; hwgen_i < HWGEN_NETS; hwgen_i = hwgen_i + 1) begin
                        if (hwgen_now[hwgen_i] !== hwgen_prev[hwgen_i]) hwgen_toggles[hwgen_i] = hwgen_toggles[hwgen_i] + 1;
                        if (hwgen_now[hwgen_i] === 1'b1) hwgen_high[hwgen_i] = hwgen_high[hwgen_i] + 1;
                    end
                    hwgen_n = hwgen_n + 1;
                    if (hwgen_n == HWGEN_CYCLES) begin
                        hwgen_done = 1'b1;
                        hwgen_fd = $fopen("activity.txt", "w");
                        $fdisplay(hwgen_fd, "%0d", hwgen_n);
                        for (hwgen_i = 0; hwgen_i < HWGEN_NETS; hwgen_i = hwgen_i + 1)
                            $fdisplay(hwgen_fd, "%0d %0d", hwgen_toggles[hwgen_i], hwgen_high[hwgen_i]);
                        $fclose(hwgen_fd);
                    end
                end
                hwgen_prev = hwgen_now;
            end

            """
        return s
    }

    /// Per-net (toggles, high cycles) from `activity.txt`, and the window's length.
    static func readActivity(_ text: String, nets: Int) throws -> (cycles: Int, counts: [(toggles: Int, high: Int)]) {
        let lines = text.split(separator: "\n")
        guard let first = lines.first, let cycles = Int(first.trimmingCharacters(in: .whitespaces)), cycles > 0 else {
            throw HWGenError.mismatch("activity.txt has no cycle count")
        }
        guard lines.count == nets + 1 else {
            throw HWGenError.mismatch("activity.txt has \(lines.count - 1) nets, the netlist \(nets)")
        }
        let counts = try lines.dropFirst().map { l -> (Int, Int) in
            let f = l.split(separator: " ")
            guard f.count == 2, let t = Int(f[0]), let h = Int(f[1]) else {
                throw HWGenError.mismatch("activity.txt: cannot read '\(l)'")
            }
            return (t, h)
        }
        return (cycles, counts)
    }

    /// One (activity per clock period, duty) annotation.
    struct Activity: Hashable {
        var activity: Double
        var duty: Double
    }

    /// OpenSTA Tcl: the clock at `periodNS`, every input port and driven pin annotated (pins of
    /// equal activity in one list), then `report_power`. The I/O delays matter: this OpenSTA
    /// divides an annotated activity by the period of the clock that reaches the pin, and a pin no
    /// clocked path reaches silently gets the default activity instead. `setup` lines come after the clock (tests
    /// use them for loads and slews). This OpenSTA's `set_power_activity -pins` calls an undefined
    /// `get_pins_error`, so pins go through `sta::set_power_pin_activity` one by one.
    static func powerScript(liberty: String, macroLiberty: String? = nil, netlist: String, top: String, periodNS: Double,
                            ports: [(String, Activity)], pins: [(String, Activity)], setup: [String] = []) -> String {
        func tclList(_ names: [String]) -> String {
            names.map { "{" + $0.replacingOccurrences(of: "}", with: "\\}") + "}" }.joined(separator: " ")
        }
        func number(_ x: Double) -> String { String(format: "%.9g", x) }
        var s = """
            read_liberty "\(liberty)"
            \(macroLiberty.map { "read_liberty \"\($0)\"\n" } ?? "")read_verilog "\(netlist)"
            link_design \(top)
            set clk_ports [get_ports -quiet clk]
            if {[llength $clk_ports] > 0} {
              create_clock -name clk -period \(number(periodNS)) $clk_ports
              set_input_delay 0 -clock clk [delete_from_list [all_inputs] $clk_ports]
            } else {
              create_clock -name clk -period \(number(periodNS))
              set_input_delay 0 -clock clk [all_inputs]
            }
            set_output_delay 0 -clock clk [all_outputs]
            set hwgen_annotated 0

            """
        for line in setup { s += line + "\n" }
        var byPort: [Activity: [String]] = [:], byPin: [Activity: [String]] = [:]
        for (p, a) in ports { byPort[a, default: []].append(p) }
        for (p, a) in pins { byPin[a, default: []].append(p) }
        let order = { (d: [Activity: [String]]) in d.keys.sorted { ($0.activity, $0.duty) < ($1.activity, $1.duty) } }
        for a in order(byPort) {
            s += "foreach p [get_ports {\(tclList(byPort[a]!))}] { sta::set_power_input_port_activity $p \(number(a.activity)) \(number(a.duty)); incr hwgen_annotated }\n"
        }
        for a in order(byPin) {
            let names = byPin[a]!
            for chunk in stride(from: 0, to: names.count, by: 2000) {
                let part = Array(names[chunk..<min(chunk + 2000, names.count)])
                s += "foreach p [get_pins {\(tclList(part))}] { sta::set_power_pin_activity $p \(number(a.activity)) \(number(a.duty)); incr hwgen_annotated }\n"
            }
        }
        s += """
            puts "HWGEN annotated $hwgen_annotated"
            report_power -digits 6
            exit

            """
        return s
    }

    /// Internal, switching, leakage and total power (W) of the `Total` row of `report_power`, and the
    /// count of annotated pins the script printed.
    static func parsePower(_ log: String) throws -> (internalW: Double, switchingW: Double, leakageW: Double, totalW: Double, annotated: Int, macroW: Double) {
        if let err = ASICSynthesis.firstLine(containing: "Error:", in: log) {
            throw HWGenError.badInput("OpenSTA: \(err)")
        }
        let lines = log.split(separator: "\n")
        guard let total = lines.first(where: { $0.hasPrefix("Total ") }) else {
            throw HWGenError.badInput("no 'Total' row in OpenSTA's report_power output")
        }
        let v = total.split(separator: " ").dropFirst().prefix(4).compactMap { Double($0) }
        guard v.count == 4 else { throw HWGenError.badInput("cannot read report_power's Total row: \(total)") }
        let annotated = lines.first { $0.hasPrefix("HWGEN annotated ") }.flatMap { Int($0.dropFirst(16)) } ?? 0
        let macro = lines.first { $0.hasPrefix("Macro ") }.map { $0.split(separator: " ").dropFirst().prefix(4).compactMap { Double($0) } }
        return (v[0], v[1], v[2], v[3], annotated, macro?.count == 4 ? macro![3] : 0)
    }
}

/// Power of one design on one GEMM, from gate-level switching activity (``GatePower``);
/// `synthesis.power` in JSON.
public struct PowerReport: Codable, Equatable, Sendable {
    /// Power at the clock, mW: cells' internal, net switching, leakage, and their sum.
    public var internalMW: Double
    public var switchingMW: Double
    public var leakageMW: Double
    public var totalMW: Double
    /// The clock period power is reported at, ns.
    public var clockNS: Double
    /// Energy of the GEMM: total power × golden cycles × period, nJ.
    public var energyNJ: Double
    /// Energy per multiply-accumulate of the GEMM (M·K·N), pJ.
    public var pjPerMAC: Double
    /// Operations (2 per MAC) per joule: 10⁹ and 10¹² per watt.
    public var gopsPerW: Double
    public var topsPerW: Double
    /// Input ports and driven cell pins given an activity, as a share of all of them (100 when complete).
    public var annotatedPercent: Double
    public var annotatedPins: Int
    public var drivenPins: Int
    /// Cycles of the window the activity was counted over (the golden model's GEMM cycles).
    public var cycles: Int
    /// Where the activity came from: operands, simulator, sampling.
    public var activity: String
    /// The gate-level run's verdict against the golden model (`PASS …`).
    public var netlistCheck: String
    /// Memory macros' share (a GEMM engine's buffers), or nil when the design has none. The
    /// totals above include it.
    public var memory: MemoryPower? = nil

    /// The memory macros' reads and writes over the window and their power.
    public struct MemoryPower: Codable, Equatable, Sendable {
        /// Accesses counted in the gate-level simulation (enable high at a clock edge), all banks.
        public var reads: Int
        public var writes: Int
        /// Accesses × the macro model's energy per access, over the window, as power at the clock, mW.
        public var dynamicMW: Double
        /// The macros' leakage, mW.
        public var leakageMW: Double
        /// Memory and logic (everything else) power, mW, and the memory's share of the GEMM's energy, nJ.
        public var memoryMW: Double
        public var logicMW: Double
        public var memoryEnergyNJ: Double
        public var logicEnergyNJ: Double
    }

    /// Dynamic power (internal + switching), mW.
    public var dynamicMW: Double { internalMW + switchingMW }

    /// The report's lines for `hwgen synth --power` and report pages.
    public var lines: [String] {
        [String(format: "power at %g ns: internal %.4f mW, switching %.4f mW, leakage %.6f mW, total %.4f mW",
                clockNS, internalMW, switchingMW, leakageMW, totalMW),
         String(format: "energy %.4f nJ per GEMM (%d cycles), %.4f pJ/MAC, %.1f GOPS/W (%.3f TOPS/W)",
                energyNJ, cycles, pjPerMAC, gopsPerW, topsPerW),
         String(format: "activity: %@; %d of %d driven pins annotated (%.1f %%)",
                activity, annotatedPins, drivenPins, annotatedPercent)]
            + (memory.map { m in
                [String(format: "memory macros: %d reads, %d writes; %.4f mW (dynamic %.4f, leakage %.6f), %.4f nJ; logic %.4f mW, %.4f nJ",
                        m.reads, m.writes, m.memoryMW, m.dynamicMW, m.leakageMW, m.memoryEnergyNJ, m.logicMW, m.logicEnergyNJ)]
            } ?? [])
    }
}

extension GatePower {
    /// Simulates the netlist `<synthDir>/<top>.netlist.v` at gate level on `ops` with the design's
    /// testbench, checks it against the golden model (exit 1 on a difference) and reports its power
    /// at `periodNS`. Files are kept in `workDir` (`<top>.gates.v`: the netlist with each cell as its
    /// Liberty function, the testbench, `run/activity.txt`, `power.tcl`, `power.log`).
    /// With `replay`, `simulator` runs the RTL and ``NetlistReplay`` evaluates the netlist on its
    /// recorded ports (`run/replay.txt`) instead of a Verilog simulation of the netlist.
    public static func run(_ design: Design, synthDir: URL, ops: GemmOperands, label: String,
                           simulator: Simulator, replay: Bool = false, periodNS: Double, workDir: URL,
                           liberty: String = ASICSynthesis.defaultLiberty, setup: [String] = [],
                           progress: (@Sendable (String) -> Void)? = nil) throws -> PowerReport {
        guard periodNS.isFinite, periodNS > 0 else { throw HWGenError.badInput("--power: the clock period must be > 0 ns") }
        let start: String
        switch design.harness {
        case .stream: start = "first_edge"
        case .gemm: start = "(phase == 0) ? -1 : start_edge"
        case .axi:
            throw HWGenError.badInput("--power: \(design.name) sits behind AXI, whose testbench drives on both clock edges "
                + "(allowed: a stream engine, or a GEMM engine with interface: native)")
        }
        let sta = try Tools.find("sta", package: "opensta")
        let fm = FileManager.default
        let netlist = synthDir.appendingPathComponent("\(design.name).netlist.v")
        guard let text = try? String(contentsOf: netlist, encoding: .utf8) else {
            throw HWGenError.badInput("--power: no netlist at \(netlist.path) (synthesize for osu018 first)")
        }
        let library = try LibertyLibrary.load(path: liberty)
        let macroCells = try SRAMMacro.cells(of: design.top, progress: progress)
        let macroModels = Dictionary(macroCells.map { ($0.name, $0.model) }, uniquingKeysWith: { a, _ in a })
        let scan = try scan(netlist: text, library: library, macros: Set(macroModels.keys))
        let macroLiberty = synthDir.appendingPathComponent("\(design.name).macros.lib")
        if !scan.macros.isEmpty, !fm.fileExists(atPath: macroLiberty.path) {
            throw HWGenError.badInput("--power: the netlist has memory macros but \(macroLiberty.path) is missing (synthesize again)")
        }
        let nets = monitoredNets(scan)
        try fm.createDirectory(at: workDir, withIntermediateDirectories: true)

        let shape = GemmShape(m: ops.a.rows, k: ops.a.cols, n: ops.b.cols)
        let golden = design.golden.c(ops)
        let cycles = design.golden.cycles(shape, b: ops.b)
        var tb = TestbenchGenerator.testbench(design)
        guard let end = tb.text.range(of: "endmodule", options: .backwards) else {
            throw HWGenError.badInput("--power: the testbench has no endmodule")
        }
        tb.text.insert(contentsOf: window(start: start), at: end.lowerBound)
        let tbURL = workDir.appendingPathComponent("\(tb.moduleName).v")
        try tb.text.write(to: tbURL, atomically: true, encoding: .utf8)
        let runDir = workDir.appendingPathComponent("run")
        let t0 = ContinuousClock.now
        let ticker = progress.map { report in   // a large netlist's build takes minutes
            Tools.ticker(every: 30) {
                report("power \(design.name): gate-level build and simulation still running, \(t0.duration(to: .now).components.seconds) s")
            }
        }
        defer { ticker?.cancel() }
        let window: Int, counts: [(toggles: Int, high: Int)], check: String
        if replay {
            guard scan.macros.isEmpty else {
                throw HWGenError.badInput("--simulator replay: \(design.name) has memory macros, which the replay does not model (allowed: verilator, icarus)")
            }
            progress?("power \(design.name): compiling the netlist for replay (\(scan.driven.count) cells' outputs) …")
            let compiled = try NetlistReplay.compile(netlist: text, library: library)
            // The RTL, its top recording its ports at every falling edge.
            var rtlFiles: [URL] = []
            for f in try design.verilog() {
                var body = f.text
                if f.module == design.name, let e = body.range(of: "endmodule", options: .backwards) {
                    body.insert(contentsOf: NetlistReplay.recorder(inputs: compiled.inputs, outputs: compiled.outputs,
                                                                   on: "\(tb.moduleName).hwgen_on"), at: e.lowerBound)
                }
                let url = workDir.appendingPathComponent("rtl/\(f.name)")
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try body.write(to: url, atomically: true, encoding: .utf8)
                rtlFiles.append(url)
            }
            progress?("power \(design.name): RTL on \(simulator.rawValue) recording the ports, then the netlist replayed (\(compiled.out.count) functions, \(compiled.flops.count) flip-flops, \(cycles) cycles) …")
            try? fm.removeItem(at: runDir.appendingPathComponent("replay.txt"))
            let run = try Simulation.run(design, rtlFiles: rtlFiles, testbench: tbURL, ops: ops, expected: golden,
                                         simulator: simulator, workDir: runDir, cacheDir: Flow.cacheDirectory,
                                         buildTimeout: 7200, simTimeout: 7200)
            let verdict = SimVerdict(run: run, golden: golden, goldenCycles: cycles, design: design.name, label: "\(label), RTL recording")
            guard verdict.passed else {
                throw HWGenError.mismatch("the RTL run that drives the replay differs from the golden model:\n\(verdict.text)\n  files kept in \(workDir.path)")
            }
            guard let record = try? String(contentsOf: runDir.appendingPathComponent("replay.txt"), encoding: .utf8) else {
                throw HWGenError.mismatch("the RTL run wrote no replay.txt")
            }
            let r: (window: Int, counts: [(toggles: Int, high: Int)], compared: Int)
            do { r = try NetlistReplay.run(compiled, record: record, nets: nets, cycles: cycles) } catch let e as HWGenError {
                throw HWGenError(e.status, "\(e.message)\n  files kept in \(workDir.path)")
            }
            (window, counts) = (r.window, r.counts)
            check = "PASS replay \(design.name) \(label), gate-level netlist: outputs equal the RTL's at all \(r.compared) edges after reset; "
                + (verdict.text.split(separator: "\n").first.map(String.init) ?? "")
            progress?("power \(design.name): \(check) in \(Int(t0.duration(to: .now).components.seconds)) s")
        } else {
            let gates = workDir.appendingPathComponent("\(design.name).gates.v")
            try flatten(netlist: text, library: library, extra: monitor(nets: nets, on: "\(tb.moduleName).hwgen_on", cycles: cycles))
                .write(to: gates, atomically: true, encoding: .utf8)
            // The macros simulate as their RTL bodies.
            var simFiles = [gates]
            for f in try design.verilog() where macroModels[f.module] != nil {
                let url = workDir.appendingPathComponent(f.name)
                try f.text.write(to: url, atomically: true, encoding: .utf8)
                simFiles.append(url)
            }
            progress?("power \(design.name): gate-level simulation on \(simulator.rawValue) (\(scan.driven.count) cells' outputs, \(nets.count) nets, \(cycles) cycles) …")
            try? fm.removeItem(at: runDir.appendingPathComponent("activity.txt"))
            let run = try Simulation.run(design, rtlFiles: simFiles, testbench: tbURL, ops: ops, expected: golden,
                                         simulator: simulator, workDir: runDir, cacheDir: Flow.cacheDirectory,
                                         buildTimeout: 7200, simTimeout: 7200, gateLevel: true)
            ticker?.cancel()
            let verdict = SimVerdict(run: run, golden: golden, goldenCycles: cycles, design: design.name,
                                     label: "\(label), gate-level netlist")
            progress?("power \(design.name): \(verdict.text.split(separator: "\n").first ?? "") in \(Int(t0.duration(to: .now).components.seconds)) s")
            guard verdict.passed else {
                throw HWGenError.mismatch("the synthesized netlist differs from the golden model:\n\(verdict.text)\n  files kept in \(workDir.path)")
            }
            guard let activityText = try? String(contentsOf: runDir.appendingPathComponent("activity.txt"), encoding: .utf8) else {
                throw HWGenError.mismatch("the gate-level simulation wrote no activity.txt (its window of \(cycles) cycles never ended)")
            }
            (window, counts) = try readActivity(activityText, nets: nets.count)
            check = String(verdict.text.split(separator: "\n").first ?? "")
        }
        ticker?.cancel()
        var byNet: [String: Activity] = [:]
        for (n, c) in zip(nets, counts) {
            byNet[n] = Activity(activity: Double(c.toggles) / Double(window), duty: Double(c.high) / Double(window))
        }
        let ports = scan.inputs.map { ($0, byNet[$0]!) }
        let pins = scan.driven.map { ("\($0.instance)/\($0.pin)", byNet[$0.net]!) }

        let tcl = workDir.appendingPathComponent("power.tcl"), log = workDir.appendingPathComponent("power.log")
        try powerScript(liberty: liberty, macroLiberty: scan.macros.isEmpty ? nil : macroLiberty.path,
                        netlist: netlist.path, top: scan.top, periodNS: periodNS,
                        ports: ports, pins: pins, setup: setup).write(to: tcl, atomically: true, encoding: .utf8)
        progress?("power \(design.name): OpenSTA report_power with \(ports.count + pins.count) annotations …")
        let r = try Tools.run(sta, ["-no_splash", "-no_init", tcl.path], in: workDir, timeout: 3600)
        try r.combined.write(to: log, atomically: true, encoding: .utf8)
        let p: (internalW: Double, switchingW: Double, leakageW: Double, totalW: Double, annotated: Int, macroW: Double)
        do { p = try parsePower(r.combined) } catch let e as HWGenError {
            throw HWGenError.badInput("\(e.message) (log: \(log.path))")
        }
        let macs = Double(shape.m * shape.k * shape.n)
        let seconds = Double(cycles) * periodNS * 1e-9
        // Memory macros: each access (enable high at an edge of the window) costs the model's energy.
        // The macros' leakage is the model's (OpenSTA 2019 reports a Macro group but no leakage in it).
        var memory: PowerReport.MemoryPower? = nil
        let logicW = p.totalW - p.macroW
        if !scan.macros.isEmpty {
            var reads = 0, writes = 0, joules = 0.0, leakageW = 0.0
            for mi in scan.macros {
                guard let model = macroModels[mi.cell], let r = byNet[mi.readEnable], let w = byNet[mi.writeEnable] else {
                    throw HWGenError.mismatch("memory macro \(mi.instance): no model or no activity for its enables")
                }
                let (nr, nw) = (Int((r.duty * Double(window)).rounded()), Int((w.duty * Double(window)).rounded()))
                reads += nr
                writes += nw
                joules += (Double(nr) * model.readPJ + Double(nw) * model.writePJ) * 1e-12
                leakageW += model.leakageMW / 1e3
            }
            let dynamicW = joules / seconds, memW = dynamicW + leakageW
            memory = .init(reads: reads, writes: writes, dynamicMW: dynamicW * 1e3, leakageMW: leakageW * 1e3,
                           memoryMW: memW * 1e3, logicMW: logicW * 1e3,
                           memoryEnergyNJ: memW * seconds * 1e9, logicEnergyNJ: logicW * seconds * 1e9)
        }
        let totalW = logicW + (memory?.memoryMW ?? 0) / 1e3
        let energyJ = totalW * seconds
        let driven = ports.count + pins.count
        var report = PowerReport(
            internalMW: p.internalW * 1e3 + (memory?.dynamicMW ?? 0), switchingMW: p.switchingW * 1e3,
            leakageMW: (p.leakageW - p.macroW) * 1e3 + (memory?.leakageMW ?? 0),
            totalMW: totalW * 1e3, clockNS: periodNS, energyNJ: energyJ * 1e9, pjPerMAC: energyJ * 1e12 / macs,
            gopsPerW: 2 * macs / energyJ / 1e9, topsPerW: 2 * macs / energyJ / 1e12,
            annotatedPercent: driven == 0 ? 0 : 100 * Double(p.annotated) / Double(driven),
            annotatedPins: p.annotated, drivenPins: driven, cycles: cycles,
            activity: "\(label) on \(replay ? "\(simulator.rawValue) (RTL) replayed on the netlist" : simulator.rawValue), gate-level, sampled once per cycle over \(window) cycles",
            netlistCheck: check)
        report.memory = memory
        return report
    }
}
