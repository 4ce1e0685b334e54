import Testing
import Plan
import State

/// The pure diff of standalone sequences: exact statements, order and what is held back.
@Suite("Differ: sequences")
struct DifferSequenceTests {
    static let number = SequenceDeclaration(name: "invoice_number", type: "bigint", start: 1000,
                                            ownedBy: "invoices.number", comment: "next one")
    static let numberState = SequenceState(name: "invoice_number", start: 1000, ownedBy: "invoices.number",
                                           comment: "next one")
    static let invoices = TableDeclaration(name: "invoices", columns: [
        ColumnDeclaration(name: "number", type: "bigint", defaultExpression: "nextval('invoice_number')")])
    static let invoicesState = TableState(name: "invoices", columns: [
        ColumnState(name: "number", type: "bigint", defaultExpression: "nextval('invoice_number'::regclass)")])

    static func declaration(_ sequences: [SequenceDeclaration] = [Self.number]) -> Declaration {
        var d = Declaration(file: "schema.yaml", tables: [Self.invoices])
        d.sequences = sequences
        return d
    }

    static func diff(_ declaration: Declaration, desired: SchemaState, actual: SchemaState,
                     policy: DestructivePolicy = .none) -> Diff {
        Differ(declaration: declaration, desired: desired, policy: policy).diff(actual: actual)
    }

