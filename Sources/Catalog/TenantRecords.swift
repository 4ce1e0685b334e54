import Foundation
import Plan
import Postgres
import SQLSyntax
import State

/// Records of verified tenant states, one table per database:
/// `_tenantplan.tenant_state` (the schema name carries the prefix no tenant may
/// have, see `ReservedSchemas`).
///
/// A record says: this schema, whose catalog rows had these versions (its
/// record stamp, `Stamp.recordQuery`), was read in full and found in the state
/// with this fingerprint. A later `plan` whose desired state has that
/// fingerprint, and that finds the same record stamp, takes the tenant as in
/// sync without deparsing it: equal record stamps mean that none of the rows
/// the state was read from, nor any object outside the schema its texts name,
/// has a new version.
///
/// A record is trusted only when
/// - the table and its schema are owned by the role that plans, no other role
///   holds any privilege on the table but `SELECT`, and the table has no
///   triggers, rules or row security (so that no other role can write a record,
///   and none is rewritten on its way in);
/// - it was written under the same `context` (the tool build, the record query
///   and the `ignore:` rules);
/// - with a plan key (`TENANTPLAN_PLAN_KEY`), its `mac` is the HMAC-SHA256,
///   under that key, of the database's identity, the schema, the record stamp,
///   the fingerprint and the context; without a key, only records without a
///   `mac` are read.
/// Any other record is ignored: the tenant is read in full, as without records.
public struct TenantRecords: Sendable {
    public static let schema = ReservedSchemas.toolPrefix
    public static let table = "tenant_state"
    static let qualified = "\(quoteIdentifier(schema)).\(quoteIdentifier(table))"

    /// Which database: the cluster's system identifier (or "") and the database's name.
    public var database: String
    public var context: String
    public var key: PlanKey?

    public init(systemIdentifier: String?, databaseName: String, context: String, key: PlanKey?) {
        database = (systemIdentifier ?? "") + "/" + databaseName
        self.context = context
        self.key = key
    }

    /// What a record must have been written under to be read: this build
    /// (`toolVersion`, and `build` for a development build), the record query,
    /// and the `ignore:` rules (which decide what a fingerprint covers).
    public static func context(toolVersion: String, build: String, ignore: IgnoreRules) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let ignore = (try? encoder.encode(ignore)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return SHA256.hex([toolVersion, build, Stamp.recordQueryText, ignore]
            .map { "\($0.utf8.count):\($0)" }.joined(separator: ";"))
    }

    /// The statements that create the schema and each table (each runs on
    /// its own: a role that may not create the schema still finds a table
    /// someone made for it), by the table they make (nil: the schema).
    static let createStatements: [(table: String?, sql: String)] = [
        (nil, "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))"),
        (table, """
        CREATE TABLE IF NOT EXISTS \(qualified) (
            schema_name text PRIMARY KEY,
            stamp text NOT NULL,
            fingerprint text NOT NULL,
            context text NOT NULL,
            mac text,
            ignored integer NOT NULL DEFAULT 0,
            verified_at timestamptz NOT NULL,
            verified_by text NOT NULL,
            tool_version text NOT NULL,
            applied_plan text,
            applied_at timestamptz
        )
        """),
        (table, "COMMENT ON TABLE \(qualified) IS 'tenantplan: the last verified state of each tenant schema (see docs/design.md)'"),
        (CatalogSweep.table, CatalogSweep.createStatement),
        (CatalogSweep.table, "COMMENT ON TABLE \(CatalogSweep.qualified) IS 'tenantplan: the record stamps of the last plan, and what the catalogs held then (see docs/design.md)'"),
    ]

    /// Whether the records in this database may be believed (see the type's comment).
    static let trustedQuery = """
        SELECT EXISTS (
            SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'
              AND c.relowner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
              AND n.nspowner = c.relowner
              AND NOT c.relhastriggers AND NOT c.relhasrules AND NOT c.relrowsecurity
              AND NOT EXISTS (
                  SELECT FROM pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) acl
                  WHERE acl.grantee <> c.relowner AND acl.privilege_type <> 'SELECT')
              AND NOT EXISTS (
                  SELECT FROM pg_catalog.pg_attribute a, pg_catalog.aclexplode(a.attacl) acl
                  WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL
                    AND acl.grantee <> c.relowner AND acl.privilege_type <> 'SELECT'))
        """

