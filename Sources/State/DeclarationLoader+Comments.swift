/// `comment:`, of every object that takes one.
extension DeclarationLoader.Parser {
    /// The comment that `fields` declare: nil without `comment:`, and for an
    /// empty one (`comment: ""`).
    ///
    /// PostgreSQL keeps no empty comment: `COMMENT ON ... IS ''` removes the
    /// comment, as `IS NULL` does. So `""` declares no comment, which is what
    /// the server will hold, for every kind of object alike. A `comment:`
    /// without a value, a list or a mapping is an error at its line.
    /// See https://www.postgresql.org/docs/15/sql-comment.html
    func comment(in fields: YAMLFields, of owner: String) -> String? {
        guard let entry = fields["comment"],
              let text = reader.string(entry, of: owner, allowEmpty: true), !text.isEmpty else { return nil }
        return text
    }
}
