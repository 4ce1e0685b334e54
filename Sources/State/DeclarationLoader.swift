import Foundation
import SQLSyntax
import Yams

/// Reads and validates `schema.yaml` into a `Declaration`.
///
/// Validation is offline and complete: every error of the file is reported in one
/// `InputErrors`, sorted by line, each with the file, line and column of the offending key
/// or value and a hint. What only a server can judge (the text of types, defaults and
/// expressions) is kept as written, with its location, for the plan step to report.
public enum DeclarationLoader {
    /// The only `version:` this tenantplan reads.
    public static let supportedVersion = 1

    static let topKeys = ["version", "enums", "tables"]
    static let tableKeys = ["columns", "primary_key", "unique", "indexes", "foreign_keys", "checks",
                            "comment", "renamed_from"]
    static let columnKeys = ["type", "nullable", "default", "identity", "generated", "collation",
                             "comment", "renamed_from"]
    static let indexKeys = ["columns", "unique", "using", "where", "include"]
    static let foreignKeyKeys = ["columns", "references", "on_delete", "on_update"]
    static let referenceKeys = ["schema", "table", "columns"]
    static let primaryKeyKeys = ["name", "columns"]

    /// Reads the file at `path`.
    ///
    /// - Throws: `InputErrors`.
    public static func load(path: String) throws -> Declaration {
        let text = try YAMLReader.readFile(
            at: path, hint: "write the schema declaration there, or pass its path with --schema")
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates `yaml`; `file` names it in locations.
    ///
    /// - Throws: `InputErrors` with every error found, sorted by line and column.
    public static func parse(yaml: String, file: String) throws -> Declaration {
        let reader = YAMLReader(file: file)
        guard let root = try reader.compose(yaml) else {
            throw InputErrors([InputError(
                "empty file: expected version: 1 and tables:",
                at: SourceLocation(file: file, line: 1, column: 1),
                hint: "start the file with version: 1, then declare the tenant tables under tables:")])
        }
        let declaration = try Parser(reader: reader).parse(root)
        try reader.finish()
        return declaration
    }

    /// If an index element is a plain column reference, its column: `email`, `"Email"`,
    /// `created_at DESC NULLS LAST`. Nil for an expression (`lower(email)`) or an element
    /// with an operator class or collation, which the server checks.
    static func plainColumn(ofIndexElement element: String) -> (name: String, quoted: Bool)? {
        let scalars = Array(element.trimmingCharacters(in: .whitespaces).unicodeScalars)
        guard let first = scalars.first else { return nil }
        let name: String
        let index: Int
        let quoted = first == "\""
        if quoted {
            let token = SQLScanner.quoted(in: scalars, from: 0)
            guard token.closed, !token.text.isEmpty else { return nil }
            (name, index) = (token.text, token.end)
        } else {
            guard let end = SQLScanner.identifierEnd(in: scalars, from: 0) else { return nil }
            (name, index) = (String(String.UnicodeScalarView(scalars[..<end])), end)
        }
        var rest = String(String.UnicodeScalarView(scalars[index...]))
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        rest = rest.lowercased()
        let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var tail = words[...]
        if let word = tail.first, word == "asc" || word == "desc" { tail = tail.dropFirst() }
        if tail.count == 2, tail.first == "nulls", tail.last == "first" || tail.last == "last" {
            tail = tail.dropFirst(2)
        }
        return tail.isEmpty ? (name, quoted) : nil
    }
}

extension DeclarationLoader {
    /// One pass over the composed document, recording errors in the reader.
    private final class Parser {
        let reader: YAMLReader
        var file: String { reader.file }

        /// Declared enum names, in order.
        var enumNames: [String] = []
        /// Table names in order, and each table's column names: read before the tables
        /// themselves so that references to later tables resolve.
        var tableNames: [String] = []
        var tableColumns: [String: [String]] = [:]

        /// Names in PostgreSQL's relation namespace (pg_class): tables, indexes, key
        /// constraints' indexes, serial and identity sequences.
        var relations: [String: Claim] = [:]
        /// Index and constraint names, which tenantplan requires unique in the schema.
        var constraintNames: [String: Claim] = [:]
        /// Old names given by renamed_from, by scope, and where.
        var renameSources: [String: SourceLocation] = [:]