    /// The columns a table made by an earlier build lacks, added when missing.
    static let addedColumns = [("applied_plan", "text"), ("applied_at", "timestamptz")]

    /// Creates the table when it is missing and the role may (and adds the
    /// columns a table of an earlier build lacks); true when the records can be
    /// trusted afterwards.
    public func prepare(on connection: Connection) -> Bool {
        if !((try? trusted(on: connection)) ?? false) || !((try? trusted(Self.sweepTable, on: connection)) ?? false) {
            // Only what is missing: a table that exists but may not be trusted
            // is left as it is (and its comment unwritten, which would be a
            // catalog change on every plan).
            let missing = Set([Self.table, Self.sweepTable].filter { table in
                ((try? connection.query("SELECT pg_catalog.to_regclass($1) IS NULL",
                                        ["\(quoteIdentifier(Self.schema)).\(quoteIdentifier(table))"]).scalar) ?? nil) != "f"
            })
            for statement in Self.createStatements where statement.table.map(missing.contains) ?? !missing.isEmpty {
                try? connection.execute(statement.sql)
            }
        }
        guard (try? trusted(on: connection)) ?? false else { return false }
        // One read of the columns the table has; an ALTER only when one is missing.
        let present = Set((try? connection.query("""
            SELECT attname::text FROM pg_catalog.pg_attribute
            WHERE attrelid = $1::pg_catalog.regclass AND attnum > 0 AND NOT attisdropped
            """, [Self.qualified]).rows.compactMap { $0[0] }) ?? [])
        let missing = Self.addedColumns.filter { !present.contains($0.0) }
        if !present.isEmpty, !missing.isEmpty {
            try? connection.execute("ALTER TABLE \(Self.qualified) "
                + missing.map { "ADD COLUMN IF NOT EXISTS \(quoteIdentifier($0.0)) \($0.1)" }.joined(separator: ", "))
        }
        return true
    }

    func trusted(_ table: String = Self.table, on connection: Connection) throws(PostgresError) -> Bool {
        try connection.query(Self.trustedQuery, [Self.schema, table]).scalar == "t"
    }

    static let sweepTable = CatalogSweep.table

    /// Whether the kept sweep (`CatalogSweep`) may be believed: its table is
    /// trusted as the records' is.
    public func sweepTrusted(on connection: Connection) -> Bool {
        (try? trusted(Self.sweepTable, on: connection)) ?? false
    }

    /// The code that binds a record to this database, schema, stamp, fingerprint and context.
    func mac(schema: String, stamp: String, fingerprint: String, ignored: Int) -> String? {
        key?.recordCode(["tenantplan-record-1", database, schema, stamp, fingerprint, String(ignored), context]
            .map { "\($0.utf8.count):\($0)" }.joined(separator: ";"))
    }

    /// What a trusted record says of a schema whose record stamp is unchanged.
    public struct Match: Sendable, Equatable {
        public var fingerprint: String
        /// Objects `ignore:` took out of the state.
        public var ignored: Int
    }

    /// The records of `schemas` that are trusted and whose record stamp is
    /// still `stamps[schema]`.
    public func matching(_ schemas: [String], stamps: [String: String], on connection: Connection)
        throws(PostgresError) -> [String: Match]
    {
        guard !schemas.isEmpty else { return [:] }
        let rows = try connection.query(
            "SELECT schema_name, stamp, fingerprint, mac, ignored FROM \(Self.qualified) WHERE schema_name = ANY($1::text[]) AND context = $2",
            [arrayLiteral(schemas), context]).rows
        var found: [String: Match] = [:]
        for row in rows {
            guard let schema = row[0], let stamp = row[1], let fingerprint = row[2],
                  let ignored = row[4].flatMap({ Int($0) }),
                  let current = stamps[schema], HMACSHA256.matches(stamp, current) else { continue }
            let match = Match(fingerprint: fingerprint, ignored: ignored)
            switch (mac(schema: schema, stamp: stamp, fingerprint: fingerprint, ignored: ignored), row[3]) {
            case (nil, nil): found[schema] = match
            case (let expected?, let given?) where HMACSHA256.matches(expected, given): found[schema] = match
            default: continue
            }
        }
        return found
    }

