/// What one schema holds, as read from `pg_catalog` (see `Reflector`).
///
/// Every text is the server's own rendering (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, `pg_get_indexdef`) produced under a `search_path` of
/// that schema alone, so objects of the schema come back unqualified and two
/// tenants in the same state compare equal. The desired state is a `SchemaState`
/// too: the declaration realised in a scratch schema and read back the same way.
public struct SchemaState: Sendable, Equatable, Codable {
    /// Sorted by name.
    public var enums: [EnumState]
    /// Sorted by name.
    public var tables: [TableState]
    /// Standalone sequences (not a serial or identity column's), sorted by name
    /// (see `SequenceState`).
    public var sequences: [SequenceState]
    /// Objects tenantplan does not manage (window functions, range types...), as
    /// `kind name`, sorted. Reported, never changed.
    public var others: [String]
    /// Functions, procedures and aggregates (not window functions, not members of an extension),
    /// sorted by signature.
    public var functions: [FunctionState]
    /// Objects the state does not model that stand on the schema's tables,
    /// columns and enums (see `DependentState`), sorted. Empty for the desired
    /// state; a diff keeps the ones it does not drop.
    public var dependents: [DependentState]
    // MARK: Views
    /// Views and materialized views, sorted by name (see `ViewState`).
    public var views: [ViewState] = []
    /// The desired state only: the order in which the scratch schema took the
    /// declared views and the functions created after the tables (each
    /// `view:name` or `function:name`), each after what it reads. Empty for a
    /// reflected tenant; not part of the fingerprint.
    public var creationOrder: [String] = []

    // MARK: Domains
    /// Domains, sorted by name (see `DomainState`).
    public var domains: [DomainState]


    // MARK: Composite types
    /// Composite types, sorted by name (see `CompositeTypeState`).
    public var compositeTypes: [CompositeTypeState] = []

    // MARK: Grants (row-level security and privileges)
    /// Grants on the schema itself (`nspacl`), the owner's own left out; nil for none.
    public var schemaGrants: [GrantState]?
    /// The schema owner's default privileges in the schema (which `apply`, acting as
    /// the owner, sets), sorted; nil for none.
    public var defaultPrivileges: [DefaultPrivilegeState]?


    public init(enums: [EnumState] = [], tables: [TableState] = [], sequences: [SequenceState] = [], others: [String] = [],
                functions: [FunctionState] = [], dependents: [DependentState] = [], views: [ViewState] = [],
                creationOrder: [String] = [], domains: [DomainState] = [],
                schemaGrants: [GrantState]? = nil, defaultPrivileges: [DefaultPrivilegeState]? = nil,
                compositeTypes: [CompositeTypeState] = []) {
        self.compositeTypes = compositeTypes
        self.enums = enums
        self.tables = tables
        self.sequences = sequences
        self.others = others
        self.functions = functions
        self.dependents = dependents
        self.views = views
        self.creationOrder = creationOrder
        self.domains = domains
        self.schemaGrants = schemaGrants
        self.defaultPrivileges = defaultPrivileges
    }

    public func domain(named name: String) -> DomainState? { domains.first { $0.name == name } }
    public func table(named name: String) -> TableState? { tables.first { $0.name == name } }
    public func enumType(named name: String) -> EnumState? { enums.first { $0.name == name } }
    public func view(named name: String) -> ViewState? { views.first { $0.name == name } }
    public func sequence(named name: String) -> SequenceState? { sequences.first { $0.name == name } }
    public func compositeType(named name: String) -> CompositeTypeState? { compositeTypes.first { $0.name == name } }

    /// The same state with every list in canonical order, so that equal states
    /// encode equally. Column order is not part of the compared state:
    /// PostgreSQL cannot reorder columns without rebuilding the table.
    public func normalized() -> SchemaState {
        SchemaState(
            enums: enums.sorted { $0.name < $1.name },
            tables: tables.map { $0.normalized() }.sorted { $0.name < $1.name },
            sequences: sequences.sorted { $0.name < $1.name },
            others: others.sorted(),
            functions: functions.sorted { $0.signature < $1.signature },
            dependents: dependents.map { var d = $0; d.on.sort(); return d }.sorted { $0.sortKey < $1.sortKey },
            views: views.map { $0.normalized() }.sorted { $0.name < $1.name },
            creationOrder: creationOrder,

            domains: domains.map { var d = $0; d.checks.sort { $0.name < $1.name }; return d }.sorted { $0.name < $1.name },
            schemaGrants: schemaGrants?.normalizedGrants,
            defaultPrivileges: defaultPrivileges.flatMap { list in
                let kept = list.filter { !$0.privileges.isEmpty }.sorted { $0.sortKey < $1.sortKey }
                return kept.isEmpty ? nil : kept
            },
            compositeTypes: compositeTypes.sorted { $0.name < $1.name })
    }
}

