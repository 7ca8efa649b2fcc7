import Foundation

/// The parts of a Liberty library HWGen uses: each cell's area, leakage, pins and logic
/// (`function`, `ff`, `latch`), enough to write functional simulation models of its cells.
public struct LibertyLibrary: Sendable {
    /// One pin of a cell.
    public struct Pin: Sendable, Equatable {
        public var name: String
        /// `input`, `output` or `inout`.
        public var direction: String
        /// The output's Boolean function in Liberty syntax, e.g. `(!((A B)+C))`.
        public var function: String?
        /// When the output is high impedance (Liberty `three_state`), or nil.
        public var threeState: String?
        /// Input capacitance, in the library's capacitive load unit.
        public var capacitance: Double
    }

    /// A cell's storage element: a Liberty `ff` or `latch` group.
    public struct Storage: Sendable, Equatable {
        /// `ff` or `latch`.
        public var kind: String
        /// The state variables (`IQ`, `IQN` by convention; OSU018 names them `DS0000`, `P0002`).
        public var state: String, stateNegated: String
        /// `next_state` (ff) or `data_in` (latch).
        public var data: String
        /// `clocked_on` (ff) or `enable` (latch).
        public var clock: String
        public var clear: String?
        public var preset: String?
    }

    /// One cell.
    public struct Cell: Sendable, Equatable {
        public var name: String
        public var area: Double
        /// `cell_leakage_power`, in the library's leakage power unit.
        public var leakage: Double
        public var pins: [Pin]
        public var storage: Storage?
        /// Output pin names, in the file's order.
        public var outputs: [String] { pins.filter { $0.direction != "input" }.map(\.name) }
    }

    /// Cells by name.
    public var cells: [String: Cell]

