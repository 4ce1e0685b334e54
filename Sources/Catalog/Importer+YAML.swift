import Foundation
import Postgres
import State

/// Rendering a `Declaration` as `schema.yaml` text.
///
/// Written by hand rather than by a YAML emitter so that the file reads like one a
/// person wrote (`id: { type: bigint, identity: always }`, aligned columns), which
/// matters for a file that teams commit and edit. Every key and value goes through
/// `yamlScalar`, which writes a plain scalar only when that is unambiguous in both
/// block and flow context, and a double-quoted one otherwise; `Importer` reads the
/// result back with `DeclarationLoader` and requires the same declaration.
extension Importer {
    /// The whole file: header comment lines, then the declaration.
    static func yaml(_ declaration: Declaration, header: [String]) -> String {
        var out = header.map { $0.isEmpty ? "#\n" : "# \($0)\n" }.joined()
        if !header.isEmpty { out += "\n" }
        out += "version: \(declaration.version)\n"
        out += ignoreSection(declaration.ignore)
        if !declaration.enums.isEmpty {
            out += "enums:\n"
            for e in declaration.enums {
                // The mapping form only with a comment: the list form says the rest.
                let value = e.comment == nil ? flowList(e.values)
                    : flowMapping([("values", flowList(e.values))] + commentField(e.comment))
                out += "  \(yamlScalar(e.name)): \(value)\n"
            }
        }
        out += domainsSection(declaration.domains)
        out += compositeTypesSection(declaration.compositeTypes)
        out += sequencesSection(declaration.sequences)
        out += functionsSection(declaration.functions)
        out += schemaGrantsYAML(declaration.grants)
        if declaration.tables.isEmpty {
            out += "tables: {}\n"
        } else {
            out += "tables:\n"
            for (i, table) in declaration.tables.enumerated() {
                if i > 0 { out += "\n" }
                out += yaml(table)
            }
        }
        out += viewsSection(declaration.views)
        return out
    }

    static func yaml(_ table: TableDeclaration) -> String {
        var out = "  \(yamlScalar(table.name)):\n"
        if let comment = table.comment { out += "    comment: \(yamlScalar(comment))\n" }
        if table.unlogged { out += "    unlogged: true\n" }
        out += "    columns:\n"
        let keys = table.columns.map { yamlScalar($0.name) + ":" }
        // Align the values of short names; a long name does not push every line right.
        let width = keys.map(\.count).filter { $0 <= 24 }.max() ?? 0
        for (key, column) in zip(keys, table.columns) {
            let padding = String(repeating: " ", count: max(1, width + 1 - key.count))
            out += "      \(key)\(padding)\(flowMapping(columnFields(column, table: table)))\n"
        }
        if let key = table.partitionBy {
            out += "    partition_by: \(yamlScalar(key))\n"
            if !table.partitions.isEmpty {
                out += "    partitions:\n"
                for p in table.partitions { out += "      \(yamlScalar(p.name)): \(yamlScalar(p.bound))\n" }
            }
        }
        if let pk = table.primaryKey {
            if pk.name == "\(table.name)_pkey" && pk.timing == ConstraintTiming() && pk.comment == nil {
                out += "    primary_key: \(flowList(pk.columns))\n"
            } else {
                let fields = [("name", yamlScalar(pk.name)), ("columns", flowList(pk.columns))] + timingFields(pk.timing)
                    + commentField(pk.comment)
                out += "    primary_key: \(flowMapping(fields))\n"
            }
        }
        if !table.uniques.isEmpty {
            out += "    unique:\n"
            for u in table.uniques {
                var fields = [("columns", flowList(u.columns))] + timingFields(u.timing)
                if u.nullsNotDistinct { fields.append(("nulls_not_distinct", "true")) }
                fields += commentField(u.comment)
                let value = fields.count == 1 ? flowList(u.columns) : flowMapping(fields)
                out += "      \(yamlScalar(u.name)): \(value)\n"
            }
        }
        if !table.indexes.isEmpty {
            out += "    indexes:\n"
            for index in table.indexes {
                out += "      \(yamlScalar(index.name)): \(flowMapping(indexFields(index) + commentField(index.comment)))\n"
            }
        }
        if !table.foreignKeys.isEmpty {
            out += "    foreign_keys:\n"
            for fk in table.foreignKeys {
                out += "      \(yamlScalar(fk.name)):\n"
                out += "        columns: \(flowList(fk.columns))\n"
                var target: [(String, String)] = []
                if let schema = fk.referencedSchema { target.append(("schema", yamlScalar(schema))) }
                target.append(("table", yamlScalar(fk.referencedTable)))
                target.append(("columns", flowList(fk.referencedColumns)))
                out += "        references: \(flowMapping(target))\n"
                if let action = fk.onDelete { out += "        on_delete: \(yamlScalar(action.rawValue))\n" }
                if let action = fk.onUpdate { out += "        on_update: \(yamlScalar(action.rawValue))\n" }
                for (key, value) in timingFields(fk.timing) + commentField(fk.comment) { out += "        \(key): \(value)\n" }
            }
        }
        if !table.checks.isEmpty {
            out += "    checks:\n"
            for check in table.checks {
                let value = check.comment == nil ? yamlScalar(check.expression)
                    : flowMapping([("expression", yamlScalar(check.expression))] + commentField(check.comment))
                out += "      \(yamlScalar(check.name)): \(value)\n"
            }
        }
        if !table.exclusions.isEmpty {
            out += "    exclusions:\n"
            for x in table.exclusions {
                var fields = [("using", yamlScalar(x.method)), ("elements", flowList(x.elements))]
                if let predicate = x.predicate { fields.append(("where", yamlScalar(predicate))) }
                out += "      \(yamlScalar(x.name)): \(flowMapping(fields + timingFields(x.timing) + commentField(x.comment)))\n"
            }
        }
        if !table.triggers.isEmpty {
            out += "    triggers:\n"
            for t in table.triggers {
                out += "      \(yamlScalar(t.name)): \(flowMapping(triggerFields(t)))\n"
            }
        }
        out += securityYAML(table)
        return out
    }

