/// An object that the state does not model and that PostgreSQL records as
/// depending on one of the schema's tables, columns or enums (or, from
/// another schema, on one of its domains or composite types): a view, a
/// trigger, a policy, a function with an SQL-standard body, a foreign key or
/// column of another schema (`pg_depend`, normal dependencies only).
///
/// Dropping, rebuilding or retyping what it stands on fails while it exists
/// (2BP01, or 0A000 for a type change), so the `Differ` reads these before it
/// plans such a change: it drops them first when an `--allow` selector names
/// them, and otherwise holds the change back and names them.
///
/// One entry per object, with every object of the schema it stands on. Names
/// of the schema's own objects are unqualified; `schema` is set only for an
/// object of another schema, so tenants in the same state compare equal.
/// See https://www.postgresql.org/docs/15/catalog-pg-depend.html
public struct DependentState: Sendable, Equatable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case view, materializedView = "materialized view", rule, trigger, policy
        case function, procedure, aggregate
        /// A foreign key of a table in another schema.
        case foreignKey = "foreign key"
        /// A constraint of another schema's table or domain other than a foreign key.
        case constraint
        /// A column (or a column default) of a table or materialized view in another
        /// schema, of one of the schema's enums, domains or composite types.
        case column
        /// An attribute of another schema's composite type, of one of the schema's types.
        case attribute
        case domain
    }

    public var kind: Kind
    /// The object's name: a view's, trigger's, function's, constraint's, column's.
    public var name: String
    /// The object's schema when it is not the schema itself.
    public var schema: String?
    /// The relation the object is on: a trigger's, policy's, rule's, constraint's or column's table.
    public var table: String?
    /// A function's identity arguments (`pg_get_function_identity_arguments`).
    public var arguments: String?
    /// What it stands on, sorted: the schema's tables (`column` nil for the table
    /// as a whole) and columns, views (whose dependents are read too), enums,
    /// domains and composite types (`type t[]` for a use of a domain's or
    /// composite type's array type).
    public var on: [Target]

    /// One object of the schema that a dependent stands on.
    public struct Target: Sendable, Equatable, Hashable, Codable, Comparable {
        public enum Kind: String, Sendable, Codable { case table, view, type }
        public var kind: Kind
        public var name: String
        public var column: String?

        public init(_ kind: Kind, _ name: String, column: String? = nil) {
            self.kind = kind
            self.name = name
            self.column = column
        }

        public static func < (a: Target, b: Target) -> Bool {
            (a.kind.rawValue, a.name, a.column ?? "") < (b.kind.rawValue, b.name, b.column ?? "")
        }

        /// `table t`, `column t.c`, `view v`, `type e`.
        public var description: String {
            if let column { return "column \(name).\(column)" }
            return "\(kind.rawValue) \(name)"
        }
    }

    public init(kind: Kind, name: String, schema: String? = nil, table: String? = nil, arguments: String? = nil,
                on: [Target]) {
        self.kind = kind
        self.name = name
        self.schema = schema
        self.table = table
        self.arguments = arguments
        self.on = on.sorted()
    }

    /// The object for people: `view open_orders`, `trigger orders_touch on orders`,
    /// `foreign key fk on tenant_b.lines`, `function total(integer)`.
    public var description: String {
        let prefix = schema.map { "\($0)." } ?? ""
        switch kind {
        case .trigger, .policy, .rule, .foreignKey, .constraint:
            return "\(kind.rawValue) \(name) on \(prefix)\(table ?? "")"
        case .column:
            return "column \(prefix)\(table ?? "").\(name)"
        case .attribute:
            return "attribute \(prefix)\(table ?? "").\(name)"
        case .function, .procedure, .aggregate:
            return "\(kind.rawValue) \(prefix)\(name)(\(arguments ?? ""))"
        default:
            return "\(kind.rawValue) \(prefix)\(name)"
        }
    }

    /// The order of `SchemaState.dependents`.
    public var sortKey: String { "\(kind.rawValue)\u{0}\(schema ?? "")\u{0}\(table ?? "")\u{0}\(name)\u{0}\(arguments ?? "")" }

    /// Whether it stands on the relation `name` (a table or view) or one of its columns.
    public func standsOn(relation name: String) -> Bool {
        on.contains { $0.kind != .type && $0.name == name }
    }

    /// Whether it stands on column `column` of `table`.
    public func standsOn(table: String, column: String) -> Bool {
        on.contains { $0.kind == .table && $0.name == table && $0.column == column }
    }

    /// Whether it belongs to the schema's relation `name` (a trigger, policy or
    /// rule on it): dropping that relation drops it too.
    public func belongs(to name: String) -> Bool {
        schema == nil && table == name && [.trigger, .policy, .rule].contains(kind)
    }

    /// A function, procedure, trigger, view, domain or policy of the schema itself: the state
    /// holds the object too (`SchemaState.functions`, `TableState.triggers`,
    /// `SchemaState.views`, `TableState.policies`).
    public var isModeledInState: Bool {
        schema == nil && (kind == .function || kind == .procedure || kind == .trigger || kind == .domain || kind == .policy
            || kind == .view || kind == .materializedView)
    }
}