    /// Reads the Liberty file at `path` (exit 2 naming the file on a syntax error).
    public static func load(path: String) throws -> LibertyLibrary {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw HWGenError.badInput("Liberty file \(path) cannot be read")
        }
        do { return try parse(text) } catch let e as HWGenError {
            throw HWGenError.badInput("\(path): \(e.message)")
        }
    }

    /// Parses Liberty text.
    public static func parse(_ text: String) throws -> LibertyLibrary {
        var p = GroupParser(text)
        let groups = try p.parseAll()
        guard let lib = groups.first(where: { $0.kind == "library" }) else {
            throw HWGenError.badInput("no library group")
        }
        var cells: [String: Cell] = [:]
        for c in lib.children where c.kind == "cell" {
            guard let name = c.args.first else { continue }
            let pins = c.children.filter { $0.kind == "pin" }.compactMap { g -> Pin? in
                guard let n = g.args.first else { return nil }
                return Pin(name: n, direction: g.attr("direction") ?? "input", function: g.attr("function"),
                           threeState: g.attr("three_state"),
                           capacitance: g.attr("capacitance").flatMap(Double.init) ?? 0)
            }
            let storage = c.children.first { $0.kind == "ff" || $0.kind == "latch" }.map { g in
                Storage(kind: g.kind, state: g.args.first ?? "IQ", stateNegated: g.args.dropFirst().first ?? "IQN",
                        data: g.attr(g.kind == "ff" ? "next_state" : "data_in") ?? "",
                        clock: g.attr(g.kind == "ff" ? "clocked_on" : "enable") ?? "",
                        clear: g.attr("clear"), preset: g.attr("preset"))
            }
            cells[name] = Cell(name: name, area: c.attr("area").flatMap(Double.init) ?? 0,
                               leakage: c.attr("cell_leakage_power").flatMap(Double.init) ?? 0,
                               pins: pins, storage: storage)
        }
        return LibertyLibrary(cells: cells)
    }

    // MARK: - Simulation models

    /// Verilog-2005 functional models of `names` (every cell when nil), one module per cell, from the
    /// Liberty `function`, `three_state`, `ff` and `latch` attributes: zero-delay, no timing checks.
    /// Icarus and Verilator both accept them (the library's own `.v` models use UDPs Verilator rejects).
    public func verilogModels(_ names: [String]? = nil) throws -> String {
        var out = """
            // Functional models of Liberty cells, written by hwgen from the cells' function, ff and latch
            // attributes (zero delay, no timing checks). Do not edit.
            /* verilator lint_off DECLFILENAME */
            /* verilator lint_off UNUSEDSIGNAL */
            /* verilator lint_off MULTIDRIVEN */

            """
        for name in (names ?? Array(cells.keys)).sorted() {
            guard let cell = cells[name] else { throw HWGenError.badInput("cell \(name) is not in the Liberty file") }
            out += try model(cell) + "\n"
        }
        return out
    }

    private func model(_ cell: Cell) throws -> String {
        func expr(_ f: String) throws -> String {
            do { return try LibertyExpression.verilog(f) } catch let e as HWGenError {
                throw HWGenError.badInput("cell \(cell.name): \(e.message)")
            }
        }
        var lines = ["module \(cell.name) (\(cell.pins.map(\.name).joined(separator: ", ")));"]
        for p in cell.pins { lines.append("    \(p.direction == "input" ? "input" : "output") \(p.name);") }
        if let s = cell.storage {
            lines.append("    reg \(s.state);")
            lines.append("    wire \(s.stateNegated) = ~\(s.state);")
            lines.append("    " + (try s.alwaysBlock(state: s.state, expr: expr) { pin in
                guard pin.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw HWGenError.badInput("cell \(cell.name): cannot model the edge condition on '\(pin)' (allowed: a pin or its negation)")
                }
                return pin
            }))
        }
        for p in cell.pins where p.direction != "input" {
            guard let f = p.function else { throw HWGenError.badInput("cell \(cell.name): output \(p.name) has no function") }
            if let z = p.threeState {
                lines.append("    assign \(p.name) = \(try expr(z)) ? 1'bz : \(try expr(f));")
            } else {
                lines.append("    assign \(p.name) = \(try expr(f));")
            }
        }
        lines.append("endmodule")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension LibertyLibrary.Storage {
    /// The storage element as one Verilog `always` block on the variable `state`: `expr` writes a
    /// Liberty expression in Verilog, `signal` names the signal of an edge pin (clock, clear and
    /// preset must be a pin or its negation: `posedge X`, `negedge X` for `!X` / `X'`).
    func alwaysBlock(state: String, expr: (String) throws -> String, signal: (String) throws -> String) throws -> String {
        func edge(_ f: String) throws -> String {
            let t = f.filter { !$0.isWhitespace && $0 != "(" && $0 != ")" }
            let pin = t.trimmingCharacters(in: CharacterSet(charactersIn: "!'"))
            return (t.hasPrefix("!") || t.hasSuffix("'") ? "negedge " : "posedge ") + (try signal(pin))
        }
        let data = try expr(self.data)
        if kind == "ff" {
            var events = [try edge(clock)], branches: [String] = []
            if let c = clear { events.append(try edge(c)); branches.append("if (\(try expr(c))) \(state) <= 1'b0;") }
            if let p = preset { events.append(try edge(p)); branches.append("if (\(try expr(p))) \(state) <= 1'b1;") }
            branches.append("\(state) <= \(data);")
            return "always @(\(events.joined(separator: " or "))) " + branches.joined(separator: " else ")
        }
        var body = "if (\(try expr(clock))) \(state) = \(data);"
        if let c = clear { body = "if (\(try expr(c))) \(state) = 1'b0; else " + body }
        if let p = preset { body = "if (\(try expr(p))) \(state) = 1'b1; else " + body }
        return "always @* " + body
    }
}

