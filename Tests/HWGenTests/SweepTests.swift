import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// `hwgen sweep`: malformed sweep files, a real (small) sweep with a failing point, the cache,
/// the Pareto front.
@Suite struct SweepTests {
    static func write(_ text: String, in dir: URL) throws -> String {
        let p = dir.appendingPathComponent("sweep.yaml").path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test func malformedSweepFilesAreExitTwoNamingFileAndField() throws {
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
        for (body, message) in [
            ("base: \(base)\nvary: { engine.rows: [2] }\nwhatever: 1\n", "unknown field 'whatever' (allowed: base, vary, objectives, constraints, gemm, steps, target, clock, seed)"),
            ("base: \(base)\nvary: { engine.rows: [] }\n", "vary.engine.rows: expected a non-empty list of values (or { range: [lo, hi, step] })"),
            ("base: \(base)\nvary: { engine.rowz: [2] }\n", "vary.engine.rowz: not a spec field (allowed: description, engine.cols"),
            ("base: \(base)\nvary: { engine.rows: [2] }\ntarget: xc7\n", "target: 'xc7' is not a target (allowed: osu018, generic, ice40, ecp5)"),
            ("base: \(base)\nvary: {}\n", "vary: missing or empty"),
            ("base: \(base)\nvary: { engine.rows: [2] }\nsteps: [sim, place]\n", "steps: 'place' is not a step (allowed: sim, synth, power)"),
            ("base: \(base)\nvary: { engine.rows: [2] }\nsteps: [sim, power]\n", "steps: power needs synth (the gate-level simulation runs on its netlist)"),
            ("base: \(base)\nvary: { engine.rows: [2] }\nsteps: [synth, power]\ntarget: generic\n", "steps: power needs target osu018 (generic has no Liberty power tables)"),
            ("base: nowhere.yaml\nvary: { engine.rows: [2] }\n", "nowhere.yaml: no such file"),
        ] {
            let r = try CLITests.hwgen(["sweep", try Self.write(body, in: d), "-o", d.appendingPathComponent("out").path])
            #expect(r.status == 2 && r.stderr.contains(message) && r.stderr.contains(d.path), "\(r.combined)")
        }
    }

    @Test func smallSweepWithAFailingPointCachedOnRerun() throws {
        try Requires.tool("yosys", package: "yosys")
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
        // mac.acc s4 cannot hold an s8 × s8 product: that point fails (exit 2 in its log), the others run.
        let sweep = try Self.write("base: \(base)\nvary:\n  engine.rows: [1, 2]\n  mac.acc: [s32, s4]\ngemm: 4x8x4\nsteps: [synth]\ntarget: generic\n", in: d)
        let out = d.appendingPathComponent("out")
        let r = try CLITests.hwgen(["sweep", sweep, "-o", out.path, "-j", "2"])
        #expect(r.status == 0, "\(r.combined)")
        #expect(r.stdout.contains("4 points, 0 from the cache, 2 failed"), "\(r.stdout)")
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv[0] == "engine.rows,mac.acc,status,cycles,ops_per_cycle,cells,fmax_mhz,gops,gops_per_mm2,pareto,log")
        #expect(csv.count == 5 && csv[1].hasPrefix("1,s32,ok,") && csv[2].hasPrefix("1,s4,failed,") && csv[3].hasPrefix("2,s32,ok,"))
        let log = String(csv[2].split(separator: ",").last!)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("mac.acc: s4 is narrower than the s16 product"))
        // The two rows and one column: the 2-row array is faster and larger; both are on the front.
        #expect(csv[1].hasSuffix(",true,") && csv[3].hasSuffix(",true,"))
        let svg = try String(contentsOf: out.appendingPathComponent("pareto.svg"), encoding: .utf8)
        #expect(svg.contains("generic cells") && svg.contains("operations per cycle on 4x8x4") && svg.contains("Pareto front (2)"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as? [[String: Any]]
        #expect(json?.count == 4)

