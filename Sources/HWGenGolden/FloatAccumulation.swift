import HWGenTypes

/// Bit-exact models of floating-point dot products and GEMMs: products exact, additions as the
/// accumulation says. Results are FP32 codes; NaN is 0x7FC00000.
public enum GoldenFloat {
    /// A running sum: exact, or NaN/±∞ once a special value entered.
    struct Sum {
        var value: Dyadic = Dyadic(significand: 0, exponent: 0)
        var special: FloatValue? = nil

        mutating func add(_ v: FloatValue) {
            switch (special, v) {
            case (.nan, _): return
            case (_, .nan): special = .nan
            case (.infinity(let a)?, .infinity(let b)): if a != b { special = .nan }
            case (.infinity?, _): return
            case (_, .infinity): special = v
            case (nil, .finite(_, let d)): value = GoldenFloat.add(value, d)
            default: return
            }
        }
    }

    /// The exact sum of `values` (NaN, or ±∞, where special values take part).
    public static func exactSum(_ values: [FloatValue]) -> FloatValue {
        var s = Sum()
        for v in values { s.add(v) }
        return s.special ?? FloatValue(s.value)
    }

    /// The exact product of two values (NaN for ∞·0).
    public static func product(_ a: FloatValue, _ b: FloatValue) -> FloatValue {
        switch (a, b) {
        case (.nan, _), (_, .nan): return .nan
        case (.infinity(let x), .infinity(let y)): return .infinity(negative: x != y)
        case (.infinity(let x), .finite(let n, let d)), (.finite(let n, let d), .infinity(let x)):
            return d.significand == 0 ? .nan : .infinity(negative: x != n)
        case (.finite(let n1, let d1), .finite(let n2, let d2)):
            return .finite(negative: n1 != n2, d1 * d2)
        }
    }

    /// a + b, exact while the aligned significands span at most 120 bits below the larger
    /// operand's top — always so for the sums of E4M3/FP6/FP4 products the hardware sums exactly.
    /// Beyond that (sums of BF16 or FP16 products spanning hundreds of binades), the bits more
    /// than 120 below the top are replaced by a sticky bit of their sign: that leaves every FP32
    /// rounding unchanged unless a later addition cancels more than 96 leading bits.
    static func add(_ a: Dyadic, _ b: Dyadic) -> Dyadic {
        if a.significand == 0 { return b }
        if b.significand == 0 { return a }
        func top(_ d: Dyadic) -> Int { d.exponent + Int128.bitWidth - d.significand.magnitude.leadingZeroBitCount }
        let floor = max(top(a), top(b)) - 120
        // d with its bits below 2^floor jammed into one sticky bit at floor (toward its sign).
        func jammed(_ d: Dyadic) -> Dyadic {
            var d = d.trimmed
            guard d.exponent < floor else { return d }
            let shift = floor - d.exponent, mag = d.significand.magnitude
            var kept = shift >= 128 ? 0 : mag >> UInt128(shift)
            if shift >= 128 || mag & ((UInt128(1) << UInt128(shift)) - 1) != 0 { kept |= 1 }
            d = Dyadic(significand: d.significand < 0 ? -Int128(kept) : Int128(kept), exponent: floor)
            return d
        }
        let (x, y) = (jammed(a), jammed(b))
        let e = min(x.exponent, y.exponent)
        return Dyadic(significand: (x.significand << Int128(x.exponent - e)) + (y.significand << Int128(y.exponent - e)), exponent: e)
    }

    /// The sum rounded to FP32 (nearest even; overflow to ±∞).
    static func round(_ s: inout Sum) {
        guard s.special == nil else { return }
        let f = FloatFormat.fp32
        switch f.decode(f.encode(FloatValue(s.value), overflow: .special)) {
        case .finite(_, let r): s.value = r
        case let v: s.special = v
        }
    }

    static func fp32Code(_ s: Sum) -> UInt32 {
        UInt32(FloatFormat.fp32.encode(s.special ?? FloatValue(s.value), overflow: .special))
    }

