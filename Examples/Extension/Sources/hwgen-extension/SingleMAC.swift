import HWGen

/// `engine: { kind: single }` — one MAC unit computing C one element at a time: beat
/// (i, j, k) in row-major order of (i, j) with k fastest carries A[i][k] and B[k][j], `first` on
/// k = 0 and `last` on k = K − 1; the sum leaves on the only output lane `latency` cycles after
/// its last beat. Any registered MAC kind with one element per cycle works inside.
struct SingleMAC: Engine {
    let mac: MACConfig

    var streamPorts: [StreamPort] {
        [StreamPort("a", mac.types.a), StreamPort("b", mac.types.b), StreamPort(StreamSignal.first, .bit), StreamPort(StreamSignal.last, .bit)]
    }
    var outputLanes: Int { 1 }
    var macCount: Int { 1 }
    var drainBound: Int { MACUnit(mac).latency + 2 }
    var summary: String { "single \(mac.kind) MAC" }

    func module(name: String, origin: String?) -> Module {
        let unit = MACUnit(mac), t = mac.types
        var top = Module(name, doc: "\(summary), \(mac): one C element per K beats.") { m in
            let inValid = m.input(StreamSignal.inValid, .bit)
            let a = m.input("a", t.a), b = m.input("b", t.b)
            let first = m.input(StreamSignal.first, .bit), last = m.input(StreamSignal.last, .bit)
            m.output(StreamSignal.inReady, Value.constant(1, .bit))
            // A cycle without a beat presents a = 0 and first = 0: the sum stays.
            let operand = m.wire("a_in", inValid.select(a, Value.constant(0, t.a)))
            let acc = m.instance(unit.module, "mac", ["a": operand, "b": b, "first": m.wire("first_in", inValid & first)])["acc"]
            var done = m.wire("last_in", inValid & last)
            for i in 0..<unit.latency { done = m.delay(done, "last_d\(i + 1)") }
            m.output(StreamSignal.outValid, done)
            m.output(StreamSignal.outData, acc)
        }
        top.origin = origin
        return top
    }

    func stimulus(a: IntMatrix, b: IntMatrix) -> Stimulus {
        let (rows, depth, cols) = (a.rows, a.cols, b.cols)
        var beats: [[[Int64]]] = []
        for i in 0..<rows {
            for j in 0..<cols {
                for k in 0..<depth { beats.append([[a[i, k]], [b[k, j]], [k == 0 ? 1 : 0], [k == depth - 1 ? 1 : 0]]) }
            }
        }
        return Stimulus(beats: beats, order: [(0..<(rows * cols)).map { $0 }])
    }
}

/// The descriptor: everything HWGen needs to know of `kind: single`.
struct SingleMACKind: EngineDescriptor {
    var kind: String { "single" }
    var fields: [String] { ["kind"] }
    var buffered: Bool { false }

    func parse(_ f: any SpecFields) throws -> EngineSpec { EngineSpec(self, rows: 1, cols: 1) }

    func macProblem(_ mac: MACConfig) -> (field: String, message: String)? {
        if mac.digitSerial { return ("mac.kind", "\(mac.kind) takes several cycles per element; engine single takes one (allowed: a one-cycle kind)") }
        if mac.group != nil { return ("mac.group", "engine single has no group stage (allowed: remove mac.group)") }
        if mac.pipeline > 1 { return ("mac.pipeline", "\(mac.pipeline) splits the accumulator (allowed with engine single: 0, 1)") }
        return nil
    }

    func gemmBanks(_ e: EngineSpec) -> GemmBanks { GemmBanks(a: (1, "lane"), b: (1, "lane"), c: (1, "lane")) }

    func engine(_ e: EngineSpec, mac: MACConfig) -> any Engine { SingleMAC(mac: mac) }

    /// From the timing rule, not the generator: one beat per cycle, M·N·K beats back to back; the
    /// last sum is on the port `latency` cycles after the last beat (1, or 2 with a pipeline stage).
    func goldenCycles(_ e: EngineSpec, mac: MACConfig, shape s: GemmShape, b: IntMatrix?) -> Int {
        s.m * s.n * s.k + (mac.pipeline >= 1 ? 2 : 1)
    }

    func reductionOrder(_ e: EngineSpec) -> ReductionOrder { .sequential }
}
