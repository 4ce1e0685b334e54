/// The desired state of every tenant schema, as declared in `schema.yaml`.
///
/// Names are unqualified; the same declaration is realised in each tenant schema.
/// Order is kept as written: tables are created in declaration order and columns
/// in mapping order. Raw SQL (types, defaults, expressions) is kept as written;
/// the server's canonical form of it is what gets compared (see `DesiredState`).
public struct Declaration: Sendable, Equatable {
    public var file: String
    public var version: Int
    public var enums: [EnumDeclaration]
    public var tables: [TableDeclaration]
    /// Functions and procedures, in declaration order (see `FunctionDeclaration`).
    public var functions: [FunctionDeclaration]
    /// What `ignore:` leaves alone; no declared object matches it.
    public var ignore: IgnoreRules
    // MARK: Views
    /// Views, then materialized views, each in declaration order (see `ViewDeclaration`).
    public var views: [ViewDeclaration] = []
    // MARK: Domains
    /// Domains, in declaration order (see `DomainDeclaration`).
    public var domains: [DomainDeclaration]
    // MARK: Sequences
    /// Standalone sequences, in declaration order (see `SequenceDeclaration`).
    public var sequences: [SequenceDeclaration] = []
    // MARK: Composite types
    /// Composite types, in declaration order (see `CompositeTypeDeclaration`).
    public var compositeTypes: [CompositeTypeDeclaration] = []
    // MARK: Grants
    /// The top-level `grants:`; nil: neither the schema's grants nor default privileges are managed.
    public var grants: SchemaGrantsDeclaration?

    public init(file: String, version: Int = 1, enums: [EnumDeclaration] = [], tables: [TableDeclaration] = [],
                functions: [FunctionDeclaration] = [], ignore: IgnoreRules = IgnoreRules(),
                domains: [DomainDeclaration] = []) {
        self.file = file
        self.version = version
        self.enums = enums
        self.tables = tables
        self.functions = functions
        self.ignore = ignore
        self.domains = domains
    }

    public func domain(named name: String) -> DomainDeclaration? { domains.first { $0.name == name } }

    public func table(named name: String) -> TableDeclaration? { tables.first { $0.name == name } }
    public func enumType(named name: String) -> EnumDeclaration? { enums.first { $0.name == name } }
    public func function(named name: String) -> FunctionDeclaration? { functions.first { $0.name == name } }
    public func view(named name: String) -> ViewDeclaration? { views.first { $0.name == name } }
    public func sequence(named name: String) -> SequenceDeclaration? { sequences.first { $0.name == name } }
    public func compositeType(named name: String) -> CompositeTypeDeclaration? {
        compositeTypes.first { $0.name == name }
    }
}

public struct EnumDeclaration: Sendable, Equatable {
    public var name: String
    public var values: [String]
    /// `comment:` of the mapping form; nil when it has none.
    public var comment: String?
    public var location: SourceLocation?

    public init(name: String, values: [String], comment: String? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.values = values
        self.comment = comment
        self.location = location
    }
}

public struct TableDeclaration: Sendable, Equatable {
    public var name: String
    public var columns: [ColumnDeclaration]
    public var primaryKey: KeyDeclaration?
    public var uniques: [KeyDeclaration]
    public var indexes: [IndexDeclaration]
    public var foreignKeys: [ForeignKeyDeclaration]
    public var checks: [CheckDeclaration]
    public var triggers: [TriggerDeclaration]
    public var comment: String?
    public var renamedFrom: String?
    public var location: SourceLocation?
    // MARK: Exclusion constraints
    public var exclusions: [ExclusionDeclaration] = []
    // MARK: Row-level security, policies and grants
    /// nil: row-level security off (as when both switches are false).
    public var rowSecurity: RowSecurityDeclaration?
    public var policies: [PolicyDeclaration] = []
    /// nil: the table's grants are not managed (kept as they are); a list: exactly these.
    public var grants: [GrantDeclaration]?
    // MARK: Partitioning and persistence
    /// `unlogged: true`: `CREATE UNLOGGED TABLE`.
    public var unlogged = false
    /// `partition_by:` as written (`RANGE (placed_at)`); nil for a plain table.
    public var partitionBy: String?
    /// `partitions:`, in declaration order; only with `partitionBy`.
    public var partitions: [PartitionDeclaration] = []
    /// Where `partition_by:`'s value stands, for errors the server finds in it.
    public var partitionByLocation: SourceLocation?

