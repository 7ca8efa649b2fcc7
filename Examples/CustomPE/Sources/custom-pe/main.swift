// A custom processing element built with the HWGen DSL, emitted as Verilog and checked in
// Icarus Verilog against the same behaviour written in plain Swift.
// Usage: custom-pe <output-directory>
import Foundation
import HWGen

let acc16 = HWType.s(16)

/// Multiply-accumulate that saturates instead of wrapping, with a ReLU output.
let pe = Module("pe_relu_s8_s16", doc: "acc <= first ? a*b : sat16(acc + a*b) when en; relu = max(acc, 0).") { m in
    let a = m.input("a", .s(8)), b = m.input("b", .s(8))
    let en = m.input("en", .bit), first = m.input("first", .bit)
    let product = m.wire("product", a * b)                      // s16: widths add
    let acc = m.register("acc", acc16, reset: 0)
    acc.next(first.select(product, (acc + product).saturated(to: acc16)), enable: en)
    m.output("acc", acc)
    m.output("relu", (acc < 0).select(Value.constant(0, acc16), acc))
}

// The expected values, from the same behaviour in plain Swift.
let steps: [(a: Int, b: Int, first: Bool)] = [
    (127, 127, true), (127, 127, false), (127, 127, false),       // 16129, 32258, then saturates
    (-128, 127, true), (-128, 127, false), (-128, 127, false),    // −16256, −32512, then saturates
    (-3, 5, true), (4, 6, false), (-7, 9, false),                 // −15, 9, −54
]
var model = 0
var expected: [Step] = []
for s in steps {
    model = s.first ? s.a * s.b : min(max(model + s.a * s.b, -32768), 32767)
    expected.append(Step(a: s.a, b: s.b, first: s.first, acc: model, relu: max(model, 0)))
}

let out = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "build/example")
do {
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    var sources: [String] = []
    for file in try Verilog.emit(pe) {                          // checks the module, then prints it
        let url = out.appendingPathComponent(file.name)
        try file.text.write(to: url, atomically: true, encoding: .utf8)
        sources.append(url.path)
    }
    let tb = out.appendingPathComponent("tb_\(pe.name).v")
    try testbench(for: pe.name, expected).write(to: tb, atomically: true, encoding: .utf8)

    let iverilog = try Tools.find("iverilog", package: "iverilog"), vvp = try Tools.find("vvp", package: "iverilog")
    let sim = out.appendingPathComponent("tb_\(pe.name).vvp").path
    let compiled = try Tools.run(iverilog, ["-g2005", "-o", sim, tb.path] + sources)
    let result = compiled.status == 0 ? try Tools.run(vvp, ["-n", sim]) : compiled
    if result.status == 0, result.stdout.contains("PASS"), !result.combined.contains("FAIL") {
        print("PASS custom-pe \(pe.name): \(expected.count) cycles match the Swift model (Verilog in \(out.path))")
    } else {
        print("FAIL custom-pe \(pe.name):\n\(result.combined)")
        exit(1)
    }
} catch let error as HWGenError {
    print(error)
    exit(error.status.rawValue)
}
