import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// A named value of type `t`, as an input port would give it.
private func v(_ t: HWType, _ name: String = "x") -> Value { Value(.ref(name, t)) }

/// The message of an expression the DSL refused to build, or nil if it is valid.
private func refusal(_ x: Value) -> String? { x.expr.invalidMessages.first }

// MARK: - Operators

@Suite struct OperatorWidthTests {
    @Test(arguments: [
        (HWType.s(8), HWType.s(8), HWType.s(9)),
        (.u(8), .u(8), .u(9)),
        (.u(8), .s(8), .s(10)),   // u8 needs s9, plus the carry
        (.s(8), .u(8), .s(10)),
        (.u(4), .s(8), .s(9)),    // u4 fits s5; the wider s8 decides
        (.s(16), .s(4), .s(17)),
        (.u(1), .u(1), .u(2)),
    ])
    func additionWidensByOneBit(a: HWType, b: HWType, sum: HWType) {
        #expect(WidthRules.add(a, b) == sum)
        #expect((v(a) + v(b, "y")).type == sum)
    }

    @Test(arguments: [
        (HWType.s(8), HWType.s(8), HWType.s(9)),    // −128 − 127 = −255 needs s9
        (.u(8), .s(8), .s(10)),                     // 255 − (−128) = 383 needs s10
        (.s(8), .u(8), .s(10)),
        (.u(8), .u(8), .s(9)),                      // 0 − 255 = −255 needs s9
        (.u(1), .u(1), .s(2)),
        (.u(4), .s(8), .s(9)),
    ])
    func subtractionIsSigned(a: HWType, b: HWType, difference: HWType) {
        #expect(WidthRules.sub(a, b) == difference)
        #expect((v(a) - v(b, "y")).type == difference)
    }

    @Test(arguments: [
        (HWType.s(8), HWType.s(8), HWType.s(16)),
        (.u(8), .u(8), .u(16)),
        (.u(8), .s(8), .s(16)),   // 255 × −128 = −32640 fits s16
        (.s(4), .s(4), .s(8)),
        (.u(8), .s(16), .s(24)),
    ])
    func multiplicationSumsWidths(a: HWType, b: HWType, product: HWType) {
        #expect(WidthRules.mul(a, b) == product)
        #expect((v(a) * v(b, "y")).type == product)
        #expect(MACTypes(a: a, b: b, acc: .s(32)).product == product)
    }

    @Test func bitwiseKeepsSignednessAndTakesTheWiderWidth() {
        #expect((v(.u(8)) & v(.u(4), "y")).type == .u(8))
        #expect((v(.s(8)) | v(.s(8), "y")).type == .s(8))
        #expect((v(.u(3)) ^ v(.u(7), "y")).type == .u(7))
        #expect((~v(.s(5))).type == .s(5))
    }

    @Test func bitwiseOfMixedSignednessIsRefused() {
        #expect(WidthRules.bitwise(.u(8), .s(8)) == nil)
        #expect(refusal(v(.u(8)) & v(.s(8), "y")) == "'&' needs operands of the same signedness, not u8 and s8")
        #expect(refusal(v(.s(4)) | v(.u(4), "y")) == "'|' needs operands of the same signedness, not s4 and u4")
        #expect(refusal(v(.u(8)) ^ v(.s(2), "y")) == "'^' needs operands of the same signedness, not u8 and s2")
    }

