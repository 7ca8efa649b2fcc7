import Templates

/// Generates self-checking Verilog testbenches for the engines HWGen emits.
public enum TestbenchGenerator {
    /// The testbench for the design `spec` describes: module `tb_<spec.name>`, driving the
    /// engine's stream ports (see ``Engine``) from beat files written per GEMM.
    ///
    /// The text is a pure function of the spec (no dates, no absolute paths), so generating it
    /// twice gives byte-identical output. See ``Templates/streamTestbench`` for what it reads,
    /// writes and prints.
    public static func testbench(_ design: Design) -> (moduleName: String, text: String) {
        let (spec, engine) = (design.spec, design.engine)
        let tbName = "tb_\(spec.name)"
        if let g = design.harness.gemmEngine {
            func bits(_ depth: Int) -> String { String(max(1, depth.trailingZeroBitCount)) }
            let values: [String: Any] = [
                "tbName": tbName, "name": spec.name, "source": spec.fileName,
                "summary": "\(engine.summary) with buffers", "macDescription": spec.macConfig.description,
                "aLanes": String(g.aBanks), "bLanes": String(g.bBanks), "cLanes": String(g.cBanks),
                "aBits": String(g.aWordType.bits), "bBits": String(g.bWordType.bits), "accBits": String(spec.resultType.bits),
                "aAddrBits": bits(g.aDepth), "bAddrBits": bits(g.bDepth), "cAddrBits": bits(g.cDepth),
                "accSigned": spec.resultType.signed, "padHex": padHex(spec), "padChecked": padChecked(spec),
                "perColumn": spec.epilogue?.perColumn == true, "epAddrBits": String(bitsFor(g.columnTableDepth - 1)),
            ]
            return (tbName, Templates.render(design.isAxi ? Templates.axiTestbench : Templates.gemmTestbench, values))
        }
        let ports = StreamPort.layout(engine.streamPorts).map { p, offset in
            ["name": p.name, "msb": String(p.bits - 1), "offset": String(offset), "bits": String(p.bits)]
        }
        let layout = engine.streamPorts.reversed()
            .map { $0.lanes > 1 ? "\($0.name) \($0.lanes)x\($0.type.bits)" : "\($0.name) \($0.bits)" }
            .joined(separator: ", ")
        let values: [String: Any] = [
            "tbName": tbName,
            "name": spec.name,
            "source": spec.fileName,
            "summary": engine.summary,
            "macDescription": spec.macConfig.description,
            "lanes": String(engine.outputLanes),
            "accBits": String(spec.resultType.bits),
            "accSigned": spec.resultType.signed,
            "padHex": padHex(spec),
            "padChecked": padChecked(spec),
            "beatBits": String(engine.streamPorts.reduce(0) { $0 + $1.bits }),
            "beatLayout": "high to low: " + layout,
            "ports": ports,
        ]
        return (tbName, Templates.render(Templates.streamTestbench, values))
    }

    /// "1" when padding positions must read ``padHex(_:)``; "0" for float results, where a
    /// padding position is a dot product with padded zeros, NaN when the row or column it pairs
    /// with holds a NaN (IEEE: 0 · NaN = NaN). Real results are always checked.
    static func padChecked(_ spec: DesignSpec) -> String { spec.mac.float == nil ? "1" : "0" }

    /// A padding position's value: 0, or with an epilogue its zero point (the requantized 0).
    static func padHex(_ spec: DesignSpec) -> String {
        Simulation.hexWord(spec.epilogue?.zeroPoint ?? 0, bits: spec.resultType.bits)
    }
}
