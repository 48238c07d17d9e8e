import ArgumentParser
import Foundation
import MregRegistry
import MregSupport

extension MregCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import models from elsewhere (the Hugging Face cache, an MLflow store).",
            subcommands: [HuggingFace.self, MLflow.self])

        struct HuggingFace: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "hf",
                abstract: "Import a Hugging Face cache repo folder (one version per snapshot) or a save_pretrained folder.",
                discussion: """
                A cache repo folder (~/.cache/huggingface/hub/models--ORG--NAME) becomes one version per \
                snapshot, oldest first, each ref (main, branches, tags) a tag on its version; the files \
                are the blobs the snapshot's links point to (a link leading outside the folder is \
                refused), the model card is read from README.md, the commit is recorded (message, \
                param hf.commit). A save_pretrained folder becomes one version. Importing again adds \
                only what is new and moves tags whose refs moved.
                Example:
                  mreg import hf ~/.cache/huggingface/hub/models--google--gemma-2b
                """)

            @Argument(help: "The cache repo folder (models--ORG--NAME) or a save_pretrained folder.")
            var path: String

            @Option(name: .long, help: "The model's name (default: the repo's name, e.g. all-MiniLM-L6-v2).")
            var name: String?

            @OptionGroup var output: OutputOptions

            func run() throws {
                let registry = try Store.registry()
                let (model, imported, warnings) = try registry.importHuggingFace(path: path, name: name, arguments: ["mreg"] + CommandLine.arguments.dropFirst())
                for w in warnings { Terminal.warning(w) }
                if output.json {
                    output.emit(.object(["model": .string(model), "warnings": .array(warnings.map { .string($0) }), "versions": .array(imported.map { s in
                        .object(["commit": JSONValue(s.commit), "version": .int(s.version), "added": .bool(s.added),
                                 "tags": .array(s.tags.map { .string($0) }), "moved": .array(s.moved.map { .string($0) })])
                    })]))
                    return
                }
                for s in imported {
                    var line = "\(Names.escaped(model)) v\(s.version)"
                    if let commit = s.commit { line += " \(String(commit.prefix(12)))" }
                    line += s.added ? " imported" : " (already imported)"
                    if !s.moved.isEmpty { line += "; tagged \(s.moved.joined(separator: ", "))" }
                    Terminal.line(line)
                }
            }
        }
    }
}
