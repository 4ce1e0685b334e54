import Postgres
import State

extension Reflector {
    /// A sequence of a batch's schemas with its options (`pg_sequence`), the
    /// column that owns it and how (`a`: serial, `i`: identity), and its
    /// comment. Its current value is data and not read.
    /// See https://www.postgresql.org/docs/15/catalog-pg-sequence.html
    struct SequenceRow: RowDecodable {
        static let query = """
            SELECT c.oid::int8::text AS oid, format_type(sq.seqtypid, NULL) AS type,
                   sq.seqstart::text AS start, sq.seqincrement::text AS increment, sq.seqmin::text AS min_value,
                   sq.seqmax::text AS max_value, sq.seqcache::text AS cache, sq.seqcycle AS cycle,
                   dep.deptype::text AS dependency, dep.refobjid::int8::text AS owner_table_oid,
                   dep.refobjsubid::text AS owner_attnum, ot.relname AS owner_table, a.attname AS owner_column,
                   EXISTS (SELECT 1 FROM pg_attrdef ad
                           JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid
                           WHERE ad.adrelid = dep.refobjid AND ad.adnum = dep.refobjsubid
                             AND dd.refclassid = 'pg_class'::regclass AND dd.refobjid = c.oid) AS feeds_owner,
                   sq.xmin::text AS version, ds.description AS comment, ds.xmin::text AS comment_version
            FROM pg_class c
            JOIN pg_sequence sq ON sq.seqrelid = c.oid
            LEFT JOIN pg_depend dep
                   ON dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
                  AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
            LEFT JOIN pg_class ot ON ot.oid = dep.refobjid
            LEFT JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
            LEFT JOIN pg_description ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = c.oid AND ds.objsubid = 0
            WHERE c.oid = ANY($1::oid[]) AND c.relkind = 'S'
            """

        var oid: String
        var type: String
        var start: Int64
        var increment: Int64
        var minValue: Int64
        var maxValue: Int64
        var cache: Int64
        var cycle: Bool
        /// `a` (`OWNED BY`, a serial's), `i` (an identity's), nil for none.
        var dependency: String?
        var ownerTableOID: String?
        var ownerAttnum: String?
        var ownerTable: String?
        var ownerColumn: String?
        /// Whether the owning column's default takes its values (`nextval`).
        var feedsOwner: Bool
        var version: String
        var comment: String?
        var commentVersion: String?

        init(_ row: Row) throws {
            oid = try row.value("oid")
            type = try row.value("type")
            // The server's int8 text always parses.
            func number(_ column: String) throws -> Int64 { Int64(try row.value(column)) ?? 0 }
            start = try number("start")
            increment = try number("increment")
            minValue = try number("min_value")
            maxValue = try number("max_value")
            cache = try number("cache")
            cycle = try row.bool("cycle")
            dependency = try row["dependency"]
            ownerTableOID = try row["owner_table_oid"]
            ownerAttnum = try row["owner_attnum"]
            ownerTable = try row["owner_table"]
            ownerColumn = try row["owner_column"]
            feedsOwner = try row.bool("feeds_owner")
            version = try row.value("version")
            comment = try row["comment"]
            commentVersion = try row["comment_version"]
        }

        /// The sequence as the state holds it, whoever owns it.
        func state(_ name: String) -> SequenceState {
            SequenceState(
                name: name, type: type, start: start, increment: increment, minValue: minValue,
                maxValue: maxValue, cache: cache, cycle: cycle,
                ownedBy: dependency == "a" ? ownerTable.flatMap { t in ownerColumn.map { "\(t).\($0)" } } : nil,
                comment: comment)
        }

        /// Whether it is part of its column rather than a sequence of its own: an
        /// identity's, or a serial's (owned by the column whose default takes its
        /// values, with the options `serial` gives and no comment). A sequence
        /// declared with other options or a comment, or owned by a column that
        /// does not take its values, stands alone.
        var belongsToColumn: Bool {
            if dependency == "i" { return true }
            // The name plays no part in the options.
            return dependency == "a" && feedsOwner && state("").hasSerialOptions
        }
    }

    /// SQL for the largest value of the sequence type `typid` (an expression
    /// giving a `pg_type` oid, such as `sq.seqtypid`), as an `int8`: the maximum
    /// a new sequence of that type gets, from `SequenceState.typeMaximum` (a
    /// sequence's type is `smallint`, `integer` or `bigint`).
    static func sequenceTypeMaximum(_ typid: String) -> String {
        let cases = PostgresTypeName.serialTypes.map(\.integerType).compactMap { type in
            SequenceState.typeMaximum(type).map { "WHEN '\(type)'::regtype THEN \($0)" }
        }
        return "CASE \(typid) \(cases.joined(separator: " ")) END::int8"
    }
}

extension Reflector.Assembly {
    /// The standalone sequences of the schema that `members` describes, sorted by name.
    func sequences(of members: Reflector.Members) -> [SequenceState] {
        members.classes.filter { $0.kind == "S" && standaloneSequences.contains($0.oid) }.compactMap { c in
            sequenceRows[c.oid].map { $0.state(c.name) }
        }.sorted { $0.name < $1.name }
    }
}
