import Plan
import SQLSyntax
import State

extension Importer {
    /// The declaration of an index, rebuilt from its keys and compared piece by
    /// piece with the server's definition (`tail`); nil when the definition says
    /// more than the parts (an operator class with parameters, a tablespace),
    /// which `schema.yaml` cannot express.
    static func buildIndex(_ index: Index) -> IndexDeclaration? {
        guard index.keyCount > 0, index.keyCount <= index.keys.count else { return nil }
        let keyParts = index.keys.prefix(index.keyCount)
        let includeParts = index.keys.dropFirst(index.keyCount)

        var rest = Substring(index.tail)
        func take(_ text: String) -> Bool {
            guard rest.hasPrefix(text) else { return false }
            rest = rest.dropFirst(text.count)
            return true
        }
        guard take("USING \(index.quotedMethod) (") else { return nil }
        var elements: [String] = []
        for (i, key) in keyParts.enumerated() {
            guard take(key.text) else { return nil }
            var collation: String?
            if rest.hasPrefix(" COLLATE ") {
                rest = rest.dropFirst(" COLLATE ".count)
                guard let name = takeQualifiedIdentifier(&rest) else { return nil }
                collation = name
            }
            // A non-default operator class: `email text_pattern_ops`.
            var operatorClass: String?
            if rest.hasPrefix(" "), !rest.hasPrefix(" DESC"), !rest.hasPrefix(" NULLS ") {
                rest = rest.dropFirst()
                guard let name = takeQualifiedIdentifier(&rest) else { return nil }
                operatorClass = name
            }
            let ordering = orderingText(key.option)
            guard take(ordering), take(i == index.keyCount - 1 ? ")" : ", ") else { return nil }

            var element: String
            if collation == nil, let column = key.column, IndexElement.isPlainName(column) {
                element = column
            } else {
                element = key.text
            }
            if let collation { element += " COLLATE \(collation)" }
            if let operatorClass {
                // `schema.yaml` parenthesises anything but a name before the class.
                guard collation == nil else { return nil }
                element += " " + operatorClass
            }
            elements.append(element + ordering)
        }
        var include: [String] = []
        if !includeParts.isEmpty {
            guard take(" INCLUDE (\(includeParts.map(\.text).joined(separator: ", ")))") else { return nil }
            for part in includeParts {
                guard let column = part.column else { return nil }
                include.append(column)
            }
        }
        let nullsNotDistinct = take(" NULLS NOT DISTINCT")
        var storage: [String: String] = [:]
        if !index.storage.isEmpty {
            for parameter in index.storage {
                guard let equals = parameter.firstIndex(of: "=") else { return nil }
                storage[String(parameter[..<equals])] = String(parameter[parameter.index(after: equals)...])
            }
            // The server's own text of them, cut off whole.
            guard rest.hasPrefix(" WITH ("), let end = rest.firstIndex(of: ")") else { return nil }
            rest = rest[rest.index(after: end)...]
        }
        if let predicate = index.predicate {
            // Pretty mode leaves the predicate's outer parentheses out.
            guard take(" WHERE \(predicate)") || take(" WHERE (\(predicate))") else { return nil }
        }
        guard rest.isEmpty else { return nil }
        return IndexDeclaration(
            name: index.name, columns: elements, unique: index.unique,
            method: index.method == "btree" ? nil : index.method, predicate: index.predicate, include: include,
            nullsNotDistinct: nullsNotDistinct, storage: storage)
    }

    /// ` DESC`, ` NULLS FIRST`...: what `pg_get_indexdef` adds for `indoption`.
    static func orderingText(_ option: Int) -> String {
        let descending = option & 1 != 0
        let nullsFirst = option & 2 != 0
        if descending { return nullsFirst ? " DESC" : " DESC NULLS LAST" }
        return nullsFirst ? " NULLS FIRST" : ""
    }

    /// A name as `quote_identifier` writes it (`"C"`, `en_us`), optionally qualified.
    static func takeQualifiedIdentifier(_ text: inout Substring) -> String? {
        func identifier() -> String? {
            if text.first == "\"" {
                guard let end = SQLScanner.quotedEnd(in: text, from: text.startIndex) else { return nil }
                let name = String(text[..<end])
                text = text[end...]
                return name
            }
            let name = text.prefix { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "$" }
            guard !name.isEmpty else { return nil }
            text = text.dropFirst(name.count)
            return String(name)
        }
        guard var name = identifier() else { return nil }
        if text.first == "." {
            text = text.dropFirst()
            guard let second = identifier() else { return nil }
            name += "." + second
        }
        return name
    }
}