    public init(name: String, columns: [ColumnDeclaration], primaryKey: KeyDeclaration? = nil,
                uniques: [KeyDeclaration] = [], indexes: [IndexDeclaration] = [],
                foreignKeys: [ForeignKeyDeclaration] = [], checks: [CheckDeclaration] = [],
                triggers: [TriggerDeclaration] = [],
                comment: String? = nil, renamedFrom: String? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniques = uniques
        self.indexes = indexes
        self.foreignKeys = foreignKeys
        self.checks = checks
        self.triggers = triggers
        self.comment = comment
        self.renamedFrom = renamedFrom
        self.location = location
    }

    public func column(named name: String) -> ColumnDeclaration? { columns.first { $0.name == name } }
}

/// A partition of a partitioned table: `CREATE TABLE name PARTITION OF table bound`.
public struct PartitionDeclaration: Sendable, Equatable {
    public var name: String
    /// `FOR VALUES ...` or `DEFAULT`, as written.
    public var bound: String
    public var location: SourceLocation?

    public init(name: String, bound: String, location: SourceLocation? = nil) {
        self.name = name
        self.bound = bound
        self.location = location
    }
}

public enum Identity: String, Sendable, Equatable, Codable {
    case always
    case byDefault = "by_default"

    public var sql: String { self == .always ? "ALWAYS" : "BY DEFAULT" }
}

public struct ColumnDeclaration: Sendable, Equatable {
    public var name: String
    /// The type as written (`varchar(200)`, `bigserial`, `order_status[]`, `public.citext`).
    public var type: String
    public var nullable: Bool
    public var defaultExpression: String?
    public var identity: Identity?
    /// The expression of a stored generated column.
    public var generated: String?
    public var collation: String?
    public var comment: String?
    public var renamedFrom: String?
    /// `using:`: a one-time hint, like `renamed_from`: the SQL expression that
    /// computes the new value when the type changes (`ALTER COLUMN ... TYPE ...
    /// USING`). Ignored when the type already matches.
    public var using: String?
    public var location: SourceLocation?
    /// Where each key's value stands (`type`, `default`, `generated`, ...), for errors
    /// that the server finds in the text.
    public var fieldLocations: [String: SourceLocation]

    public init(name: String, type: String, nullable: Bool = true, defaultExpression: String? = nil,
                identity: Identity? = nil, generated: String? = nil, collation: String? = nil,
                comment: String? = nil, renamedFrom: String? = nil, using: String? = nil,
                location: SourceLocation? = nil, fieldLocations: [String: SourceLocation] = [:]) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.defaultExpression = defaultExpression
        self.identity = identity
        self.generated = generated
        self.collation = collation
        self.comment = comment
        self.renamedFrom = renamedFrom
        self.using = using
        self.location = location
        self.fieldLocations = fieldLocations
    }

    /// `serial`, `bigserial` or `smallserial` (and their `serial4`-style spellings):
    /// a shorthand for an integer column with an owned sequence as its default.
    public var isSerial: Bool {
        PostgresTypeName.serialType(named: type) != nil
    }
}

/// A primary key or unique constraint.
public struct KeyDeclaration: Sendable, Equatable {
    public var name: String
    public var columns: [String]
    public var location: SourceLocation?
    // MARK: Constraint options (deferrable, NULLS NOT DISTINCT)
    public var timing: ConstraintTiming
    /// `UNIQUE NULLS NOT DISTINCT`: two NULLs count as equal. Unique constraints only.
    public var nullsNotDistinct: Bool
    /// `COMMENT ON CONSTRAINT`.
    public var comment: String?

    public init(name: String, columns: [String], location: SourceLocation? = nil,
                timing: ConstraintTiming = ConstraintTiming(), nullsNotDistinct: Bool = false,
                comment: String? = nil) {
        self.comment = comment
        self.name = name
        self.columns = columns
        self.location = location
        self.timing = timing
        self.nullsNotDistinct = nullsNotDistinct
    }
}

/// `DEFERRABLE` and `INITIALLY DEFERRED` of a primary key, unique, foreign key
/// or exclusion constraint: when its rule is checked. Both false is the default,
/// `NOT DEFERRABLE`: checked at each statement.
public struct ConstraintTiming: Sendable, Equatable {
    public var deferrable: Bool
    /// Checked at commit unless `SET CONSTRAINTS ... IMMEDIATE`; implies `deferrable`.
    public var initiallyDeferred: Bool

    public init(deferrable: Bool = false, initiallyDeferred: Bool = false) {
        self.deferrable = deferrable || initiallyDeferred
        self.initiallyDeferred = initiallyDeferred
    }

    /// ` DEFERRABLE`, ` DEFERRABLE INITIALLY DEFERRED`, or nothing, as
    /// `pg_get_constraintdef` ends a definition.
    public var sql: String {
        initiallyDeferred ? " DEFERRABLE INITIALLY DEFERRED" : deferrable ? " DEFERRABLE" : ""
    }

