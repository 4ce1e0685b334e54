import Foundation
import Yams

/// `domains:`: a base type with `nullable`, `default`, `collation`, `checks` and
/// `comment`, usable as a column's `type:`.
extension DeclarationLoader.Parser {
    func parseDomains(_ entry: YAMLEntry) -> [DomainDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'domains'",
            shape: "a mapping of domain names to { type: ..., nullable: ..., default: ..., checks: ... }")
        else { return [] }
        var result: [DomainDeclaration] = []
        for item in entries {
            let name = item.key
            let owner = "domain '\(name)'"
            reader.checkName(name, kind: "domain name", at: item.keyNode)
            if let previous = typeNames[name] {
                reader.error("\(owner) has the same name as \(previous.description) (line \(previous.location.line))",
                             at: item.keyNode,
                             hint: "enums, domains, composite types and tables' row types share one namespace in "
                                 + "PostgreSQL; rename one of them")
            } else if let table = relations[name], table.kind == .table {
                reader.error("\(owner) has the same name as table '\(name)' (line \(table.location.line))",
                             at: item.keyNode,
                             hint: "every table has a row type of its own name in PostgreSQL; rename the domain or the table")
            }
            if PostgresTypeName.isBuiltin(name) {
                reader.error("\(owner) has the name of a built-in type", at: item.keyNode,
                             hint: "a column of type \(name) would get the built-in type; rename the domain")
            }
            let location = item.keyNode.location(in: file)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.domainKeys, what: owner,
                shape: "a mapping with type: and, optionally, "
                    + DeclarationLoader.domainKeys.dropFirst().joined(separator: ", "))
            else { continue }
            var domain = DomainDeclaration(name: name, type: "", location: location)
            for field in fields.entries { domain.fieldLocations[field.key] = field.value.location(in: file) }
            if let typeEntry = fields["type"] {
                if let type = reader.string(typeEntry, of: owner) {
                    domain.type = type
                    checkType(type, at: typeEntry.value, owner: owner)
                    if PostgresTypeName.isSerial(PostgresTypeName.base(of: type).name) {
                        reader.error("\(owner) cannot be based on \(type)", at: typeEntry.value,
                                     hint: "serial is a column shorthand, not a type; write integer or bigint")
                    }
                }
            } else {
                reader.error("\(owner) has no type", at: item.keyNode,
                             hint: "add type:, e.g. \(name): { type: text }")
            }
            if let nullableEntry = fields["nullable"], let value = reader.bool(nullableEntry, of: owner) {
                domain.nullable = value
            }
            if let defaultEntry = fields["default"] {
                domain.defaultExpression = parseDefault(defaultEntry, owner: owner)
            }
            if let collationEntry = fields["collation"] {
                domain.collation = reader.string(collationEntry, of: owner)
            }
            domain.comment = comment(in: fields, of: owner)
            if let checksEntry = fields["checks"] {
                domain.checks = parseDomainChecks(checksEntry, owner: owner)
            }
            // Registered after its own type is checked: a domain cannot be based on itself.
            typeNames[name] = Claim(kind: .table, description: owner, location: location)
            domainNames.append(name)
            result.append(domain)
        }
        return result
    }

    func parseDomainChecks(_ entry: YAMLEntry, owner: String) -> [CheckDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'checks' of \(owner)",
            shape: "a mapping of constraint names to SQL expressions on VALUE, e.g. email_has_at: \"VALUE ~ '@'\"")
        else { return [] }
        var result: [CheckDeclaration] = []
        for item in entries {
            reader.checkName(item.key, kind: "check constraint name", at: item.keyNode)
            guard let expression = reader.string(item, of: owner) else { continue }
            guard reader.noNUL(expression, what: "the check '\(item.key)' of \(owner)", at: item.value) else { continue }
            result.append(CheckDeclaration(name: item.key, expression: expression, location: item.value.location(in: file)))
        }
        return result
    }
}

extension DeclarationLoader {
    static let domainKeys = ["type", "nullable", "default", "collation", "checks", "comment"]
}
