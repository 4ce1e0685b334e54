import Postgres
import SQLSyntax
import State

/// Reads schema states from `pg_catalog`, many schemas at a time.
///
/// Texts come from the server's own deparsers (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, `pg_get_indexdef`, pretty mode), which qualify an
/// object's name unless it is visible on the `search_path`. A tenant's state
/// must not contain the tenant's name, or two tenants in the same state (and
/// the scratch schema holding the desired state) would differ. So:
///
/// 1. Everything is read for a whole batch of schemas at once with an empty
///    `search_path`: only `pg_catalog` is visible, and texts that refer to
///    nothing inside the schema come out exactly as they would with the
///    schema on the path.
/// 2. The few items that do refer to the schema's own objects (a foreign key to
///    another tenant table, a default that uses the tenant's enum or sequence,
///    a column of an enum type) are read again, per schema, with `search_path`
///    set to that schema alone, so those references come out unqualified.
///    Foreign keys, column types and collations are found by oid; checks,
///    defaults and index expressions by their text, which names a schema that is
///    not on the path (see `Members.names`).
///
/// Batches keep the catalog queries planned once per batch rather than once per
/// schema: a cached plan is re-planned whenever `search_path` changes.
///
/// Members of a schema are found through `pg_depend` (every relation, type,
/// function and collation records a dependency on its namespace, and that
/// catalog is indexed by referenced object), not by scanning `pg_class`;
/// indexes come from `pg_index.indrelid`.
/// See https://www.postgresql.org/docs/15/catalog-pg-depend.html
public struct Reflector: Sendable {
    public init() {}

    /// Schemas read per batch of catalog queries.
    public var batchSize = 128

    /// The state of each named schema that exists; missing schemas are absent
    /// from the result. Leaves `search_path` undefined (inside a transaction,
    /// until its end): callers set it again when it matters. Planner settings
    /// are back to their defaults when it returns.
    public func reflect(schemas: [String], on connection: Connection) throws -> [String: SchemaState] {
        var states: [String: SchemaState] = [:]
        try reflect(schemas: schemas, on: connection) { states[$0.name] = $0.state }
        return states
    }

    /// Reads one schema; nil when it does not exist.
    public func reflect(schema: String, on connection: Connection) throws -> SchemaState? {
        try reflect(schemas: [schema], on: connection)[schema]
    }

    /// Streams each existing schema, with its stamp, to `body`, in the order given.
    public func reflect(schemas: [String], on connection: Connection,
                        _ body: (ReflectedSchema) throws -> Void) throws {
        for start in stride(from: 0, to: schemas.count, by: max(1, batchSize)) {
            let batch = Array(schemas[start..<min(schemas.count, start + batchSize)])
            for reflected in try reflectBatch(batch, on: connection) {
                try body(reflected)
            }
        }
    }

    // MARK: - Catalog OIDs

    /// Fixed OIDs of the system catalogs (they never change across releases).
    enum Catalog {
        static let pgClass = "1259"
        static let pgType = "1247"
        static let pgCollation = "3456"
        static let pgProc = "1255"
    }

    /// Settings for the batch reads, which always run with an empty
    /// `search_path`: prepared once, their cached plans stay valid (a cached plan
    /// is re-planned whenever `search_path` differs from when it was made).
    /// Every read is a handful of index lookups per schema; with large oid arrays
    /// the planner would otherwise pick hash joins that scan all of `pg_depend`.
    /// `$1`: whether they last only until the end of the current transaction
    /// (inside a tenant's transaction), or for the session. The planner settings
    /// are reset (`resetStatements`) as soon as the prepared reads are done, so
    /// that a tenant's DDL never runs under them.
    static let setupQuery = """
        SELECT set_config('search_path', '', $1::boolean),
               set_config('plan_cache_mode', 'force_generic_plan', $1::boolean),
               set_config('enable_hashjoin', 'off', $1::boolean), set_config('enable_mergejoin', 'off', $1::boolean),
               set_config('enable_seqscan', 'off', $1::boolean)
        """

    /// The schemas of a batch that the role may not use (`USAGE`), with the role:
    /// their texts would come out qualified (see `MissingPrivilege`). Part of the
    /// batch's first round trip, so it costs nothing more.
    static let unusableQuery = """
        SELECT current_user::text AS role, n.nspname::text AS schema
        FROM pg_catalog.pg_namespace n
        WHERE n.nspname = ANY ($1::text[]) AND NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE')
        ORDER BY n.nspname
        """

