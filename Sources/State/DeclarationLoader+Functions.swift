import Foundation
import Yams

/// `functions:`: one function, procedure or aggregate per key, as the SQL that
/// creates it, written inline (`sql:`) or in a file next to `schema.yaml` (`file:`).
extension DeclarationLoader.Parser {
    func parseFunctions(_ entry: YAMLEntry) -> [FunctionDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'functions'",
            shape: "a mapping of function names to { sql: ... } or { file: ... }")
        else { return [] }
        var result: [FunctionDeclaration] = []
        for item in entries {
            let owner = "function '\(item.key)'"
            reader.checkName(item.key, kind: "function name", at: item.keyNode)
            functionNames.append(item.key)
            guard let fields = reader.fields(
                of: item.value, allowed: DeclarationLoader.functionKeys, what: owner,
                shape: "a mapping with sql: (the CREATE FUNCTION statement) or file: (a file holding it), "
                    + "and optionally comment:")
            else { continue }
            let location = item.keyNode.location(in: file)
            var sql: String?
            var sourceFile: String?
            var sqlNode: Node = item.keyNode
            var sqlLocation: SourceLocation?
            switch (fields["sql"], fields["file"]) {
            case (let sqlEntry?, nil):
                sql = reader.string(sqlEntry, of: owner)
                sqlNode = sqlEntry.value
                sqlLocation = literalBlockLocation(of: sqlEntry)
            case (nil, let fileEntry?):
                if let path = reader.string(fileEntry, of: owner) {
                    sourceFile = path
                    sql = readFunctionFile(path, of: owner, at: fileEntry.value)
                    sqlLocation = SourceLocation(file: functionFilePath(path), line: 1, column: 1)
                }
                sqlNode = fileEntry.value
            case (_?, let fileEntry?):
                reader.error("\(owner) has both sql: and file:", at: fileEntry.keyNode,
                             hint: "write the SQL inline under sql:, or in a file named by file:, not both")
            case (nil, nil):
                reader.error("\(owner) has no sql:", at: item.keyNode,
                             hint: "add sql: with its CREATE FUNCTION statement, or file: with the path of a file "
                                 + "holding it (relative to \((file as NSString).lastPathComponent))")
            }
            var function = FunctionDeclaration(name: item.key, sql: "", sourceFile: sourceFile, location: location,
                                               sqlLocation: sqlLocation)
            function.comment = comment(in: fields, of: owner)
            guard let text = sql else { continue }
            guard let statement = DeclarationLoader.functionStatement(text) else {
                reader.error(
                    "\(sourceFile.map { "the file '\($0)' of \(owner)" } ?? "'sql' of \(owner)") is not a "
                        + "CREATE FUNCTION, CREATE PROCEDURE or CREATE AGGREGATE statement",
                    at: sqlNode,
                    hint: "write one statement: CREATE FUNCTION \(item.key)(...) RETURNS ... AS $$ ... $$, or "
                        + "CREATE AGGREGATE \(item.key)(...) (SFUNC = ..., STYPE = ...) (other objects cannot be "
                        + "declared here)")
                continue
            }
            function.sql = statement
            result.append(function)
        }
        return result
    }

    /// `path` as given by `file:`, relative to the directory of `schema.yaml`.
    func functionFilePath(_ path: String) -> String {
        let directory = (file as NSString).deletingLastPathComponent
        return path.hasPrefix("/") ? path : (directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path))
    }

    /// The text of the file `path` (relative to the directory of `schema.yaml`),
    /// or nil after recording an error at `node`.
    func readFunctionFile(_ path: String, of owner: String, at node: Node) -> String? {
        let full = functionFilePath(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: full)
        else {
            reader.error("the file '\(path)' of \(owner) cannot be read (looked for \(full))", at: node,
                         hint: "file: is relative to the directory of \((file as NSString).lastPathComponent); "
                             + "create the file or fix the path")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            reader.error("the file '\(path)' of \(owner) is not valid UTF-8", at: node, hint: "save it as UTF-8")
            return nil
        }
        guard reader.noNUL(text, what: "the file '\(path)' of \(owner)", at: node) else { return nil }
        return text
    }
}

extension DeclarationLoader {
    static let functionKeys = ["sql", "file", "comment"]

    /// `text` as one `CREATE [OR REPLACE] FUNCTION|PROCEDURE|AGGREGATE` statement without
    /// its trailing `;` and white space; nil when it does not start that way
    /// (after white space and `--` or `/* */` comments).
    ///
    /// Only the head is looked at: whether the rest is one valid statement that
    /// creates the function of its key is for the server to say (`DesiredState`).
    static func functionStatement(_ text: String) -> String? {
        let words = leadingWords(text, count: 4).map { $0.lowercased() }
        guard words.first == "create" else { return nil }
        let kind = words.count > 2 && words[1] == "or" && words[2] == "replace" ? words.dropFirst(3).first : words.dropFirst().first
        guard kind == "function" || kind == "procedure" || kind == "aggregate" else { return nil }
        return withoutTrailingSemicolons(text)
    }

    /// The first `count` words of SQL text, skipping white space and comments.
    static func leadingWords(_ text: String, count: Int) -> [String] {
        leadingWordEnds(text, count: count).map(\.word)
    }

    /// The first `count` words of SQL text, each with the index just after it.
    static func leadingWordEnds(_ text: String, count: Int) -> [(word: String, end: String.Index)] {
        var words: [(word: String, end: String.Index)] = []
        var scalars = Substring(text).unicodeScalars[...]
        while words.count < count, let first = scalars.first {
            if first.properties.isWhitespace {
                scalars.removeFirst()
            } else if scalars.starts(with: "--".unicodeScalars) {
                while let c = scalars.first, c != "\n" { scalars.removeFirst() }
            } else if scalars.starts(with: "/*".unicodeScalars) {
                scalars.removeFirst(2)
                while !scalars.isEmpty, !scalars.starts(with: "*/".unicodeScalars) { scalars.removeFirst() }
                if !scalars.isEmpty { scalars.removeFirst(2) }
            } else if first.properties.isAlphabetic || first == "_" {
                let word = scalars.prefix { $0.properties.isAlphabetic || $0 == "_" }
                scalars.removeFirst(word.count)
                words.append((String(String.UnicodeScalarView(word)), scalars.startIndex))
            } else {
                break
            }
        }
        return words
    }
}

extension FunctionDeclaration {
    /// The declared statement as `CREATE OR REPLACE FUNCTION|PROCEDURE|AGGREGATE ...`:
    /// `OR REPLACE` goes in after the leading `CREATE` when it is not written.
    public var orReplaceSQL: String {
        let words = DeclarationLoader.leadingWordEnds(sql, count: 2)
        guard words.count == 2, words[0].word.lowercased() == "create", words[1].word.lowercased() != "or"
        else { return sql }
        let create = words[0].end
        return sql[..<create] + " OR REPLACE" + sql[create...]
    }
}