    /// One dot product of `products` (in K order) accumulated by `acc`, `group` products per
    /// addition step for `align` (1 for a sequential engine, the beat's k for a tree; on a chain,
    /// `align<N>` promotes every block, as the chain adds each column's sum into FP32). `fp32` adds in the engine's
    /// `order`: one product at a time; or blocks of products each summed by a balanced tree
    /// (pairs of neighbours first, an odd one passing up a level) or down a chain from 0, every
    /// addition rounded, and each block's sum added into the accumulator, rounded, in K order.
    public static func dot(_ products: [FloatValue], acc: FloatAccumulation, group: Int = 1, order: ReductionOrder = .sequential) -> UInt32 {
        switch acc {
        case .exact:
            var s = Sum()
            for p in products { s.add(p) }
            return fp32Code(s)
        case .fp32:
            func plus(_ x: Sum, _ y: Sum) -> Sum {
                var s = x
                s.add(y.special ?? FloatValue(y.value))
                round(&s)
                return s
            }
            let leaves = products.map { p -> Sum in var s = Sum(); s.add(p); return s }
            let block: Int
            switch order {
            case .sequential: return fp32Code(leaves.reduce(Sum(), plus))
            case .tree(let k), .chained(let k): block = k
            }
            var acc = Sum()
            for start in stride(from: 0, to: leaves.count, by: block) {
                var level = Array(leaves[start..<min(start + block, leaves.count)])
                if case .chained = order {
                    acc = plus(acc, level.reduce(Sum(), plus))
                    continue
                }
                while level.count > 1 {
                    level = stride(from: 0, to: level.count, by: 2).map { i in i + 1 < level.count ? plus(level[i], level[i + 1]) : level[i] }
                }
                acc = plus(acc, level[0])
            }
            return fp32Code(acc)
        case .align(let bits, var promote):
            // A chain (WS, IS) sums each column's block of products with the cut, then adds the
            // column's sum into its FP32 accumulator: a promotion every block.
            if promote == nil, case .chained(let k) = order { promote = k }
            // A tree (tree, cube) cuts each beat's k products together.
            var group = group
            if case .tree(let k) = order { group = k }
            var main = Sum(), partial = Sum(), inPartial = 0
            var i = 0
            while i < products.count {
                let chunk = products[i..<min(i + group, products.count)]
                i += chunk.count
                var terms: [Dyadic] = []
                for p in chunk {
                    if case .finite(_, let d) = p { terms.append(d) } else { partial.add(p) }
                }
                if partial.special == nil { partial.value = alignedSum(partial.value, terms, bits: bits) }
                round(&partial)
                inPartial += chunk.count
                if let promote, inPartial >= promote || i == products.count {
                    main.add(partial.special ?? FloatValue(partial.value))
                    round(&main)
                    (partial, inPartial) = (Sum(), 0)
                }
            }
            if promote == nil { return fp32Code(partial) }
            return fp32Code(main)
        }
    }

    /// `acc` plus the products, each product aligned to the leading bit of the largest of them
    /// and the accumulator and truncated toward zero to `bits` bits below it; the sum is exact.
    static func alignedSum(_ acc: Dyadic, _ products: [Dyadic], bits: Int) -> Dyadic {
        func top(_ d: Dyadic) -> Int { d.exponent + Int128.bitWidth - d.significand.magnitude.leadingZeroBitCount }
        let nonzero = products.filter { $0.significand != 0 }
        guard let t = (nonzero + (acc.significand == 0 ? [] : [acc])).map(top).max() else { return acc }
        let quantum = t - bits
        var sum = acc
        for p in nonzero {
            let shift = quantum - p.exponent
            guard shift > 0 else { sum = add(sum, p); continue }   // no bits below the quantum
            let kept = shift >= 128 ? 0 : p.significand.magnitude >> UInt128(shift)
            sum = add(sum, Dyadic(significand: p.significand < 0 ? -Int128(kept) : Int128(kept), exponent: quantum))
        }
        return sum
    }

    /// A block-scaled dot product: each block's products summed by `inner` (`exact`: in fixed point,
    /// as an MX dot product; otherwise to an FP32 partial as `dot` does), multiplied by the block's
    /// scale (exactly for `exact`, else rounded to FP32) and added into an FP32 accumulator,
    /// rounded to nearest even after every block.
    public static func blockedDot(_ blocks: [[FloatValue]], scales: [FloatValue], inner: FloatAccumulation, group: Int = 1) -> UInt32 {
        var acc = Sum()
        for (block, scale) in zip(blocks, scales) {
            let partial = inner == .exact ? exactSum(block) : FloatFormat.fp32.decode(UInt64(dot(block, acc: inner, group: group)))
            var scaled = Sum()
            scaled.add(product(partial, scale))
            if inner != .exact { round(&scaled) }
            acc.add(scaled.special ?? FloatValue(scaled.value))
            round(&acc)
        }
        return fp32Code(acc)
    }