        struct Claim {
            enum Kind { case table, sequence, primaryKey, unique, index, foreignKey, check }
            var kind: Kind
            var description: String
            var location: SourceLocation

            var isRelation: Bool { [.table, .sequence, .primaryKey, .unique, .index].contains(kind) }
            var isConstraintOrIndex: Bool { [.primaryKey, .unique, .index, .foreignKey, .check].contains(kind) }
        }

        init(reader: YAMLReader) { self.reader = reader }

        func parse(_ root: Node) throws -> Declaration {
            var declaration = Declaration(file: file)
            guard let top = reader.fields(
                of: root, allowed: DeclarationLoader.topKeys, what: "the schema file",
                shape: "a mapping with the keys version, enums and tables")
            else { return declaration }

            if let version = top["version"] {
                try checkVersion(version)
            } else {
                reader.error("missing version", at: root, hint: "add version: 1 at the top of the file")
            }

            let tablesEntry = top["tables"]
            var tableEntries: [YAMLEntry] = []
            if let tablesEntry {
                tableEntries = reader.entries(
                    of: tablesEntry.value, what: "'tables'",
                    shape: "a mapping of table names to tables") ?? []
            } else {
                reader.error("missing tables", at: root,
                             hint: "add tables: with the tenant tables (tables: {} declares none)")
            }
            prescan(tableEntries)

            if let enumsEntry = top["enums"] {
                declaration.enums = parseEnums(enumsEntry)
            }
            for entry in tableEntries {
                if let table = parseTable(entry) { declaration.tables.append(table) }
            }
            checkForeignKeyTargets(declaration)
            return declaration
        }

        func checkVersion(_ entry: YAMLEntry) throws {
            let text = entry.value.scalarText ?? entry.value.kindDescription
            guard text.trimmingCharacters(in: .whitespaces) == String(DeclarationLoader.supportedVersion) else {
                let shown = entry.value.isNull ? "(none)" : text
                throw InputErrors([InputError(
                    "unsupported version \(shown); this tenantplan reads version \(DeclarationLoader.supportedVersion)",
                    at: entry.value.isNull ? entry.keyNode.location(in: file) : entry.value.location(in: file),
                    hint: "write version: \(DeclarationLoader.supportedVersion), or use the tenantplan release that reads this version")])
            }
        }

        /// Table names and their column names, before the full parse.
        func prescan(_ entries: [YAMLEntry]) {
            for entry in entries {
                tableNames.append(entry.key)
                relations[entry.key] = Claim(kind: .table, description: "table '\(entry.key)'",
                                             location: entry.keyNode.location(in: file))
                var columns: [String] = []
                if case .mapping(let mapping) = entry.value,
                   let columnsNode = mapping.first(where: { $0.key.scalarText == "columns" })?.value,
                   case .mapping(let columnMapping) = columnsNode {
                    columns = columnMapping.compactMap { $0.key.scalarText }
                }
                tableColumns[entry.key] = columns
            }
        }

        // MARK: Enums

