import Testing
import Plan
import State

/// The pure diff of enums' comments: `COMMENT ON TYPE` after the labels, set,
/// changed and removed, and set even when a label change is held back.
@Suite("Differ: enum comments")
struct DifferEnumCommentTests {
    static let status = EnumDeclaration(name: "status", values: ["open", "closed"])
    static let tickets = TableDeclaration(name: "tickets", columns: [ColumnDeclaration(name: "status", type: "status")])
    static let ticketsState = TableState(name: "tickets", columns: [ColumnState(name: "status", type: "status")])

    static func declaration(_ e: EnumDeclaration) -> Declaration {
        Declaration(file: "schema.yaml", enums: [e], tables: [Self.tickets])
    }

    static func state(labels: [String] = ["open", "closed"], comment: String?) -> SchemaState {
        SchemaState(enums: [EnumState(name: "status", labels: labels, comment: comment)], tables: [Self.ticketsState])
    }

    static func diff(_ e: EnumDeclaration, actual: SchemaState) -> Diff {
        let desired = state(labels: e.values, comment: e.comment)
        return Differ(declaration: declaration(e), desired: desired).diff(actual: actual)
    }

    static func commented(_ comment: String?, values: [String] = ["open", "closed"]) -> EnumDeclaration {
        EnumDeclaration(name: "status", values: values, comment: comment)
    }

    @Test func newTenantCommentsTheEnumAfterCreatingIt() {
        let creation = Differ.creation(of: Self.declaration(Self.commented("state"))).map(\.sql)
        #expect(creation.first == #"CREATE TYPE "status" AS ENUM ('open', 'closed')"#)
        #expect(creation.last == #"COMMENT ON TYPE "status" IS 'state'"#)
        #expect(creation.count == 3)
        #expect(!Differ.creation(of: Self.declaration(Self.status)).map(\.sql).contains { $0.hasPrefix("COMMENT") })
    }

    @Test func aMissingEnumIsCreatedAndCommented() {
        let diff = Self.diff(Self.commented("state"), actual: SchemaState(tables: [Self.ticketsState]))
        #expect(diff.sql == [#"CREATE TYPE "status" AS ENUM ('open', 'closed')"#, #"COMMENT ON TYPE "status" IS 'state'"#])
        #expect(diff.changes.map(\.op) == [.createEnum, .commentOnEnum])
    }

    @Test func commentAddedChangedRemoved() {
        let added = Self.diff(Self.commented("it's new"), actual: Self.state(comment: nil))
        #expect(added.sql == [#"COMMENT ON TYPE "status" IS 'it''s new'"#])
        #expect(added.changes.allSatisfy { $0.hazards.isEmpty && $0.locks.isEmpty })
        #expect(added.expected == Self.state(comment: "it's new").normalized())
        let changed = Self.diff(Self.commented("new"), actual: Self.state(comment: "old"))
        #expect(changed.sql == [#"COMMENT ON TYPE "status" IS 'new'"#])
        let removed = Self.diff(Self.status, actual: Self.state(comment: "old"))
        #expect(removed.sql == [#"COMMENT ON TYPE "status" IS NULL"#])
        #expect(removed.expected == Self.state(comment: nil).normalized())
        let same = Self.diff(Self.commented("old"), actual: Self.state(comment: "old"))
        #expect(same.changes.isEmpty && same.held.isEmpty)
    }

    @Test func aLabelAddedAndTheCommentChanged() {
        let diff = Self.diff(Self.commented("new", values: ["open", "closed", "archived"]),
                             actual: Self.state(comment: "old"))
        #expect(diff.sql == [#"ALTER TYPE "status" ADD VALUE 'archived'"#, #"COMMENT ON TYPE "status" IS 'new'"#])
    }

    @Test func aHeldLabelRemovalStillSetsTheComment() {
        let diff = Self.diff(Self.commented("new", values: ["open"]), actual: Self.state(comment: "old"))
        #expect(diff.held.map(\.object) == ["enum status"])
        #expect(diff.sql == [#"COMMENT ON TYPE "status" IS 'new'"#])
        // The labels stay as they are; the comment is the new one.
        #expect(diff.expected == Self.state(comment: "new").normalized())
    }
}
