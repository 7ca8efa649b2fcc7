import Templates

/// Generates self-checking Verilog testbenches for the engines HWGen emits.
public enum TestbenchGenerator {
    /// The testbench for the systolic array `spec` describes: module `tb_<spec.name>`.
    ///
    /// The text is a pure function of the spec (no dates, no absolute paths), so generating it
    /// twice gives byte-identical output. See ``Templates/systolicTestbench`` for what it reads,
    /// writes and prints.
    public static func systolic(_ spec: DesignSpec) -> (moduleName: String, text: String) {
        let tbName = "tb_\(spec.name)"
        let values: [String: Any] = [
            "tbName": tbName,
            "name": spec.name,
            "source": spec.source,
            "macDescription": spec.mac.description,
            "rows": String(spec.engine.rows),
            "cols": String(spec.engine.cols),
            "aBits": String(spec.mac.a.bits),
            "bBits": String(spec.mac.b.bits),
            "accBits": String(spec.mac.acc.bits),
            "accSigned": spec.mac.acc.signed,
            "elementCycles": String(spec.macConfig.elementCycles),
        ]
        return (tbName, Templates.render(Templates.systolicTestbench, values))
    }
}
