import Foundation

/// The Python side of a search: Optuna (PyPI) with its SQLite storage, driven one batch at a time.
/// Each call is one process that tells the finished trials, asks the next batch and prints every
/// trial as JSON, so the study on disk is the search's whole state: `--resume` reopens it.
struct OptunaBridge {
    /// One trial as the study holds it.
    struct Trial: Decodable {
        let number: Int
        /// `RUNNING` (asked, not told), `COMPLETE` or `FAIL`.
        let state: String
        let params: [String: ParamValue]
        /// The batch (generation) that asked it.
        let batch: Int?
    }

    /// A parameter: a categorical choice (the value as written in the sweep file) or an integer.
    enum ParamValue: Decodable, Equatable {
        case int(Int), text(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .text(try c.decode(String.self)) }
        }
    }

    /// What a finished trial is told: its objective values (in the study's directions) and
    /// constraint values (≤ 0 is satisfied), or nothing when it failed.
    struct Tell: Encodable {
        let number: Int
        let values: [Double]?
        let constraints: [Double]?
    }

    struct Reply: Decodable {
        let asked: [Trial]
        let trials: [Trial]
        /// The settings of the study on disk when they differ from this run's.
        let mismatch: [String: String]?
    }

    let python: String
    let script: URL
    let storage: URL
    /// Method, seed, population, objectives and space: a resumed study must have been made with the same.
    let settings: [String: String]
    let directions: [String]
    let constrained: Bool
    let space: [[String: Any]]

    /// Finds a Python that imports optuna: the project's venv (`make setup`), else `python3`.
    static func python() throws -> String {
        let candidates = ["\(FPGASynthesis.pypiBin)/python", Tools.which("python3")].compactMap { $0 }
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            if let r = try? Tools.run(p, ["-c", "import optuna"], timeout: 120), r.status == 0 { return p }
        }
        throw HWGenError(.missingTool, "optuna (PyPI) is not installed for \(candidates.joined(separator: " or ")) "
                         + "(install it with: make setup, or python3 -m pip install optuna)")
    }

    /// Tells `tell`, asks `ask` trials for batch `batch`, returns every trial.
    func call(tell: [Tell], ask: Int, batch: Int) throws -> Reply {
        let request: [String: Any] = [
            "storage": "sqlite:///" + storage.path, "settings": settings, "directions": directions, "constrained": constrained,
            "space": space, "ask": ask, "batch": batch,
            "tell": try JSONSerialization.jsonObject(with: JSONEncoder().encode(tell)),
            "method": settings["method"]!, "seed": Int(settings["seed"]!)!, "population": Int(settings["population"]!)!,
        ]
        let file = storage.deletingLastPathComponent().appendingPathComponent("optuna_request.json")
        try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]).write(to: file)
        let r = try Tools.run(python, [script.path, file.path], timeout: 3600)
        guard r.status == 0, let line = r.stdout.split(separator: "\n").last,
              let reply = try? JSONDecoder().decode(Reply.self, from: Data(line.utf8)) else {
            throw HWGenError(.missingTool, "the Optuna bridge (\(script.path)) failed (exit \(r.status)): \(r.combined.suffix(2000))")
        }
        return reply
    }

    /// The script, written next to the study.
    static let source = #"""
        # hwgen sweep --search: one batch of an Optuna study (tell the finished trials, ask the next).
        import json, sys, warnings
        import optuna
        from optuna.distributions import CategoricalDistribution, IntDistribution
        from optuna.trial import TrialState

        warnings.filterwarnings("ignore")
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        req = json.load(open(sys.argv[1]))
        space = {f["name"]: IntDistribution(f["low"], f["high"], step=f["step"]) if "low" in f
                 else CategoricalDistribution(f["choices"]) for f in req["space"]}
        storage = optuna.storages.RDBStorage(req["storage"])
        study = optuna.create_study(storage=storage, study_name="hwgen", directions=req["directions"], load_if_exists=True)
        have = study.user_attrs.get("hwgen")
        if have is None:
            study.set_user_attr("hwgen", req["settings"])
        elif have != req["settings"]:
            print(json.dumps({"asked": [], "trials": [], "mismatch": have}))
            sys.exit(0)

        constraints = (lambda t: t.user_attrs["hwgen_constraints"]) if req["constrained"] else None
        # The sampler is made anew in every call: its seed follows the trials so far, so a search
        # is reproducible and a resumed one goes on where it stopped.
        seed = (req["seed"] * 1000003 + len(study.trials)) % 2**32
        method, population = req["method"], req["population"]
        if method == "nsga2":
            sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed, constraints_func=constraints)
        elif method == "tpe":
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=population, multivariate=True,
                                                 constant_liar=True, constraints_func=constraints)
        else:
            sampler = optuna.samplers.RandomSampler(seed=seed)
        study = optuna.load_study(study_name="hwgen", storage=storage, sampler=sampler)

        for t in req["tell"]:
            trial_id = storage.get_trial_id_from_study_id_trial_number(study._study_id, t["number"])
            if storage.get_trial(trial_id).state.is_finished():
                continue                      # told before an interruption
            if t.get("values") is None:
                study.tell(t["number"], state=TrialState.FAIL)
                continue
            if constraints is not None:
                storage.set_trial_user_attr(trial_id, "hwgen_constraints", t["constraints"])
            study.tell(t["number"], t["values"])

        asked = []
        for _ in range(req["ask"]):
            trial = study.ask(space)
            trial.set_user_attr("hwgen_batch", req["batch"])
            asked.append(trial.number)

        def row(t):
            return {"number": t.number, "state": t.state.name, "params": t.params, "batch": t.user_attrs.get("hwgen_batch")}
        trials = study.get_trials(deepcopy=False)
        print(json.dumps({"asked": [row(trials[n]) for n in asked], "trials": [row(t) for t in trials]}))
        """#
}
