import MregRegistry
import MregStore

/// How commands over all models (`list`, `search`, `log`, `verify`) report the models they
/// could not read: the healthy ones are shown as usual, each damaged one is named on stderr
/// with its problem (one line each), and the command exits 4 (Docs/COMMANDS.md, "Exit codes").
enum DamagedModels {
    /// Names each damaged model on stderr; then fails with the first one's exit status (4 for
    /// damage, 5 for an I/O error) when there is any.
    static func finish(_ damaged: [ModelDamage]) throws {
        guard let first = damaged.first else { return }
        for damage in damaged { Terminal.error("mreg: error: \(line(damage))") }
        throw CommandFailure(status(of: first))
    }

    /// `model fraud cannot be read: ref refs/models/fraud/head is corrupt: …; run 'mreg fsck'`.
    static func line(_ damage: ModelDamage) -> String {
        let problem: String
        switch damage.error {
        case let e as RegistryError:
            problem = e.description
        default:
            problem = "\(damage.error)"
        }
        return "model \(damage.model) cannot be read: \(Names.escaped(problem)); run 'mreg fsck'"
    }

    /// The exit status of a damaged model's error (4 unless it is an I/O error).
    static func status(of damage: ModelDamage) -> MregExitStatus {
        switch damage.error {
        case let e as RegistryError:
            let status = MregCommand.exitStatus(for: e)
            return status == .io ? .io : .corrupt
        case let e as StoreError:
            return MregCommand.exitStatus(for: e) == .io ? .io : .corrupt
        default:
            return .corrupt
        }
    }
}
