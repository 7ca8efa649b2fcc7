/// Floating-point operands of a MAC (`mac.a: e4m3`, `mac.b: e4m3`, `mac.acc: exact`): element
/// formats, the accumulation, and the fixed-point words the hardware sums.
///
/// Every element is a code on its wires. Its value is m · 2^(e' − bias − M) with m the
/// significand (hidden bit included, 0 for a subnormal), M the mantissa bits and e' = max(E, 1)
/// for the exponent field E: so m << (e' − 1) is the element in fixed point with weight
/// 2^(1 − bias − M), and a product of two elements is ma·mb << (e'a + e'b − 2), exact, with weight
/// 2^(2 − biasA − Ma − biasB − Mb). `exact` accumulation adds these products as integers and
/// rounds once, to FP32, when a result leaves the engine.
///
/// NaN (E4M3's S.1111.111) cannot be a fixed-point number: a NaN product adds 2^P instead, P
/// above every finite sum, so the accumulator's bits from P up count the NaN products (modulo
/// their width, which exceeds the most products a sum may hold). The result is NaN when that
/// count is not 0.
///
/// With `block` (an OCP MX format, `mac.a: mxfp8_e4m3`) the products are summed exactly over
/// blocks of that many elements of K; each block's sum, times its scales 2^(Xa − 127) ·
/// 2^(Xb − 127) (E8M0 codes, 0xFF is NaN), is added into an FP32 accumulator, rounded to nearest
/// even after every block (``MXAccumulator``). The block sum's accumulator is ``blockSum``'s.
public struct FloatMAC: Hashable, Sendable, CustomStringConvertible {
    public let a: FloatFormat
    public let b: FloatFormat
    public let accumulation: FloatAccumulation
    /// Elements of K per MX block (`mac.block`), or nil for unscaled elements.
    public let block: Int?

    /// Element formats a MAC takes: the OCP 8-, 6- and 4-bit formats without infinities, whose
    /// exact sums fit a fixed-point accumulator of at most 63 bits, and (``adderFormats``) E5M2,
    /// BF16 and FP16, added by an FP32 adder.
    public static let elementFormats: [FloatFormat] = [.e4m3, .e2m3, .e3m2, .e2m1] + adderFormats
    /// Formats whose products span too many binades for a fixed-point sum: a MAC with either
    /// operand in one adds each exact product into an FP32 accumulator with an FP32 adder
    /// (`fp32` only).
    public static let adderFormats: [FloatFormat] = [.e5m2, .bf16, .fp16]
    /// Accumulations the hardware builds (`fp32` in engines that add one product at a time).
    public static let builtAccumulations: [FloatAccumulation] = [.exact, .fp32]

    /// Whether `acc` is built: the listed ones, and `align<N>` (N from 2 to 24, by the FP32
    /// adder) with or without `promote<P>` (P from 2 to 4,096).
    static func built(_ acc: FloatAccumulation) -> Bool {
        if case .align(let n, let p) = acc { return (2...24).contains(n) && (p.map { (2...4096).contains($0) } ?? true) }
        return builtAccumulations.contains(acc)
    }
    /// `align<N>` accumulation: the product cut to N bits below the larger operand's top.
    public var alignBits: Int? { if case .align(let n, _) = accumulation { return n } else { return nil } }
    /// `align<N>+promote<P>`: P, the products per partial sum added into the FP32 accumulator.
    public var promoteEvery: Int? { if case .align(_, let p) = accumulation { return p } else { return nil } }
    /// The partial sums of `align<N>+promote<P>`: the same elements, `align<N>` alone.
    public var partialSum: FloatMAC { FloatMAC(a: a, b: b, accumulation: .align(bits: alignBits ?? 24, promote: nil)) }
    /// Bits a sum grows by: an exact sum holds at most 2^12 − 1 = 4,095 products.
    public static let sumGrowthBits = 12
    /// The most products one exact sum may hold.
    public static var maxProducts: Int { (1 << sumGrowthBits) - 1 }
    /// Widest accumulator the library builds.
    public static let maxAccumulatorBits = 63

    public init(a: FloatFormat, b: FloatFormat, accumulation: FloatAccumulation, block: Int? = nil) {
        self.a = a
        self.b = b
        self.accumulation = accumulation
        self.block = block
    }

    /// MX element formats by spec name, with their element format.
    public static let mxFormats: [(name: String, element: FloatFormat)] = [
        ("mxfp8_e4m3", .e4m3), ("mxfp8_e5m2", .e5m2), ("mxfp6_e2m3", .e2m3), ("mxfp6_e3m2", .e3m2), ("mxfp4", .e2m1),
        ("mxint8", .int8)]
    /// Allowed MX block sizes (`mac.block`); the OCP MX formats use 32.
    public static let blockRange = 2...256
    /// Type of an E8M0 block scale.
    public static let scaleType = HWType.u(8)

    /// The MX format's spec name of an element format (`mxfp8_e4m3`).
    public static func mxName(_ f: FloatFormat) -> String { mxFormats.first { $0.element == f }?.name ?? "mx_\(f.name)" }

    /// MX: each block summed exactly, scaled and added into an FP32 accumulator (not
    /// ``blockSum``, the exact sum of one block).
    public var isBlockScaled: Bool { block != nil && accumulation == .fp32 }
    /// The exact sum of one MX block: the same elements, `exact`, sized for `block` products.
    public var blockSum: FloatMAC { FloatMAC(a: a, b: b, accumulation: .exact, block: block) }

