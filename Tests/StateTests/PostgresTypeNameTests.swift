import Testing
@testable import State

@Suite("PostgresTypeName")
struct PostgresTypeNameTests {
    @Test("one table of serial types: each spelling, its alias and its integer type")
    func serialTable() throws {
        #expect(PostgresTypeName.serialTypes.map(\.name) == ["smallserial", "serial", "bigserial"])
        #expect(PostgresTypeName.serialTypes.map(\.alias) == ["serial2", "serial4", "serial8"])
        #expect(PostgresTypeName.serialTypes.map(\.integerType) == ["smallint", "integer", "bigint"])
        for (spelling, integer) in [("serial", "integer"), ("SERIAL4", "integer"), ("BigSerial", "bigint"),
                                    ("serial8", "bigint"), ("smallserial", "smallint"), ("serial2", "smallint")] {
            #expect(PostgresTypeName.serialType(named: spelling)?.integerType == integer, "\(spelling)")
            #expect(PostgresTypeName.isSerial(spelling))
            #expect(ColumnDeclaration(name: "c", type: spelling).isSerial)
            #expect(PostgresTypeName.isBuiltin(spelling))
        }
        for other in ["integer", "serial[]", "serial ", "int4", "sequence", ""] {
            #expect(PostgresTypeName.serialType(named: other) == nil, "\(other)")
            #expect(!ColumnDeclaration(name: "c", type: other).isSerial)
        }
        // From the column type as format_type writes it, exactly.
        #expect(PostgresTypeName.serialType(forInteger: "integer")?.name == "serial")
        #expect(PostgresTypeName.serialType(forInteger: "bigint")?.name == "bigserial")
        #expect(PostgresTypeName.serialType(forInteger: "smallint")?.name == "smallserial")
        #expect(PostgresTypeName.serialType(forInteger: "int4") == nil)
        #expect(PostgresTypeName.serialType(forInteger: "Integer") == nil)
        #expect(PostgresTypeName.serialType(forInteger: "numeric") == nil)
    }

    /// Types `format_type` writes for catalog types, and some it does not.
    static let types = [
        "integer", "int4", "bigint", "character varying(20)", "character varying", "timestamp(3) with time zone",
        "timestamp without time zone", "interval day to second", "interval fortnight", "numeric(12,2)[]",
        "double precision", "bit varying(3)", "text ARRAY", "text ARRAY[3]", "\"char\"", "\"char\"[]", "\"int4\"",
        "\"Int4\"", "name", "tsvector", "json", "jsonb[]", "int2vector", "oidvector", "aclitem", "pg_node_tree",
        "regclass", "serial", "SERIAL", "serial[]", "bigserial[]", "serial8 ARRAY", "public.citext",
        "\"My Schema\".t", "x.y[]", "mytype", "order_status", "[]", "(12)", "text\u{0}", "",
    ]

    @Test("isKnownWithoutEnums says what DeclarationLoader says of a file that declares no enum", arguments: types)
    func knownTypesAgreeWithTheLoader(type: String) {
        var escaped = ""
        for scalar in type.unicodeScalars {
            switch scalar {
            case "\"", "\\": escaped += "\\\(scalar)"
            case "\0": escaped += "\\0"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        let yaml = "version: 1\ntables:\n  t:\n    columns:\n      c: { type: \"\(escaped)\" }\n"
        let loaderAccepts = (try? DeclarationLoader.parse(yaml: yaml, file: "type-check")) != nil
        #expect(PostgresTypeName.isKnownWithoutEnums(type) == loaderAccepts)
    }

    @Test("base keeps quoted names whole, brackets and dots inside them included")
    func baseOfQuotedNames() {
        #expect(PostgresTypeName.base(of: "\"a(b)\".\"c[d]\"(3)[]")
                == .init(name: "\"a(b)\".\"c[d]\"", isArray: true, isQualified: true))
        #expect(PostgresTypeName.base(of: "\"x.y\"") == .init(name: "\"x.y\"", isArray: false, isQualified: false))
        #expect(PostgresTypeName.base(of: "\"a\"\"b\"[]") == .init(name: "\"a\"\"b\"", isArray: true, isQualified: false))
        #expect(PostgresTypeName.base(of: "\"open.[") == .init(name: "\"open.[", isArray: false, isQualified: false))
        #expect(PostgresTypeName.base(of: "numeric(\"x\".y)") == .init(name: "numeric", isArray: false, isQualified: false))
    }
}