    @Test func comparisonsAreOneBit() {
        let x = v(.u(8)), y = v(.s(8), "y")
        for c in [x < y, x <= y, x > y, x >= y, x == y, x != y] { #expect(c.type == .bit) }
        #expect(WidthRules.comparison(.u(8), .s(8)) == .s(9))
        #expect(WidthRules.comparison(.u(8), .u(4)) == .u(8))
    }

    @Test func concatWiderThanTheExpressionLimitIsRefused() {
        #expect(refusal(concat([v(.u(65_000)), v(.u(536), "y"), v(.bit, "z")])) == "concat is 65537 bits wide")
        #expect(concat([v(.u(65_000)), v(.u(536), "y")]).type == .u(HWType.maxBits))
    }

    @Test func operatorResultsWiderThanTheExpressionLimitAreRefused() {
        #expect(refusal(v(.s(40_000)) * v(.s(40_000), "y")) == "'*' of s40000 and s40000 is too wide (allowed: up to 65536 bits)")
        #expect(refusal(v(.u(65_536)) + v(.u(8), "y")) == "'+' of u65536 and u8 is too wide (allowed: up to 65536 bits)")
    }

    @Test func integerLiteralsTakeTheOtherOperandsTypeWhenTheyFit() {
        #expect((v(.u(8)) + 1).type == .u(9))            // 1 as u8
        #expect((v(.s(8)) - 1).type == .s(9))            // 1 as s8
        #expect((v(.u(4)) + 300).type == .u(10))         // 300 needs u9
        #expect((v(.u(8)) < -1).type == .bit)            // −1 as s1
        #expect(refusal(v(.u(8)) == -1) == nil)
    }

    @Test func concatIsUnsignedAndSumsWidths() {
        #expect(concat([v(.s(8)), v(.bit, "f"), v(.u(4), "n")]).type == .u(13))
        #expect(refusal(concat([])) == "concat of nothing")
    }
}

// MARK: - Named conversions

@Suite struct ConversionWidthTests {
    @Test func wrappedNarrowsOrReinterprets() {
        #expect(v(.s(16)).wrapped(to: .s(8)).type == .s(8))
        #expect(v(.s(16)).wrapped(to: .u(16)).type == .u(16))
        #expect(v(.u(9)).wrapped(to: .s(4)).type == .s(4))
        #expect(v(.s(8)).wrapped(to: .s(8)).expr == .ref("x", .s(8)))   // no-op
    }

    @Test func wrappedToAWiderTypeIsRefused() {
        #expect(refusal(v(.s(8)).wrapped(to: .s(9))) == "wrapped(to: s9) widens s8; use extended(to:)")
        #expect(refusal(v(.u(8)).wrapped(to: .u(16))) == "wrapped(to: u16) widens u8; use extended(to:)")
    }

    @Test func extendedWidensWithoutLosingValues() {
        #expect(v(.s(8)).extended(to: .s(32)).type == .s(32))
        #expect(v(.u(8)).extended(to: .u(16)).type == .u(16))
        #expect(v(.u(8)).extended(to: .s(9)).type == .s(9))     // every u8 fits s9
        #expect(v(.s(8)).extended(to: .s(8)).expr == .ref("x", .s(8)))
    }

    @Test(arguments: [
        (HWType.s(16), HWType.s(8)),   // narrower
        (.u(8), .u(4)),                // narrower
        (.u(8), .s(8)),                // 255 does not fit s8
        (.s(8), .u(16)),               // −1 does not fit any unsigned type
        (.s(8), .u(8)),
    ])
    func extendedToATypeThatCannotHoldEveryValueIsRefused(from: HWType, to: HWType) {
        #expect(refusal(v(from).extended(to: to)) == "extended(to: \(to)) cannot hold every \(from) value")
    }

    @Test(arguments: [
        (HWType.s(17), HWType.s(16)),
        (.s(9), .u(8)),
        (.u(16), .s(8)),
        (.s(8), .u(4)),
        (.u(8), .s(16)),   // widening: clamps never fire, still typed s16
    ])
    func saturatedHasTheTargetType(from: HWType, to: HWType) {
        let s = v(from).saturated(to: to)
        #expect(refusal(s) == nil)
        #expect(s.type == to)
    }

    @Test func saturatedToU64IsRefused() {
        #expect(refusal(v(.u(64)).saturated(to: .u(64))) == "saturated(to: u64) is not supported")
    }

    @Test(arguments: [
        (HWType.s(16), 4, Rounding.floor, HWType.s(12)),
        (.u(8), 2, .floor, .u(6)),
        (.s(16), 4, .halfUp, .s(13)),   // s16 + 8 is s17, then 4 bits dropped
        (.u(8), 2, .halfUp, .u(7)),     // (255 + 2) >> 2 = 64 needs u7
        (.s(9), 1, .floor, .s(8)),
    ])
    func shiftedRightDropsBits(from: HWType, n: Int, rounding: Rounding, result: HWType) {
        let s = v(from).shiftedRight(by: n, rounding: rounding)
        #expect(refusal(s) == nil)
        #expect(s.type == result)
    }

    @Test(arguments: [0, -1, 8, 9])
    func shiftedRightByAnImpossibleAmountIsRefused(n: Int) {
        #expect(refusal(v(.s(8)).shiftedRight(by: n)) == "shiftedRight(by: \(n)) of s8")
    }

