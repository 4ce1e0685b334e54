import Foundation
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

    static let topKeys = ["version", "enums", "functions", "tables", "ignore", "views", "materialized_views",
                           "domains", "grants", "sequences", "types"]
    static let tableKeys = ["columns", "primary_key", "unique", "indexes", "foreign_keys", "checks",
                            "triggers", "comment", "renamed_from", "row_level_security", "policies", "grants",
                            "exclusions", "unlogged", "partition_by", "partitions"]
    static let columnKeys = ["type", "nullable", "default", "identity", "generated", "collation",
                             "comment", "renamed_from", "using"]
    static let indexKeys = ["columns", "unique", "using", "where", "include", "nulls_not_distinct", "with", "comment"]
    static let foreignKeyKeys = ["columns", "references", "on_delete", "on_update", "deferrable", "initially_deferred",
                                 "comment"]
    static let referenceKeys = ["schema", "table", "columns"]
    static let primaryKeyKeys = ["name", "columns", "deferrable", "initially_deferred", "comment"]
    /// The long form of a check: `{ expression: ..., comment: ... }`.
    static let checkKeys = ["expression", "comment"]

    /// What to do when there is no `schema.yaml`: write one, point at it, or import a tenant.
    static let missingFileHint = "write the schema declaration there, or pass its path with --schema; "
        + "to start from an existing tenant schema, run tenantplan import --tenant NAME"

    /// Reads the file at `path`.
    ///
    /// - Throws: `InputErrors`.
    public static func load(path: String) throws -> Declaration {
        let text = try YAMLReader.readFile(at: path, hint: missingFileHint)
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
        let parser = Parser(reader: reader)
        parser.sourceLines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let declaration = try parser.parse(root)
        try reader.finish()
        return declaration
    }
}

extension DeclarationLoader {
    /// One pass over the composed document, recording errors in the reader.
    final class Parser {
        let reader: YAMLReader
        var file: String { reader.file }

        /// Declared enum names, in order.
        var enumNames: [String] = []
        /// Declared function names (the keys of `functions:`), read before the tables.
        var functionNames: [String] = []
        // MARK: Domains
        /// Declared domain names, in order, read before the tables.
        var domainNames: [String] = []
        /// Declared composite type names, in order, read before the tables.
        var compositeTypeNames: [String] = []
        /// Type names declared so far (enums, domains), with where.
        var typeNames: [String: Claim] = [:]
        /// The file's lines, for places inside literal blocks.
        var sourceLines: [Substring] = []
        /// Table names in order, and each table's column names: read before the tables
        /// themselves so that references to later tables resolve.
        var tableNames: [String] = []
        var tableColumns: [String: [String]] = [:]

        /// Names in PostgreSQL's relation namespace (pg_class): tables, indexes, key
        /// constraints' indexes, serial and identity sequences.
        var relations: [String: Claim] = [:]
        /// Index and constraint names, which tenantplan requires unique in the schema.
        /// Index names (indexes, primary keys, unique constraints), schema-wide.
        var indexNames: [String: Claim] = [:]
        /// Constraint names per table (`table NUL name`): PostgreSQL keeps them per
        /// table; primary-key and unique names are index names too.
        var constraintNames: [String: Claim] = [:]
        /// Old names given by renamed_from, by scope, and where.
        var renameSources: [String: SourceLocation] = [:]

        struct Claim {
            enum Kind { case table, sequence, primaryKey, unique, index, foreignKey, check, exclusion }
            var kind: Kind
            var description: String
            var location: SourceLocation

            var isRelation: Bool { [.table, .sequence, .primaryKey, .unique, .index, .exclusion].contains(kind) }
            var isConstraint: Bool { [.primaryKey, .unique, .foreignKey, .check, .exclusion].contains(kind) }
            /// Names that are indexes: schema-wide.
            var isIndexName: Bool { [.primaryKey, .unique, .index, .exclusion].contains(kind) }
        }

        init(reader: YAMLReader) { self.reader = reader }

