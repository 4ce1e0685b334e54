import Testing
@testable import Plan
import State

/// One rendering expectation: a step, its exact statement, and its plan-file name and action.
struct RenderCase: Sendable, CustomTestStringConvertible {
    var step: Step
    var sql: String
    var name: String
    var action: Change.Action

    init(_ step: Step, _ sql: String, _ name: String, _ action: Change.Action) {
        self.step = step
        self.sql = sql
        self.name = name
        self.action = action
    }

    var testDescription: String { sql.split(separator: "\n").first.map(String.init) ?? sql }
}

/// The name of a step's case. The switch is exhaustive on purpose: a new `Step`
/// case does not compile here until it is added to `renderCases`.
func caseName(_ step: Step) -> String {
    switch step {
    case .createSchema: "createSchema"
    case .createEnum: "createEnum"
    case .addEnumValue: "addEnumValue"
    case .dropType: "dropType"
    case .createTable: "createTable"
    case .renameTable: "renameTable"
    case .dropTable: "dropTable"
    case .commentOnTable: "commentOnTable"
    case .createPartition: "createPartition"
    case .dropPartition: "dropPartition"
    case .setLogged: "setLogged"
    case .addColumn: "addColumn"
    case .renameColumn: "renameColumn"
    case .dropColumn: "dropColumn"
    case .alterColumnType: "alterColumnType"
    case .setNotNull: "setNotNull"
    case .dropNotNull: "dropNotNull"
    case .setDefault: "setDefault"
    case .dropDefault: "dropDefault"
    case .addIdentity: "addIdentity"
    case .setIdentity: "setIdentity"
    case .dropIdentity: "dropIdentity"
    case .dropExpression: "dropExpression"
    case .commentOnColumn: "commentOnColumn"
    case .createSequence: "createSequence"
    case .renameSequence: "renameSequence"
    case .alterSequenceType: "alterSequenceType"
    case .dropSequence: "dropSequence"
    case .continueSequence: "continueSequence"
    case .createCompositeType: "createCompositeType"
    case .addAttribute: "addAttribute"
    case .dropAttribute: "dropAttribute"
    case .alterAttributeType: "alterAttributeType"
    case .commentOnCompositeType: "commentOnCompositeType"
    case .commentOnEnum: "commentOnEnum"
    case .dropCompositeType: "dropCompositeType"
    case .createStandaloneSequence: "createStandaloneSequence"
    case .alterSequence: "alterSequence"
    case .sequenceOwnedBy: "sequenceOwnedBy"
    case .commentOnSequence: "commentOnSequence"
    case .addConstraint: "addConstraint"
    case .renameConstraint: "renameConstraint"
    case .dropConstraint: "dropConstraint"
    case .commentOnConstraint: "commentOnConstraint"
    case .createIndex: "createIndex"
    case .renameIndex: "renameIndex"
    case .dropIndex: "dropIndex"
    case .commentOnIndex: "commentOnIndex"
    case .createFunction: "createFunction"
    case .replaceFunction: "replaceFunction"
    case .dropFunction: "dropFunction"
    case .commentOnFunction: "commentOnFunction"
    case .createTrigger: "createTrigger"
    case .dropTrigger: "dropTrigger"
    case .commentOnTrigger: "commentOnTrigger"
    case .dropDependent: "dropDependent"
    case .createIndexConcurrently: "createIndexConcurrently"
    case .dropIndexConcurrently: "dropIndexConcurrently"
    case .addConstraintNotValid: "addConstraintNotValid"
    case .validateConstraint: "validateConstraint"
    case .addConstraintUsingIndex: "addConstraintUsingIndex"
    case .alterConstraintTiming: "alterConstraintTiming"
    case .setIndexStorage: "setIndexStorage"
    case .backfillColumn: "backfillColumn"
    case .fillColumn: "fillColumn"
    case .createView: "createView"
    case .replaceView: "replaceView"
    case .dropView: "dropView"
    case .commentOnView: "commentOnView"
    case .createViewIndex: "createViewIndex"
    // MARK: Domains
    case .createDomain: "createDomain"
    case .dropDomain: "dropDomain"
    case .alterDomainDefault: "alterDomainDefault"
    case .setDomainNotNull: "setDomainNotNull"
    case .dropDomainNotNull: "dropDomainNotNull"
    case .addDomainCheck: "addDomainCheck"
    case .addDomainCheckNotValid: "addDomainCheckNotValid"
    case .validateDomainCheck: "validateDomainCheck"
    case .dropDomainCheck: "dropDomainCheck"
    case .commentOnDomain: "commentOnDomain"
    case .security(let s):
        switch s {
        case .enableRowSecurity: "enableRowSecurity"
        case .forceRowSecurity: "forceRowSecurity"
        case .createPolicy: "createPolicy"
        case .alterPolicy: "alterPolicy"
        case .dropPolicy: "dropPolicy"
        case .commentOnPolicy: "commentOnPolicy"
        case .grant: "grant"
        case .revoke: "revoke"
        case .grantDefault: "grantDefault"
        case .revokeDefault: "revokeDefault"
        }
    }
}

let allStepCaseCount = 90

/// A name that needs every kind of quoting: a double quote, capitals, a space, non-ASCII.
let awkward = "Wé\"ird Nämé 🐘"
let awkwardQuoted = "\"Wé\"\"ird Nämé 🐘\""

