/// Multiply-accumulate units.
public enum MAC {
    /// `mac_<a>_<b>_<acc>`: on every cycle with `en`, `acc` loads a·b when `first` is set and
    /// otherwise adds a·b, wrapping to the accumulator width (two's complement).
    public static func accumulate(_ t: MACTypes) -> Module {
        Module("mac_\(t.tag)", doc: "acc <= first ? a*b : acc + a*b (wraps to \(t.acc)), when en.") { m in
            let a = m.input("a", t.a), b = m.input("b", t.b)
            let en = m.input("en", .bit), first = m.input("first", .bit)
            let product = m.wire("product", a * b)
            let acc = m.register("acc", t.acc, reset: 0)
            // The product in the accumulator's type: extended, or wrapped when an unsigned
            // product exactly as wide as a signed accumulator (u8×u8 → s16) does not fit.
            let wide = HWType(bits: max(t.acc.bits, t.product.bits), signed: t.product.signed)
            let loaded = product.extended(to: wide).wrapped(to: t.acc)
            acc.next(first.select(loaded, (acc + product).wrapped(to: t.acc)), enable: en)
            m.output("acc", acc)
        }
    }
}