/// Liberty Boolean expressions (`!`/`'` not, `&`/`*`/juxtaposition and, `^` xor, `|`/`+` or)
/// as Verilog expressions.
enum LibertyExpression {
    /// A parsed function: pins and state variables, constants, `!`, `&`, `^`, `|`.
    indirect enum Node: Equatable {
        case variable(String), constant(Bool), not(Node), and(Node, Node), xor(Node, Node), or(Node, Node)

        /// Verilog text, each variable through `rename`; binary operations parenthesized.
        func verilog(_ rename: (String) -> String) -> String {
            switch self {
            case .variable(let v): return rename(v)
            case .constant(let b): return b ? "1'b1" : "1'b0"
            case .not(let x): return "~" + x.verilog(rename)
            case .and(let a, let b): return "(\(a.verilog(rename)) & \(b.verilog(rename)))"
            case .xor(let a, let b): return "(\(a.verilog(rename)) ^ \(b.verilog(rename)))"
            case .or(let a, let b): return "(\(a.verilog(rename)) | \(b.verilog(rename)))"
            }
        }

        /// The value with each variable's from `value`.
        func evaluate(_ value: (String) -> Bool) -> Bool {
            switch self {
            case .variable(let v): return value(v)
            case .constant(let b): return b
            case .not(let x): return !x.evaluate(value)
            case .and(let a, let b): return a.evaluate(value) && b.evaluate(value)
            case .xor(let a, let b): return a.evaluate(value) != b.evaluate(value)
            case .or(let a, let b): return a.evaluate(value) || b.evaluate(value)
            }
        }

        /// The variables, each once, in order of first appearance.
        var variables: [String] {
            var out: [String] = []
            func visit(_ n: Node) {
                switch n {
                case .variable(let v): if !out.contains(v) { out.append(v) }
                case .constant: break
                case .not(let x): visit(x)
                case .and(let a, let b), .xor(let a, let b), .or(let a, let b): visit(a); visit(b)
                }
            }
            visit(self)
            return out
        }
    }

    /// `rename` maps each pin or state-variable name (default: unchanged).
    static func verilog(_ text: String, rename: (String) -> String = { $0 }) throws -> String {
        try parse(text).verilog(rename)
    }

    /// Parses a Liberty `function` (`!` or a postfix `'` negates; `&`, `*` or juxtaposition is AND,
    /// `^` XOR, `|` or `+` OR, in rising order of looseness).
    static func parse(_ text: String) throws -> Node {
        var tokens: [String] = []
        var i = text.startIndex
        while i < text.endIndex {
            let ch = text[i]
            if ch.isWhitespace { i = text.index(after: i); continue }
            if "!'&*|+^()".contains(ch) { tokens.append(String(ch)); i = text.index(after: i); continue }
            guard ch.isLetter || ch.isNumber || ch == "_" else {
                throw HWGenError.badInput("unexpected '\(ch)' in function \"\(text)\"")
            }
            var j = i
            while j < text.endIndex, text[j].isLetter || text[j].isNumber || text[j] == "_" { j = text.index(after: j) }
            tokens.append(String(text[i..<j]))
            i = j
        }
        var pos = 0
        func peek() -> String? { pos < tokens.count ? tokens[pos] : nil }
        func fail() -> HWGenError { HWGenError.badInput("cannot read function \"\(text)\"") }
        func primary() throws -> Node {
            guard let t = peek() else { throw fail() }
            pos += 1
            var v: Node
            if t == "!" { v = .not(try primary()) }
            else if t == "(" {
                v = try or()
                guard peek() == ")" else { throw fail() }
                pos += 1
            } else if t == "0" || t == "1" { v = .constant(t == "1") }
            else if t.first!.isLetter || t.first == "_" { v = .variable(t) }
            else { throw fail() }
            while peek() == "'" { pos += 1; v = .not(v) }
            return v
        }
        func and() throws -> Node {
            var v = try primary()
            while let t = peek(), t == "&" || t == "*" || t == "!" || t == "(" || t.first!.isLetter || t.first!.isNumber || t.first == "_" {
                if t == "&" || t == "*" { pos += 1 }
                v = .and(v, try primary())
            }
            return v
        }
        func xor() throws -> Node {
            var v = try and()
            while peek() == "^" { pos += 1; v = .xor(v, try and()) }
            return v
        }
        func or() throws -> Node {
            var v = try xor()
            while peek() == "|" || peek() == "+" { pos += 1; v = .or(v, try xor()) }
            return v
        }
        let v = try or()
        guard pos == tokens.count else { throw fail() }
        return v
    }
}

