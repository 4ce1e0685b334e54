/// A view or materialized view as the server renders it (see `Reflector`).
///
/// Read with `search_path` set to its own schema alone, so that the schema's
/// tables, views and functions come back unqualified and two tenants with the
/// same view compare equal.
public struct ViewState: Sendable, Equatable, Codable {
    public var name: String
    public var materialized: Bool
    /// `pg_get_viewdef(oid, true)`: the query, as the server deparses it.
    public var definition: String
    /// `reloptions`, sorted: `check_option=local`, `security_barrier=true`.
    public var options: [String]
    /// The output columns in order, as `name type` (`format_type`): whether
    /// `CREATE OR REPLACE VIEW` can take a new query (same leading columns).
    public var columns: [String]
    public var comment: String?
    /// A materialized view's indexes, sorted by name.
    public var indexes: [IndexState]
    /// The views and materialized views of the schema this one reads
    /// (`pg_depend` through its `pg_rewrite` rule), sorted. Follows from the
    /// definition: not part of the fingerprint.
    public var reads: [String]
    /// A view's triggers (`INSTEAD OF`), sorted by name; nil for none (and in
    /// states of earlier builds).
    public var triggers: [TriggerState]?

    public init(name: String, materialized: Bool = false, definition: String, options: [String] = [],
                columns: [String] = [], comment: String? = nil, indexes: [IndexState] = [], reads: [String] = [],
                triggers: [TriggerState]? = nil) {
        self.triggers = triggers
        self.name = name
        self.materialized = materialized
        self.definition = definition
        self.options = options
        self.columns = columns
        self.comment = comment
        self.indexes = indexes
        self.reads = reads
    }

    public var kind: String { materialized ? "materialized view" : "view" }

    public func trigger(named name: String) -> TriggerState? { triggers?.first { $0.name == name } }

    public func normalized() -> ViewState {
        var view = self
        view.options.sort()
        view.indexes.sort { $0.name < $1.name }
        view.reads = Array(Set(reads)).sorted()
        view.triggers = triggers.flatMap { $0.isEmpty ? nil : $0.sorted { $0.name < $1.name } }
        return view
    }

    /// Whether `CREATE OR REPLACE VIEW` can turn this view into `new`: the same
    /// kind, and this view's columns the leading columns of the new one (same
    /// names, same types, in order).
    public func isReplaceable(by new: ViewState) -> Bool {
        !materialized && !new.materialized && new.columns.count >= columns.count
            && Array(new.columns.prefix(columns.count)) == columns
    }
}