let wideTable = TableDeclaration(
    name: "Orders",
    columns: [
        ColumnDeclaration(name: "id", type: "bigint", nullable: false, identity: .always),
        ColumnDeclaration(name: "customer name", type: "varchar(200)", collation: "C"),
        ColumnDeclaration(name: "größe", type: "text", collation: "public.mycoll"),
        ColumnDeclaration(name: "status", type: "order_status", nullable: false, defaultExpression: "'pending'"),
        ColumnDeclaration(name: "total", type: "numeric(12,2)"),
        ColumnDeclaration(name: "total_cents", type: "integer", generated: "total * 100"),
        ColumnDeclaration(name: "ref", type: "bigint", identity: .byDefault),
        ColumnDeclaration(name: "tag\"s", type: "text[]", nullable: false, defaultExpression: "'{}'",
                          collation: "\"de-x-icu\""),
    ],
    primaryKey: KeyDeclaration(name: "Orders_pkey", columns: ["id"]),
    uniques: [
        KeyDeclaration(name: "orders_\"name\"_key", columns: ["customer name", "status"]),
        KeyDeclaration(name: "orders_ref_key", columns: ["ref"]),
    ],
    // Neither indexes nor foreign keys belong in CREATE TABLE: they are separate steps.
    indexes: [IndexDeclaration(name: "orders_status_idx", columns: ["status"])],
    foreignKeys: [ForeignKeyDeclaration(name: "orders_plan_fkey", columns: ["ref"], referencedTable: "plans",
                                        referencedColumns: ["id"])],
    checks: [CheckDeclaration(name: "orders_total_check", expression: "total >= 0")],
    comment: "not rendered by CREATE TABLE")

let wideTableSQL = """
    CREATE TABLE "Orders" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "customer name" varchar(200) COLLATE "C",
        "größe" text COLLATE public.mycoll,
        "status" order_status NOT NULL DEFAULT 'pending',
        "total" numeric(12,2),
        "total_cents" integer GENERATED ALWAYS AS (total * 100) STORED,
        "ref" bigint GENERATED BY DEFAULT AS IDENTITY,
        "tag""s" text[] COLLATE "de-x-icu" NOT NULL DEFAULT '{}',
        CONSTRAINT "Orders_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "orders_""name""_key" UNIQUE ("customer name", "status"),
        CONSTRAINT "orders_ref_key" UNIQUE ("ref"),
        CONSTRAINT "orders_total_check" CHECK (total >= 0)
    )
    """

