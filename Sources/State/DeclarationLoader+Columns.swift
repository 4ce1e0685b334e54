import Foundation
import Yams

/// Columns: their types and defaults, and PostgreSQL's rules for identity, generated
/// and serial columns.
extension DeclarationLoader.Parser {
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
        column.comment = comment(in: fields, of: owner)
        if let renamedEntry = fields["renamed_from"], let old = reader.string(renamedEntry, of: owner) {
            if reader.checkName(old, kind: "old column name", at: renamedEntry.value),
               checkRename(old, of: name, kind: "column", scope: table, in: owner,
                           among: declared, at: renamedEntry.value) {
                column.renamedFrom = old
            }
        }
        if let usingEntry = fields["using"], let expression = reader.string(usingEntry, of: owner) {
            if expression.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("'using' of \(owner) has no value", at: usingEntry.keyNode,
                             hint: "write the SQL expression that computes the new value, e.g. "
                                 + "using: \"\(name)::integer\", or remove the key")
            } else if reader.noNUL(expression, what: "'using' of \(owner)", at: usingEntry.value) {
                column.using = expression
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
        if column.generated != nil, let using = fields["using"] {
            reader.error("generated \(owner) cannot have using:", at: using.keyNode,
                         hint: "remove using:; a generated column's values are computed from generated:")
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
        if domainNames.contains(base.name) || domainNames.contains(PostgresTypeName.unquoted(base.name)) { return }
        if compositeTypeNames.contains(base.name) || compositeTypeNames.contains(PostgresTypeName.unquoted(base.name)) {
            return
        }
        let candidates = enumNames + domainNames + compositeTypeNames + PostgresTypeName.builtins.sorted()
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
}