public struct EnumState: Sendable, Equatable, Codable {
    public var name: String
    /// In sort order.
    public var labels: [String]
    /// `COMMENT ON TYPE`; nil when it has none.
    public var comment: String?

    public init(name: String, labels: [String], comment: String? = nil) {
        self.name = name
        self.labels = labels
        self.comment = comment
    }
}

public struct TableState: Sendable, Equatable, Codable {
    public var name: String
    public var comment: String?
    /// In column-number order as reflected; `normalized()` sorts them by name.
    public var columns: [ColumnState]
    public var constraints: [ConstraintState]
    public var indexes: [IndexState]
    /// Columns that objects `ignore:` leaves alone stand on: ignored columns, and
    /// the columns ignored indexes and constraints of the table name. The one
    /// trace ignored objects leave, so that tenantplan never drops them along
    /// with a column or the table (see `SchemaState.ignoring`). Sorted; `""`
    /// stands for an ignored object that names no column; empty when nothing
    /// of the table is ignored.
    public var ignoredUses: [String]
    /// The columns of a primary key that `ignore:` leaves alone: they stay NOT
    /// NULL whatever the declaration says (PostgreSQL refuses `DROP NOT NULL`
    /// under a primary key). Sorted; empty when no primary key is ignored.
    public var ignoredKeyColumns: [String]
    /// User triggers (not the internal ones of foreign keys), sorted by name.
    public var triggers: [TriggerState]

    /// What the table has that `schema.yaml` cannot express yet, one short text
    /// each (`unlogged`, `storage parameters (fillfactor=70)`, `policy p`):
    /// kept as it is and reported as held back, never dropped or changed. A
    /// policy is `policy <name>`, its name as it is, so that `ignore:` can match
    /// it. Sorted; empty for a declared table as a new tenant gets it.
    public var unsupported: [String]
    // MARK: Row-level security, policies and grants
    /// nil when row-level security is neither enabled nor forced.
    public var rowSecurity: RowSecurityState?
    /// Sorted by name; nil for none (states of earlier builds decode as none).
    public var policies: [PolicyState]?
    /// Privileges granted on the table to roles other than its owner (`relacl`),
    /// sorted by grantee; nil for none.
    public var grants: [GrantState]?
    // MARK: Partitioning and persistence
    /// `UNLOGGED` (`relpersistence = 'u'`); nil for a logged table (states of
    /// earlier builds decode as logged).
    public var unlogged: Bool?
    /// `pg_get_partkeydef` of a partitioned table (`RANGE (placed_at)`); nil
    /// for a plain table.
    public var partitionBy: String?
    /// The partitions of a partitioned table that live in the same schema,
    /// sorted by name; nil for none. A partition is not a table of the state:
    /// its columns, keys and indexes are its parent's.
    public var partitions: [PartitionState]?

    public init(name: String, comment: String? = nil, columns: [ColumnState] = [],
                constraints: [ConstraintState] = [], indexes: [IndexState] = [], ignoredUses: [String] = [],
                ignoredKeyColumns: [String] = [], triggers: [TriggerState] = [], unsupported: [String] = [],
                rowSecurity: RowSecurityState? = nil, policies: [PolicyState]? = nil, grants: [GrantState]? = nil,
                unlogged: Bool? = nil, partitionBy: String? = nil, partitions: [PartitionState]? = nil) {
        self.unlogged = unlogged
        self.partitionBy = partitionBy
        self.partitions = partitions
        self.rowSecurity = rowSecurity
        self.policies = policies
        self.grants = grants
        self.name = name
        self.comment = comment
        self.columns = columns
        self.constraints = constraints
        self.indexes = indexes
        self.ignoredUses = ignoredUses
        self.ignoredKeyColumns = ignoredKeyColumns
        self.triggers = triggers
        self.unsupported = unsupported
    }

    public func column(named name: String) -> ColumnState? { columns.first { $0.name == name } }
    public func constraint(named name: String) -> ConstraintState? { constraints.first { $0.name == name } }
    public func index(named name: String) -> IndexState? { indexes.first { $0.name == name } }
    public func trigger(named name: String) -> TriggerState? { triggers.first { $0.name == name } }
    public func policy(named name: String) -> PolicyState? { policies?.first { $0.name == name } }
    public func partition(named name: String) -> PartitionState? { partitions?.first { $0.name == name } }
    public var isUnlogged: Bool { unlogged ?? false }