    @Test func newTenantCreatesTheSequenceBeforeTheTableAndOwnsItAfter() {
        #expect(Differ.creation(of: Self.declaration()).map(\.sql) == [
            #"CREATE SEQUENCE "invoice_number" AS bigint START WITH 1000"#,
            "CREATE TABLE \"invoices\" (\n    \"number\" bigint DEFAULT nextval('invoice_number')\n)",
            #"ALTER SEQUENCE "invoice_number" OWNED BY "invoices"."number""#,
            #"COMMENT ON SEQUENCE "invoice_number" IS 'next one'"#,
        ])
    }

    @Test func inSyncPlansNothing() {
        let state = SchemaState(tables: [Self.invoicesState], sequences: [Self.numberState])
        let diff = Self.diff(Self.declaration(), desired: state, actual: state)
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }

    @Test func newSequenceForAnExistingTable() {
        let desired = SchemaState(tables: [Self.invoicesState], sequences: [Self.numberState])
        let actual = SchemaState(tables: [TableState(name: "invoices", columns: [ColumnState(name: "number", type: "bigint")])])
        let diff = Self.diff(Self.declaration(), desired: desired, actual: actual)
        #expect(diff.sql == [
            #"CREATE SEQUENCE "invoice_number" AS bigint START WITH 1000"#,
            #"ALTER TABLE "invoices" ALTER COLUMN "number" SET DEFAULT nextval('invoice_number'::regclass)"#,
            #"ALTER SEQUENCE "invoice_number" OWNED BY "invoices"."number""#,
            #"COMMENT ON SEQUENCE "invoice_number" IS 'next one'"#,
        ])
        #expect(diff.changes.allSatisfy { $0.hazards.isEmpty })
        // The new sequence has no user yet: only the existing table's locks are claimed.
        #expect(diff.changes.map(\.locks) == [[], [RelationLock("invoices", .accessExclusive)],
                                               [RelationLock("invoices", .accessShare)], []])
        #expect(diff.expected == desired.normalized())
    }

    @Test func optionsChangeInPlaceAndOnlyThoseThatDiffer() {
        var want = Self.numberState
        want.increment = 5
        want.cache = 10
        want.cycle = true
        var current = Self.numberState
        current.start = 1
        want.start = 1
        let diff = Self.diff(Self.declaration(), desired: SchemaState(tables: [Self.invoicesState], sequences: [want]),
                             actual: SchemaState(tables: [Self.invoicesState], sequences: [current]))
        #expect(diff.sql == [#"ALTER SEQUENCE "invoice_number" INCREMENT BY 5 CACHE 10 CYCLE"#])
        // SHARE ROW EXCLUSIVE on the sequence: nextval waits until the commit
        // (LockLevelTests.sequenceLocks); catalog only, so no hazard.
        #expect(diff.changes[0].hazards.isEmpty)
        #expect(diff.changes[0].locks == [RelationLock("invoice_number", .shareRowExclusive)])
    }

    @Test func narrowerBoundsMayFailOnValuesHandedOut() {
        var want = Self.numberState
        want.type = "integer"
        want.maxValue = Int64(Int32.max)
        let diff = Self.diff(Self.declaration(), desired: SchemaState(tables: [Self.invoicesState], sequences: [want]),
                             actual: SchemaState(tables: [Self.invoicesState], sequences: [Self.numberState]))
        #expect(diff.sql == [#"ALTER SEQUENCE "invoice_number" AS integer MAXVALUE 2147483647"#])
        #expect(diff.changes[0].hazards == [.mayFailOnExistingData])
    }

    @Test func ownerAndCommentChanges() {
        var current = Self.numberState
        current.ownedBy = "old.n"
        current.comment = nil
        let diff = Self.diff(Self.declaration(),
                             desired: SchemaState(tables: [Self.invoicesState], sequences: [Self.numberState]),
                             actual: SchemaState(tables: [Self.invoicesState], sequences: [current]))
        #expect(diff.sql == [
            #"ALTER SEQUENCE "invoice_number" OWNED BY NONE"#,
            #"ALTER SEQUENCE "invoice_number" OWNED BY "invoices"."number""#,
            #"COMMENT ON SEQUENCE "invoice_number" IS 'next one'"#,
        ])
        #expect(diff.changes.map(\.locks) == [
            [RelationLock("invoice_number", .shareRowExclusive)],
            [RelationLock("invoice_number", .shareRowExclusive), RelationLock("invoices", .accessShare)],
            [RelationLock("invoice_number", .shareUpdateExclusive)],
        ])
        // Released before the old owner could be dropped, which would drop the sequence along.
        let dropOld = Self.diff(Self.declaration(),
                                desired: SchemaState(tables: [Self.invoicesState], sequences: [Self.numberState]),
                                actual: SchemaState(tables: [Self.invoicesState, TableState(name: "old", columns: [
                                    ColumnState(name: "n", type: "bigint")])], sequences: [current]),
                                policy: .all)
        let release = dropOld.sql.firstIndex(of: #"ALTER SEQUENCE "invoice_number" OWNED BY NONE"#)
        let drop = dropOld.sql.firstIndex(of: #"DROP TABLE "old""#)
        #expect(release != nil && drop != nil && release! < drop!, "\(dropOld.sql)")
    }

    @Test func undeclaredSequenceIsHeldOrDropped() {
        let desired = SchemaState(tables: [Self.invoicesState])
        let actual = SchemaState(tables: [Self.invoicesState], sequences: [SequenceState(name: "legacy")])
        let d = Self.declaration([])
        let held = Self.diff(d, desired: desired, actual: actual)
        #expect(held.changes.isEmpty)
        #expect(held.held.map(\.object) == ["sequence legacy"])
        #expect(held.expected == actual.normalized())
        let dropped = Self.diff(d, desired: desired, actual: actual, policy: .all)
        #expect(dropped.sql == [#"DROP SEQUENCE "legacy""#])
        #expect(dropped.changes[0].hazards == [.dropsUnmanagedObject])
    }

    @Test func ignoredSequenceIsLeftAlone() throws {
        var d = Self.declaration([])
        d.ignore = IgnoreRules([.sequences: [try Glob("tmp_*")]])
        let desired = SchemaState(tables: [Self.invoicesState])
        let actual = SchemaState(tables: [Self.invoicesState], sequences: [SequenceState(name: "tmp_n")])
        let diff = Self.diff(d, desired: desired, actual: actual, policy: .all)
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }

    @Test func aSerialsSequenceDeclaredUnderSequencesIsKeptAndAltered() {
        let default_ = "nextval('invoices_number_seq'::regclass)"
        let serial = TableState(name: "invoices", columns: [ColumnState(
            name: "number", type: "integer", notNull: true, defaultExpression: default_,
            ownedSequence: "invoices_number_seq", ownedSequenceType: "integer")])
        let plain = TableState(name: "invoices", columns: [ColumnState(
            name: "number", type: "integer", notNull: true, defaultExpression: default_)])
        let want = SequenceState(name: "invoices_number_seq", type: "integer", maxValue: Int64(Int32.max), cache: 10,
                                 ownedBy: "invoices.number")
        var d = Declaration(file: "schema.yaml", tables: [TableDeclaration(name: "invoices", columns: [
            ColumnDeclaration(name: "number", type: "integer", nullable: false,
                              defaultExpression: "nextval('invoices_number_seq')")])])
        d.sequences = [SequenceDeclaration(name: "invoices_number_seq", type: "integer", cache: 10,
                                           ownedBy: "invoices.number")]
        let diff = Self.diff(d, desired: SchemaState(tables: [plain], sequences: [want]),
                             actual: SchemaState(tables: [serial]))
        #expect(diff.sql == [#"ALTER SEQUENCE "invoices_number_seq" CACHE 10"#])
        #expect(diff.held.isEmpty)
    }
}
