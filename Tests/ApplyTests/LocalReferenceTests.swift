import Catalog
import Foundation
import Postgres
import State
import Testing
import TestSupport

/// Texts that name a schema's own objects are read with the schema on the path,
/// so the same design reads the same in every schema, whatever its name.
@Suite struct LocalReferenceTests {
    static let ddl = [
        "CREATE TYPE mood AS ENUM ('ok', 'meh')",
        "CREATE COLLATION rough (provider = icu, locale = 'und-u-ks-level1', deterministic = false)",
        "CREATE FUNCTION answer() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 42'",
        "CREATE TABLE parents (id serial PRIMARY KEY, label text COLLATE rough)",
        """
        CREATE TABLE kids (
            id integer PRIMARY KEY DEFAULT answer(),
            parent_id integer REFERENCES parents (id),
            feeling mood NOT NULL DEFAULT 'ok',
            feelings mood[] NOT NULL DEFAULT '{meh}',
            score integer CHECK (score < answer()),
            shared text DEFAULT public.shared_label(),
            -- In schema t, this name holds the very text a foreign key to parents
            -- shows there: only the reference outside quotes may lose its schema.
            "x) REFERENCES t.parents(" integer REFERENCES parents (id)
        )
        """,
        "CREATE INDEX kids_expr_idx ON kids ((score + answer()))",
        "CREATE INDEX kids_partial_idx ON kids (score) WHERE feeling = 'meh'::mood",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN RETURN NEW; END $$",
        "CREATE FUNCTION is_ok(m mood) RETURNS boolean LANGUAGE sql RETURN m = 'ok'",
        "CREATE FUNCTION kids_of(p parents) RETURNS SETOF kids LANGUAGE sql BEGIN ATOMIC SELECT * FROM kids WHERE parent_id = p.id; END",
        "CREATE TRIGGER kids_touch BEFORE UPDATE ON kids FOR EACH ROW EXECUTE FUNCTION touch()",
        "CREATE TRIGGER kids_when BEFORE INSERT ON kids FOR EACH ROW WHEN (NEW.score < answer()) EXECUTE FUNCTION touch()",
        "CREATE TRIGGER parents_shared AFTER INSERT ON parents FOR EACH STATEMENT EXECUTE FUNCTION public.shared_trigger()",
    ]

    @Test func theSameDesignReadsTheSameInSchemasOfAnyName() async throws {
        let h = try await Harness.make(prefix: "localref")
        try h.connection.execute("CREATE FUNCTION public.shared_label() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$")
        try h.connection.execute("CREATE FUNCTION public.shared_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
        let names = ["plain", "user", "Mixed Case", #"quo"te'and\slash"#, "t", "xt"]
        for name in names { try h.run(Self.ddl, in: name, createSchema: true) }

        var encodings: [String: String] = [:]
        try Reflector().reflect(schemas: names, on: h.connection) { encodings[$0.name] = $0.state.canonicalEncoding }
        try h.connection.execute("SELECT set_config('search_path', 'public', false)")
        let reference = try #require(encodings["plain"])
        for name in names {
            #expect(encodings[name] == reference, "\(name) reads differently from plain")
        }
        // References inside the schema are unqualified; the shared function keeps its schema.
        for text in ["answer()", "'ok'::mood", "'{meh}'::mood[]", "REFERENCES parents(id)", "5:rough;",
                     "public.shared_label()", "nextval('parents_id_seq'::regclass)", "'meh'::mood",
                     "CREATE OR REPLACE FUNCTION touch()", "SET search_path TO '{tenant}'", "is_ok(m mood)",
                     "kids_of(p parents)", "SETOF kids", "FROM kids", "ON kids FOR EACH ROW EXECUTE FUNCTION touch()",
                     "WHEN (new.score < answer()) EXECUTE FUNCTION touch()",
                     "ON parents FOR EACH STATEMENT EXECUTE FUNCTION public.shared_trigger()"] {
            #expect(reference.contains(text), "expected \(text) in:\n\(reference)")
        }
        #expect(!reference.contains("plain."))
        #expect(reference.contains(#"FOREIGN KEY ("x) REFERENCES t.parents(") REFERENCES parents(id)"#))
    }
}
