import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// Builds a matrix from nested row literals.
private func mat(_ rows: [[Int64]]) -> IntMatrix {
    IntMatrix(rows: rows.count, cols: rows.first?.count ?? 0, data: rows.flatMap { $0 })
}

private let s8s8s32 = MACTypes(a: .s(8), b: .s(8), acc: .s(32))

// MARK: - GEMM, hand-computed

@Suite struct GoldenGEMMTests {
    @Test func handComputed2x3by3x2() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12]
        // c00 = 7+18+33 = 58, c01 = 8+20+36 = 64, c10 = 28+45+66 = 139, c11 = 32+50+72 = 154
        let c = GoldenGEMM.multiply(mat([[1, 2, 3], [4, 5, 6]]), mat([[7, 8], [9, 10], [11, 12]]), mac: s8s8s32)
        #expect(c == mat([[58, 64], [139, 154]]))
    }

    @Test func signedOperands() {
        // [-1 2; 3 -4] · [5 -6; -7 8] = [-5-14, 6+16; 15+28, -18-32]
        let c = GoldenGEMM.multiply(mat([[-1, 2], [3, -4]]), mat([[5, -6], [-7, 8]]), mac: s8s8s32)
        #expect(c == mat([[-19, 22], [43, -50]]))
    }

    @Test func unsignedOperands() {
        // 255·255 + 255·255 = 2·65025 = 130050 (fits u32)
        let mac = MACTypes(a: .u(8), b: .u(8), acc: .u(32))
        #expect(GoldenGEMM.multiply(mat([[255, 255]]), mat([[255], [255]]), mac: mac) == mat([[130_050]]))
    }

    @Test func mixedU8timesS8() {
        // 200·(−128) + 100·127 = −25600 + 12700 = −12900
        let mac = MACTypes(a: .u(8), b: .s(8), acc: .s(32))
        let c = GoldenGEMM.multiply(mat([[200, 100], [255, 0]]), mat([[-128], [127]]), mac: mac)
        #expect(c == mat([[-12_900], [-32_640]]))   // 255·(−128) + 0·127 = −32640
    }

    /// All-(−128) s8 operands: every product is 16384 = 2^14, so C = K·2^14 wrapped to the accumulator.
    @Test(arguments: [
        // s16: K·2^14 mod 2^16 is 2^14·(K mod 4); values ≥ 2^15 map to value − 2^16.
        (16, 1, Int64(16_384)),   // 16384
        (16, 2, -32_768),         // 32768 − 65536
        (16, 3, -16_384),         // 49152 − 65536
        (16, 4, 0),               // 65536 ≡ 0
        (16, 5, 16_384),          // 81920 − 65536
        (16, 255, -16_384),       // 255 ≡ 3 (mod 4)
        // s20: 2^14·(K mod 64) mod 2^20, values ≥ 2^19 = 524288 map to value − 2^20.
        (20, 31, 507_904),        // 31·16384, still < 2^19
        (20, 32, -524_288),       // 2^19 − 2^20
        (20, 40, -393_216),       // 655360 − 1048576
        (20, 64, 0),              // 2^20 ≡ 0
        (20, 100, -458_752),      // 100 ≡ 36 (mod 64): 589824 − 1048576
    ])
    func minusOneTwentyEightOverflow(accBits: Int, k: Int, expected: Int64) {
        let mac = MACTypes(a: .s(8), b: .s(8), acc: .s(accBits))
        let a = IntMatrix(rows: 2, cols: k, data: Array(repeating: -128, count: 2 * k))
        let b = IntMatrix(rows: k, cols: 3, data: Array(repeating: -128, count: 3 * k))
        let c = GoldenGEMM.multiply(a, b, mac: mac)
        #expect(c.data == Array(repeating: expected, count: 6))
        // Closed-form cross-check of the hand value: K·16384 mod 2^bits, mapped to signed.
        let modulus = Int64(1) << accBits
        let r = (Int64(k) * 16_384) % modulus
        #expect(expected == (r >= modulus / 2 ? r - modulus : r))
    }

    @Test func unsignedAccumulatorWraps() {
        // u8×u8→u8: 16·16 + 16·17 = 256 + 272 = 528 ≡ 16 (mod 256); 255·255 = 65025 ≡ 1 (mod 256)
        let mac = MACTypes(a: .u(8), b: .u(8), acc: .u(8))
        #expect(GoldenGEMM.multiply(mat([[16, 16]]), mat([[16], [17]]), mac: mac) == mat([[16]]))
        #expect(GoldenGEMM.multiply(mat([[255]]), mat([[255]]), mac: mac) == mat([[1]]))
        // u8×u8→u10: 3·(255·255) = 195075 = 190·1024 + 515
        let u10 = MACTypes(a: .u(8), b: .u(8), acc: .u(10))
        #expect(GoldenGEMM.multiply(mat([[255, 255, 255]]), mat([[255], [255], [255]]), mac: u10) == mat([[515]]))
    }

    @Test func signedProductIntoUnsignedAccumulator() {
        // s4×s4→u8: −1·1 = −1 sign-extends to all ones = 255; −8·7 + 2 = −54 ≡ 202 (mod 256)
        let mac = MACTypes(a: .s(4), b: .s(4), acc: .u(8))
        #expect(GoldenGEMM.multiply(mat([[-1]]), mat([[1]]), mac: mac) == mat([[255]]))
        #expect(GoldenGEMM.multiply(mat([[-8, 1]]), mat([[7], [2]]), mac: mac) == mat([[202]]))
    }

    @Test func accumulatorNarrowerThanProduct() {
        // s8×s8→s12: 100·100 = 10000 = 2·4096 + 1808, 1808 < 2048 → 1808.
        // (−100)·100 = −10000 ≡ −10000 + 3·4096 = 2288 ≥ 2048 → 2288 − 4096 = −1808.
        let mac = MACTypes(a: .s(8), b: .s(8), acc: .s(12))
        #expect(GoldenGEMM.multiply(mat([[100], [-100]]), mat([[100]]), mac: mac) == mat([[1808], [-1808]]))
    }

    @Test func kEqualsOne() {
        // Outer product: [3; -2; 7] · [4 -5]
        let c = GoldenGEMM.multiply(mat([[3], [-2], [7]]), mat([[4, -5]]), mac: s8s8s32)
        #expect(c == mat([[12, -15], [-8, 10], [28, -35]]))
    }

    @Test func kEqualsZeroGivesZeros() {
        let c = GoldenGEMM.multiply(IntMatrix(rows: 2, cols: 0), IntMatrix(rows: 0, cols: 3), mac: s8s8s32)
        #expect(c == IntMatrix(rows: 2, cols: 3, data: [0, 0, 0, 0, 0, 0]))
    }

    /// Step-wise wrap equals the exact sum wrapped once (computed here with `%`, not bit masks).
    @Test(arguments: [
        MACTypes(a: .s(8), b: .s(8), acc: .s(16)), MACTypes(a: .s(8), b: .s(8), acc: .s(32)),
        MACTypes(a: .u(8), b: .s(8), acc: .s(20)), MACTypes(a: .u(8), b: .u(8), acc: .u(12)),
        MACTypes(a: .s(16), b: .s(16), acc: .s(48)), MACTypes(a: .u(16), b: .u(16), acc: .u(40)),
        MACTypes(a: .s(4), b: .u(4), acc: .s(6)), MACTypes(a: .s(2), b: .s(2), acc: .u(2)),
        MACTypes(a: .s(16), b: .u(16), acc: .s(33)), MACTypes(a: .u(16), b: .u(16), acc: .s(48)),
    ])
    func stepwiseEqualsExactSumThenWrap(mac: MACTypes) {
        var rng = SplitMix64(state: UInt64(mac.tag.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        for (m, k, n) in [(1, 1, 1), (3, 7, 2), (4, 300, 5), (2, 1000, 3)] {
            let a = IntMatrix(rows: m, cols: k, data: (0..<m * k).map { _ in rng.value(in: mac.a) })
            let b = IntMatrix(rows: k, cols: n, data: (0..<k * n).map { _ in rng.value(in: mac.b) })
            let modulus = Int64(1) << mac.acc.bits
            var expected = IntMatrix(rows: m, cols: n)
            for i in 0..<m {
                for j in 0..<n {
                    // Exact: |sum| ≤ 1000 · 2^32 < 2^42, no Int64 overflow.
                    let exact = (0..<k).reduce(Int64(0)) { $0 + a[i, $1] * b[$1, j] }
                    var r = ((exact % modulus) + modulus) % modulus
                    if mac.acc.signed && r >= modulus / 2 { r -= modulus }
                    expected[i, j] = r
                }
            }
            #expect(GoldenGEMM.multiply(a, b, mac: mac) == expected, "\(mac) \(m)x\(k)x\(n)")
        }
    }

    @Test func extremeOperandsAtMaxWidths() {
        // s16×s16→s48, K = 3: (−32768)² · 3 = 3·2^30 = 3221225472, well inside s48.
        let mac = MACTypes(a: .s(16), b: .s(16), acc: .s(48))
        let c = GoldenGEMM.multiply(mat([[-32768, -32768, -32768]]), mat([[-32768], [-32768], [-32768]]), mac: mac)
        #expect(c == mat([[3_221_225_472]]))
    }
}

// MARK: - Timing

@Suite struct GoldenTimingTests {
    @Test func scaleSimReference() {
        // 16×8 array, M=64, N=48, K=40: 4·6·(40+16+8−2) − 1 = 24·62 − 1 = 1487.
        #expect(GoldenTiming.scaleSimOS(rows: 16, cols: 8, m: 64, k: 40, n: 48) == 1487)
    }

    @Test func idealCycles() {
        #expect(GoldenTiming.idealCycles(rows: 16, cols: 16, m: 256, k: 256, n: 256) == 65_536)
        #expect(GoldenTiming.idealCycles(rows: 8, cols: 8, m: 37, k: 100, n: 21) == 1214.0625)  // 77700/64
    }

    /// Hand-derived totals: L_T = (K−1) + (T−1)·max(K, 2C−1); cycles = L_T + R + 2C.
    @Test(arguments: [
        (1, 1, 1, 1, 1, 3),           // T=1, L=0; single output at 0+0+0+2 = 2 → 3 cycles
        (2, 3, 4, 2, 3, 14),          // T=2, K=2 < 5: L=1, 6 → 6+2+6
        (2, 2, 2, 10, 2, 15),         // T=1, L=9 → 9+2+4
        (4, 4, 8, 10, 8, 51),         // T=4, max(10,7)=10: L=9+30=39 → 39+4+8
        (4, 4, 8, 3, 8, 35),          // T=4, max(3,7)=7: L=2+21=23 → 23+4+8
        (16, 16, 256, 256, 256, 65_583), // T=256: L=255+255·256=65535 → +48
        (8, 8, 37, 100, 21, 1523),    // T=5·3=15: L=99+1400=1499 → +24
    ])
    func osCyclesHandValues(r: Int, c: Int, m: Int, k: Int, n: Int, expected: Int) {
        #expect(GoldenTiming.osCycles(rows: r, cols: c, m: m, k: k, n: n) == expected)
    }

    @Test func lastAcceptCyclesByHand() {
        // C=3 → drain gap 5. K=2: 1, 6, 11. K=7: 6, 13, 20. K=1: 0, 5, 10.
        #expect(GoldenTiming.osLastAcceptCycles(rows: 1, cols: 3, m: 3, k: 2, n: 3) == [1, 6, 11])
        #expect(GoldenTiming.osLastAcceptCycles(rows: 2, cols: 3, m: 6, k: 7, n: 3) == [6, 13, 20])
        #expect(GoldenTiming.osLastAcceptCycles(rows: 1, cols: 3, m: 1, k: 1, n: 9) == [0, 5, 10])
        // R=C=1: gap 1 never stalls; K=1 → one tile per cycle.
        #expect(GoldenTiming.osLastAcceptCycles(rows: 1, cols: 1, m: 2, k: 1, n: 2) == [0, 1, 2, 3])
    }

    @Test func scheduleByHand() {
        // R=2, C=2, one tile, K=3: L=2; PE(i,j) at 2+i+2j+2.
        let s = GoldenTiming.osOutputSchedule(rows: 2, cols: 2, m: 2, k: 3, n: 2)
        #expect(s == [
            [OSOutputEvent(tile: 0, col: 0, cycle: 4), OSOutputEvent(tile: 0, col: 1, cycle: 6)],
            [OSOutputEvent(tile: 0, col: 0, cycle: 5), OSOutputEvent(tile: 0, col: 1, cycle: 7)],
        ])
    }

    @Test func multiCycleElementsByHand() {
        // D=4 (s8 bit-serial), C=3 → gap 5 < K·D: elements every 4 cycles, last of tile t at 4K−1+… .
        #expect(GoldenTiming.osLastAcceptCycles(rows: 1, cols: 3, m: 2, k: 2, n: 3, elementCycles: 4) == [4, 12])
        // K=1, D=2, C=4 → gap 7 dominates: 0, 7, 14.
        #expect(GoldenTiming.osLastAcceptCycles(rows: 1, cols: 4, m: 3, k: 1, n: 4, elementCycles: 2) == [0, 7, 14])
        // One tile R=C=2, K=3, D=4: L=8; PE(i,j) at 8+3+i+2j+2.
        let s = GoldenTiming.osOutputSchedule(rows: 2, cols: 2, m: 2, k: 3, n: 2, elementCycles: 4)
        #expect(s[0] == [OSOutputEvent(tile: 0, col: 0, cycle: 13), OSOutputEvent(tile: 0, col: 1, cycle: 15)])
        #expect(GoldenTiming.osCycles(rows: 2, cols: 2, m: 2, k: 3, n: 2, elementCycles: 4) == 17)
    }

    /// Closed form vs. the element-level simulation, plus per-row port properties.
    @Test(arguments: [1, 2, 4, 5])
    func closedFormMatchesSimulatedSchedule(_ d: Int) {
        var cases = 0
        for r in [1, 2, 3, 5, 8] {
            for c in [1, 2, 3, 4, 8] {
                // K values cover 1, K < 2C−1, K = 2C−1 and K > 2C−1.
                for k in Set([1, 2, 2 * c - 2, 2 * c - 1, 2 * c, 3 * c + 1, 17]).filter({ $0 >= 1 }).sorted() {
                    for (m, n) in [(1, 1), (r, c), (r + 1, c), (2 * r + 1, 3 * c - 1), (7, 5)] {
                        cases += 1
                        let schedule = GoldenTiming.osOutputSchedule(rows: r, cols: c, m: m, k: k, n: n, elementCycles: d)
                        let tiles = ((m + r - 1) / r) * ((n + c - 1) / c)
                        let lastCycle = schedule.flatMap { $0.map(\.cycle) }.max()!
                        #expect(GoldenTiming.osCycles(rows: r, cols: c, m: m, k: k, n: n, elementCycles: d) == lastCycle + 1,
                                "R=\(r) C=\(c) M=\(m) K=\(k) N=\(n) D=\(d)")
                        #expect(schedule.count == r)
                        for row in schedule {
                            // Emission order is tile order then column order …
                            let order = (0..<tiles).flatMap { t in (0..<c).map { j in [t, j] } }
                            #expect(row.map { [$0.tile, $0.col] } == order)
                            // … and cycles strictly increase: in order and never two in one cycle.
                            #expect(zip(row, row.dropFirst()).allSatisfy { $0.cycle < $1.cycle })
                        }
                    }
                }
            }
        }
        #expect(cases > 500)
    }

    @Test func osNeverBeatsIdealAndFirstTileMatchesSCALESim() {
        // One tile: osCycles = K−1+R+2C and SCALE-Sim = K+R+C−3, so OS is exactly C+2 more.
        for (r, c, k) in [(1, 1, 1), (4, 8, 10), (16, 16, 256)] {
            #expect(GoldenTiming.osCycles(rows: r, cols: c, m: r, k: k, n: c)
                    == GoldenTiming.scaleSimOS(rows: r, cols: c, m: r, k: k, n: c) + c + 2)
            #expect(Double(GoldenTiming.osCycles(rows: r, cols: c, m: r, k: k, n: c))
                    >= GoldenTiming.idealCycles(rows: r, cols: c, m: r, k: k, n: c))
        }
    }
}