    static let resetStatements = ["RESET plan_cache_mode", "RESET enable_hashjoin", "RESET enable_mergejoin",
                                  "RESET enable_seqscan"].map { PipelineStatement($0) }

    // MARK: - One batch

    /// Reads the schemas of one batch, in four steps: their members; their
    /// tables' columns, constraints and indexes, sequences, enums and comments,
    /// and the objects that depend on them (`DependentRow`), all in one pipeline
    /// (`BatchRows`); the texts that name a schema's own
    /// objects again, with that schema on the path (`LocalItems`); then each
    /// schema's state (`Assembly`) and stamp.
    func reflectBatch(_ schemas: [String], on connection: Connection) throws -> [ReflectedSchema] {
        guard !schemas.isEmpty else { return [] }
        // In a transaction, the settings are made for it alone.
        let transactionOnly = connection.inTransaction
        let head = try connection.pipeline([
            PipelineStatement(Self.setupQuery, [transactionOnly ? "true" : "false"], prepared: "tenantplan_reflect_setup"),
            PipelineStatement(MemberRow.query, [arrayLiteral(schemas)], prepared: "tenantplan_members"),
            PipelineStatement(Self.unusableQuery, [arrayLiteral(schemas)], prepared: "tenantplan_unusable"),
        ])
        var reset = false
        defer {
            if !reset { _ = try? connection.pipeline(Self.resetStatements) }
        }
        if let first = head[2].rows.first, let role = first[0] {
            throw MissingPrivilege.schemaUsage(role: role, schemas: head[2].rows.compactMap { $0[1] })
        }
        let members = try Self.members(from: head[1])
        let present = schemas.compactMap { members[$0] }
        guard !present.isEmpty else { return [] }

        let owners = Owners(present)
        let batchStatements = BatchRows.statements(for: owners)
        let results = try connection.pipeline(batchStatements + DependentRow.statements(for: present)
                                              + Self.resetStatements)
        reset = true
        var rows = try BatchRows(results)
        let dependents = try Self.dependents(
            of: present, relations: results[batchStatements.count].decode(),
            types: results[batchStatements.count + 1].decode(),
            columns: Dictionary(rows.columns.map { ($0.key, $0.name) }, uniquingKeysWith: { a, _ in a }))
        let items = rows.localItems(of: present, owners: owners)
        try rows.readLocalTexts(items, of: present, transactionOnly: transactionOnly, on: connection)

        let stamps = rows.stampLines(owners, schemas: present.count)
        let assembly = Assembly(rows)
        return zip(present.indices, stamps).map { i, lines in
            let m = present[i]
            var state = assembly.state(of: m)
            state.dependents = dependents[i]
            let viewLines = Reflector.viewOIDs(of: m).compactMap { rows.local["vs/\($0)"] }
            return ReflectedSchema(name: m.schema, state: state,
                                   stamp: m.stampable ? Stamp.digest(m.stamp + lines + viewLines) : nil, tableBytes: m.tableBytes)
        }
    }

    static func isTable(_ kind: Character) -> Bool { kind == "r" || kind == "p" }

    /// What follows a foreign key's definition in the state when some of its
    /// clones for the partitions it references are NOT VALID (see
    /// `Assembly.constraints(of:)`): ` (NOT VALID for partitions a, b)`. Not
    /// SQL: no declared definition ends so, nor is a key added with it.
    public static func invalidClonesNote(_ partitions: [String]) -> String {
        " (NOT VALID for partitions \(partitions.sorted().joined(separator: ", ")))"
    }

    /// `pg_get_indexdef` without its `CREATE INDEX name ON table` head: the part
    /// that says what the index is, free of the schema's name.
    ///
    /// The head is rebuilt on the server with `quote_ident`, which quotes exactly
    /// as `pg_get_indexdef` does, so the cut is exact even for names that contain
    /// ` USING `. In pretty mode the table is unqualified when visible; the
    /// qualified form covers a table shadowed by a `pg_catalog` name.
    static func indexTail(_ definition: String, unique: Bool, prefix: String, tableNames: [String]) -> String {
        for table in tableNames {
            let head = prefix + table + " "
            if definition.hasPrefix(head) {
                return (unique ? "UNIQUE " : "") + definition.dropFirst(head.count)
            }
        }
        return definition
    }
}

