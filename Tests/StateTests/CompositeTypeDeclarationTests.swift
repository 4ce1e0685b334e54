import Testing
@testable import State

/// `types:` in schema.yaml: what is read, and every error at its line and column.
@Suite struct CompositeTypeDeclarationTests {
    static func errors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
        inputErrors({ _ = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml") }, sourceLocation: sourceLocation)
    }

    @Test func typesParseInOrderAndColumnsMayUseThem() throws {
        let d = try DeclarationLoader.parse(yaml: """
            version: 1
            enums:
              status: [open, closed]
            domains:
              email: { type: text }
            types:
              address: { attributes: { street: text, city: text, zip: "varchar(10)" }, comment: where }
              contact: { attributes: { mail: email, home: address, before: "address[]", state: status } }
            tables:
              t:
                columns:
                  a: address
                  b: { type: "contact[]" }
            """, file: "schema.yaml")
        #expect(d.compositeTypes.map(\.name) == ["address", "contact"])
        let address = try #require(d.compositeType(named: "address"))
        #expect(address.attributes.map(\.name) == ["street", "city", "zip"])
        #expect(address.attributes.map(\.type) == ["text", "text", "varchar(10)"])
        #expect(address.comment == "where")
        #expect(address.location?.line == 7 && address.attributes[2].location?.line == 7)
        #expect(d.compositeType(named: "contact")?.attributes.map(\.type) == ["email", "address", "address[]", "status"])
        #expect(d.table(named: "t")?.column(named: "b")?.type == "contact[]")
    }

    @Test func missingOrEmptyAttributesAreErrors() {
        expectOnlyError(Self.errors("""
            version: 1
            types:
              address: { comment: x }
            tables: {}
            """), line: 3, column: 3, message: "composite type 'address' has no attributes")
        expectOnlyError(Self.errors("""
            version: 1
            types:
              address: { attributes: {} }
            tables: {}
            """), line: 3, column: 26, message: "composite type 'address' has no attributes")
    }

    @Test func unknownKeyAndUnknownAttributeTypeAreErrors() {
        expectOnlyError(Self.errors("""
            version: 1
            types:
              address: { attributes: { street: text }, coment: x }
            tables: {}
            """), line: 3, column: 44, message: "unknown key 'coment'", hint: "comment")
        expectOnlyError(Self.errors("""
            version: 1
            types:
              address: { attributes: { street: txet } }
            tables: {}
            """), line: 3, column: 36, message: "unknown type 'txet' for attribute 'street' of composite type 'address'")
        expectOnlyError(Self.errors("""
            version: 1
            types:
              address: { attributes: { id: serial } }
            tables: {}
            """), line: 3, column: 32, message: "attribute 'id' of composite type 'address' cannot be of type serial")
    }

    @Test func aTypeCannotContainItselfOrALaterType() {
        expectOnlyError(Self.errors("""
            version: 1
            types:
              node: { attributes: { next: node } }
            tables: {}
            """), line: 3, column: 31, message: "unknown type 'node'")
    }

    @Test func namesSharedWithOtherTypesAndRelationsAreErrors() {
        expectOnlyError(Self.errors("""
            version: 1
            enums:
              address: [a]
            types:
              address: { attributes: { street: text } }
            tables: {}
            """), line: 5, column: 3, message: "composite type 'address' has the same name as enum 'address'")
        expectOnlyError(Self.errors("""
            version: 1
            types:
              people: { attributes: { street: text } }
            tables:
              people: { columns: { id: integer } }
            """), line: 3, column: 3, message: "name 'people' of composite type 'people' is already used by table 'people'")
        expectOnlyError(Self.errors("""
            version: 1
            types:
              people_idx: { attributes: { street: text } }
            tables:
              people:
                columns: { id: integer }
                indexes: { people_idx: { columns: [id] } }
            """), line: 7, column: 16, message: "is already used by composite type 'people_idx'")
    }

    @Test func ignoringADeclaredTypeIsAnError() {
        let errors = Self.errors("""
            version: 1
            types:
              tmp_pair: { attributes: { a: integer } }
            tables: {}
            ignore:
              types: ["tmp_*"]
            """)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("composite type 'tmp_pair'") == true, "\(errors)")
    }
}