// MARK: - Print-free API

@Suite struct GoldenAPITests {
    /// Every golden entry point is a pure function returning values (nothing is printed or stored).
    @Test func stationaryCyclesByHand() {
        // 4x4 WS, 5x6x7: P = 2·4 + 4 − 2 = 10; tiles ⌈7/4⌉·⌈5/10⌉·⌈6/4⌉ = 2·1·2 = 4;
        // 2R + T·P + C + pipeline = 8 + 40 + 4 + 1.
        #expect(GoldenTiming.stationaryCycles(rows: 4, cols: 4, streamed: 5, stationary: 7, k: 6, pipeline: 1) == 53)
        // 1x1: P = 1, one tile per (m, n, k) triple.
        #expect(GoldenTiming.stationaryCycles(rows: 1, cols: 1, streamed: 3, stationary: 2, k: 4) == 2 + 24 + 1)
        // 16x16 WS on 256³: P = 46, ⌈256/46⌉ = 6 chunks, 16·6·16 tiles.
        #expect(GoldenTiming.stationaryCycles(rows: 16, cols: 16, streamed: 256, stationary: 256, k: 256, pipeline: 1)
                == 32 + 1536 * 46 + 16 + 1)
    }

    @Test func matrix2dAndDotCyclesByHand() {
        // 4x4 matrix2d, 5x6x7 pipeline 1: T = 2·2 tiles, L_T = 5 + 3·max(6, 4) = 23; + C + p + D + 1.
        #expect(GoldenTiming.matrix2dCycles(rows: 4, cols: 4, m: 5, k: 6, n: 7, pipeline: 1) == 23 + 4 + 1 + 1 + 1)
        // K = 1 < C: the chain spacing C rules: L_T = 0 + 3·4.
        #expect(GoldenTiming.matrix2dCycles(rows: 4, cols: 4, m: 5, k: 1, n: 7) == 12 + 4 + 0 + 1 + 1)
        // Cube 4x4x4, 7x19x6 with one stage: 2·2·5 beats + 1 + 1.
        #expect(GoldenTiming.dotCycles(m: 4, n: 4, k: 4, stages: 1, gemm: (7, 19, 6)) == 22)
    }

    @Test func nonzeroBoothDigitsByHand() {
        // Radix-4 Booth digit i = −2·b[2i+1] + b[2i] + b[2i−1].
        let s8 = HWType.s(8), u8 = HWType.u(8)
        #expect(GoldenTiming.nonzeroBoothDigits(0, s8) == 0)
        #expect(GoldenTiming.nonzeroBoothDigits(1, s8) == 1)          // 1
        #expect(GoldenTiming.nonzeroBoothDigits(2, s8) == 2)          // −2 + 4·1
        #expect(GoldenTiming.nonzeroBoothDigits(-1, s8) == 1)         // −1
        #expect(GoldenTiming.nonzeroBoothDigits(127, s8) == 2)        // −1 + 64·2
        #expect(GoldenTiming.nonzeroBoothDigits(-128, s8) == 1)       // 64·(−2)
        #expect(GoldenTiming.nonzeroBoothDigits(85, s8) == 4)         // 0b01010101: 1 + 4 + 16 + 64
        #expect(GoldenTiming.nonzeroBoothDigits(255, u8) == 2)        // −1 + 256·1 (five digits for u8)
        #expect(GoldenTiming.nonzeroBoothDigits(-2, .s(2)) == 1)
    }

    @Test func matrix2dSkipCyclesByHand() {
        // 1x1, M = 1, K = 2, B = [0, 127]: element lengths 1 (no nonzero digit) and 2; accepted at 0
        // and 1; the run ends 1 + (2 − 1) + C + p + 2.
        let b = IntMatrix(rows: 2, cols: 1, data: [0, 127])
        #expect(GoldenTiming.matrix2dSkipCycles(rows: 1, cols: 1, b: b, m: 1, bType: .s(8)) == 1 + 1 + 1 + 0 + 2)
        // Every digit nonzero (85 = 1 + 4 + 16 + 64): the fixed D-cycle model.
        let dense = IntMatrix(rows: 6, cols: 7, data: Array(repeating: 85, count: 42))
        #expect(GoldenTiming.matrix2dSkipCycles(rows: 4, cols: 4, b: dense, m: 5, bType: .s(8), pipeline: 1)
                == GoldenTiming.matrix2dCycles(rows: 4, cols: 4, m: 5, k: 6, n: 7, pipeline: 1, elementCycles: 4))
        // A column of zeros beside a busy one: the busy column sets the length.
        let mixed = IntMatrix(rows: 1, cols: 2, data: [0, 85])
        #expect(GoldenTiming.matrix2dSkipCycles(rows: 1, cols: 2, b: mixed, m: 1, bType: .s(8)) == 0 + 3 + 2 + 0 + 2)
    }

    @Test func wsSkipCyclesByHand() {
        // 2x2 WS (P = 4), M = 5 (2 chunks), B 3x3: tiles (cols 0-1 | col 2) × (rows 0-1 | row 2).
        // Slots: rows 0-1 × cols 0-1 hold 85 (4 digits); row 2 × cols 0-1 hold 1 (1); col 2 all zero (1).
        var b = IntMatrix(rows: 3, cols: 3)
        for (r, c) in [(0, 0), (0, 1), (1, 0), (1, 1)] { b[r, c] = 85 }
        b[2, 0] = 1; b[2, 1] = -1
        #expect(GoldenTiming.wsSkipCycles(rows: 2, cols: 2, streamed: 5, weights: b, bType: .s(8), shape: (3, 3))
                == 2 + 4 * 2 * (4 + 1 + 1 + 1) + 2 + 2 + 0)
        // Without B: every digit nonzero, S = D = 4 for all four tiles.
        #expect(GoldenTiming.wsSkipCycles(rows: 2, cols: 2, streamed: 5, weights: nil, bType: .s(8), shape: (3, 3), pipeline: 1)
                == 2 + 4 * 2 * 16 + 2 + 2 + 1)
    }

    @Test func scaleSimStationaryFormulas() {
        // SCALE-Sim v2: WS ⌈K/R⌉⌈N/C⌉(2R+C+M−2)−1, IS ⌈K/R⌉⌈M/C⌉(2R+C+N−2)−1.
        #expect(GoldenTiming.scaleSimWS(rows: 16, cols: 16, m: 256, k: 256, n: 256) == 16 * 16 * (32 + 16 + 256 - 2) - 1)
        #expect(GoldenTiming.scaleSimIS(rows: 4, cols: 8, m: 20, k: 9, n: 5) == 3 * 3 * (8 + 8 + 5 - 2) - 1)
        #expect(GoldenTiming.scaleSimWS(rows: 4, cols: 8, m: 20, k: 9, n: 5) == 3 * 1 * (8 + 8 + 20 - 2) - 1)
    }

    @Test func pureValueAPI() {
        let a = mat([[1, -2], [3, 4]]), b = mat([[5, 6], [7, -8]])
        let c: IntMatrix = GoldenGEMM.multiply(a, b, mac: s8s8s32)
        #expect(c == mat([[5 - 14, 6 + 16], [15 + 28, 18 - 32]]))
        let cycles: Int = GoldenTiming.osCycles(rows: 2, cols: 2, m: 2, k: 2, n: 2)
        #expect(cycles == 1 + 2 + 4)                    // L=1, T=1
        let schedule: [[OSOutputEvent]] = GoldenTiming.osOutputSchedule(rows: 2, cols: 2, m: 2, k: 2, n: 2)
        #expect(schedule.flatMap { $0 }.count == 4)
        let scale: Int = GoldenTiming.scaleSimOS(rows: 2, cols: 2, m: 2, k: 2, n: 2)
        #expect(scale == 1 * (2 + 2 + 2 - 2) - 1)
        let ideal: Double = GoldenTiming.idealCycles(rows: 2, cols: 2, m: 2, k: 2, n: 2)
        #expect(ideal == 2)
        #expect(GoldenTiming.tileCount(rows: 2, cols: 2, m: 5, n: 3) == 3 * 2)
    }
}

