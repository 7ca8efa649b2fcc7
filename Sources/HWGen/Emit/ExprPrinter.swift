/// Prints expressions as Verilog-2005 whose self-determined width is exactly the width asked for,
/// so every operator sees equal-width operands (lint-clean under `verilator -Wall`).
///
/// Conversions are pushed into operands: `+ - *` are exact in the IR, so computing them at any
/// width w gives the IR value modulo 2^w; extension and truncation commute with bitwise operators
/// and muxes. Where Verilog cannot index an expression (sign extension of a compound value,
/// slices of it) the printer names it with a helper wire.
struct ExprPrinter {
    /// Printed Verilog with the facts the caller needs about it.
    struct Text {
        let text: String
        /// Needs no parentheses as an operand (name, literal, slice, concatenation, call).
        let atomic: Bool
        /// Verilog treats it as signed (only comparisons care; widths always match).
        let signed: Bool

        static func atom(_ s: String, signed: Bool = false) -> Text { Text(text: s, atomic: true, signed: signed) }
        /// As an operand of a binary operator.
        var operand: String { atomic ? text : "(\(text))" }
    }

    /// Signal renames (registers printed as the output port they drive).
    let rename: [String: String]
    /// Names declared `signed`.
    let signedNames: Set<String>
    /// Names already used in the module; helper wires get fresh ones.
    var taken: Set<String>
    /// Helper wires to declare, in order: (name, width, expression text).
    var helpers: [(name: String, bits: Int, text: String)] = []

    private func name(_ n: String) -> Text {
        let v = rename[n] ?? n
        return .atom(v, signed: signedNames.contains(v))
    }

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

    /// Extends or truncates a Verilog name of type t to w bits.
    private func fit(_ n: Text, _ t: HWType, _ w: Int) -> Text {
        if w == t.bits { return n }
        if w < t.bits { return .atom(w == 1 ? "\(n.text)[0]" : "\(n.text)[\(w - 1):0]") }
        let msb = t.bits == 1 ? n.text : "\(n.text)[\(t.bits - 1)]"
        return .atom(t.signed ? "{{\(w - t.bits){\(msb)}}, \(n.text)}" : "{{\(w - t.bits){1'b0}}, \(n.text)}")
    }

    /// Zero-extends a k-bit text to w ≥ k bits.
    private func zeroExtend(_ s: Text, from k: Int, to w: Int) -> Text {
        w == k ? s : .atom("{{\(w - k){1'b0}}, \(s.text)}")
    }

    /// A name for `e` printed at its own width: the signal itself, or a new helper wire.
    private mutating func indexable(_ e: Expr, hint: String) -> Text {
        if case .ref(let n, _) = e { return name(n) }
        let text = print(e, bits: e.type.bits).text
        if let existing = helpers.first(where: { $0.text == text && $0.bits == e.type.bits }) { return .atom(existing.name) }
        var n = hint, i = 0
        while taken.contains(n) || VerilogNames.reserved.contains(n) { i += 1; n = "\(hint)_\(i)" }
        taken.insert(n)
        helpers.append((n, e.type.bits, text))
        return .atom(n)
    }

    /// `e` printed as a w-bit Verilog expression equal to e's value extended or wrapped to w bits.
    mutating func print(_ e: Expr, bits w: Int) -> Text {
        let t = e.type
        switch e {
        case .ref(let n, _):
            return fit(name(n), t, w)
        case .const(let v, _):
            return .atom(Self.literal(v, bits: w))
        case .binary(let op, let l, let r, _) where op.isComparison:
            let common = WidthRules.comparison(l.type, r.type)
            var a = print(l, bits: common.bits), b = print(r, bits: common.bits)
            if op != .eq && op != .ne {
                // A Verilog compare is signed only when both operands are: make that match the IR.
                if common.signed {
                    if !a.signed { a = .atom("$signed(\(a.text))", signed: true) }
                    if !b.signed { b = .atom("$signed(\(b.text))", signed: true) }
                } else if a.signed && b.signed {
                    a = .atom("$unsigned(\(a.text))")
                }
            }
            return zeroExtend(Text(text: "\(a.operand) \(op.rawValue) \(b.operand)", atomic: false, signed: false), from: 1, to: w)
        case .binary(let op, let l, let r, _):
            let a = print(l, bits: w), b = print(r, bits: w)
            return Text(text: "\(a.operand) \(op.rawValue) \(b.operand)", atomic: false, signed: a.signed && b.signed)
        case .unary(.not, let x, _):
            if w <= t.bits || t.signed {
                let v = print(x, bits: w)
                return Text(text: "~" + v.operand, atomic: true, signed: v.signed)   // unary binds tightest
            }
            let v = print(x, bits: t.bits)
            return zeroExtend(Text(text: "~" + v.operand, atomic: true, signed: false), from: t.bits, to: w)
        case .mux(let c, let a, let b, _):
            let x = print(a, bits: w), y = print(b, bits: w)
            return Text(text: "\(print(c, bits: 1).operand) ? \(x.operand) : \(y.operand)", atomic: false,
                        signed: x.signed && y.signed)
        case .slice(let x, _, let lo):
            let n = indexable(x, hint: "slice").text
            let top = lo + min(w, t.bits) - 1
            let s = (top == lo && x.type.bits == 1) ? n : (top == lo ? "\(n)[\(lo)]" : "\(n)[\(top):\(lo)]")
            return zeroExtend(.atom(s), from: min(w, t.bits), to: w)
        case .concat(let parts):
            if w < t.bits { return fit(indexable(e, hint: "cat"), t, w) }
            let inner = parts.map { print($0, bits: $0.type.bits).text }.joined(separator: ", ")
            return .atom(w == t.bits ? "{\(inner)}" : "{{\(w - t.bits){1'b0}}, \(inner)}")
        case .resize(let x, _):
            // Extension, or truncation read back at no more than the truncated width: value mod 2^w.
            if t.bits >= x.type.bits || w <= t.bits { return print(x, bits: w) }
            if !t.signed { return zeroExtend(print(x, bits: t.bits), from: t.bits, to: w) }
            return fit(indexable(.resize(x, t), hint: "wrapped"), t, w)
        case .reinterpret(let x, _):
            if w <= t.bits { return print(x, bits: w) }
            if !t.signed { return zeroExtend(print(x, bits: t.bits), from: t.bits, to: w) }
            if case .ref(let n, _) = x { return fit(name(n), t, w) }
            return fit(indexable(x, hint: "as_signed"), t, w)
        case .invalid(let m):
            return .atom("/* invalid: \(m) */")
        }
    }
}
