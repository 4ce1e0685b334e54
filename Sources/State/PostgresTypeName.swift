import Foundation
import SQLSyntax

/// Offline recognition of the type names a column may be declared with.
///
/// `validate` runs without a database, so a misspelt type must be caught from the text:
/// a type is accepted when it is a built-in PostgreSQL type (any spelling the SQL grammar
/// knows, such as `int`, `character varying` or `timestamptz`), a declared enum, or
/// schema-qualified (`public.citext`), which the server checks at plan time. Modifiers and
/// array brackets are ignored here; the server's canonical form of the whole type is what
/// gets compared. See https://www.postgresql.org/docs/current/datatype.html.
public enum PostgresTypeName {
    /// Built-in type names, lowercased, with multi-word names single-spaced.
    static let builtins: Set<String> = Set(serialTypes.flatMap { [$0.name, $0.alias] }).union([
        // Numeric
        "smallint", "integer", "int", "int2", "int4", "int8", "bigint",
        "real", "float", "float4", "float8", "double precision",
        "numeric", "decimal", "dec", "money",
        // Character and binary
        "text", "varchar", "character varying", "char varying", "char", "character", "bpchar",
        "\"char\"", "name", "bytea",
        // Boolean, date and time
        "boolean", "bool",
        "date", "time", "timetz", "time with time zone", "time without time zone",
        "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone",
        "interval",
        // Other scalars
        "uuid", "json", "jsonb", "jsonpath", "xml",
        "inet", "cidr", "macaddr", "macaddr8",
        "bit", "bit varying", "varbit",
        "point", "line", "lseg", "box", "path", "polygon", "circle",
        "tsvector", "tsquery",
        // Ranges and multiranges
        "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
        "int4multirange", "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange",
        "datemultirange",
        // System types a column may hold
        "oid", "xid", "xid8", "cid", "tid",
        "regclass", "regtype", "regproc", "regprocedure", "regoper", "regoperator",
        "regconfig", "regdictionary", "regnamespace", "regrole", "regcollation",
        "pg_lsn", "pg_snapshot", "txid_snapshot",
    ])

    /// The types an identity column may have.
    static let integerTypes: Set<String> = ["smallint", "integer", "int", "int2", "int4", "int8", "bigint"]

    /// `interval`'s field qualifiers (`interval day to second`).
    static let intervalFields: Set<String> = [
        "year", "month", "day", "hour", "minute", "second",
        "year to month", "day to hour", "day to minute", "day to second",
        "hour to minute", "hour to second", "minute to second",
    ]

    /// A type with its modifiers and array brackets removed.
    struct Base: Equatable {
        /// As written, whitespace collapsed: `timestamp with time zone`, `Order_Status`.
        var name: String
        var isArray: Bool
        /// Whether a `.` stands outside double quotes: a schema-qualified type.
        var isQualified: Bool
    }

    /// Strips `(…)` modifiers, `[]`/`[n]` brackets and a trailing `ARRAY` from `type`:
    /// `numeric(12,2)[]` gives `numeric`, `timestamp(3) with time zone` gives
    /// `timestamp with time zone`. Quoted parts are kept as written.
    static func base(of type: String) -> Base {
        var name = ""
        var depth = 0
        var isArray = false
        var isQualified = false
        var index = type.startIndex
        while index < type.endIndex {
            let character = type[index]
            if depth == 0, character == "\"" {
                // A quoted name, kept whole: a quote that is never closed runs to the end.
                let end = SQLScanner.quotedEnd(in: type, from: index) ?? type.endIndex
                name += type[index..<end]
                index = end
                continue
            }
            switch character {
            case "(", "[":
                if character == "[" { isArray = true }
                depth += 1
            case ")", "]":
                depth = max(0, depth - 1)
            default:
                guard depth == 0 else { break }
                if character == "." { isQualified = true }
                name.append(character)
            }
            index = type.index(after: index)
        }
        var words = name.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        if words.count > 1, words.last?.lowercased() == "array" {
            words.removeLast()
            isArray = true
        }
        return Base(name: words.joined(separator: " "), isArray: isArray, isQualified: isQualified)
    }

    /// Whether `base` (lowercased for the comparison) is a built-in type.
    static func isBuiltin(_ base: String) -> Bool {
        let lower = base.lowercased()
        if builtins.contains(lower) { return true }
        if lower.hasPrefix("interval ") {
            return intervalFields.contains(String(lower.dropFirst("interval ".count)))
        }
        if lower.count > 2, lower.hasPrefix("\""), lower.hasSuffix("\"") {
            return builtins.contains(String(base.dropFirst().dropLast()))
        }
        return false
    }

    /// The unquoted name of a double-quoted identifier (`"Order Status"` gives
    /// `Order Status`), or the name as written when it is not quoted.
    static func unquoted(_ name: String) -> String {
        guard name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") else { return name }
        return String(name.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
    }

    /// Whether the type is `serial`, `bigserial`, `smallserial` or a `serialN` spelling.
    static func isSerial(_ base: String) -> Bool {
        serialType(named: base) != nil
    }

    /// Whether `DeclarationLoader` accepts a column of type `type` in a file that
    /// declares no enum: a built-in type (an array of serial aside) or a
    /// schema-qualified one, written without a NUL. The loader's own rules
    /// (`checkType`, `checkColumnRules`), asked directly.
    public static func isKnownWithoutEnums(_ type: String) -> Bool {
        guard !type.isEmpty, !type.unicodeScalars.contains("\0") else { return false }
        let base = base(of: type)
        guard !base.name.isEmpty, base.isQualified || isBuiltin(base.name) else { return false }
        return !(isSerial(base.name) && base.isArray)
    }
}

extension PostgresTypeName {
    /// A serial type: shorthand for an integer column whose default is `nextval`
    /// of a sequence the column owns, a sequence of the same integer type.
    /// See https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-SERIAL
    public struct SerialType: Sendable, Equatable {
        /// `smallserial`, `serial` or `bigserial`.
        public var name: String
        /// The `serialN` spelling of the same type: `serial2`, `serial4` or `serial8`.
        public var alias: String
        /// The type of the column and of its sequence, as `format_type` writes it:
        /// `smallint`, `integer` or `bigint`.
        public var integerType: String
    }

    /// The one table of serial types; every rule about serial columns reads it.
    public static let serialTypes: [SerialType] = [
        SerialType(name: "smallserial", alias: "serial2", integerType: "smallint"),
        SerialType(name: "serial", alias: "serial4", integerType: "integer"),
        SerialType(name: "bigserial", alias: "serial8", integerType: "bigint"),
    ]

    /// The serial type `name` spells, in any letter case (`BigSerial`, `serial8`);
    /// nil when it is not one.
    public static func serialType(named name: String) -> SerialType? {
        let lower = name.lowercased()
        return serialTypes.first { $0.name == lower || $0.alias == lower }
    }

    /// The serial type whose column has type `integerType`, spelt exactly as
    /// `format_type` writes it (`integer` gives `serial`); nil for any other text.
    public static func serialType(forInteger integerType: String) -> SerialType? {
        serialTypes.first { $0.integerType == integerType }
    }
}
