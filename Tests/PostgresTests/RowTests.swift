@testable import Postgres
import Testing
import TestSupport

/// A row struct as the catalog readers write them: fields by column name.
private struct Person: RowDecodable, Equatable {
    var id: String
    var name: String?
    var active: Bool

    init(id: String, name: String?, active: Bool) {
        self.id = id
        self.name = name
        self.active = active
    }

    init(_ row: Row) throws {
        id = try row.value("id")
        name = try row["name"]
        active = try row.bool("active")
    }
}

/// Reads a column only in some rows, and the others in a different order then.
private struct Moody: RowDecodable, Equatable {
    var a: String?
    var b: String?
    var c: String?

    init(_ row: Row) throws {
        if try row["a"] == "swap" {
            c = try row["c"]
            b = try row["b"]
        } else {
            b = try row["b"]
            c = try row["c"]
        }
        a = try row["a"]
    }
}

private struct Typo: RowDecodable {
    init(_ row: Row) throws { _ = try row["nmae"] }
}

@Suite("Rows by name")
struct RowTests {
    static let people = QueryResult(
        columns: ["name", "active", "id"],
        rows: [["ann", "t", "1"], [nil, "f", "2"], ["cy", nil, "3"]],
        affectedRows: nil)

    @Test("a row struct reads its fields by column name, whatever the column order")
    func decodesByName() throws {
        let expected = [Person(id: "1", name: "ann", active: true), Person(id: "2", name: nil, active: false),
                        Person(id: "3", name: "cy", active: false)]
        #expect(try Self.people.decode(Person.self) == expected)
        let reordered = QueryResult(
            columns: ["id", "extra", "active", "name"],
            rows: [["1", "x", "t", "ann"], ["2", "y", "f", nil], ["3", "z", nil, "cy"]], affectedRows: nil)
        #expect(try reordered.decode(Person.self) == expected)
    }

    @Test("a column the result does not have is an error that names it and the columns there are")
    func missingColumn() throws {
        let error = #expect(throws: RowError.self) { try Self.people.decode(Typo.self) }
        #expect(error == .missingColumn("nmae", columns: ["name", "active", "id"]))
        #expect(error?.description == "the query result has no column named nmae (its columns: name, active, id)")
        // Only when there is a row to read: an empty result decodes to nothing.
        let empty = QueryResult(columns: ["name"], rows: [], affectedRows: nil)
        #expect(try empty.decode(Typo.self).isEmpty)
    }

    @Test("NULL where a value is required is an error; bool reads NULL as false")
    func requiredValue() throws {
        let result = QueryResult(columns: ["id", "name", "active"], rows: [[nil, "x", "t"]], affectedRows: nil)
        let error = #expect(throws: RowError.self) { try result.decode(Person.self) }
        #expect(error == .unexpectedNull(column: "id"))
        #expect(error?.description == "the query result's column id is NULL, where a value is required")
    }

    @Test("character reads a \"char\" column and refuses NULL and the empty text")
    func character() throws {
        func kind(_ value: String?) throws -> Character? {
            let result = QueryResult(columns: ["kind"], rows: [[value]], affectedRows: nil)
            return try result.compactDecode { row in try row.character("kind") }.first
        }
        #expect(try kind("r") == "r")
        #expect(throws: RowError.unexpectedNull(column: "kind")) { try kind(nil) }
        #expect(throws: RowError.unexpectedNull(column: "kind")) { try kind("") }
    }

    @Test("rows that read columns in another order, or only some of them, still read the right ones")
    func lookupsThatChangeFromRowToRow() throws {
        let result = QueryResult(
            columns: ["c", "a", "b"],
            rows: [["c1", "a1", "b1"], ["c2", "swap", "b2"], ["c3", "a3", "b3"], ["c4", "swap", "b4"]],
            affectedRows: nil)
        let rows = try result.decode(Moody.self)
        #expect(rows.map(\.a) == ["a1", "swap", "a3", "swap"])
        #expect(rows.map(\.b) == ["b1", "b2", "b3", "b4"])
        #expect(rows.map(\.c) == ["c1", "c2", "c3", "c4"])
    }

    @Test("compactDecode leaves out the rows its closure returns nil for")
    func compactDecode() throws {
        let names = try Self.people.compactDecode { row in try row["name"] }
        #expect(names == ["ann", "cy"])
    }

    @Test("columnIndex finds the first column of a name, exactly as written")
    func columnIndex() {
        let result = QueryResult(columns: ["a", "B", "a"], rows: [], affectedRows: nil)
        #expect(result.columnIndex(named: "a") == 0)
        #expect(result.columnIndex(named: "B") == 1)
        #expect(result.columnIndex(named: "b") == nil)
    }

    @Test("a server result decodes by the names PQfname gives, quoted ones included")
    func serverResult() throws {
        try withServerConnection { conn throws in
            let result = try conn.query("""
                SELECT 't'::bool AS active, NULL::text AS name, n::text AS id, 'x' AS "Mixed Case"
                FROM generate_series(1, 3) n ORDER BY n
                """)
            #expect(result.columns == ["active", "name", "id", "Mixed Case"])
            #expect(try result.decode(Person.self).map(\.id) == ["1", "2", "3"])
            #expect(try result.compactDecode { try $0["Mixed Case"] } == ["x", "x", "x"])
        }
    }
}
