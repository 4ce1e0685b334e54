import Testing
@testable import State

/// Constraint and index options in schema.yaml (`deferrable`, `initially_deferred`,
/// `nulls_not_distinct`, `with:`, `exclusions:`): what is read, and each error
/// at its line and column.
@Suite struct ConstraintOptionsDeclarationTests {
    static func errors(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [InputError] {
        inputErrors({ _ = try DeclarationLoader.parse(yaml: yaml, file: "schema.yaml") }, sourceLocation: sourceLocation)
    }

    @Test func optionsAreRead() throws {
        let d = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              t:
                columns: { id: integer, v: text, during: tsrange }
                primary_key: { name: t_pkey, columns: [id], deferrable: true }
                unique:
                  t_v_key: { columns: [v], initially_deferred: true, nulls_not_distinct: true }
                indexes:
                  t_v_idx: { columns: [v text_pattern_ops], with: { fillfactor: 70 } }
                exclusions:
                  t_no_overlap: { using: gist, elements: ["during WITH &&"] }
            """, file: "schema.yaml")
        let t = try #require(d.table(named: "t"))
        #expect(t.primaryKey?.timing == ConstraintTiming(deferrable: true))
        #expect(t.uniques.first?.timing == ConstraintTiming(initiallyDeferred: true))
        #expect(t.indexes.first?.columns == ["v text_pattern_ops"])
        #expect(t.indexes.first?.storage == ["fillfactor": "70"])
        #expect(t.exclusions.map(\.name) == ["t_no_overlap"])
        #expect(t.exclusions.first?.elements == ["during WITH &&"])
    }

    @Test func initiallyDeferredButNotDeferrableIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              t:
                columns: { id: integer, v: text }
                unique:
                  t_v_key: { columns: [v], deferrable: false, initially_deferred: true }
            """), line: 6, column: 44, message: "unique constraint 't_v_key' of table 't' is initially_deferred but not deferrable",
            hint: "remove deferrable: false")
    }

    @Test func nullsNotDistinctOnANonUniqueIndexIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              t:
                columns: { id: integer, v: text }
                indexes:
                  t_v_idx: { columns: [v], nulls_not_distinct: true }
            """), line: 6, column: 32, message: "index 't_v_idx' of table 't' has nulls_not_distinct but is not unique",
            hint: "add unique: true")
    }

    @Test func exclusionElementWithoutOperatorIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              t:
                columns: { room: integer, during: tsrange }
                exclusions:
                  t_no_overlap: { elements: ["room WITH =", during] }
            """), line: 6, column: 49,
            message: "element 'during' of exclusion constraint 't_no_overlap' of table 't' has no operator",
            hint: "\"during WITH &&\"")
    }
}
