import Foundation

extension DeclarationLoader {
    /// Reads the file at `path` once: the declaration, and the SHA-256 (hex) of the
    /// very bytes it was read from, for the plan's digest of the desired state.
    ///
    /// When functions are read from files (`file:`), their SQL is part of the
    /// desired state too: the digest is then the SHA-256 of the file's digest
    /// followed by each such function's key and the digest of its SQL, one per
    /// line. A declaration without `file:` keeps the plain digest of its bytes.
    ///
    /// - Throws: `InputErrors`, as `load(path:)` does.
    public static func loadWithSHA256(path: String) throws -> (declaration: Declaration, sha256: String) {
        let data = try YAMLReader.readData(at: path, hint: missingFileHint)
        let declaration = try parse(yaml: YAMLReader.text(of: data, file: path), file: path)
        let digest = SHA256.hex(bytes: data)
        let files = declaration.functions.filter { $0.sourceFile != nil }
        guard !files.isEmpty else { return (declaration, digest) }
        let lines = [digest] + files.map { "\($0.name) \(SHA256.hex($0.sql))" }
        return (declaration, SHA256.hex(lines.joined(separator: "\n")))
    }
}
