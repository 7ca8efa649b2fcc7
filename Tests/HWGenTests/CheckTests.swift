import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// The location of `line` in this file, as the DSL records it from `#fileID`.
private func here(_ line: Int) -> HWGen.SourceLocation { HWGen.SourceLocation(fileID: "HWGenTests/CheckTests.swift", line: line) }

/// One diagnostic at `line` of this file.
private func diag(_ line: Int, _ message: String) -> Diagnostic { Diagnostic(location: here(line), message: message) }

/// `i` forwarded to `o` combinationally.
private let passThrough = Module("pass_u8") { m in m.output("o", m.input("i", .u(8))) }

/// `i` delayed by one clock.
private let delayLine = Module("delay_u8") { m in m.output("o", m.delay(m.input("i", .u(8)), "q")) }

@Suite struct CheckTests {
    // MARK: Memories

    @Test func memoryReadsAreSynchronousAndAddressesExact() {
        var (l1, l2) = (0, 0)
        let top = Module("mem_misuse") { m in
            let mem = m.memory("ram", .s(8), depth: 16)
            let addr = m.input("addr", .u(4)), wide = m.input("wide", .u(5))
            mem.write(addr, m.input("d", .s(8)), enable: m.input("we", .bit))
            l1 = #line; m.output("comb", m.wire("comb_w", mem[addr]))
            let q = m.register("q", .s(8), reset: nil)
            l2 = #line; q.next(mem[wide])
            m.output("q_out", q)
        }
        #expect(Checks.run(top) == [
            diag(l1, "memory read in a continuous assignment to 'comb_w': a read must be the whole next value of a register (synchronous)"),
            diag(l2, "address of memory 'ram' must be u4, not u5"),
        ])
    }

    @Test func aGoodMemoryEmitsAnArrayWithOneClockedBlock() throws {
        let top = Module("mem_ok") { m in
            let mem = m.memory("ram", .s(8), depth: 16)
            let addr = m.input("addr", .u(4))
            mem.write(addr, m.input("d", .s(8)), enable: m.input("we", .bit))
            let q = m.register("q", .s(8), reset: nil)
            q.next(mem[m.input("raddr", .u(4))])
            m.output("q_out", q)
            _ = addr
        }
        #expect(Checks.run(top).isEmpty)
        let text = try Verilog.emit(top)[0].text
        #expect(text.contains("reg  signed [7:0] ram [0:15];"))
        #expect(text.contains("if (we) ram[addr] <= d;"))
        #expect(text.contains("q_out <= ram[raddr];"))
    }

    @Test func locationsUseTheFileIDOfTheDSLCall() {
        #expect(#fileID == "HWGenTests/CheckTests.swift")
    }

    // MARK: Types at assignments

    @Test func widthMismatch() {
        var line = 0
        let top = Module("width_mismatch") { m in
            let a = m.input("a_in", .s(8)), b = m.input("b_in", .s(8))
            let product = m.wire("product", a * b)
            let out = m.output("a_out", .s(8))
            line = #line; out.drive(product)
        }
        #expect(Checks.run(top) == [diag(line,
            "width mismatch assigning 16-bit 'product' to 8-bit 'a_out' (use .wrapped(to:), .saturated(to:) or .extended(to:))")])
    }

    @Test func widthMismatchOfAnExpressionIntoARegister() {
        var line = 0
        let top = Module("width_mismatch_reg") { m in
            let a = m.input("a", .u(8))
            let acc = m.register("acc", .u(8))
            line = #line; acc.next(acc + a)
            m.output("acc", acc)
        }
        #expect(Checks.run(top) == [diag(line,
            "width mismatch assigning 9-bit expression to 8-bit 'acc' (use .wrapped(to:), .saturated(to:) or .extended(to:))")])
    }

    @Test func signednessMismatch() {
        var line = 0
        let top = Module("sign_mismatch") { m in
            let a = m.input("a", .u(8))
            let y = m.output("y", .s(8))
            line = #line; y.drive(a)
        }
        #expect(Checks.run(top) == [diag(line,
            "signedness mismatch assigning u8 'a' to s8 'y' (use .asSigned or .asUnsigned)")])
    }

    @Test func instanceInputOfTheWrongWidth() {
        var line = 0
        let top = Module("inst_width") { m in
            let a = m.input("a", .u(4))
            line = #line; let u = m.instance(passThrough, "u", ["i": a])
            m.output("y", u["o"])
        }
        #expect(Checks.run(top) == [diag(line,
            "width mismatch assigning 4-bit 'a' to 8-bit 'u.i' (use .wrapped(to:), .saturated(to:) or .extended(to:))")])
    }

    // MARK: Drivers

    @Test func multipleDrivers() {
        var first = 0, second = 0
        let top = Module("two_drivers") { m in
            let a = m.input("a", .u(8)), b = m.input("b", .u(8))
            let y = m.output("y", .u(8))
            first = #line; y.drive(a)
            second = #line; y.drive(b)
        }
        #expect(Checks.run(top) == [diag(second, "'y' has more than one driver (first driven at \(here(first)))")])
    }

    @Test func registerWithTwoNextStates() {
        var first = 0, second = 0
        let top = Module("two_nexts") { m in
            let a = m.input("a", .u(8))
            let r = m.register("r", .u(8))
            first = #line; r.next(a)
            second = #line; r.next(r.value)
            m.output("r", r)
        }
        #expect(Checks.run(top) == [diag(second, "'r' has more than one driver (first driven at \(here(first)))")])
    }

    @Test func undrivenOutput() {
        var line = 0
        let top = Module("undriven_output") { m in
            m.output("y", m.input("a", .u(8)))
            line = #line; _ = m.output("z", .u(8))
        }
        #expect(Checks.run(top) == [diag(line, "output 'z' is never driven")])
    }

    @Test func undrivenWire() {
        var line = 0
        let top = Module("undriven_wire") { m in
            let a = m.input("a", .u(8))
            line = #line; let w = m.wire("w", .u(8))
            m.output("y", w & a)
        }
        #expect(Checks.run(top) == [diag(line, "wire 'w' is never driven")])
    }

    @Test func registerWithoutNext() {
        var line = 0
        let top = Module("no_next") { m in
            line = #line; let r = m.register("r", .u(8))
            m.output("y", r)
        }
        #expect(Checks.run(top) == [diag(line, "register 'r' has no next state (call .next(_:))")])
    }

    @Test func unconnectedInstanceInput() {
        var line = 0
        let adder = Module("adder_u8") { m in m.output("s", m.input("x", .u(8)) + m.input("y", .u(8))) }
        let top = Module("unconnected") { m in
            let a = m.input("a", .u(8))
            line = #line; let u = m.instance(adder, "u0", ["x": a])
            m.output("s", u["s"])
        }
        #expect(Checks.run(top) == [diag(line, "input 'y' of instance 'u0' (adder_u8) is not connected")])
    }

    @Test func instanceInputConnectedLaterIsComplete() {
        let adder = Module("adder_u8") { m in m.output("s", m.input("x", .u(8)) + m.input("y", .u(8))) }
        let top = Module("connected_later") { m in
            let a = m.input("a", .u(8)), b = m.input("b", .u(8))
            let u = m.instance(adder, "u0", ["x": a])
            u.connect("y", b)
            m.output("s", u["s"])
        }
        #expect(Checks.run(top).isEmpty)
    }

    @Test func instanceInputConnectedTwice() {
        var line = 0
        let top = Module("connected_twice") { m in
            let a = m.input("a", .u(8)), b = m.input("b", .u(8))
            let u = m.instance(passThrough, "u", ["i": a])
            line = #line; u.connect("i", b)
            m.output("y", u["o"])
        }
        #expect(Checks.run(top) == [diag(line, "input 'i' of instance 'u' is connected twice")])
    }

    // MARK: Combinational loops

    @Test func combinationalLoopThroughWires() {
        var line = 0
        let top = Module("wire_loop") { m in
            let a = m.input("a", .u(8))
            let w1 = m.wire("w1", .u(8))
            let w2 = m.wire("w2", w1 ^ a)
            line = #line; w1.drive(w2 & a)
            m.output("y", w2)
        }
        #expect(Checks.run(top) == [diag(line, "combinational loop: w1 -> w2 -> w1")])
    }

    @Test func combinationalLoopThroughAnInstance() {
        var line = 0
        let top = Module("instance_loop") { m in
            let a = m.input("a", .u(8))
            let fb = m.wire("fb", .u(8))
            let u = m.instance(passThrough, "u", ["i": fb])
            line = #line; fb.drive(u["o"] ^ a)
            m.output("y", u["o"])
        }
        #expect(Checks.run(top) == [diag(line, "combinational loop: fb -> u_o -> fb")])
    }

    @Test func feedbackThroughARegisteredInstanceIsNotALoop() {
        let top = Module("registered_feedback") { m in
            let a = m.input("a", .u(8))
            let fb = m.wire("fb", .u(8))
            let u = m.instance(delayLine, "u", ["i": fb])
            fb.drive(u["o"] ^ a)
            m.output("y", fb)
        }
        #expect(Checks.run(top).isEmpty)
        #expect(Checks.combinationalPaths(delayLine) == ["o": []])
        #expect(Checks.combinationalPaths(passThrough) == ["o": ["i"]])
    }

    @Test func feedbackThroughARegisterIsNotALoop() {
        let top = Module("counter") { m in
            let count = m.register("count", .u(8))
            count.next((count + 1).wrapped(to: .u(8)))
            m.output("count", count)
        }
        #expect(Checks.run(top).isEmpty)
    }

    // MARK: Names

    @Test func duplicateNames() {
        var first = 0, second = 0
        let top = Module("duplicates") { m in
            first = #line; let a = m.input("a", .u(8))
            second = #line; let b = m.input("a", .u(8))
            m.output("y", a & b)
        }
        #expect(Checks.run(top) == [diag(second, "'a' is already declared at \(here(first))")])
    }

    @Test func instanceOutputWireClashesWithADeclaredName() {
        var first = 0, second = 0
        let top = Module("clash") { m in
            let a = m.input("a", .u(8))
            first = #line; let w = m.wire("u_o", a)
            second = #line; let u = m.instance(passThrough, "u", ["i": a])
            m.output("y", u["o"] & w)
        }
        #expect(Checks.run(top) == [
            diag(second, "'u_o' is already declared at \(here(first))"),
            diag(second, "'u_o' has more than one driver (first driven at \(here(first)))"),
        ])
    }

    @Test(arguments: ["ref", "logic", "bit", "module", "always_ff"])
    func keywordNames(name: String) {
        var line = 0
        let top = Module("keyword_\(name)") { m in
            line = #line; let x = m.input(name, .u(8))
            m.output("y", x)
        }
        #expect(Checks.run(top) == [diag(line, "bad name: '\(name)' is a Verilog/SystemVerilog keyword")])
    }

    @Test func clockAndResetNamesAreReserved() {
        var line = 0
        let top = Module("reserved") { m in
            line = #line; let c = m.input("clk", .bit)
            m.output("y", c)
        }
        #expect(Checks.run(top) == [diag(line, "'clk' is reserved for the implicit clock/reset")])
    }

    @Test func badModuleName() {
        let line = #line; let top = Module("2x2") { m in m.output("y", m.input("a", .u(8))) }
        #expect(Checks.run(top) == [diag(line, "bad module name: '2x2' must start with a letter or '_'")])
    }

    @Test func validateThrowsOneLinePerProblem() {
        var lines: [Int] = []
        let top = Module("two_problems") { m in
            lines.append(#line); _ = m.output("y", .u(8))
            lines.append(#line); _ = m.output("z", .u(8))
        }
        #expect(throws: HWGenError.badInput(
            "HWGenTests/CheckTests.swift:\(lines[0]): output 'y' is never driven\n"
            + "error: HWGenTests/CheckTests.swift:\(lines[1]): output 'z' is never driven")) {
            try Checks.validate(top)
        }
    }

    // MARK: The library passes

    @Test(arguments: [
        MACTypes(a: .s(8), b: .s(8), acc: .s(32)),
        MACTypes(a: .u(8), b: .s(8), acc: .s(24)),
        MACTypes(a: .s(4), b: .s(4), acc: .s(12)),
        MACTypes(a: .u(8), b: .u(8), acc: .u(32)),
    ])
    func libraryModulesPass(mac: MACTypes) throws {
        for kind in MACKind.builtIn {
            for pipeline in MACConfig.pipelineRange {
                let config = MACConfig(kind == .shiftadd ? mac.shiftAddVariant : mac, kind: kind, pipeline: pipeline)
                #expect(Checks.run(MACUnit(config).module).isEmpty, "\(config)")
                let os = OutputStationaryArray(rows: 3, cols: 2, mac: config)
                #expect(Checks.run(os.pe).isEmpty, "\(config)")
                try Checks.validate(os.module(name: "systolic_os_3x2"))
            }
        }
    }
}

extension MACTypes {
    /// For `shiftadd`: the same activations with ternary (signed a) or p4 (unsigned a) weights
    /// and a signed accumulator wide enough for the product.
    var shiftAddVariant: MACTypes {
        let w: WeightFormat = a.signed ? .ternary : .powerOfTwo(bits: 4)
        return MACTypes(a: a, weights: w, acc: .s(max(acc.bits, a.bits + 1 + w.maxExponent!)), saturating: saturating)
    }
}