/// A Liberty group: `kind (args) { attributes; children }`.
private struct LibertyGroup {
    var kind: String
    var args: [String]
    var attrs: [String: String] = [:]
    var children: [LibertyGroup] = []
    func attr(_ name: String) -> String? { attrs[name] }
}

/// Recursive-descent reader of Liberty's group/attribute syntax (comments and line continuations removed).
private struct GroupParser {
    private var s: [UInt8]
    private var i = 0
    private var line = 1

    init(_ text: String) { s = Array(text.utf8) }

    mutating func parseAll() throws -> [LibertyGroup] {
        var root = LibertyGroup(kind: "", args: [])
        try body(into: &root, top: true)
        return root.children
    }

    private mutating func skip() {
        while i < s.count {
            let c = s[i]
            if c == UInt8(ascii: "\n") { line += 1; i += 1 }
            else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { i += 1 }
            else if c == UInt8(ascii: "\\"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "\n") || s[i + 1] == UInt8(ascii: "\r") { i += 1 }
            else if c == UInt8(ascii: "/"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < s.count, !(s[i] == UInt8(ascii: "*") && s[i + 1] == UInt8(ascii: "/")) {
                    if s[i] == UInt8(ascii: "\n") { line += 1 }
                    i += 1
                }
                i += 2
            } else { return }
        }
    }

    private func error(_ what: String) -> HWGenError { HWGenError.badInput("line \(line): \(what)") }

    /// A word (name, number) or a quoted string, without its quotes.
    private mutating func word() throws -> String {
        skip()
        guard i < s.count else { throw error("unexpected end of file") }
        if s[i] == UInt8(ascii: "\"") {
            i += 1
            let start = i
            while i < s.count, s[i] != UInt8(ascii: "\"") { if s[i] == UInt8(ascii: "\n") { line += 1 }; i += 1 }
            guard i < s.count else { throw error("unterminated string") }
            defer { i += 1 }
            return String(decoding: s[start..<i], as: UTF8.self)
        }
        let start = i
        while i < s.count, !" \t\r\n(){}:;,\"".utf8.contains(s[i]) { i += 1 }
        guard i > start else { throw error("expected a name, found '\(Character(UnicodeScalar(s[i])))'") }
        return String(decoding: s[start..<i], as: UTF8.self)
    }

    private mutating func peekChar() -> UInt8? { skip(); return i < s.count ? s[i] : nil }

    private mutating func expect(_ c: Character) throws {
        guard peekChar() == c.asciiValue else { throw error("expected '\(c)'") }
        i += 1
    }

    private mutating func body(into g: inout LibertyGroup, top: Bool) throws {
        while let c = peekChar() {
            if c == UInt8(ascii: "}") {
                guard !top else { throw error("unbalanced '}'") }
                i += 1
                return
            }
            let name = try word()
            switch peekChar() {
            case UInt8(ascii: ":"):
                i += 1
                var value = try word()
                while let c = peekChar(), c != UInt8(ascii: ";"), c != UInt8(ascii: "}"), c != UInt8(ascii: "\n") {
                    value += " " + (try word())
                }
                if peekChar() == UInt8(ascii: ";") { i += 1 }
                g.attrs[name] = value
            case UInt8(ascii: "("):
                i += 1
                var args: [String] = []
                while peekChar() != UInt8(ascii: ")") {
                    args.append(try word())
                    if peekChar() == UInt8(ascii: ",") { i += 1 }
                }
                i += 1
                if peekChar() == UInt8(ascii: "{") {
                    i += 1
                    var child = LibertyGroup(kind: name, args: args)
                    try body(into: &child, top: false)
                    g.children.append(child)
                } else {
                    if peekChar() == UInt8(ascii: ";") { i += 1 }
                    g.attrs[name] = args.joined(separator: ", ")
                }
            default:
                throw error("expected ':' or '(' after '\(name)'")
            }
        }
        if !top { throw error("unexpected end of file inside \(g.kind)") }
    }
}
