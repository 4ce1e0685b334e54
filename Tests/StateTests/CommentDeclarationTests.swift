import Testing
@testable import State

/// `comment:` reads by one rule wherever an object takes one.
@Suite struct CommentDeclarationTests {
    /// Every place of `schema.yaml` that takes a comment, each with `comment: ""`.
    static let everyPlace = """
        version: 1
        enums:
          mood: { values: [ok], comment: "" }
        domains:
          code: { type: text, comment: "" }
        types:
          pair: { attributes: { a: integer }, comment: "" }
        sequences:
          ticket: { start: 5, comment: "" }
        functions:
          touch:
            sql: CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$
            comment: ""
        tables:
          owners:
            columns: { id: integer }
            primary_key: [id]
          notes:
            columns:
              id: integer
              owner_id: integer
              room: integer
              body: { type: text, comment: "" }
            primary_key: { name: notes_pkey, columns: [id], comment: "" }
            unique:
              notes_body_key: { columns: [body], comment: "" }
            foreign_keys:
              notes_owner_fkey: { columns: [owner_id], references: { table: owners, columns: [id] }, comment: "" }
            checks:
              notes_body_check: { expression: "body <> ''", comment: "" }
            exclusions:
              notes_room_excl: { elements: ["room WITH ="], comment: "" }
            indexes:
              notes_room_idx: { columns: [room], comment: "" }
            triggers:
              notes_touch: { timing: before, events: [update], for_each: row, function: touch, comment: "" }
            row_level_security: { enabled: true }
            policies:
              notes_all: { using: "true", comment: "" }
            comment: ""
        views:
          note_ids: { query: "SELECT id FROM notes", comment: "" }
        """

    @Test func anEmptyCommentIsNoComment() throws {
        let d = try DeclarationLoader.parse(yaml: Self.everyPlace, file: "schema.yaml")
        let notes = try #require(d.table(named: "notes"))
        let comments: [(String, String?)] = [
            ("enum", d.enumType(named: "mood")?.comment),
            ("domain", d.domains.first?.comment),
            ("type", d.compositeTypes.first?.comment),
            ("sequence", d.sequences.first?.comment),
            ("function", d.functions.first?.comment),
            ("table", notes.comment),
            ("column", notes.columns.first { $0.name == "body" }?.comment),
            ("primary key", notes.primaryKey?.comment),
            ("unique", notes.uniques.first?.comment),
            ("foreign key", notes.foreignKeys.first?.comment),
            ("check", notes.checks.first?.comment),
            ("exclusion", notes.exclusions.first?.comment),
            ("index", notes.indexes.first?.comment),
            ("trigger", notes.triggers.first?.comment),
            ("policy", notes.policies.first?.comment),
            ("view", d.views.first?.comment),
        ]
        #expect(comments.count == 16)
        for (place, comment) in comments { #expect(comment == nil, "\(place)") }
        // And each was read: a text there is kept.
        let written = try DeclarationLoader.parse(
            yaml: Self.everyPlace.replacingOccurrences(of: #"comment: """#, with: "comment: kept"), file: "schema.yaml")
        let writtenNotes = try #require(written.table(named: "notes"))
        #expect([written.enumType(named: "mood")?.comment, written.domains.first?.comment,
                 written.compositeTypes.first?.comment, written.sequences.first?.comment,
                 written.functions.first?.comment, writtenNotes.comment,
                 writtenNotes.columns.first { $0.name == "body" }?.comment, writtenNotes.primaryKey?.comment,
                 writtenNotes.uniques.first?.comment, writtenNotes.foreignKeys.first?.comment,
                 writtenNotes.checks.first?.comment, writtenNotes.exclusions.first?.comment,
                 writtenNotes.indexes.first?.comment, writtenNotes.triggers.first?.comment,
                 writtenNotes.policies.first?.comment, written.views.first?.comment] == Array(repeating: "kept", count: 16))
    }

    @Test func aCommentWithoutValueIsAnError() {
        let errors = inputErrors({
            _ = try DeclarationLoader.parse(yaml: """
                version: 1
                tables:
                  t:
                    columns: { id: integer }
                    comment:
                """, file: "schema.yaml")
        })
        expectOnlyError(errors, line: 5, column: 5, message: "'comment' of table 't' has no value")
    }
}
