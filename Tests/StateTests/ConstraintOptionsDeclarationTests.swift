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

    @Test func commentsOnConstraintsAndIndexesAreRead() throws {
        let d = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              p:
                columns: { id: integer }
                primary_key: { name: p_pkey, columns: [id], comment: "The key" }
              t:
                columns: { id: integer, v: text, during: tsrange, p_id: integer }
                primary_key: [id]
                unique:
                  t_v_key: { columns: [v], comment: One v }
                foreign_keys:
                  t_p_fkey: { columns: [p_id], references: { table: p, columns: [id] }, comment: Whose }
                checks:
                  t_v_check: { expression: "v <> ''", comment: Not empty }
                  t_id_check: "id > 0"
                indexes:
                  t_v_idx: { columns: [v], comment: By v }
                exclusions:
                  t_no_overlap: { using: gist, elements: ["during WITH &&"], comment: No overlap }
            """, file: "schema.yaml")
        let p = try #require(d.table(named: "p")), t = try #require(d.table(named: "t"))
        #expect(p.primaryKey?.comment == "The key")
        #expect(t.primaryKey?.comment == nil)
        #expect(t.uniques.first?.comment == "One v")
        #expect(t.foreignKeys.first?.comment == "Whose")
        #expect(t.checks.map(\.expression) == ["v <> ''", "id > 0"])
        #expect(t.checks.map(\.comment) == ["Not empty", nil])
        #expect(t.checks.first?.location?.line == 14)
        #expect(t.indexes.first?.comment == "By v")
        #expect(t.exclusions.first?.comment == "No overlap")
    }

    @Test func aCheckMappingWithoutExpressionIsAnError() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              t:
                columns: { id: integer }
                checks:
                  t_id_check: { comment: Positive }
            """), line: 6, column: 7, message: "check 't_id_check' of table 't' has no expression",
            hint: "add expression:")
    }

    @Test func anUnknownKeyOfACheckMappingIsAnError() {
        let errors = Self.errors("""
            version: 1
            tables:
              t:
                columns: { id: integer }
                checks:
                  t_id_check: { expression: "id > 0", commment: Positive }
            """)
        #expect(errors.count == 1)
        #expect(errors.first?.location?.line == 6)
        #expect(errors.first?.message.contains("commment") == true)
    }

    @Test func aMaterializedViewIndexTakesAComment() throws {
        let declaration = try DeclarationLoader.parse(yaml: """
            version: 1
            tables:
              t:
                columns: { id: integer }
            materialized_views:
              m:
                query: "SELECT id FROM t"
                indexes:
                  m_id_idx: { columns: [id], comment: By id }
                  m_plain_idx: { columns: [id] }
            """, file: "schema.yaml")
        let view = try #require(declaration.view(named: "m"))
        #expect(view.indexes.map(\.name) == ["m_id_idx", "m_plain_idx"])
        #expect(view.indexes.map(\.comment) == ["By id", nil])
    }

    @Test func aMaterializedViewIndexCommentMustBeText() {
        expectOnlyError(Self.errors("""
            version: 1
            tables:
              t:
                columns: { id: integer }
            materialized_views:
              m:
                query: "SELECT id FROM t"
                indexes:
                  m_id_idx: { columns: [id], comment: [By id] }
            """), line: 9, column: 43,
            message: "'comment' of index 'm_id_idx' of materialized view 'm' must be a single value")
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
