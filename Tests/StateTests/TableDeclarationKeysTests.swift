import Testing
@testable import State

/// `TableDeclaration.hasKey(on:)`: what a foreign key to the table may reference.
@Suite("TableDeclaration keys")
struct TableDeclarationKeysTests {
    static let table = TableDeclaration(
        name: "accounts",
        columns: ["id", "region", "code", "Email", "slug", "note"].map { ColumnDeclaration(name: $0, type: "text") },
        primaryKey: KeyDeclaration(name: "accounts_pkey", columns: ["id"]),
        uniques: [KeyDeclaration(name: "accounts_region_code_key", columns: ["region", "code"])],
        indexes: [
            IndexDeclaration(name: "by_email", columns: ["\"Email\" DESC NULLS LAST"], unique: true),
            IndexDeclaration(name: "by_slug", columns: ["slug"], unique: true, predicate: "note IS NULL"),
            IndexDeclaration(name: "by_note", columns: ["lower(note)"], unique: true),
            IndexDeclaration(name: "by_region_note", columns: ["region", "note"]),
        ])

    @Test("a primary key, a unique constraint or a plain unique index, in any column order")
    func keys() {
        #expect(Self.table.hasKey(on: ["id"]))
        #expect(Self.table.hasKey(on: ["code", "region"]))
        #expect(Self.table.hasKey(on: ["Email"]))
    }

    @Test("not a subset of a key, a partial or expression index, or an index that is not unique")
    func notKeys() {
        #expect(!Self.table.hasKey(on: ["region"]))
        #expect(!Self.table.hasKey(on: ["id", "region"]))
        #expect(!Self.table.hasKey(on: ["slug"]))
        #expect(!Self.table.hasKey(on: ["note"]))
        #expect(!Self.table.hasKey(on: ["region", "note"]))
        #expect(!Self.table.hasKey(on: ["email"]))
    }
}
