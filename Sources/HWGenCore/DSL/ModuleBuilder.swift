import HWGenTypes

/// Collects the body of one module. It only lives inside `Module(name) { m in ... }`:
/// there is no global builder, so modules can be built concurrently.
public final class ModuleBuilder {
    private let name: String
    private let location: SourceLocation
    private var ports: [Port] = []
    private var wires: [Wire] = []
    private var registers: [Register] = []
    private var assignments: [Assignment] = []
    private var updates: [RegisterUpdate] = []
    private var memories: [Memory] = []
    private var memoryWrites: [MemoryWrite] = []
    private var instances: [Instance] = []
    private var instanceIndex: [String: Int] = [:]
    private var diagnostics: [Diagnostic] = []
    private var declared = Set<String>()
    /// Every declaration in order, to name the first one when a name is declared twice.
    private var declarations: [(name: String, location: SourceLocation)] = []
    private var needsClock = false, needsReset = false

    init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    /// Records a problem at a source location; the checks report it.
    func report(_ message: String, at loc: SourceLocation) {
        diagnostics.append(Diagnostic(location: loc, message: message))
    }

    private func declare(_ n: String, _ loc: SourceLocation) {
        if n == "clk" || n == "rst" {
            report("'\(n)' is reserved for the implicit clock/reset", at: loc)
        } else if let problem = VerilogNames.problem(with: n) {
            report("bad name: \(problem)", at: loc)
        } else if !declared.insert(n).inserted, let first = declarations.first(where: { $0.name == n }) {
            report("'\(n)' is already declared at \(first.location)", at: loc)
        }
        declarations.append((n, loc))
    }

    private func checkDeclaredWidth(_ t: HWType, _ what: String, _ loc: SourceLocation) {
        if t.bits > HWType.maxBits {
            report("\(what) is \(t.bits) bits wide (allowed: 1...\(HWType.maxBits))", at: loc)
        }
    }

    /// Declares an input port.
    public func input(_ n: String, _ t: HWType, fileID: String = #fileID, line: Int = #line) -> Value {
        let loc = SourceLocation(fileID: fileID, line: line)
        declare(n, loc)
        checkDeclaredWidth(t, "input '\(n)'", loc)
        ports.append(Port(name: n, direction: .input, type: t, location: loc))
        return Value(.ref(n, t))
    }

    /// Declares an output port driven by `v` (its type is `v`'s type). When `v` is the register
    /// named `n`, that register becomes the port (`output reg`).
    public func output(_ n: String, _ v: some HWValue, fileID: String = #fileID, line: Int = #line) {
        if case .ref(let r, let t) = v.value.expr, r == n, registers.contains(where: { $0.name == n }) {
            ports.append(Port(name: n, direction: .output, type: t, location: SourceLocation(fileID: fileID, line: line)))
            return
        }
        output(n, v.type, fileID: fileID, line: line).drive(v, fileID: fileID, line: line)
    }

    /// Declares an output port to be driven later with `drive(_:)`.
    public func output(_ n: String, _ t: HWType, fileID: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLocation(fileID: fileID, line: line)
        declare(n, loc)
        checkDeclaredWidth(t, "output '\(n)'", loc)
        ports.append(Port(name: n, direction: .output, type: t, location: loc))
        return Signal(name: n, type: t, builder: self)
    }

    /// Names an expression: a wire driven by `v`.
    public func wire(_ n: String, _ v: some HWValue, fileID: String = #fileID, line: Int = #line) -> Value {
        let s = wire(n, v.type, fileID: fileID, line: line)
        s.drive(v, fileID: fileID, line: line)
        return s.value
    }

    /// Declares a wire to be driven later with `drive(_:)`.
    public func wire(_ n: String, _ t: HWType, fileID: String = #fileID, line: Int = #line) -> Signal {
        let loc = SourceLocation(fileID: fileID, line: line)
        declare(n, loc)
        checkDeclaredWidth(t, "wire '\(n)'", loc)
        wires.append(Wire(name: n, type: t, location: loc))
        return Signal(name: n, type: t, builder: self)
    }

