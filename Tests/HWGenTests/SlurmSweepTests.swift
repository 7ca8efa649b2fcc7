import Foundation
import Testing
@testable import HWGen
@testable import HWGenTypes
@testable import HWGenCore
@testable import HWGenGolden
@testable import HWGenLibrary

/// `hwgen sweep --backend slurm` on a real one-node Slurm cluster brought up by
/// `scripts/slurm-local.sh`: the results equal `--backend local`, a task cancelled mid-run is
/// reported with its log and completed by `--resume`, SIGINT cancels the array job, and a point
/// finished on one backend is not redone on the other.
@Suite(.serialized) struct SlurmSweepTests {
    /// The cluster's own directory and ports, away from any cluster a developer runs.
    static let clusterDir = "/tmp/hwgen-slurm-test"
    static let env = ["SLURM_CONF": clusterDir + "/slurm.conf"]

    static func cluster(_ action: String) throws -> CommandResult {
        try Tools.run("/usr/bin/env", ["HWGEN_SLURM_DIR=\(clusterDir)", "HWGEN_SLURM_PORT=6837",
                                       CLITests.repo.appendingPathComponent("scripts/slurm-local.sh").path, action], timeout: 120)
    }

    static func squeue(_ args: [String]) throws -> String {
        try Tools.run("/usr/bin/env", env.map { "\($0.key)=\($0.value)" } + ["squeue", "-h", "-r"] + args, timeout: 60).stdout
    }

