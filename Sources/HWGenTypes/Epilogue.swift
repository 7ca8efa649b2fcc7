/// How the epilogue rounds (acc · M) / 2^n to an integer (`epilogue.rounding`).
public enum RoundingMode: String, Hashable, Sendable, CaseIterable {
    /// Nearest; ties to even.
    case halfEven = "half-even"
    /// Nearest; ties toward +∞: floor(x + ½).
    case halfUp = "half-up"
    /// Nearest; ties away from zero (gemmlowp's RoundingDivideByPOT).
    case halfAway = "half-away"
    /// Toward −∞: floor(x).
    case truncate
}

/// The requantization stage applied to each C element as it leaves the engine (`epilogue:`):
/// y = round((acc · M) / 2^n) + zero_point, saturated to `out`, and with `relu` clamped below
/// at zero_point. acc · M is exact (no intermediate wrap).
public struct Epilogue: Hashable, Sendable {
    /// M (per tensor); unused with `perColumn`.
    public var multiplier: Int64
    /// n (per tensor); unused with `perColumn`.
    public var shift: Int
    /// One M and n per column of C, loaded before a run.
    public var perColumn: Bool
    public var zeroPoint: Int64
    public var rounding: RoundingMode
    /// Output type (saturated to).
    public var out: HWType
    public var relu: Bool
    /// A float32 scale instead of M and n (`epilogue.scale`), as ONNX Runtime requantizes
    /// QLinearMatMul and QLinearConv: acc to FP32 and × scale, each rounded to nearest even, then
    /// rounded to an integer (half to even), + zero point, saturated. nil: M and n.
    public var scale: Float?

    /// Allowed float scales: normal numbers from 2^−126 below 2^80, so acc · scale is a normal
    /// FP32 number for every nonzero acc of up to 48 bits.
    public static let scaleRange: ClosedRange<Float> = Float(sign: .plus, exponent: -126, significand: 1)...Float(sign: .plus, exponent: 80, significand: 1).nextDown

    /// Allowed M.
    public static let multiplierRange: ClosedRange<Int64> = 1...(Int64(1) << 31 - 1)
    /// Allowed n.
    public static let shiftRange = 0...63
    /// Wire type of M and of n.
    public static let multiplierType = HWType.u(31), shiftType = HWType.u(6)
    /// Allowed output widths.
    public static let outBits = 2...32

    public init(multiplier: Int64 = 1, shift: Int = 0, perColumn: Bool = false, zeroPoint: Int64 = 0,
                rounding: RoundingMode = .halfEven, out: HWType, relu: Bool = false, scale: Float? = nil) {
        self.scale = scale
        self.multiplier = multiplier
        self.shift = shift
        self.perColumn = perColumn
        self.zeroPoint = zeroPoint
        self.rounding = rounding
        self.out = out
        self.relu = relu
    }

    /// Name fragment, e.g. `m1518500250_n38_he_zm3_s8_relu` (`col_…` with per-column scales).
    public var tag: String {
        let r = ["half-even": "he", "half-up": "hu", "half-away": "ha", "truncate": "tr"][rounding.rawValue]!
        let scale = self.scale.map { "f" + String($0.bitPattern, radix: 16) } ?? (perColumn ? "col" : "m\(multiplier)_n\(shift)")
        return "\(scale)_\(r)_z\(zeroPoint < 0 ? "m" : "")\(zeroPoint.magnitude)_\(out.tag)" + (relu ? "_relu" : "")
    }
}

/// Per-column multipliers and shifts of an epilogue with `per_column: true`.
public struct ColumnScales: Equatable, Sendable {
    public var multipliers: [Int64]
    public var shifts: [Int64]

    public init(multipliers: [Int64], shifts: [Int64]) {
        self.multipliers = multipliers
        self.shifts = shifts
    }
}

/// Everything a GEMM run consumes beyond the spec: A, B, and where the spec needs them, the
/// group exponents (`mac.group`: ⌈K/G⌉ × N; an MX format's B block scales), A's MX block
/// scales (M × ⌈K/block⌉) and per-column epilogue scales (N each).
public struct GemmOperands: Sendable {
    public var a: IntMatrix
    public var b: IntMatrix
    public var groupScales: IntMatrix?
    /// MX: A's E8M0 block scales (M × ⌈K/block⌉); nil otherwise.
    public var scalesA: IntMatrix?
    public var columnScales: ColumnScales?

    public init(a: IntMatrix, b: IntMatrix, groupScales: IntMatrix? = nil, scalesA: IntMatrix? = nil, columnScales: ColumnScales? = nil) {
        self.a = a
        self.b = b
        self.groupScales = groupScales
        self.scalesA = scalesA
        self.columnScales = columnScales
    }
}
