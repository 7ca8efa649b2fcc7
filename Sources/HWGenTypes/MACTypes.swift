/// Operand and accumulator types of a multiply-accumulate unit, e.g. s8 × s8 → s32.
public struct MACTypes: Hashable, Sendable, CustomStringConvertible {
    /// Left operand (A, activations).
    public let a: HWType
    /// Right operand (B, weights): its wire type (the code's type for ternary and `p<n>` weights).
    public let b: HWType
    /// Accumulator.
    public let acc: HWType
    /// How B's values are coded on its wires.
    public let weights: WeightFormat
    /// The accumulator clamps to its range after every addition (`acc: s24sat`) instead of wrapping.
    public let saturating: Bool
    /// Floating-point operands (`mac.a: e4m3`): `a` and `b` are then the codes' wire types and
    /// `acc` the fixed-point accumulator (``FloatMAC``); nil for integers.
    public let float: FloatMAC?

    /// Allowed operand widths.
    public static let operandBits = 2...16
    /// Allowed accumulator widths.
    public static let accBits = 2...48

    public init(a: HWType, b: HWType, acc: HWType, saturating: Bool = false) {
        self.a = a
        self.b = b
        self.acc = acc
        self.weights = .integer
        self.saturating = saturating
        self.float = nil
    }

    /// Floating-point operands: codes on the wires, a fixed-point accumulator.
    public init(float: FloatMAC) {
        a = .u(float.a.bits)
        b = .u(float.b.bits)
        acc = float.accumulatesInFP32 ? .u(32) : float.accumulator
        weights = .integer
        saturating = false
        self.float = float
    }

    /// Ternary or power-of-two weights: B's wires carry ``WeightFormat/codeType``.
    public init(a: HWType, weights: WeightFormat, acc: HWType, saturating: Bool = false) {
        self.a = a
        self.b = weights.codeType ?? .s(2)
        self.acc = acc
        self.weights = weights
        self.saturating = saturating
        self.float = nil
    }

    /// The same operands with another accumulator.
    public func withAccumulator(_ acc: HWType, saturating: Bool = false) -> MACTypes {
        if float != nil { return self }   // a float MAC's accumulator follows from its formats
        return weights == .integer ? MACTypes(a: a, b: b, acc: acc, saturating: saturating)
                            : MACTypes(a: a, weights: weights, acc: acc, saturating: saturating)
    }

    /// Type of the exact product a·b: widths add; signed if either operand is signed.
    /// (An unsigned n-bit times a signed m-bit value always fits in a signed n+m-bit value.)
    /// With ternary or power-of-two weights, ±a·2^e: a's width plus the largest e plus a sign.
    public var product: HWType {
        if let f = float { return f.addendType }
        if let e = weights.maxExponent { return .s(a.bits + 1 + e) }
        return HWType(bits: a.bits + b.bits, signed: a.signed || b.signed)
    }

    /// B's tag: `s8`, `ternary`, `p4`.
    public var bTag: String { float.map { $0.block == nil ? $0.b.name : FloatMAC.mxName($0.b) } ?? (weights == .integer ? b.tag : weights.description) }
    /// A's tag: `s8`, or the float (or MX) format.
    public var aTag: String { float.map { $0.block == nil ? $0.a.name : FloatMAC.mxName($0.a) } ?? a.tag }
    /// The accumulator's tag: `s32`, or `s24sat` when saturating.
    public var accTag: String {
        guard let f = float else { return acc.tag + (saturating ? "sat" : "") }
        // An MX block's exact sum is as wide as its block needs.
        let acc = String(f.accumulation.description.map { $0 == "+" ? "_" : $0 })
        return f.block != nil && !f.isBlockScaled ? "\(acc)_b\(f.block!)" : acc
    }

    /// True if `v` is a valid B element.
    public func containsB(_ v: Int64) -> Bool { weights == .integer ? b.contains(v) : weights.contains(v) }

    /// B's elements as its wires carry them (the identity for integer weights).
    public func encodeB(_ b: IntMatrix) -> IntMatrix {
        guard weights != .integer else { return b }
        return IntMatrix(rows: b.rows, cols: b.cols, data: b.data.map(weights.encode))
    }

    /// Name fragment, e.g. `s8_s8_s32`, `s8_ternary_s24sat`.
    public var tag: String { "\(aTag)_\(bTag)_\(accTag)" }
    public var description: String { "\(aTag) × \(bTag) → \(accTag)" }
}

/// How a MAC unit computes `acc + a·b` (`mac.kind` in a spec): a name and the timing class the
/// golden model needs. The hardware of each kind is a ``MACArithmetic`` conformance in the
/// library (one file each); a package outside HWGen adds a kind by registering one.
public struct MACKind: Hashable, Sendable, CustomStringConvertible {
    /// The spec word: `baseline`, `booth`, …
    public let rawValue: String
    /// The unit takes one radix-4 Booth digit of `b` per cycle (``MACConfig/elementCycles``
    /// cycles per element), so an engine can skip zero digits; else one element per cycle.
    public let digitSerial: Bool

