import MregStore

/// A model whose head or event chain cannot be read, and why.
///
/// Commands over all models (`list`, `search`, `log`, `verify`) show the healthy models,
/// name each damaged one with its problem on stderr, and exit 4; commands about the
/// damaged model itself fail with its error.
public struct ModelDamage: Error, Sendable, CustomStringConvertible {
    /// The model's name (a valid model name: a folder under `refs/models/`).
    public var model: String
    /// What is wrong: a `StoreError` (a damaged ref or object) or a `RegistryError` (a broken chain).
    public var error: any Error

    public init(model: String, error: any Error) {
        self.model = model
        self.error = error
    }

    /// `model fraud is damaged: ref refs/models/fraud/head is corrupt: …`.
    public var description: String { "model \(model) is damaged: \(error)" }
}
