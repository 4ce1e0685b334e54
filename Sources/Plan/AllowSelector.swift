import State

/// One `plan --allow KIND:NAME`: the destructive changes it allows.
///
/// `NAME` is a glob (see `Glob`); per-table kinds name `table.name`. `undeclared`
/// matches a drop of any object `schema.yaml` does not declare, whatever its
/// kind, by its name in that kind's form (`legacy_*`, `orders.note`).
public struct AllowSelector: Sendable, Equatable, CustomStringConvertible {
    /// What a selector names: the kind of the object a held-back change drops
    /// or changes (undeclared views, functions, triggers and policies, and the
    /// dependents a drop or retype takes with it, `Differ+Dependents.swift`;
    /// `grant` a revoke of all a role holds: `TABLE.ROLE`, `schema.ROLE`,
    /// `default.tables.ROLE`).
    public enum Kind: String, CaseIterable, Sendable {
        case table, column
        case typeChange = "type_change"
        case index, constraint
        case `enum`
        case function, view, sequence, trigger, policy, grant, undeclared
        // MARK: Domains and composite types
        case domain, `type`

        /// Whether names of this kind are written `table.name`.
        public var isPerTable: Bool { [.column, .typeChange, .constraint, .trigger, .policy].contains(self) }
    }

    public var kind: Kind
    public var glob: Glob

    public init(kind: Kind, glob: Glob) {
        self.kind = kind
        self.glob = glob
    }

    /// The selector that allows exactly the change to `target` and nothing else.
    public init(narrowestFor target: DestructiveTarget) {
        self.init(kind: target.kind, glob: Glob(literal: target.name))
    }

    /// Why a selector given on the command line is not one.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var hint: String
        public var description: String { "\(message); \(hint)" }
    }

    /// Parses `KIND:NAME` (split at the first `:`).
    ///
    /// - Throws: `SyntaxError` for a missing `:`, an unknown kind (with the
    ///   closest one), an empty or malformed glob, or a per-table kind whose name
    ///   has no `.`.
    public init(parsing text: String) throws(SyntaxError) {
        let kinds = Kind.allCases.map(\.rawValue)
        let example = "e.g. --allow column:users.display_name; kinds: \(kinds.joined(separator: ", "))"
        guard let colon = text.firstIndex(of: ":") else {
            throw SyntaxError(
                message: "--allow '\(text)' is not KIND:NAME",
                hint: text.contains(".") ? "did you mean --allow column:\(text)?" : example)
        }
        let kindText = String(text[..<colon])
        let name = String(text[text.index(after: colon)...])
        guard let kind = Kind(rawValue: kindText) else {
            throw SyntaxError(
                message: "--allow '\(text)': unknown kind '\(kindText)'",
                hint: Suggestion.hint(for: kindText, among: kinds, otherwise: "kinds: \(kinds.joined(separator: ", "))"))
        }
        guard !name.isEmpty else {
            throw SyntaxError(message: "--allow '\(text)' names nothing after '\(kindText):'", hint: example)
        }
        let glob: Glob
        do {
            glob = try Glob(name)
        } catch {
            throw SyntaxError(message: "--allow '\(text)': \(error.message)", hint: error.hint)
        }
        if kind.isPerTable && !name.contains(".") {
            throw SyntaxError(
                message: "--allow '\(text)': \(kindText) selectors name table.\(kind == .typeChange ? "column" : kindText)",
                hint: "did you mean --allow \(kindText):*.\(name) (every table) or \(kindText):<table>.\(name)?")
        }
        self.init(kind: kind, glob: glob)
    }

    /// `column:users.display_name`: what the plan file records.
    public var description: String { "\(kind.rawValue):\(glob.pattern)" }

    /// The selector as one shell word, quoted when it needs to be, for hints.
    public var shellWord: String {
        let text = description
        let plain = text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_.:,/+-=@%".unicodeScalars.contains($0)
        }
        return plain ? text : "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }

    public func matches(_ target: DestructiveTarget) -> Bool {
        (kind == target.kind || (kind == .undeclared && target.undeclared)) && glob.matches(target.name)
    }
}

/// A destructive change, as selectors see it: its kind, the name of what it
/// changes (`table.name` for per-table kinds), and whether that object is one
/// `schema.yaml` does not declare.
public struct DestructiveTarget: Sendable, Equatable {
    public var kind: AllowSelector.Kind
    public var name: String
    public var undeclared: Bool

    public init(_ kind: AllowSelector.Kind, _ name: String, undeclared: Bool) {
        self.kind = kind
        self.name = name
        self.undeclared = undeclared
    }

    /// `table.name`.
    public init(_ kind: AllowSelector.Kind, table: String, _ name: String, undeclared: Bool) {
        self.init(kind, "\(table).\(name)", undeclared: undeclared)
    }
}
