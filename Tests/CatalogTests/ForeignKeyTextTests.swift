@testable import Catalog
import Testing

/// `Reflector.unqualifiedForeignKey`: a foreign key to a table of its own schema,
/// as deparsed with an empty `search_path`, made to read as with the schema on it.
@Suite struct ForeignKeyTextTests {
    @Test func dropsTheSchemaOfTheReferencedTable() {
        #expect(Reflector.unqualifiedForeignKey(
            "FOREIGN KEY (account_id) REFERENCES t_0001.accounts(id) ON DELETE CASCADE",
            schema: "t_0001", table: "accounts") == "FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE")
        #expect(Reflector.unqualifiedForeignKey(
            #"FOREIGN KEY (a, b) REFERENCES "Mixed Case"."user"(x, y) MATCH FULL"#,
            schema: #""Mixed Case""#, table: #""user""#) == #"FOREIGN KEY (a, b) REFERENCES "user"(x, y) MATCH FULL"#)
    }

    @Test func leavesTextInsideQuotedNamesAlone() {
        let def = #"FOREIGN KEY ("x) REFERENCES t.p(") REFERENCES t.p(id)"#
        #expect(Reflector.unqualifiedForeignKey(def, schema: "t", table: "p")
                == #"FOREIGN KEY ("x) REFERENCES t.p(") REFERENCES p(id)"#)
        // A doubled quote inside a quoted name keeps the count even.
        let doubled = #"FOREIGN KEY ("a""b) REFERENCES t.p(") REFERENCES t.p(id)"#
        #expect(Reflector.unqualifiedForeignKey(doubled, schema: "t", table: "p")
                == #"FOREIGN KEY ("a""b) REFERENCES t.p(") REFERENCES p(id)"#)
    }

    @Test func givesUpWhenItCannotBeSure() {
        // Could be shadowed by a pg_catalog relation once unqualified.
        #expect(Reflector.unqualifiedForeignKey("FOREIGN KEY (a) REFERENCES t.pg_class(id)",
                                                schema: "t", table: "pg_class") == nil)
        // Another schema's table, or a text of another shape.
        #expect(Reflector.unqualifiedForeignKey("FOREIGN KEY (a) REFERENCES u.p(id)", schema: "t", table: "p") == nil)
        #expect(Reflector.unqualifiedForeignKey(#"FOREIGN KEY ("x) REFERENCES t.p(id)"#, schema: "t", table: "p") == nil)
    }
}