    /// Declares a register, reset synchronously to `reset` (no reset when nil).
    public func register(_ n: String, _ t: HWType, reset: Int64? = 0,
                         fileID: String = #fileID, line: Int = #line) -> Reg {
        let loc = SourceLocation(fileID: fileID, line: line)
        declare(n, loc)
        checkDeclaredWidth(t, "register '\(n)'", loc)
        if let r = reset, !t.contains(r) { report("reset value \(r) of '\(n)' does not fit \(t)", at: loc) }
        registers.append(Register(name: n, type: t, reset: reset, location: loc))
        needsClock = true
        if reset != nil { needsReset = true }
        return Reg(name: n, type: t, builder: self)
    }

    /// `v` delayed by one clock (a register named `n`).
    public func delay(_ v: some HWValue, _ n: String, reset: Int64? = 0, enable: Value? = nil,
                      fileID: String = #fileID, line: Int = #line) -> Value {
        let r = register(n, v.type, reset: reset, fileID: fileID, line: line)
        r.next(v, enable: enable, fileID: fileID, line: line)
        return r.value
    }

    /// `v` delayed by `cycles` clocks: registers `<prefix>_d1` … `<prefix>_d<cycles>` (none for 0).
    public func delay(_ v: Value, cycles: Int, _ prefix: String, reset: Int64? = nil,
                      fileID: String = #fileID, line: Int = #line) -> Value {
        (0..<max(0, cycles)).reduce(v) { x, d in delay(x, "\(prefix)_d\(d + 1)", reset: reset, fileID: fileID, line: line) }
    }

    /// Instantiates `module` as `n`, connecting its inputs by port name. `clk` and `rst` are
    /// connected implicitly. Each output `p` becomes a wire named `n_p`.
    @discardableResult
    public func instance(_ module: Module, _ n: String, _ inputs: [String: any HWValue],
                         fileID: String = #fileID, line: Int = #line) -> InstanceOutputs {
        let loc = SourceLocation(fileID: fileID, line: line)
        declare(n, loc)
        var connected: [String: Expr] = [:]
        for (port, v) in inputs {
            guard let p = module.port(port), p.direction == .input, port != "clk", port != "rst" else {
                report("'\(module.name)' has no input '\(port)'", at: loc)
                continue
            }
            connected[port] = v.value.expr
        }
        var outs: [String: String] = [:]
        for p in module.ports {
            guard p.direction == .output else {
                if p.name == "clk" || p.name == "rst" {
                    connected[p.name] = .ref(p.name, .bit)
                    if p.name == "clk" { needsClock = true } else { needsReset = true }
                }
                continue
            }
            let w = "\(n)_\(p.name)"
            declare(w, loc)
            wires.append(Wire(name: w, type: p.type, location: loc))
            outs[p.name] = w
        }
        instanceIndex[n] = instanceIndex[n] ?? instances.count
        instances.append(Instance(name: n, module: module, inputs: connected, outputs: outs, location: loc))
        return InstanceOutputs(instance: n, module: module, wires: outs, builder: self)
    }

    /// Connects input `port` of an already created instance (for signals that flow backwards).
    func connect(_ instance: String, _ port: String, _ v: Value, _ loc: SourceLocation) {
        guard let k = instanceIndex[instance] else { return }
        let module = instances[k].module
        guard let p = module.port(port), p.direction == .input else {
            return report("'\(module.name)' has no input '\(port)'", at: loc)
        }
        if instances[k].inputs[port] != nil {
            return report("input '\(port)' of instance '\(instance)' is connected twice", at: loc)
        }
        instances[k].inputs[port] = v.expr
    }

    func addAssignment(_ target: String, _ v: Value, _ loc: SourceLocation) {
        assignments.append(Assignment(target: target, value: v.expr, location: loc))
    }

    func addUpdate(_ target: String, _ v: Value, _ enable: Value?, _ loc: SourceLocation) {
        updates.append(RegisterUpdate(target: target, next: v.expr, enable: enable?.expr, location: loc))
    }

    /// An inferred memory of `depth` words (a power of two) of type `t`: write it with
    /// ``MemoryHandle/write(_:_:enable:fileID:line:)`` and read it synchronously with
    /// `register.next(mem[address])`.
    public func memory(_ n: String, _ t: HWType, depth: Int, fileID: String = #fileID, line: Int = #line) -> MemoryHandle {
        let loc = SourceLocation(fileID: fileID, line: line)
        declare(n, loc)
        checkDeclaredWidth(t, "memory '\(n)'", loc)
        memories.append(Memory(name: n, type: t, depth: depth, location: loc))
        needsClock = true
        return MemoryHandle(name: n, type: t, depth: depth, builder: self)
    }

