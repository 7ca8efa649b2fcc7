import HWGenTypes

/// Where in the user's Swift source a hardware construct was written.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let fileID: String
    public let line: Int
    public init(fileID: String, line: Int) {
        self.fileID = fileID
        self.line = line
    }
    public var description: String { "\(fileID):\(line)" }
}

/// Unary operators.
public enum UnaryOp: String, Hashable, Sendable {
    case not = "~"
}

/// Binary operators. Result types are given by ``Expr/type``.
public enum BinaryOp: String, Hashable, Sendable {
    case add = "+", sub = "-", mul = "*"
    case and = "&", or = "|", xor = "^"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="

    /// True for the comparison operators, whose result is one unsigned bit.
    public var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: return true
        default: return false
        }
    }
}

/// A typed combinational expression. Every node knows its exact type.
public indirect enum Expr: Hashable, Sendable {
    /// A named signal of this module (port, wire, register or instance output).
    case ref(String, HWType)
    /// A constant; `value` is representable in the type.
    case const(Int64, HWType)
    case unary(UnaryOp, Expr, HWType)
    case binary(BinaryOp, Expr, Expr, HWType)
    /// `cond ? then : else`; cond is one bit, both arms have the node's type.
    case mux(Expr, Expr, Expr, HWType)
    /// Bits hi...lo of an expression, unsigned.
    case slice(Expr, hi: Int, lo: Int)
    /// Concatenation, most significant first, unsigned.
    case concat([Expr])
    /// Value-preserving extension or modular truncation (wrap) to a type.
    case resize(Expr, HWType)
    /// Same bits, other signedness.
    case reinterpret(Expr, HWType)
    /// Word `address` of memory `name` (only as the next value of a register: a synchronous read).
    case read(String, Expr, HWType)
    /// An expression the DSL could not build; Checks report it at the use site.
    case invalid(String)

    /// The exact type of the expression.
    public var type: HWType {
        switch self {
        case .ref(_, let t), .const(_, let t), .unary(_, _, let t), .binary(_, _, _, let t),
             .mux(_, _, _, let t), .resize(_, let t), .reinterpret(_, let t), .read(_, _, let t):
            return t
        case .slice(_, let hi, let lo): return .u(hi - lo + 1)
        case .concat(let parts): return .u(parts.reduce(0) { $0 + $1.type.bits })
        case .invalid: return .bit
        }
    }

    /// Direct sub-expressions.
    public var children: [Expr] {
        switch self {
        case .ref, .const, .invalid: return []
        case .unary(_, let x, _), .slice(let x, _, _), .resize(let x, _), .reinterpret(let x, _), .read(_, let x, _): return [x]
        case .binary(_, let l, let r, _): return [l, r]
        case .mux(let c, let t, let e, _): return [c, t, e]
        case .concat(let parts): return parts
        }
    }

    /// Names of all signals the expression reads, in first-use order.
    public var references: [String] {
        var out: [String] = []
        var seen: Set<String>?                      // only for expressions that read many signals
        func walk(_ e: Expr) {
            switch e {
            case .ref(let n, _):
                if seen == nil && out.count >= 16 { seen = Set(out) }
                if seen != nil ? seen!.insert(n).inserted : !out.contains(n) { out.append(n) }
            case .const, .invalid: break
            case .unary(_, let x, _), .slice(let x, _, _), .resize(let x, _), .reinterpret(let x, _), .read(_, let x, _): walk(x)
            case .binary(_, let l, let r, _): walk(l); walk(r)
            case .mux(let c, let t, let f, _): walk(c); walk(t); walk(f)
            case .concat(let parts): parts.forEach(walk)
            }
        }
        walk(self)
        return out
    }

    /// True when the expression contains an `.invalid` node.
    public var hasInvalid: Bool {
        switch self {
        case .invalid: return true
        case .ref, .const: return false
        case .unary(_, let x, _), .slice(let x, _, _), .resize(let x, _), .reinterpret(let x, _), .read(_, let x, _): return x.hasInvalid
        case .binary(_, let l, let r, _): return l.hasInvalid || r.hasInvalid
        case .mux(let c, let t, let f, _): return c.hasInvalid || t.hasInvalid || f.hasInvalid
        case .concat(let parts): return parts.contains(where: \.hasInvalid)
        }
    }

    /// Messages of all `.invalid` nodes inside the expression.
    public var invalidMessages: [String] {
        if case .invalid(let m) = self { return [m] }
        guard hasInvalid else { return [] }
        return children.flatMap(\.invalidMessages)
    }
}

