import SQLSyntax
import State

extension Step {
    /// The statement for this operation: one statement, identifiers quoted,
    /// names unqualified (it runs under the tenant's `search_path`).
    ///
    /// Raw SQL from `schema.yaml` (types, defaults, checks, index expressions)
    /// goes in as written; everything else is quoted here.
    public var sql: String {
        let q = quoteIdentifier
        switch self {
        case .createSchema:
            // Stored with a placeholder: `Change.statement(tenant:)` names the schema.
            return Self.createSchemaStatement(SecurityStep.tenantPlaceholder)
        case .createEnum(let e):
            return "CREATE TYPE \(q(e.name)) AS ENUM (\(e.values.map(quoteLiteral).joined(separator: ", ")))"
        case .addEnumValue(let type, let value, let before):
            let position = before.map { " BEFORE \(quoteLiteral($0))" } ?? ""
            return "ALTER TYPE \(q(type)) ADD VALUE \(quoteLiteral(value))\(position)"
        case .dropType(let name):
            return "DROP TYPE \(q(name))"

        case .createTable(let t):
            var items = t.columns.map { "    " + Self.columnDefinition($0) }
            if let pk = t.primaryKey { items.append("    " + Self.constraintDefinition(.primaryKey(pk))) }
            for u in t.uniques { items.append("    " + Self.constraintDefinition(.unique(u))) }
            for c in t.checks { items.append("    " + Self.constraintDefinition(.check(c))) }
            for x in t.exclusions { items.append("    " + Self.constraintDefinition(.exclusion(x))) }
            let partitioning = t.partitionBy.map { " PARTITION BY \($0)" } ?? ""
            return "CREATE \(t.unlogged ? "UNLOGGED " : "")TABLE \(q(t.name)) (\n\(items.joined(separator: ",\n"))\n)\(partitioning)"
        case .createPartition(let table, let p, _):
            return "CREATE TABLE \(q(p.name)) PARTITION OF \(q(table)) \(p.bound)"
        case .dropPartition(_, let name):
            return "DROP TABLE \(q(name))"
        case .setLogged(let table, let logged):
            return "ALTER TABLE \(q(table)) SET \(logged ? "LOGGED" : "UNLOGGED")"
        case .renameTable(let from, let to):
            return "ALTER TABLE \(q(from)) RENAME TO \(q(to))"
        case .dropTable(let name):
            return "DROP TABLE \(q(name))"
        case .commentOnTable(let table, let comment):
            return "COMMENT ON TABLE \(q(table)) IS \(comment.map(quoteLiteral) ?? "NULL")"

        case .addColumn(let table, let column):
            return "ALTER TABLE \(q(table)) ADD COLUMN \(Self.columnDefinition(column))"
        case .renameColumn(let table, let from, let to):
            return "ALTER TABLE \(q(table)) RENAME COLUMN \(q(from)) TO \(q(to))"
        case .dropColumn(let table, let column):
            return "ALTER TABLE \(q(table)) DROP COLUMN \(q(column))"
        case .alterColumnType(let table, let column, let type, let collation, let using):
            let collate = collation.map { " COLLATE \(Self.collationName($0))" } ?? ""
            let conversion = using.map { " USING \($0)" } ?? ""
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) TYPE \(type)\(collate)\(conversion)"
        case .setNotNull(let table, let column):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) SET NOT NULL"
        case .dropNotNull(let table, let column):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) DROP NOT NULL"
        case .setDefault(let table, let column, let expression):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) SET DEFAULT \(expression)"
        case .dropDefault(let table, let column):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) DROP DEFAULT"
        case .addIdentity(let table, let column, let identity, let sequence):
            let name = sequence.map { " (SEQUENCE NAME \(q($0)))" } ?? ""
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) ADD GENERATED \(identity.sql) AS IDENTITY\(name)"
        case .setIdentity(let table, let column, let identity):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) SET GENERATED \(identity.sql)"
        case .dropIdentity(let table, let column):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) DROP IDENTITY"
        case .dropExpression(let table, let column):
            return "ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) DROP EXPRESSION"
        case .commentOnColumn(let table, let column, let comment):
            return "COMMENT ON COLUMN \(q(table)).\(q(column)) IS \(comment.map(quoteLiteral) ?? "NULL")"

        case .createSequence(let name, let type, let table, let column):
            return "CREATE SEQUENCE \(q(name)) AS \(type) OWNED BY \(q(table)).\(q(column))"
        case .renameSequence(let from, let to):
            return "ALTER SEQUENCE \(q(from)) RENAME TO \(q(to))"
        case .alterSequenceType(let name, let type):
            return "ALTER SEQUENCE \(q(name)) AS \(type)"
        case .dropSequence(let name):
            return "DROP SEQUENCE \(q(name))"
        // MARK: Composite types
        case .createCompositeType(let t):
            let attributes = t.attributes.map { "    \(q($0.name)) \($0.type)" }.joined(separator: ",\n")
            return "CREATE TYPE \(q(t.name)) AS (\n\(attributes)\n)"
        case .addAttribute(let type, let name, let attributeType):
            return "ALTER TYPE \(q(type)) ADD ATTRIBUTE \(q(name)) \(attributeType)"
        case .dropAttribute(let type, let name):
            return "ALTER TYPE \(q(type)) DROP ATTRIBUTE \(q(name))"
        case .alterAttributeType(let type, let name, let attributeType):
            return "ALTER TYPE \(q(type)) ALTER ATTRIBUTE \(q(name)) TYPE \(attributeType)"
        case .commentOnCompositeType(let name, let comment), .commentOnEnum(let name, let comment):
            return "COMMENT ON TYPE \(q(name)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .dropCompositeType(let name):
            return "DROP TYPE \(q(name))"
        // MARK: Sequences
        case .createStandaloneSequence(let s):
            var sql = "CREATE SEQUENCE \(q(s.name))"
            if let type = s.type { sql += " AS \(type)" }
            if let increment = s.increment { sql += " INCREMENT BY \(increment)" }
            if let min = s.minValue { sql += " MINVALUE \(min)" }
            if let max = s.maxValue { sql += " MAXVALUE \(max)" }
            if let start = s.start { sql += " START WITH \(start)" }
            if let cache = s.cache { sql += " CACHE \(cache)" }
            if s.cycle { sql += " CYCLE" }
            return sql
        case .alterSequence(let from, let to):
            var sql = "ALTER SEQUENCE \(q(to.name))"
            if from.type != to.type { sql += " AS \(to.type)" }
            if from.increment != to.increment { sql += " INCREMENT BY \(to.increment)" }
            if from.minValue != to.minValue { sql += " MINVALUE \(to.minValue)" }
            if from.maxValue != to.maxValue { sql += " MAXVALUE \(to.maxValue)" }
            if from.start != to.start { sql += " START WITH \(to.start)" }
            if from.cache != to.cache { sql += " CACHE \(to.cache)" }
            if from.cycle != to.cycle { sql += to.cycle ? " CYCLE" : " NO CYCLE" }
            return sql
        case .sequenceOwnedBy(let name, let ownedBy):
            let owner = ownedBy.map { o -> String in
                let parts = o.split(separator: ".", maxSplits: 1).map { q(String($0)) }
                return parts.joined(separator: ".")
            } ?? "NONE"
            return "ALTER SEQUENCE \(q(name)) OWNED BY \(owner)"
        case .commentOnSequence(let name, let comment):
            return "COMMENT ON SEQUENCE \(q(name)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .continueSequence(let name, let table, let column, let after, _):
            // The last value the old sequence gave out counts too: rows may have
            // been deleted since. With neither (an empty table, a fresh
            // sequence), the next value is the sequence's start, 1.
            var candidates = ["(SELECT max(\(q(column))) FROM \(q(table)))"]
            if let after {
                candidates.append("(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM \(q(after)))")
            }
            candidates.append("0")
            return "SELECT setval(\(quoteLiteral(q(name))), greatest(v, 1), v >= 1) "
                + "FROM (SELECT greatest(\(candidates.joined(separator: ", "))) AS v) AS highest"

        case .addConstraint(let table, let constraint):
            return "ALTER TABLE \(q(table)) ADD \(Self.constraintDefinition(constraint))"
        case .renameConstraint(let table, let from, let to):
            return "ALTER TABLE \(q(table)) RENAME CONSTRAINT \(q(from)) TO \(q(to))"
        case .dropConstraint(let table, let name):
            return "ALTER TABLE \(q(table)) DROP CONSTRAINT \(q(name))"

        case .createIndex(let table, let index):
            return Self.indexDefinition(index, table: table)
        case .renameIndex(let from, let to):
            return "ALTER INDEX \(q(from)) RENAME TO \(q(to))"
        case .dropIndex(let name):
            return "DROP INDEX \(q(name))"
        case .commentOnIndex(let name, let comment):
            return "COMMENT ON INDEX \(q(name)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .commentOnConstraint(let table, let name, let comment):
            return "COMMENT ON CONSTRAINT \(q(name)) ON \(q(table)) IS \(comment.map(quoteLiteral) ?? "NULL")"

        case .createFunction(let f):
            return f.sql
        case .replaceFunction(let f):
            return f.orReplaceSQL
        case .dropFunction(let name, let arguments, let kind):
            return Self.dropRoutineStatement(kind.keyword, q(name), arguments: arguments)
        case .commentOnFunction(let name, let comment):
            return "COMMENT ON ROUTINE \(q(name)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .createTrigger(let table, let t):
            return Self.triggerDefinition(t, table: table)
        case .dropTrigger(let table, let name):
            return "DROP TRIGGER \(q(name)) ON \(q(table))"
        case .commentOnTrigger(let table, let name, let comment):
            return "COMMENT ON TRIGGER \(q(name)) ON \(q(table)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .dropDependent(let d):
            return Self.dropStatement(d)
        case .createIndexConcurrently(let table, let index):
            return Self.indexDefinition(index, table: table, concurrently: true)
        case .dropIndexConcurrently(let name):
            return "DROP INDEX CONCURRENTLY \(q(name))"
        case .addConstraintNotValid(let table, let constraint):
            return "ALTER TABLE \(q(table)) ADD \(Self.constraintDefinition(constraint)) NOT VALID"
        case .validateConstraint(let table, let name):
            return "ALTER TABLE \(q(table)) VALIDATE CONSTRAINT \(q(name))"
        case .alterConstraintTiming(let table, let name, let timing):
            let sql = timing.deferrable ? timing.sql : " NOT DEFERRABLE"
            return "ALTER TABLE \(q(table)) ALTER CONSTRAINT \(q(name))\(sql)\(timing.deferrable && !timing.initiallyDeferred ? " INITIALLY IMMEDIATE" : "")"
        case .setIndexStorage(let index, let set, let reset):
            if set.isEmpty { return "ALTER INDEX \(q(index)) RESET (\(reset.sorted().joined(separator: ", ")))" }
            return "ALTER INDEX \(q(index)) SET (\(Self.storageParameters(set)))"
        case .addConstraintUsingIndex(let table, let name, let primaryKey, let index):
            return "ALTER TABLE \(q(table)) ADD CONSTRAINT \(q(name)) \(primaryKey ? "PRIMARY KEY" : "UNIQUE") USING INDEX \(q(index ?? name))"
        case .backfillColumn(let table, let column):
            return ColumnBackfill(table: table, column: column).batchStatement()
        case .fillColumn(let table, let column):
            return "UPDATE \(q(table)) SET \(q(column)) = DEFAULT WHERE \(q(column)) IS NULL"
        case .createView(let view):
            return Self.viewDefinition(view, orReplace: false)
        case .replaceView(let view):
            return Self.viewDefinition(view, orReplace: true)
        case .dropView(let name, let materialized):
            return "DROP \(materialized ? "MATERIALIZED VIEW" : "VIEW") \(q(name))"
        case .commentOnView(let name, let materialized, let comment):
            return "COMMENT ON \(materialized ? "MATERIALIZED VIEW" : "VIEW") \(q(name)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .createViewIndex(let view, let index):
            return Self.indexDefinition(index, table: view)
        // MARK: Domains
        case .createDomain(let d):
            var sql = "CREATE DOMAIN \(q(d.name)) AS \(d.type)"
            if let collation = d.collation { sql += " COLLATE \(Self.collationName(collation))" }
            if let expression = d.defaultExpression { sql += " DEFAULT \(expression)" }
            if !d.nullable { sql += " NOT NULL" }
            for c in d.checks { sql += " CONSTRAINT \(q(c.name)) CHECK (\(c.expression))" }
            return sql
        case .dropDomain(let name):
            return "DROP DOMAIN \(q(name))"
        case .alterDomainDefault(let domain, let expression):
            return "ALTER DOMAIN \(q(domain)) " + (expression.map { "SET DEFAULT \($0)" } ?? "DROP DEFAULT")
        case .setDomainNotNull(let domain, _):
            return "ALTER DOMAIN \(q(domain)) SET NOT NULL"
        case .dropDomainNotNull(let domain):
            return "ALTER DOMAIN \(q(domain)) DROP NOT NULL"
        case .addDomainCheck(let domain, let c, _):
            return "ALTER DOMAIN \(q(domain)) ADD \(Self.constraintDefinition(.check(c)))"
        case .addDomainCheckNotValid(let domain, let c):
            return "ALTER DOMAIN \(q(domain)) ADD \(Self.constraintDefinition(.check(c))) NOT VALID"
        case .validateDomainCheck(let domain, let name, _):
            return "ALTER DOMAIN \(q(domain)) VALIDATE CONSTRAINT \(q(name))"
        case .dropDomainCheck(let domain, let name):
            return "ALTER DOMAIN \(q(domain)) DROP CONSTRAINT \(q(name))"
        case .commentOnDomain(let name, let comment):
            return "COMMENT ON DOMAIN \(q(name)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .security(let s):
            return s.sql
        }
    }

    /// `CREATE [OR REPLACE] [MATERIALIZED] VIEW "name" [WITH (...)] AS\nquery`:
    /// the query on a line of its own, as written, so that a position the
    /// server reports in it maps back to `schema.yaml` (`queryOffset`).
    static func viewDefinition(_ view: ViewDeclaration, orReplace: Bool) -> String {
        viewHead(view, orReplace: orReplace) + view.query
            + (view.materialized && !view.withData ? "\nWITH NO DATA" : "")
    }

    /// Everything before the query in `viewDefinition`.
    static func viewHead(_ view: ViewDeclaration, orReplace: Bool) -> String {
        let options = view.options.isEmpty ? "" : " WITH (\(view.options.joined(separator: ", ")))"
        return "CREATE \(orReplace ? "OR REPLACE " : "")\(view.materialized ? "MATERIALIZED VIEW" : "VIEW") "
            + "\(quoteIdentifier(view.name))\(options) AS\n"
    }

    /// The statement that drops a dependent: never `CASCADE`. Objects of the
    /// schema itself stay unqualified; others are qualified by their schema.
    static func dropStatement(_ d: DependentState) -> String {
        let q = quoteIdentifier
        let prefix = d.schema.map { q($0) + "." } ?? ""
        let table = prefix + q(d.table ?? "")
        switch d.kind {
        case .view: return "DROP VIEW \(prefix)\(q(d.name))"
        case .materializedView: return "DROP MATERIALIZED VIEW \(prefix)\(q(d.name))"
        case .rule: return "DROP RULE \(q(d.name)) ON \(table)"
        case .trigger: return "DROP TRIGGER \(q(d.name)) ON \(table)"
        case .policy: return "DROP POLICY \(q(d.name)) ON \(table)"
        case .function, .procedure, .aggregate:
            return dropRoutineStatement(d.kind.rawValue.uppercased(), prefix + q(d.name), arguments: d.arguments ?? "")
        case .foreignKey, .constraint: return "ALTER TABLE \(table) DROP CONSTRAINT \(q(d.name))"
        case .column: return "ALTER TABLE \(table) DROP COLUMN \(q(d.name))"
        case .attribute: return "ALTER TYPE \(table) DROP ATTRIBUTE \(q(d.name))"
        case .domain: return "DROP DOMAIN \(prefix)\(q(d.name))"
        }
    }

    /// `DROP FUNCTION|PROCEDURE|AGGREGATE name(arguments)`, `arguments` as
    /// `pg_get_function_identity_arguments` gives them. The kind must be the
    /// routine's: an ordered-set aggregate's arguments (`float8 ORDER BY
    /// anyelement`) parse only after `DROP AGGREGATE`, which writes an
    /// aggregate without arguments `name(*)`.
    static func dropRoutineStatement(_ keyword: String, _ name: String, arguments: String) -> String {
        "DROP \(keyword) \(name)(\(keyword == "AGGREGATE" && arguments.isEmpty ? "*" : arguments))"
    }

    /// `CREATE TRIGGER "name" BEFORE INSERT OR UPDATE ON "table" FOR EACH ROW [WHEN (...)] EXECUTE FUNCTION f()`.
    static func triggerDefinition(_ t: TriggerDeclaration, table: String) -> String {
        var sql = "CREATE TRIGGER \(quoteIdentifier(t.name)) \(t.timing.sql) "
        sql += t.events.map(\.sql).joined(separator: " OR ")
        sql += " ON \(quoteIdentifier(table)) FOR EACH \(t.forEach.sql)"
        if let when = t.when { sql += " WHEN (\(when))" }
        let function = t.function.split(separator: ".", omittingEmptySubsequences: false).map { quoteIdentifier(String($0)) }
        return sql + " EXECUTE FUNCTION \(function.joined(separator: "."))()"
    }

    /// `CREATE SCHEMA name`, `name` as given (quoted by the caller, or the plan's placeholder).
    static func createSchemaStatement(_ name: String) -> String {
        "CREATE SCHEMA \(name)"
    }

    /// `"name" type [COLLATE c] [GENERATED ...] [NOT NULL] [DEFAULT expr]`.
    public static func columnDefinition(_ c: ColumnDeclaration) -> String {
        var sql = "\(quoteIdentifier(c.name)) \(c.type)"
        if let collation = c.collation { sql += " COLLATE \(collationName(collation))" }
        if let generated = c.generated { sql += " GENERATED ALWAYS AS (\(generated)) STORED" }
        if let identity = c.identity { sql += " GENERATED \(identity.sql) AS IDENTITY" }
        if !c.nullable { sql += " NOT NULL" }
        if let expression = c.defaultExpression { sql += " DEFAULT \(expression)" }
        return sql
    }

    /// A collation name as declared: a plain name (`C`, `en-x-icu`) is quoted; a
    /// qualified one (`public.mycoll`) or an already quoted one is kept.
    static func collationName(_ name: String) -> String {
        if name.hasPrefix("\"") || name.contains(".") { return name }
        return quoteIdentifier(name)
    }

    static func constraintDefinition(_ constraint: ConstraintDeclaration) -> String {
        let q = quoteIdentifier
        let columns = { (names: [String]) in names.map(q).joined(separator: ", ") }
        switch constraint {
        case .primaryKey(let k):
            return "CONSTRAINT \(q(k.name)) PRIMARY KEY (\(columns(k.columns)))\(k.timing.sql)"
        case .unique(let k):
            let nulls = k.nullsNotDistinct ? " NULLS NOT DISTINCT" : ""
            return "CONSTRAINT \(q(k.name)) UNIQUE\(nulls) (\(columns(k.columns)))\(k.timing.sql)"
        case .exclusion(let x):
            let elements = x.elements.map { element -> String in
                guard let (body, op) = DeclarationLoader.exclusionElement(element) else { return element }
                return "\(indexElement(body)) WITH \(op)"
            }
            var sql = "CONSTRAINT \(q(x.name)) EXCLUDE USING \(q(x.method)) (\(elements.joined(separator: ", ")))"
            if let predicate = x.predicate { sql += " WHERE (\(predicate))" }
            return sql + x.timing.sql
        case .check(let c):
            return "CONSTRAINT \(q(c.name)) CHECK (\(c.expression))"
        case .foreignKey(let f):
            let target = (f.referencedSchema.map { q($0) + "." } ?? "") + q(f.referencedTable)
            var sql = "CONSTRAINT \(q(f.name)) FOREIGN KEY (\(columns(f.columns))) REFERENCES \(target) (\(columns(f.referencedColumns)))"
            if let action = f.onUpdate { sql += " ON UPDATE \(action.sql)" }
            if let action = f.onDelete { sql += " ON DELETE \(action.sql)" }
            return sql + f.timing.sql
        }
    }

    static func indexDefinition(_ index: IndexDeclaration, table: String, concurrently: Bool = false) -> String {
        var sql = "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(concurrently ? "CONCURRENTLY " : "")"
            + "\(quoteIdentifier(index.name)) ON \(quoteIdentifier(table))"
        if let method = index.method { sql += " USING \(quoteIdentifier(method))" }
        sql += " (\(index.columns.map(indexElement).joined(separator: ", ")))"
        if !index.include.isEmpty { sql += " INCLUDE (\(index.include.map(quoteIdentifier).joined(separator: ", ")))" }
        if index.nullsNotDistinct { sql += " NULLS NOT DISTINCT" }
        if !index.storage.isEmpty { sql += " WITH (\(storageParameters(index.storage)))" }
        if let predicate = index.predicate { sql += " WHERE (\(predicate))" }
        return sql
    }

    /// `fillfactor = '70', deduplicate_items = 'off'`: sorted by name, each value a literal.
    static func storageParameters(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key) = \(quoteLiteral($0.value))" }.joined(separator: ", ")
    }

    /// An index element: a plain column name is quoted; anything else is an SQL
    /// expression and is parenthesised. A trailing `ASC`/`DESC`/`NULLS FIRST|LAST`
    /// stays outside the parentheses, and so does an operator class after a
    /// column name or a parenthesised expression (`email text_pattern_ops`).
    static func indexElement(_ element: String) -> String {
        let (body, ordering) = IndexElement.split(element)
        let (expression, opclass) = IndexElement.splitOperatorClass(body)
        var rendered = IndexElement.isPlainName(expression) ? quoteIdentifier(expression) : "(\(expression))"
        if let opclass { rendered += " " + opclass }
        return ordering.isEmpty ? rendered : "\(rendered) \(ordering)"
    }
}