let renderCases: [RenderCase] = [
    RenderCase(.createSchema, "CREATE SCHEMA {tenant}", "create_schema", .create),

    RenderCase(.createEnum(EnumDeclaration(name: "order_status", values: ["pending", "it's", "on hold", "ünï"])),
               "CREATE TYPE \"order_status\" AS ENUM ('pending', 'it''s', 'on hold', 'ünï')", "create_enum", .create),
    RenderCase(.createEnum(EnumDeclaration(name: awkward, values: ["'", "a\"b", "back\\slash"])),
               "CREATE TYPE \(awkwardQuoted) AS ENUM ('''', 'a\"b', 'back\\slash')", "create_enum", .create),
    RenderCase(.addEnumValue(type: "order_status", value: "refunded", before: nil),
               "ALTER TYPE \"order_status\" ADD VALUE 'refunded'", "add_enum_value", .change),
    RenderCase(.addEnumValue(type: "Order Status", value: "o'clock", before: "it's"),
               "ALTER TYPE \"Order Status\" ADD VALUE 'o''clock' BEFORE 'it''s'", "add_enum_value", .change),
    RenderCase(.dropType(awkward), "DROP TYPE \(awkwardQuoted)", "drop_type", .drop),

    RenderCase(.createTable(wideTable), wideTableSQL, "create_table", .create),
    RenderCase(.createTable(TableDeclaration(name: "t", columns: [ColumnDeclaration(name: "a", type: "integer")])),
               "CREATE TABLE \"t\" (\n    \"a\" integer\n)", "create_table", .create),
    RenderCase(.renameTable(from: "purchases", to: awkward),
               "ALTER TABLE \"purchases\" RENAME TO \(awkwardQuoted)", "rename_table", .change),
    RenderCase(.dropTable(awkward), "DROP TABLE \(awkwardQuoted)", "drop_table", .drop),
    RenderCase(.createTable({
        var t = TableDeclaration(name: "events", columns: [ColumnDeclaration(name: "at", type: "date", nullable: false)])
        t.partitionBy = "RANGE (at)"
        return t
    }()), "CREATE TABLE \"events\" (\n    \"at\" date NOT NULL\n) PARTITION BY RANGE (at)", "create_table", .create),
    RenderCase(.createTable({
        var t = TableDeclaration(name: "cache", columns: [ColumnDeclaration(name: "k", type: "text")])
        t.unlogged = true
        return t
    }()), "CREATE UNLOGGED TABLE \"cache\" (\n    \"k\" text\n)", "create_table", .create),
    RenderCase(.createPartition(table: "events", PartitionDeclaration(
        name: awkward, bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"), defaultPartition: "events_default"),
               "CREATE TABLE \(awkwardQuoted) PARTITION OF \"events\" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
               "create_partition", .create),
    RenderCase(.createPartition(table: awkward, PartitionDeclaration(name: "d", bound: "DEFAULT"), defaultPartition: nil),
               "CREATE TABLE \"d\" PARTITION OF \(awkwardQuoted) DEFAULT", "create_partition", .create),
    RenderCase(.dropPartition(table: "events", name: awkward), "DROP TABLE \(awkwardQuoted)", "drop_partition", .drop),
    RenderCase(.setLogged(table: awkward, logged: true), "ALTER TABLE \(awkwardQuoted) SET LOGGED", "set_logged", .change),
    RenderCase(.setLogged(table: "t", logged: false), "ALTER TABLE \"t\" SET UNLOGGED", "set_logged", .change),
    RenderCase(.commentOnTable("customers", comment: "People who're buying; -- not a comment \\n"),
               "COMMENT ON TABLE \"customers\" IS 'People who''re buying; -- not a comment \\n'",
               "comment_table", .change),
    RenderCase(.commentOnTable(awkward, comment: nil), "COMMENT ON TABLE \(awkwardQuoted) IS NULL",
               "comment_table", .change),
    RenderCase(.commentOnTable("t", comment: ""), "COMMENT ON TABLE \"t\" IS ''", "comment_table", .change),

    RenderCase(.addColumn(table: "customers", ColumnDeclaration(name: "phone", type: "text")),
               "ALTER TABLE \"customers\" ADD COLUMN \"phone\" text", "add_column", .create),
    RenderCase(.addColumn(table: awkward, ColumnDeclaration(name: "Created At", type: "timestamptz", nullable: false,
                                                           defaultExpression: "now()")),
               "ALTER TABLE \(awkwardQuoted) ADD COLUMN \"Created At\" timestamptz NOT NULL DEFAULT now()",
               "add_column", .create),
    RenderCase(.renameColumn(table: "orders", from: "shipped_at", to: awkward),
               "ALTER TABLE \"orders\" RENAME COLUMN \"shipped_at\" TO \(awkwardQuoted)", "rename_column", .change),
    RenderCase(.dropColumn(table: "orders", column: awkward),
               "ALTER TABLE \"orders\" DROP COLUMN \(awkwardQuoted)", "drop_column", .drop),
    RenderCase(.alterColumnType(table: "customers", column: "name", type: "varchar(300)", collation: nil),
               "ALTER TABLE \"customers\" ALTER COLUMN \"name\" TYPE varchar(300)", "alter_column_type", .change),
    RenderCase(.alterColumnType(table: "customers", column: "Name", type: "text", collation: "C"),
               "ALTER TABLE \"customers\" ALTER COLUMN \"Name\" TYPE text COLLATE \"C\"", "alter_column_type",
               .change),
    RenderCase(.alterColumnType(table: "t", column: "c", type: "text", collation: "public.\"My Coll\""),
               "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE text COLLATE public.\"My Coll\"", "alter_column_type",
               .change),
    RenderCase(.setNotNull(table: awkward, column: "email"),
               "ALTER TABLE \(awkwardQuoted) ALTER COLUMN \"email\" SET NOT NULL", "set_not_null", .change),
    RenderCase(.dropNotNull(table: "customers", column: awkward),
               "ALTER TABLE \"customers\" ALTER COLUMN \(awkwardQuoted) DROP NOT NULL", "drop_not_null", .change),
    RenderCase(.setDefault(table: "orders", column: "status", expression: "'pending'::order_status"),
               "ALTER TABLE \"orders\" ALTER COLUMN \"status\" SET DEFAULT 'pending'::order_status", "set_default",
               .change),
    RenderCase(.dropDefault(table: "orders", column: "status"),
               "ALTER TABLE \"orders\" ALTER COLUMN \"status\" DROP DEFAULT", "drop_default", .change),
    RenderCase(.addIdentity(table: "orders", column: "id", .byDefault, sequence: nil),
               "ALTER TABLE \"orders\" ALTER COLUMN \"id\" ADD GENERATED BY DEFAULT AS IDENTITY", "add_identity",
               .change),
    RenderCase(.addIdentity(table: "orders", column: "id", .always, sequence: nil),
               "ALTER TABLE \"orders\" ALTER COLUMN \"id\" ADD GENERATED ALWAYS AS IDENTITY", "add_identity", .change),
    RenderCase(.setIdentity(table: "orders", column: "id", .always),
               "ALTER TABLE \"orders\" ALTER COLUMN \"id\" SET GENERATED ALWAYS", "set_identity", .change),
    RenderCase(.setIdentity(table: "orders", column: "id", .byDefault),
               "ALTER TABLE \"orders\" ALTER COLUMN \"id\" SET GENERATED BY DEFAULT", "set_identity", .change),
    RenderCase(.dropIdentity(table: "orders", column: "id"),
               "ALTER TABLE \"orders\" ALTER COLUMN \"id\" DROP IDENTITY", "drop_identity", .change),
    RenderCase(.dropExpression(table: "orders", column: "total_cents"),
               "ALTER TABLE \"orders\" ALTER COLUMN \"total_cents\" DROP EXPRESSION", "drop_expression", .change),
    RenderCase(.commentOnColumn(table: "customers", column: awkward, comment: "it's the 'e-mail'"),
               "COMMENT ON COLUMN \"customers\".\(awkwardQuoted) IS 'it''s the ''e-mail'''", "comment_column",
               .change),
    RenderCase(.commentOnColumn(table: "customers", column: "email", comment: nil),
               "COMMENT ON COLUMN \"customers\".\"email\" IS NULL", "comment_column", .change),

    RenderCase(.createSequence(name: "orders_id_seq", type: "bigint", ownedByTable: "Orders", column: "id"),
               "CREATE SEQUENCE \"orders_id_seq\" AS bigint OWNED BY \"Orders\".\"id\"", "create_sequence", .create),
    RenderCase(.renameSequence(from: "purchases_id_seq", to: awkward),
               "ALTER SEQUENCE \"purchases_id_seq\" RENAME TO \(awkwardQuoted)", "rename_sequence", .change),
    RenderCase(.alterSequenceType(name: awkward, type: "bigint"),
               "ALTER SEQUENCE \(awkwardQuoted) AS bigint", "alter_sequence_type", .change),
    RenderCase(.dropSequence(awkward), "DROP SEQUENCE \(awkwardQuoted)", "drop_sequence", .drop),
    RenderCase(.continueSequence(name: "t_c2_seq", table: "t", column: awkward, after: "t_c2_seq_tenantplan_old"),
               "SELECT setval('\"t_c2_seq\"', greatest(v, 1), v >= 1) FROM (SELECT greatest((SELECT max(\(awkwardQuoted)) "
                   + "FROM \"t\"), (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
                   + "FROM \"t_c2_seq_tenantplan_old\"), 0) AS v) AS highest", "continue_sequence", .change),
    RenderCase(.continueSequence(name: "it's", table: "t", column: "c", after: nil),
               "SELECT setval('\"it''s\"', greatest(v, 1), v >= 1) FROM (SELECT greatest((SELECT max(\"c\") "
                   + "FROM \"t\"), 0) AS v) AS highest", "continue_sequence", .change),
    RenderCase(.addIdentity(table: "t", column: "c2", .always, sequence: "t_c2_seq"),
               "ALTER TABLE \"t\" ALTER COLUMN \"c2\" ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME \"t_c2_seq\")",
               "add_identity", .change),

    RenderCase(.addConstraint(table: "orders", .primaryKey(KeyDeclaration(name: "orders_pkey", columns: ["id", "Tenant Id"]))),
               "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_pkey\" PRIMARY KEY (\"id\", \"Tenant Id\")",
               "add_constraint", .create),
    RenderCase(.addConstraint(table: "customers", .unique(KeyDeclaration(name: awkward, columns: ["email"]))),
               "ALTER TABLE \"customers\" ADD CONSTRAINT \(awkwardQuoted) UNIQUE (\"email\")", "add_constraint",
               .create),
    RenderCase(.addConstraint(table: "orders", .check(CheckDeclaration(name: "orders_total_check",
                                                                       expression: "total >= 0 AND note <> 'x'"))),
               "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_total_check\" CHECK (total >= 0 AND note <> 'x')",
               "add_constraint", .create),
    RenderCase(.addConstraint(table: "orders", .foreignKey(ForeignKeyDeclaration(
        name: "orders_customer_id_fkey", columns: ["customer_id"], referencedTable: "customers",
        referencedColumns: ["id"], onDelete: .cascade))),
               "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_customer_id_fkey\" FOREIGN KEY (\"customer_id\") REFERENCES \"customers\" (\"id\") ON DELETE CASCADE",
               "add_constraint", .create),
    RenderCase(.addConstraint(table: "orders", .foreignKey(ForeignKeyDeclaration(
        name: "orders_plan_fkey", columns: ["plan_id", "Region"], referencedSchema: "public",
        referencedTable: "Plans", referencedColumns: ["id", "region"], onDelete: .setNull, onUpdate: .noAction))),
               "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_plan_fkey\" FOREIGN KEY (\"plan_id\", \"Region\") REFERENCES \"public\".\"Plans\" (\"id\", \"region\") ON UPDATE NO ACTION ON DELETE SET NULL",
               "add_constraint", .create),
    RenderCase(.addConstraint(table: "a", .foreignKey(ForeignKeyDeclaration(
        name: "a_fk", columns: ["b"], referencedSchema: "sh\"ared", referencedTable: "b", referencedColumns: ["id"],
        onDelete: .setDefault, onUpdate: .restrict))),
               "ALTER TABLE \"a\" ADD CONSTRAINT \"a_fk\" FOREIGN KEY (\"b\") REFERENCES \"sh\"\"ared\".\"b\" (\"id\") ON UPDATE RESTRICT ON DELETE SET DEFAULT",
               "add_constraint", .create),
    RenderCase(.renameConstraint(table: "orders", from: "purchases_pkey", to: awkward),
               "ALTER TABLE \"orders\" RENAME CONSTRAINT \"purchases_pkey\" TO \(awkwardQuoted)", "rename_constraint",
               .change),
    RenderCase(.dropConstraint(table: awkward, name: "orders_total_check"),
               "ALTER TABLE \(awkwardQuoted) DROP CONSTRAINT \"orders_total_check\"", "drop_constraint", .drop),

    RenderCase(.createIndex(table: "customers", IndexDeclaration(name: "customers_created_at_idx", columns: ["created_at"])),
               "CREATE INDEX \"customers_created_at_idx\" ON \"customers\" (\"created_at\")", "create_index", .create),
    RenderCase(.createIndex(table: "customers", IndexDeclaration(
        name: "customers_lower_email_idx", columns: ["lower(email)"], unique: true, predicate: "email is not null")),
               "CREATE UNIQUE INDEX \"customers_lower_email_idx\" ON \"customers\" ((lower(email))) WHERE (email is not null)",
               "create_index", .create),
    RenderCase(.createIndex(table: "orders", IndexDeclaration(
        name: "orders_recent_idx", columns: ["created_at DESC", "  lower(name)   asc   nulls first ", "Total nulls last"])),
               "CREATE INDEX \"orders_recent_idx\" ON \"orders\" (\"created_at\" DESC, (lower(name)) ASC NULLS FIRST, \"Total\" NULLS LAST)",
               "create_index", .create),
    RenderCase(.createIndex(table: "orders", IndexDeclaration(
        name: "orders_customer_idx", columns: ["customer_id"], include: ["total", "Status", awkward])),
               "CREATE INDEX \"orders_customer_idx\" ON \"orders\" (\"customer_id\") INCLUDE (\"total\", \"Status\", \(awkwardQuoted))",
               "create_index", .create),
    RenderCase(.createIndex(table: "orders", IndexDeclaration(name: "orders_tags_idx", columns: ["tags"], method: "gin")),
               "CREATE INDEX \"orders_tags_idx\" ON \"orders\" USING \"gin\" (\"tags\")", "create_index", .create),
    RenderCase(.createIndex(table: awkward, IndexDeclaration(
        name: "everything", columns: ["(a + b) DESC NULLS LAST", "größe"], unique: true, method: "btree",
        predicate: "deleted_at IS NULL AND kind = 'x'", include: ["c"])),
               "CREATE UNIQUE INDEX \"everything\" ON \(awkwardQuoted) USING \"btree\" (((a + b)) DESC NULLS LAST, \"größe\") INCLUDE (\"c\") WHERE (deleted_at IS NULL AND kind = 'x')",
               "create_index", .create),
    RenderCase(.renameIndex(from: "idx_created", to: awkward),
               "ALTER INDEX \"idx_created\" RENAME TO \(awkwardQuoted)", "rename_index", .change),
    RenderCase(.dropIndex(awkward), "DROP INDEX \(awkwardQuoted)", "drop_index", .drop),
    RenderCase(.commentOnIndex(awkward, comment: "it's fast"), "COMMENT ON INDEX \(awkwardQuoted) IS 'it''s fast'",
               "comment_index", .change),
    RenderCase(.commentOnIndex("i", comment: nil), #"COMMENT ON INDEX "i" IS NULL"#, "comment_index", .change),
    RenderCase(.commentOnConstraint(table: awkward, name: "total_positive", comment: "no refunds"),
               "COMMENT ON CONSTRAINT \"total_positive\" ON \(awkwardQuoted) IS 'no refunds'", "comment_constraint", .change),
    RenderCase(.commentOnConstraint(table: "t", name: awkward, comment: nil),
               "COMMENT ON CONSTRAINT \(awkwardQuoted) ON \"t\" IS NULL", "comment_constraint", .change),

    RenderCase(.createFunction(FunctionDeclaration(name: "f", sql: "create function f() returns int language sql as 'select 1'")),
               "create function f() returns int language sql as 'select 1'", "create_function", .create),
    RenderCase(.replaceFunction(FunctionDeclaration(name: "f", sql: "-- create f\n/* create */ Create  function f() returns int language sql as 'select 2'")),
               "-- create f\n/* create */ Create OR REPLACE  function f() returns int language sql as 'select 2'", "replace_function", .change),
    RenderCase(.replaceFunction(FunctionDeclaration(name: "p", sql: "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'select 1'")),
               "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'select 1'", "replace_function", .change),
    RenderCase(.dropFunction(name: awkward, arguments: "a integer, b text", kind: .function),
               "DROP FUNCTION \(awkwardQuoted)(a integer, b text)", "drop_function", .drop),
    RenderCase(.dropFunction(name: "p", arguments: "", kind: .procedure), #"DROP PROCEDURE "p"()"#,
               "drop_function", .drop),
    RenderCase(.dropFunction(name: "total", arguments: "integer", kind: .aggregate),
               #"DROP AGGREGATE "total"(integer)"#, "drop_function", .drop),
    RenderCase(.dropFunction(name: "pct", arguments: "double precision ORDER BY anyelement", kind: .aggregate),
               #"DROP AGGREGATE "pct"(double precision ORDER BY anyelement)"#, "drop_function", .drop),
    RenderCase(.dropFunction(name: "most", arguments: "ORDER BY anyelement", kind: .aggregate),
               #"DROP AGGREGATE "most"(ORDER BY anyelement)"#, "drop_function", .drop),
    // DROP AGGREGATE takes no empty parentheses: an aggregate without arguments is name(*).
    RenderCase(.dropFunction(name: "rows_seen", arguments: "", kind: .aggregate),
               #"DROP AGGREGATE "rows_seen"(*)"#, "drop_function", .drop),
    RenderCase(.commentOnFunction(name: "f", comment: "it's"), "COMMENT ON ROUTINE \"f\" IS 'it''s'",
               "comment_function", .change),
    RenderCase(.createTrigger(table: awkward, TriggerDeclaration(
        name: "t_touch", timing: .before, events: [.insert, .update], forEach: .row, function: "touch",
        when: "NEW.x IS NOT NULL")),
               "CREATE TRIGGER \"t_touch\" BEFORE INSERT OR UPDATE ON \(awkwardQuoted) FOR EACH ROW WHEN (NEW.x IS NOT NULL) EXECUTE FUNCTION \"touch\"()",
               "create_trigger", .create),
    RenderCase(.createTrigger(table: "t", TriggerDeclaration(
        name: "audit", timing: .after, events: [.truncate], forEach: .statement, function: "public.audit")),
               "CREATE TRIGGER \"audit\" AFTER TRUNCATE ON \"t\" FOR EACH STATEMENT EXECUTE FUNCTION \"public\".\"audit\"()",
               "create_trigger", .create),
    RenderCase(.dropTrigger(table: "t", name: awkward), "DROP TRIGGER \(awkwardQuoted) ON \"t\"", "drop_trigger", .drop),
    RenderCase(.commentOnTrigger(table: "t", name: "audit", comment: nil), "COMMENT ON TRIGGER \"audit\" ON \"t\" IS NULL",
               "comment_trigger", .change),
    RenderCase(.dropDependent(DependentState(kind: .view, name: awkward, on: [.init(.table, "t")])),
               "DROP VIEW \(awkwardQuoted)", "drop_dependent", .drop),
    RenderCase(.dropDependent(DependentState(kind: .foreignKey, name: "fk", schema: "tenant b", table: "lines",
                                             on: [.init(.table, "t", column: "id")])),
               "ALTER TABLE \"tenant b\".\"lines\" DROP CONSTRAINT \"fk\"", "drop_dependent", .drop),
    RenderCase(.createIndexConcurrently(table: "orders", IndexDeclaration(name: "orders_ref_key", columns: ["ref"], unique: true)),
               #"CREATE UNIQUE INDEX CONCURRENTLY "orders_ref_key" ON "orders" ("ref")"#, "create_index_concurrently", .create),
    RenderCase(.dropIndexConcurrently(awkward), "DROP INDEX CONCURRENTLY \(awkwardQuoted)", "drop_index_concurrently", .drop),
    RenderCase(.addConstraintNotValid(table: "orders", .check(CheckDeclaration(name: "total_positive", expression: "total > 0"))),
               #"ALTER TABLE "orders" ADD CONSTRAINT "total_positive" CHECK (total > 0) NOT VALID"#,
               "add_constraint_not_valid", .create),
    RenderCase(.validateConstraint(table: awkward, name: awkward),
               "ALTER TABLE \(awkwardQuoted) VALIDATE CONSTRAINT \(awkwardQuoted)", "validate_constraint", .change),
    RenderCase(.addConstraintUsingIndex(table: "orders", name: "orders_pkey", primaryKey: true),
               #"ALTER TABLE "orders" ADD CONSTRAINT "orders_pkey" PRIMARY KEY USING INDEX "orders_pkey""#,
               "add_constraint_using_index", .create),
    RenderCase(.alterConstraintTiming(table: "c", name: "c_fkey", ConstraintTiming(initiallyDeferred: true)),
               #"ALTER TABLE "c" ALTER CONSTRAINT "c_fkey" DEFERRABLE INITIALLY DEFERRED"#, "alter_constraint", .change),
    RenderCase(.setIndexStorage(index: "i", set: ["fillfactor": "70"], reset: []),
               #"ALTER INDEX "i" SET (fillfactor = '70')"#, "set_index_storage", .change),
    RenderCase(.setIndexStorage(index: "i", set: [:], reset: ["fillfactor", "deduplicate_items"]),
               #"ALTER INDEX "i" RESET (deduplicate_items, fillfactor)"#, "set_index_storage", .change),
    RenderCase(.createIndex(table: "accounts", IndexDeclaration(
                   name: "accounts_ref_key", columns: ["ref text_pattern_ops"], unique: true, predicate: "ref <> 'x'",
                   nullsNotDistinct: true, storage: ["fillfactor": "70", "deduplicate_items": "off"])),
               #"CREATE UNIQUE INDEX "accounts_ref_key" ON "accounts" ("ref" text_pattern_ops) NULLS NOT DISTINCT "#
                   + #"WITH (deduplicate_items = 'off', fillfactor = '70') WHERE (ref <> 'x')"#, "create_index", .create),
    RenderCase(.addConstraintUsingIndex(table: "parents", name: "parents_pkey", primaryKey: true, index: "tenantplan_key_parents_pkey"),
               #"ALTER TABLE "parents" ADD CONSTRAINT "parents_pkey" PRIMARY KEY USING INDEX "tenantplan_key_parents_pkey""#,
               "add_constraint_using_index", .create),
    RenderCase(.backfillColumn(table: awkward, column: "Token"),
               "UPDATE \(awkwardQuoted) SET \"Token\" = DEFAULT "
                   + #"WHERE ctid >= $1::tid AND ctid < $2::tid AND "Token" IS NULL"#,
               "backfill_column", .change),
    RenderCase(.fillColumn(table: awkward, column: "Token"),
               "UPDATE \(awkwardQuoted) SET \"Token\" = DEFAULT WHERE \"Token\" IS NULL", "fill_column", .change),
    // Views: the query on a line of its own, as written.
    RenderCase(.createView(ViewDeclaration(name: awkward, query: "SELECT 1 AS x", securityBarrier: true,
                                           checkOption: .local)),
               "CREATE VIEW \(awkwardQuoted) WITH (check_option=local, security_barrier=true) AS\nSELECT 1 AS x",
               "create_view", .create),
    RenderCase(.createView(ViewDeclaration(name: "daily", query: "SELECT 1 AS x", materialized: true,
                                           indexes: [], comment: nil)),
               "CREATE MATERIALIZED VIEW \"daily\" AS\nSELECT 1 AS x", "create_view", .create),
    RenderCase(.replaceView(ViewDeclaration(name: "open_orders", query: "SELECT id FROM orders")),
               "CREATE OR REPLACE VIEW \"open_orders\" AS\nSELECT id FROM orders", "replace_view", .change),
    RenderCase(.dropView(name: awkward, materialized: true), "DROP MATERIALIZED VIEW \(awkwardQuoted)", "drop_view", .drop),
    RenderCase(.commentOnView(name: "open_orders", materialized: false, comment: "it's open"),
               "COMMENT ON VIEW \"open_orders\" IS 'it''s open'", "comment_view", .change),
    RenderCase(.createViewIndex(view: "daily", IndexDeclaration(name: "daily_day", columns: ["day"], unique: true)),
               "CREATE UNIQUE INDEX \"daily_day\" ON \"daily\" (\"day\")", "create_view_index", .create),
    // MARK: Domains
    RenderCase(.createDomain(DomainDeclaration(
                   name: "email", type: "text", nullable: false, defaultExpression: "''", collation: "C",
                   checks: [CheckDeclaration(name: "email_has_at", expression: "VALUE ~ '@'")])),
               #"CREATE DOMAIN "email" AS text COLLATE "C" DEFAULT '' NOT NULL CONSTRAINT "email_has_at" CHECK (VALUE ~ '@')"#,
               "create_domain", .create),
    RenderCase(.dropDomain(awkward), "DROP DOMAIN \(awkwardQuoted)", "drop_domain", .drop),
    RenderCase(.alterDomainDefault(domain: "email", expression: "'x@y'::text"),
               #"ALTER DOMAIN "email" SET DEFAULT 'x@y'::text"#, "alter_domain_default", .change),
    RenderCase(.alterDomainDefault(domain: awkward, expression: nil),
               "ALTER DOMAIN \(awkwardQuoted) DROP DEFAULT", "alter_domain_default", .change),
    RenderCase(.setDomainNotNull(domain: "email", tables: []), #"ALTER DOMAIN "email" SET NOT NULL"#,
               "set_domain_not_null", .change),
    RenderCase(.dropDomainNotNull(domain: "email"), #"ALTER DOMAIN "email" DROP NOT NULL"#, "drop_domain_not_null", .change),
    RenderCase(.addDomainCheck(domain: "email", CheckDeclaration(name: "short", expression: "length(VALUE) < 200"), tables: []),
               #"ALTER DOMAIN "email" ADD CONSTRAINT "short" CHECK (length(VALUE) < 200)"#, "add_domain_check", .create),
    RenderCase(.addDomainCheckNotValid(domain: "email", CheckDeclaration(name: "short", expression: "length(VALUE) < 200")),
               #"ALTER DOMAIN "email" ADD CONSTRAINT "short" CHECK (length(VALUE) < 200) NOT VALID"#,
               "add_domain_check_not_valid", .create),
    RenderCase(.validateDomainCheck(domain: awkward, name: awkward, tables: []),
               "ALTER DOMAIN \(awkwardQuoted) VALIDATE CONSTRAINT \(awkwardQuoted)", "validate_domain_check", .change),
    RenderCase(.dropDomainCheck(domain: "email", name: "short"), #"ALTER DOMAIN "email" DROP CONSTRAINT "short""#,
               "drop_domain_check", .drop),
    RenderCase(.commentOnDomain("email", comment: "it's an address"),
               #"COMMENT ON DOMAIN "email" IS 'it''s an address'"#, "comment_domain", .change),
    // Composite types
    RenderCase(.createCompositeType(CompositeTypeDeclaration(name: awkward, attributes: [
        .init(name: "street", type: "text"), .init(name: awkward, type: "varchar(10)")])),
               "CREATE TYPE \(awkwardQuoted) AS (\n    \"street\" text,\n    \(awkwardQuoted) varchar(10)\n)",
               "create_composite_type", .create),
    RenderCase(.addAttribute(compositeType: "address", name: "zip", type: "character varying(10)"),
               #"ALTER TYPE "address" ADD ATTRIBUTE "zip" character varying(10)"#, "add_attribute", .create),
    RenderCase(.dropAttribute(compositeType: "address", name: "zip"),
               #"ALTER TYPE "address" DROP ATTRIBUTE "zip""#, "drop_attribute", .drop),
    RenderCase(.alterAttributeType(compositeType: "address", name: "zip", type: "text"),
               #"ALTER TYPE "address" ALTER ATTRIBUTE "zip" TYPE text"#, "alter_attribute_type", .change),
    RenderCase(.commentOnCompositeType("address", comment: "where"),
               #"COMMENT ON TYPE "address" IS 'where'"#, "comment_composite_type", .change),
    RenderCase(.dropCompositeType("address"), #"DROP TYPE "address""#, "drop_composite_type", .drop),
    RenderCase(.commentOnEnum("order_status", comment: "it's where"),
               #"COMMENT ON TYPE "order_status" IS 'it''s where'"#, "comment_enum", .change),
    RenderCase(.commentOnEnum("order_status", comment: nil),
               #"COMMENT ON TYPE "order_status" IS NULL"#, "comment_enum", .change),
    // Sequences
    RenderCase(.createStandaloneSequence(SequenceDeclaration(name: "invoice_number")),
               #"CREATE SEQUENCE "invoice_number""#, "create_standalone_sequence", .create),
    RenderCase(.createStandaloneSequence(SequenceDeclaration(
        name: awkward, type: "integer", start: 1000, increment: -2, minValue: -5, maxValue: 5000, cache: 10, cycle: true)),
               "CREATE SEQUENCE \(awkwardQuoted) AS integer INCREMENT BY -2 MINVALUE -5 MAXVALUE 5000 START WITH 1000 CACHE 10 CYCLE",
               "create_standalone_sequence", .create),
    RenderCase(.alterSequence(from: SequenceState(name: "n", cycle: true),
                              to: SequenceState(name: "n", type: "integer", start: 7, maxValue: 2147483647, cache: 5)),
               #"ALTER SEQUENCE "n" AS integer MAXVALUE 2147483647 START WITH 7 CACHE 5 NO CYCLE"#, "alter_sequence", .change),
    RenderCase(.sequenceOwnedBy(name: "n", ownedBy: "invoices.number"),
               #"ALTER SEQUENCE "n" OWNED BY "invoices"."number""#, "sequence_owned_by", .change),
    RenderCase(.sequenceOwnedBy(name: "n", ownedBy: nil), #"ALTER SEQUENCE "n" OWNED BY NONE"#, "sequence_owned_by", .change),
    RenderCase(.commentOnSequence("n", comment: "it's"), #"COMMENT ON SEQUENCE "n" IS 'it''s'"#, "comment_sequence", .change),
    RenderCase(.commentOnSequence("n", comment: nil), #"COMMENT ON SEQUENCE "n" IS NULL"#, "comment_sequence", .change),
] + securityRenderCases

/// Row-level security, policies and grants.
let securityRenderCases: [RenderCase] = [
    RenderCase(.security(.enableRowSecurity(table: "orders", true)),
               #"ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY"#, "enable_row_security", .change),
    RenderCase(.security(.forceRowSecurity(table: "orders", false)),
               #"ALTER TABLE "orders" NO FORCE ROW LEVEL SECURITY"#, "force_row_security", .change),
    RenderCase(.security(.createPolicy(table: "orders", PolicyDeclaration(
        name: awkward, command: .update, permissive: false, roles: [RoleName("app"), RoleName("public")],
        using: "owner = current_user", withCheck: "total > 0"))),
               "CREATE POLICY \(awkwardQuoted) ON \"orders\" AS RESTRICTIVE FOR UPDATE TO \"app\", PUBLIC "
                   + "USING (owner = current_user) WITH CHECK (total > 0)", "create_policy", .create),
    RenderCase(.security(.alterPolicy(table: "orders", PolicyDeclaration(name: "by_owner", using: "true"))),
               #"ALTER POLICY "by_owner" ON "orders" TO PUBLIC USING (true)"#, "alter_policy", .change),
    RenderCase(.security(.dropPolicy(table: "orders", name: "by_owner")),
               #"DROP POLICY "by_owner" ON "orders""#, "drop_policy", .drop),
    RenderCase(.security(.commentOnPolicy(table: "orders", name: "by_owner", comment: "it's")),
               #"COMMENT ON POLICY "by_owner" ON "orders" IS 'it''s'"#, "comment_policy", .change),
    RenderCase(.security(.grant(GrantTarget(.table, "orders"), role: awkward, privileges: ["INSERT", "SELECT"])),
               "GRANT INSERT, SELECT ON TABLE \"orders\" TO \(awkwardQuoted)", "grant", .create),
    RenderCase(.security(.revoke(.schema, role: "public", privileges: ["CREATE"])),
               "REVOKE CREATE ON SCHEMA {tenant} FROM PUBLIC", "revoke", .drop),
    RenderCase(.security(.grantDefault(objects: "tables", role: "app", privileges: ["SELECT"])),
               #"ALTER DEFAULT PRIVILEGES IN SCHEMA {tenant} GRANT SELECT ON TABLES TO "app""#,
               "grant_default_privileges", .create),
    RenderCase(.security(.revokeDefault(objects: "sequences", role: "app", privileges: ["USAGE"])),
               #"ALTER DEFAULT PRIVILEGES IN SCHEMA {tenant} REVOKE USAGE ON SEQUENCES FROM "app""#,
               "revoke_default_privileges", .drop),
]

@Suite("Step rendering")
struct StepSQLTests {
    @Test("renders the exact statement", arguments: renderCases)
    func rendersExactSQL(_ c: RenderCase) {
        #expect(c.step.sql == c.sql)
    }

    @Test("names the operation and its action", arguments: renderCases)
    func namesAndActions(_ c: RenderCase) {
        #expect(c.step.operation.rawValue == c.name)
        #expect(c.step.action == c.action)
        let change = c.step.change()
        #expect(change.op.rawValue == c.name)
        #expect(change.action == c.action)
        #expect(change.sql == c.sql)
        #expect(change.object == c.step.object)
        #expect(change.transactional)
        // Without the Differ's hazards, only what its locks amount to.
        #expect(change.locks == c.step.locks(hazards: []))
        #expect(change.hazards == Hazard.of(change.locks))
    }

    @Test("every Step case is rendered by a test")
    func everyCaseCovered() {
        #expect(Set(renderCases.map { caseName($0.step) }).count == allStepCaseCount)
        // Plan files store these names: they must stay distinct.
        #expect(Set(renderCases.map(\.name)).count == allStepCaseCount)
    }

    @Test("a change sorts its hazards into a stable order")
    func hazardsSorted() {
        let change = Step.dropColumn(table: "t", column: "c").change(hazards: [.dropsUnmanagedObject, .dataLoss])
        #expect(change.hazards == [.dataLoss, .dropsUnmanagedObject])
        #expect(change.isDestructive)
        #expect(!Step.setNotNull(table: "t", column: "c").change(hazards: [.longLock, .mayFailOnExistingData]).isDestructive)
        #expect(Step.dropIndex("i").change(hazards: [.dropsUnmanagedObject]).isDestructive)
    }

    @Test("objects name what changes, for people")
    func objects() {
        #expect(Step.createSchema.object == "schema")
        #expect(Step.createTable(Shop.customers).object == "table customers")
        #expect(Step.renameTable(from: "purchases", to: "orders").object == "table purchases → orders")
        #expect(Step.addColumn(table: "customers", ColumnDeclaration(name: "phone", type: "text")).object
            == "column customers.phone")
        #expect(Step.addEnumValue(type: "order_status", value: "refunded", before: nil).object
            == "enum order_status value 'refunded'")
        #expect(Step.alterColumnType(table: "t", column: "c", type: "bigint", collation: nil).object
            == "column t.c type bigint")
        #expect(Step.addConstraint(table: "orders", .check(CheckDeclaration(name: "k", expression: "true"))).object
            == "constraint k on orders")
        #expect(Step.createIndex(table: "orders", IndexDeclaration(name: "i", columns: ["a"])).object
            == "index i on orders")
        #expect(Step.dropSequence("s").object == "sequence s")
    }

    /// A name whose `"` the quoting must double even when Unicode joins it with a
    /// neighbouring scalar into one `Character` (U+0600 is a grapheme "prepend"
    /// scalar; U+0301 a combining mark). PostgreSQL reads bytes, not graphemes: an
    /// undoubled `"` ends the identifier and the rest of the name becomes SQL.
    @Test("quoting doubles a quote that Unicode joins into one Character")
    func quotingIsByScalarNotByGrapheme() {
        let hostile = "abc\u{600}\"; DROP TABLE x; --"
        let quotedHostile = "\"abc\u{600}\"\"; DROP TABLE x; --\""
        let combining = "a\"\u{301}b"
        let literal = "it'\u{301}s"
        #expect(Array(Step.dropTable(hostile).sql.unicodeScalars)
            == Array("DROP TABLE \(quotedHostile)".unicodeScalars))
        #expect(Array(Step.dropTable(combining).sql.unicodeScalars)
            == Array("DROP TABLE \"a\"\"\u{301}b\"".unicodeScalars))
        #expect(Array(Step.commentOnTable("t", comment: literal).sql.unicodeScalars)
            == Array("COMMENT ON TABLE \"t\" IS 'it''\u{301}s'".unicodeScalars))
    }
}

@Suite("Index elements")
struct IndexElementTests {
    @Test("split separates a trailing ordering", arguments: [
        ("created_at", "created_at", ""),
        ("created_at DESC", "created_at", "DESC"),
        ("created_at desc", "created_at", "DESC"),
        ("created_at asc", "created_at", "ASC"),
        ("lower(email) DESC NULLS LAST", "lower(email)", "DESC NULLS LAST"),
        ("lower(email)   desc   nulls   first", "lower(email)", "DESC NULLS FIRST"),
        ("name ASC NULLS FIRST", "name", "ASC NULLS FIRST"),
        ("name ASC NULLS LAST", "name", "ASC NULLS LAST"),
        ("name NULLS FIRST", "name", "NULLS FIRST"),
        ("name nulls last", "name", "NULLS LAST"),
        ("  padded  ", "padded", ""),
        ("(a + b)", "(a + b)", ""),
        ("(a + b) DESC", "(a + b)", "DESC"),
        // Words that end like an ordering but are not one stay whole.
        ("description", "description", ""),
        ("nulls", "nulls", ""),
        ("DESC", "DESC", ""),
        ("lower(x)desc", "lower(x)desc", ""),
    ])
    func split(_ input: String, _ body: String, _ ordering: String) {
        let result = IndexElement.split(input)
        #expect(result.body == body)
        #expect(result.ordering == ordering)
    }

    @Test("isPlainName accepts bare names only", arguments: [
        ("created_at", true),
        ("CreatedAt", true),
        ("größe", true),
        ("_x", true),
        ("a$1", true),
        ("c2", true),
        ("日本", true),
        ("", false),
        ("2c", false),
        ("lower(email)", false),
        ("a b", false),
        ("a.b", false),
        ("a\"b", false),
        ("\"quoted\"", false),
        ("a-b", false),
        ("(a)", false),
        ("a::text", false),
    ])
    func isPlainName(_ text: String, _ plain: Bool) {
        #expect(IndexElement.isPlainName(text) == plain)
    }

    @Test("an element renders quoted when plain, parenthesised when an expression")
    func rendering() {
        #expect(Step.indexElement("created_at") == "\"created_at\"")
        #expect(Step.indexElement("CreatedAt desc") == "\"CreatedAt\" DESC")
        #expect(Step.indexElement("lower(email)") == "(lower(email))")
        #expect(Step.indexElement("lower(email) DESC NULLS LAST") == "(lower(email)) DESC NULLS LAST")
        #expect(Step.indexElement("\"Weird Name\"") == "(\"Weird Name\")")
    }
}