    /// A trigger's keys, of a table or a view.
    static func triggerFields(_ t: TriggerDeclaration) -> [(String, String)] {
        var fields = [("timing", t.timing.rawValue), ("events", flowList(t.events.map(\.rawValue))),
                      ("for_each", t.forEach.rawValue), ("function", yamlScalar(t.function))]
        if let when = t.when { fields.append(("when", yamlScalar(when))) }
        if let comment = t.comment { fields.append(("comment", yamlScalar(comment))) }
        return fields
    }

    /// `comment:` of a constraint or index, when it has one.
    static func commentField(_ comment: String?) -> [(String, String)] {
        comment.map { [("comment", yamlScalar($0))] } ?? []
    }

    /// `deferrable: true` and `initially_deferred: true` where they hold.
    static func timingFields(_ timing: ConstraintTiming) -> [(String, String)] {
        timing.initiallyDeferred ? [("initially_deferred", "true")] : timing.deferrable ? [("deferrable", "true")] : []
    }

    /// An index's keys: `columns`, then `unique`, `using`, `include`, `where`,
    /// `nulls_not_distinct`, `with` where set.
    static func indexFields(_ index: IndexDeclaration) -> [(String, String)] {
        var fields = [("columns", flowList(index.columns))]
        if index.unique { fields.append(("unique", "true")) }
        if let method = index.method { fields.append(("using", yamlScalar(method))) }
        if !index.include.isEmpty { fields.append(("include", flowList(index.include))) }
        if let predicate = index.predicate { fields.append(("where", yamlScalar(predicate))) }
        if index.nullsNotDistinct { fields.append(("nulls_not_distinct", "true")) }
        if !index.storage.isEmpty {
            let parameters = index.storage.sorted { $0.key < $1.key }.map { ($0.key, yamlScalar($0.value)) }
            fields.append(("with", flowMapping(parameters)))
        }
        return fields
    }

    /// `functions:`, each function's SQL as a literal block (`|`) when it reads
    /// back exactly so, else as one double-quoted line.
    static func functionsSection(_ functions: [FunctionDeclaration]) -> String {
        guard !functions.isEmpty else { return "" }
        var out = "functions:\n"
        for f in functions {
            out += "  \(yamlScalar(f.name)):\n"
            if let comment = f.comment { out += "    comment: \(yamlScalar(comment))\n" }
            out += "    sql: \(literalBlock(f.sql, indent: "      ") ?? yamlScalar(f.sql))\n"
        }
        return out
    }

    /// `|-` and the lines of `text` indented, or nil when a literal block would
    /// not read back as `text`: a line of only spaces (YAML takes it as empty),
    /// a first line that starts with a space, or a character YAML refuses or
    /// breaks lines at.
    static func literalBlock(_ text: String, indent: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, !first.hasPrefix(" "), !first.hasPrefix("\t"), !text.hasSuffix("\n") else { return nil }
        for line in lines where !line.isEmpty && line.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
        let printable = text.unicodeScalars.allSatisfy { s in
            let v = s.value
            return v == 0x0A || v == 0x09 || (0x20...0x7E).contains(v) || (0xA0...0xD7FF).contains(v)
                || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
        }
        guard printable, !text.unicodeScalars.contains(where: { ["\u{FEFF}", "\u{2028}", "\u{2029}"].contains($0) })
        else { return nil }
        return "|-\n" + lines.map { $0.isEmpty ? "" : indent + $0 }.joined(separator: "\n")
    }