// MARK: - Test helpers

/// Test operands from HWGen's seeded SplitMix64 generator.
private extension SplitMix64 {
    /// Uniform value in the type's range; every third draw is an extreme (min or max).
    mutating func value(in t: HWType) -> Int64 {
        let lo = t.minValue, hi = t.maxValue!
        let x = next()
        if x % 3 == 0 { return x & 8 == 0 ? lo : hi }
        return lo + Int64((x >> 1) % UInt64(hi - lo + 1))
    }
}

// MARK: - Quantized arithmetic, hand-computed

@Suite struct GoldenQuantTests {
    /// 127·127 = 16129 three times, then 127·(−128) = −16256, into s16: clamped in k order
    /// 16129, 32258, 32767 (not 48387), 16511; wrapping gives 32131 (−33405 + 65536), and
    /// clamping once at the end the exact 32131.
    @Test func saturationClampsInKOrder() {
        let a = mat([[127, 127, 127, 127]]), b = mat([[127], [127], [127], [-128]])
        #expect(GoldenGEMM.multiply(a, b, mac: MACTypes(a: .s(8), b: .s(8), acc: .s(16), saturating: true)) == mat([[16_511]]))
        #expect(GoldenGEMM.multiply(a, b, mac: MACTypes(a: .s(8), b: .s(8), acc: .s(16))) == mat([[32_131]]))
        // Below: 4 × (−128·127) = −65024 clamps at −32768 after the third step.
        let low = GoldenGEMM.multiply(mat([[-128, -128, -128, 1]]), mat([[127], [127], [127], [5]]),
                                      mac: MACTypes(a: .s(8), b: .s(8), acc: .s(16), saturating: true))
        #expect(low == mat([[-32_763]]))
    }