    /// The statement that notes that `apply` of the plan with digest `plan` brought `schema` to the
    /// state `fingerprint` (the audit of which plan last changed each tenant,
    /// and when; the caller chooses the transaction: the one that commits the
    /// state). The note is no record a plan believes: its stamp and context
    /// are empty, which no record stamp and no plan's context equal, so the next
    /// `plan` reads the tenant in full and writes its record, keeping the note.
    public func appliedStatement(schema: String, fingerprint: String, plan: String,
                                 toolVersion: String) -> PipelineStatement {
        PipelineStatement("""
            INSERT INTO \(Self.qualified) AS t (schema_name, stamp, fingerprint, context, mac, ignored, verified_at,
                                               verified_by, tool_version, applied_plan, applied_at)
            VALUES ($1, '', $2, '', NULL, 0, pg_catalog.now(), current_user, $3, $4, pg_catalog.now())
            ON CONFLICT (schema_name) DO UPDATE SET
                stamp = '', fingerprint = excluded.fingerprint, context = '', mac = NULL, ignored = 0,
                verified_at = excluded.verified_at, verified_by = excluded.verified_by,
                tool_version = excluded.tool_version, applied_plan = excluded.applied_plan,
                applied_at = excluded.applied_at
            """, [schema, fingerprint, toolVersion, plan])
    }

    /// An array literal whose nil elements are NULL.
    static func nullableArray(_ values: [String?]) -> String {
        "{" + values.map { $0.map { String(arrayLiteral([$0]).dropFirst().dropLast()) } ?? "NULL" }.joined(separator: ",") + "}"
    }

    /// A verified state to record.
    public struct Record: Sendable {
        public var schema: String
        public var stamp: String
        public var fingerprint: String
        public var ignored: Int

        public init(schema: String, stamp: String, fingerprint: String, ignored: Int) {
            self.schema = schema
            self.stamp = stamp
            self.fingerprint = fingerprint
            self.ignored = ignored
        }
    }

    /// Writes `records` (one statement; the caller chooses the transaction).
    /// `appliedPlan`: the digest of the plan whose `apply` brought them to
    /// their state (the audit of which plan last changed each tenant, and
    /// when); a record written by `plan` keeps what the last apply wrote.
    public func write(_ records: [Record], toolVersion: String, appliedPlan: String? = nil,
                      on connection: Connection) throws(PostgresError) {
        guard !records.isEmpty else { return }
        try connection.execute("""
            INSERT INTO \(Self.qualified) AS t (schema_name, stamp, fingerprint, context, mac, ignored, verified_at,
                                               verified_by, tool_version, applied_plan, applied_at)
            SELECT r.schema_name, r.stamp, r.fingerprint, $5, r.mac, r.ignored, pg_catalog.now(), current_user, $6,
                   $8, CASE WHEN $8::text IS NOT NULL THEN pg_catalog.now() END
            FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[]),
                            pg_catalog.unnest($4::text[]), pg_catalog.unnest($7::int[]))
                 AS r(schema_name, stamp, fingerprint, mac, ignored)
            ON CONFLICT (schema_name) DO UPDATE SET
                stamp = excluded.stamp, fingerprint = excluded.fingerprint, context = excluded.context,
                mac = excluded.mac, ignored = excluded.ignored, verified_at = excluded.verified_at,
                verified_by = excluded.verified_by, tool_version = excluded.tool_version,
                applied_plan = coalesce(excluded.applied_plan, t.applied_plan),
                applied_at = coalesce(excluded.applied_at, t.applied_at)
            """, [
                arrayLiteral(records.map(\.schema)), arrayLiteral(records.map(\.stamp)),
                arrayLiteral(records.map(\.fingerprint)),
                Self.nullableArray(records.map {
                    mac(schema: $0.schema, stamp: $0.stamp, fingerprint: $0.fingerprint, ignored: $0.ignored)
                }),
                context, toolVersion,
                "{" + records.map { String($0.ignored) }.joined(separator: ",") + "}",
                appliedPlan,
            ])
    }
}
