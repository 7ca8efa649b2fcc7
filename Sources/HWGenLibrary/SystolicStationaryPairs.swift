import HWGenTypes
import HWGenCore

/// FFIP pairs in the weight-stationary array (``SystolicStationary/pairs``): the correction terms,
/// computed once at the array's edges.
extension SystolicStationary {
    /// Per column, the two values its top PE adds in place of a zero partial sum, in the cycle it
    /// adds the products of a vector: −Σ x₀x₁ of the vector and −Σ w₀w₁ of the column's tile
    /// (as a carry-save pair; both modulo 2^acc).
    ///
    /// Σ x₀x₁ (one multiplier per row, before the skew) is registered twice, which is why the
    /// grid's inputs wait ``pairLag`` cycles, then moves right one column per cycle with the
    /// vector. Σ w₀w₁ is summed over a tile's R load beats (one multiplier per column, two
    /// registers after the port) and switched in when the tile's first vector reaches the top of
    /// the column; it is ready 3 cycles after the last load beat, at the first vector's arrival at
    /// the earliest, and held a tile's P beats, past the last column's switch.
    func pairCorrections(_ m: ModuleBuilder, xCol: Value, wRow: Value, stream: Value, first: Value, load: Value,
                         lane: (Value, Int) -> Value) -> [(s: Value, c: Value)] {
        let (R, C, p, t) = (rows, cols, mac.pipeline, mac.types)
        // A correction is a sum of R products, negated: it fits the product's width plus
        // bitsFor(R) + 1 bits, signed, and is sign-extended to the accumulator only at the top.
        let productBits = max(t.a.bits + t.b.bits, 2 * (max(t.a.bits, t.b.bits)))
        let w = min(t.acc.bits, productBits + bitsFor(R) + 1), u = HWType.u(w)
        func widened(_ v: Value) -> Value { MACUnit.modulo(v.asSigned, bits: t.acc.bits) }
        // −Σ x₀x₁ of the entering vector, two cycles later.
        let products = (0..<R).map { i -> Value in
            let pair = lane(xCol, i)
            let product = m.wire("rc\(i)_p", pair.lane(0, t.a) * pair.lane(1, t.a))
            return MACUnit.modulo(m.delay(product, "rc\(i)_q", reset: nil), bits: w)
        }
        // One subtraction chain, which synthesis builds as one carry-save tree and one adder.
        let rowSum = products.reduce(Value.constant(0, u)) { ($0 - $1).wrapped(to: u) }
        var rowCorrection = m.delay(m.delay(rowSum, "rc_neg", reset: nil), cycles: p, "rc_neg")
        var tileFirst = m.delay(first, cycles: pairLag + p, "cc_first", reset: 0)

        // −Σ w₀w₁ of each column's tile: beat counter over the R load beats, two cycles late.
        let loaded = m.delay(load, cycles: 2, "cc_load", reset: 0)
        let countType = HWType.u(bitsFor(R - 1))
        let count = m.register("cc_count", countType, reset: 0)
        let lastRow = m.wire("cc_last_row", count == R - 1)
        count.next(loaded.select(lastRow.select(Value.constant(0, countType), (count + 1).wrapped(to: countType)), count.value))
        // count == 0, as its own flop (it gates every column's sum so far).
        let restart = m.register("cc_restart", .bit, reset: 1)
        restart.next(loaded.select(lastRow, restart.value))
        var top: [(s: Value, c: Value)] = []
        for j in 0..<C {
            let pair = m.delay(wRow.lane(j, stationaryType), "cc\(j)_w", reset: nil)
            let product = MACUnit.modulo(m.delay(m.wire("cc\(j)_p", pair.lane(0, t.b) * pair.lane(1, t.b)), "cc\(j)_q", reset: nil), bits: w)
            let partial = m.register("cc\(j)_sum", u, reset: nil)
            // Summed negated: (0 or the sum so far) − product, one subtractor.
            let sum = m.wire("cc\(j)_next", ((partial.value & replicate(~restart.value, w)) - product).wrapped(to: u))
            partial.next(sum, enable: loaded)
            let ready = m.register("cc\(j)_ready", u, reset: nil)
            ready.next(sum, enable: m.wire("cc\(j)_done", loaded & lastRow))
            if j > 0 {
                rowCorrection = m.delay(rowCorrection, "col\(j)_rc", reset: nil)
                tileFirst = m.delay(tileFirst, "col\(j)_cc_first", reset: 0)
            }
            let active = m.register("cc\(j)_active", u, reset: nil)
            let now = m.wire("cc\(j)_now", tileFirst.select(ready.value, active.value))
            active.next(now)
            top.append((m.wire("col\(j)_rc_top", widened(rowCorrection)), m.wire("col\(j)_cc_top", widened(now))))
        }
        return top
    }
}
