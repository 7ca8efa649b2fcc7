import HWGenTypes

/// Structural checks run before emission: types at every assignment, one driver per signal,
/// no undriven outputs/wires/registers, complete instance connections, no combinational loops.
public enum Checks {
    /// All problems in `top` and the modules below it, in a stable order.
    public static func run(_ top: Module) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var byName: [String: Module] = [:]
        let memo = PathMemo()
        for m in top.hierarchy {
            out += check(m, memo: memo)
            for i in m.instances {
                if let other = byName[i.module.name], other != i.module {
                    out.append(Diagnostic(location: i.location,
                                          message: "two different modules are named '\(i.module.name)'"))
                }
                byName[i.module.name] = i.module
            }
        }
        return out
    }

    /// Throws a bad-input error listing every problem, one per line, if there are any.
    public static func validate(_ top: Module) throws {
        let problems = run(top)
        guard !problems.isEmpty else { return }
        throw HWGenError.badInput(problems.map(\.description).joined(separator: "\nerror: "))
    }

    /// Problems local to one module.
    static func check(_ m: Module, memo: PathMemo = PathMemo()) -> [Diagnostic] {
        var diags = m.buildDiagnostics
        func error(_ loc: SourceLocation, _ msg: String) { diags.append(Diagnostic(location: loc, message: msg)) }

        let names = m.ports.count + m.wires.count + m.registers.count
        var types: [String: HWType] = [:], kinds: [String: String] = [:], driver: [String: SourceLocation] = [:]
        types.reserveCapacity(names)
        kinds.reserveCapacity(names)
        driver.reserveCapacity(names)
        for p in m.ports { types[p.name] = p.type; kinds[p.name] = p.direction.rawValue }
        for w in m.wires { types[w.name] = w.type; kinds[w.name] = "wire" }
        for r in m.registers { types[r.name] = r.type; kinds[r.name] = "register" }
        var memories: [String: Memory] = [:]
        for mem in m.memories {
            if kinds[mem.name] != nil || memories[mem.name] != nil { error(mem.location, "'\(mem.name)' is already declared") }
            memories[mem.name] = mem
            if mem.depth < 2 || mem.depth & (mem.depth - 1) != 0 {
                error(mem.location, "memory '\(mem.name)' has depth \(mem.depth) (allowed: a power of two ≥ 2)")
            }
        }
        // A memory address: unsigned, exactly log2(depth) bits (so no index is out of range).
        func addressProblems(_ mem: String, _ address: Expr, _ loc: SourceLocation) {
            guard let decl = memories[mem] else { error(loc, "memory '\(mem)' is not declared"); return }
            diags += address.invalidMessages.map { Diagnostic(location: loc, message: $0) }
            if address.type != .u(decl.addressBits) {
                error(loc, "address of memory '\(mem)' must be u\(decl.addressBits), not \(address.type)")
            }
        }
        func hasRead(_ e: Expr) -> Bool {
            if case .read = e { return true }
            return e.children.contains(where: hasRead)
        }
        func noRead(_ e: Expr, _ loc: SourceLocation, _ where_: @autoclosure () -> String) {
            if hasRead(e) { error(loc, "memory read in \(where_()): a read must be the whole next value of a register (synchronous)") }
        }
        for w in m.memoryWrites {
            addressProblems(w.memory, w.address, w.location)
            if let decl = memories[w.memory] { diags += typeProblems(w.data, into: w.memory, decl.type, w.location) }
            if w.enable.type != .bit { error(w.location, "write enable of '\(w.memory)' must be 1 bit, not \(w.enable.type)") }
            for e in [w.address, w.data, w.enable] { noRead(e, w.location, "a memory write") }
        }

        func drive(_ target: String, _ loc: SourceLocation) {
            if let first = driver[target] {
                error(loc, "'\(target)' has more than one driver (first driven at \(first))")
            } else {
                driver[target] = loc
            }
        }

        for a in m.assignments {
            switch kinds[a.target] {
            case "wire", "output": break
            case let kind?: error(a.location, "cannot drive \(kind) '\(a.target)' with a continuous assignment")
            case nil: error(a.location, "'\(a.target)' is not declared")
            }
            drive(a.target, a.location)
            diags += typeProblems(a.value, into: a.target, types[a.target], a.location)
            noRead(a.value, a.location, "a continuous assignment to '\(a.target)'")
        }
        for u in m.updates {
            if kinds[u.target] != "register" { error(u.location, "'\(u.target)' is not a register") }
            drive(u.target, u.location)
            diags += typeProblems(u.next, into: u.target, types[u.target], u.location)
            // A read (or the low part of one: `mem[addr][k:0]`) as the whole next value.
            var read = u.next
            if case .slice(let x, _, 0) = read, case .read = x { read = x }
            if case .read(let mem, let address, _) = read {
                addressProblems(mem, address, u.location)
                noRead(address, u.location, "a memory address")
            } else {
                noRead(u.next, u.location, "the next value of '\(u.target)'")
            }
            if let en = u.enable { noRead(en, u.location, "an enable") }
            if let en = u.enable {
                diags += en.invalidMessages.map { Diagnostic(location: u.location, message: $0) }
                if en.type != .bit { error(u.location, "enable of '\(u.target)' must be 1 bit, not \(en.type)") }
            }
        }
        for i in m.instances {
            for p in i.module.inputs {
                guard let e = i.inputs[p.name] else {
                    error(i.location, "input '\(p.name)' of instance '\(i.name)' (\(i.module.name)) is not connected")
                    continue
                }
                diags += typeProblems(e, into: "\(i.name).\(p.name)", p.type, i.location)
                if case .ref = e {} else { noRead(e, i.location, "an instance input") }
            }
            for p in i.module.ports where p.direction == .output {
                if let w = i.outputs[p.name] { drive(w, i.location) }
            }
        }
        for p in m.outputs where driver[p.name] == nil {
            error(p.location, "output '\(p.name)' is never driven")
        }
        for w in m.wires where driver[w.name] == nil { error(w.location, "wire '\(w.name)' is never driven") }
        for r in m.registers where driver[r.name] == nil {
            error(r.location, "register '\(r.name)' has no next state (call .next(_:))")
        }
        diags += combinationalLoops(m, memo: memo)
        return diags
    }

    /// Type problems of assigning `e` to `target` of type `t`.
    static func typeProblems(_ e: Expr, into target: @autoclosure () -> String, _ t: HWType?, _ loc: SourceLocation) -> [Diagnostic] {
        let invalid = e.invalidMessages
        if !invalid.isEmpty { return invalid.map { Diagnostic(location: loc, message: $0) } }
        guard let t, e.type != t else { return [] }
        let what: String
        if case .ref(let n, _) = e { what = "'\(n)'" } else { what = "expression" }
        if e.type.bits != t.bits {
            return [Diagnostic(location: loc, message:
                "width mismatch assigning \(e.type.bits)-bit \(what) to \(t.bits)-bit '\(target())' "
                + "(use .wrapped(to:), .saturated(to:) or .extended(to:))")]
        }
        return [Diagnostic(location: loc, message:
            "signedness mismatch assigning \(e.type) \(what) to \(t) '\(target())' (use .asSigned or .asUnsigned)")]
    }

    /// Memo of ``combinationalPaths(_:)`` by module name, for one run over a hierarchy.
    final class PathMemo {
        var paths: [String: [String: Set<String>]] = [:]
    }

    /// For each output of `m`, the inputs it depends on without passing through a register.
    static func combinationalPaths(_ m: Module, memo: PathMemo = PathMemo()) -> [String: Set<String>] {
        if let known = memo.paths[m.name] { return known }
        let result = computePaths(m, memo: memo)
        memo.paths[m.name] = result
        return result
    }

    private static func computePaths(_ m: Module, memo: PathMemo) -> [String: Set<String>] {
        let graph = combGraph(m, memo: memo)
        let inputs = Set(m.inputs.map(\.name))
        var memo: [String: Set<String>] = [:]
        func reach(_ n: String, _ visiting: inout Set<String>) -> Set<String> {
            if let r = memo[n] { return r }
            if inputs.contains(n) { return [n] }
            guard visiting.insert(n).inserted else { return [] }   // loops are reported separately
            var r = Set<String>()
            for d in graph[n] ?? [] { r.formUnion(reach(d, &visiting)) }
            visiting.remove(n)
            memo[n] = r
            return r
        }
        var out: [String: Set<String>] = [:]
        for p in m.outputs {
            var visiting = Set<String>()
            out[p.name] = reach(p.name, &visiting)
        }
        return out
    }

    /// Combinational dependency graph: signal → signals its value is computed from this cycle.
    /// Registers are sources (their value comes from the previous cycle).
    static func combGraph(_ m: Module, memo: PathMemo = PathMemo()) -> [String: [String]] {
        var g: [String: [String]] = [:]
        let regs = Set(m.registers.map(\.name))
        for a in m.assignments { g[a.target, default: []] += a.value.references.filter { !regs.contains($0) } }
        for i in m.instances {
            let paths = combinationalPaths(i.module, memo: memo)
            for (port, wire) in i.outputs {
                for input in (paths[port] ?? []).sorted() {
                    g[wire, default: []] += (i.inputs[input]?.references ?? []).filter { !regs.contains($0) }
                }
            }
        }
        return g
    }

    /// One diagnostic per combinational loop found.
    static func combinationalLoops(_ m: Module, memo: PathMemo = PathMemo()) -> [Diagnostic] {
        let g = combGraph(m, memo: memo)
        var state: [String: Int] = [:]   // 1 = on stack, 2 = done
        var stack: [String] = []
        var diags: [Diagnostic] = []
        // Where each signal is driven; only needed to place a loop's diagnostic, so built on first need.
        var locations: [String: SourceLocation]?
        func location(_ n: String) -> SourceLocation {
            if locations == nil {
                var l = Dictionary(m.assignments.map { ($0.target, $0.location) }, uniquingKeysWith: { a, _ in a })
                for i in m.instances { for w in i.outputs.values { l[w] = i.location } }
                locations = l
            }
            return locations?[n] ?? m.location
        }
        func visit(_ n: String) {
            state[n] = 1
            stack.append(n)
            for d in g[n] ?? [] {
                if state[d] == 1, let start = stack.firstIndex(of: d) {
                    let cycle = stack[start...] + [d]
                    diags.append(Diagnostic(location: location(d),
                                            message: "combinational loop: " + cycle.joined(separator: " -> ")))
                } else if state[d] == nil {
                    visit(d)
                }
            }
            stack.removeLast()
            state[n] = 2
        }
        for n in g.keys.sorted() where state[n] == nil { visit(n) }
        return diags
    }
}