/// Direction of a port.
public enum PortDirection: String, Hashable, Sendable { case input, output }

/// A module port. `clk` and `rst` are added by the builder when the module needs them.
public struct Port: Hashable, Sendable {
    public let name: String
    public let direction: PortDirection
    public let type: HWType
    public let location: SourceLocation
}

/// A named combinational net.
public struct Wire: Hashable, Sendable {
    public let name: String
    public let type: HWType
    public let location: SourceLocation
}

/// A register clocked by `clk`; reset synchronously by `rst` to `reset` when that is non-nil.
public struct Register: Hashable, Sendable {
    public let name: String
    public let type: HWType
    public let reset: Int64?
    public let location: SourceLocation
}

/// Continuous assignment of a wire or output port.
public struct Assignment: Hashable, Sendable {
    public let target: String
    public let value: Expr
    public let location: SourceLocation
}

/// Next-state function of a register; it loads `next` on every clock edge where `enable` is 1
/// (every edge when `enable` is nil).
public struct RegisterUpdate: Hashable, Sendable {
    public let target: String
    public let next: Expr
    public let enable: Expr?
    public let location: SourceLocation
}

/// An inferred memory: `depth` words of `type` (depth a power of two), written and read on `clk`.
public struct Memory: Hashable, Sendable {
    public let name: String
    public let type: HWType
    public let depth: Int
    public let location: SourceLocation

    /// Width of an address: log2(depth).
    public var addressBits: Int { max(1, depth.trailingZeroBitCount) }
}

/// `if (enable) memory[address] <= data;` on the clock edge.
public struct MemoryWrite: Hashable, Sendable {
    public let memory: String
    public let address: Expr
    public let data: Expr
    public let enable: Expr
    public let location: SourceLocation
}

/// An instance of another module. Inputs are connected to expressions; each output drives a wire
/// of this module named in `outputs`.
public struct Instance: Hashable, Sendable {
    public let name: String
    public let module: Module
    public var inputs: [String: Expr]
    public let outputs: [String: String]
    public let location: SourceLocation
}

/// A problem found while building or checking a module.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public let location: SourceLocation
    public let message: String
    public var description: String { "\(location): \(message)" }
}

/// A hardware module: a value-type, `Sendable` description that the checks inspect and the
/// emitter prints. Build one with the DSL (`Module("name") { m in ... }`).
public struct Module: Hashable, Sendable {
    public let name: String
    /// One-line description printed in the generated file's header.
    public var doc: String?
    /// Spec file the module was generated from, printed in the header (relative path).
    public var origin: String?
    public var ports: [Port]
    public var wires: [Wire]
    public var registers: [Register]
    public var assignments: [Assignment]
    public var updates: [RegisterUpdate]
    public var instances: [Instance]
    /// Inferred memories and their write ports (reads are `Expr.read` in register updates).
    public var memories: [Memory] = []
    public var memoryWrites: [MemoryWrite] = []
    /// A memory macro: ASIC flows keep it as a black box with a Liberty cell of its own (an SRAM
    /// compiler's model); simulation and FPGA flows use its body (block RAM is inferred from it).
    public var isMemoryMacro = false
    /// Problems recorded while building (duplicate names, bad operators, …).
    public var buildDiagnostics: [Diagnostic]
    public let location: SourceLocation

    public init(name: String, doc: String? = nil, origin: String? = nil, ports: [Port] = [], wires: [Wire] = [],
                registers: [Register] = [], assignments: [Assignment] = [], updates: [RegisterUpdate] = [],
                instances: [Instance] = [], buildDiagnostics: [Diagnostic] = [], location: SourceLocation) {
        self.name = name
        self.doc = doc
        self.origin = origin
        self.ports = ports
        self.wires = wires
        self.registers = registers
        self.assignments = assignments
        self.updates = updates
        self.instances = instances
        self.buildDiagnostics = buildDiagnostics
        self.location = location
    }

    /// Port with the given name.
    public func port(_ name: String) -> Port? { ports.first { $0.name == name } }
    public var inputs: [Port] { ports.filter { $0.direction == .input } }
    public var outputs: [Port] { ports.filter { $0.direction == .output } }

    /// This module and every module instantiated below it, each name once, children first.
    public var hierarchy: [Module] {
        var seen = Set<String>(), out: [Module] = []
        func visit(_ m: Module) {
            for i in m.instances { visit(i.module) }
            if seen.insert(m.name).inserted { out.append(m) }
        }
        visit(self)
        return out
    }
}