    /// A column's keys in the order the spec writes them; `nullable: false` only where
    /// the loader would not imply it (primary key, identity and serial columns).
    static func columnFields(_ column: ColumnDeclaration, table: TableDeclaration) -> [(String, String)] {
        var fields = [("type", yamlScalar(column.type))]
        let implied = column.identity != nil || column.isSerial
            || (table.primaryKey?.columns.contains(column.name) ?? false)
        if !column.nullable && !implied { fields.append(("nullable", "false")) }
        if let value = column.defaultExpression { fields.append(("default", yamlScalar(value))) }
        if let identity = column.identity { fields.append(("identity", identity.rawValue)) }
        if let value = column.generated { fields.append(("generated", yamlScalar(value))) }
        if let value = column.collation { fields.append(("collation", yamlScalar(value))) }
        if let value = column.comment { fields.append(("comment", yamlScalar(value))) }
        return fields
    }

    /// `{ key: value, ... }`; values are already rendered.
    static func flowMapping(_ fields: [(String, String)]) -> String {
        "{ " + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + " }"
    }

    /// `[a, "b, c"]`.
    static func flowList(_ items: [String]) -> String {
        "[" + items.map(yamlScalar).joined(separator: ", ") + "]"
    }

    /// Words that YAML 1.1 resolvers (Yams') read as booleans or null when plain.
    static let reservedWords: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"]

    /// `text` as a YAML scalar that reads back as exactly `text`, as a key or a value,
    /// in block or flow context.
    ///
    /// Plain only for ASCII text that starts with a letter or `_`, holds nothing but
    /// letters, digits, spaces and `_ . $ ( ) - + * / < > =`, has no leading, trailing
    /// or doubled space, and is not a word YAML 1.1 reads as a boolean or null. Such text
    /// can start no YAML indicator, contains no `: `, ` #` or flow indicator, and cannot
    /// resolve to a number or timestamp (those start with a digit, sign or dot).
    /// Anything else is double-quoted with escapes (the JSON set, plus YAML's for the
    /// characters a YAML reader treats as line breaks or rejects), on one line.
    public static func yamlScalar(_ text: String) -> String {
        if isPlainSafe(text) { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            default:
                let v = scalar.value
                let printable = v == 0x20 || (0x21...0x7E).contains(v) || (0xA0...0xD7FF).contains(v)
                    || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
                if printable && v != 0xFEFF {
                    out.unicodeScalars.append(scalar)
                } else if v <= 0xFF {
                    out += String(format: "\\x%02X", v)
                } else {
                    out += String(format: "\\u%04X", v)
                }
            }
        }
        return out + "\""
    }

    static func isPlainSafe(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last else { return false }
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
        guard isLetter(first) || first == "_", last != " " else { return false }
        var previous: Unicode.Scalar = first
        for s in scalars {
            let allowed = isLetter(s) || ("0"..."9").contains(s) || "_.$()-+*/<>= ".unicodeScalars.contains(s)
            guard allowed, !(s == " " && previous == " ") else { return false }
            previous = s
        }
        return !reservedWords.contains(text.lowercased())
    }

    /// The comment at the top of the file: where it came from, what it leaves out, and
    /// what tenantplan does not manage.
    static func header(tenant: String, database: String, toolVersion: String, built: Built,
                       unmanaged: [String]) -> [String] {
        var lines = [
            "Imported by tenantplan \(toolVersion) from tenant \(tenant) (database \(database)).",
            "`tenantplan plan` compares every tenant schema with this declaration.",
        ]
        func section(_ title: [String], _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("")
            lines += title
            lines += items.map { "  - \($0)" }
        }
        section(["Skipped: schema.yaml cannot express these. Tenants that have them keep them",
                 "(plans hold them back); new tenants do not get them."],
                built.skipped.map(\.description))
        section(["Imported with a difference that the first plan shows:"], built.caveats.map(\.description))
        section(["Not managed by tenantplan (never created, changed or dropped by it):"], unmanaged)
        return lines.map(commentSafe)
    }

    /// A line for a `#` comment: control characters and line breaks escaped, so that
    /// no name or expression can end the comment.
    static func commentSafe(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                out += v <= 0xFF ? String(format: "\\x%02X", v) : String(format: "\\u%04X", v)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
