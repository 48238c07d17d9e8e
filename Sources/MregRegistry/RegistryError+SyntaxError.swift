extension RegistryError {
    /// A search query, policy condition (gate) or sort order that cannot be read, and where.
    public struct SyntaxError: Sendable, Equatable, CustomStringConvertible {
        /// Which little language the text is in.
        public enum Language: String, Sendable, Equatable {
            /// A search query.
            case search
            /// A policy condition (`require = "…"`).
            case gate
            /// A sort order (`FIELD [ASC|DESC]`).
            case sortOrder = "sort order"
        }

        public var language: Language
        /// The whole text, when the message shows it (a sort order).
        public var text: String?
        /// The column (counting characters from 1) where the text goes wrong.
        public var column: Int?
        /// What is wrong, in words.
        public var problem: String
        /// Names that would have been understood (for a did-you-mean), nearest first.
        public var suggestions: [String]

        public init(_ language: Language, column: Int?, _ problem: String, text: String? = nil, suggestions: [String] = []) {
            self.language = language
            self.text = text
            self.column = column
            self.problem = problem
            self.suggestions = suggestions
        }

        /// `column N: problem` (or just the problem without a column).
        public var located: String {
            column.map { "column \($0): \(problem)" } ?? problem
        }

        public var description: String {
            switch language {
            case .search: return "search: \(located)"
            case .gate: return located
            case .sortOrder: return "sort order '\(text ?? "")': \(located)"
            }
        }
    }
}