    public init(_ name: String, digitSerial: Bool = false) {
        rawValue = name
        self.digitSerial = digitSerial
    }

    public var description: String { rawValue }

    /// Behavioural `acc + a*b`: one multiplier and one adder (fused by synthesis).
    public static let baseline = MACKind("baseline")
    /// Radix-4 Booth partial products compressed together with a carry-save (sum + carry)
    /// accumulator; one carry-propagate adder converts the sum when it leaves the unit.
    public static let booth = MACKind("booth")
    /// One radix-4 Booth digit of `b` per cycle: ``MACConfig/elementCycles`` cycles per element,
    /// each adding 0, ±a or ±2a (pre-shifted) to a binary accumulator. No multiplier.
    public static let bitserial = MACKind("bitserial", digitSerial: true)
    /// Ternary or power-of-two weights only: negate, shift and add ±a·2^e. No multiplier.
    public static let shiftadd = MACKind("shiftadd")
    /// The fast inner product over pairs of elements of K: (a₀ + b₁)(a₁ + b₀) − a₀a₁ − b₀b₁,
    /// half the multipliers, the corrections shared per row of A and column of B. Engines that
    /// pair elements only (cube, tree).
    public static let ffip = MACKind("ffip")
    /// ``ffip`` with radix-4 Booth partial products for the pair products.
    public static let ffipBooth = MACKind("ffip_booth")
    /// Floating-point element codes (``FloatMAC``): exact products in fixed point, summed as
    /// integers, rounded once to FP32 as a result leaves the engine.
    public static let float = MACKind("float")
    /// The per-element kinds HWGen ships (every engine takes them); ``ffip`` pairs elements and
    /// is an engine option.
    public static let builtIn: [MACKind] = [.baseline, .booth, .bitserial, .shiftadd]
}

/// A MAC unit's arithmetic and micro-architecture: operand types, kind and pipeline depth.
public struct MACConfig: Hashable, Sendable, CustomStringConvertible {
    public let types: MACTypes
    public let kind: MACKind
    /// Register stages inside the unit (`mac.pipeline`): 0, 1 or 2.
    public let pipeline: Int
    /// MixPE group dequantization (`mac.group`): products are summed exactly over groups of this
    /// many elements of K, and each group sum, shifted left by its (group, column) exponent, is
    /// added into the accumulator; nil for plain accumulation.
    public let group: Int?

    /// Allowed pipeline depths.
    public static let pipelineRange = 0...2
    /// Allowed group sizes G.
    public static let groupRange = 2...1024
    /// Type of a group exponent (`--group-scales`): 0…15.
    public static let exponentType = HWType.u(4)

    public init(_ types: MACTypes, kind: MACKind = .baseline, pipeline: Int = 0, group: Int? = nil) {
        self.types = types
        self.kind = kind
        self.pipeline = pipeline
        self.group = group
    }

    /// Type of a block's scale on the wires: a group exponent (0…15), or an MX block's E8M0 code.
    public var scaleType: HWType { types.float?.isBlockScaled == true ? FloatMAC.scaleType : Self.exponentType }
    /// MX: A's blocks carry scales too (`ea`, with A), not only B's.
    public var scalesA: Bool { types.float?.isBlockScaled == true }
    /// Groups carry a scale (`e`: MixPE's exponents, MX's B scales); the groups of
    /// `align<N>+promote<P>` carry only their flags.
    public var groupScales: Bool { group != nil && types.float?.promoteEvery == nil }

    /// Type of an exact group sum: the product widened by ⌈log2 G⌉ bits.
    public var groupSum: HWType? {
        group.map { g in HWType(bits: types.product.bits + bitsFor(g - 1), signed: types.product.signed) }
    }

    /// Cycles a unit spends on one element: the number of radix-4 Booth digits of `b`
    /// (⌈n / 2⌉ for b's width n as a signed number) for `bitserial`, else 1.
    public var elementCycles: Int { kind.digitSerial ? Self.boothDigits(types.b) : 1 }

    /// The unit takes one Booth digit of `b` per cycle (`bitserial`), so an engine can skip zero digits.
    public var digitSerial: Bool { kind.digitSerial }

    /// Radix-4 Booth digits of a value of type `t`: ⌈n / 2⌉ for its width n as a signed number.
    public static func boothDigits(_ t: HWType) -> Int {
        let n = t.signed ? t.bits : t.bits + 1
        return (n + 1) / 2
    }

    /// Name fragment, e.g. `booth_p1_s8_s8_s32`.
    public var tag: String { "\(kind.rawValue)_p\(pipeline)_\(types.tag)" + (group.map { "_g\($0)" } ?? "") }
    public var description: String {
        "\(types), \(kind.rawValue), pipeline \(pipeline)" + (group.map { ", groups of \($0) with shifted group sums" } ?? "")
    }
}
