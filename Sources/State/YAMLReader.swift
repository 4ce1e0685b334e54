import Foundation
import Yams
import SQLSyntax

/// One key/value pair of a YAML mapping, with the key as text.
struct YAMLEntry {
    var key: String
    var keyNode: Node
    var value: Node
}

/// The entries of a mapping whose keys are a fixed vocabulary (`type`, `nullable`, ...),
/// in the order written.
struct YAMLFields {
    var entries: [YAMLEntry]

    subscript(key: String) -> YAMLEntry? { entries.first { $0.key == key } }
}

/// Reads one input file into YAML nodes and collects every error found on the way.
///
/// The loaders walk the whole document before they give up, so that a user sees every
/// mistake of a file in one run, sorted by line, like a compiler's diagnostics. Each
/// accessor records an error and returns nil when a value has the wrong shape; callers
/// skip what they cannot read and carry on.
final class YAMLReader {
    /// PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated.
    static let maxNameBytes = IdentifierLength.maxBytes

    let file: String
    private(set) var errors: [InputError] = []

    init(file: String) { self.file = file }

    // MARK: Reading and composing

    /// The text of the file at `path`.
    ///
    /// - Throws: `InputErrors` when the file cannot be read or is not UTF-8; the latter
    ///   points at the first invalid byte.
    static func readFile(at path: String, hint: String) throws -> String {
        try text(of: readData(at: path, hint: hint), file: path)
    }

