import Postgres
import SQLSyntax
import State

// MARK: - Per-schema query (search_path = the schema)

extension Reflector {
    /// What one schema needs re-read with itself on the path.
    struct LocalItems {
        var constraints: [String] = []
        var defaults: [String] = []
        var indexes: [String] = []
        var types: [(rel: String, attnum: String)] = []
        var collations: [(rel: String, attnum: String)] = []
        /// Managed routines and triggers: their texts are always read with the path set.
        var routines: [String] = []
        var triggers: [String] = []
        /// Views and materialized views: always read with the path set (`Reflector+Views.swift`).
        var views: [String] = []
        /// Domains any of whose texts name the schema: read again as a whole.
        var domains: [String] = []

        /// Policies whose expressions name the schema's own objects.
        var policies: [String] = []
        /// Partitioned tables whose partition key names the schema's own objects
        /// (a function or an operator class of the tenant).
        var partitionKeys: [String] = []


        var isEmpty: Bool {
            constraints.isEmpty && defaults.isEmpty && indexes.isEmpty && types.isEmpty && collations.isEmpty
                && routines.isEmpty && triggers.isEmpty && views.isEmpty && domains.isEmpty && policies.isEmpty
                && partitionKeys.isEmpty
        }

        /// The query that re-reads these items, with only the parts it needs:
        /// it is planned afresh for each schema, so the smaller the better. Its
        /// rows decode as `LocalTextRow`.
        var statement: PipelineStatement {
            var parts: [String] = []
            var parameters: [String?] = []
            func parameter(_ values: [String]) -> String {
                parameters.append(arrayLiteral(values))
                return "$\(parameters.count)"
            }
            if !constraints.isEmpty {
                parts.append("""
                    SELECT 'c' AS kind, con.oid::int8::text AS key, pg_get_constraintdef(con.oid, true) AS text
                    FROM pg_constraint con WHERE con.oid = ANY(\(parameter(constraints))::oid[])
                    """)
            }
            if !defaults.isEmpty {
                parts.append("""
                    SELECT 'd' AS kind, ad.oid::int8::text AS key, pg_get_expr(ad.adbin, ad.adrelid, true) AS text
                    FROM pg_attrdef ad WHERE ad.oid = ANY(\(parameter(defaults))::oid[])
                    """)
            }
            if !indexes.isEmpty {
                parts.append("""
                    SELECT 'i' AS kind, i.indexrelid::int8::text AS key, pg_get_indexdef(i.indexrelid, 0, true) AS text
                    FROM pg_index i WHERE i.indexrelid = ANY(\(parameter(indexes))::oid[])
                    """)
            }
            if !types.isEmpty {
                parts.append("""
                    SELECT 't' AS kind, a.attrelid::int8::text || '/' || a.attnum::text AS key,
                           format_type(a.atttypid, a.atttypmod) AS text
                    FROM unnest(\(parameter(types.map(\.rel)))::oid[], \(parameter(types.map(\.attnum)))::int2[]) AS k(rel, num)
                    JOIN pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.num
                    """)
            }
            if !collations.isEmpty {
                parts.append("""
                    SELECT 'l' AS kind, a.attrelid::int8::text || '/' || a.attnum::text AS key,
                           CASE WHEN pg_collation_is_visible(co.oid) THEN quote_ident(co.collname)
                                ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS text
                    FROM unnest(\(parameter(collations.map(\.rel)))::oid[], \(parameter(collations.map(\.attnum)))::int2[]) AS k(rel, num)
                    JOIN pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.num
                    JOIN pg_collation co ON co.oid = a.attcollation
                    JOIN pg_namespace cn ON cn.oid = co.collnamespace
                    """)
            }
            if !routines.isEmpty { parts.append(Reflector.routineTextsQuery(parameter(routines))) }
            if !triggers.isEmpty { parts.append(Reflector.triggerTextsQuery(parameter(triggers))) }
            if !views.isEmpty { parts.append(Reflector.viewTextsQuery(parameter(views))) }
            if !domains.isEmpty { parts.append(Reflector.domainTextsQuery(parameter(domains))) }
            if !policies.isEmpty { parts.append(Reflector.policyTextsQuery(parameter(policies))) }
            if !partitionKeys.isEmpty {
                parts.append("""
                    SELECT 'pk' AS kind, pt.partrelid::int8::text AS key, pg_get_partkeydef(pt.partrelid) AS text
                    FROM pg_partitioned_table pt WHERE pt.partrelid = ANY(\(parameter(partitionKeys))::oid[])
                    """)
            }
            return PipelineStatement(parts.joined(separator: "\nUNION ALL\n"), parameters)
        }