    @Test func reinterpretKeepsTheWidth() {
        #expect(v(.u(8)).asSigned.type == .s(8))
        #expect(v(.s(8)).asUnsigned.type == .u(8))
        #expect(v(.s(8)).asSigned.expr == .ref("x", .s(8)))
    }

    @Test func bitsAreUnsigned() {
        #expect(v(.s(16)).bits(15, 8).type == .u(8))
        #expect(v(.s(16))[3].type == .bit)
        #expect(refusal(v(.s(16)).bits(16, 8)) == "bits(16, 8) of s16")
        #expect(refusal(v(.s(16)).bits(3, 4)) == "bits(3, 4) of s16")
    }

    @Test func selectNeedsOneBitConditionAndEqualArms() {
        let c = v(.bit, "c")
        #expect(c.select(v(.s(8), "p"), v(.s(8), "q")).type == .s(8))
        #expect(refusal(c.select(v(.s(8), "p"), v(.u(8), "q"))) == "select arms differ: s8 vs u8 (convert one explicitly)")
        #expect(refusal(c.select(v(.s(8), "p"), v(.s(9), "q"))) == "select arms differ: s8 vs s9 (convert one explicitly)")
        #expect(refusal(v(.u(2)).select(v(.s(8), "p"), v(.s(8), "q"))) == "select condition must be 1 bit, not u2")
    }
}

// MARK: - Constants

@Suite struct ConstantTests {
    @Test(arguments: [
        (Int64(-128), HWType.s(8)), (127, .s(8)), (0, .u(1)), (1, .u(1)), (255, .u(8)), (-1, .s(1)),
        (Int64.max, .u(64)), (Int64.min, .s(64)),
    ])
    func constantsInRange(value: Int64, type: HWType) {
        #expect(Value.constant(value, type).expr == .const(value, type))
    }

    @Test(arguments: [
        (Int64(128), HWType.s(8)), (-129, .s(8)), (256, .u(8)), (-1, .u(8)), (2, .u(1)), (1, .s(1)), (-1, .u(64)),
    ])
    func constantsOutOfRangeAreRefused(value: Int64, type: HWType) {
        #expect(refusal(Value.constant(value, type)) == "constant \(value) does not fit \(type)")
    }
}

// MARK: - Refusals surface as diagnostics

@Suite struct RefusalDiagnosticTests {
    /// Every refused expression is reported by the checks at the line that used it.
    @Test func checksReportRefusedExpressionsWhereTheyAreUsed() {
        var lines: [Int] = []
        let top = Module("refusals") { m in
            let u = m.input("u", .u(8)), s = m.input("s", .s(8)), c = m.input("c", .bit)
            lines.append(#line); m.output("and_out", u & s)
            lines.append(#line); m.output("ext_out", s.extended(to: .s(4)))
            lines.append(#line); m.output("wrap_out", u.wrapped(to: .u(9)))
            lines.append(#line); m.output("sel_out", c.select(u, s))
            lines.append(#line); m.output("k_out", u + Value.constant(300, .u(8)))
        }
        let at = lines.map { HWGen.SourceLocation(fileID: #fileID, line: $0) }
        #expect(Checks.run(top) == [
            Diagnostic(location: at[0], message: "'&' needs operands of the same signedness, not u8 and s8"),
            Diagnostic(location: at[1], message: "extended(to: s4) cannot hold every s8 value"),
            Diagnostic(location: at[2], message: "wrapped(to: u9) widens u8; use extended(to:)"),
            Diagnostic(location: at[3], message: "select arms differ: u8 vs s8 (convert one explicitly)"),
            Diagnostic(location: at[4], message: "constant 300 does not fit u8"),
        ])
        #expect(throws: HWGenError.self) { try Verilog.emit(top) }
    }

    @Test func resetValueOutOfRangeIsReported() {
        var line = 0
        let top = Module("bad_reset") { m in
            line = #line; let r = m.register("r", .u(4), reset: 16)
            r.next(r.value)
            m.output("q", r)
        }
        #expect(Checks.run(top) == [Diagnostic(location: HWGen.SourceLocation(fileID: #fileID, line: line),
                                               message: "reset value 16 of 'r' does not fit u4")])
    }
}
