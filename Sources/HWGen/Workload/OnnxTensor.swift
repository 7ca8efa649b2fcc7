import Foundation

/// A tensor while an ONNX graph runs (`hwgen workload --run`): integers of an ONNX element type,
/// or 32-bit floats (only quantization scales). C order.
struct OnnxTensor: Sendable {
    typealias DataType = Onnx_TensorProto.DataType

    var shape: [Int]
    var type: DataType
    /// Integer elements (empty for a float tensor).
    var ints: [Int64]
    /// Float elements (empty for an integer tensor).
    var floats: [Float]

    init(shape: [Int], type: DataType, ints: [Int64]) {
        self.shape = shape
        self.type = type
        self.ints = ints
        floats = []
    }

    init(shape: [Int], floats: [Float]) {
        self.shape = shape
        type = .float
        ints = []
        self.floats = floats
    }

    var count: Int { shape.reduce(1, *) }

    /// Integer element types and their ranges.
    static let intRanges: [DataType: ClosedRange<Int64>] = [
        .uint8: 0...255, .int8: -128...127, .uint16: 0...65535, .int16: -32768...32767,
        .int32: Int64(Int32.min)...Int64(Int32.max), .int64: Int64.min...Int64.max,
        .uint32: 0...Int64(UInt32.max), .bool: 0...1,
    ]

    /// The ONNX name of an element type (`uint8`, …).
    static func name(_ t: DataType) -> String { "\(t)".lowercased() }

    /// `v` wrapped to `t`'s width, as a C cast between two's-complement integers does.
    static func wrap(_ v: Int64, to t: DataType) -> Int64 {
        guard let r = intRanges[t], t != .int64 else { return v }
        if t == .bool { return v != 0 ? 1 : 0 }
        let bits = UInt64(r.upperBound - r.lowerBound) + 1   // 2^width
        let m = Int64(bitPattern: UInt64(bitPattern: v) & (bits - 1))
        return m > r.upperBound ? m - Int64(bits) : m
    }

    /// Decodes an initializer or a `Constant`'s value: raw little-endian bytes or the typed fields.
    init(_ p: Onnx_TensorProto, fail: (String) -> HWGenError) throws {
        let shape = p.dims.map { Int($0) }
        guard let t = DataType(rawValue: Int(p.dataType)), t == .float || Self.intRanges[t] != nil else {
            throw fail("tensor '\(p.name)' has element type \(p.dataType) (allowed: integer types and float)")
        }
        guard shape.allSatisfy({ (0...(1 << 28)).contains($0) }), shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= 1 << 28 else {
            throw fail("tensor '\(p.name)' has shape \(shape) (allowed: dimensions ≥ 0, at most 2^28 elements)")
        }
        let n = shape.reduce(1, *)
        let raw = [UInt8](p.rawData)
        func le(_ i: Int, _ size: Int) -> UInt64 { (0..<size).reduce(UInt64(0)) { $0 | UInt64(raw[i * size + $1]) << (8 * $1) } }
        if t == .float {
            let values: [Float] = raw.isEmpty ? p.floatData : (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(le($0, 4))) }
            guard values.count == n else { throw fail("tensor '\(p.name)' has \(values.count) values for shape \(shape)") }
            self.init(shape: shape, floats: values)
            return
        }
        let size: Int = [.uint8: 1, .int8: 1, .bool: 1, .uint16: 2, .int16: 2, .int32: 4, .uint32: 4, .int64: 8][t]!
        var values: [Int64]
        if !raw.isEmpty {
            guard raw.count == n * size else { throw fail("tensor '\(p.name)' has \(raw.count) bytes for shape \(shape)") }
            values = (0..<n).map { Self.wrap(Int64(bitPattern: le($0, size)), to: t) }
        } else if t == .int64 {
            values = p.int64Data
        } else if t == .uint32 {
            values = p.uint64Data.map { Int64($0) }
        } else {
            values = p.int32Data.map { Self.wrap(Int64($0), to: t) }
        }
        guard values.count == n else { throw fail("tensor '\(p.name)' has \(values.count) values for shape \(shape)") }
        self.init(shape: shape, type: t, ints: values)
    }

    /// `.npy` element types and the ONNX types they hold.
    static let npyTypes: [(npy: NpyDType, onnx: DataType)] = [(.int8, .int8), (.uint8, .uint8), (.int16, .int16), (.int32, .int32), (.int64, .int64)]

    /// From a `.npy` input.
    init(_ a: NpyArray) {
        self.init(shape: a.shape, type: Self.npyTypes.first { $0.npy == a.dtype }!.onnx, ints: a.values)
    }

    /// As a `.npy` array; nil for element types `.npy` output does not cover here.
    var npy: NpyArray? {
        Self.npyTypes.first { $0.onnx == type }.map { NpyArray(shape: shape, dtype: $0.npy, values: ints) }
    }

    /// C-order strides.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = Array(repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    /// The numpy broadcast of two shapes, nil if they do not broadcast.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a, pb = Array(repeating: 1, count: r - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// The elements of `self` read at every index of `shape` (numpy broadcasting; `shape` is a
    /// broadcast of this tensor's shape).
    func expanded(to shape: [Int]) -> [Int64] {
        if self.shape == shape { return ints }
        let r = shape.count, mine = Array(repeating: 1, count: r - self.shape.count) + self.shape
        let src = Self.strides(mine), dst = Self.strides(shape)
        return (0..<shape.reduce(1, *)).map { i in
            var off = 0
            for d in 0..<r where mine[d] != 1 { off += (i / dst[d]) % shape[d] * src[d] }
            return ints[off]
        }
    }
}
