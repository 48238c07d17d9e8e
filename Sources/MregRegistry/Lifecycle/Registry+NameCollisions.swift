import MregStore

/// Tags and stages share `MODEL@NAME`: a tag named like a stage would be hidden behind it
/// (`fraud@production` resolves to the stage), so neither may take the other's name.
extension Registry {
    /// Checks a new tag's name: the naming rules, and not one of the configured stages nor a
    /// stage the model's history holds (`stagesHeld`).
    ///
    /// - Throws: `RegistryError.invalidName` (kind `.tag`).
    public func validateNewTag(_ tag: String, stagesHeld: some Sequence<String> = [String]()) throws {
        try Names.validateTag(tag)
        if stages.contains(tag) || stagesHeld.contains(tag) {
            throw RegistryError.invalidName(kind: .tag, name: tag, reason: Self.shadowReason(stage: tag))
        }
    }

    /// Checks a new `registry.stages` list: a stage it adds (one not among the stages in
    /// effect now) must not be the name of any model's tag.
    ///
    /// - Throws: `RegistryError.invalidName` (kind `.stage`) naming the first collision.
    public func validateNewStages(_ proposed: [String]) throws {
        let added = Set(proposed).subtracting(stages)
        guard !added.isEmpty else { return }
        for model in try models() {
            let tags = try state(of: model).tags
            for stage in proposed where added.contains(stage) {
                if let version = tags[stage] {
                    throw RegistryError.invalidName(kind: .stage, name: stage, reason:
                        "\(model) has a tag of that name (on v\(version)), and \(model)@\(stage) would name the stage and hide the tag; delete the tag first ('mreg tag -d \(model) \(stage)') or pick another stage name")
                }
            }
        }
    }

    static func shadowReason(stage: String) -> String {
        "it is a stage, and MODEL@\(stage) names the stage, which would hide the tag; pick another name"
    }
}
