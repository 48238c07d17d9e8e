import MregTestSupport
import Testing
@testable import MregRegistry
@testable import MregFilter
@testable import MregSupport
@testable import MregIndex
@testable import MregGovernance
@testable import MregRemote

/// Model card front matter and title extraction.
@Suite struct ModelCardTests {
    @Test func fullFrontMatter() throws {
        let card = """
            ---
            license: apache-2.0
            base_model: meta-llama/Llama-3.1-8B
            datasets:
              - squad
              - glue
            tags: [text-generation, llama, 4bit]
            library_name: transformers
            pipeline_tag: text-generation
            language:
            - en
            - "no"
            model_name: tiny-llama
            metrics:
              - accuracy
              - f1
            model-index:
              - name: tiny-llama
                results: []
            widget: {text: hello}
            ---

            # Tiny Llama

            Some text.

            # Second heading
            """
        let result = try ModelCard.parse(markdown: card)
        #expect(result == [
            "license": "apache-2.0",
            "base_model": ["meta-llama/Llama-3.1-8B"],
            "datasets": ["squad", "glue"],
            "tags": ["text-generation", "llama", "4bit"],
            "library_name": "transformers",
            "pipeline_tag": "text-generation",
            "language": ["en", "no"],
            "model_name": "tiny-llama",
            "metrics": ["accuracy", "f1"],
            "title": "Tiny Llama",
        ])
    }

    @Test func singleStringsBecomeListsWhereListsAreExpected() throws {
        let card = """
            ---
            license: mit
            datasets: squad
            tags: llama
            base_model: gpt2
            language: no
            metrics: accuracy
            pipeline_tag:
            library_name: ~
            ---
            No heading here.
            """
        let result = try ModelCard.parse(markdown: card)
        #expect(result == [
            "license": "mit",
            "datasets": ["squad"],
            "tags": ["llama"],
            "base_model": ["gpt2"],
            "language": ["no"],
            "metrics": "accuracy",
        ])
    }

    @Test func noFrontMatter() throws {
        #expect(try ModelCard.parse(markdown: "# My Model ##\n\nText.\n") == ["title": "My Model"])
        #expect(try ModelCard.parse(markdown: "Just some text.\n\n## Not a title\n") == nil)
        #expect(try ModelCard.parse(markdown: "") == nil)
        // A heading inside a fenced code block is not the title.
        #expect(try ModelCard.parse(markdown: "```sh\n# install\n```\n#Nope\n# Real\n") == ["title": "Real"])
        // A lone opening fence is a horizontal rule, not front matter.
        #expect(try ModelCard.parse(markdown: "---\nlicense: mit\n# Title\n") == ["title": "Title"])
    }

    @Test func emptyFrontMatterAndWindowsLineEndings() throws {
        #expect(try ModelCard.parse(markdown: "---\n---\nText.\n") == [:])
        let crlf = "\u{FEFF}---\r\nlicense: mit\r\ntags:\r\n  - a\r\n---\r\n# Title\r\n"
        #expect(try ModelCard.parse(markdown: crlf) == ["license": "mit", "tags": ["a"], "title": "Title"])
    }

    @Test func badYAMLThrows() throws {
        let error = try #require(throws: RegistryError.self) {
            try ModelCard.parse(markdown: "---\nlicense: [mit\ntags: x\n---\n# T\n")
        }
        guard case .badInput(.malformedFile(nil, let problem)) = error else { Issue.record("\(error)"); return }
        #expect(problem.hasPrefix("model card front matter is not valid YAML: "))
        #expect(!problem.contains("\n"))

        let notMapping = try #require(throws: RegistryError.self) {
            try ModelCard.parse(markdown: "---\n- a\n- b\n---\n")
        }
        #expect(notMapping == .badInput(.malformedFile(path: nil, problem: "model card front matter is not a YAML mapping")))
    }
}