        func parseEnums(_ entry: YAMLEntry) -> [EnumDeclaration] {
            guard let entries = reader.entries(
                of: entry.value, what: "'enums'", shape: "a mapping of enum names to lists of labels")
            else { return [] }
            var result: [EnumDeclaration] = []
            for item in entries {
                let name = item.key
                reader.checkName(name, kind: "enum name", at: item.keyNode)
                enumNames.append(name)
                if let table = relations[name], table.kind == .table {
                    reader.error("enum '\(name)' has the same name as table '\(name)' (line \(table.location.line))",
                                 at: item.keyNode,
                                 hint: "every table has a row type of its own name in PostgreSQL; rename the enum or the table")
                }
                if PostgresTypeName.isBuiltin(name) {
                    reader.error("enum '\(name)' has the name of a built-in type", at: item.keyNode,
                                 hint: "a column of type \(name) would get the built-in type; rename the enum")
                }
                guard let labels = reader.list(item, of: "enums", shape: "a list of labels such as [pending, paid]")
                else { continue }
                var values: [String] = []
                var seen: [String: Node] = [:]
                for label in labels {
                    guard let text = label.scalarText else {
                        reader.error("each label of enum '\(name)' must be a single value, not \(label.kindDescription)",
                                     at: label, hint: "write the labels as a list of strings, e.g. [pending, paid]")
                        continue
                    }
                    guard reader.checkName(text, kind: "enum label", at: label) else { continue }
                    if let previous = seen[text] {
                        reader.error("duplicate label '\(text)' in enum '\(name)'", at: label,
                                     hint: "'\(text)' is already listed at line \(previous.mark?.line ?? 0); remove one")
                        continue
                    }
                    seen[text] = label
                    values.append(text)
                }
                result.append(EnumDeclaration(name: name, values: values, location: item.keyNode.location(in: file)))
            }
            return result
        }

        // MARK: Tables

        func parseTable(_ entry: YAMLEntry) -> TableDeclaration? {
            let name = entry.key
            let owner = "table '\(name)'"
            reader.checkName(name, kind: "table name", at: entry.keyNode)
            guard let fields = reader.fields(
                of: entry.value, allowed: DeclarationLoader.tableKeys, what: owner,
                shape: "a mapping with columns: and, optionally, "
                    + DeclarationLoader.tableKeys.dropFirst().joined(separator: ", "))
            else { return nil }
            var table = TableDeclaration(name: name, columns: [], location: entry.keyNode.location(in: file))
            let declared = tableColumns[name] ?? []

            // Columns, with where `nullable:` was written, for the primary key's implied NOT NULL.
            var explicitNullable: [String: (value: Bool, keyNode: Node)] = [:]
            if let columnsEntry = fields["columns"] {
                let columnEntries = reader.entries(
                    of: columnsEntry.value, what: "'columns' of \(owner)",
                    shape: "a mapping of column names to columns") ?? []
                if columnEntries.isEmpty, columnsEntry.value.isNull || columnsEntry.value.mapping != nil {
                    reader.error("\(owner) has no columns", at: columnsEntry.keyNode,
                                 hint: "declare at least one column, e.g. id: { type: bigint, identity: always }")
                }
                for columnEntry in columnEntries {
                    guard let parsed = parseColumn(columnEntry, table: name, declared: declared) else { continue }
                    table.columns.append(parsed.column)
                    if let nullable = parsed.nullable { explicitNullable[parsed.column.name] = nullable }
                }
            } else {
                reader.error("\(owner) has no columns", at: entry.keyNode,
                             hint: "add columns: with at least one column, e.g. id: { type: bigint, identity: always }")
            }
            claimSequences(of: table)

            if let pkEntry = fields["primary_key"] {
                table.primaryKey = parsePrimaryKey(pkEntry, table: name, declared: declared)
                if let primaryKey = table.primaryKey {
                    for columnName in primaryKey.columns {
                        guard let index = table.columns.firstIndex(where: { $0.name == columnName }) else { continue }
                        if let explicit = explicitNullable[columnName], explicit.value {
                            reader.error("primary key column '\(columnName)' of \(owner) cannot be nullable",
                                         at: explicit.keyNode,
                                         hint: "remove nullable: true; primary key columns are always NOT NULL")
                        }
                        table.columns[index].nullable = false
                    }
                }
            }
            if let uniqueEntry = fields["unique"] {
                table.uniques = parseUniques(uniqueEntry, table: name, declared: declared)
            }
            if let indexesEntry = fields["indexes"] {
                table.indexes = parseIndexes(indexesEntry, table: name, declared: declared)
            }
            if let fkEntry = fields["foreign_keys"] {
                table.foreignKeys = parseForeignKeys(fkEntry, table: name, declared: declared)
            }
            if let checksEntry = fields["checks"] {
                table.checks = parseChecks(checksEntry, table: name)
            }
            if let commentEntry = fields["comment"] {
                table.comment = reader.string(commentEntry, of: owner)
            }
            if let renamedEntry = fields["renamed_from"], let old = reader.string(renamedEntry, of: owner) {
                if reader.checkName(old, kind: "old table name", at: renamedEntry.value),
                   checkRename(old, of: name, kind: "table", scope: "", in: owner, among: tableNames, at: renamedEntry.value) {
                    table.renamedFrom = old
                }
            }
            return table
        }

