/// What `ignore:` in `schema.yaml` says to leave alone: globs of names, by kind.
///
/// An ignored object is never created, changed, dropped or shown: it is taken
/// out of every state that is compared or fingerprinted (see
/// `SchemaState.ignoring` in the Plan module), at plan and at apply alike. The
/// plan file carries the rules, so that `apply` filters exactly as `plan` did.
public struct IgnoreRules: Sendable, Equatable {
    /// The kinds `ignore:` takes, by their key.
    public enum Kind: String, CaseIterable, Sendable, Comparable {
        case tables, columns, indexes, constraints, sequences, functions, views, triggers, policies, types

        /// Whether names of this kind are written `table.name`.
        public var isPerTable: Bool { [.columns, .constraints, .triggers, .policies].contains(self) }

        /// `table`, `column`, ... for messages.
        public var singular: String {
            switch self {
            case .tables: "table"
            case .columns: "column"
            case .indexes: "index"
            case .constraints: "constraint"
            case .sequences: "sequence"
            case .functions: "function"
            case .views: "view"
            case .triggers: "trigger"
            case .policies: "policy"
            case .types: "type"
            }
        }

        /// How a name of this kind is written: `table.column`, `name`.
        public var nameForm: String { isPerTable ? "table.\(singular)" : "name" }

        public static func < (a: Kind, b: Kind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Globs by kind, in the order written; kinds without globs are absent.
    public private(set) var globs: [Kind: [Glob]]

    public init(_ globs: [Kind: [Glob]] = [:]) {
        self.globs = globs.filter { !$0.value.isEmpty }
    }

    /// Rules that ignore exactly the tables named (what `import` writes for the
    /// bookkeeping tables of migration tools).
    public init(tables: [String]) {
        self.init(tables.isEmpty ? [:] : [.tables: tables.map { Glob(literal: $0) }])
    }

    public var isEmpty: Bool { globs.isEmpty }

    /// The first glob of `kind` that matches `name`, if any.
    public func match(_ kind: Kind, _ name: String) -> Glob? {
        globs[kind]?.first { $0.matches(name) }
    }

    public func ignores(_ kind: Kind, _ name: String) -> Bool { match(kind, name) != nil }

    /// A per-table kind's name: `table.name`.
    public func ignores(_ kind: Kind, table: String, _ name: String) -> Bool { ignores(kind, "\(table).\(name)") }
}

/// In a plan file: `{"columns": ["orders.legacy_*"], "tables": ["alembic_version"]}`.
extension IgnoreRules: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode([String: [String]].self)
        var globs: [Kind: [Glob]] = [:]
        for (key, patterns) in raw {
            guard let kind = Kind(rawValue: key) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown ignore kind '\(key)'")
            }
            for pattern in patterns {
                do {
                    globs[kind, default: []].append(try Glob(pattern))
                } catch {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
                }
            }
        }
        self.init(globs)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: globs.map { ($0.key.rawValue, $0.value.map(\.pattern)) }))
    }
}