    /// Ternary and p4 weights are used as their values.
    @Test func codedWeights() {
        let t = MACTypes(a: .s(8), weights: .ternary, acc: .s(16))
        #expect(GoldenGEMM.multiply(mat([[5, -7, 9]]), mat([[1], [-1], [0]]), mac: t) == mat([[12]]))
        let p = MACTypes(a: .s(8), weights: .powerOfTwo(bits: 4), acc: .s(24))
        #expect(GoldenGEMM.multiply(mat([[3, -2, 1]]), mat([[64], [-8], [0]]), mac: p) == mat([[192 + 16]]))
    }

    /// Groups of 2 with exponents 3 and 1: (1 + 2)·8 + 3·2 = 30; the short last group counts.
    @Test func groupDequantization() {
        let mac = MACTypes(a: .s(8), b: .s(4), acc: .s(24))
        let c = GoldenGEMM.multiply(mat([[1, 2, 3]]), mat([[1], [1], [1]]), mac: mac, group: 2, scales: mat([[3], [1]]))
        #expect(c == mat([[30]]))
        // Saturating: each shifted group sum is added and clamped in order: 127·7·2^15 clamps s24.
        let sat = MACTypes(a: .s(8), b: .s(4), acc: .s(24), saturating: true)
        let big = GoldenGEMM.multiply(mat([[127, 127, -1, 0]]), mat([[7], [7], [1], [0]]), mac: sat, group: 2, scales: mat([[15], [0]]))
        #expect(big == mat([[8_388_607 - 1]]))
    }

