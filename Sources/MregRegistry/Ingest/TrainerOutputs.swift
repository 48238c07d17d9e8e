import Foundation
import MregSupport

/// Metrics and hyperparameters read, without flags, from the files common trainers leave in a
/// registered folder: Hugging Face Trainer (`all_results.json`, `eval_results.json`,
/// `train_results.json`, `trainer_state.json`), PyTorch Lightning (`hparams.yaml`, `metrics.csv`)
/// and a Keras `History.history` saved as `history.json`. `training_args.bin` is a pickle and
/// is never read. A file that cannot be read is skipped with a warning: nobody asked for it.
public struct TrainerOutputs: Sendable, Equatable {
    /// One file read: which trainer wrote it, its path in the version, and the keys it gave.
    public struct Source: Sendable, Equatable {
        public var trainer: String
        public var path: String
        public var params: [String]
        public var metrics: [String]
        /// Keys read here that an explicit `--params`, `-p`, `--metrics` or `-M` replaced (set by register).
        public var overridden: [String] = []

        /// The source as `register --json` lists it under `read`.
        public var json: JSONValue {
            .object(["trainer": .string(trainer), "path": .string(path), "params": .array(params.map(JSONValue.string)),
                     "metrics": .array(metrics.map(JSONValue.string)), "overridden": .array(overridden.map(JSONValue.string))])
        }

        /// `read 3 metrics (eval_loss, …) from out/all_results.json (Hugging Face Trainer)`.
        public var summary: String {
            func list(_ keys: [String], _ noun: String) -> String? {
                guard !keys.isEmpty else { return nil }
                let shown = keys.prefix(4).joined(separator: ", ") + (keys.count > 4 ? ", …" : "")
                return "\(keys.count) \(noun)\(keys.count == 1 ? "" : "s") (\(shown))"
            }
            let what = [list(params, "param"), list(metrics, "metric")].compactMap { $0 }.joined(separator: " and ")
            let replaced = overridden.isEmpty ? "" : "; \(overridden.prefix(4).joined(separator: ", "))\(overridden.count > 4 ? ", …" : "") given explicitly instead"
            return "read \(what) from \(path) (\(trainer)\(replaced))"
        }
    }

    public var params: [String: JSONValue] = [:]
    public var metrics: [String: JSONValue] = [:]
    public var sources: [Source] = []
    public var warnings: [String] = []

    /// The largest trainer file read (a long `trainer_state.json` log included).
    static let maximumFileBytes = 64 << 20

    static let huggingFace = "Hugging Face Trainer", lightning = "PyTorch Lightning", keras = "Keras"
    /// The files read, by name.
    static let fileNames: Set<String> = ["all_results.json", "train_results.json", "eval_results.json",
                                         "trainer_state.json", "hparams.yaml", "metrics.csv", "history.json"]

    /// Reads what `entries` (a register's walked inputs) hold; for each kind of file, the one
    /// nearest the top of the version, then the latest by its path with numbers compared as
    /// numbers (`lightning_logs/version_10` over `version_9`: Lightning numbers its runs). Others
    /// of that name at the same depth are named in a warning.
    public static func read(_ entries: [FileWalker.Entry]) -> TrainerOutputs {
        var out = TrainerOutputs()
        var byName = [String: FileWalker.Entry]()
        var passedOver = [String: [String]]()
        for e in entries where e.target == nil {
            let name = (e.path as NSString).lastPathComponent
            guard Self.fileNames.contains(name) else { continue }
            if let seen = byName[name] {
                let depth = e.path.split(separator: "/").count, seenDepth = seen.path.split(separator: "/").count
                if depth > seenDepth { continue }
                if depth == seenDepth {
                    let later = e.path.compare(seen.path, options: .numeric) == .orderedDescending
                    passedOver[name, default: []].append(later ? seen.path : e.path)
                    if !later { continue }
                } else {
                    passedOver[name] = nil
                }
            }
            byName[name] = e
        }
        for name in passedOver.keys.sorted() {
            guard let chosen = byName[name], let others = passedOver[name], !others.isEmpty else { continue }
            let shown = others.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            out.warnings.append("read \(chosen.path), the latest of \(others.count + 1) at that depth; passed over \(shown.prefix(3).joined(separator: ", "))\(shown.count > 3 ? ", …" : "") (register that run's folder, or give --params/--metrics, to choose another)")
        }
        // Hugging Face: all_results.json holds train and eval; else the two separately.
        if let all = byName["all_results.json"] {
            out.readNumbers(all, trainer: huggingFace)
        } else {
            for name in ["train_results.json", "eval_results.json"] { if let e = byName[name] { out.readNumbers(e, trainer: huggingFace) } }
        }
        if let state = byName["trainer_state.json"] { out.readTrainerState(state) }
        if let hparams = byName["hparams.yaml"] { out.readHparams(hparams) }
        if let csv = byName["metrics.csv"] { out.readMetricsCSV(csv) }
        if let history = byName["history.json"] { out.readKerasHistory(history) }
        return out
    }

