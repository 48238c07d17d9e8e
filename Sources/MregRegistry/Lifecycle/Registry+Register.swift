import Foundation
import MregStore
import MregSupport

extension Registry {
    /// Registers a new version of a model (or reports the identical existing one).
    ///
    /// Everything is checked before anything is written, so refused input leaves the store as it was.
    /// `observer` learns the total once the inputs are walked, then counts of bytes processed
    /// (from any thread), then the end.
    public func register(_ request: RegisterRequest, observer: (any TransferObserver)? = nil) throws -> RegisterResult {
        defer { observer?.finish() }
        var progress: (@Sendable (Int64) -> Void)?
        if let observer { progress = { observer.advance(bytes: $0) } }
        let model = request.model
        try Names.validateModel(model)
        for tag in request.tags { try validateNewTag(tag) }
        if let stage = request.stage { try validateStage(stage) }
        try Names.validateText(request.message, field: "the message", multiline: true)
        if let reason = request.reason { try Names.validateText(reason, field: "the reason", multiline: true) }
        try Names.validateText(identity().display, field: "the actor (user.name, user.email)", multiline: false)
        let governor = try governing()
        let current = try state(of: model)
        _ = try Timestamp.now()  // an invalid MREG_NOW is refused before anything is written
        let identity = try self.identity()  // so is a registration without an author

        // Gather and validate all inputs first.
        let entries = try FileWalker.walk(request.paths, dereference: request.dereference)
        observer?.expect(bytes: entries.reduce(0) { $0 + $1.size })
        // Trainer outputs first: explicit --params, -p, --metrics and -M win over what they hold.
        let trainer = request.readTrainerOutputs ? TrainerOutputs.read(entries) : TrainerOutputs()
        var params = request.presetParams.merging(trainer.params) { _, b in b }, explicitParams = Set<String>()
        for file in request.paramFiles { let loaded = try ParamsLoader.load(file: file); explicitParams.formUnion(loaded.keys); params.merge(loaded) { _, b in b } }
        for text in request.params { let (k, v) = try ParamsLoader.parseAssignment(text); params[k] = v; explicitParams.insert(k) }
        var metrics = request.presetMetrics.merging(trainer.metrics) { _, b in b }, explicitMetrics = Set<String>()
        for file in request.metricFiles { let loaded = try ParamsLoader.load(file: file); explicitMetrics.formUnion(loaded.keys); metrics.merge(loaded) { _, b in b } }
        for text in request.metrics { let (k, v) = try ParamsLoader.parseAssignment(text); metrics[k] = v; explicitMetrics.insert(k) }
        // What was read and then given explicitly is named as overridden in the output.
        let trainerSources = trainer.sources.map { source in
            var s = source
            s.overridden = (s.params.filter(explicitParams.contains) + s.metrics.filter(explicitMetrics.contains)).sorted()
            return s
        }
        try ParamsLoader.checkMetrics(metrics)
        var base: JSONValue = .null
        if let baseText = request.base {
            let resolved = try resolve(baseText)
            base = .object(["model": .string(resolved.model), "version": .int(resolved.version), "manifest": .string(resolved.manifestID.hex)])
        }
        var card: JSONValue = .null
        if let preset = request.presetCard {
            card = preset
        } else if let cardFile = request.cardFile {
            card = try ModelCard.load(path: cardFile) ?? .null
        } else if let readme = entries.first(where: { $0.path.lowercased() == "readme.md" && $0.target == nil }) {
            // A registered README.md is a card only if it reads as one; otherwise it is just a file.
            card = ((try? ModelCard.load(path: readme.source)) ?? nil) ?? .null
        }
        // A tag already on a version is refused, unless this retries a register interrupted
        // after it tagged: that version holds these very files (paths, sizes, digests, read
        // here without writing anything) and, checked once the manifest is built, the same content.
        var retriedTags = [String: Int64]()
        var fileDigests: Set<String>?
        for tag in request.tags {
            try validateNewTag(tag, stagesHeld: current.stages.keys)
            guard let v = current.tags[tag] else { continue }
            let shape = Set(entries.map { "\($0.path)\u{0}\($0.size)" })
            if let info = current.versions[v], let old = try? Manifest.load(info.manifest, from: store),
               old.files.count == entries.count, entries.allSatisfy({ $0.target == nil }), Set(old.files.map { "\($0.path)\u{0}\($0.size)" }) == shape {
                if fileDigests == nil { fileDigests = Set(try entries.map { "\($0.path)\u{0}\(try FileDigest.sha256(path: $0.source))" }) }
                if Set(old.files.map { "\($0.path)\u{0}\($0.digest)" }) == fileDigests {
                    retriedTags[tag] = v
                    continue
                }
            }
            throw RegistryError.conflict(.tagExists(tag: tag, model: model, version: v, wanted: nil))
        }
        let datasetSpecs = try request.datasets.map(DatasetRecorder.parseSpec)
        let git = Provenance.git(in: request.directory)
        var environment: EnvironmentCapture?
        if request.captureEnvironment {
            let root = git?["root"]?.stringValue ?? request.directory
            environment = try EnvironmentCapture.read(python: request.python, variables: request.variables, root: root, directory: request.directory)
        }

        // Write: datasets, files, manifest.
        let recorder = DatasetRecorder(store: store)
        var datasets = [JSONValue]()
        var newBytes: Int64 = 0
        for spec in datasetSpecs {
            let (record, added) = try recorder.record(spec, storeFiles: request.storeDatasets)
            datasets.append(record)
            newBytes += added
        }
        let cache = StatCache(path: "\(repository.root)/statcache")
        var ingester = Ingester(store: store, policy: try ChunkPolicy(repository: repository), cache: cache, progress: progress)
        ingester.readHook = request.readHook
        var files = [ManifestFile]()
        var warnings = trainer.warnings
        for (entry, result) in zip(entries, try ingester.ingestAll(entries)) {
            files.append(result.file)
            newBytes += result.newBytes
            if result.executesCode {
                warnings.append("\(entry.path) is a \(result.file.format ?? "pickle")-based file: loading it can run arbitrary code; prefer safetensors")
            }
        }
        cache.save()
        var environmentJSON: JSONValue = .null
        if let environment {
            let (json, added) = try environment.store(in: store)
            environmentJSON = json
            newBytes += added
            warnings += environment.warnings
        }
        var manifest = Manifest(model: model, message: request.message, files: files, params: params, metrics: metrics,
                                datasets: datasets, provenance: [:], base: base, card: card, environment: environmentJSON)
        let now = try Timestamp.now()
        manifest.provenance = Provenance.capture(directory: request.directory, identity: identity, arguments: request.arguments, time: now, git: git)
        let encoded = manifest.encodedWithParamTexts()
        let contentKey = encoded.contentKey
        for (tag, v) in retriedTags.sorted(by: { $0.key < $1.key }) where current.versions[v]?.content != contentKey {
            throw RegistryError.conflict(.tagExists(tag: tag, model: model, version: v, wanted: nil))
        }
        if let stage = request.stage, !current.versions.values.contains(where: { $0.content == contentKey }) {
            try governor.checkRegistration(manifest: manifest, stage: stage, state: current, reason: request.reason, in: self)
        }

        var existingVersion: Int64?
        var manifestID: ObjectID?
        defer { if let manifestID { Manifest.forget(manifestID) } }
        var hookWarnings = [String]()
        let appended = try appendEvent(model: model) { state in
            hookWarnings.removeAll()
            if let same = state.versions.values.first(where: { $0.content == contentKey }) {
                existingVersion = same.number
                manifestID = same.manifest
                return .skip
            }
            if manifestID == nil {
                let written = try store.write(type: .manifest, bytes: encoded.bytes).id
                Manifest.remember(manifest, as: written, paramTexts: encoded.paramTexts)
                manifestID = written
                newBytes += store.storedSize(of: written) ?? 0
            }
            let next = (state.latestVersion ?? 0) + 1
            var event = Event(model: model, sequence: 0, parent: nil, action: .register, version: next,
                              manifest: manifestID, content: contentKey, actor: identity.display,
                              time: now, reason: request.message.isEmpty ? nil : request.message)
            event.imported = request.imported
            Self.place(&event, on: state)
            try governor.beforeAppend(.preRegister, event: event, what: "registering \(model) v\(next)", warnings: &hookWarnings, in: self)
            return .append(event)
        }
        if let appended { governor.afterAppend(.postRegister, event: appended.event, id: appended.id, warnings: &hookWarnings, in: self) }
        guard let version = appended?.event.version ?? existingVersion, let manifestID else {
            throw RegistryError.corrupt(.init(object: "event chain of \(model)", reason: "the registration event names no version"))
        }
        if appended == nil, environment != nil, let old = try? Manifest.load(manifestID, from: store) {
            // The environment is not part of a version's identity: say so when it differs, rather than "nothing changed".
            let was = EnvironmentSummary(old.environment).diffFields, now = EnvironmentSummary(environmentJSON).diffFields
            let changed = Set(was.keys).union(now.keys).filter { !EnvironmentSummary.isMachineDetail($0) && was[$0] != now[$0] }
            if !changed.isEmpty {
                let shown = changed.sorted().prefix(3).joined(separator: ", ") + (changed.count > 3 ? ", …" : "")
                warnings.append("the software environment differs from v\(version)'s (\(changed.count) change\(changed.count == 1 ? "" : "s"): \(shown)) but is not part of a version's identity, so it was not recorded; v\(version) keeps the environment it was registered with")
            }
        }
        var result = RegisterResult(model: model, version: version, manifestID: manifestID, existing: appended == nil,
                                    fileCount: files.count, totalBytes: files.reduce(0) { $0 + $1.size },
                                    newBytes: appended == nil ? 0 : newBytes, warnings: warnings + hookWarnings,
                                    environmentSummary: environment.map { _ in EnvironmentSummary(environmentJSON).line },
                                    trainerOutputs: trainerSources, tags: [], stage: nil)
        if version == 1 && appended != nil {
            // A model whose every version was removed (the typo `mreg rm MODEL` fixed) is not suggested.
            result.similarModels = Suggestions.near(model, in: (try? models()) ?? []).filter {
                (try? existingState(of: $0))?.latestLiveVersion != nil
            }
        }
        for tag in request.tags {
            try self.tag(model: model, version: version, tag: tag, force: false)
            result.tags.append(tag)
        }
        if let stage = request.stage {
            let change = try promote(model: model, version: version, stage: stage, reason: request.reason)
            result.warnings += change.warnings
            result.stage = stage
        }
        return result
    }
}
