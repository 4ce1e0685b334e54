import Foundation
import Yams

/// Primary keys, unique constraints, foreign keys and checks.
extension DeclarationLoader.Parser {
    // MARK: Keys

    func parsePrimaryKey(_ entry: YAMLEntry, table: String, declared: [String]) -> KeyDeclaration? {
        let owner = "the primary key of table '\(table)'"
        let location = entry.keyNode.location(in: file)
        var name = "\(table)_pkey"
        var columns: [(String, Node)]?
        var timing = ConstraintTiming()
        var comment: String?
        if entry.value.sequence != nil {
            if name.utf8.count > YAMLReader.maxNameBytes {
                reader.error("the primary key name '\(name)' is \(name.utf8.count) bytes long; "
                                 + "PostgreSQL allows at most \(YAMLReader.maxNameBytes) bytes",
                             at: entry.keyNode,
                             hint: "name it explicitly: primary_key: { name: <shorter name>, columns: [...] }")
            }
            columns = reader.stringList(entry, of: "table '\(table)'", itemName: "column", required: true)
        } else {
            guard let fields = reader.fields(
                of: entry.value, allowed: DeclarationLoader.primaryKeyKeys, what: owner,
                shape: "a list of columns, or a mapping { name: ..., columns: [...] }")
            else { return nil }
            if let nameEntry = fields["name"], let text = reader.string(nameEntry, of: owner) {
                reader.checkName(text, kind: "primary key name", at: nameEntry.value)
                name = text
            } else if fields["name"] == nil {
                reader.error("\(owner) has no name", at: entry.keyNode,
                             hint: "add name:, or write the columns as a list to get the name \(name)")
            }
            if let columnsEntry = fields["columns"] {
                columns = reader.stringList(columnsEntry, of: owner, itemName: "column", required: true)
            } else {
                reader.error("\(owner) has no columns", at: entry.keyNode, hint: "add columns: [...]")
            }
            timing = parseTiming(fields, of: owner)
            comment = self.comment(in: fields, of: owner)
        }
        guard let columns else { return nil }
        checkColumnReferences(columns, in: owner, table: table, declared: declared)
        claim(name, .primaryKey, "the primary key of table '\(table)'", table: table, at: location)
        return KeyDeclaration(name: name, columns: columns.map(\.0), location: location, timing: timing,
                              comment: comment)
    }

    func parseUniques(_ entry: YAMLEntry, table: String, declared: [String]) -> [KeyDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'unique' of table '\(table)'",
            shape: "a mapping of constraint names to lists of columns")
        else { return [] }
        var result: [KeyDeclaration] = []
        for item in entries {
            let owner = "unique constraint '\(item.key)' of table '\(table)'"
            reader.checkName(item.key, kind: "unique constraint name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            claim(item.key, .unique, "the unique constraint '\(item.key)' of table '\(table)'", table: table, at: location)
            var key = KeyDeclaration(name: item.key, columns: [], location: location)
            var columnsEntry = item
            if item.value.mapping != nil {
                // The long form: { columns: [...], deferrable:, initially_deferred:, nulls_not_distinct: }.
                guard let fields = reader.fields(
                    of: item.value, allowed: DeclarationLoader.uniqueKeys, what: owner,
                    shape: "a list of columns, or a mapping with columns: and, optionally, "
                        + DeclarationLoader.uniqueKeys.dropFirst().joined(separator: ", "))
                else { continue }
                guard let entry = fields["columns"] else {
                    reader.error("\(owner) has no columns", at: item.keyNode, hint: "add columns: [...]")
                    continue
                }
                columnsEntry = entry
                key.timing = parseTiming(fields, of: owner)
                if let entry = fields["nulls_not_distinct"], let value = reader.bool(entry, of: owner) {
                    key.nullsNotDistinct = value
                }
                key.comment = comment(in: fields, of: owner)
            }
            guard let columns = reader.stringList(
                columnsEntry, of: item.value.mapping != nil ? owner : "table '\(table)'", itemName: "column",
                required: true) else { continue }
            checkColumnReferences(columns, in: owner, table: table, declared: declared)
            key.columns = columns.map(\.0)
            result.append(key)
        }
        return result
    }

