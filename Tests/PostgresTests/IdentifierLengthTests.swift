import Postgres
import SQLSyntax
import Testing
import TestSupport

/// The names tenantplan makes up within PostgreSQL's 63 bytes are the server's.
@Suite struct IdentifierLengthTests {
    @Test func clippingNeverSplitsACharacter() {
        #expect(IdentifierLength.clipped("äbc", toBytes: 1) == "")
        #expect(IdentifierLength.clipped("äbc", toBytes: 2) == "ä")
        #expect(IdentifierLength.withSuffix(String(repeating: "é", count: 40), "_old").utf8.count == 62)
        #expect(IdentifierLength.withSuffix("t_id_seq", "_old") == "t_id_seq_old")
    }

    /// A serial column's sequence, for short, long and multi-byte names, as the server names it.
    @Test(arguments: [
        ("t", "id"),
        (String(repeating: "a", count: 40), String(repeating: "b", count: 30)),
        (String(repeating: "t", count: 63), "id"),
        (String(repeating: "ü", count: 31), String(repeating: "c", count: 20)),
    ])
    func sequenceNamesAreTheServers(table: String, column: String) throws {
        try withTestDatabase(prefix: "idlen") { connection, _ in
            try connection.execute("CREATE TABLE \(quoteIdentifier(table)) (\(quoteIdentifier(column)) serial)")
            let sql = "SELECT s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
                + "WHERE d.refobjid = $1::regclass AND s.relkind = 'S'"
            let named = try connection.query(sql, [quoteIdentifier(table)]).scalar
            #expect(named == IdentifierLength.sequenceName(table: table, column: column))
        }
    }
}
