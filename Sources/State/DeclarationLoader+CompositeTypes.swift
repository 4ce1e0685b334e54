import Yams

/// `types:`: composite types, their attributes in order, usable as a column's
/// or a function's type.
extension DeclarationLoader.Parser {
    func parseCompositeTypes(_ entry: YAMLEntry) -> [CompositeTypeDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'types'",
            shape: "a mapping of composite type names to { attributes: { name: type, ... } }")
        else { return [] }
        var result: [CompositeTypeDeclaration] = []
        for item in entries {
            let name = item.key
            let owner = "composite type '\(name)'"
            reader.checkName(name, kind: "type name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            if let previous = typeNames[name] {
                reader.error("\(owner) has the same name as \(previous.description) (line \(previous.location.line))",
                             at: item.keyNode,
                             hint: "enums, domains, composite types and tables' row types share one namespace in "
                                 + "PostgreSQL; rename one of them")
            } else {
                // A composite type is a relation too (pg_class): it shares that namespace with tables and indexes.
                claim(name, .table, owner, at: location)
            }
            if PostgresTypeName.isBuiltin(name) {
                reader.error("\(owner) has the name of a built-in type", at: item.keyNode,
                             hint: "a column of type \(name) would get the built-in type; rename the composite type")
            }
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.compositeTypeKeys, what: owner,
                shape: "a mapping with attributes: { name: type, ... } and, optionally, comment:")
            else { continue }
            var type = CompositeTypeDeclaration(name: name, attributes: [], location: location)
            if let attributesEntry = fields["attributes"] {
                type.attributes = parseAttributes(attributesEntry, owner: owner)
            } else {
                reader.error("\(owner) has no attributes", at: item.keyNode,
                             hint: "add attributes:, e.g. \(name): { attributes: { street: text, city: text } }")
            }
            type.comment = comment(in: fields, of: owner)
            // Registered after its attributes are checked: a type cannot contain itself.
            typeNames[name] = Claim(kind: .table, description: owner, location: location)
            compositeTypeNames.append(name)
            result.append(type)
        }
        return result
    }

    func parseAttributes(_ entry: YAMLEntry, owner: String) -> [CompositeTypeDeclaration.Attribute] {
        guard let entries = reader.entries(
            of: entry.value, what: "'attributes' of \(owner)",
            shape: "a mapping of attribute names to types, in order, e.g. { street: text, zip: \"varchar(10)\" }",
            nullIsEmpty: false)
        else { return [] }
        if entries.isEmpty {
            reader.error("\(owner) has no attributes", at: entry.value,
                         hint: "a composite type needs at least one attribute")
        }
        var result: [CompositeTypeDeclaration.Attribute] = []
        for item in entries {
            reader.checkName(item.key, kind: "attribute name", at: item.keyNode)
            guard let type = reader.string(item, of: owner) else { continue }
            let what = "attribute '\(item.key)' of \(owner)"
            checkType(type, at: item.value, owner: what)
            if PostgresTypeName.isSerial(PostgresTypeName.base(of: type).name) {
                reader.error("\(what) cannot be of type \(type)", at: item.value,
                             hint: "serial is a column shorthand, not a type; write integer or bigint")
            }
            result.append(CompositeTypeDeclaration.Attribute(name: item.key, type: type,
                                                             location: item.value.location(in: file)))
        }
        return result
    }
}

extension DeclarationLoader {
    static let compositeTypeKeys = ["attributes", "comment"]
    /// The mapping form of an enum (`enums:`); the list form is its values alone.
    static let enumKeys = ["values", "comment"]
}