        // Re-run: the finished points come from the cache, the failed ones run again.
        let again = try CLITests.hwgen(["sweep", sweep, "-o", out.path])
        #expect(again.stdout.contains("4 points, 2 from the cache, 2 failed"), "\(again.stdout)")
        // A point whose result is gone (a killed run) is redone alone.
        let points = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("points").path)
        let done = points.filter { FileManager.default.fileExists(atPath: out.appendingPathComponent("points/\($0)/result.json").path) }
        #expect(done.count == 2)
        try FileManager.default.removeItem(at: out.appendingPathComponent("points/\(done[0])/result.json"))
        let resumed = try CLITests.hwgen(["sweep", sweep, "-o", out.path])
        #expect(resumed.stdout.contains("4 points, 1 from the cache, 2 failed"), "\(resumed.stdout)")
    }

    @Test func prepareOnlyWritesAnArrayScriptAnyArraySchedulerCanRun() throws {
        try Requires.tool("yosys", package: "yosys")
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
        let sweep = try Self.write("base: \(base)\nvary:\n  engine.rows: [1, 2]\ngemm: 4x8x4\nsteps: [synth]\ntarget: generic\n", in: d)
        let out = d.appendingPathComponent("out")
        let r = try CLITests.hwgen(["sweep", sweep, "-o", out.path, "--prepare-only"])
        #expect(r.status == 0 && r.stdout.contains("2 point(s) to run") && r.stdout.contains("bsub -J \"hwgen-sweep[1-2]\""), "\(r.combined)")
        #expect(try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).contains(",unfinished,"))
        // LSF's 1-based index 2 is point 1 (engine.rows=2); then a plain run gathers it and runs only the other.
        let lsf = try Tools.run("/usr/bin/env", ["LSB_JOBINDEX=2", "sh", out.appendingPathComponent("array.sh").path])
        #expect(lsf.status == 0, "\(lsf.combined)")
        let gathered = try CLITests.hwgen(["sweep", sweep, "-o", out.path])
        #expect(gathered.stdout.contains("2 points, 1 from the cache, 0 failed"), "\(gathered.combined)")
        let rows = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 3 && rows[1].hasPrefix("1,ok,") && rows[2].hasPrefix("2,ok,"), "\(rows)")
    }

    @Test func paretoFront() {
        func point(_ cost: Double, _ gops: Double) -> Sweep.PointResult {
            var r = SynthReport(design: "d", liberty: "", clockNS: 10, areaUM2: cost * 1e6, cells: 1, flipFlops: 1, criticalPathNS: 1,
                                fmaxMHz: 100, startpoint: "", endpoint: "", yosysSeconds: 0, staSeconds: 0)
            var m = PPAMetrics(report: r, macs: 1)
            m.achievedGOPS = gops
            r.metrics = m
            let spec = DesignSpec(name: "d", engine: EngineSpec.systolic(rows: 1, cols: 1), mac: MACTypes(a: .s(8), b: .s(8), acc: .s(32)), source: "d")
            let page = DesignReport(Design(spec), shape: GemmShape(m: 1, k: 1, n: 1), cycles: CycleEstimate(Design(spec), shape: GemmShape(m: 1, k: 1, n: 1)),
                                    operands: nil, verdicts: [], runs: [], synthesis: r)
            return Sweep.PointResult(values: [], key: "", status: "ok", cached: false, log: "", report: page)
        }
        var points = [point(1, 1), point(2, 3), point(2, 2), point(3, 3), point(4, 5)]
        Sweep.markFront(&points, objectives: [SweepAxis.area, .gops].map { $0.objective(SynthTarget.osu018.flow) })
        #expect(points.map(\.pareto) == [true, true, false, false, true])
        // Energy per MAC (lower is better) against GOPS: the points' pJ/MAC are 5, 4, 1, 4, 6.
        for (i, pj) in [5.0, 4, 1, 4, 6].enumerated() {
            points[i].report?.synthesis?.power = PowerReport(
                internalMW: 1, switchingMW: 1, leakageMW: 0, totalMW: 2, clockNS: 10, energyNJ: 1, pjPerMAC: pj,
                gopsPerW: 2000 / pj, topsPerW: 2 / pj, annotatedPercent: 100, annotatedPins: 1, drivenPins: 1,
                cycles: 1, activity: "", netlistCheck: "")
        }
        Sweep.markFront(&points, objectives: [SweepAxis.energy, .gops].map { $0.objective(SynthTarget.osu018.flow) })
        #expect(points.map(\.pareto) == [false, true, true, true, true])
        Sweep.markFront(&points, objectives: [SweepAxis.energy, .area].map { $0.objective(SynthTarget.osu018.flow) })
        #expect(points.map(\.pareto) == [true, false, true, false, false])
        // A broken constraint keeps a point off the front: without point 2 (1 pJ/MAC), point 1 (4 pJ/MAC, area 2) joins it.
        let atLeastTwoPJ = try! SweepConstraint.parse("pj_per_mac >= 2", field: "constraints[0]")
        Sweep.markFront(&points, objectives: [SweepAxis.energy, .area].map { $0.objective(SynthTarget.osu018.flow) }, constraints: [atLeastTwoPJ])
        #expect(points.map(\.pareto) == [true, true, false, false, false])
    }

    @Test func paretoAxesParse() throws {
        #expect(try SweepAxis.pair("energy,gops", steps: ["sim", "synth", "power"]) == (.energy, .gops))
        #expect(try SweepAxis.pair("area, cycles", steps: ["synth"]) == (.area, .cycles))
        for (text, message) in [("energy", "--pareto: 'energy' is not X,Y (allowed axes: area, gops, energy, power, cycles)"),
                                ("area,watts", "--pareto: 'watts' is not an axis (allowed: area, gops, energy, power, cycles)"),
                                ("energy,gops", "--pareto: energy needs the sweep's power step (steps: [sim, synth, power])"),
                                ("gops,gops", "--pareto: the two axes must differ")] {
            #expect { _ = try SweepAxis.pair(text, steps: ["sim", "synth"]) } throws: { e in
                (e as? HWGenError)?.message == message && (e as? HWGenError)?.status == .badInput
            }
        }
    }
}