        /// The same items, each listed once: an item may depend on several local objects.
        var deduplicated: LocalItems {
            var unique = self
            unique.constraints = Array(Set(constraints))
            unique.defaults = Array(Set(defaults))
            unique.indexes = Array(Set(indexes))
            return unique
        }
    }

    /// A text of `LocalItems.statement`: `kind` is the key prefix of `BatchRows.local`.
    struct LocalTextRow: RowDecodable {
        var kind: String
        var key: String
        /// Nil when the object was dropped after the batch read it.
        var text: String?

        init(_ row: Row) throws {
            kind = try row.value("kind")
            key = try row.value("key")
            text = try row["text"]
        }
    }
}

extension Reflector.BatchRows {
    /// The items of each schema whose text names the schema's own objects, by
    /// position in `present`. A foreign key to a table of its own schema is made
    /// unqualified here when it can be (`unqualifiedForeignKey`), and is not read again.
    mutating func localItems(of present: [Reflector.Members], owners: Reflector.Owners) -> [Reflector.LocalItems] {
        typealias Catalog = Reflector.Catalog
        var local = Array(repeating: Reflector.LocalItems(), count: present.count)
        for i in present.indices { local[i].views = Reflector.viewOIDs(of: present[i]) }
        for row in constraints {
            guard let schema = owners.ofClass[row.table] else { continue }
            if row.kind == "f" {
                guard present[schema].hasLocal(Catalog.pgClass, row.referencedTableOID) else { continue }
                if let definition = row.definition, let table = row.localReferencedTable,
                   let text = Reflector.unqualifiedForeignKey(definition, schema: present[schema].quotedName, table: table) {
                    self.local["c/\(row.oid)"] = text
                } else {
                    local[schema].constraints.append(row.oid)
                }
            } else if let text = row.definition, present[schema].names(text) {
                local[schema].constraints.append(row.oid)
            }
        }
        for row in indexes {
            // The head names the table, qualified: look at what follows it.
            guard let definition = row.definition, let schema = owners.ofClass[row.table],
                  present[schema].names(row.tail(of: definition, unique: false))
            else { continue }
            local[schema].indexes.append(row.oid)
        }
        for row in routines where row.isManaged {
            guard let schema = owners.ofRoutine[row.oid], let definition = row.definition else { continue }
            let m = present[schema]
            // The head names the schema whatever the path: look at what follows it.
            let body = Reflector.neutralised(definition: definition, quotedSchema: m.quotedName, schema: m.schema)
            if m.names(body) || m.names(row.arguments ?? "") || m.names(row.result ?? "") {
                local[schema].routines.append(row.oid)
            } else {
                self.local["fd/\(row.oid)"] = definition
                self.local["fa/\(row.oid)"] = row.arguments
                self.local["fr/\(row.oid)"] = row.result
            }
        }
        for row in triggers {
            guard let schema = owners.ofClass[row.table] else { continue }
            if let text = Reflector.unqualifiedTrigger(row, schema: present[schema].quotedName) {
                self.local["gd/\(row.oid)"] = text
            } else {
                local[schema].triggers.append(row.oid)
            }
        }
        // Domains: read again when a text of the domain or of one of its checks names the schema.
        var domainsNaming: Set<String> = []
        for row in domains {
            guard let schema = owners.ofDomain[row.oid], row.names(in: present[schema]) else { continue }
            domainsNaming.insert(row.oid)
        }
        for row in domainChecks {
            guard let schema = owners.ofDomain[row.domain], present[schema].names(row.definition) else { continue }
            domainsNaming.insert(row.domain)
        }
        for oid in domainsNaming.sorted() {
            if let schema = owners.ofDomain[oid] { local[schema].domains.append(oid) }
        }
        for row in policies {
            guard let schema = owners.ofClass[row.table] else { continue }
            if [row.using, row.withCheck].contains(where: { $0.map(present[schema].names) ?? false }) {
                local[schema].policies.append(row.oid)
            }
        }
        for row in tableShapes {
            guard let key = row.partitionKey, let schema = owners.ofClass[row.table], present[schema].names(key)
            else { continue }
            local[schema].partitionKeys.append(row.table)
        }
        // Composite types: an attribute whose type is the schema's own is read again.
        for row in compositeAttributes {
            guard let schema = owners.ofComposite[row.compositeType] else { continue }
            if present[schema].hasLocal(Catalog.pgType, row.typeOID)
                || present[schema].hasLocal(Catalog.pgType, row.elementTypeOID) || present[schema].names(row.type) {
                local[schema].types.append((row.relation, row.attnum))
            }
        }
        for row in columns {
            guard let schema = owners.ofClass[row.table] else { continue }
            if let attrdef = row.defaultOID, let text = row.defaultExpression, present[schema].names(text) {
                local[schema].defaults.append(attrdef)
            }
            // An array type records no namespace dependency of its own: check its
            // element too; a table's row type has none either: check the text.
            if present[schema].hasLocal(Catalog.pgType, row.typeOID)
                || present[schema].hasLocal(Catalog.pgType, row.elementTypeOID) || present[schema].names(row.type) {
                local[schema].types.append((row.table, row.attnum))
            }
            if let collation = row.collationOID, present[schema].hasLocal(Catalog.pgCollation, collation) {
                local[schema].collations.append((row.table, row.attnum))
            }
        }
        return local
    }