    /// Each product is added into an FP32 register by an FP32 adder (an operand in
    /// ``adderFormats``), not summed in fixed point.
    public var usesAdder: Bool { block == nil && (Self.adderFormats.contains(a) || Self.adderFormats.contains(b) || alignBits != nil) }
    /// `fp32` accumulation of fixed-point products (the 8-, 6- and 4-bit formats, no blocks):
    /// every sum is the exact sum rounded to 24 significant bits, in whatever order the engine adds.
    public var roundsFixedPointSums: Bool { accumulation == .fp32 && !usesAdder && block == nil }
    /// The accumulator is an FP32 code (MX blocks, or ``usesAdder``): results leave the MAC
    /// already rounded, with no conversion after it.
    public var accumulatesInFP32: Bool { isBlockScaled || usesAdder }

    /// Bits a sum grows by: 12 for an unscaled exact sum, enough for one block's for MX.
    public var growthBits: Int { block.map { bitsFor($0) } ?? Self.sumGrowthBits }

    /// Left shift of an element's significand: e' − 1, at most 2^E − 2 (0 for ``FloatFormat/int8``).
    static func maxShift(_ f: FloatFormat) -> Int { f.integer ? 0 : (1 << f.exponentBits) - 2 }
    /// Bits of an element's significand with its hidden bit.
    static func significandBits(_ f: FloatFormat) -> Int { f.mantissaBits + 1 }

    /// The signed type of a product in fixed point.
    public var productType: HWType {
        .s(Self.significandBits(a) + Self.significandBits(b) + Self.maxShift(a) + Self.maxShift(b) + 1)
    }
    /// The weight of a product's LSB: 2^productLSB.
    public var productLSB: Int { 2 - a.bias - a.mantissaBits - b.bias - b.mantissaBits }
    /// Every product of an `a` and a `b` element is an FP32 number: its significand fits 24 bits,
    /// its lowest bit is at least 2^−149 and its largest value below 2^128 (E5M2, FP16 and the 8-,
    /// 6- and 4-bit formats; not BF16, whose products leave FP32's range). Then a tree can add
    /// products as FP32 codes and round only where the golden model does.
    public var productsExactInFP32: Bool {
        Self.significandBits(a) + Self.significandBits(b) <= 24 && productLSB >= -149 && productType.bits - 1 + productLSB <= 128
    }
    /// Either operand can be NaN (or ±∞).
    public var hasSpecials: Bool { a.specials != .none || b.specials != .none }
    /// Either operand can be ±∞ (E5M2, BF16, FP16).
    public var hasInfinities: Bool { a.specials == .ieee || b.specials == .ieee }
    /// P: the bit where the NaN count starts (above every finite sum of ``maxProducts`` products).
    public var nanBit: Int { productType.bits + growthBits }
    /// The accumulator: the fixed-point sum, and with NaN operands the NaN count above it.
    public var accumulator: HWType { .s(nanBit + (hasSpecials ? growthBits + 1 : 0)) }
    /// The value one product adds: the fixed-point product, or 2^P for NaN (so two more bits).
    public var addendType: HWType { hasSpecials ? .s(nanBit + 2) : productType }

    /// Why these formats and accumulation cannot be built, as (field, message), or nil.
    public var problem: (field: String, message: String)? {
        if block != nil && accumulation != .fp32 {
            return ("mac.acc", "\(accumulation): MX blocks are summed exactly and added into an FP32 accumulator (allowed with \(Self.mxName(a)): fp32)")
        }
        guard Self.built(accumulation) else {
            return ("mac.acc", "\(accumulation) accumulation is not built (allowed: \(Self.builtAccumulations.map(\.description).joined(separator: ", ")), align2...align24, with +promote2...+promote4096)")
        }
        if alignBits != nil, let f = [a, b].first(where: Self.adderFormats.contains) {
            return ("mac.acc", "\(accumulation) cuts products of the 8-, 6- and 4-bit formats without infinities, not \(f) (allowed with \(f) elements: fp32)")
        }
        for (field, f) in [("mac.a", a), ("mac.b", b)] where !Self.elementFormats.contains(f) && (block == nil || !f.integer) {
            return (field, "\(f) elements are modelled by `hwgen accuracy` but not built in hardware yet (allowed: \(Self.elementFormats.map(\.name).joined(separator: ", ")))")
        }
        if usesAdder {
            guard accumulation == .fp32 || alignBits != nil else {
                let f = Self.adderFormats.contains(a) ? a : b
                return ("mac.acc", "\(accumulation): sums of \(f) products span too many binades for a fixed-point accumulator; they are added by an FP32 adder (allowed with \(f) elements: fp32)")
            }
            return nil
        }
        // An MX block's sum is sized by its block (E5M2's, 73 bits for 32, keeps NaN and ∞ as flags).
        if !isBlockScaled && accumulator.bits > Self.maxAccumulatorBits {
            return ("mac.acc", "exact accumulation of \(a) × \(b) needs a \(accumulator.bits)-bit accumulator (the library builds at most \(Self.maxAccumulatorBits))")
        }
        return nil
    }

    /// `e4m3 × e4m3 → exact`, `mxfp8_e4m3 × mxfp8_e4m3 (blocks of 32) → fp32`.
    public var description: String {
        guard let block else { return "\(a) × \(b) → \(accumulation)" }
        return "\(Self.mxName(a)) × \(Self.mxName(b)) (blocks of \(block)) → \(accumulation)"
    }
}
