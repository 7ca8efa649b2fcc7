import HWGenTypes

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
    /// The names the module declares (computed on first need: most modules need no helper).
    let declaredNames: () -> Set<String>
    /// Names already used in the module; helper wires get fresh ones.
    private var taken: Set<String>? = nil

    init(rename: [String: String], declaredNames: @escaping () -> Set<String>) {
        self.rename = rename
        self.declaredNames = declaredNames
    }
    /// Helper wires to declare, in order: (name, width, expression text, declared signed).
    var helpers: [(name: String, bits: Int, text: String, signed: Bool)] = []

    /// A signal by name; it is declared `signed` exactly when its IR type `t` is signed
    /// (a renamed register has the type of the output it drives).
    private func name(_ n: String, _ t: HWType) -> Text {
        .atom(rename.isEmpty ? n : rename[n] ?? n, signed: t.signed)
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
        let fill = t.signed ? msb : "1'b0"
        return .atom(w - t.bits == 1 ? "{\(fill), \(n.text)}" : "{{\(w - t.bits){\(fill)}}, \(n.text)}")
    }

    /// Zero-extends a k-bit text to w ≥ k bits.
    private func zeroExtend(_ s: Text, from k: Int, to w: Int) -> Text {
        w == k ? s : .atom(w - k == 1 ? "{1'b0, \(s.text)}" : "{{\(w - k){1'b0}}, \(s.text)}")
    }

    /// A name for `e` printed at its own width: the signal itself, or a new helper wire.
    private mutating func indexable(_ e: Expr, hint: String) -> Text {
        if case .ref(let n, let t) = e { return name(n, t) }
        let text = print(e, bits: e.type.bits).text
        if let existing = helpers.first(where: { $0.text == text && $0.bits == e.type.bits }) { return .atom(existing.name) }
        let n = fresh(hint)
        helpers.append((n, e.type.bits, text, false))
        return .atom(n)
    }

    /// The exact product `l * r` (type `t`) as a name: a signal, or a helper wire
    /// `wire [t.bits-1:0] h = A * B;` whose operands keep their own widths.
    private mutating func product(_ l: Expr, _ r: Expr, _ t: HWType, hint: String) -> Text {
        let text = productText(l, r, t)
        if let existing = helpers.first(where: { $0.text == text && $0.bits == t.bits }) {
            return .atom(existing.name, signed: t.signed)
        }
        let n = fresh(hint)
        helpers.append((n, t.bits, text, t.signed))
        return .atom(n, signed: t.signed)
    }

    /// `A * B` on the operands at their own widths. When the product is signed both operands are
    /// made signed (an unsigned one gains a zero bit), so Verilog sign-extends them to any context
    /// width and the result is the exact product.
    private mutating func productText(_ l: Expr, _ r: Expr, _ t: HWType) -> String {
        func operand(_ x: Expr) -> String {
            let v = print(x, bits: x.type.bits)
            guard t.signed else { return v.operand }
            if !x.type.signed { return "$signed({1'b0, \(v.text)})" }
            return v.signed ? v.operand : "$signed(\(v.text))"
        }
        return "\(operand(l)) * \(operand(r))"
    }

    /// Prints the value of a declaration or assignment of width `w`: like ``print(_:bits:)``, but
    /// a product exactly as wide as its target is written inline (`wire signed [15:0] p = a * b;`).
    mutating func printAssigned(_ e: Expr, bits w: Int) -> Text {
        if case .binary(.mul, let l, let r, let t) = e, w == t.bits, w > max(l.type.bits, r.type.bits) {
            return Text(text: productText(l, r, t), atomic: false, signed: t.signed)
        }
        return print(e, bits: w)
    }

    /// An unused name starting with `hint`.
    private mutating func fresh(_ hint: String) -> String {
        var used = taken ?? declaredNames()
        var n = hint, i = 0
        while used.contains(n) || VerilogNames.reserved.contains(n) { i += 1; n = "\(hint)_\(i)" }
        used.insert(n)
        taken = used
        return n
    }

    /// Bits hi...lo of `e` as an expression that slices only names, or nil when that needs a
    /// helper wire: slices commute with concatenation, muxes, bitwise operators and constants.
    static func slice(_ e: Expr, hi: Int, lo: Int) -> Expr? {
        let n = hi - lo + 1
        if lo == 0 && n == e.type.bits { return e.type.signed ? .reinterpret(e, .u(n)) : e }
        switch e {
        case .const(let v, _):
            let mask: Int64 = n >= 63 ? Int64.max : (Int64(1) << n) - 1
            return .const((v >> lo) & mask, .u(n))
        case .slice(let x, _, let l2):
            return .slice(x, hi: hi + l2, lo: lo + l2)
        case .concat(let parts):
            var pieces: [Expr] = [], base = 0
            for p in parts.reversed() {                     // least significant part first
                let (pl, ph) = (base, base + p.type.bits - 1)
                base += p.type.bits
                let (l, h) = (max(pl, lo), min(ph, hi))
                guard l <= h else { continue }
                pieces.insert(slice(p, hi: h - pl, lo: l - pl) ?? .slice(p, hi: h - pl, lo: l - pl), at: 0)
            }
            return pieces.count == 1 ? pieces[0] : .concat(pieces)
        case .mux(let c, let a, let b, _):
            guard let x = slice(a, hi: hi, lo: lo), let y = slice(b, hi: hi, lo: lo) else { return nil }
            return .mux(c, x, y, .u(n))
        case .binary(let op, let l, let r, let t) where [.and, .or, .xor].contains(op)
                && l.type.bits == t.bits && r.type.bits == t.bits:
            guard let x = slice(l, hi: hi, lo: lo), let y = slice(r, hi: hi, lo: lo) else { return nil }
            return .binary(op, x, y, .u(n))
        case .unary(.not, let x, let t) where x.type.bits == t.bits:
            return slice(x, hi: hi, lo: lo).map { .unary(.not, $0, .u(n)) }
        case .resize(let x, let t) where t.bits > x.type.bits:
            // Extension: bits above x are copies of its sign bit (or zeros).
            let xb = x.type.bits
            if hi < xb { return slice(x, hi: hi, lo: lo) }
            let fill = max(0, hi - max(lo, xb) + 1)
            let top: Expr = x.type.signed ? .concat(Array(repeating: slice(x, hi: xb - 1, lo: xb - 1)!, count: fill))
                                          : .const(0, .u(fill))
            guard lo < xb else { return top }
            return .concat([top, slice(x, hi: xb - 1, lo: lo)!])
        case .resize(let x, _), .reinterpret(let x, _):
            guard hi < x.type.bits else { return nil }
            return slice(x, hi: hi, lo: lo)
        case .ref:
            return .slice(e, hi: hi, lo: lo)
        default:
            return nil
        }
    }

    /// `e` printed as a w-bit Verilog expression equal to e's value extended or wrapped to w bits.
    mutating func print(_ e: Expr, bits w: Int) -> Text {
        let t = e.type
        switch e {
        case .ref(let n, _):
            return fit(name(n, t), t, w)
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
        case .binary(.mul, let l, let r, _) where w > max(l.type.bits, r.type.bits):
            // Wider than both operands: multiply at the operands' own widths (an s8×s8 product
            // is an 8×8 multiplier, not a sign-extended 16×16 one), named so no context widens it.
            return fit(product(l, r, t, hint: "product"), t, w)
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
        case .slice(let x, let hi, let lo):
            if case .read(let mem, let address, _) = x {
                // A register keeping part of a memory word (Checks allow only this slice of a read).
                return fit(.atom("\(mem)[\(print(address, bits: address.type.bits).text)][\(hi):\(lo)]"), t, w)
            }
            if case .ref = x {} else if let pushed = Self.slice(x, hi: hi, lo: lo) { return print(pushed, bits: w) }
            if lo == 0, case .binary(let op, _, _, _) = x, [.add, .sub, .mul].contains(op) {
                // The low bits of a sum or product are the sum or product at that width.
                return zeroExtend(print(x, bits: min(w, hi + 1)), from: min(w, hi + 1), to: w)
            }
            let n = indexable(x, hint: "slice").text
            let top = lo + min(w, t.bits) - 1
            let s = (top == lo && x.type.bits == 1) ? n : (top == lo ? "\(n)[\(lo)]" : "\(n)[\(top):\(lo)]")
            return zeroExtend(.atom(s), from: min(w, t.bits), to: w)
        case .concat(let parts):
            if w < t.bits { return fit(indexable(e, hint: "cat"), t, w) }
            // Runs of one repeated part print as a replication: {9{neg}}.
            var runs: [(text: String, count: Int)] = []
            func flat(_ e: Expr) -> [Expr] { if case .concat(let ps) = e { return ps.flatMap(flat) }; return [e] }
            let all = parts.flatMap(flat)
            // One part: itself (no braces; Yosys 0.23 asserts on `{x}` of a signed x at some ports).
            if all.count == 1 && w == t.bits { return print(all[0], bits: w) }
            for p in all {
                let text = print(p, bits: p.type.bits).text
                if let last = runs.last, last.text == text { runs[runs.count - 1].count += 1 } else { runs.append((text, 1)) }
            }
            let inner = runs.map { $0.count == 1 ? $0.text : "{\($0.count){\($0.text)}}" }.joined(separator: ", ")
            return .atom(w == t.bits ? "{\(inner)}" : "{{\(w - t.bits){1'b0}}, \(inner)}")
        case .resize(let x, _):
            // Extension, or truncation read back at no more than the truncated width: value mod 2^w.
            if t.bits >= x.type.bits || w <= t.bits { return print(x, bits: w) }
            if !t.signed { return zeroExtend(print(x, bits: t.bits), from: t.bits, to: w) }
            return fit(indexable(.resize(x, t), hint: "wrapped"), t, w)
        case .reinterpret(let x, _):
            if w <= t.bits { return print(x, bits: w) }
            if !t.signed { return zeroExtend(print(x, bits: t.bits), from: t.bits, to: w) }
            if case .ref(let n, let xt) = x { return fit(name(n, xt), t, w) }
            return fit(indexable(x, hint: "as_signed"), t, w)
        case .read(let mem, let address, _):
            // Checks allow a read only as a whole register's next value, so w is the word width.
            return fit(.atom("\(mem)[\(print(address, bits: address.type.bits).text)]", signed: t.signed), t, w)
        case .invalid(let m):
            return .atom("/* invalid: \(m) */")
        }
    }
}