    /// A constraint definition without the timing `pg_get_constraintdef` ends
    /// it with, and that timing.
    public static func split(_ definition: String) -> (definition: String, timing: ConstraintTiming) {
        for timing in [ConstraintTiming(initiallyDeferred: true), ConstraintTiming(deferrable: true)]
        where definition.hasSuffix(timing.sql) {
            return (String(definition.dropLast(timing.sql.count)), timing)
        }
        return (definition, ConstraintTiming())
    }
}

public struct IndexDeclaration: Sendable, Equatable {
    public var name: String
    /// Column names or SQL expressions, each optionally followed by `ASC`/`DESC`
    /// and `NULLS FIRST`/`NULLS LAST`.
    public var columns: [String]
    public var unique: Bool
    public var method: String?
    public var predicate: String?
    public var include: [String]
    public var location: SourceLocation?
    // MARK: Index options (NULLS NOT DISTINCT, storage parameters)
    /// `NULLS NOT DISTINCT` of a unique index.
    public var nullsNotDistinct: Bool
    /// `with:` storage parameters (`fillfactor: 70`), by name; values as written.
    public var storage: [String: String]
    /// `COMMENT ON INDEX`.
    public var comment: String?

    public init(name: String, columns: [String], unique: Bool = false, method: String? = nil,
                predicate: String? = nil, include: [String] = [], location: SourceLocation? = nil,
                nullsNotDistinct: Bool = false, storage: [String: String] = [:], comment: String? = nil) {
        self.comment = comment
        self.name = name
        self.columns = columns
        self.unique = unique
        self.method = method
        self.predicate = predicate
        self.include = include
        self.location = location
        self.nullsNotDistinct = nullsNotDistinct
        self.storage = storage
    }
}

public enum ReferentialAction: String, Sendable, Equatable, CaseIterable {
    case noAction = "no action"
    case restrict
    case cascade
    case setNull = "set null"
    case setDefault = "set default"

    public var sql: String { rawValue.uppercased() }
}

public struct ForeignKeyDeclaration: Sendable, Equatable {
    public var name: String
    public var columns: [String]
    /// The referenced table's schema for a shared table (`public`); nil for a table of the tenant.
    public var referencedSchema: String?
    public var referencedTable: String
    public var referencedColumns: [String]
    public var onDelete: ReferentialAction?
    public var onUpdate: ReferentialAction?
    public var location: SourceLocation?
    // MARK: Constraint options (deferrable)
    public var timing: ConstraintTiming
    /// `COMMENT ON CONSTRAINT`.
    public var comment: String?

    public init(name: String, columns: [String], referencedSchema: String? = nil, referencedTable: String,
                referencedColumns: [String], onDelete: ReferentialAction? = nil,
                onUpdate: ReferentialAction? = nil, location: SourceLocation? = nil,
                timing: ConstraintTiming = ConstraintTiming(), comment: String? = nil) {
        self.timing = timing
        self.comment = comment
        self.name = name
        self.columns = columns
        self.referencedSchema = referencedSchema
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.onDelete = onDelete
        self.onUpdate = onUpdate
        self.location = location
    }
}

public struct CheckDeclaration: Sendable, Equatable {
    public var name: String
    public var expression: String
    public var location: SourceLocation?
    /// `COMMENT ON CONSTRAINT` (a table's check; domain checks take none).
    public var comment: String?

    public init(name: String, expression: String, location: SourceLocation? = nil, comment: String? = nil) {
        self.comment = comment
        self.name = name
        self.expression = expression
        self.location = location
    }
}

// MARK: Exclusion constraints

/// `EXCLUDE USING gist (room WITH =, during WITH &&)`: no two rows whose
/// elements all compare true with their operators.
public struct ExclusionDeclaration: Sendable, Equatable {
    public var name: String
    /// The index method: `gist` unless declared.
    public var method: String
    /// `element WITH operator`, the element a column or an SQL expression,
    /// optionally with an operator class.
    public var elements: [String]
    public var predicate: String?
    public var timing: ConstraintTiming
    public var location: SourceLocation?
    /// `COMMENT ON CONSTRAINT`.
    public var comment: String?

    public init(name: String, method: String = "gist", elements: [String], predicate: String? = nil,
                timing: ConstraintTiming = ConstraintTiming(), location: SourceLocation? = nil,
                comment: String? = nil) {
        self.comment = comment
        self.name = name
        self.method = method
        self.elements = elements
        self.predicate = predicate
        self.timing = timing
        self.location = location
    }
}