    /// Requantization with a float scale, as ONNX Runtime's QLinearMatMul/QLinearConv do it (MLAS):
    /// the int32 accumulator to FP32 (nearest even), times the FP32 scale (rounded to nearest
    /// even), rounded to an integer (half to even), plus the zero point, saturated to `out`.
    public static func requantize(_ acc: Int64, scale: Float, zeroPoint: Int64, out: HWType) -> Int64 {
        let f = FloatFormat.fp32
        let a = f.decode(f.encode(FloatValue(Dyadic(significand: Int128(acc), exponent: 0))))
        var s = Sum()
        s.add(product(a, FloatValue(Double(scale))))
        round(&s)
        guard s.special == nil else { return s.special == .infinity(negative: true) ? out.minValue : out.maxValue! }
        // Nearest integer, ties to even: the value rounded at quantum 1.
        let d = s.value.trimmed
        var n: Int128
        if d.exponent >= 0 {
            n = d.exponent > 40 ? (d.significand < 0 ? -(Int128(1) << 80) : Int128(1) << 80) : d.significand << Int128(d.exponent)
        } else if d.exponent < -126 {
            n = 0
        } else {
            let mag = d.significand.magnitude, shift = UInt128(-d.exponent)
            var q = mag >> shift
            let rem = mag & ((1 << shift) - 1), half = UInt128(1) << (shift - 1)
            if rem > half || (rem == half && q & 1 == 1) { q += 1 }
            n = d.significand < 0 ? -Int128(q) : Int128(q)
        }
        let y = n + Int128(zeroPoint)
        return Int64(min(max(y, Int128(out.minValue)), Int128(out.maxValue!)))
    }

    /// An E8M0 scale (OCP MX): 2^(code − 127), NaN for 0xFF.
    public static func e8m0(_ code: UInt8) -> FloatValue {
        code == 0xFF ? .nan : FloatValue(Dyadic(significand: 1, exponent: Int(code) - 127))
    }

    /// C = A·B in OCP MX formats: blocks of `block` elements along K (the last may be shorter),
    /// A's block scales `sa` (M × ⌈K/block⌉ E8M0 codes), B's `sb` (⌈K/block⌉ × N). Each block's
    /// products are summed exactly, multiplied by 2^(sa − 127) · 2^(sb − 127) (NaN for a 0xFF
    /// code) and added into an FP32 accumulator, rounded to nearest even after every block, in K
    /// order (``blockedDot(_:scales:inner:group:)``). FP32 codes, M×N row-major.
    public static func mxGemm(a: IntMatrix, _ fa: FloatFormat, b: IntMatrix, _ fb: FloatFormat, block: Int,
                              scalesA sa: IntMatrix, scalesB sb: IntMatrix) -> [UInt32] {
        let av = a.data.map { fa.decode(UInt64(bitPattern: $0)) }, bv = b.data.map { fb.decode(UInt64(bitPattern: $0)) }
        let k = a.cols, blocks = (k + block - 1) / block
        var c: [UInt32] = []
        c.reserveCapacity(a.rows * b.cols)
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                let products = (0..<k).map { product(av[i * k + $0], bv[$0 * b.cols + j]) }
                let parts = (0..<blocks).map { Array(products[$0 * block..<min(k, ($0 + 1) * block)]) }
                let scales = (0..<blocks).map { product(e8m0(UInt8(sa[i, $0])), e8m0(UInt8(sb[$0, j]))) }
                c.append(blockedDot(parts, scales: scales, inner: .exact))
            }
        }
        return c
    }

    /// C = A·B with A's elements in `fa` and B's in `fb` (codes), each element of C one
    /// ``dot(_:acc:group:order:)`` in K order. FP32 codes, M×N row-major.
    public static func gemm(a: IntMatrix, _ fa: FloatFormat, b: IntMatrix, _ fb: FloatFormat, acc: FloatAccumulation,
                            group: Int = 1, order: ReductionOrder = .sequential) -> [UInt32] {
        let av = a.data.map { fa.decode(UInt64(bitPattern: $0)) }, bv = b.data.map { fb.decode(UInt64(bitPattern: $0)) }
        var c: [UInt32] = []
        c.reserveCapacity(a.rows * b.cols)
        for i in 0..<a.rows {
            for j in 0..<b.cols {
                c.append(dot((0..<a.cols).map { product(av[i * a.cols + $0], bv[$0 * b.cols + j]) }, acc: acc, group: group, order: order))
            }
        }
        return c
    }
}