    /// Each listed column is a declared column of the table, listed once.
    func checkColumnReferences(_ columns: [(String, Node)], in owner: String, table: String, declared: [String]) {
        var seen: Set<String> = []
        for (column, node) in columns {
            if !declared.contains(column) {
                reader.error(
                    "unknown column '\(column)' in \(owner)", at: node,
                    hint: Suggestion.hint(
                        for: column, among: declared,
                        otherwise: "the columns of table '\(table)' are: \(declared.joined(separator: ", "))"))
            } else if !seen.insert(column).inserted {
                reader.error("column '\(column)' is listed twice in \(owner)", at: node,
                             hint: "list each column once")
            }
        }
    }

    // MARK: Foreign keys

    func parseForeignKeys(_ entry: YAMLEntry, table: String, declared: [String]) -> [ForeignKeyDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'foreign_keys' of table '\(table)'",
            shape: "a mapping of constraint names to foreign keys")
        else { return [] }
        var result: [ForeignKeyDeclaration] = []
        for item in entries {
            let owner = "foreign key '\(item.key)' of table '\(table)'"
            reader.checkName(item.key, kind: "foreign key name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            claim(item.key, .foreignKey, "the foreign key '\(item.key)' of table '\(table)'", table: table,
                  at: location)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.foreignKeyKeys, what: owner,
                shape: "a mapping with columns:, references: and, optionally, on_delete:, on_update:, "
                    + "deferrable:, initially_deferred:, comment:")
            else { continue }
            var valid = true
            var columns: [(String, Node)] = []
            if let columnsEntry = fields["columns"] {
                if let list = reader.stringList(columnsEntry, of: owner, itemName: "column", required: true) {
                    columns = list
                    checkColumnReferences(list, in: owner, table: table, declared: declared)
                } else {
                    valid = false
                }
            } else {
                reader.error("\(owner) has no columns", at: item.keyNode, hint: "add columns: [...]")
                valid = false
            }
            var target: (schema: String?, table: String, columns: [String])?
            if let referencesEntry = fields["references"] {
                target = parseReference(referencesEntry, owner: owner, columnCount: valid ? columns.count : nil)
            } else {
                reader.error("\(owner) has no references", at: item.keyNode,
                             hint: "add references: { table: ..., columns: [...] }")
            }
            let onDelete = fields["on_delete"].flatMap { parseAction($0, owner: owner) }
            let onUpdate = fields["on_update"].flatMap { parseAction($0, owner: owner) }
            let timing = parseTiming(fields, of: owner)
            let comment = self.comment(in: fields, of: owner)
            guard valid, let target else { continue }
            result.append(ForeignKeyDeclaration(
                name: item.key, columns: columns.map(\.0), referencedSchema: target.schema,
                referencedTable: target.table, referencedColumns: target.columns,
                onDelete: onDelete, onUpdate: onUpdate, location: location, timing: timing, comment: comment))
        }
        return result
    }

    func parseReference(_ entry: YAMLEntry, owner: String, columnCount: Int?)
        -> (schema: String?, table: String, columns: [String])? {
        let what = "'references' of \(owner)"
        guard let fields = reader.fields(
            of: entry.value, allowed: DeclarationLoader.referenceKeys, what: what,
            shape: "a mapping { table: ..., columns: [...] }, with schema: for a shared table")
        else { return nil }
        var schema: String?
        if let schemaEntry = fields["schema"] {
            guard let text = reader.string(schemaEntry, of: what) else { return nil }
            reader.checkName(text, kind: "schema name", at: schemaEntry.value)
            schema = text
        }
        guard let tableEntry = fields["table"] else {
            reader.error("\(what) has no table", at: entry.keyNode, hint: "add table: <referenced table>")
            return nil
        }
        guard let table = reader.string(tableEntry, of: what) else { return nil }
        var targetColumns: [String]?
        if schema == nil {
            if let columns = tableColumns[table] {
                targetColumns = columns
            } else {
                reader.error(
                    "\(owner) references unknown table '\(table)'", at: tableEntry.value,
                    hint: Suggestion.hint(
                        for: table, among: tableNames,
                        otherwise: "declare the table under tables:, or add schema: for a shared table such as public.plans"))
            }
        } else {
            reader.checkName(table, kind: "table name", at: tableEntry.value)
        }
        guard let columnsEntry = fields["columns"] else {
            reader.error("\(what) has no columns", at: entry.keyNode, hint: "add columns: [...] of the referenced table")
            return nil
        }
        guard let columns = reader.stringList(columnsEntry, of: what, itemName: "column", required: true)
        else { return nil }
        if let targetColumns {
            checkColumnReferences(columns, in: "\(owner) (referenced table '\(table)')", table: table,
                                  declared: targetColumns)
        }
        if let columnCount, columnCount != columns.count {
            reader.error("\(owner) has \(columnCount) column\(columnCount == 1 ? "" : "s") but references \(columns.count)",
                         at: columnsEntry.value,
                         hint: "list as many referenced columns as the foreign key has columns, in the same order")
        }
        return (schema, table, columns.map(\.0))
    }

    func parseAction(_ entry: YAMLEntry, owner: String) -> ReferentialAction? {
        guard let text = reader.string(entry, of: owner) else { return nil }
        let normalized = text.lowercased().replacingOccurrences(of: "_", with: " ")
            .split(separator: " ").joined(separator: " ")
        if let action = ReferentialAction(rawValue: normalized) { return action }
        let allowed = ReferentialAction.allCases.map(\.rawValue)
        reader.error("unsupported \(entry.key) '\(text)' in \(owner)", at: entry.value,
                     hint: Suggestion.hint(for: normalized, among: allowed,
                                           otherwise: "use one of: \(allowed.joined(separator: ", "))"))
        return nil
    }

    /// PostgreSQL requires a primary key or unique constraint (or a unique index without
    /// predicate or expressions) on exactly the referenced columns of a tenant table.
    func checkForeignKeyTargets(_ declaration: Declaration) {
        // By name, once: a declaration may hold thousands of tables.
        let tables = Dictionary(declaration.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for table in declaration.tables {
            for foreignKey in table.foreignKeys where foreignKey.referencedSchema == nil {
                guard let target = tables[foreignKey.referencedTable],
                      let location = foreignKey.location,
                      foreignKey.referencedColumns.allSatisfy({ target.column(named: $0) != nil })
                else { continue }
                guard !target.hasKey(on: foreignKey.referencedColumns) else { continue }
                let list = foreignKey.referencedColumns.joined(separator: ", ")
                reader.error(
                    "foreign key '\(foreignKey.name)' of table '\(table.name)' references (\(list)) of table "
                        + "'\(target.name)', which is not its primary key or a unique constraint",
                    at: location,
                    hint: "PostgreSQL requires a primary key or unique constraint on exactly the referenced "
                        + "columns, not deferrable; reference the primary key, or declare one under unique: of table '\(target.name)'")
            }
        }
    }

    // MARK: Checks

    func parseChecks(_ entry: YAMLEntry, table: String) -> [CheckDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'checks' of table '\(table)'",
            shape: "a mapping of constraint names to SQL expressions")
        else { return [] }
        var result: [CheckDeclaration] = []
        for item in entries {
            reader.checkName(item.key, kind: "check constraint name", at: item.keyNode)
            claim(item.key, .check, "the check '\(item.key)' of table '\(table)'", table: table,
                  at: item.keyNode.location(in: file))
            guard item.value.mapping != nil else {
                guard let expression = reader.string(item, of: "table '\(table)'") else { continue }
                result.append(CheckDeclaration(name: item.key, expression: expression,
                                               location: item.value.location(in: file)))
                continue
            }
            // The long form: { expression: ..., comment: ... }.
            let owner = "check '\(item.key)' of table '\(table)'"
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.checkKeys, what: owner,
                shape: "an SQL expression, or a mapping { expression: ..., comment: ... }")
            else { continue }
            guard let expressionEntry = fields["expression"] else {
                reader.error("\(owner) has no expression", at: item.keyNode,
                             hint: "add expression: with the SQL condition, e.g. expression: \"total >= 0\"")
                continue
            }
            guard let expression = reader.string(expressionEntry, of: owner) else { continue }
            result.append(CheckDeclaration(name: item.key, expression: expression,
                                           location: expressionEntry.value.location(in: file),
                                           comment: comment(in: fields, of: owner)))
        }
        return result
    }
}
