import HWGenTypes
import HWGenCore
import HWGenGolden

/// A derived array whose output moves (``SpaceTimeDataflow/outputMoves``): the weight- and
/// input-stationary family, derived from the matrix rather than written by hand.
///
/// One input is stationary: each PE holds its element in an active register and the next pass's
/// in a shadow register; the shadows shift down x from a port per PE column during the last R
/// beats of a pass (`w_load`), and a PE switches to its shadow when the pass's first beat
/// reaches it (`first`, skewed like the data). The other input streams: a port lane per PE row,
/// delayed by σx·x at the edge, moving along y with σy registers per hop (multicast when σy = 0).
/// Partial sums move down x, σx registers per PE; under each column a P-long accumulator line
/// adds the passes of a group (`acc_first`, `acc_last`) and the group's last pass leaves through a
/// result register. The stream must be continuous (`in_ready` is always 1): a pass's beats and
/// the line's positions stay aligned without enables.
public struct SpaceTimeReductionArray: LoopNestEngine {
    public let dataflow: SpaceTimeDataflow
    public let mac: MACConfig

    public init(_ dataflow: SpaceTimeDataflow, mac: MACConfig) {
        precondition(dataflow.outputMoves && mac.pipeline < 2, "SpaceTimeReductionArray: a moving output, pipeline 0 or 1 (checked by the spec loader)")
        self.dataflow = dataflow
        self.mac = mac
    }

    var rows: Int { dataflow.rows }
    var cols: Int { dataflow.cols }
    var stationaryIsA: Bool { dataflow.stationaryInput.name == dataflow.nest.a.name }
    var stationaryType: HWType { stationaryIsA ? mac.types.a : mac.types.b }
    var streamedType: HWType { stationaryIsA ? mac.types.b : mac.types.a }
    var streamedPort: String { StreamSignal.tensorEdge(dataflow.streamedInput.name) }
    var loadPort: String { StreamSignal.tensorEdge(dataflow.stationaryInput.name) }

    public var streamPorts: [StreamPort] {
        [StreamPort(streamedPort, lanes: rows, streamedType), StreamPort(loadPort, lanes: cols, stationaryType),
         StreamPort(StreamSignal.weightLoad, .bit), StreamPort(StreamSignal.first, .bit),
         StreamPort(StreamSignal.accumulateFirst, .bit), StreamPort(StreamSignal.accumulateLast, .bit)]
    }

    public var outputLanes: Int { cols }
    public var macCount: Int { rows * cols }
    public var summary: String { "\(rows)x\(cols) space-time array with a moving output (\(dataflow.nest))" }

    /// A schedule with every bound 1: its skews and pass length do not depend on the bounds.
    var shape: ReductionSchedule { ReductionSchedule(dataflow, bounds: Array(repeating: 1, count: dataflow.nest.loops.count)) }

    public var drainBound: Int { shape.maxSkew + dataflow.sigmaX + 4 }

    /// Cycles from a beat's acceptance to its column sum under column y.
    func columnDelay(_ y: Int) -> Int { shape.skew(x: rows - 1, y: y) + dataflow.sigmaX + (mac.pipeline >= 1 ? 1 : 0) }

    func pe(name: String) -> Module {
        let unit = MACUnit(mac), t = mac.types
        let (sx, sy) = (dataflow.sigmaX, dataflow.sigmaY)
        let (sType, mType, sIsA) = (stationaryType, streamedType, stationaryIsA)
        return Module(name, doc: "Space-time PE of a moving output: psum_out <= psum_in + stationary * streamed, the stationary value shadow-loaded down x and switched in by first_in.") { m in
            let streamed = m.input("x_in", mType), first = m.input("first_in", .bit)
            let wIn = m.input("w_in", sType), load = m.input("w_load", .bit)
            let shadow = m.register("shadow", sType, reset: nil)
            shadow.next(wIn, enable: load)
            m.output("w_out", shadow.value)
            let active = m.register("active", sType, reset: nil)
            let held = m.wire("held", first.select(shadow.value, active.value))
            active.next(held)
            if sy > 0 { m.output("x_out", m.delay(streamed, cycles: sy, "x_q", reset: nil)) }
            m.output("first_out", m.delay(first, cycles: sx, "first_q", reset: 0))
            var product = sIsA ? unit.exactProduct(m, held, streamed) : unit.exactProduct(m, streamed, held)
            if mac.pipeline >= 1 { product = m.delay(product, "product_q", reset: nil) }
            let psumIn = m.input("psum_in", t.acc)
            let wide = product.extended(to: HWType(bits: max(t.acc.bits, product.type.bits), signed: product.type.signed))
            m.output("psum_out", m.delay((psumIn + wide.wrapped(to: t.acc)).wrapped(to: t.acc), cycles: sx, "psum", reset: nil))
        }
    }

