import Postgres
import State

extension Reflector {
    /// An attribute of a composite type of the batch, in `attnum` order; its
    /// type is deparsed with an empty `search_path` (the schema's own types are
    /// read again, see `localItems`).
    struct CompositeAttributeRow: RowDecodable {
        static let query = """
            SELECT t.oid::int8::text AS composite_type, a.attrelid::int8::text AS relation, a.attnum::text AS attnum,
                   a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                   a.atttypid::int8::text AS attribute_type_oid, ty.typelem::int8::text AS element_type_oid,
                   a.xmin::text AS version
            FROM pg_type t
            JOIN pg_attribute a ON a.attrelid = t.typrelid
            JOIN pg_type ty ON ty.oid = a.atttypid
            WHERE t.oid = ANY($1::oid[]) AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """

        /// The composite type's `pg_type` oid, and its `pg_class` oid, which holds the attributes.
        var compositeType: String
        var relation: String
        var attnum: String
        var name: String
        var type: String
        var typeOID: String
        var elementTypeOID: String
        var version: String

        init(_ row: Row) throws {
            compositeType = try row.value("composite_type")
            relation = try row.value("relation")
            attnum = try row.value("attnum")
            name = try row.value("name")
            type = try row.value("type")
            typeOID = try row.value("attribute_type_oid")
            elementTypeOID = try row.value("element_type_oid")
            version = try row.value("version")
        }
    }
}

extension Reflector.Assembly {
    /// The composite types of the schema that `members` describes, sorted by name.
    func compositeTypes(of members: Reflector.Members) -> [CompositeTypeState] {
        var attributes: [String: [CompositeTypeState.Attribute]] = [:]
        for row in rows.compositeAttributes {
            attributes[row.compositeType, default: []].append(CompositeTypeState.Attribute(
                name: row.name, type: rows.local["t/\(row.relation)/\(row.attnum)"] ?? row.type))
        }
        return members.types.filter { $0.kind == "c" }.map { c in
            CompositeTypeState(name: c.name, attributes: attributes[c.oid] ?? [], comment: typeComments[c.oid])
        }.sorted { $0.name < $1.name }
    }
}
