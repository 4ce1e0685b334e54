import SQLSyntax
import State

/// A constraint as declared: the five kinds `schema.yaml` can hold.
public enum ConstraintDeclaration: Sendable, Equatable {
    case primaryKey(KeyDeclaration)
    case unique(KeyDeclaration)
    case foreignKey(ForeignKeyDeclaration)
    case check(CheckDeclaration)
    // MARK: Exclusion constraints
    case exclusion(ExclusionDeclaration)

    public var name: String {
        switch self {
        case .primaryKey(let k), .unique(let k): k.name
        case .foreignKey(let f): f.name
        case .check(let c): c.name
        case .exclusion(let x): x.name
        }
    }

    /// `COMMENT ON CONSTRAINT`, as declared.
    public var comment: String? {
        switch self {
        case .primaryKey(let k), .unique(let k): k.comment
        case .foreignKey(let f): f.comment
        case .check(let c): c.comment
        case .exclusion(let x): x.comment
        }
    }

    public var location: SourceLocation? {
        switch self {
        case .primaryKey(let k), .unique(let k): k.location
        case .foreignKey(let f): f.location
        case .check(let c): c.location
        case .exclusion(let x): x.location
        }
    }
}

/// What a change may do to a live application; shown in plans, stored in plan files.
public enum Hazard: String, Sendable, Codable, CaseIterable, Comparable {
    /// Rows or columns are deleted.
    case dataLoss = "data_loss"
    /// The table is rewritten, holding an ACCESS EXCLUSIVE lock meanwhile.
    case tableRewrite = "table_rewrite"
    /// An ACCESS EXCLUSIVE lock held while the table is scanned.
    case longLock = "long_lock"
    /// Writes to the table are blocked while an index is built.
    case blocksWrites = "blocks_writes"
    /// Fails if existing rows violate the new rule (NOT NULL, UNIQUE, CHECK, FK, type cast).
    case mayFailOnExistingData = "may_fail_on_existing_data"
    /// Drops an object that `schema.yaml` does not declare.
    case dropsUnmanagedObject = "drops_unmanaged_object"
    /// Replaces the body of a function that running sessions may be calling:
    /// calls that start after the commit run the new body, calls in flight finish
    /// with the old one.
    case replacesFunction = "replaces_function"
    // Views and materialized views.
    /// Drops a view and creates it again in the plan's transaction: readers
    /// wait on its lock until the commit and then see the new one; they never
    /// find it missing.
    case rebuildsView = "rebuilds_view"
    /// Creates or rebuilds a materialized view `WITH DATA`: its query runs over
    /// the tables it reads (ACCESS SHARE on them: they stay readable and writable).
    case populatesView = "populates_view"
    // MARK: Row-level security, policies and grants
    /// Roles subject to row-level security may see fewer rows, or none: row-level
    /// security enabled or forced, a permissive policy dropped or narrowed, a
    /// restrictive one added.
    case hidesRows = "hides_rows"
    /// Row-level security enabled on a table with rows and no permissive
    /// policy: every role but the owner (and `BYPASSRLS` roles) sees no row.
    case hidesAllRows = "hides_all_rows"
    /// Roles may see or change rows they could not before: row-level security
    /// disabled, a restrictive policy dropped, a permissive one added or widened.
    case exposesRows = "exposes_rows"
    /// A role loses a privilege that the application may be using.
    case revokesPrivilege = "revokes_privilege"

    public static func < (a: Hazard, b: Hazard) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var summary: String {
        switch self {
        case .dataLoss: "loses data"
        case .tableRewrite: "rewrites the table"
        case .longLock: "holds an ACCESS EXCLUSIVE lock while scanning"
        case .blocksWrites: "blocks writes while building"
        case .mayFailOnExistingData: "may fail on existing data"
        case .dropsUnmanagedObject: "drops an object not in schema.yaml"
        case .replacesFunction: "replaces a function the application may be calling"
        case .rebuildsView: "drops and re-creates a view in one transaction: readers wait for the commit"
        case .populatesView: "runs the materialized view's query over the tables it reads"
        case .hidesRows: "may hide rows from roles subject to row-level security"
        case .hidesAllRows: "HIDES EVERY ROW from every role but the owner: no permissive policy lets any through"
        case .exposesRows: "may expose rows to roles subject to row-level security"
        case .revokesPrivilege: "revokes a privilege the application may be using"
        }
    }
}