    public func module(name: String, origin: String? = nil) -> Module {
        let (R, C, t) = (rows, cols, mac.types)
        let pe = self.pe(name: "\(name)_pe")
        let s = shape, sy = dataflow.sigmaY, passBeats = s.passBeats
        let (mType, sType) = (streamedType, stationaryType)
        let ports = streamPorts
        var top = Module(name, doc: "\(summary): \(t), \(mac.kind.rawValue) MAC, pipeline \(mac.pipeline).") { m in
            let inValid = m.input(StreamSignal.inValid, .bit)
            let streamedIn = m.input(ports[0].name, .u(ports[0].bits)), loadIn = m.input(ports[1].name, .u(ports[1].bits))
            let wLoad = m.input(StreamSignal.weightLoad, .bit), first = m.input(StreamSignal.first, .bit)
            let load = m.wire("load", inValid & wLoad)
            let accFirst = m.input(StreamSignal.accumulateFirst, .bit), accLast = m.input(StreamSignal.accumulateLast, .bit)
            m.output(StreamSignal.inReady, Value.constant(1, .bit))
            // Edge skew: row x's streamed lane after σx·x cycles, column y's `first` after σy·y.
            // Each column gates its `first` with its own copy of `in_valid`, so that no two
            // columns' flag chains are equal registers: synthesis would merge them into one flop
            // per anti-diagonal, whose fan-out then sits on the path into the multipliers.
            let rowLanes = (0..<R).map { x in m.delay(streamedIn.lane(x, mType), cycles: s.skew(x: x, y: 0), "x\(x)", reset: nil) }
            let columnFirst = (0..<C).map { y in
                let n = s.skew(x: 0, y: y)
                return m.wire("col\(y)_first", m.delay(first, cycles: n, "first_s\(y)", reset: 0) & m.delay(inValid, cycles: n, "valid_s\(y)", reset: 0))
            }
            var grid: [[InstanceOutputs]] = []
            for x in 0..<R {
                var row: [InstanceOutputs] = []
                for y in 0..<C {
                    let ports: [String: Value] = [
                        "x_in": sy == 0 || y == 0 ? rowLanes[x] : row[y - 1]["x_out"],
                        "first_in": x == 0 ? columnFirst[y] : grid[x - 1][y]["first_out"],
                        "w_in": x == 0 ? loadIn.lane(y, sType) : grid[x - 1][y]["w_out"],
                        "w_load": load,
                        "psum_in": x == 0 ? Value.constant(0, t.acc) : grid[x - 1][y]["psum_out"],
                    ]
                    row.append(m.instance(pe, "pe_\(x)_\(y)", ports))
                }
                grid.append(row)
            }
            // Under each column: the group's passes add in a P-long line; its last pass leaves.
            var valids: [Value] = [], data: [Value] = []
            for y in 0..<C {
                let delay = columnDelay(y)
                let firstHere = m.delay(accFirst, cycles: delay, "acc_first_s\(y)", reset: 0)
                let lastHere = m.delay(accLast, cycles: delay, "acc_last_s\(y)", reset: 0)
                let sum = m.wire("col\(y)_sum", t.acc)
                let line = m.delay(sum.value, cycles: passBeats, "line\(y)", reset: nil)
                let column = grid[R - 1][y]["psum_out"]
                sum.drive(firstHere.select(column, (line + column).wrapped(to: t.acc)))
                data.append(m.delay(sum.value, "out\(y)", reset: nil).asUnsigned)
                valids.append(m.delay(lastHere, "out\(y)_valid"))
            }
            m.output(StreamSignal.outValid, concat(valids.reversed()))
            m.output(StreamSignal.outData, concat(data.reversed()))
        }
        top.origin = origin
        return top
    }

    /// R preload beats (the first pass's stationary tile, row R − 1 first), then every pass's P
    /// beats: the streamed elements of row x's lane, in the last R beats the next pass's
    /// stationary rows, and the flags; column y's results are the P positions of each group's
    /// last pass, as offsets into the output tensor.
    public func stimulus(bounds: [Int], tensors: [String: IntTensor], outputShape: [Int]) -> Stimulus {
        let s = ReductionSchedule(dataflow, bounds: bounds)
        let (st, mv, out) = (dataflow.stationaryInput, dataflow.streamedInput, dataflow.nest.output)
        let (sT, mT) = (tensors[st.name]!, tensors[mv.name]!)
        let (R, P) = (rows, s.passBeats)
        func loadRow(pass p: Int, row: Int) -> [Int64] {
            Self.lanes(cols) { y in s.iteration(pass: p, beat: 0, x: row, y: y).map { sT[st.element($0)] } }
        }
        var beats: [[[Int64]]] = (0..<R).map { i in
            [Self.lanes(R) { _ in nil }, loadRow(pass: 0, row: R - 1 - i), [1], [0], [0], [0]]
        }
        for p in 0..<s.passes {
            let (firstOfGroup, lastOfGroup) = (p % s.groupPasses == 0, p % s.groupPasses == s.groupPasses - 1)
            for b in 0..<P {
                let loading = b >= P - R && p + 1 < s.passes
                beats.append([Self.lanes(R) { x in s.iteration(pass: p, beat: b, x: x, y: 0).map { mT[mv.element($0)] } },
                              loading ? loadRow(pass: p + 1, row: R - 1 - (b - (P - R))) : Self.lanes(cols) { _ in nil },
                              [loading ? 1 : 0], [b == 0 ? 1 : 0], [firstOfGroup ? 1 : 0], [lastOfGroup ? 1 : 0]])
            }
        }
        let shape = IntTensor(zeros: outputShape)
        let order: [[Int?]] = (0..<cols).map { y in
            stride(from: s.groupPasses - 1, to: s.passes, by: s.groupPasses).flatMap { p in
                (0..<P).map { b in s.iteration(pass: p, beat: b, x: 0, y: y).map { shape.offset(out.element($0)) } }
            }
        }
        return Stimulus(beats: beats, order: order)
    }
}