    /// The bytes of the file at `path`; `hint` says what to do when there is no such file.
    ///
    /// - Throws: `InputErrors` when the file cannot be read.
    static func readData(at path: String, hint: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputErrors([InputError("cannot read \(path): no such file", file: path, hint: hint)])
        }
        if isDirectory.boolValue {
            throw InputErrors([InputError("cannot read \(path): it is a directory", file: path, hint: hint)])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputErrors([InputError(
                "cannot read \(path): permission denied or unreadable", file: path,
                hint: "check the file's permissions")])
        }
        return data
    }

    /// `data`, the bytes of `file`, as text.
    ///
    /// - Throws: `InputErrors` pointing at the first byte that is not UTF-8.
    static func text(of data: Data, file: String) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column) = firstInvalidUTF8(in: data)
            throw InputErrors([InputError(
                "the file is not valid UTF-8",
                at: SourceLocation(file: file, line: line, column: column),
                hint: "save the file as UTF-8")])
        }
        return text
    }

    /// Line and column (in Unicode scalars) of the first byte that is not valid UTF-8.
    static func firstInvalidUTF8(in data: Data) -> (line: Int, column: Int) {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else if scalar != "\r" {
                    column += 1
                }
            case .emptyInput:
                return (line, column)
            case .error:
                return (line, column)
            }
        }
    }

    /// The document's root node, nil for an empty document.
    ///
    /// - Throws: `InputErrors` holding the one located error of a YAML syntax error or a
    ///   duplicate key (Yams stops at the first).
    func compose(_ yaml: String) throws -> Node? {
        if let line = Self.lineWithAliasKey(yaml) {
            throw InputErrors([InputError(
                "an alias (*name) used as a mapping key is not supported",
                at: SourceLocation(file: file, line: line, column: 1),
                hint: "write the key out in full; anchors and aliases are fine as values")])
        }
        do {
            let root = try Yams.compose(yaml: yaml)
            if let root, root.isNull { return nil }
            return root
        } catch let error as YamlError {
            throw InputErrors([inputError(from: error, yaml: yaml)])
        }
    }

    /// The 1-based line of the first alias used as a mapping key (`*a: x`,
    /// `? *a`, `{ *a: x }`), or nil.
    ///
    /// Yams checks mappings for duplicate keys by hashing each key in full, and an
    /// alias of nested aliases hashes exponentially: a few hundred bytes would hang
    /// the loader. Such keys have no use in tenantplan's files, so they are refused
    /// before Yams sees them. Lines break where YAML breaks them (also U+0085,
    /// U+2028, U+2029).
    static func lineWithAliasKey(_ yaml: String) -> Int? {
        guard yaml.contains("*") else { return nil }
        let pattern = #"(^|[\[{,?]|-\s)\s*\*[^\s,\[\]{}]+\s*:"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        var number = 0
        for line in yaml.split(omittingEmptySubsequences: false, whereSeparator: {
            $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}"
        }) {
            number += 1
            guard line.contains("*") else { continue }
            let text = String(line)
            if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil { return number }
            if text.range(of: #"^\s*(-\s+)*\?\s+\*"#, options: .regularExpression) != nil { return number }
        }
        return nil
    }

    private func inputError(from error: YamlError, yaml: String) -> InputError {
        let syntaxHint = "check the indentation, and quote values that contain ': ' or ' #' "
            + "or start with one of { [ * & ! % @ `"
        func located(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> InputError {
            var hint = syntaxHint
            if let context {
                hint = "\(context.text) at line \(context.mark.line), column \(context.mark.column); " + syntaxHint
            }
            return InputError(
                "invalid YAML: \(problem)",
                at: SourceLocation(file: file, line: mark.line, column: mark.column), hint: hint)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return located(problem, mark, context)
        case .reader(let problem, let offset, _, _):
            let (line, column) = Self.lineAndColumn(ofCharacterOffset: offset ?? 0, in: yaml)
            return InputError(
                "invalid input: \(problem)",
                at: SourceLocation(file: file, line: line, column: column),
                hint: "remove the character, or write it as an escape in a double-quoted string")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = context.mark
            let second = Self.locateDuplicate(of: key, after: (first.line, first.column), in: yaml)
            let place = second ?? (first.line, first.column)
            var hint = "each key may appear once in a mapping; remove or rename one of them"
            if second != nil {
                hint = "'\(key)' is already written at line \(first.line); remove or rename one of them"
            }
            return InputError(
                "duplicate key '\(key)'",
                at: SourceLocation(file: file, line: place.line, column: place.column), hint: hint)
        default:
            return InputError("invalid YAML: \(error)", file: file, hint: syntaxHint)
        }
    }

    /// Line and column of a `Character` offset, as Yams reports reader errors.
    static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }

    /// Where the second occurrence of a duplicated mapping key stands.
    ///
    /// Yams reports the first occurrence only. In a flow mapping the duplicate is on the
    /// same line after `,`; in a block mapping it starts a later line at the same indentation,
    /// before any line indented less (where the mapping ends). Nil when neither is found.
    static func locateDuplicate(of key: String, after first: (line: Int, column: Int),
                                in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            Array(($0.hasSuffix("\r") ? $0.dropLast() : $0).unicodeScalars)
        }
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }

        /// The length of the spelling of `key` that starts at `start`, followed by `:`.
        func keyLength(in line: [Unicode.Scalar], at start: Int) -> Int? {
            for spelling in spellings where start + spelling.count <= line.count {
                guard Array(line[start..<start + spelling.count]) == spelling else { continue }
                var next = start + spelling.count
                while next < line.count, line[next] == " " || line[next] == "\t" { next += 1 }
                if next < line.count, line[next] == ":" { return spelling.count }
            }
            return nil
        }

        // Flow mapping: `{ a: 1, a: 2 }`, recognised by the `{` or `,` before the first key.
        let firstLine = lines[first.line - 1]
        let before = firstLine.prefix(max(0, min(first.column - 1, firstLine.count)))
        let isFlow = before.last(where: { $0 != " " && $0 != "\t" }).map { $0 == "{" || $0 == "," } ?? false
        var index = first.column
        while isFlow, index < firstLine.count {
            if firstLine[index] == "," {
                var start = index + 1
                while start < firstLine.count, firstLine[start] == " " { start += 1 }
                if keyLength(in: firstLine, at: start) != nil {
                    return (first.line, start + 1)
                }
            }
            index += 1
        }

        // Block mapping.
        let indent = first.column - 1
        for lineIndex in first.line..<lines.count {
            let line = lines[lineIndex]
            let lineIndent = line.prefix { $0 == " " }.count
            guard lineIndent < line.count, line[lineIndent] != "#" else { continue }
            if lineIndent < indent { return nil }
            if lineIndent == indent, keyLength(in: line, at: indent) != nil {
                return (lineIndex + 1, indent + 1)
            }
        }
        return nil
    }

    // MARK: Errors

    func error(_ message: String, at node: Node, hint: String? = nil) {
        error(message, at: node.location(in: file), hint: hint)
    }

    func error(_ message: String, at location: SourceLocation, hint: String? = nil) {
        errors.append(InputError(message, at: location, hint: hint))
    }

    /// Throws every recorded error, sorted by line and column, if there is any.
    func finish() throws {
        guard !errors.isEmpty else { return }
        let sorted = errors.enumerated().sorted { lhs, rhs in
            let l = lhs.element.location
            let r = rhs.element.location
            let lKey = (l?.line ?? 0, l?.column ?? 0, lhs.offset)
            let rKey = (r?.line ?? 0, r?.column ?? 0, rhs.offset)
            return lKey < rKey
        }
        // Deduplicated through a set: a linear search made a file with 20,000 errors take minutes.
        var seen: Set<ErrorKey> = []
        var unique: [InputError] = []
        for (_, error) in sorted where seen.insert(ErrorKey(error)).inserted { unique.append(error) }
        throw InputErrors(unique)
    }

    /// Everything `InputError`'s `==` compares, hashable.
    private struct ErrorKey: Hashable {
        var location: SourceLocation?
        var file: String
        var message: String
        var hint: String?

        init(_ error: InputError) {
            location = error.location
            file = error.file
            message = error.message
            hint = error.hint
        }
    }

    // MARK: Mappings

    /// The entries of the mapping `node`, in the order written.
    ///
    /// A missing value (`key:` with nothing after it) reads as an empty mapping when
    /// `nullIsEmpty`. Records an error and returns nil when `node` is not a mapping.
    /// Keys must be scalars; a key written twice (which Yams lets through when the two
    /// spellings resolve to different tags, such as `1` and `"1"`) is reported.
    func entries(of node: Node, what: String, shape: String, nullIsEmpty: Bool = true) -> [YAMLEntry]? {
        if node.isNull {
            if nullIsEmpty { return [] }
            error("\(what) has no value", at: node, hint: "write \(shape) here")
            return nil
        }
        guard case .mapping(let mapping) = node else {
            error("\(what) must be \(shape), not \(node.kindDescription)", at: node,
                  hint: shapeHint(shape))
            return nil
        }
        var result: [YAMLEntry] = []
        var seen: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalarText else {
                error("a key in \(what) is \(keyNode.kindDescription); keys must be names", at: keyNode,
                      hint: "write a plain name before the ':'")
                continue
            }
            if let previous = seen[key] {
                error("duplicate key '\(key)'", at: keyNode,
                      hint: "'\(key)' is already written at line \(previous.mark?.line ?? 0); remove or rename one of them")
                continue
            }
            seen[key] = keyNode
            result.append(YAMLEntry(key: key, keyNode: keyNode, value: value))
        }
        return result
    }

    /// The entries of a mapping whose keys must come from `allowed`. Unknown keys are
    /// reported with the closest allowed key, or the list of allowed keys, as the hint.
    func fields(of node: Node, allowed: [String], what: String, shape: String? = nil,
                nullIsEmpty: Bool = false) -> YAMLFields? {
        let shape = shape ?? "a mapping with the keys \(allowed.joined(separator: ", "))"
        guard let entries = entries(of: node, what: what, shape: shape, nullIsEmpty: nullIsEmpty) else {
            return nil
        }
        var known: [YAMLEntry] = []
        for (index, entry) in entries.enumerated() {
            if allowed.contains(entry.key) {
                known.append(entry)
            } else {
                error("unknown key '\(entry.key)' in \(what)", at: entry.keyNode,
                      hint: Self.splitValueHint(at: index, of: entries, allowed: allowed)
                        ?? Suggestion.hint(for: entry.key, among: allowed,
                                           otherwise: "allowed keys: \(allowed.joined(separator: ", "))"))
            }
        }
        return YAMLFields(entries: known)
    }

    private func shapeHint(_ shape: String) -> String {
        "write \(shape) here"
    }

    // MARK: Scalars

    /// The text of a scalar value. Records an error and returns nil for a list, a mapping,
    /// a missing value, or (unless `allowEmpty`) an empty string.
    func string(_ entry: YAMLEntry, of owner: String, allowEmpty: Bool = false) -> String? {
        let what = "'\(entry.key)' of \(owner)"
        let node = entry.value
        if node.isNull {
            error("\(what) has no value", at: entry.keyNode, hint: "write a value after '\(entry.key):' or remove the key")
            return nil
        }
        guard let text = node.scalarText else {
            error("\(what) must be a single value, not \(node.kindDescription)", at: node,
                  hint: "write it as a string, quoted if it contains ': ' or ','")
            return nil
        }
        if text.isEmpty && !allowEmpty {
            error("\(what) is empty", at: node, hint: "write a value or remove the key")
            return nil
        }
        guard noNUL(text, what: what, at: node) else { return nil }
        return text
    }

    /// A `true`/`false` value.
    func bool(_ entry: YAMLEntry, of owner: String) -> Bool? {
        let node = entry.value
        if let value = node.bool { return value }
        let written = node.scalarText.map { "'\($0)'" } ?? node.kindDescription
        error("'\(entry.key)' of \(owner) must be true or false, not \(written)", at: node,
              hint: "write \(entry.key): true or \(entry.key): false, without quotes")
        return nil
    }

    /// The items of a list value; a missing value reads as an empty list when `nullIsEmpty`.
    func list(_ entry: YAMLEntry, of owner: String, shape: String, nullIsEmpty: Bool = false) -> [Node]? {
        let what = "'\(entry.key)' of \(owner)"
        if entry.value.isNull {
            if nullIsEmpty { return [] }
            error("\(what) has no value", at: entry.keyNode, hint: "write \(shape) here")
            return nil
        }
        guard case .sequence(let sequence) = entry.value else {
            error("\(what) must be \(shape), not \(entry.value.kindDescription)", at: entry.value,
                  hint: "write \(shape), e.g. [a, b]")
            return nil
        }
        return Array(sequence)
    }

    /// A list of non-empty strings, each with its node. Records an error for the list and
    /// for each bad item; returns nil when the list itself is unusable or `required` and empty.
    func stringList(_ entry: YAMLEntry, of owner: String, itemName: String, required: Bool) -> [(String, Node)]? {
        let shape = "a list of \(itemName)s"
        guard let items = list(entry, of: owner, shape: shape) else { return nil }
        if items.isEmpty && required {
            error("'\(entry.key)' of \(owner) is empty", at: entry.value, hint: "list at least one \(itemName)")
            return nil
        }
        var result: [(String, Node)] = []
        var ok = true
        for item in items {
            guard let text = item.scalarText, !item.isNull else {
                error("each \(itemName) in '\(entry.key)' of \(owner) must be a single value, not \(item.kindDescription)",
                      at: item, hint: "write \(shape), e.g. [a, b]")
                ok = false
                continue
            }
            if text.isEmpty {
                error("empty \(itemName) in '\(entry.key)' of \(owner)", at: item, hint: "remove it or write a value")
                ok = false
                continue
            }
            guard noNUL(text, what: "\(itemName) in '\(entry.key)' of \(owner)", at: item) else {
                ok = false
                continue
            }
            result.append((text, item))
        }
        return ok ? result : nil
    }

    /// Records an error when `text` contains a NUL character, which PostgreSQL text cannot hold.
    func noNUL(_ text: String, what: String, at node: Node) -> Bool {
        guard text.unicodeScalars.contains("\0") else { return true }
        error("\(what) contains a NUL character", at: node,
              hint: "PostgreSQL text cannot hold NUL (\\0); remove it")
        return false
    }

    /// Checks a name that becomes a PostgreSQL identifier (or enum label): not empty,
    /// no NUL, at most 63 bytes of UTF-8.
    @discardableResult
    func checkName(_ name: String, kind: String, at node: Node) -> Bool {
        if name.isEmpty {
            error("empty \(kind)", at: node, hint: "give it a name")
            return false
        }
        guard noNUL(name, what: "\(kind) '\(name.replacingOccurrences(of: "\0", with: "\\0"))'", at: node) else {
            return false
        }
        let bytes = name.utf8.count
        if bytes > Self.maxNameBytes {
            error("\(kind) '\(name)' is \(bytes) bytes long; PostgreSQL allows at most \(Self.maxNameBytes) bytes",
                  at: node, hint: "shorten it to \(Self.maxNameBytes) bytes or less: PostgreSQL would silently truncate it")
            return false
        }
        return true
    }
}