    /// The JSON of `entry`, or nil (with a warning) when it cannot be read.
    mutating func json(_ entry: FileWalker.Entry, trainer: String) -> JSONValue? {
        do {
            let data = try InputFile.read(entry.source, kind: .paramsFile, limit: Self.maximumFileBytes, what: "a trainer's file")
            return try ParamsLoader.parseJSON(Array(data), path: entry.source)
        } catch {
            warnings.append("\(entry.path) looks like \(trainer) output but cannot be read (\(error)): skipped")
            return nil
        }
    }

    /// Adds `values` as metrics (numbers only) and `settings` as params, noting the source.
    mutating func add(_ entry: FileWalker.Entry, trainer: String, params settings: [String: JSONValue] = [:], metrics values: [String: JSONValue] = [:]) {
        let numbers = values.filter { $0.value.isNumber }
        guard !numbers.isEmpty || !settings.isEmpty else { return }
        params.merge(settings) { _, b in b }
        metrics.merge(numbers) { _, b in b }
        sources.append(Source(trainer: trainer, path: entry.path, params: settings.keys.sorted(), metrics: numbers.keys.sorted()))
    }

    /// `all_results.json`, `train_results.json`, `eval_results.json`: a flat object of numbers.
    mutating func readNumbers(_ entry: FileWalker.Entry, trainer: String) {
        guard let o = json(entry, trainer: trainer)?.objectValue else { return }
        add(entry, trainer: trainer, metrics: o)
    }

    /// `trainer_state.json`: `best_metric` (a metric), `best_model_checkpoint`, `global_step`,
    /// `num_train_epochs`, `max_steps`, `train_batch_size` (params); when no results file gave
    /// metrics, the last `log_history` entry holding `eval_*` values.
    mutating func readTrainerState(_ entry: FileWalker.Entry) {
        guard let o = json(entry, trainer: Self.huggingFace)?.objectValue else { return }
        var settings = [String: JSONValue]()
        for key in ["best_model_checkpoint", "global_step", "num_train_epochs", "max_steps", "train_batch_size"] {
            if let v = o[key], v != .null { settings[key] = v }
        }
        var values = [String: JSONValue]()
        if let best = o["best_metric"], best.isNumber { values["best_metric"] = best }
        if !sources.contains(where: { $0.trainer == Self.huggingFace && !$0.metrics.isEmpty }),
           let last = o["log_history"]?.arrayValue?.last(where: { $0.objectValue?.keys.contains { $0.hasPrefix("eval_") } == true })?.objectValue {
            for (k, v) in last where k != "step" { values[k] = v }
        }
        add(entry, trainer: Self.huggingFace, params: settings, metrics: values)
    }

    /// Lightning's `hparams.yaml` (what `save_hyperparameters()` wrote), flattened as `--params` does.
    mutating func readHparams(_ entry: FileWalker.Entry) {
        do {
            add(entry, trainer: Self.lightning, params: try ParamsLoader.load(file: entry.source))
        } catch {
            warnings.append("\(entry.path) looks like \(Self.lightning) output but cannot be read (\(error)): skipped")
        }
    }

    /// Lightning's CSVLogger `metrics.csv`: for each column, the value of its last row that has
    /// one (train and validation values are logged on separate rows).
    mutating func readMetricsCSV(_ entry: FileWalker.Entry) {
        let text: String
        do {
            let data = try InputFile.read(entry.source, kind: .paramsFile, limit: Self.maximumFileBytes, what: "a trainer's file")
            text = String(decoding: data, as: UTF8.self)
        } catch {
            warnings.append("\(entry.path) looks like \(Self.lightning) output but cannot be read (\(error)): skipped")
            return
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let header = lines.first, header.count > 1 else { return }
        var values = [String: JSONValue]()
        for row in lines.dropFirst().reversed() {
            for (i, cell) in row.enumerated() where i < header.count && !header[i].isEmpty && values[header[i]] == nil && !cell.isEmpty {
                if let n = Int64(cell) { values[header[i]] = .int(n) } else if let d = Double(cell), d.isFinite { values[header[i]] = .double(d) }
            }
            if values.count == header.filter({ !$0.isEmpty }).count { break }
        }
        add(entry, trainer: Self.lightning, metrics: values)
    }

    /// A Keras `History.history` saved as JSON: `{"loss": [..], "val_loss": [..]}`, the last of each.
    mutating func readKerasHistory(_ entry: FileWalker.Entry) {
        guard let o = json(entry, trainer: Self.keras)?.objectValue else { return }
        var values = [String: JSONValue]()
        for (k, v) in o {
            guard let list = v.arrayValue, let last = list.last, last.isNumber else { continue }
            values[k] = last
        }
        add(entry, trainer: Self.keras, metrics: values)
    }
}