        /// Old names must be gone: not the name itself, not another declared name, and
        /// not claimed by an earlier rename in the same scope (the schema for tables, the
        /// table for columns).
        func checkRename(_ old: String, of name: String, kind: String, scope: String, in owner: String,
                         among declared: [String], at node: Node) -> Bool {
            if old == name {
                reader.error("\(owner) is renamed from itself", at: node, hint: "remove renamed_from:")
                return false
            }
            if declared.contains(old) {
                reader.error("renamed_from of \(owner) names '\(old)', which is a declared \(kind)", at: node,
                             hint: "renamed_from gives the \(kind)'s old name, which must no longer be declared; "
                                 + "remove renamed_from: or the other \(kind)")
                return false
            }
            let key = "\(kind)\u{0}\(scope)\u{0}\(old)"
            if let previous = renameSources[key] {
                reader.error("'\(old)' is already renamed at line \(previous.line)", at: node,
                             hint: "a \(kind) can be renamed to one new name only; remove one renamed_from:")
                return false
            }
            renameSources[key] = node.location(in: file)
            return true
        }

        // MARK: Columns

        /// The column, and whether (and where) `nullable:` was written explicitly.
        func parseColumn(_ entry: YAMLEntry, table: String, declared: [String])
            -> (column: ColumnDeclaration, nullable: (value: Bool, keyNode: Node)?)? {
            let name = entry.key
            let owner = "column '\(name)' of table '\(table)'"
            reader.checkName(name, kind: "column name", at: entry.keyNode)
            var column = ColumnDeclaration(name: name, type: "", location: entry.keyNode.location(in: file))

            // Short form: `id: bigint`.
            if !entry.value.isNull, let type = entry.value.scalarText {
                guard reader.noNUL(type, what: "the type of \(owner)", at: entry.value) else { return nil }
                column.type = type
                column.fieldLocations["type"] = entry.value.location(in: file)
                checkType(type, at: entry.value, owner: owner)
                if type.isEmpty {
                    reader.error("\(owner) has an empty type", at: entry.value,
                                 hint: "write a PostgreSQL type, e.g. \(name): text")
                    return nil
                }
                if PostgresTypeName.isSerial(PostgresTypeName.base(of: type).name) { column.nullable = false }
                return (column, nil)
            }
            if entry.value.isNull {
                reader.error("\(owner) has no type", at: entry.keyNode,
                             hint: "write \(name): { type: text } or \(name): text")
                return nil
            }
            guard let fields = reader.fields(of: entry.value, allowed: DeclarationLoader.columnKeys, what: owner)
            else { return nil }
            for field in fields.entries {
                column.fieldLocations[field.key] = field.value.location(in: file)
            }

            if let typeEntry = fields["type"] {
                if let type = reader.string(typeEntry, of: owner) {
                    column.type = type
                    checkType(type, at: typeEntry.value, owner: owner)
                }
            } else {
                reader.error("\(owner) has no type", at: entry.keyNode,
                             hint: "add type:, e.g. \(name): { type: text }")
            }
            var explicitNullable: (value: Bool, keyNode: Node)?
            if let nullableEntry = fields["nullable"], let value = reader.bool(nullableEntry, of: owner) {
                column.nullable = value
                explicitNullable = (value, nullableEntry.keyNode)
            }
            if let defaultEntry = fields["default"] {
                column.defaultExpression = parseDefault(defaultEntry, owner: owner)
            }
            if let identityEntry = fields["identity"], let text = reader.string(identityEntry, of: owner) {
                switch text.lowercased() {
                case "always": column.identity = .always
                case "by_default", "by default": column.identity = .byDefault
                default:
                    reader.error("unsupported identity '\(text)' in \(owner)", at: identityEntry.value,
                                 hint: "write identity: always or identity: by_default")
                }
            }
            if let generatedEntry = fields["generated"] {
                column.generated = reader.string(generatedEntry, of: owner)
            }
            if let collationEntry = fields["collation"] {
                column.collation = reader.string(collationEntry, of: owner)
            }
            if let commentEntry = fields["comment"] {
                column.comment = reader.string(commentEntry, of: owner)
            }
            if let renamedEntry = fields["renamed_from"], let old = reader.string(renamedEntry, of: owner) {
                if reader.checkName(old, kind: "old column name", at: renamedEntry.value),
                   checkRename(old, of: name, kind: "column", scope: table, in: owner,
                               among: declared, at: renamedEntry.value) {
                    column.renamedFrom = old
                }
            }
            checkColumnRules(column, fields: fields, owner: owner)
            if column.identity != nil || PostgresTypeName.isSerial(PostgresTypeName.base(of: column.type).name) {
                column.nullable = false
            }
            return (column, explicitNullable)
        }