        func parse(_ root: Node) throws -> Declaration {
            var declaration = Declaration(file: file)
            guard let top = reader.fields(
                of: root, allowed: DeclarationLoader.topKeys, what: "the schema file",
                shape: "a mapping with the keys version, enums, domains, types, sequences, functions, tables, views, "
                    + "materialized_views, ignore and grants")
            else { return declaration }

            try reader.checkVersion(in: top, of: root, supported: DeclarationLoader.supportedVersion)

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
            for e in declaration.enums {
                typeNames[e.name] = Claim(kind: .table, description: "enum '\(e.name)'",
                                          location: e.location ?? SourceLocation(file: file, line: 1, column: 1))
            }
            if let domainsEntry = top["domains"] {
                declaration.domains = parseDomains(domainsEntry)
            }
            // Composite types: after enums and domains, which their attributes may use, before the tables.
            if let typesEntry = top["types"] { declaration.compositeTypes = parseCompositeTypes(typesEntry) }
            if let functionsEntry = top["functions"] {
                declaration.functions = parseFunctions(functionsEntry)
            }
            for entry in tableEntries {
                if let table = parseTable(entry) { declaration.tables.append(table) }
            }
            // Views: after the tables, whose names they must not take.
            if let viewsEntry = top["views"] { declaration.views += parseViews(viewsEntry, materialized: false) }
            if let viewsEntry = top["materialized_views"] {
                declaration.views += parseViews(viewsEntry, materialized: true)
            }
            // Sequences: after the tables, whose names and columns they must not take and may be owned by.
            if let sequencesEntry = top["sequences"] {
                declaration.sequences = parseSequences(sequencesEntry, tables: declaration.tables)
            }
            checkForeignKeyTargets(declaration)
            if let grantsEntry = top["grants"] { declaration.grants = parseSchemaGrants(grantsEntry) }
            if let ignoreEntry = top["ignore"] {
                let globs = parseIgnore(ignoreEntry)
                checkIgnored(declaration, globs)
                declaration.ignore = Self.rules(globs)
            }
            return declaration
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
                of: entry.value, what: "'enums'",
                shape: "a mapping of enum names to lists of labels, or to { values: [labels], comment: text }")
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
                var comment: String?
                var labelsEntry = item
                var labelsOwner = "enums"
                if case .mapping = item.value {
                    // The mapping form: { values: [pending, paid], comment: "..." }.
                    let owner = "enum '\(name)'"
                    guard let fields = reader.fields(
                        of: item.value, allowed: DeclarationLoader.enumKeys, what: owner,
                        shape: "a list of labels such as [pending, paid], or a mapping with values: [pending, paid] "
                            + "and, optionally, comment:")
                    else { continue }
                    guard let valuesEntry = fields["values"] else {
                        reader.error("\(owner) has no values", at: item.keyNode,
                                     hint: "add values:, e.g. \(name): { values: [pending, paid], comment: \"...\" }")
                        continue
                    }
                    comment = self.comment(in: fields, of: owner)
                    labelsEntry = valuesEntry
                    labelsOwner = owner
                }
                guard let labels = reader.list(labelsEntry, of: labelsOwner,
                                               shape: "a list of labels such as [pending, paid]")
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
                result.append(EnumDeclaration(name: name, values: values, comment: comment,
                                               location: item.keyNode.location(in: file)))
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
            if let triggersEntry = fields["triggers"] {
                table.triggers = parseTriggers(triggersEntry, table: name, declared: declared)
            }
            if let exclusionsEntry = fields["exclusions"] {
                table.exclusions = parseExclusions(exclusionsEntry, table: name, declared: declared)
            }
            parsePartitioning(fields, into: &table)
            table.comment = comment(in: fields, of: owner)
            // Row-level security, policies and grants.
            if let rlsEntry = fields["row_level_security"] { table.rowSecurity = parseRowSecurity(rlsEntry, table: name) }
            if let policiesEntry = fields["policies"] { table.policies = parsePolicies(policiesEntry, table: name) }
            if let grantsEntry = fields["grants"] { table.grants = parseGrants(grantsEntry, of: owner, kind: .table) ?? [] }
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

        /// Registers an index, constraint or sequence name, reporting a clash with a name
        /// already in the same PostgreSQL namespace: the schema's relations (tables,
        /// indexes, sequences, and the indexes of primary keys and unique constraints),
        /// or the constraints of one table (`table`; checks and foreign keys live only
        /// there, so two tables may each have a check `x_positive`).
        func claim(_ name: String, _ kind: Claim.Kind, _ description: String, table: String? = nil,
                   at location: SourceLocation) {
            let claim = Claim(kind: kind, description: description, location: location)
            if claim.isIndexName, let previous = indexNames[name] {
                reader.error(
                    "duplicate name '\(name)': already used by \(previous.description) at line \(previous.location.line)",
                    at: location,
                    hint: "index, primary key and unique constraint names must be unique within the schema; rename one of them")
                return
            }
            let constraintKey = table.map { "\($0)\u{0}\(name)" }
            if claim.isConstraint, let constraintKey, let previous = constraintNames[constraintKey] {
                reader.error(
                    "duplicate name '\(name)': already used by \(previous.description) at line \(previous.location.line)",
                    at: location,
                    hint: "constraint names must be unique within their table; rename one of them")
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
            if claim.isIndexName { indexNames[name] = claim }
            if claim.isConstraint, let constraintKey { constraintNames[constraintKey] = claim }
            if claim.isRelation, relations[name] == nil { relations[name] = claim }
        }
    }
}