/// Parsing of one `indexes.columns` entry.
public enum IndexElement {
    static let orderings = ["ASC NULLS FIRST", "ASC NULLS LAST", "DESC NULLS FIRST", "DESC NULLS LAST",
                            "NULLS FIRST", "NULLS LAST", "ASC", "DESC"]

    /// Splits `lower(email) DESC NULLS LAST` into `lower(email)` and `DESC NULLS LAST`.
    public static func split(_ element: String) -> (body: String, ordering: String) {
        let trimmed = element.trimmingSpaces()
        let collapsed = trimmed.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let upper = collapsed.uppercased()
        for ordering in orderings where upper.hasSuffix(" " + ordering) {
            let body = String(collapsed.dropLast(ordering.count + 1))
            return (body.trimmingSpaces(), ordering)
        }
        return (trimmed, "")
    }

    /// Splits `email text_pattern_ops` into `email` and `text_pattern_ops`: a last
    /// word (a name, optionally schema-qualified) after a plain column name or
    /// after a closing parenthesis is an operator class. Nil for none.
    public static func splitOperatorClass(_ body: String) -> (body: String, operatorClass: String?) {
        guard let space = body.lastIndex(where: { $0.isWhitespace }) else { return (body, nil) }
        let head = String(body[..<space]).trimmingSpaces()
        let last = String(body[body.index(after: space)...])
        let isClassName = !last.isEmpty && last.split(separator: ".", omittingEmptySubsequences: false)
            .allSatisfy { isPlainName(String($0)) }
        let quotedName = head.count > 1 && head.hasPrefix("\"") && head.hasSuffix("\"")
        guard isClassName, isPlainName(head) || quotedName || head.hasSuffix(")") else { return (body, nil) }
        // `lower(email) text_pattern_ops` yes; `a + b` or `x COLLATE "C"` no: their
        // last word follows an operator or a keyword.
        if !isPlainName(head), head.uppercased().hasSuffix(" COLLATE") { return (body, nil) }
        return (head, last)
    }

    /// Whether `text` is a bare column name rather than an expression: letters,
    /// digits, `_` and `$` only, not starting with a digit.
    public static func isPlainName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0 == "$" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