/// A rendered change: what a plan file stores and `apply` runs.
public struct Change: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        case create = "+", change = "~", drop = "-"
    }

    /// What the change does; stored as its name (`add_column`, `create_table`, ...).
    public var op: Operation
    public var action: Action
    /// The object changed, for people: `table orders`, `column orders.total`.
    public var object: String
    /// One SQL statement, unqualified. For `create_schema`, and for grants on
    /// the schema and default privileges in it, the schema is a placeholder
    /// (`{tenant}`): `statement(tenant:)` gives the statement to run.
    public var sql: String
    public var transactional: Bool
    public var hazards: [Hazard]
    /// The table-level locks the statement takes on relations that exist before
    /// the plan, and whether it scans or rewrites under them (`Step.locks`).
    public var locks: [RelationLock] = []
    /// Tables locked `IN SHARE ROW EXCLUSIVE MODE`, in this order, right before
    /// the statement runs: for a foreign key, the referenced table, then the
    /// referencing one. Quoted names, schema-qualified for a shared table.
    ///
    /// `ALTER TABLE ... ADD FOREIGN KEY` locks the referencing table first and
    /// the referenced one second, the opposite of an application that inserts a
    /// parent row and then its child; taking them in this order instead, the
    /// applier waits for the parent without holding the child, so the two never
    /// deadlock. Empty for every other change.
    public var lockFirst: [String]
    /// For a `backfill_column` change, and only for one: the table and column
    /// it fills, from which `apply` renders its statements (`sql` is the batch
    /// statement, `ColumnBackfill.batchStatement()`).
    public var backfill: ColumnBackfill?
    /// The `op` a plan file gives when this version does not know it; `op` is
    /// then meaningless. Only `PlanFile.decode` reads such changes, and it
    /// refuses the plan once the digest is checked (see `keepsUnknownOperations`).
    var unknownOperation: String?

    public init(op: Operation, action: Action, object: String, sql: String, transactional: Bool = true,
                hazards: [Hazard] = [], lockFirst: [String] = []) {
        self.op = op
        self.action = action
        self.object = object
        self.sql = sql
        self.transactional = transactional
        self.hazards = hazards.sorted()
        self.lockFirst = lockFirst
    }

    /// Hazards that make a change heavy: it scans or rewrites a table.
    public static let heavyHazards: Set<Hazard> = [.tableRewrite, .longLock, .blocksWrites]

    /// Whether the change scans or rewrites a table (a rewrite, a scan under a
    /// strong lock, an index build, a validation): `apply` runs such changes a
    /// few at a time per database (`--heavy-parallel`), since several at once on
    /// a small server only slow each other down and stretch every lock window.
    ///
    /// Read from the hazards (`heavyHazards`) and from the work its locks record:
    /// the online forms scan under SHARE UPDATE EXCLUSIVE, which blocks no
    /// application session and so carries no hazard, but a concurrent index
    /// build or a `VALIDATE` reads every row all the same.
    public var isHeavy: Bool {
        hazards.contains { Self.heavyHazards.contains($0) } || locks.contains { $0.work != .none }
    }

    /// Whether the change can lose data or drops something undeclared, and so is
    /// planned only with `--allow-destructive`.
    public var isDestructive: Bool {
        hazards.contains(.dataLoss) || hazards.contains(.dropsUnmanagedObject)
    }

    /// The statement that makes the change in `tenant`'s schema.
    ///
    /// `sql` itself, except for `create_schema` and the statements on the schema
    /// (grants, default privileges): a plan serves every tenant in the same
    /// state, so its stored statement names no schema, and the tenant's quoted
    /// name goes in here, in place of the one placeholder, which comes before
    /// any role name.
    public func statement(tenant: String) -> String {
        switch op {
        case .createSchema: Step.createSchemaStatement(quoteIdentifier(tenant))
        // Grants on the schema and default privileges in it name it.
        case .grant, .revoke:
            namingSchema(tenant)
        case .grantDefaultPrivileges, .revokeDefaultPrivileges:
            Self.asSchemaOwner(namingSchema(tenant), tenant: tenant)
        default: sql
        }
    }

    /// `sql` with the schema's placeholder replaced by its quoted name.
    func namingSchema(_ tenant: String) -> String {
        sql.range(of: "SCHEMA \(SecurityStep.tenantPlaceholder) ").map {
            sql.replacingCharacters(in: $0, with: "SCHEMA \(quoteIdentifier(tenant)) ")
        } ?? sql
    }

    /// `statement` (an `ALTER DEFAULT PRIVILEGES IN SCHEMA`, which sets the
    /// default privileges of the role that runs it) run only by the schema's
    /// owner, whose default privileges the state holds: a role that is not the
    /// owner fails the tenant with what to do (SQLSTATE 42501), instead of
    /// setting its own, which the check before `COMMIT` would find missing on
    /// every run. One statement: a `DO` block whose body names no parameter.
    static func asSchemaOwner(_ statement: String, tenant: String) -> String {
        var tag = "tenantplan"
        while statement.contains("$\(tag)$") || tenant.contains("$\(tag)$") { tag += "_" }
        let message = "default privileges in schema %s are its owner's (%s), and this session acts as %s: "
            + "apply as the owner, or as a role whose sessions SET role to it"
        return """
            DO $\(tag)$ DECLARE owner oid; BEGIN
                SELECT n.nspowner INTO owner FROM pg_catalog.pg_namespace n WHERE n.nspname = \(quoteLiteral(tenant));
                IF owner IS DISTINCT FROM (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
                    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = pg_catalog.format(\(quoteLiteral(message)),
                        \(quoteLiteral(quoteIdentifier(tenant))), owner::pg_catalog.regrole, current_user);
                END IF;
                EXECUTE \(quoteLiteral(statement));
            END $\(tag)$
            """
    }
}