        /// A default's text as written: YAML `0` gives "0" and `true` gives "true".
        func parseDefault(_ entry: YAMLEntry, owner: String) -> String? {
            let value = entry.value
            guard let text = value.scalarText else {
                reader.error("'default' of \(owner) must be an SQL expression, not \(value.kindDescription)",
                             at: value, hint: "quote the expression, e.g. default: \"'{}'::jsonb\"")
                return nil
            }
            if value.isNull && (text.isEmpty || text == "~") || text.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("'default' of \(owner) has no value", at: entry.keyNode,
                             hint: "write an SQL expression, e.g. default: now() or default: \"'pending'\", "
                                 + "or remove the key")
                return nil
            }
            guard reader.noNUL(text, what: "'default' of \(owner)", at: value) else { return nil }
            return text
        }

        /// The rules PostgreSQL applies to identity, generated and serial columns.
        func checkColumnRules(_ column: ColumnDeclaration, fields: YAMLFields, owner: String) {
            let base = PostgresTypeName.base(of: column.type)
            let isSerial = PostgresTypeName.isSerial(base.name)
            if column.identity != nil, column.generated != nil, let identity = fields["identity"] {
                reader.error("\(owner) cannot be both an identity column and a generated column",
                             at: identity.keyNode, hint: "remove identity: or generated:")
            }
            if let defaultEntry = fields["default"], column.defaultExpression != nil {
                if column.identity != nil {
                    reader.error("identity \(owner) cannot have a default", at: defaultEntry.keyNode,
                                 hint: "remove default:; the identity's sequence provides the value")
                } else if column.generated != nil {
                    reader.error("generated \(owner) cannot have a default", at: defaultEntry.keyNode,
                                 hint: "remove default:; the value is computed from generated:")
                } else if isSerial {
                    reader.error("serial \(owner) cannot have a default", at: defaultEntry.keyNode,
                                 hint: "serial takes its default from its own sequence; remove default:, "
                                     + "or use an integer type such as bigint")
                }
            }
            if isSerial, let identity = fields["identity"], column.identity != nil {
                reader.error("serial \(owner) cannot also be an identity column", at: identity.keyNode,
                             hint: "use type: bigint with identity: (recommended), or serial without identity:")
            }
            if isSerial, let generated = fields["generated"], column.generated != nil {
                reader.error("serial \(owner) cannot be a generated column", at: generated.keyNode,
                             hint: "use an integer type such as bigint with generated:")
            }
            if isSerial, base.isArray, let type = fields["type"] {
                reader.error("\(owner) is an array of serial, which PostgreSQL does not have", at: type.value,
                             hint: "use an integer array type such as bigint[]")
            }
            if column.identity != nil, !isSerial, let identity = fields["identity"],
               base.isArray || !PostgresTypeName.integerTypes.contains(base.name.lowercased()) {
                reader.error("identity \(owner) has type '\(column.type)'; identity columns must be smallint, integer or bigint",
                             at: identity.keyNode, hint: "change the type to bigint, or remove identity:")
            }
            if let nullable = fields["nullable"], column.nullable {
                if column.identity != nil {
                    reader.error("identity \(owner) cannot be nullable", at: nullable.keyNode,
                                 hint: "remove nullable: true; identity columns are always NOT NULL")
                } else if isSerial {
                    reader.error("serial \(owner) cannot be nullable", at: nullable.keyNode,
                                 hint: "remove nullable: true; serial columns are always NOT NULL")
                }
            }
        }

