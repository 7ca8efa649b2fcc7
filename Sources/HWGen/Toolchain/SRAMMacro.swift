import Foundation
import HWGenCore

/// A memory macro's figures at the OSU 0.18 µm node: what ASIC synthesis, timing and power need
/// for one bank shape (``SRAMMacro``).
public struct SRAMMacroModel: Codable, Equatable, Sendable {
    public var words: Int
    public var bits: Int
    /// Macro area, µm².
    public var areaUM2: Double
    /// Clock to `rdata`, ns.
    public var accessNS: Double
    /// Setup of the address, data and enable pins before the clock, ns.
    public var setupNS: Double
    /// Shortest clock period the macro allows, ns.
    public var minPeriodNS: Double
    /// Energy per read and per write access, pJ.
    public var readPJ: Double
    public var writePJ: Double
    /// Leakage, mW.
    public var leakageMW: Double
    /// Capacitance of each input pin, pF.
    public var pinCapPF: Double
    /// Transition time of `rdata`, ns.
    public var outputSlewNS: Double
    /// Where the figures come from.
    public var source: String
}

/// Memory macros from OpenRAM (PyPI `openram`), run offline and cached per bank shape.
///
/// Why OpenRAM: it is on PyPI for this Python (CACTI's PyPI build, `hwcomponents-cacti`, needs
/// Python ≥ 3.12; Debian bookworm has 3.11), it runs offline from its shipped technology files, and
/// it builds a real layout, so the area is the area of a placed two-port array with its decoders,
/// sense amplifiers and control. Its delay and power come from its analytical (Elmore) model.
///
/// OpenRAM ships no 0.18 µm technology. Its `scn4m_subm` is the same MOSIS SCMOS rule family as
/// OSU018 (SCN6M_SUBM) at twice the λ (0.2 µm against 0.1 µm) and 5 V against 1.8 V. The macro is
/// compiled there and scaled to OSU018 by first-order rules, stated here and in `source`: area × s²,
/// delays × s, capacitance × s, dynamic energy × s·(1.8/5)², leakage × s·(1.8/5), with s = 0.5.
/// OpenRAM's analytical model gives one dynamic power for reads, writes and idle cycles at its
/// technology's event frequency (100 MHz); energy per access = that power / 100 MHz.
public enum SRAMMacro {
    /// A macro module of a design: its name (the Liberty cell's), address bits and model.
    public struct Cell: Sendable {
        public var name: String
        public var addressBits: Int
        public var model: SRAMMacroModel
    }

    /// The memory-macro modules below `top` with their models (OpenRAM runs for shapes not cached).
    public static func cells(of top: Module, progress: (@Sendable (String) -> Void)? = nil) throws -> [Cell] {
        try top.hierarchy.filter(\.isMemoryMacro).map { m in
            guard let mem = m.memories.first, let addr = m.port("raddr") else {
                throw HWGenError.badInput("memory macro \(m.name) has no memory or no raddr port")
            }
            return Cell(name: m.name, addressBits: addr.type.bits,
                        model: try model(words: mem.depth, bits: mem.type.bits, progress: progress))
        }
    }

    /// λ of OpenRAM's `scn4m_subm` and of OSU018's SCN6M_SUBM.10, µm.
    static let lambdaOpenRAM = 0.2, lambdaOSU018 = 0.1
    /// Supplies, V.
    static let vddOpenRAM = 5.0, vddOSU018 = 1.8
    /// `spice["default_event_frequency"]` of `scn4m_subm`, MHz (checked in its tech.py before use).
    static let eventMHz = 100.0

