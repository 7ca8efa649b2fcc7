import Foundation
import HWGenTypes
import HWGenLibrary

/// Integer element types HWGen reads from and writes to `.npy` files (little-endian, C order).
public enum NpyDType: String, Sendable, CaseIterable {
    case int8, uint8, int16, int32, int64
    /// Floats, held as their bit patterns (``NpyArray/values`` zero-extended): operands of float MACs.
    case float16, float32

    /// A float dtype (values are bit patterns).
    public var isFloat: Bool { self == .float16 || self == .float32 }

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .float16: 2
        case .int32, .float32: 4
        case .int64: 8
        }
    }

    /// The header `descr` string numpy writes for this dtype.
    public var descr: String {
        switch self {
        case .int8: "|i1"
        case .uint8: "|u1"
        case .int16: "<i2"
        case .int32: "<i4"
        case .int64: "<i8"
        case .float16: "<f2"
        case .float32: "<f4"
        }
    }

    /// The range of values an element can hold.
    public var type: HWType { HWType(bits: size * 8, signed: self != .uint8 && !isFloat) }

    /// Parses a header `descr`; one-byte types may also be spelled with `<`.
    init?(descr: String) {
        switch descr {
        case "<i1": self = .int8
        case "<u1": self = .uint8
        default:
            guard let match = Self.allCases.first(where: { $0.descr == descr }) else { return nil }
            self = match
        }
    }
}

/// An n-dimensional integer array as stored in a `.npy` file, elements in C (row-major) order.
public struct NpyArray: Equatable, Sendable {
    public var shape: [Int]
    public var dtype: NpyDType
    public var values: [Int64]

    public init(shape: [Int], dtype: NpyDType, values: [Int64]) {
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }
}

/// Reader and writer for NumPy `.npy` files (format 1.0; 2.0 and 3.0 headers are read too).
public enum Npy {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    static let alignment = 64

    /// Reads an integer array; errors name the file and what is wrong.
    public static func read(path: String) throws -> NpyArray {
        try decode([UInt8](readInputFile(path)), source: path)
    }

