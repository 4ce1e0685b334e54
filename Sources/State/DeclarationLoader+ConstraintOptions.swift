import Foundation
import Yams

/// Constraint and index options: `deferrable`, `initially_deferred`,
/// `nulls_not_distinct`, index storage parameters (`with:`), and exclusion
/// constraints.
extension DeclarationLoader {
    static let uniqueKeys = ["columns", "deferrable", "initially_deferred", "nulls_not_distinct", "comment"]
    static let exclusionKeys = ["elements", "using", "where", "deferrable", "initially_deferred", "comment"]

    /// `during WITH &&` split at its last ` WITH `: the element and the operator.
    public static func exclusionElement(_ element: String) -> (body: String, operator: String)? {
        var last: Range<String.Index>?
        var from = element.startIndex
        while let found = element.range(of: #"\s+WITH\s+"#, options: [.regularExpression, .caseInsensitive],
                                        range: from..<element.endIndex) {
            last = found
            from = found.upperBound
        }
        guard let range = last else { return nil }
        let body = element[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let op = element[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !body.isEmpty, !op.isEmpty, !op.contains(" ") else { return nil }
        return (body, op)
    }
}

extension DeclarationLoader.Parser {
    /// `deferrable:` and `initially_deferred:` of a constraint. `initially_deferred:
    /// true` implies `deferrable`; saying `deferrable: false` beside it is an error,
    /// as PostgreSQL says.
    func parseTiming(_ fields: YAMLFields, of owner: String) -> ConstraintTiming {
        let deferrableEntry = fields["deferrable"]
        let deferrable = deferrableEntry.flatMap { reader.bool($0, of: owner) }
        let initiallyDeferred = fields["initially_deferred"].flatMap { reader.bool($0, of: owner) } ?? false
        if initiallyDeferred, deferrable == false, let deferrableEntry {
            reader.error("\(owner) is initially_deferred but not deferrable", at: deferrableEntry.value,
                         hint: "a constraint checked at commit must be deferrable: remove deferrable: false")
        }
        return ConstraintTiming(deferrable: deferrable ?? false, initiallyDeferred: initiallyDeferred)
    }

    /// `nulls_not_distinct:` (unique indexes only) and `with:` storage parameters.
    func parseIndexOptions(_ fields: YAMLFields, into index: inout IndexDeclaration, owner: String) {
        if let entry = fields["nulls_not_distinct"], let value = reader.bool(entry, of: owner) {
            if value && !index.unique {
                reader.error("\(owner) has nulls_not_distinct but is not unique", at: entry.keyNode,
                             hint: "NULLS NOT DISTINCT only means something for a unique index: add unique: true "
                                 + "or remove nulls_not_distinct")
            }
            index.nullsNotDistinct = value
        }
        if let entry = fields["with"] {
            index.storage = parseStorageParameters(entry, of: owner)
        }
    }

    /// A mapping of storage parameter names to values (`fillfactor: 70`). Names
    /// are checked for shape; whether the index method knows them is the
    /// server's to say when the declaration is realised.
    func parseStorageParameters(_ entry: YAMLEntry, of owner: String) -> [String: String] {
        let what = "'with' of \(owner)"
        guard let entries = reader.entries(of: entry.value, what: what,
                                           shape: "a mapping of storage parameters to values, e.g. { fillfactor: 70 }")
        else { return [:] }
        var result: [String: String] = [:]
        for item in entries {
            guard item.key.range(of: "^[a-z_][a-z0-9_.]*$", options: .regularExpression) != nil else {
                reader.error("'\(item.key)' in \(what) is not a storage parameter name", at: item.keyNode,
                             hint: "write a parameter such as fillfactor, in lower case")
                continue
            }
            guard let value = reader.string(item, of: what) else { continue }
            result[item.key] = value
        }
        return result
    }

    // MARK: Exclusion constraints

    func parseExclusions(_ entry: YAMLEntry, table: String, declared: [String]) -> [ExclusionDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'exclusions' of table '\(table)'",
            shape: "a mapping of constraint names to { using: gist, elements: [\"column WITH operator\", ...] }")
        else { return [] }
        var result: [ExclusionDeclaration] = []
        for item in entries {
            let owner = "exclusion constraint '\(item.key)' of table '\(table)'"
            reader.checkName(item.key, kind: "exclusion constraint name", at: item.keyNode)
            let location = item.keyNode.location(in: file)
            claim(item.key, .exclusion, "the exclusion constraint '\(item.key)' of table '\(table)'", table: table,
                  at: location)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.exclusionKeys, what: owner,
                shape: "a mapping with elements: and, optionally, using, where, deferrable, initially_deferred, comment")
            else { continue }
            guard let elementsEntry = fields["elements"] else {
                reader.error("\(owner) has no elements", at: item.keyNode,
                             hint: "add elements: [\"room WITH =\", \"during WITH &&\"]")
                continue
            }
            guard let elements = reader.stringList(elementsEntry, of: owner, itemName: "element", required: true)
            else { continue }
            var valid = true
            for (element, node) in elements {
                guard let (body, _) = DeclarationLoader.exclusionElement(element) else {
                    reader.error("element '\(element)' of \(owner) has no operator", at: node,
                                 hint: "write a column or expression, WITH and an operator: \"during WITH &&\"")
                    valid = false
                    continue
                }
                checkIndexElement(body, at: node, owner: owner, table: table, declared: declared)
            }
            var exclusion = ExclusionDeclaration(name: item.key, elements: elements.map(\.0),
                                                 timing: parseTiming(fields, of: owner), location: location)
            if let usingEntry = fields["using"], let method = reader.string(usingEntry, of: owner) {
                exclusion.method = method
            }
            if let whereEntry = fields["where"] {
                exclusion.predicate = reader.string(whereEntry, of: owner)
            }
            exclusion.comment = comment(in: fields, of: owner)
            if valid { result.append(exclusion) }
        }
        return result
    }
}
