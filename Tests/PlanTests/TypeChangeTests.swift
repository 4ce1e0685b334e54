import Testing
@testable import Plan

@Suite("Type change classification")
struct TypeChangeTests {
    @Test("classifies changes between canonical type names", arguments: [
        // Same type.
        ("bigint", "bigint", TypeChange.widening),
        ("character varying(200)", "character varying(200)", .widening),
        // Text types: longer or unbounded is safe and does not rewrite.
        ("character varying(100)", "character varying(200)", .widening),
        ("character varying(200)", "character varying(100)", .narrowing),
        ("character varying(50)", "text", .widening),
        ("character varying(50)", "character varying", .widening),
        ("character varying", "text", .widening),
        ("text", "character varying", .widening),
        ("text", "character varying(50)", .narrowing),
        ("character varying", "character varying(50)", .narrowing),
        // Numerics.
        ("numeric(10,2)", "numeric(12,2)", .widening),
        ("numeric(12,2)", "numeric(10,2)", .narrowing),
        ("numeric(10,2)", "numeric", .widening),
        ("numeric", "numeric(10,2)", .narrowing),
        ("numeric(10,2)", "numeric(12,4)", .wideningWithRewrite),
        ("numeric(10,2)", "numeric(11,4)", .narrowing),
        ("numeric(10,4)", "numeric(10,2)", .narrowing),
        ("numeric(10)", "numeric(12)", .widening),
        ("numeric(10)", "numeric(12,2)", .wideningWithRewrite),
        // Integers.
        ("smallint", "integer", .wideningWithRewrite),
        ("integer", "bigint", .wideningWithRewrite),
        ("smallint", "bigint", .wideningWithRewrite),
        ("bigint", "integer", .narrowing),
        ("integer", "smallint", .narrowing),
        ("integer", "numeric", .wideningWithRewrite),
        ("bigint", "numeric", .wideningWithRewrite),
        ("integer", "numeric(10,2)", .narrowing),
        ("numeric", "bigint", .narrowing),
        // Floats and timestamps.
        ("real", "double precision", .wideningWithRewrite),
        ("double precision", "real", .narrowing),
        ("timestamp without time zone", "timestamp with time zone", .wideningWithRewrite),
        ("timestamp with time zone", "timestamp without time zone", .narrowing),
        ("timestamp(3) without time zone", "timestamp with time zone", .wideningWithRewrite),
        ("timestamp(3) without time zone", "timestamp(3) with time zone", .wideningWithRewrite),
        ("timestamp without time zone", "timestamp(0) with time zone", .narrowing),
        ("timestamp(3) without time zone", "timestamp(2) with time zone", .narrowing),
        // Arrays: the element type decides; array to scalar or back never fits.
        ("integer[]", "bigint[]", .wideningWithRewrite),
        ("character varying(10)[]", "character varying(20)[]", .widening),
        ("character varying(20)[]", "character varying(10)[]", .narrowing),
        ("text", "text[]", .narrowing),
        ("text[]", "text", .narrowing),
        // Anything else is treated as possibly lossy.
        ("text", "integer", .narrowing),
        ("integer", "text", .narrowing),
        ("character(10)", "character(20)", .narrowing),
        ("order_status", "text", .narrowing),
        ("date", "timestamp with time zone", .narrowing),
    ])
    func classify(_ old: String, _ new: String, _ expected: TypeChange) {
        #expect(TypeChange.classify(from: old, to: new) == expected)
    }

    @Test("split separates the base name from its modifiers")
    func split() {
        #expect(TypeChange.split("character varying(200)") == ("character varying", [200]))
        #expect(TypeChange.split("character varying(200)[]") == ("character varying", [200]))
        #expect(TypeChange.split("numeric(12,2)") == ("numeric", [12, 2]))
        #expect(TypeChange.split("numeric(12, 2)[][]") == ("numeric", [12, 2]))
        #expect(TypeChange.split("timestamp(3) with time zone") == ("timestamp with time zone", [3]))
        #expect(TypeChange.split("bigint") == ("bigint", []))
        #expect(TypeChange.split("text[]") == ("text", []))
    }
}
