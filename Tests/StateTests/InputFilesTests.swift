import Foundation
import Testing
import TestSupport
@testable import State

/// What `validate` and `plan` read: both files together, and the schema once.
@Suite struct InputFilesTests {
    @Test func bothInputFilesAreValidatedTogether() throws {
        let dir = try temporaryDirectory()
        let schema = dir.appendingPathComponent("schema.yaml").path
        let tenants = dir.appendingPathComponent("tenants.yaml").path
        try "version: 1\ntables:\n  t:\n    columns:\n      id: { type: bigint }\n".write(toFile: schema, atomically: true, encoding: .utf8)
        try "version: 1\ntenants: [a, b]\n".write(toFile: tenants, atomically: true, encoding: .utf8)
        let files = try InputFiles.load(schema: schema, tenants: tenants)
        #expect(files.summary == [
            "\(schema): 1 table, 0 enums", "\(tenants): 1 database, 2 listed tenants, 0 discovery rules",
        ])

        try "version: 1\ntables:\n  t:\n    colums: {}\n".write(toFile: schema, atomically: true, encoding: .utf8)
        try "version: 2\ntenants: [a]\n".write(toFile: tenants, atomically: true, encoding: .utf8)
        do {
            _ = try InputFiles.load(schema: schema, tenants: tenants)
            Issue.record("invalid files validated")
        } catch let errors as InputErrors {
            #expect(errors.errors.map(\.file) == [schema, schema, tenants])
        }
    }

    @Test func theSchemaDigestIsOfTheBytesTheDeclarationWasReadFrom() throws {
        let path = try temporaryDirectory().appendingPathComponent("schema.yaml").path
        // A byte-order mark: bytes that text decoding may drop.
        let bytes = Data([0xEF, 0xBB, 0xBF]) + Data("version: 1\ntables:\n  t:\n    columns:\n      id: { type: int }\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: path))
        let (declaration, sha256) = try DeclarationLoader.loadWithSHA256(path: path)
        #expect(sha256 == SHA256.hex(bytes: bytes))
        #expect(declaration == (try DeclarationLoader.load(path: path)))
    }
}
