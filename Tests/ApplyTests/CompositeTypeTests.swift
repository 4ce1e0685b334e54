import Apply
@testable import Catalog
import Foundation
import Plan
import Planning
import Postgres
import State
import Testing
import TestSupport

/// Composite types against the real server: what reflection reads, import
/// round trip of a tenant with rows, and the stamp both sides compute.
@Suite struct CompositeTypeTests {
    static let ddl = [
        "CREATE TYPE status AS ENUM ('open', 'closed')",
        "CREATE TYPE address AS (street text, city text, zip varchar(10))",
        "COMMENT ON TYPE address IS 'a postal address'",
        #"CREATE TYPE "Contact Card" AS (email text, home address, previous address[], state status)"#,
        "CREATE TYPE pair AS (a integer, b integer)",
        "ALTER TYPE pair DROP ATTRIBUTE a",
        #"CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, card "Contact Card", home address NOT NULL)"#,
        "INSERT INTO people (card, home) VALUES (ROW('a@x', ROW('1 Main', 'Springfield', '1'), NULL, 'open'), ROW('1 Main', 'Springfield', '1')), (NULL, ROW('2 Elm', 'Shelbyville', NULL))",
    ]

    @Test func reflectedCompositeTypeIsTheServersRendering() async throws {
        let h = try await Harness.make(prefix: "ctype_reflect")
        try h.run(Self.ddl, in: "acme", createSchema: true)
        let state = try #require(try h.state("acme"))
        #expect(state.others.isEmpty)
        #expect(state.compositeTypes.map(\.name) == ["Contact Card", "address", "pair"])
        #expect(state.compositeType(named: "address") == CompositeTypeState(name: "address", attributes: [
            .init(name: "street", type: "text"), .init(name: "city", type: "text"),
            .init(name: "zip", type: "character varying(10)")], comment: "a postal address"))
        // The schema's own types come back unqualified, in attribute order.
        #expect(state.compositeType(named: "Contact Card")?.attributes == [
            .init(name: "email", type: "text"), .init(name: "home", type: "address"),
            .init(name: "previous", type: "address[]"), .init(name: "state", type: "status")])
        // A dropped attribute is gone.
        #expect(state.compositeType(named: "pair")?.attributes == [.init(name: "b", type: "integer")])
        #expect(state.table(named: "people")?.column(named: "card")?.type == "\"Contact Card\"")
    }

    @Test func tenantWithCompositeTypesImportsExactly() async throws {
        let h = try await Harness.make(prefix: "ctype_import")
        try h.run(Self.ddl, in: "acme", createSchema: true)
        let declaration = try ImportTests().expectExactImport(h, "acme")
        let types = Importer.withoutLocations(declaration).compositeTypes
        // A type is written after the types its attributes use.
        #expect(types.map(\.name) == ["address", "pair", "Contact Card"])
        #expect(types.first { $0.name == "address" } == CompositeTypeDeclaration(name: "address", attributes: [
            .init(name: "street", type: "text"), .init(name: "city", type: "text"),
            .init(name: "zip", type: "character varying(10)")], comment: "a postal address"))
        #expect(declaration.table(named: "people")?.column(named: "card")?.type == "\"Contact Card\"")
        #expect(try h.rows("SELECT count(*) FROM people", in: "acme") == [["2"]])
    }

    /// Every change of a composite type changes the stamp, on both sides alike.
    @Test(arguments: [
        "ALTER TYPE address ADD ATTRIBUTE country text",
        "ALTER TYPE address DROP ATTRIBUTE zip",
        "ALTER TYPE address RENAME ATTRIBUTE zip TO postcode",
        "ALTER TYPE pair ALTER ATTRIBUTE b TYPE bigint",
        "COMMENT ON TYPE address IS 'changed'",
        "COMMENT ON TYPE pair IS 'new'",
        "ALTER TYPE pair RENAME TO couple",
        "CREATE TYPE another AS (x integer)",
        "DROP TYPE pair",
    ])
    func everyCompositeTypeChangeChangesTheStamp(change: String) async throws {
        let h = try await Harness.make(prefix: "ctype_stamp")
        try h.run(Self.ddl, in: "t", createSchema: true)
        let before = try #require(try StampTests.reflected(h, "t"))
        #expect(try StampTests.serverStamp(h, "t") == before.stamp)
        try h.run([change], in: "t")
        let after = try #require(try StampTests.reflected(h, "t"))
        #expect(after.stamp != before.stamp)
        #expect(try StampTests.serverStamp(h, "t") == after.stamp)
    }

    /// A plan that adds an attribute to a type a populated column uses applies,
    /// and the tenant verifies in the declared state with its rows.
    @Test func addingAnAttributeToAUsedTypeKeepsTheValues() async throws {
        let h = try await Harness.make(prefix: "ctype_apply")
        try h.run(Self.ddl, in: "t1", createSchema: true)
        var declaration = try ImportTests().expectExactImport(h, "t1")
        let i = try #require(declaration.compositeTypes.firstIndex { $0.name == "address" })
        declaration.compositeTypes[i].attributes.append(.init(name: "country", type: "text"))
        let plan = try h.plan(declaration, tenants: ["t1"])
        #expect(plan.changeSets.flatMap(\.changes).map(\.op) == [.addAttribute])
        _ = try h.apply(plan)
        #expect(try h.plan(declaration, tenants: ["t1"]).changeSets.allSatisfy(\.inSync))
        #expect(try h.rows("SELECT (home).city, (home).country IS NULL FROM people ORDER BY id", in: "t1")
                == [["Springfield", "t"], ["Shelbyville", "t"]])
    }
}
