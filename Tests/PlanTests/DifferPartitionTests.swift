import Testing
import Plan
import State

/// The pure diff of partitioned and UNLOGGED tables: exact statements, order,
/// locks, and what is held back.
@Suite("Differ: partitions and persistence")
struct DifferPartitionTests {
    static let range = "RANGE (at)"
    static let b2026 = "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
    static let b2027 = "FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')"

    static func events(_ partitions: [(String, String)], key: String? = range) -> TableDeclaration {
        var t = TableDeclaration(name: "events", columns: [ColumnDeclaration(name: "at", type: "date", nullable: false)])
        t.partitionBy = key
        t.partitions = partitions.map { PartitionDeclaration(name: $0.0, bound: $0.1) }
        return t
    }

    static func eventsState(_ partitions: [(String, String)], key: String? = range) -> TableState {
        TableState(name: "events", columns: [ColumnState(name: "at", type: "date", notNull: true)],
                   partitionBy: key,
                   partitions: partitions.isEmpty ? nil : partitions.map { PartitionState(name: $0.0, bound: $0.1) })
    }

    static func diff(_ table: TableDeclaration, want: TableState, have: TableState,
                     policy: DestructivePolicy = .none, online: Bool = false) -> Diff {
        var differ = Differ(declaration: Declaration(file: "schema.yaml", tables: [table]),
                            desired: SchemaState(tables: [want]), policy: policy)
        differ.online = online
        return differ.diff(actual: SchemaState(tables: [have]))
    }