        /// A type must be built in, a declared enum, or schema-qualified (checked by the server).
        func checkType(_ type: String, at node: Node, owner: String) {
            let base = PostgresTypeName.base(of: type)
            guard !base.name.isEmpty else {
                if !type.isEmpty {
                    reader.error("the type '\(type)' of \(owner) has no type name", at: node,
                                 hint: "write a PostgreSQL type, e.g. text or varchar(200)")
                }
                return
            }
            if base.isQualified || PostgresTypeName.isBuiltin(base.name) { return }
            if enumNames.contains(base.name) || enumNames.contains(PostgresTypeName.unquoted(base.name)) { return }
            let candidates = enumNames + PostgresTypeName.builtins.sorted()
            reader.error(
                "unknown type '\(base.name)' for \(owner)", at: node,
                hint: Suggestion.hint(
                    for: base.name, among: candidates,
                    otherwise: "declare it under enums: or write a schema-qualified shared type such as public.citext"))
        }

        /// Serial and identity columns own a sequence named `<table>_<column>_seq`.
        func claimSequences(of table: TableDeclaration) {
            for column in table.columns
            where column.identity != nil || PostgresTypeName.isSerial(PostgresTypeName.base(of: column.type).name) {
                let name = "\(table.name)_\(column.name)_seq"
                guard name.utf8.count <= YAMLReader.maxNameBytes, let location = column.location else { continue }
                claim(name, .sequence, "the sequence of column '\(column.name)' of table '\(table.name)'", at: location)
            }
        }

        /// Registers an index, constraint or sequence name, reporting a clash with a name
        /// already in the same PostgreSQL namespace.
        func claim(_ name: String, _ kind: Claim.Kind, _ description: String, at location: SourceLocation) {
            let claim = Claim(kind: kind, description: description, location: location)
            if claim.isConstraintOrIndex, let previous = constraintNames[name] {
                reader.error(
                    "duplicate name '\(name)': already used by \(previous.description) at line \(previous.location.line)",
                    at: location,
                    hint: "index and constraint names must be unique within the schema; rename one of them")
                return
            }
            if claim.isRelation, let previous = relations[name],
               !(previous.kind == .sequence && kind == .sequence) {
                reader.error(
                    "name '\(name)' of \(description) is already used by \(previous.description) at line \(previous.location.line)",
                    at: location,
                    hint: "tables, indexes, primary key and unique constraints and sequences share one "
                        + "namespace in PostgreSQL; rename one of them")
                return
            }
            if claim.isConstraintOrIndex { constraintNames[name] = claim }
            if claim.isRelation, relations[name] == nil { relations[name] = claim }
        }

        // MARK: Keys

        func parsePrimaryKey(_ entry: YAMLEntry, table: String, declared: [String]) -> KeyDeclaration? {
            let owner = "the primary key of table '\(table)'"
            let location = entry.keyNode.location(in: file)
            var name = "\(table)_pkey"
            var columns: [(String, Node)]?
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
            }
            guard let columns else { return nil }
            checkColumnReferences(columns, in: owner, table: table, declared: declared)
            claim(name, .primaryKey, "the primary key of table '\(table)'", at: location)
            return KeyDeclaration(name: name, columns: columns.map(\.0), location: location)
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
                claim(item.key, .unique, "the unique constraint '\(item.key)' of table '\(table)'", at: location)
                guard let columns = reader.stringList(
                    item, of: "table '\(table)'", itemName: "column", required: true) else { continue }
                checkColumnReferences(columns, in: owner, table: table, declared: declared)
                result.append(KeyDeclaration(name: item.key, columns: columns.map(\.0), location: location))
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

