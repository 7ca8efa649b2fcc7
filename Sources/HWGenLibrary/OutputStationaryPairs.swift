import HWGenTypes
import HWGenCore

extension OutputStationaryArray {
    /// FFIP's corrections, each `u(acc)`. Row i: Σ a₀a₁ of its pairs as they enter (the product
    /// registered, then added; the tile's first restarts the sum), held from the cycle row i's
    /// first result reaches the port until the next tile's. Column j: Σ b₀b₁ as B enters row 0,
    /// its final value loaded into a chain that shifts left exactly like row 0's results, so that
    /// column j's correction leaves with PE (0, j)'s result. A sum is final in the cycle after
    /// the tile's last pair (`total`) and stays so one cycle more (`partial`), which covers the
    /// PEs' latency of 1 or 2 without a delay line.
    func pairCorrections(_ m: ModuleBuilder, rows: [(pair: Value, first: Value, last: Value)],
                         columns: [(pair: Value, first: Value, last: Value)]) -> (rows: [Value], columns: [Value]) {
        let t = mac.types, w = t.acc.bits, latency = peUnit.latency
        precondition(latency == 1 || latency == 2, "FFIP corrections follow PEs of latency 1 or 2")
        func sum(_ x: (pair: Value, first: Value, last: Value), _ type: HWType, _ prefix: String) -> (value: Value, load: Value) {
            let product = m.delay(x.pair.lane(0, type) * x.pair.lane(1, type), "\(prefix)_p", reset: nil)
            let first = m.delay(x.first, "\(prefix)_first"), last = m.delay(x.last, "\(prefix)_last")
            let partial = m.register("\(prefix)_sum", .u(w), reset: nil)
            let total = m.wire("\(prefix)_total", first.select(MACUnit.modulo(product, bits: w),
                                                                (partial + MACUnit.modulo(product, bits: w)).wrapped(to: .u(w))))
            partial.next(total)
            return latency == 1 ? (total, last) : (partial.value, m.delay(last, "\(prefix)_final"))
        }
        let rowSums = rows.enumerated().map { i, x -> Value in
            let s = sum(x, t.a, "ra\(i)")
            return m.delay(s.value, "ra\(i)_hold", reset: nil, enable: s.load)
        }
        var chain = Value.constant(0, .u(w))
        for (j, x) in columns.enumerated().reversed() {
            let s = sum(x, t.b, "rb\(j)")
            chain = m.delay(s.load.select(s.value, chain), "rb\(j)_chain", reset: nil)
        }
        return (rowSums, [chain])
    }
}
