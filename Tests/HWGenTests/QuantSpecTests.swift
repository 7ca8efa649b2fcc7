import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Weight types, saturating accumulators, `shiftadd`, MixPE groups and epilogues at spec load:
/// what parses, and every invalid combination rejected with the field path and what is allowed.
@Suite struct QuantSpecTests {
    static func error(_ text: String) -> String? { SpecLoaderTests.error(text) }
    static func v(engine: String = "{ kind: systolic, dataflow: os, rows: 8, cols: 8 }", mac: String, extra: String = "") -> String {
        SpecLoaderTests.variant(engine: engine, mac: mac) + extra
    }
    static let ws = "{ kind: systolic, dataflow: ws, rows: 4, cols: 4 }"
    static let gemm = "gemm: { a_words: 1024, b_words: 1024, c_words: 1024 }\n"

    @Test func validSpecsParse() throws {
        let t = try DesignSpec.parse(text: Self.v(mac: "{ a: s8, b: ternary, acc: s24sat, kind: shiftadd }"), source: "t.yaml")
        #expect(t.mac.weights == .ternary && t.mac.b == .s(2) && t.mac.saturating && t.mac.acc == .s(24) && t.macKind == .shiftadd)
        #expect(t.mac.product == .s(9) && t.mac.tag == "s8_ternary_s24sat")
        let p = try DesignSpec.parse(text: Self.v(mac: "{ a: u8, b: p4, acc: s16, kind: shiftadd }"), source: "t.yaml")
        #expect(p.mac.weights == .powerOfTwo(bits: 4) && p.mac.b == .u(4) && p.mac.product == .s(15))
        let g = try DesignSpec.parse(text: Self.v(mac: "{ a: s8, b: s4, acc: s32, group: 32 }"), source: "t.yaml")
        #expect(g.group == 32 && g.macConfig.groupSum == .s(17))
        let e = try DesignSpec.parse(text: Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: """
            epilogue: { multiplier: 1518500250, shift: 38, zero_point: -3, rounding: half-away, out: s8, relu: true }
            """), source: "t.yaml")
        #expect(e.epilogue == Epilogue(multiplier: 1_518_500_250, shift: 38, zeroPoint: -3, rounding: .halfAway, out: .s(8), relu: true))
        #expect(e.resultType == .s(8))
        let c = try DesignSpec.parse(text: Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: Self.gemm + "epilogue: { per_column: true, out: u8 }\n"),
                                     source: "t.yaml")
        #expect(c.epilogue?.perColumn == true && c.epilogue?.rounding == .halfEven && c.epilogue?.zeroPoint == 0)
    }

    @Test func invalidCombinationsNameTheFieldAndWhatIsAllowed() {
        let cases: [(String, String)] = [
            (Self.v(mac: "{ a: s8, b: ternary, acc: s32 }"),
             "mac.kind: baseline cannot take mac.b ternary weights (allowed with mac.b ternary: shiftadd; or an integer mac.b)"),
            (Self.v(mac: "{ a: s8, b: p4, acc: s32, kind: booth }"),
             "mac.kind: booth cannot take mac.b p4 weights (allowed with mac.b p4: shiftadd; or an integer mac.b)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32, kind: shiftadd }"),
             "mac.kind: shiftadd multiplies by ternary or power-of-two weights, not mac.b s8 (allowed with mac.kind shiftadd: mac.b ternary, p2...p5; with mac.b s8: baseline, booth, bitserial, ffip, ffip_booth)"),
            (Self.v(mac: "{ a: s8, b: p6, acc: s32, kind: shiftadd }"),
             "mac.b: \"p6\" is not a weight type (allowed: s2...s16, u2...u16, ternary, p2...p5)"),
            (Self.v(mac: "{ a: s8, b: p4, acc: s14, kind: shiftadd }"),
             "mac.acc: s14 is narrower than the s15 product of s8 × p4 (allowed: s15...s48)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s24sats }"),
             "mac.acc: \"s24sats\" is not an accumulator type (allowed: s2...s48, u2...u48, each wrapping or with sat appended (s24sat))"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s24sat, kind: bitserial }"),
             "mac.acc: s24sat: a bitserial unit adds one Booth digit row per cycle and cannot clamp whole products (allowed with mac.kind bitserial: s24, a wrapping accumulator)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s24sat, pipeline: 2 }"),
             "mac.pipeline: 2 splits the accumulator, which cannot saturate (allowed with s24sat: 0, 1)"),
            (Self.v(engine: "{ kind: systolic, dataflow: ws, rows: 4, cols: 4, sparsity: \"2:4\" }", mac: "{ a: s8, b: s4, acc: s32, group: 12 }"),
             "mac.group: 12 is not a multiple of the 8 elements of K a tile of dataflow ws covers (allowed: a multiple of 8)"),
            (Self.v(engine: "{ kind: tree, lanes: 4, width: 8, sparsity: \"2:4\" }", mac: "{ a: s8, b: s4, acc: s32, group: 8 }"),
             "mac.group: 8 is not a multiple of the 16 elements of K a beat of the tree covers (allowed: a multiple of 16)"),
            (Self.v(mac: "{ a: s8, b: s4, acc: s32, group: 1 }"), "mac.group: 1 is out of range (allowed: 2...1024)"),
            (Self.v(mac: "{ a: s8, b: s4, acc: s16, group: 32 }"),
             "mac.acc: s16 is narrower than a group sum of 32 products (s17) (allowed: at least s17)"),
            (Self.v(mac: "{ a: s8, b: s4, acc: s32, group: 8, kind: bitserial }"),
             "mac.group: group dequantization takes one element per cycle, not bitserial's digits (allowed with mac.kind bitserial: remove mac.group)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 3, out: s8, scales: 2 }\n"),
             "epilogue: unknown field 'scales' (allowed: multiplier, shift, scale, per_column, zero_point, rounding, out, relu)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 3, out: s8, scale: 2 }\n"),
             "epilogue.multiplier: epilogue.scale replaces multiplier and shift, per tensor (allowed: remove epilogue.multiplier, or epilogue.scale)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 0, shift: 3, out: s8 }\n"),
             "epilogue.multiplier: 0 is out of range (allowed: 1...2147483647)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 64, out: s8 }\n"),
             "epilogue.shift: 64 is out of range (allowed: 0...63)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, out: s8 }\n"),
             "epilogue.shift: missing (allowed: an integer in 0...63)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 3, out: s8, zero_point: 128 }\n"),
             "epilogue.zero_point: 128 is out of range (allowed: -128...127)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 3, out: s8, rounding: nearest }\n"),
             "epilogue.rounding: \"nearest\" is not a rounding mode (allowed: half-even, half-up, half-away, truncate)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 3, out: s40 }\n"),
             "epilogue.out: \"s40\" is not a type (allowed: s2...s32, u2...u32)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { multiplier: 5, shift: 3, out: s8, relu: 1 }\n"),
             "epilogue.relu: expected a boolean, got the integer 1 (allowed: true, false)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: "epilogue: { per_column: true, out: s8 }\n"),
             "epilogue.per_column: per-column scales are loaded into a gemm: design's controller, which knows each result's column (allowed: per_column: false, or add a gemm: section)"),
            (Self.v(mac: "{ a: s8, b: s8, acc: s32 }", extra: Self.gemm + "epilogue: { per_column: true, shift: 3, out: s8 }\n"),
             "epilogue.shift: per_column: true takes each column's shift from a file at run time (allowed: remove epilogue.shift, or per_column: false)"),
        ]
        for (text, message) in cases {
            #expect(Self.error(text) == "designs/t.yaml: " + message)
        }
    }

    @Test func weightCodesRoundTrip() {
        for w in [WeightFormat.ternary, .powerOfTwo(bits: 2), .powerOfTwo(bits: 3), .powerOfTwo(bits: 4), .powerOfTwo(bits: 5)] {
            let e = w.maxExponent!
            var values: [Int64] = [0]
            for x in 0...e { values += [Int64(1) << x, -(Int64(1) << x)] }
            for v in values {
                #expect(w.contains(v))
                #expect(w.codeType!.contains(w.encode(v)), "\(w) \(v)")
                #expect(w.decode(w.encode(v)) == v, "\(w) \(v)")
            }
            #expect(!w.contains(3) && !w.contains(Int64(1) << (e + 1)))
        }
        #expect(WeightFormat.powerOfTwo(bits: 4).encode(-8) == 0b1100)   // {sign, f = e + 1}
        #expect(WeightFormat(tag: "p4") == .powerOfTwo(bits: 4) && WeightFormat(tag: "p1") == nil && WeightFormat(tag: "p04") == nil)
    }
}