    /// Writes `array` as a format 1.0 file (2.0 if the header would not fit) that `numpy.load` reads.
    public static func write(_ array: NpyArray, path: String) throws {
        let bytes = try encode(array, source: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw HWGenError.badInput("\(path): cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads a non-empty 2-D matrix whose every value fits `type`; `role` (e.g. "A") names it in messages.
    public static func readMatrix(path: String, role: String, type: HWType) throws -> IntMatrix {
        let range = "\(type.minValue)...\(type.maxValue.map(String.init) ?? String(UInt64.max))"
        return try readMatrix(path: path, role: role, what: type.tag, allowed: range, accepts: type.contains)
    }

    /// Reads a non-empty 2-D matrix whose every value `accepts`; messages say the value does not
    /// fit `what` and list `allowed`.
    public static func readMatrix(path: String, role: String, what: String, allowed: String,
                                  accepts: (Int64) -> Bool) throws -> IntMatrix {
        let array = try read(path: path)
        if array.dtype.isFloat {
            throw HWGenError.badInput("\(path): \(array.dtype) data, but \(role) of this design holds integers (allowed: int8, uint8, int16, int32, int64)")
        }
        return try matrix(array, path: path, role: role, what: what, allowed: allowed, accepts: accepts)
    }

    /// The 2-D matrix of `array` read from `path`, every value accepted.
    static func matrix(_ array: NpyArray, path: String, role: String, what: String, allowed: String,
                       accepts: (Int64) -> Bool) throws -> IntMatrix {
        let shape = tuple(array.shape)
        guard array.shape.count == 2 else {
            throw HWGenError.badInput("\(path): shape \(shape) has rank \(array.shape.count) (allowed: a 2-D matrix)")
        }
        let (rows, cols) = (array.shape[0], array.shape[1])
        guard rows > 0, cols > 0 else {
            throw HWGenError.badInput("\(path): shape \(shape) is empty (allowed: \(role) with at least 1 row and 1 column)")
        }
        if let i = array.values.firstIndex(where: { !accepts($0) }) {
            throw HWGenError.badInput(
                "\(path): value \(array.values[i]) at [\(i / cols), \(i % cols)] does not fit \(what) (allowed: \(allowed))")
        }
        return IntMatrix(rows: rows, cols: cols, data: array.values)
    }

    /// Reads the operand of a float MAC as codes of `format`: uint8 (or any integer dtype) codes
    /// as they are; float16 or float32 values converted, each of which `format` must represent
    /// exactly (NaN only where the format has one).
    public static func readFloatMatrix(path: String, role: String, format: FloatFormat) throws -> IntMatrix {
        let array = try read(path: path)
        let codes = Int64(1) << Int64(format.bits)
        guard array.dtype.isFloat else {
            return try matrix(array, path: path, role: role, what: "\(format) codes", allowed: "0...\(codes - 1), or float16/float32 values",
                              accepts: { (0..<codes).contains($0) })
        }
        let source: FloatFormat = array.dtype == .float16 ? .fp16 : .fp32
        var converted = array
        for (i, bits) in array.values.enumerated() {
            let v = source.decode(UInt64(bits))
            let code = format.encode(v, overflow: .special)
            let back = format.decode(code)
            let exact: Bool
            switch (v, back) {
            case (.nan, .nan): exact = true
            case (.infinity(let a), .infinity(let b)): exact = a == b
            case (.finite(let a, let x), .finite(let b, let y)): exact = (a == b || format.integer) && x.double == y.double   // −0 is 0 in int8
            default: exact = false
            }
            guard exact else {
                let cols = array.shape.count == 2 ? array.shape[1] : 1
                throw HWGenError.badInput("\(path): \(role) value \(v.double) at [\(i / cols), \(i % cols)] is not representable in \(format) (allowed: values \(format) represents exactly, or uint8 codes)")
            }
            converted.values[i] = Int64(code)
        }
        converted.dtype = .int64
        return try matrix(converted, path: path, role: role, what: "\(format) codes", allowed: "", accepts: { _ in true })
    }

    /// Reads a non-empty vector of integers: shape (N,), (1, N) or (N, 1).
    public static func readVector(path: String) throws -> [Int64] {
        let array = try read(path: path)
        let shape = tuple(array.shape)
        guard array.shape.count == 1 || (array.shape.count == 2 && array.shape.contains(1)), !array.values.isEmpty else {
            throw HWGenError.badInput("\(path): shape \(shape) is not a non-empty vector (allowed: (N,), (1, N) or (N, 1))")
        }
        return array.values
    }

    /// Writes a matrix as a 2-D array of `dtype`.
    public static func writeMatrix(_ m: IntMatrix, dtype: NpyDType, path: String) throws {
        try write(NpyArray(shape: [m.rows, m.cols], dtype: dtype, values: m.data), path: path)
    }

    /// The smallest dtype that holds every value of `type`, uint8 for unsigned types up to 8 bits
    /// (s4 → int8, u4 → uint8, u12 → int16, s48 → int64).
    public static func dtype(for type: HWType) -> NpyDType {
        ((type.signed ? [] : [.uint8]) + NpyDType.allCases.filter { !$0.isFloat }).first { d in
            d.type.contains(type.minValue) && type.maxValue.map(d.type.contains) == true
        } ?? .int64
    }

    /// The dtype C is written in: float32 for a float MAC (its FP32 codes), else the smallest
    /// integer dtype that holds the result type.
    public static func resultDType(_ spec: DesignSpec) -> NpyDType {
        spec.mac.float == nil ? dtype(for: spec.resultType) : .float32
    }

    /// Python's spelling of a shape tuple: `()`, `(5,)`, `(3, 4)`.
    static func tuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: Decoding

    static func decode(_ bytes: [UInt8], source: String) throws -> NpyArray {
        func fail(_ what: String) -> HWGenError { HWGenError.badInput("\(source): \(what)") }
        guard bytes.starts(with: magic) else {
            throw fail("not a .npy file (allowed: a NumPy .npy file, starting with \\x93NUMPY)")
        }
        guard bytes.count >= 8 else { throw fail("truncated .npy header") }
        let (major, minor) = (bytes[6], bytes[7])
        guard (1...3).contains(major), minor == 0 else {
            throw fail("unsupported .npy format version \(major).\(minor) (allowed: 1.0, 2.0, 3.0)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw fail("truncated .npy header") }
        let headerLength = bytes[8..<8 + lengthBytes].reversed().reduce(0) { $0 << 8 | Int($1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard bytes.count >= dataStart else {
            throw fail("truncated .npy header (the file has \(bytes.count) bytes, the header needs \(dataStart))")
        }
        let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        let (dtype, shape) = try parseHeader(header, fail: fail)

        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw fail("shape \(tuple(shape)) is too large") }
            count = product
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        let available = bytes.count - dataStart
        guard !overflow, available >= needed else {
            throw fail("truncated data: shape \(tuple(shape)) of \(dtype) needs \(count) × \(dtype.size) bytes, the file has \(available)")
        }
        guard available == needed else {
            throw fail("\(available - needed) unexpected bytes after the data of shape \(tuple(shape)) of \(dtype)")
        }
        let values = bytes.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type) -> [Int64] {
                (0..<count).map { Int64(T(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + $0 * MemoryLayout<T>.size, as: T.self))) }
            }
            switch dtype {
            case .int8: return load(Int8.self)
            case .uint8: return load(UInt8.self)
            case .int16: return load(Int16.self)
            case .int32: return load(Int32.self)
            case .int64: return load(Int64.self)
            case .float16: return load(UInt16.self)
            case .float32: return load(UInt32.self)
            }
        }
        return NpyArray(shape: shape, dtype: dtype, values: values)
    }

    /// Reads `descr`, `fortran_order` and `shape` from the header's Python dict literal.
    static func parseHeader(_ header: String, fail: (String) -> HWGenError) throws -> (NpyDType, [Int]) {
        let text = header.trimmingCharacters(in: .whitespacesAndNewlines)
        let malformed = fail("malformed .npy header \(String(text.prefix(100)).debugDescription) (allowed: a header written by numpy.save)")
        guard text.hasPrefix("{"), text.hasSuffix("}") else { throw malformed }
        // Values are a quoted string, a bare word or a tuple; `descr` of a structured dtype is a list.
        let field = #/['"](descr|fortran_order|shape)['"]\s*:\s*('[^'\n]*'|"[^"\n]*"|\w+|\([^)]*\)|\[)/#
        var fields: [Substring: Substring] = [:]
        for match in text.matches(of: field) { fields[match.output.1] = match.output.2 }
        guard let descrValue = fields["descr"], let order = fields["fortran_order"], let shapeValue = fields["shape"] else {
            throw malformed
        }
        let allowed = NpyDType.allCases.map { "\($0) '\($0.descr)'" }.joined(separator: ", ")
        let descr = descrValue.dropFirst().dropLast()
        guard descrValue != "[", let dtype = NpyDType(descr: String(descr)) else {
            let shown = descrValue == "[" ? "a structured dtype" : "dtype '\(descr)'"
            throw fail("\(shown) is not supported (allowed: \(allowed))")
        }
        guard order == "False" else {
            throw fail("fortran_order is \(order) (allowed: False, a C-order array; use numpy.ascontiguousarray)")
        }
        guard shapeValue.hasPrefix("(") else { throw malformed }
        var dims = shapeValue.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if dims.last == "" { dims.removeLast() }  // "()" and the trailing comma of "(5,)"
        let shape = dims.compactMap { Int($0) }
        guard shape.count == dims.count, shape.allSatisfy({ $0 >= 0 }) else { throw malformed }
        return (dtype, shape)
    }

    // MARK: Encoding

    static func encode(_ array: NpyArray, source: String) throws -> [UInt8] {
        func fail(_ what: String) -> HWGenError { HWGenError.badInput("\(source): \(what)") }
        let count = array.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        guard array.shape.allSatisfy({ $0 >= 0 }), count == array.values.count else {
            throw fail("shape \(tuple(array.shape)) does not match \(array.values.count) values")
        }
        let dtype = array.dtype
        if let i = array.values.firstIndex(where: { !dtype.type.contains($0) }) {
            throw fail("value \(array.values[i]) at index \(i) does not fit \(dtype)")
        }
        let dict = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(tuple(array.shape)), }"
        let major: UInt8 = dict.utf8.count + alignment <= Int(UInt16.max) ? 1 : 2
        let prefixLength = major == 1 ? 10 : 12
        // Pad with spaces so the data starts on an alignment boundary; the header ends with '\n'.
        let padding = alignment - 1 - (prefixLength + dict.utf8.count) % alignment
        let header = Array(dict.utf8) + Array(repeating: UInt8(ascii: " "), count: padding) + [UInt8(ascii: "\n")]

        var out = magic + [major, 0]
        out += (0..<(prefixLength - 8)).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        out += header
        out.reserveCapacity(out.count + count * dtype.size)
        for value in array.values {
            for byte in 0..<dtype.size { out.append(UInt8(truncatingIfNeeded: value >> (8 * byte))) }
        }
        return out
    }
}