    /// Starts `hwgen args` in the background with the cluster's environment.
    static func start(_ args: [String]) throws -> (Process, URL) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLITests.binary)
        p.arguments = args
        p.currentDirectoryURL = CLITests.repo
        p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hwgen-slurm-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let h = try FileHandle(forWritingTo: out)
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return (p, out)
    }

    /// Waits until the job of the sweep writing into `dir` has a running task; returns `job_task`.
    static func runningTask(of dir: URL, within seconds: Double = 120) throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let data = try? Data(contentsOf: dir.appendingPathComponent("slurm/jobs.json")),
               let arrays = try? JSONDecoder().decode([SlurmBackend.SubmittedArray].self, from: data), let job = arrays.last?.job,
               let task = try squeue(["-j", job, "-t", "running", "-o", "%F_%K"]).split(separator: "\n").first {
                return String(task)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }

    static func csv(_ dir: URL) throws -> String {
        try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8)
    }

    @Test func slurmSweepEqualsLocalSurvivesACancelledTaskAndCtrlC() throws {
        for tool in ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel"] where Tools.which(tool) == nil && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/\(tool)") {
            try Requires.skip("'\(tool)' is not installed (apt-get install -y slurm-wlm munge)")
        }
        try Requires.tool("yosys", package: "yosys")
        let up = try Self.cluster("start")
        #expect(up.status == 0, "\(up.combined)")
        defer { _ = try? Self.cluster("stop") }
        guard up.status == 0 else { return }

        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
        let sweep = try CLITests.write("base: \(base)\nvary:\n  engine.rows: [2, 3, 4]\n  engine.cols: [2, 4]\n  mac.b: [s8, s4]\n"
                                       + "gemm: 4x8x4\nsteps: [synth]\ntarget: generic\n", "sweep12.yaml", in: d)
        let local = d.appendingPathComponent("local"), slurm = d.appendingPathComponent("slurm"), stopped = d.appendingPathComponent("stopped")

        let l = try CLITests.hwgen(["sweep", sweep, "-o", local.path, "--max-parallel", "2"])
        #expect(l.status == 0 && l.stdout.contains("12 points, 0 from the cache, 0 failed"), "\(l.combined)")

        // Slurm, with one array task cancelled while it runs: that point is reported with its log.
        let (run, out) = try Self.start(["sweep", sweep, "-o", slurm.path, "--backend", "slurm", "--poll", "0.5"])
        let victim = try Self.runningTask(of: slurm)
        #expect(victim != nil, "no task of the array job started running")
        if let victim { _ = try Tools.run("/usr/bin/env", Self.env.map { "\($0.key)=\($0.value)" } + ["scancel", victim]) }
        run.waitUntilExit()
        let first = try String(contentsOf: out, encoding: .utf8)
        #expect(run.terminationStatus == 0, "\(first)")
        #expect(first.contains("sweep (Slurm job ") && first.contains("12 points, 0 from the cache, 1 failed"), "\(first)")
        #expect(first.contains("(Slurm task \(victim ?? "?"): CANCELLED") && first.contains("log: \(slurm.path)/points/"), "\(first)")
        let failedRows = try Self.csv(slurm).split(separator: "\n").filter { $0.contains(",failed,") }
        #expect(failedRows.count == 1 && failedRows[0].hasSuffix("/log.txt"), "\(failedRows)")

        // --resume runs only that point; then every row equals the local run's.
        let resumed = try CLITests.hwgen(["sweep", sweep, "-o", slurm.path, "--backend", "slurm", "--resume", "--poll", "0.5"], env: Self.env)
        #expect(resumed.status == 0 && resumed.stdout.contains("12 points, 11 from the cache, 0 failed"), "\(resumed.combined)")
        #expect(try Self.csv(slurm) == Self.csv(local))

        // A point finished on one backend is not redone on the other.
        let crossed = try CLITests.hwgen(["sweep", sweep, "-o", slurm.path], env: Self.env)
        #expect(crossed.stdout.contains("12 points, 12 from the cache"), "\(crossed.combined)")
        let back = try CLITests.hwgen(["sweep", sweep, "-o", local.path, "--backend", "slurm"], env: Self.env)
        #expect(back.stdout.contains("12 points, 12 from the cache"), "\(back.combined)")

        // Ctrl-C: the array job is cancelled, nothing of it is left queued or running, the
        // finished points are kept and --resume runs only the others.
        let (interrupted, out2) = try Self.start(["sweep", sweep, "-o", stopped.path, "--backend", "slurm", "--poll", "0.5"])
        _ = try Self.runningTask(of: stopped)
        kill(interrupted.processIdentifier, SIGINT)
        interrupted.waitUntilExit()
        let text = try String(contentsOf: out2, encoding: .utf8)
        #expect(interrupted.terminationStatus == 130, "\(text)")
        #expect(text.contains("sweep: interrupted, scancel ") && text.contains("--backend slurm --resume"), "\(text)")
        let job = try JSONDecoder().decode([SlurmBackend.SubmittedArray].self, from: Data(contentsOf: stopped.appendingPathComponent("slurm/jobs.json")))[0].job
        #expect(try Self.squeue(["-j", job, "-t", "pending,running", "-o", "%F_%K"]).isEmpty)
        let rows = try Self.csv(stopped).split(separator: "\n").dropFirst()
        let ok = rows.filter { $0.contains(",ok,") }.count, unfinished = rows.filter { $0.contains(",unfinished,") }.count
        #expect(ok + unfinished == 12 && unfinished > 0, "\(rows)")
        let again = try CLITests.hwgen(["sweep", sweep, "-o", stopped.path, "--backend", "slurm", "--resume", "--poll", "0.5"], env: Self.env)
        #expect(again.status == 0 && again.stdout.contains("12 points, \(ok) from the cache, 0 failed"), "\(again.combined)")
        #expect(try Self.csv(stopped) == Self.csv(local))

        // A search on Slurm: each batch of asked trials is one array job.
        let python = FPGASynthesis.pypiBin + "/python"
        guard (try? Tools.run(python, ["-c", "import optuna"]))?.status == 0 else {
            print("SlurmSweepTests: the search on Slurm was skipped: optuna is not installed in \(FPGASynthesis.pypiBin) (make setup)")
            return
        }
        let searchFile = try CLITests.write(try String(contentsOfFile: sweep, encoding: .utf8) + "objectives: { cells: minimize, cycles: minimize }\n",
                                            "search12.yaml", in: d)
        let searched = d.appendingPathComponent("search")
        let s = try CLITests.hwgen(["sweep", searchFile, "-o", searched.path, "--backend", "slurm", "--poll", "0.5",
                                    "--search", "random", "--budget", "6", "--population", "3"], env: Self.env)
        #expect(s.status == 0 && s.stdout.contains("6 of the space's 12 points evaluated"), "\(s.combined)")
        let arrays = try JSONDecoder().decode([SlurmBackend.SubmittedArray].self, from: Data(contentsOf: searched.appendingPathComponent("slurm/jobs.json")))
        #expect(arrays.count >= 2 && arrays.map(\.keys.count).reduce(0, +) == 6, "\(arrays)")
        #expect(try Self.csv(searched).split(separator: "\n").dropFirst().filter { $0.contains(",ok,") }.count == 6)
    }

    @Test func squeueAndSacctOutputParse() {
        let q = SlurmBackend.parseSqueue("12|0|COMPLETED\n12|1|RUNNING\n12|2|PENDING\n12|3|CANCELLED by 0\n13|0|COMPLETING\nbad line\n")
        #expect(q["12"]?[0] == .ended("COMPLETED") && q["12"]?[1] == .running && q["12"]?[2] == .pending)
        #expect(q["12"]?[3] == .ended("CANCELLED") && q["13"]?[0] == .running && q.count == 2)
        let a = SlurmBackend.parseSacct("12_0|COMPLETED\n12_1|TIMEOUT\n12_[2-5]|PENDING\n14|FAILED\n")
        #expect(a["12"]?[0] == .ended("COMPLETED") && a["12"]?[1] == .ended("TIMEOUT") && a["12"]?.count == 2 && a["14"] == nil)
        #expect(SlurmBackend.parseJobID("4242\n") == "4242" && SlurmBackend.parseJobID("4242;cluster\n") == "4242")
        #expect(SlurmBackend.parseJobID("sbatch: error: Batch job submission failed\n") == nil)
    }

    @Test func sbatchArgumentsCarryPartitionTimeThrottleAndExtras() {
        let b = SlurmBackend(options: SlurmOptions(partition: "gpu", maxParallel: 8, timeLimit: "30", extraArguments: ["--account=hw"]),
                             outDir: URL(fileURLWithPath: "/shared/sweep"), sweepName: "os_kinds")
        #expect(b.sbatchArguments(tasks: 24) == ["--parsable", "--job-name=hwgen-os_kinds", "--array=0-23%8", "--output=/shared/sweep/slurm/%A_%a.out",
                                                 "--chdir=/shared/sweep", "--cpus-per-task=1", "--partition=gpu", "--time=30", "--account=hw"])
    }

    @Test func badBackendOptionsAreExitTwo() throws {
        let sweep = CLITests.repo.appendingPathComponent("sweeps/os_kinds.yaml").path
        for (args, message) in [(["--backend", "lsf"], "--backend: 'lsf' is not a backend (allowed: local, slurm)"),
                                (["--partition", "p"], "--partition: only with --backend slurm"),
                                (["--max-parallel", "0"], "--max-parallel: 0 must be at least 1"),
                                (["--resume"], "holds no earlier sweep to resume")] {
            let r = try CLITests.hwgen(["sweep", sweep, "-o", "/tmp/hwgen-nothing-\(UUID().uuidString)"] + args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(r.combined)")
        }
    }

    @Test func missingSbatchIsExitThreeNamingThePackage() throws {
        let d = try CLITests.tempDir()
        defer { try? FileManager.default.removeItem(at: d) }
        let base = CLITests.repo.appendingPathComponent("designs/systolic_os_4x4_s8.yaml").path
        let sweep = try CLITests.write("base: \(base)\nvary: { engine.rows: [1] }\nsteps: [synth]\ntarget: generic\n", "s.yaml", in: d)
        let r = try CLITests.hwgen(["sweep", sweep, "-o", d.appendingPathComponent("o").path, "--backend", "slurm"], env: ["PATH": "/nonexistent"])
        #expect(r.status == 3 && r.stderr.contains("'sbatch' not found on PATH (install it with: apt-get install -y slurm-client)"), "\(r.combined)")
    }
}
