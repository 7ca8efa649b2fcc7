/// Prints expressions as Verilog-2005 whose self-determined width is exactly the width asked for,
/// so every operator sees equal-width operands (lint-clean under `verilator -Wall`).
///
/// Conversions are pushed into operands: `+ - *` are exact in the IR, so computing them at any
/// width w gives the IR value modulo 2^w; extension and truncation commute with bitwise operators
/// and muxes. Where Verilog cannot index an expression (sign extension of a compound value,
/// slices of it) the printer names it with a helper wire.
struct ExprPrinter {
    /// Signal renames (registers printed as the output port they drive).
    let rename: [String: String]
    /// Names declared `signed`.
    let signedNames: Set<String>
    /// Names already used in the module; helper wires get fresh ones.
    var taken: Set<String>
    /// Helper wires to declare, in order: (name, width, expression text).
    var helpers: [(name: String, bits: Int, text: String)] = []

    private func name(_ n: String) -> String { rename[n] ?? n }

    /// A w-bit Verilog literal with the bit pattern of `v` (two's complement).
    static func literal(_ v: Int64, bits w: Int) -> String {
        if w > 64 {
            let fill = v < 0 ? "1'b1" : "1'b0"
            return "{{\(w - 64){\(fill)}}, \(literal(v, bits: 64))}"
        }
        let mask: UInt64 = w == 64 ? ~0 : (UInt64(1) << w) - 1
        let pattern = UInt64(bitPattern: v) & mask
        if v >= 0 && UInt64(v) == pattern { return "\(w)'d\(pattern)" }
        return "\(w)'h" + String(pattern, radix: 16)
    }

    /// Extends or truncates an indexable Verilog name of type t to w bits.
    private func fit(_ n: String, _ t: HWType, _ w: Int) -> String {
        if w == t.bits { return n }
        if w < t.bits { return w == 1 ? "\(n)[0]" : "\(n)[\(w - 1):0]" }
        let msb = t.bits == 1 ? n : "\(n)[\(t.bits - 1)]"
        return t.signed ? "{{\(w - t.bits){\(msb)}}, \(n)}" : "{{\(w - t.bits){1'b0}}, \(n)}"
    }

    /// Zero-extends a sized k-bit text to w ≥ k bits.
    private func zeroExtend(_ s: String, from k: Int, to w: Int) -> String {
        w == k ? s : "{{\(w - k){1'b0}}, \(s)}"
    }

    private static func paren(_ s: String) -> String {
        s.contains(" ") && !(s.hasPrefix("{") && s.hasSuffix("}")) ? "(\(s))" : s
    }

    /// A name for `e` printed at its own width: the signal itself, or a new helper wire.
    private mutating func indexable(_ e: Expr, hint: String) -> String {
        if case .ref(let n, _) = e { return name(n) }
        let text = print(e, bits: e.type.bits)
        if let existing = helpers.first(where: { $0.text == text && $0.bits == e.type.bits }) { return existing.name }
        var n = hint, i = 0
        while taken.contains(n) { i += 1; n = "\(hint)_\(i)" }
        taken.insert(n)
        helpers.append((n, e.type.bits, text))
        return n
    }

    /// `e` printed as a w-bit Verilog expression equal to e's value extended or wrapped to w bits.
    mutating func print(_ e: Expr, bits w: Int) -> String {
        let t = e.type
        switch e {
        case .ref(let n, _):
            return fit(name(n), t, w)
        case .const(let v, _):
            return Self.literal(v, bits: w)
        case .binary(let op, let l, let r, _) where op.isComparison:
            let common = WidthRules.comparison(l.type, r.type)
            var a = print(l, bits: common.bits), b = print(r, bits: common.bits)
            if common.signed && op != .eq && op != .ne {
                if !signedNames.contains(a) { a = "$signed(\(a))" }
                if !signedNames.contains(b) { b = "$signed(\(b))" }
            }
            return zeroExtend("\(Self.paren(a)) \(op.rawValue) \(Self.paren(b))", from: 1, to: w)
        case .binary(let op, let l, let r, _):
            return "\(Self.paren(print(l, bits: w))) \(op.rawValue) \(Self.paren(print(r, bits: w)))"
        case .unary(.not, let x, _):
            if w <= t.bits || t.signed { return "~" + Self.paren(print(x, bits: w)) }
            return zeroExtend("~" + Self.paren(print(x, bits: t.bits)), from: t.bits, to: w)
        case .mux(let c, let a, let b, _):
            return "\(Self.paren(print(c, bits: 1))) ? \(Self.paren(print(a, bits: w))) : \(Self.paren(print(b, bits: w)))"
        case .slice(let x, _, let lo):
            let n = indexable(x, hint: "slice")
            let top = lo + min(w, t.bits) - 1
            let s = (top == lo && x.type.bits == 1) ? n : (top == lo ? "\(n)[\(lo)]" : "\(n)[\(top):\(lo)]")
            return zeroExtend(s, from: min(w, t.bits), to: w)
        case .concat(let parts):
            if w < t.bits { return fit(indexable(e, hint: "cat"), t, w) }
            let inner = parts.map { print($0, bits: $0.type.bits) }
            return w == t.bits ? "{\(inner.joined(separator: ", "))}"
                               : "{{\(w - t.bits){1'b0}}, \(inner.joined(separator: ", "))}"
        case .resize(let x, _):
            // Extension, or truncation read back at no more than the truncated width: value mod 2^w.
            if t.bits >= x.type.bits || w <= t.bits { return print(x, bits: w) }
            if !t.signed { return zeroExtend(print(x, bits: t.bits), from: t.bits, to: w) }
            return fit(indexable(.resize(x, t), hint: "wrapped"), t, w)
        case .reinterpret(let x, _):
            if w <= t.bits { return print(x, bits: w) }
            if !t.signed { return zeroExtend(print(x, bits: t.bits), from: t.bits, to: w) }
            if case .ref(let n, _) = x { return fit(name(n), t, w) }
            return fit(indexable(x, hint: "signed"), t, w)
        case .invalid(let m):
            return "/* invalid: \(m) */"
        }
    }
}
