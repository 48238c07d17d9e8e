import MregStore
import MregSupport
import MregRegistry
import MregGovernance

extension FuzzTarget {
    /// Numbers and words that reach the edges of what metadata objects hold.
    static let metadataWords = [
        "\"schema\"", "\"mreg.manifest/1\"", "\"mreg.event/1\"", "\"mreg.chunks/1\"", "\"model\"", "\"files\"",
        "\"path\"", "\"mode\"", "\"size\"", "\"digest\"", "\"object\"", "\"format\"", "\"details\"", "\"parameters\"",
        "\"params\"", "\"metrics\"", "\"datasets\"", "\"provenance\"", "\"base\"", "\"card\"", "\"seq\"", "\"parent\"",
        "\"action\"", "\"version\"", "\"manifest\"", "\"content\"", "\"tag\"", "\"stage\"", "\"previous\"", "\"force\"",
        "\"actor\"", "\"time\"", "\"reason\"", "\"verdict\"", "\"signer\"", "\"signature\"", "\"chunks\"",
        "\"register\"", "\"promote\"", "\"demote\"", "\"untag\"",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "9007199254740992", "9007199254740993",
        "1e308", "-0.0", "0", "-1", "null", "true", "\\u0000", "\\ud800", "\"\(String(repeating: "a", count: 64))\"",
    ]

    /// Manifest decoding: the input is a manifest object's payload (canonical JSON).
    static let manifest = FuzzTarget(name: "manifest", summary: "a manifest payload decoded, re-encoded and read as a gate and the index see it",
                                     dictionary: metadataWords) { _, input in
        guard let json = attempt({ try JSONValue.parse(input) }),
              let manifest = attempt({ try Manifest(json: json) }) else { return }
        let again = attempt { try Manifest(json: JSONValue.parse(manifest.json.canonicalBytes)) }
        invariant(again == manifest, "a manifest does not survive its canonical JSON")
        _ = manifest.contentKey
        _ = manifest.totalSize
        let fields = ManifestFields(manifest)
        _ = fields.parameters
        let subject = GateExpression.Subject(manifest: manifest)
        for field in ["model", "message", "format", "parameters", "params.lr", "metrics.auc", "card.license"] {
            if let gate = attempt({ try GateExpression("\(field) IS NOT NULL") }) { _ = gate.evaluate(subject) }
        }
    }

    /// Event decoding: the input is an event object's payload, applied to a model's state.
    static let event = FuzzTarget(name: "event", summary: "an event payload decoded, re-encoded and replayed onto a model state",
                                  dictionary: metadataWords) { _, input in
        let id = plantedObject
        _ = attempt { try Event.signedBytes(payload: input) }
        guard let event = attempt({ try Event.decode(input, id: id) }) else { return }
        let again = attempt { try Event.decode(event.json.canonicalBytes, id: id) }
        invariant(again == event, "an event does not survive its canonical JSON")
        _ = event.signedBytes
        var state = ModelState(model: event.model)
        state.apply(event, id: id)
        state.apply(event, id: id)
        _ = state.latestVersion
        if let v = event.version {
            _ = state.stages(of: v)
            _ = state.tags(of: v)
        }
    }

    /// Chunk-list decoding: the input is a `chunks` object's payload.
    static let chunks = FuzzTarget(name: "chunks", summary: "a chunk list payload decoded, summed and re-encoded",
                                   dictionary: metadataWords) { _, input in
        guard let list = attempt({ try ChunkList.decode(input, id: plantedObject) }) else { return }
        let size = list.size
        invariant(size >= 0, "a chunk list sums to a negative size")
        let again = attempt { try ChunkList.decode(list.json.canonicalBytes, id: plantedObject) }
        invariant(again == list, "a chunk list does not survive its canonical JSON")
    }
}
