import Testing
@testable import State

/// `unlogged:`, `partition_by:` and `partitions:` in schema.yaml: what is read,
/// and every error at its line and column.
@Suite struct PartitionDeclarationTests {
    static func errors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
        inputErrors({ _ = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml") }, sourceLocation: sourceLocation)
    }

    @Test func partitionedAndUnloggedTablesParse() throws {
        let d = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              events:
                columns:
                  at: { type: date, nullable: false }
                partition_by: "RANGE (at)"
                partitions:
                  events_2026: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
                  events_rest: DEFAULT
              cache:
                unlogged: true
                columns:
                  k: text
            """, file: "schema.yaml")
        let events = try #require(d.table(named: "events"))
        #expect(events.partitionBy == "RANGE (at)" && !events.unlogged)
        #expect(events.partitionByLocation?.line == 6)
        #expect(events.partitions.map(\.name) == ["events_2026", "events_rest"])
        #expect(events.partitions.map(\.bound) == ["FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", "DEFAULT"])
        #expect(events.partitions.map { $0.location?.line } == [8, 9])
        #expect(d.table(named: "cache")?.unlogged == true)
        #expect(d.table(named: "cache")?.partitionBy == nil)
    }

    @Test func partitionsNeedAKey() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              events:
                columns: { at: date }
                partitions: { events_1: DEFAULT }
            """), line: 5, column: 5, message: "table 'events' has partitions: but no partition_by:")
    }

    @Test func aBoundIsForValuesOrDefault() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              events:
                columns: { at: date }
                partition_by: "RANGE (at)"
                partitions:
                  events_1: "FROM (1) TO (2)"
            """), line: 7, column: 17, message: "the bound of partition 'events_1' of table 'events' is neither FOR VALUES ... nor DEFAULT")
    }

    @Test func aPartitionNameIsARelationName() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              other:
                columns: { a: int }
              events:
                columns: { at: date }
                partition_by: "RANGE (at)"
                partitions:
                  other: DEFAULT
            """), line: 9, column: 7, message: "name 'other' of partition 'other' of table 'events' is already used by table 'other'")
    }

    @Test func aPartitionedTableCannotBeUnlogged() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              events:
                unlogged: true
                columns: { at: date }
                partition_by: "LIST (at)"
            """), line: 4, column: 15, message: "table 'events' is partitioned and cannot be unlogged")
    }

    @Test func unloggedIsABoolean() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              cache:
                unlogged: yes please
                columns: { k: text }
            """), line: 4, column: 15, message: "'unlogged' of table 'cache' must be true or false")
    }

    @Test func anIgnoredPartitionCannotBeDeclared() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              events:
                columns: { at: date }
                partition_by: "RANGE (at)"
                partitions:
                  events_old: DEFAULT
            ignore:
              tables: ["events_o*"]
            """), line: 7, column: 7, message: "partition 'events_old' of table 'events' is declared, and also ignored")
    }
}