    func addMemoryWrite(_ mem: String, _ address: Value, _ data: Value, _ enable: Value, _ loc: SourceLocation) {
        memoryWrites.append(MemoryWrite(memory: mem, address: address.expr, data: data.expr, enable: enable.expr, location: loc))
    }

    func build(doc: String?) -> Module {
        var implicit: [Port] = []
        if needsClock { implicit.append(Port(name: "clk", direction: .input, type: .bit, location: location)) }
        if needsReset { implicit.append(Port(name: "rst", direction: .input, type: .bit, location: location)) }
        if let problem = VerilogNames.problem(with: name) { report("bad module name: \(problem)", at: location) }
        var m = Module(name: name, doc: doc, ports: implicit + ports, wires: wires, registers: registers,
                       assignments: assignments, updates: updates, instances: instances,
                       buildDiagnostics: diagnostics, location: location)
        m.memories = memories
        m.memoryWrites = memoryWrites
        return m
    }
}

/// An inferred memory. `mem[address]` is a synchronous read: use it only as a register's next value.
public struct MemoryHandle {
    public let name: String
    public let type: HWType
    public let depth: Int
    let builder: ModuleBuilder

    /// Address type: u(log2 depth).
    public var addressType: HWType { .u(max(1, depth.trailingZeroBitCount)) }

    /// The word at `address`, for `register.next(...)`.
    public subscript(_ address: some HWValue) -> Value { Value(.read(name, address.value.expr, type)) }

    /// Writes `data` to `address` on every clock edge where `enable` is 1.
    public func write(_ address: some HWValue, _ data: some HWValue, enable: some HWValue,
                      fileID: String = #fileID, line: Int = #line) {
        builder.addMemoryWrite(name, address.value, data.value, enable.value, SourceLocation(fileID: fileID, line: line))
    }
}

/// A wire or output port declared without a driver; drive it exactly once.
public struct Signal: HWValue {
    public let name: String
    public let type: HWType
    let builder: ModuleBuilder
    public var value: Value { Value(.ref(name, type)) }

    /// Drives the signal with `v`, which must have exactly the signal's type.
    public func drive(_ v: some HWValue, fileID: String = #fileID, line: Int = #line) {
        builder.addAssignment(name, v.value, SourceLocation(fileID: fileID, line: line))
    }
}

/// A register. Read it like any value; give it its next state once with `next(_:enable:)`.
public struct Reg: HWValue {
    public let name: String
    public let type: HWType
    let builder: ModuleBuilder
    public var value: Value { Value(.ref(name, type)) }

    /// Next state, loaded on every clock edge where `enable` is 1 (always when nil).
    public func next(_ v: some HWValue, enable: Value? = nil, fileID: String = #fileID, line: Int = #line) {
        builder.addUpdate(name, v.value, enable, SourceLocation(fileID: fileID, line: line))
    }
}

/// Outputs of an instance, each available as a value.
public struct InstanceOutputs {
    public let instance: String
    public let module: Module
    let wires: [String: String]
    let builder: ModuleBuilder

    /// Connects input `port` after the instance was created.
    public func connect(_ port: String, _ v: some HWValue, fileID: String = #fileID, line: Int = #line) {
        builder.connect(instance, port, v.value, SourceLocation(fileID: fileID, line: line))
    }

    /// The wire carrying output `port`.
    public subscript(_ port: String) -> Value {
        guard let w = wires[port], let p = module.port(port) else {
            return .invalid("'\(module.name)' instance '\(instance)' has no output '\(port)'")
        }
        return Value(.ref(w, p.type))
    }
}

extension Module {
    /// Builds a module: `body` declares ports, wires, registers and instances on a local builder.
    /// Plain Swift loops and functions generate repeated structure.
    public init(_ name: String, doc: String? = nil, fileID: String = #fileID, line: Int = #line,
                _ body: (ModuleBuilder) -> Void) {
        let b = ModuleBuilder(name: name, location: SourceLocation(fileID: fileID, line: line))
        body(b)
        self = b.build(doc: doc)
    }
}
