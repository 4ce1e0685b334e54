import Foundation

extension DeclarationLoader {
    /// Reads the file at `path` once: the declaration, and the SHA-256 (hex) of the
    /// very bytes it was read from, for the plan's digest of the desired state.
    ///
    /// - Throws: `InputErrors`, as `load(path:)` does.
    public static func loadWithSHA256(path: String) throws -> (declaration: Declaration, sha256: String) {
        let data = try YAMLReader.readData(at: path, hint: missingFileHint)
        let declaration = try parse(yaml: YAMLReader.text(of: data, file: path), file: path)
        return (declaration, SHA256.hex(bytes: data))
    }
}