    /// Reads the texts of `items` again, each schema with `search_path` set to
    /// itself alone, in one pipeline, into `local`.
    mutating func readLocalTexts(_ items: [Reflector.LocalItems], of present: [Reflector.Members],
                                 transactionOnly: Bool, on connection: Connection) throws {
        var statements: [PipelineStatement] = []
        for (m, schemaItems) in zip(present, items) where !schemaItems.isEmpty {
            statements.append(PipelineStatement("SELECT set_config('search_path', $1, $2::boolean)",
                                                [quoteIdentifier(m.schema), transactionOnly ? "true" : "false"]))
            statements.append(schemaItems.deduplicated.statement)
        }
        guard !statements.isEmpty else { return }
        let results = try connection.pipeline(statements)
        // Each schema's texts follow its set_config.
        for i in stride(from: 1, to: results.count, by: 2) {
            for row in try results[i].decode(Reflector.LocalTextRow.self) {
                guard let text = row.text else { continue }
                local["\(row.kind)/\(row.key)"] = text
            }
        }
    }
}

extension Reflector {
    /// A foreign key's text, deparsed with an empty `search_path`, as it reads
    /// with its own schema on the path: `REFERENCES "s"."t"(` becomes
    /// `REFERENCES "t"(`. Both names come quoted as the deparser quotes them
    /// (`quote_ident`). Only the occurrence outside double quotes counts (a
    /// quoted column name may contain anything, but holds its quotes in pairs).
    /// Nil, to read the text again with the schema on the path, when the table
    /// could be shadowed by a `pg_catalog` relation of the same name (`pg_`
    /// prefix) or the text is not as expected.
    static func unqualifiedForeignKey(_ definition: String, schema: String, table: String) -> String? {
        guard !table.hasPrefix("pg_"), !table.hasPrefix("\"pg_") else { return nil }
        let text = Array(definition.utf8)
        let needle = Array(") REFERENCES \(schema).\(table)(".utf8)
        guard let i = SQLScanner.firstUnquotedOccurrence(of: needle, in: text) else { return nil }
        let start = i + ") REFERENCES ".utf8.count
        let qualifier = "\(schema).".utf8.count
        return String(decoding: text[..<start] + text[(start + qualifier)...], as: UTF8.self)
    }
}