    public func normalized() -> TableState {
        TableState(
            name: name, comment: comment,
            columns: columns.sorted { $0.name < $1.name },
            constraints: constraints.sorted { $0.name < $1.name },
            indexes: indexes.sorted { $0.name < $1.name },
            ignoredUses: Array(Set(ignoredUses)).sorted(),
            ignoredKeyColumns: Array(Set(ignoredKeyColumns)).sorted(),
            triggers: triggers.sorted { $0.name < $1.name },
            unsupported: unsupported.sorted(),
            rowSecurity: rowSecurity.flatMap { RowSecurityState.of(enabled: $0.enabled, forced: $0.forced) },
            policies: policies.flatMap { $0.isEmpty ? nil : $0.sorted { $0.name < $1.name } },
            grants: grants?.normalizedGrants,
            unlogged: unlogged == true ? true : nil, partitionBy: partitionBy,
            partitions: partitions.flatMap { $0.isEmpty ? nil : $0.sorted { $0.name < $1.name } })
    }
}

/// A partition of a partitioned table: its name and its bound as
/// `pg_get_expr(relpartbound)` renders it (`FOR VALUES FROM ('2026-01-01') TO
/// ('2027-01-01')`, `DEFAULT`).
public struct PartitionState: Sendable, Equatable, Codable {
    public var name: String
    public var bound: String

    public init(name: String, bound: String) {
        self.name = name
        self.bound = bound
    }
}

public struct ColumnState: Sendable, Equatable, Codable {
    public var name: String
    /// `format_type(atttypid, atttypmod)`: `character varying(200)`, `order_status[]`.
    public var type: String
    public var notNull: Bool
    /// `pg_get_expr` of the default; nil for none and for generated columns.
    public var defaultExpression: String?
    public var identity: Identity?
    /// `pg_get_expr` of a stored generated column's expression.
    public var generated: String?
    /// The column's collation when it differs from its type's default, quoted.
    public var collation: String?
    public var comment: String?
    /// The sequence this column owns (a `serial` column), if any.
    public var ownedSequence: String?
    /// That sequence's data type (`integer` for `serial`, `bigint` for
    /// `bigserial`): it bounds the values the column gets, whatever its own type.
    public var ownedSequenceType: String?
    /// The name of an identity column's sequence (`<table>_<column>_seq` unless
    /// renamed). nil for a column that is not an identity, and in states made
    /// before it was read.
    public var identitySequence: String?

    public init(name: String, type: String, notNull: Bool = false, defaultExpression: String? = nil,
                identity: Identity? = nil, generated: String? = nil, collation: String? = nil,
                comment: String? = nil, ownedSequence: String? = nil, ownedSequenceType: String? = nil,
                identitySequence: String? = nil) {
        self.name = name
        self.type = type
        self.notNull = notNull
        self.defaultExpression = defaultExpression
        self.identity = identity
        self.generated = generated
        self.collation = collation
        self.comment = comment
        self.ownedSequence = ownedSequence
        self.ownedSequenceType = ownedSequenceType
        self.identitySequence = identitySequence
    }
}

public struct ConstraintState: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case primaryKey = "p", unique = "u", foreignKey = "f", check = "c", exclusion = "x"
    }

    public var name: String
    public var kind: Kind
    /// `pg_get_constraintdef(oid, true)`.
    public var definition: String
    /// `COMMENT ON CONSTRAINT`; nil for none (and in states of earlier builds).
    public var comment: String?

    public init(name: String, kind: Kind, definition: String, comment: String? = nil) {
        self.name = name
        self.kind = kind
        self.definition = definition
        self.comment = comment
    }
}

public struct IndexState: Sendable, Equatable, Codable {
    public var name: String
    /// `pg_get_indexdef` from `UNIQUE`/`USING` on, without the index and table names:
    /// `UNIQUE USING btree (lower(email)) WHERE (email IS NOT NULL)`.
    public var definition: String
    /// `NOT pg_index.indisvalid`: an index that a failed or killed `CREATE INDEX
    /// CONCURRENTLY` left behind (or one still being built). Queries do not use
    /// it, so it is never the declared index, whatever its definition.
    public var invalid: Bool
    /// `COMMENT ON INDEX`; nil for none (and in states of earlier builds).
    public var comment: String?

    public init(name: String, definition: String, invalid: Bool = false, comment: String? = nil) {
        self.name = name
        self.definition = definition
        self.invalid = invalid
        self.comment = comment
    }

    enum CodingKeys: String, CodingKey { case name, definition, invalid, comment }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        definition = try c.decode(String.self, forKey: .definition)
        invalid = try c.decodeIfPresent(Bool.self, forKey: .invalid) ?? false
        comment = try c.decodeIfPresent(String.self, forKey: .comment)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(definition, forKey: .definition)
        if invalid { try c.encode(invalid, forKey: .invalid) }
        try c.encodeIfPresent(comment, forKey: .comment)
    }
}