    @Test func aNewTenantGetsThePartitionedTableThenItsPartitions() {
        let d = Declaration(file: "schema.yaml", tables: [Self.events([("events_2026", Self.b2026), ("events_d", "DEFAULT")])])
        #expect(Differ.creation(of: d).map(\.sql) == [
            "CREATE TABLE \"events\" (\n    \"at\" date NOT NULL\n) PARTITION BY RANGE (at)",
            "CREATE TABLE \"events_2026\" PARTITION OF \"events\" \(Self.b2026)",
            "CREATE TABLE \"events_d\" PARTITION OF \"events\" DEFAULT",
        ])
    }

    @Test func inSyncPlansNothing() {
        let parts = [("events_2026", Self.b2026), ("events_d", "DEFAULT")]
        let diff = Self.diff(Self.events(parts), want: Self.eventsState(parts), have: Self.eventsState(parts))
        #expect(diff.changes.isEmpty && diff.held.isEmpty)
    }

    @Test func aNewPartitionBesideADefaultScansTheDefaultAndMayFail() {
        let diff = Self.diff(Self.events([("events_2026", Self.b2026), ("events_2027", Self.b2027), ("events_d", "DEFAULT")]),
                             want: Self.eventsState([("events_2026", Self.b2026), ("events_2027", Self.b2027), ("events_d", "DEFAULT")]),
                             have: Self.eventsState([("events_2026", Self.b2026), ("events_d", "DEFAULT")]))
        #expect(diff.changes.map(\.sql) == ["CREATE TABLE \"events_2027\" PARTITION OF \"events\" \(Self.b2027)"])
        #expect(diff.changes[0].locks == [RelationLock("events", .accessExclusive),
                                          RelationLock("events_d", .accessExclusive, .scan)])
        #expect(diff.changes[0].hazards == [.longLock, .mayFailOnExistingData])
        #expect(diff.held.isEmpty)
    }

    @Test func aNewPartitionWithoutADefaultTakesTheParentsLockOnly() {
        let diff = Self.diff(Self.events([("events_2026", Self.b2026), ("events_2027", Self.b2027)]),
                             want: Self.eventsState([("events_2026", Self.b2026), ("events_2027", Self.b2027)]),
                             have: Self.eventsState([("events_2026", Self.b2026)]))
        #expect(diff.changes.map(\.op) == [.createPartition])
        #expect(diff.changes[0].locks == [RelationLock("events", .accessExclusive)])
        #expect(diff.changes[0].hazards.isEmpty)
    }

    @Test func anUndeclaredPartitionIsHeldUnlessAllowedByItsName() {
        let table = Self.events([("events_2026", Self.b2026)])
        let want = Self.eventsState([("events_2026", Self.b2026)])
        let have = Self.eventsState([("events_2025", "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"),
                                     ("events_2026", Self.b2026)])
        let held = Self.diff(table, want: want, have: have)
        #expect(held.changes.isEmpty)
        #expect(held.held.map(\.object) == ["partition events_2025 of events"])
        #expect(held.held[0].reason.hasSuffix("--allow table:events_2025 to allow it"), "\(held.held[0].reason)")
        #expect(held.expected.table(named: "events")?.partitions?.map(\.name) == ["events_2025", "events_2026"])
        let allowed = Self.diff(table, want: want, have: have,
                                policy: .selectors([try! AllowSelector(parsing: "table:events_2025")]))
        #expect(allowed.changes.map(\.sql) == ["DROP TABLE \"events_2025\""])
        #expect(allowed.changes[0].hazards == [.dataLoss, .dropsUnmanagedObject])
        #expect(allowed.held.isEmpty)
    }

    @Test func aPartitionOfTheDeclaredBoundUnderAnotherNameIsRenamed() {
        let diff = Self.diff(Self.events([("events_2026", Self.b2026)]), want: Self.eventsState([("events_2026", Self.b2026)]),
                             have: Self.eventsState([("events_y2026", Self.b2026)]))
        #expect(diff.changes.map(\.sql) == ["ALTER TABLE \"events_y2026\" RENAME TO \"events_2026\""])
        #expect(diff.held.isEmpty)
    }

    @Test func anAllowedDropComesBeforeThePartitionsThatOverlapIt() {
        let h1 = "FOR VALUES FROM ('2026-01-01') TO ('2026-07-01')"
        let diff = Self.diff(Self.events([("events_h1", h1)]), want: Self.eventsState([("events_h1", h1)]),
                             have: Self.eventsState([("events_2026", Self.b2026)]), policy: .all)
        #expect(diff.changes.map(\.op) == [.dropPartition, .createPartition])
    }

    @Test func aNewPartitionKeyIsHeldAndTheTableKeptAsItIs() {
        let have = Self.eventsState([("events_2026", Self.b2026)])
        let diff = Self.diff(Self.events([("events_a", "FOR VALUES IN ('a')")], key: "LIST (kind)"),
                             want: Self.eventsState([("events_a", "FOR VALUES IN ('a')")], key: "LIST (kind)"),
                             have: have)
        #expect(diff.changes.isEmpty)
        #expect(diff.held.count == 1)
        #expect(diff.held[0].reason.contains("PARTITION BY RANGE (at) → PARTITION BY LIST (kind)"), "\(diff.held[0].reason)")
        #expect(diff.expected.table(named: "events")?.partitionBy == "RANGE (at)")
        #expect(diff.expected.table(named: "events")?.partitions == have.partitions)
    }

    @Test func aChangedBoundIsHeld() {
        let diff = Self.diff(Self.events([("events_2026", Self.b2027)]), want: Self.eventsState([("events_2026", Self.b2027)]),
                             have: Self.eventsState([("events_2026", Self.b2026)]))
        #expect(diff.changes.isEmpty)
        #expect(diff.held.map(\.object) == ["partition events_2026 of events"])
        #expect(diff.expected.table(named: "events")?.partitions?.map(\.bound) == [Self.b2026])
    }

    @Test func persistenceChangesAreRewrites() {
        var table = TableDeclaration(name: "t", columns: [ColumnDeclaration(name: "k", type: "text")])
        let logged = TableState(name: "t", columns: [ColumnState(name: "k", type: "text")])
        var unlogged = logged
        unlogged.unlogged = true
        let toLogged = Self.diff(table, want: logged, have: unlogged)
        #expect(toLogged.changes.map(\.sql) == ["ALTER TABLE \"t\" SET LOGGED"])
        #expect(toLogged.changes[0].hazards == [.tableRewrite])
        #expect(toLogged.changes[0].locks == [RelationLock("t", .accessExclusive, .rewrite)])
        table.unlogged = true
        let toUnlogged = Self.diff(table, want: unlogged, have: logged)
        #expect(toUnlogged.changes.map(\.sql) == ["ALTER TABLE \"t\" SET UNLOGGED"])
    }

    @Test func aPartitionedTablesIndexIsBuiltInTheTransactionEvenOnline() {
        var table = Self.events([("events_2026", Self.b2026)])
        table.indexes = [IndexDeclaration(name: "events_at_idx", columns: ["at"])]
        var want = Self.eventsState([("events_2026", Self.b2026)])
        want.indexes = [IndexState(name: "events_at_idx", definition: "USING btree (at)")]
        let diff = Self.diff(table, want: want, have: Self.eventsState([("events_2026", Self.b2026)]), online: true)
        #expect(diff.changes.map(\.op) == [.createIndex])
        #expect(diff.changes.allSatisfy { $0.transactional })
    }

    @Test func partitionsAndPersistenceAreInTheFingerprint() {
        let plain = SchemaState(tables: [TableState(name: "t")])
        var unlogged = plain
        unlogged.tables[0].unlogged = true
        var partitioned = plain
        partitioned.tables[0].partitionBy = "RANGE (a)"
        var withPartition = partitioned
        withPartition.tables[0].partitions = [PartitionState(name: "p", bound: "DEFAULT")]
        let prints = [plain, unlogged, partitioned, withPartition].map(\.fingerprint)
        #expect(Set(prints).count == 4)
        // A logged table with no partitions encodes as before.
        var explicit = plain
        explicit.tables[0].unlogged = false
        explicit.tables[0].partitions = []
        #expect(explicit.fingerprint == plain.fingerprint)
    }
}