    /// The virtual environment `make setup` installs OpenRAM into (its layout code needs NumPy 1.x,
    /// so it has its own): `$HWGEN_OPENRAM_VENV`, else `~/.local/share/hwgen/openram-venv`.
    public static var venv: URL {
        if let v = ProcessInfo.processInfo.environment["HWGEN_OPENRAM_VENV"], !v.isEmpty { return URL(fileURLWithPath: v) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/hwgen/openram-venv")
    }

    /// OpenRAM's package directory in ``venv``, or a missing-tool error (exit 3).
    static func openRAMPackage() throws -> URL {
        let lib = venv.appendingPathComponent("lib")
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        for d in dirs.sorted() where d.hasPrefix("python") {
            let p = lib.appendingPathComponent(d).appendingPathComponent("site-packages/openram")
            if FileManager.default.fileExists(atPath: p.appendingPathComponent("sram_compiler.py").path) { return p }
        }
        throw HWGenError(.missingTool, "OpenRAM not found in \(venv.path) (memory macros for GEMM buffers; install it with: "
            + "make setup, or python3 -m venv \(venv.path) && \(venv.path)/bin/pip install openram 'numpy<2')")
    }

    /// The model of a `words`×`bits` two-port macro: from the cache, or by running OpenRAM
    /// (about a minute per shape; the layout is what gives the area).
    public static func model(words: Int, bits: Int, cacheDir: URL = Flow.cacheDirectory,
                             progress: (@Sendable (String) -> Void)? = nil) throws -> SRAMMacroModel {
        guard words >= 16, words & (words - 1) == 0, bits >= 1 else {
            throw HWGenError.badInput("memory macro \(words)x\(bits): OpenRAM needs a power-of-two depth of at least 16 words")
        }
        let dir = cacheDir.appendingPathComponent("sram/scn4m_subm-\(words)x\(bits)")
        let cached = dir.appendingPathComponent("model.json")
        if let data = try? Data(contentsOf: cached), let m = try? JSONDecoder().decode(SRAMMacroModel.self, from: data) { return m }
        let pkg = try openRAMPackage()
        let tech = pkg.appendingPathComponent("technology/scn4m_subm/tech/tech.py")
        guard let techText = try? String(contentsOf: tech, encoding: .utf8),
              techText.contains("spice[\"default_event_frequency\"] = \(Int(eventMHz))") else {
            throw HWGenError.badInput("OpenRAM's \(tech.path) does not set default_event_frequency to \(Int(eventMHz)) MHz, which the energy scaling assumes")
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("out"), name = "sram_\(words)x\(bits)"
        let config = """
            word_size = \(bits)
            num_words = \(words)
            num_rw_ports = 0
            num_r_ports = 1
            num_w_ports = 1
            tech_name = "scn4m_subm"
            nominal_corner_only = True
            process_corners = ["TT"]
            supply_voltages = [\(vddOpenRAM)]
            temperatures = [25]
            route_supplies = False
            check_lvsdrc = False
            use_conda = False
            output_path = "\(out.path)"
            output_name = "\(name)"

            """
        let cfg = dir.appendingPathComponent("config.py")
        try config.write(to: cfg, atomically: true, encoding: .utf8)
        progress?("memory macro \(words)x\(bits): OpenRAM (scn4m_subm, layout and analytical model) …")
        let python = venv.appendingPathComponent("bin/python").path
        let script = "export OPENRAM_HOME='\(pkg.path)/compiler' OPENRAM_TECH='\(pkg.path)/technology'; exec '\(python)' '\(pkg.path)/sram_compiler.py' '\(cfg.path)'"
        let r = try Tools.run("/bin/sh", ["-c", script], in: dir, timeout: 3600)
        let log = dir.appendingPathComponent("openram.log")
        try r.combined.write(to: log, atomically: true, encoding: .utf8)
        let lib = out.appendingPathComponent("\(name)_TT_\(String(format: "%.1f", vddOpenRAM).replacingOccurrences(of: ".", with: "p"))V_25C.lib")
        guard r.status == 0, !r.timedOut, let text = try? String(contentsOf: lib, encoding: .utf8) else {
            let line = r.combined.split(separator: "\n").last { $0.contains("Error") || $0.contains("ERROR") } ?? "exit status \(r.status)"
            throw HWGenError.badInput("OpenRAM failed on \(words)x\(bits): \(line) (log: \(log.path))")
        }
        let model = try scaled(openRAMLiberty: text, words: words, bits: bits)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(model).write(to: cached)
        return model
    }

    /// The OSU018 model from the Liberty OpenRAM wrote for `scn4m_subm` at 5 V (pure; see the
    /// type's documentation for the rules).
    static func scaled(openRAMLiberty text: String, words: Int, bits: Int) throws -> SRAMMacroModel {
        func number(after key: String, in t: Substring) -> Double? {
            guard let r = t.range(of: key) else { return nil }
            let rest = t[r.upperBound...].drop { $0 == " " || $0 == ":" }
            return Double(rest.prefix { "0123456789.eE+-".contains($0) })
        }
        /// The largest number of the first `values(...)` after `key`.
        func values(after key: String) -> Double? {
            guard let r = text.range(of: key), let v = text[r.upperBound...].range(of: "values(") else { return nil }
            let body = text[v.upperBound...].prefix { $0 != ")" }
            return body.split { ", \"\\\n".contains($0) }.compactMap { Double($0) }.max()
        }
        let all = text[...]
        guard let area = number(after: "area :", in: all), area > 0,
              let leakage = number(after: "cell_leakage_power :", in: all),
              let access = values(after: "cell_rise("),
              let setup = values(after: "setup_rising"),
              let period = values(after: "\"minimum_period\""),
              let power = values(after: "rise_power("),
              let cap = number(after: "capacitance :", in: all),
              let slew = values(after: "rise_transition(") else {
            throw HWGenError.badInput("cannot read area, leakage, access time, setup, minimum period, power and pin capacitance from OpenRAM's Liberty")
        }
        let s = lambdaOSU018 / lambdaOpenRAM, v = vddOSU018 / vddOpenRAM
        let energyPJ = power / eventMHz * 1e3 * s * v * v   // mW / MHz = nJ; ×1e3 → pJ
        func r(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
        return SRAMMacroModel(
            words: words, bits: bits, areaUM2: r(area * s * s), accessNS: r(access * s), setupNS: r(setup * s),
            minPeriodNS: r(period * s), readPJ: r(energyPJ), writePJ: r(energyPJ), leakageMW: r(leakage * s * v),
            pinCapPF: r(cap * s), outputSlewNS: r(slew * s),
            source: "OpenRAM scn4m_subm (λ 0.2 µm, 5 V, analytical model, placed layout), scaled to λ 0.1 µm, 1.8 V: "
                + "area ×0.25, delay ×0.5, energy ×0.5·0.36², leakage ×0.5·0.36")
    }

    /// A Liberty library (OSU018's units) with one cell per macro module: area, leakage, pin
    /// capacitances, setup of every input to the rising clock and the clock-to-`rdata` delay. No
    /// internal power: HWGen counts reads and writes in the gate-level simulation and charges
    /// ``SRAMMacroModel/readPJ`` and ``SRAMMacroModel/writePJ`` for each.
    static func liberty(_ cells: [Cell]) -> String {
        func f(_ x: Double) -> String { String(format: "%.6g", x) }
        var widths = Set<Int>()
        for c in cells { widths.insert(c.addressBits); widths.insert(c.model.bits) }
        var s = """
            library (hwgen_sram_macros) {
              delay_model : table_lookup ;
              time_unit : "1ns" ;
              voltage_unit : "1V" ;
              current_unit : "1mA" ;
              capacitive_load_unit (1, pf) ;
              leakage_power_unit : "1nW" ;
              nom_voltage : 1.8 ;
              nom_temperature : 25 ;
              nom_process : 1 ;
              input_threshold_pct_rise : 50 ;
              input_threshold_pct_fall : 50 ;
              output_threshold_pct_rise : 50 ;
              output_threshold_pct_fall : 50 ;
              slew_lower_threshold_pct_rise : 10 ;
              slew_upper_threshold_pct_rise : 90 ;
              slew_lower_threshold_pct_fall : 10 ;
              slew_upper_threshold_pct_fall : 90 ;

            """
        for w in widths.sorted() {
            s += "  type (hwgen_bus\(w)) { base_type : array ; data_type : bit ; bit_width : \(w) ; bit_from : \(w - 1) ; bit_to : 0 ; downto : true ; }\n"
        }
        for c in cells {
            let m = c.model
            func input(_ name: String, bus: Int?) -> String {
                let head = bus.map { "    bus (\(name)) {\n      bus_type : hwgen_bus\($0) ;\n" } ?? "    pin (\(name)) {\n"
                return head + """
                      direction : input ;
                      capacitance : \(f(m.pinCapPF)) ;
                      timing () {
                        related_pin : "clk" ;
                        timing_type : setup_rising ;
                        rise_constraint (scalar) { values ("\(f(m.setupNS))") ; }
                        fall_constraint (scalar) { values ("\(f(m.setupNS))") ; }
                      }
                    }

                """
            }
            s += """
                  cell (\(c.name)) {
                    area : \(f(m.areaUM2)) ;
                    is_macro_cell : true ;
                    dont_use : true ;
                    cell_leakage_power : \(f(m.leakageMW * 1e6)) ;
                    pin (clk) {
                      direction : input ;
                      clock : true ;
                      capacitance : \(f(m.pinCapPF)) ;
                    }

                """
            s += input("we", bus: nil) + input("waddr", bus: c.addressBits) + input("wdata", bus: m.bits)
            s += input("re", bus: nil) + input("raddr", bus: c.addressBits)
            s += """
                    bus (rdata) {
                      bus_type : hwgen_bus\(m.bits) ;
                      direction : output ;
                      timing () {
                        related_pin : "clk" ;
                        timing_type : rising_edge ;
                        cell_rise (scalar) { values ("\(f(m.accessNS))") ; }
                        cell_fall (scalar) { values ("\(f(m.accessNS))") ; }
                        rise_transition (scalar) { values ("\(f(m.outputSlewNS))") ; }
                        fall_transition (scalar) { values ("\(f(m.outputSlewNS))") ; }
                      }
                    }
                  }

                """
        }
        return s + "}\n"
    }
}