        // MARK: Indexes

        func parseIndexes(_ entry: YAMLEntry, table: String, declared: [String]) -> [IndexDeclaration] {
            guard let entries = reader.entries(
                of: entry.value, what: "'indexes' of table '\(table)'",
                shape: "a mapping of index names to indexes")
            else { return [] }
            var result: [IndexDeclaration] = []
            for item in entries {
                let owner = "index '\(item.key)' of table '\(table)'"
                reader.checkName(item.key, kind: "index name", at: item.keyNode)
                let location = item.keyNode.location(in: file)
                claim(item.key, .index, "the index '\(item.key)' of table '\(table)'", at: location)
                guard let fields = reader.fields(
                    of: item.value, allowed: DeclarationLoader.indexKeys, what: owner,
                    shape: "a mapping with columns: and, optionally, unique, using, where, include")
                else { continue }
                var index = IndexDeclaration(name: item.key, columns: [], location: location)
                var valid = true
                if let columnsEntry = fields["columns"] {
                    if let elements = reader.stringList(columnsEntry, of: owner, itemName: "column or expression",
                                                        required: true) {
                        for (element, node) in elements {
                            checkIndexElement(element, at: node, owner: owner, table: table, declared: declared)
                        }
                        index.columns = elements.map(\.0)
                    } else {
                        valid = false
                    }
                } else {
                    reader.error("\(owner) has no columns", at: item.keyNode,
                                 hint: "add columns: [...] with column names or SQL expressions")
                    valid = false
                }
                if let uniqueEntry = fields["unique"], let unique = reader.bool(uniqueEntry, of: owner) {
                    index.unique = unique
                }
                if let usingEntry = fields["using"] {
                    index.method = reader.string(usingEntry, of: owner)
                }
                if let whereEntry = fields["where"] {
                    index.predicate = reader.string(whereEntry, of: owner)
                }
                if let includeEntry = fields["include"],
                   let include = reader.stringList(includeEntry, of: owner, itemName: "column", required: false) {
                    checkColumnReferences(include, in: "'include' of \(owner)", table: table, declared: declared)
                    index.include = include.map(\.0)
                }
                if valid { result.append(index) }
            }
            return result
        }

        /// An element that is a plain (optionally quoted) identifier must be a declared
        /// column: as an SQL expression it could only name a column anyway. Expressions
        /// are left to the server.
        func checkIndexElement(_ element: String, at node: Node, owner: String, table: String, declared: [String]) {
            if declared.contains(element) { return }
            guard let (name, quoted) = DeclarationLoader.plainColumn(ofIndexElement: element) else { return }
            if declared.contains(name) || (!quoted && declared.contains(name.lowercased())) { return }
            reader.error(
                "unknown column '\(name)' in \(owner)", at: node,
                hint: Suggestion.hint(
                    for: name, among: declared,
                    otherwise: "write a column of table '\(table)' (\(declared.joined(separator: ", "))) "
                        + "or an SQL expression such as lower(email)"))
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
                claim(item.key, .foreignKey, "the foreign key '\(item.key)' of table '\(table)'", at: location)
                guard let fields = reader.fields(
                    of: item.value, allowed: DeclarationLoader.foreignKeyKeys, what: owner,
                    shape: "a mapping with columns:, references: and, optionally, on_delete:, on_update:")
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
                guard valid, let target else { continue }
                result.append(ForeignKeyDeclaration(
                    name: item.key, columns: columns.map(\.0), referencedSchema: target.schema,
                    referencedTable: target.table, referencedColumns: target.columns,
                    onDelete: onDelete, onUpdate: onUpdate, location: location))
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
                            + "columns; reference the primary key, or declare one under unique: of table '\(target.name)'")
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
                claim(item.key, .check, "the check '\(item.key)' of table '\(table)'",
                      at: item.keyNode.location(in: file))
                guard let expression = reader.string(item, of: "table '\(table)'") else { continue }
                result.append(CheckDeclaration(name: item.key, expression: expression,
                                               location: item.value.location(in: file)))
            }
            return result
        }
    }
}
