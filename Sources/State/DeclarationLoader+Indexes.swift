import Foundation
import SQLSyntax
import Yams

/// Indexes, and which of their elements are plain columns.
extension DeclarationLoader.Parser {
    /// `declared` nil: the columns are the server's to check (a materialized
    /// view's, named `kind` in messages).
    func parseIndexes(_ entry: YAMLEntry, table: String, declared: [String]?, kind: String = "table") -> [IndexDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'indexes' of \(kind) '\(table)'",
            shape: "a mapping of index names to indexes")
        else { return [] }
        var result: [IndexDeclaration] = []
        for item in entries {
            let owner = "index '\(item.key)' of \(kind) '\(table)'"
            reader.checkName(item.key, kind: "index name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            claim(item.key, .index, "the index '\(item.key)' of \(kind) '\(table)'", at: location)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.indexKeys, what: owner,
                shape: "a mapping with columns: and, optionally, unique, using, where, include, nulls_not_distinct, "
                    + "with, comment")
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
                if let declared { checkColumnReferences(include, in: "'include' of \(owner)", table: table, declared: declared) }
                index.include = include.map(\.0)
            }
            parseIndexOptions(fields, into: &index, owner: owner)
            index.comment = comment(in: fields, of: owner)
            if valid { result.append(index) }
        }
        return result
    }

    /// An element that is a plain (optionally quoted) identifier must be a declared
    /// column: as an SQL expression it could only name a column anyway. Expressions
    /// are left to the server.
    func checkIndexElement(_ element: String, at node: Node, owner: String, table: String, declared: [String]?) {
        guard let declared, !declared.contains(element) else { return }
        guard let (name, quoted) = DeclarationLoader.plainColumn(ofIndexElement: element) else { return }
        if declared.contains(name) || (!quoted && declared.contains(name.lowercased())) { return }
        reader.error(
            "unknown column '\(name)' in \(owner)", at: node,
            hint: Suggestion.hint(
                for: name, among: declared,
                otherwise: "write a column of table '\(table)' (\(declared.joined(separator: ", "))) "
                    + "or an SQL expression such as lower(email)"))
    }
}

extension DeclarationLoader {
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
