import ArgumentParser
import Foundation
import MregRegistry
import MregWeb

extension MregCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a model's page as one self-contained HTML file: versions, plots, stages, card.",
            discussion: """
            The file has its CSS and SVG plots inline and loads nothing (no script, no font, no \
            image from the network): attach it to a CI run, a review thread or a compliance folder. \
            Without -o it is printed.
            Examples:
              mreg report fraud -o fraud.html
              mreg diff fraud@3 fraud@4 --html -o diff.html   # the same for a diff
              mreg report fraud --versions 3..7 -o fraud-3-7.html
              mreg report fraud --versions v5..production > fraud.html
            """)

        @Argument(help: "The model.", completion: StoreCompletions.models)
        var model: String

        @Option(name: .long, help: ArgumentHelp("Only versions A to B (revisions: 3..7, v3..production, 5..).", valueName: "A..B"))
        var versions: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (default: stdout).", valueName: "file"))
        var output: String?

        func run() throws {
            let registry = try Store.registry()
            let name = try Revision.parse(model).model
            let html = try HTMLReport.model(registry, model: name, versions: versions)
            if let output {
                try HTMLReport.write(html, to: output)
                Terminal.error(HTMLReport.confirmation(html, path: output))
            } else {
                Terminal.write(html)
            }
        }
    }
}
