import Testing
import Plan
import State

@Suite("Differ: columns")
struct DifferColumnTests {
    @Test("an added column is added, with a hazard when existing rows cannot satisfy it")
    func addColumn() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint"),
                       ColumnDeclaration(name: "note", type: "text", comment: "Free text"),
                       ColumnDeclaration(name: "sku", type: "text", nullable: false),
                       ColumnDeclaration(name: "qty", type: "integer", nullable: false, defaultExpression: "1"),
                       ColumnDeclaration(name: "n", type: "bigint", identity: .always),
                       ColumnDeclaration(name: "s", type: "bigserial", nullable: false)],
            want: [ColumnState(name: "id", type: "bigint"),
                   ColumnState(name: "note", type: "text", comment: "Free text"),
                   ColumnState(name: "sku", type: "text", notNull: true),
                   ColumnState(name: "qty", type: "integer", notNull: true, defaultExpression: "1"),
                   ColumnState(name: "n", type: "bigint", notNull: true, identity: .always),
                   ColumnState(name: "s", type: "bigint", notNull: true,
                               defaultExpression: "nextval('items_s_seq'::regclass)", ownedSequence: "items_s_seq")],
            have: [ColumnState(name: "id", type: "bigint")])
        let diff = t.diff()
        #expect(diff.sql == [
            "ALTER TABLE \"items\" ADD COLUMN \"note\" text",
            "ALTER TABLE \"items\" ADD COLUMN \"sku\" text NOT NULL",
            "ALTER TABLE \"items\" ADD COLUMN \"qty\" integer NOT NULL DEFAULT 1",
            "ALTER TABLE \"items\" ADD COLUMN \"n\" bigint GENERATED ALWAYS AS IDENTITY",
            "ALTER TABLE \"items\" ADD COLUMN \"s\" bigserial NOT NULL",
            "COMMENT ON COLUMN \"items\".\"note\" IS 'Free text'",
        ])
        #expect(diff.changes.map(\.hazards) == [[], [.mayFailOnExistingData], [], [], [], []])
        #expect(diff.held.isEmpty)
        #expect(diff.expected == t.desired.normalized())
    }

    @Test("an undeclared column is held without --allow-destructive, dropped with it")
    func dropColumn() {
        let legacy = ColumnState(name: "legacy", type: "text", comment: "old")
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint")],
            want: [ColumnState(name: "id", type: "bigint")],
            have: [legacy, ColumnState(name: "id", type: "bigint")])

        let held = t.diff()
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "column items.legacy",
            reason: "column items.legacy is not in schema.yaml; dropping it loses its data; plan with --allow column:items.legacy to allow it",
            sql: "ALTER TABLE \"items\" DROP COLUMN \"legacy\"", undeclared: true)])
        // The tenant keeps the column: the expected state is the desired one plus it.
        let kept = t.desired.editing("items") { $0.columns.append(legacy) }
        #expect(held.expected == kept.normalized())
        #expect(held.expected.fingerprint == t.actual.fingerprint)

        let dropped = t.diff(allowDestructive: true)
        #expect(dropped.sql == ["ALTER TABLE \"items\" DROP COLUMN \"legacy\""])
        #expect(dropped.changes[0].hazards == [.dataLoss, .dropsUnmanagedObject])
        #expect(dropped.changes[0].action == .drop)
        #expect(dropped.held.isEmpty)
        #expect(dropped.expected == t.desired.normalized())
    }

    @Test("widening a varchar needs no rewrite")
    func varcharWidening() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "name", type: "varchar(200)")],
            want: [ColumnState(name: "name", type: "character varying(200)")],
            have: [ColumnState(name: "name", type: "character varying(100)")])
        let diff = t.diff()
        #expect(diff.sql == ["ALTER TABLE \"items\" ALTER COLUMN \"name\" TYPE varchar(200)"])
        #expect(diff.changes[0].hazards == [])
        #expect(diff.held.isEmpty)
        #expect(diff.expected == t.desired.normalized())
    }

    @Test("integer to bigint rewrites the table; a default is dropped around the type change")
    func integerToBigint() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "qty", type: "int8", nullable: false, defaultExpression: "0")],
            want: [ColumnState(name: "qty", type: "bigint", notNull: true, defaultExpression: "0")],
            have: [ColumnState(name: "qty", type: "integer", notNull: true, defaultExpression: "0")])
        let diff = t.diff()
        #expect(diff.sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"qty\" DROP DEFAULT",
            "ALTER TABLE \"items\" ALTER COLUMN \"qty\" TYPE int8",
            "ALTER TABLE \"items\" ALTER COLUMN \"qty\" SET DEFAULT 0",
        ])
        #expect(diff.changes.map(\.hazards) == [[], [.tableRewrite], []])
        #expect(diff.held.isEmpty)
    }

    @Test("a narrowing type change is held without --allow-destructive, planned with it")
    func narrowing() {
        let original = ColumnState(name: "qty", type: "bigint", comment: "how many")
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "qty", type: "integer", nullable: false)],
            want: [ColumnState(name: "qty", type: "integer", notNull: true)],
            have: [original])

        let held = t.diff()
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "column items.qty",
            reason: "changing items.qty from bigint to integer may lose or alter data; plan with --allow type_change:items.qty to allow it",
            sql: "ALTER TABLE \"items\" ALTER COLUMN \"qty\" TYPE integer")])
        // The whole column stays as it is, not only its type.
        #expect(held.expected == t.actual.normalized())

        let planned = t.diff(allowDestructive: true)
        #expect(planned.sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"qty\" TYPE integer",
            "ALTER TABLE \"items\" ALTER COLUMN \"qty\" SET NOT NULL",
            "COMMENT ON COLUMN \"items\".\"qty\" IS NULL",
        ])
        #expect(planned.changes[0].hazards == [.dataLoss, .tableRewrite, .mayFailOnExistingData])
        #expect(planned.changes[0].isDestructive)
        #expect(planned.held.isEmpty)
        #expect(planned.expected == t.desired.normalized())
    }

    @Test("a collation change alters the type in place and takes a long lock")
    func collation() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "name", type: "text", collation: "C")],
            want: [ColumnState(name: "name", type: "text", collation: "\"C\"")],
            have: [ColumnState(name: "name", type: "text")])
        let diff = t.diff()
        #expect(diff.sql == ["ALTER TABLE \"items\" ALTER COLUMN \"name\" TYPE text COLLATE \"C\""])
        #expect(diff.changes[0].hazards == [.longLock])

        // Back to the default collation: no COLLATE clause.
        let back = ItemsTable(
            declared: [ColumnDeclaration(name: "name", type: "text")],
            want: [ColumnState(name: "name", type: "text")],
            have: [ColumnState(name: "name", type: "text", collation: "\"C\"")])
        #expect(back.diff().sql == ["ALTER TABLE \"items\" ALTER COLUMN \"name\" TYPE text"])
    }

    @Test("nullability is set and dropped")
    func nullability() {
        let set = ItemsTable(
            declared: [ColumnDeclaration(name: "email", type: "text", nullable: false)],
            want: [ColumnState(name: "email", type: "text", notNull: true)],
            have: [ColumnState(name: "email", type: "text")])
        let diff = set.diff()
        #expect(diff.sql == ["ALTER TABLE \"items\" ALTER COLUMN \"email\" SET NOT NULL"])
        #expect(diff.changes[0].hazards == [.longLock, .mayFailOnExistingData])
        #expect(!diff.changes[0].isDestructive)
        #expect(diff.expected == set.desired.normalized())

        let drop = ItemsTable(
            declared: [ColumnDeclaration(name: "email", type: "text")],
            want: [ColumnState(name: "email", type: "text")],
            have: [ColumnState(name: "email", type: "text", notNull: true)])
        #expect(drop.diff().sql == ["ALTER TABLE \"items\" ALTER COLUMN \"email\" DROP NOT NULL"])
        #expect(drop.diff().changes[0].hazards == [])
    }

    @Test("defaults are set, changed and dropped in the server's canonical text")
    func defaults() {
        let set = ItemsTable(
            declared: [ColumnDeclaration(name: "at", type: "timestamptz", defaultExpression: "now()")],
            want: [ColumnState(name: "at", type: "timestamp with time zone", defaultExpression: "now()")],
            have: [ColumnState(name: "at", type: "timestamp with time zone")])
        #expect(set.diff().sql == ["ALTER TABLE \"items\" ALTER COLUMN \"at\" SET DEFAULT now()"])
        #expect(set.diff().changes[0].hazards == [])

        let changed = ItemsTable(
            declared: [ColumnDeclaration(name: "status", type: "order_status", defaultExpression: "'paid'")],
            want: [ColumnState(name: "status", type: "order_status", defaultExpression: "'paid'::order_status")],
            have: [ColumnState(name: "status", type: "order_status", defaultExpression: "'pending'::order_status")])
        #expect(changed.diff().sql == ["ALTER TABLE \"items\" ALTER COLUMN \"status\" SET DEFAULT 'paid'::order_status"])

        let dropped = ItemsTable(
            declared: [ColumnDeclaration(name: "at", type: "timestamptz")],
            want: [ColumnState(name: "at", type: "timestamp with time zone")],
            have: [ColumnState(name: "at", type: "timestamp with time zone", defaultExpression: "now()")])
        #expect(dropped.diff().sql == ["ALTER TABLE \"items\" ALTER COLUMN \"at\" DROP DEFAULT"])
        #expect(dropped.diff().expected == dropped.desired.normalized())
    }

    @Test("adding an identity drops the default first and sets NOT NULL")
    func addIdentity() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint", identity: .always)],
            want: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .always,
                               identitySequence: "items_id_seq")],
            have: [ColumnState(name: "id", type: "bigint", defaultExpression: "0")])
        let diff = t.diff()
        // The identity continues after the values the column holds (computed when it runs).
        #expect(diff.sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"id\" DROP DEFAULT",
            "ALTER TABLE \"items\" ALTER COLUMN \"id\" SET NOT NULL",
            "ALTER TABLE \"items\" ALTER COLUMN \"id\" ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME \"items_id_seq\")",
            "SELECT setval('\"items_id_seq\"', greatest(v, 1), v >= 1) FROM (SELECT greatest((SELECT max(\"id\") "
                + "FROM \"items\"), 0) AS v) AS highest",
        ])
        // No index leads with id: max() reads every row under the identity's ACCESS EXCLUSIVE.
        #expect(diff.changes.map(\.hazards) == [[], [.longLock, .mayFailOnExistingData], [], [.longLock]])
        #expect(diff.expected == t.desired.normalized())

        // Already NOT NULL, no default: the identity alone.
        let plain = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint", identity: .byDefault)],
            want: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .byDefault)],
            have: [ColumnState(name: "id", type: "bigint", notNull: true)])
        #expect(plain.diff().sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"id\" ADD GENERATED BY DEFAULT AS IDENTITY",
            "SELECT setval('\"items_id_seq\"', greatest(v, 1), v >= 1) FROM (SELECT greatest((SELECT max(\"id\") "
                + "FROM \"items\"), 0) AS v) AS highest",
        ])
    }

    @Test("an identity is dropped, keeping or dropping NOT NULL as declared")
    func dropIdentity() {
        let keepNotNull = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint", nullable: false)],
            want: [ColumnState(name: "id", type: "bigint", notNull: true)],
            have: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .always)])
        #expect(keepNotNull.diff().sql == ["ALTER TABLE \"items\" ALTER COLUMN \"id\" DROP IDENTITY"])

        let nullable = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint")],
            want: [ColumnState(name: "id", type: "bigint")],
            have: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .byDefault)])
        #expect(nullable.diff().sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"id\" DROP IDENTITY",
            "ALTER TABLE \"items\" ALTER COLUMN \"id\" DROP NOT NULL",
        ])
    }

    @Test("an identity switches between ALWAYS and BY DEFAULT in place")
    func switchIdentity() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "id", type: "bigint", identity: .byDefault)],
            want: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .byDefault)],
            have: [ColumnState(name: "id", type: "bigint", notNull: true, identity: .always)])
        let diff = t.diff()
        #expect(diff.sql == ["ALTER TABLE \"items\" ALTER COLUMN \"id\" SET GENERATED BY DEFAULT"])
        #expect(diff.changes[0].hazards == [])
        #expect(diff.expected == t.desired.normalized())
    }

    @Test("a changed generated expression drops and re-adds the column")
    func generatedChanged() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "price", type: "integer"),
                       ColumnDeclaration(name: "doubled", type: "integer", generated: "price * 3",
                                         comment: "three times")],
            want: [ColumnState(name: "price", type: "integer"),
                   ColumnState(name: "doubled", type: "integer", generated: "price * 3", comment: "three times")],
            have: [ColumnState(name: "price", type: "integer"),
                   ColumnState(name: "doubled", type: "integer", generated: "price * 2", comment: "three times")])
        let diff = t.diff()
        #expect(diff.sql == [
            "ALTER TABLE \"items\" DROP COLUMN \"doubled\"",
            "ALTER TABLE \"items\" ADD COLUMN \"doubled\" integer GENERATED ALWAYS AS (price * 3) STORED",
            // The comment went with the dropped column.
            "COMMENT ON COLUMN \"items\".\"doubled\" IS 'three times'",
        ])
        #expect(diff.changes.map(\.hazards) == [[.tableRewrite], [.tableRewrite], []])
        // Generated values are recomputed: nothing is lost, so nothing is held.
        #expect(diff.held.isEmpty)
        #expect(diff.expected == t.desired.normalized())
    }

    /// `DROP COLUMN` also drops the indexes and constraints that use the column,
    /// so re-adding a generated column must re-create them, or the tenant never
    /// reaches the expected state (apply's verification then rolls it back).
    @Test("re-adding a generated column re-creates its indexes")
    func generatedChangedWithIndex() {
        let declaration = Declaration(file: "schema.yaml", tables: [TableDeclaration(
            name: "items",
            columns: [ColumnDeclaration(name: "price", type: "integer"),
                      ColumnDeclaration(name: "doubled", type: "integer", generated: "price * 3")],
            indexes: [IndexDeclaration(name: "items_doubled_idx", columns: ["doubled"])])])
        let desired = SchemaState(tables: [TableState(
            name: "items",
            columns: [ColumnState(name: "price", type: "integer"),
                      ColumnState(name: "doubled", type: "integer", generated: "price * 3")],
            indexes: [IndexState(name: "items_doubled_idx", definition: "USING btree (doubled)")])])
        let actual = desired.editing("items") { $0.editColumn("doubled") { $0.generated = "price * 2" } }
        let diff = Differ(declaration: declaration, desired: desired).diff(actual: actual)
        #expect(diff.sql == [
            "DROP INDEX \"items_doubled_idx\"",
            "ALTER TABLE \"items\" DROP COLUMN \"doubled\"",
            "ALTER TABLE \"items\" ADD COLUMN \"doubled\" integer GENERATED ALWAYS AS (price * 3) STORED",
            "CREATE INDEX \"items_doubled_idx\" ON \"items\" (\"doubled\")",
        ])
    }

    @Test("a generated column made plain keeps its values")
    func generatedToPlain() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "doubled", type: "integer")],
            want: [ColumnState(name: "doubled", type: "integer")],
            have: [ColumnState(name: "doubled", type: "integer", generated: "price * 2")])
        let diff = t.diff()
        #expect(diff.sql == ["ALTER TABLE \"items\" ALTER COLUMN \"doubled\" DROP EXPRESSION"])
        #expect(diff.ops == ["drop_expression"])
        #expect(diff.changes[0].hazards == [])
        #expect(diff.expected == t.desired.normalized())
    }

    @Test("a plain column made generated loses its values: held without --allow-destructive")
    func plainToGenerated() {
        let original = ColumnState(name: "doubled", type: "integer")
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "doubled", type: "integer", generated: "price * 2")],
            want: [ColumnState(name: "doubled", type: "integer", generated: "price * 2")],
            have: [original])
        let held = t.diff()
        #expect(held.changes.isEmpty)
        #expect(held.held == [HeldChange(
            object: "column items.doubled",
            reason: "column items.doubled becomes generated; its stored values are replaced; plan with --allow column:items.doubled to allow it",
            sql: "ALTER TABLE \"items\" DROP COLUMN \"doubled\"")])
        #expect(held.expected == t.actual.normalized())

        let planned = t.diff(allowDestructive: true)
        #expect(planned.sql == [
            "ALTER TABLE \"items\" DROP COLUMN \"doubled\"",
            "ALTER TABLE \"items\" ADD COLUMN \"doubled\" integer GENERATED ALWAYS AS (price * 2) STORED",
        ])
        #expect(planned.changes.map(\.hazards) == [[.dataLoss, .tableRewrite], [.tableRewrite]])
        #expect(planned.expected == t.desired.normalized())
    }

    @Test("column comments are set, changed and removed")
    func columnComments() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "a", type: "text", comment: "it's new"),
                       ColumnDeclaration(name: "b", type: "text")],
            want: [ColumnState(name: "a", type: "text", comment: "it's new"), ColumnState(name: "b", type: "text")],
            have: [ColumnState(name: "a", type: "text", comment: "old"), ColumnState(name: "b", type: "text", comment: "x")])
        let diff = t.diff()
        #expect(diff.sql == [
            "COMMENT ON COLUMN \"items\".\"a\" IS 'it''s new'",
            "COMMENT ON COLUMN \"items\".\"b\" IS NULL",
        ])
        #expect(diff.ops == ["comment_column", "comment_column"])
        #expect(diff.expected == t.desired.normalized())
    }

    @Test("a plain integer column becomes serial: sequence first, then its default")
    func becomesSerial() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "serial", nullable: false)],
            want: [ColumnState(name: "n", type: "integer", notNull: true,
                               defaultExpression: "nextval('items_n_seq'::regclass)", ownedSequence: "items_n_seq")],
            have: [ColumnState(name: "n", type: "integer", notNull: true)])
        #expect(t.diff().sql == [
            "CREATE SEQUENCE \"items_n_seq\" AS integer OWNED BY \"items\".\"n\"",
            "SELECT setval('\"items_n_seq\"', greatest(v, 1), v >= 1) FROM (SELECT greatest((SELECT max(\"n\") "
                + "FROM \"items\"), 0) AS v) AS highest",
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" SET DEFAULT nextval('items_n_seq'::regclass)",
        ])
    }

    @Test("serial to bigserial widens the column and its sequence; a narrower sequence may fail on its values")
    func serialSequenceType() {
        let seq = "nextval('items_n_seq'::regclass)"
        let wider = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "bigserial", nullable: false)],
            want: [ColumnState(name: "n", type: "bigint", notNull: true, defaultExpression: seq,
                               ownedSequence: "items_n_seq", ownedSequenceType: "bigint")],
            have: [ColumnState(name: "n", type: "integer", notNull: true, defaultExpression: seq,
                               ownedSequence: "items_n_seq", ownedSequenceType: "integer")])
        #expect(wider.diff().sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" DROP DEFAULT",
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" TYPE bigint",
            "ALTER SEQUENCE \"items_n_seq\" AS bigint",
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" SET DEFAULT \(seq)",
        ])
        #expect(wider.diff().expected == wider.desired.normalized())

        let narrower = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "serial", nullable: false)],
            want: [ColumnState(name: "n", type: "integer", notNull: true, defaultExpression: seq,
                               ownedSequence: "items_n_seq", ownedSequenceType: "integer")],
            have: [ColumnState(name: "n", type: "integer", notNull: true, defaultExpression: seq,
                               ownedSequence: "items_n_seq", ownedSequenceType: "bigint")])
        #expect(narrower.diff().sql == ["ALTER SEQUENCE \"items_n_seq\" AS integer"])
        #expect(narrower.diff().changes.map(\.hazards) == [[.mayFailOnExistingData]])
    }

    @Test("a serial column's sequence is renamed with it")
    func serialSequenceRenamed() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "serial", nullable: false)],
            want: [ColumnState(name: "n", type: "integer", notNull: true,
                               defaultExpression: "nextval('items_n_seq'::regclass)", ownedSequence: "items_n_seq")],
            have: [ColumnState(name: "n", type: "integer", notNull: true,
                               defaultExpression: "nextval('things_n_seq'::regclass)", ownedSequence: "things_n_seq")])
        // The default names the sequence by oid and follows the rename: no SET DEFAULT.
        #expect(t.diff().sql == ["ALTER SEQUENCE \"things_n_seq\" RENAME TO \"items_n_seq\""])
        #expect(t.diff().ops == ["rename_sequence"])
    }

    @Test("a serial column made plain loses its default before its sequence")
    func serialToPlain() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "integer", nullable: false)],
            want: [ColumnState(name: "n", type: "integer", notNull: true)],
            have: [ColumnState(name: "n", type: "integer", notNull: true,
                               defaultExpression: "nextval('items_n_seq'::regclass)", ownedSequence: "items_n_seq")])
        #expect(t.diff().sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" DROP DEFAULT",
            "DROP SEQUENCE \"items_n_seq\"",
        ])
    }

    /// The default uses the sequence: it must go before `DROP SEQUENCE`, which
    /// PostgreSQL refuses while a default depends on the sequence.
    @Test("a serial column given another default drops the old default before its sequence")
    func serialToOtherDefault() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "integer", nullable: false, defaultExpression: "0")],
            want: [ColumnState(name: "n", type: "integer", notNull: true, defaultExpression: "0")],
            have: [ColumnState(name: "n", type: "integer", notNull: true,
                               defaultExpression: "nextval('items_n_seq'::regclass)", ownedSequence: "items_n_seq")])
        #expect(t.diff().sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" DROP DEFAULT",
            "DROP SEQUENCE \"items_n_seq\"",
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" SET DEFAULT 0",
        ])
    }

    /// `serial`/`bigserial` exist only in CREATE TABLE and ADD COLUMN; `ALTER
    /// COLUMN ... TYPE bigserial` fails with `type "bigserial" does not exist`.
    @Test("serial to bigserial alters the column to bigint")
    func serialToBigserial() {
        let t = ItemsTable(
            declared: [ColumnDeclaration(name: "n", type: "bigserial", nullable: false)],
            want: [ColumnState(name: "n", type: "bigint", notNull: true,
                               defaultExpression: "nextval('items_n_seq'::regclass)", ownedSequence: "items_n_seq")],
            have: [ColumnState(name: "n", type: "integer", notNull: true,
                               defaultExpression: "nextval('items_n_seq'::regclass)", ownedSequence: "items_n_seq")])
        let diff = t.diff()
        #expect(diff.sql == [
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" DROP DEFAULT",
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" TYPE bigint",
            "ALTER TABLE \"items\" ALTER COLUMN \"n\" SET DEFAULT nextval('items_n_seq'::regclass)",
        ])
        #expect(diff.changes.map(\.hazards) == [[], [.tableRewrite], []])
        #expect(diff.expected == t.desired.normalized())
    }
}
