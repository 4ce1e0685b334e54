import Foundation
import SQLSyntax
import State

// MARK: - Constraint options and exclusion constraints

extension Importer {
    /// The declaration of an exclusion constraint, read from its definition
    /// (`EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (...)`); nil when
    /// it says more (INCLUDE, an operator class with parameters...). The import's
    /// round trip checks the reading.
    static func buildExclusion(_ constraint: Constraint) -> ExclusionDeclaration? {
        let (definition, timing) = ConstraintTiming.split(constraint.definition)
        var rest = Substring(definition)
        guard rest.hasPrefix("EXCLUDE USING ") else { return nil }
        rest = rest.dropFirst("EXCLUDE USING ".count)
        guard let method = takeQualifiedIdentifier(&rest), rest.hasPrefix(" (") else { return nil }
        rest = rest.dropFirst(2)
        // The elements, up to the parenthesis that closes the list.
        var elements: [String] = []
        var depth = 0
        var current = ""
        var closed = false
        var scalars = rest.unicodeScalars[...]
        while let c = scalars.first {
            scalars = scalars.dropFirst()
            if c == "'" || c == "\"" {
                // A literal or quoted name: copied whole, parentheses and commas included.
                current.unicodeScalars.append(c)
                while let d = scalars.first {
                    scalars = scalars.dropFirst()
                    current.unicodeScalars.append(d)
                    if d == c { break }
                }
                continue
            }
            if c == "(" { depth += 1 }
            if c == ")" {
                if depth == 0 { closed = true; break }
                depth -= 1
            }
            if c == "," && depth == 0 {
                elements.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.unicodeScalars.append(c)
        }
        guard closed else { return nil }
        elements.append(current.trimmingCharacters(in: .whitespaces))
        guard elements.allSatisfy({ DeclarationLoader.exclusionElement($0) != nil }) else { return nil }
        rest = Substring(String(scalars))
        var predicate: String?
        if rest.hasPrefix(" WHERE (") && rest.hasSuffix(")") {
            predicate = String(rest.dropFirst(" WHERE (".count).dropLast())
            rest = ""
        }
        guard rest.isEmpty else { return nil }
        return ExclusionDeclaration(name: constraint.name, method: method.replacingOccurrences(of: "\"", with: ""),
                                    elements: elements, predicate: predicate, timing: timing,
                                    comment: constraint.comment)
    }
}