    /// Ties under every rounding mode: ±2.5 and ±3.5 (acc ±5 or ±7, M = 1, n = 1).
    @Test func roundingModesOnTies() {
        let cases: [(Int64, [RoundingMode: Int64])] = [
            (5, [.halfEven: 2, .halfUp: 3, .halfAway: 3, .truncate: 2]),
            (-5, [.halfEven: -2, .halfUp: -2, .halfAway: -3, .truncate: -3]),
            (7, [.halfEven: 4, .halfUp: 4, .halfAway: 4, .truncate: 3]),
            (-7, [.halfEven: -4, .halfUp: -3, .halfAway: -4, .truncate: -4]),
            (-6, [.halfEven: -3, .halfUp: -3, .halfAway: -3, .truncate: -3]),   // exact
        ]
        for (acc, want) in cases {
            for (mode, y) in want {
                let e = Epilogue(multiplier: 1, shift: 1, rounding: mode, out: .s(8))
                #expect(GoldenEpilogue.requantize(acc, multiplier: 1, shift: 1, e) == y, "\(acc) \(mode.rawValue)")
            }
        }
    }

    /// Zero point after rounding, saturation to `out`, ReLU at the zero point; the product is exact
    /// beyond 64 bits (2^47 · (2^31 − 1)).
    @Test func zeroPointSaturationAndReLU() {
        let e = Epilogue(multiplier: 3, shift: 2, zeroPoint: -3, rounding: .halfUp, out: .s(8), relu: true)
        #expect(GoldenEpilogue.requantize(10, multiplier: 3, shift: 2, e) == 5)      // 7.5 → 8, − 3
        #expect(GoldenEpilogue.requantize(-10, multiplier: 3, shift: 2, e) == -3)    // −7.5 → −7, −10, ReLU → −3
        #expect(GoldenEpilogue.requantize(1000, multiplier: 3, shift: 2, e) == 127)  // 750 − 3 saturates
        var noRelu = e
        noRelu.relu = false
        #expect(GoldenEpilogue.requantize(-1000, multiplier: 3, shift: 2, noRelu) == -128)
        let wide = Epilogue(multiplier: Int64(1) << 31 - 1, shift: 63, rounding: .halfEven, out: .s(32))
        #expect(GoldenEpilogue.requantize(Int64(1) << 47, multiplier: Int64(1) << 31 - 1, shift: 63, wide) == 32_768)   // 2^15 − 2^−16 rounds up
        #expect(GoldenEpilogue.requantize(Int64(1) << 47, multiplier: Int64(1) << 31 - 1, shift: 40, wide) == 2_147_483_647)   // 2^38 saturates
    }
}
