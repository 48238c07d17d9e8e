import ArgumentParser
import MregRegistry
import MregFilter
import MregRemote
import MregGovernance
import MregIndex
import MregSupport
import MregStore

extension MregCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a version's files into a folder, verifying every digest.",
            discussion: """
            Refuses paths that would land outside DIR, never overwrites existing files unless \
            --force (a file already there with the same bytes is left as it is), and writes \
            through a staging folder in DIR: all or nothing, every file verified before it \
            is moved into place. Nothing is fsynced (as cp).
            Example: mreg export fraud@production ./serving/model
            """)

        @Argument(help: "The version (MODEL@REV).", completion: StoreCompletions.revisions)
        var revision: String

        @Argument(help: "The folder to write into (created if missing).")
        var directory: String

        @Flag(name: .shortAndLong, help: "Overwrite files that exist.")
        var force = false

        @Flag(name: .long, help: "Write the dependency files recorded with the version's environment (requirements*.txt, pyproject.toml, uv.lock, …) instead of its files.")
        var environment = false

        @OptionGroup var output: OutputOptions

        func run() throws {
            let registry = try Store.registry()
            let progress = ByteProgress(verb: "exporting")
            let result = try registry.export(revision, to: directory, force: force, environment: environment, observer: progress.enabled ? progress : nil)
            if output.json {
                output.emit(["model": .string(result.version.model), "version": .int(result.version.version),
                             "manifest": .string(result.version.manifestID.hex), "directory": .string(result.directory),
                             "files": .int(Int64(result.files)), "bytes": .int(result.bytes)])
            } else {
                Terminal.line("exported \(result.version.label): \(result.files) file\(result.files == 1 ? "" : "s"), \(Format.bytes(result.bytes)) to \(result.directory)")
            }
        }
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one file of a version to standard output, verifying its digest.",
            discussion: """
            Nothing is written unless the file verifies: a small file is verified whole first, a \
            large (chunked) one is read twice, verified and then written.
            Example: mreg cat fraud@3 config.json | jq .
            """)

        @Argument(help: "The version (MODEL@REV).", completion: StoreCompletions.revisions)
        var revision: String

        @Argument(help: "The file's path in the version (see 'mreg ls-files').")
        var path: String

        func run() throws {
            let registry = try Store.registry()
            let v = try registry.resolve(revision)
            let m = try Manifest.load(v.manifestID, from: registry.store)
            guard let file = m.files.first(where: { $0.path == path }) else {
                throw RegistryError.notFound(.init(.file, path, model: v.label, suggestions: m.files.map(\.path)))
            }
            try registry.writeVerified(file, version: v.label) { try StandardOutput.writeChecked($0) }
        }
    }
}
