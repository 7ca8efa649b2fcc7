import HWGenTypes
import HWGenCore

/// `bit` repeated n times.
func replicate(_ bit: Value, _ n: Int) -> Value {
    n == 1 ? bit : concat(Array(repeating: bit, count: n))
}

/// `v` shifted left by `shift` into a `u(width)` row (bits beyond the top are dropped).
func place(_ v: Value, at shift: Int, width: Int) -> Value {
    let keep = min(v.type.bits, width - shift)
    guard keep > 0 else { return Value.constant(0, .u(width)) }
    var parts: [any HWValue] = []
    if width - shift - keep > 0 { parts.append(Value.constant(0, .u(width - shift - keep))) }
    parts.append(v.bits(keep - 1, 0))
    if shift > 0 { parts.append(Value.constant(0, .u(shift))) }
    return parts.count == 1 ? v.bits(keep - 1, 0) : concat(parts)
}

/// Carry-save (3:2 compressor) reduction of rows of bits, word by word.
public enum CarrySave {
    /// Compresses `rows` (each `u(width)`) into two rows with the same sum modulo 2^width.
    /// With `carriesOut`, `carries` are the carries out of the top column (weight 2^width), one per
    /// compressor, for callers that split a wider sum into slices; otherwise they are dropped and
    /// empty. Each level's rows are named wires `<prefix>N_…`.
    public static func reduce(_ rows: [Value], width w: Int, _ m: ModuleBuilder, prefix: String,
                              carriesOut: Bool = false) -> (rows: [Value], carries: [Value]) {
        var rows = rows, carries: [Value] = [], level = 0
        while rows.count > 2 {
            level += 1
            var next: [Value] = []
            var i = 0
            while i + 3 <= rows.count {
                let (x, y, z) = (rows[i], rows[i + 1], rows[i + 2])
                let k = i / 3
                let half = m.wire("\(prefix)\(level)_\(k)_x", x ^ y)
                next.append(m.wire("\(prefix)\(level)_\(k)_s", half ^ z))
                // Majority bits, shifted up one column; the top one leaves the row.
                let top = carriesOut ? w - 1 : w - 2
                if top >= 0 {
                    let major = m.wire("\(prefix)\(level)_\(k)_m",
                                       (x.bits(top, 0) & y.bits(top, 0)) | (half.bits(top, 0) & z.bits(top, 0)))
                    if carriesOut { carries.append(major[top]) }
                    next.append(w == 1 ? Value.constant(0, .u(1))
                                       : concat([major.bits(w - 2, 0), Value.constant(0, .bit)]))
                } else {
                    next.append(Value.constant(0, .u(1)))
                }
                i += 3
            }
            next += rows[i...]
            rows = next
        }
        while rows.count < 2 { rows.append(Value.constant(0, .u(w))) }
        return (rows, carries)
    }
}
