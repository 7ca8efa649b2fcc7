/// Maps a design spec to the library generator that builds it.
public enum Designs {
    /// The top module for `spec`.
    public static func module(for spec: DesignSpec) -> Module {
        switch (spec.engine.kind, spec.engine.dataflow) {
        case (.systolic, .os):
            return SystolicOS(rows: spec.engine.rows, cols: spec.engine.cols, mac: spec.macConfig)
                .module(name: spec.name, origin: spec.source)
        }
    }

    /// Checked Verilog for `spec`: one file per module, children first.
    public static func verilog(for spec: DesignSpec) throws -> [VerilogFile] {
        try Verilog.emit(module(for: spec))
    }
}
