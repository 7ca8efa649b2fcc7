import Foundation

/// 64-bit FNV-1a hash (stable across runs and platforms, unlike `Hasher`): cache keys and names, not security.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes {
            value ^= UInt64(b)
            value &*= 0x0000_0100_0000_01b3
        }
    }

    mutating func add(_ s: String) { add(s.utf8) }
    mutating func add(_ d: Data) { d.withUnsafeBytes { add($0) } }

    /// The hash of a string's UTF-8 bytes.
    static func hash(_ s: String) -> UInt64 {
        var h = FNV1a64()
        h.add(s)
        return h.value
    }

    /// 16 lowercase hex digits.
    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
