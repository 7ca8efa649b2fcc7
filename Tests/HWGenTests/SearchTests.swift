import Foundation
import Testing
@testable import HWGen

/// `hwgen sweep --search`: the search file's fields and options (exit 2), fronts and
/// hypervolumes, a real search with Optuna that shares its points with a grid, and a search
/// stopped with SIGINT and resumed.
@Suite struct SearchTests {
    static let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
    /// 18 small arrays, Yosys generic cells against golden cycles (a point takes about a second).
    static let small = """
        base: \(base)
        vary:
          engine.rows: { range: [1, 3, 1] }
          engine.cols: [1, 2, 3]
          mac.kind: [baseline, booth]
        objectives:
          cells: minimize
          cycles: minimize
        constraints:
          - "cells <= 6000"
        gemm: 8x8x8
        steps: [synth]
        target: generic

        """

    @Test func badSearchFilesAndOptionsAreExitTwo() throws {
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let grid = "base: \(Self.base)\nvary: { engine.rows: [1, 2] }\n"
        let out = d.appendingPathComponent("out").path
        for (body, args, message) in [
            (grid, ["--search", "nsga2", "--budget", "4"], "objectives: missing (a search needs 2 or 3"),
            (grid + "objectives: { pj_per_mac: minimize, cycles: minimize }\n", ["--search", "tpe", "--budget", "20"],
             "objectives.pj_per_mac: needs the power step (steps: [sim, synth, power]), which measures it from the netlist"),
            (grid + "objectives: { area_mm2: minimize }\n", [], "objectives: expected 2 or 3 of METRIC: minimize|maximize"),
            (grid + "objectives: { area_mm2: lowest, cycles: minimize }\n", [], "objectives.area_mm2: expected minimize or maximize"),
            (grid + "objectives: { area_mm2: minimize, cycles: minimize }\nconstraints: [\"fmax <= 3\"]\n", [],
             "constraints[0]: 'fmax' is not a metric (allowed: cycles, ops_per_cycle, area_mm2"),
            (grid + "objectives: { area_mm2: minimize, cycles: minimize }\nconstraints: [\"area_mm2 < 3\"]\n", [],
             "constraints[0]: 'area_mm2 < 3' is not a constraint (allowed: METRIC <= NUMBER or METRIC >= NUMBER"),
            (grid + "objectives: { area_mm2: minimize, cycles: minimize }\n", ["--search", "nsga2", "--budget", "10", "--population", "16"],
             "--budget: 10 is below the population (batch) size 16"),
            (grid + "objectives: { area_mm2: minimize, cycles: minimize }\n", ["--search", "anneal", "--budget", "10"],
             "--search: 'anneal' is not a method (allowed: nsga2, tpe, random)"),
            (grid + "objectives: { area_mm2: minimize, cycles: minimize }\n", ["--search", "random"], "--search: needs --budget N"),
            (grid, ["--budget", "10"], "--budget: only with --search"),
            (grid + "objectives: { area_mm2: minimize, cycles: minimize }\n", ["--pareto", "area,gops"], "--pareto: "),
            ("base: \(Self.base)\nvary: { engine.rows: { range: [4, 1, 1] } }\n", [], "vary.engine.rows: expected a list of values or { range: [lo, hi, step] }"),
            (grid + "objectives: { cells: minimize, cycles: minimize }\nsteps: [synth]\ntarget: generic\n", ["--search", "random", "--budget", "20", "--resume"],
             "--resume: \(out) holds no earlier search to resume"),
        ] {
            let r = try CLITests.hwgen(["sweep", try SweepTests.write(body, in: d), "-o", out] + args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(args) \(r.combined)")
        }
    }

    @Test func frontsAndHypervolumes() {
        // Minimized: (1, 3) and (2, 1) are the front; (2, 3) is dominated; nil is on no front.
        #expect(Pareto.front([[1, 3], [2, 3], [2, 1], nil]) == [0, 2])
        // Two points up to (4, 4): 3·1 + 2·2 = 7.
        #expect(Pareto.hypervolume([[1, 3], [2, 1]], reference: [4, 4]) == 7)
        #expect(Pareto.hypervolume([[5, 1]], reference: [4, 4]) == 0)
        // Three objectives against a brute-force count on a grid of unit cells.
        let pts: [[Double]] = [[0, 2, 3], [1, 1, 1], [3, 0, 2], [2, 2, 0]]
        var cells = 0
        for x in 0..<4 { for y in 0..<4 { for z in 0..<4 {
            if pts.contains(where: { $0[0] <= Double(x) && $0[1] <= Double(y) && $0[2] <= Double(z) }) { cells += 1 }
        } } }
        #expect(Pareto.hypervolume(pts, reference: [4, 4, 4]) == Double(cells))
    }

    @Test func searchSharesItsPointsWithAGrid() throws {
        try Requires.tool("yosys", package: "yosys")
        _ = try Requires.venvPython(importing: "optuna")
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let sweep = try SweepTests.write(Self.small, in: d)
        let cache = d.appendingPathComponent("points").path
        let out = d.appendingPathComponent("nsga2")
        let r = try CLITests.hwgen(["sweep", sweep, "-o", out.path, "--cache", cache, "--search", "nsga2", "--budget", "8", "--population", "4", "--seed", "3", "-j", "2"])
        #expect(r.status == 0, "\(r.combined)")
        #expect(r.stdout.contains("8 of the space's 18 points evaluated"), "\(r.stdout)")
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv[0] == "trial,generation,engine.rows,engine.cols,mac.kind,status,cycles,ops_per_cycle,cells,fmax_mhz,gops,gops_per_mm2,feasible,pareto,log")
        #expect(csv.count == 9 && Set(csv.dropFirst().map { $0.split(separator: ",")[2...4].joined(separator: ",") }).count == 8)
        #expect(csv.dropFirst().allSatisfy { $0.split(separator: ",")[5] == "ok" })
        // A point over the constraint is infeasible and never on the front.
        for row in csv.dropFirst() {
            let f = row.split(separator: ",", omittingEmptySubsequences: false)
            #expect(f[12] == (Double(f[8])! <= 6000 ? "true" : "false") && !(f[12] == "false" && f[13] == "true"), "\(row)")
        }
        let hv = try String(contentsOf: out.appendingPathComponent("convergence.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Double($0.split(separator: ",")[1])! }
        #expect(hv.count == 8 && zip(hv, hv.dropFirst()).allSatisfy { $0 <= $1 } && hv.last! > 0)
        for file in ["pareto.svg", "convergence.svg", "search.db", "results.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        // The grid over the same space runs only the 10 points the search did not.
        let g = try CLITests.hwgen(["sweep", sweep, "-o", d.appendingPathComponent("grid").path, "--cache", cache, "-j", "2"])
        #expect(g.status == 0 && g.stdout.contains("18 points, 8 from the cache, 0 failed"), "\(g.combined)")
        // A second search finds every point it asks for in the cache.
        let t = try CLITests.hwgen(["sweep", sweep, "-o", d.appendingPathComponent("tpe").path, "--cache", cache, "--search", "tpe", "--budget", "6", "--population", "3"])
        #expect(t.status == 0 && t.stdout.contains("6 points, 6 from the cache"), "\(t.combined)")
        // --resume of a finished search asks nothing more; another seed is refused.
        let again = try CLITests.hwgen(["sweep", sweep, "-o", out.path, "--cache", cache, "--search", "nsga2", "--budget", "8", "--population", "4", "--seed", "3", "--resume"])
        #expect(again.status == 0 && again.stdout.contains("8 of the space's 18 points evaluated"), "\(again.combined)")
        let other = try CLITests.hwgen(["sweep", sweep, "-o", out.path, "--cache", cache, "--search", "nsga2", "--budget", "8", "--population", "4", "--seed", "4", "--resume"])
        #expect(other.status == 2 && other.stderr.contains("--resume: the search in") && other.stderr.contains("seed 3"), "\(other.combined)")
    }

    @Test func interruptedSearchResumesWithoutLosingOrRerunningAPoint() throws {
        try Requires.tool("yosys", package: "yosys")
        _ = try Requires.venvPython(importing: "optuna")
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let sweep = try SweepTests.write(Self.small, in: d)
        let out = d.appendingPathComponent("out")
        let args = ["sweep", sweep, "-o", out.path, "--search", "random", "--budget", "12", "--population", "4", "--seed", "7", "-j", "1"]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let points = out.appendingPathComponent("points")
        func finished() -> [String: Date] {
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: points.path)) ?? []
            return Dictionary(uniqueKeysWithValues: dirs.compactMap { k in
                (try? FileManager.default.attributesOfItem(atPath: points.appendingPathComponent("\(k)/result.json").path))
                    .flatMap { $0[.modificationDate] as? Date }.map { (k, $0) }
            })
        }
        let deadline = Date().addingTimeInterval(300)
        while finished().count < 5 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(p.isRunning, "the search ended before it could be interrupted")
        p.interrupt()
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        let before = finished()
        #expect(before.count >= 5 && before.count < 12, "\(before.count) points finished before the signal")
        let r = try CLITests.hwgen(Array(args) + ["--resume"])
        #expect(r.status == 0 && r.stdout.contains("12 of the space's 18 points evaluated"), "\(r.combined)")
        let after = finished()
        #expect(after.count == 12)
        // No point finished before the signal ran again.
        for (k, t) in before { #expect(after[k] == t, "point \(k) ran again") }
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 13 && csv.dropFirst().allSatisfy { $0.split(separator: ",")[5] == "ok" }, "\(csv)")
    }
}
