import Postgres
import SQLSyntax

/// A tenant schema's catalog as sorted lines of text, with the schema's own name
/// replaced by `<schema>`, so that two tenants can be compared line by line.
///
/// This is a query set of its own, independent of tenantplan's `Reflector`: it
/// checks what the reflector might miss. It reads relations (kind, persistence,
/// options, ACL, row level security, whether a materialized view is populated),
/// partition keys and bounds with each partition's parent, columns (type, NOT
/// NULL, default, identity, generated, collation, comment, ACL; by name, since
/// column order is not compared), constraints (`pg_get_constraintdef`,
/// validated; a domain's under the domain's name), indexes
/// (`pg_get_indexdef`, validity), sequences (type, start, increment, bounds,
/// cache, cycle, owner column), types (enum labels in order; a domain's base
/// type, NOT NULL, default and collation), composite types' attributes (name,
/// place, type, collation, comment; their order counts), views, functions,
/// aggregates (their `pg_aggregate` row: support functions, state types,
/// initial values, sort operator, and parallel safety), triggers, policies,
/// the schema's ACL and default privileges in it, and comments on all of them
/// (an index's or a sequence's with its relation).
///
/// Used by the conformance corpus (a converted tenant against a fresh one) and
/// by `WholeTenantTests`.
public struct CatalogSnapshot: Equatable, Sendable {
    public var lines: [String]

    public init(lines: [String]) {
        self.lines = lines
    }

    public static let queries: [(kind: String, sql: String)] = [
        ("relation", """
            SELECT c.relname, c.relkind::text, c.relpersistence::text, coalesce(c.reloptions::text, ''),
                   coalesce(c.relacl::text, ''), c.relrowsecurity::text, c.relforcerowsecurity::text,
                   c.relispopulated::text, coalesce(obj_description(c.oid, 'pg_class'), '')
            FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind <> 'c'
            """),
        ("partitioning", """
            SELECT c.relname, coalesce(pg_get_partkeydef(c.oid), ''), coalesce(p.relname, ''),
                   coalesce(pg_get_expr(c.relpartbound, c.oid), '')
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relnamespace = $1::regnamespace AND (c.relkind = 'p' OR c.relispartition)
            """),
        ("column", """
            SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
                   coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity::text, a.attgenerated::text,
                   CASE WHEN a.attcollation <> t.typcollation THEN coalesce(co.collname, '') ELSE '' END,
                   coalesce(col_description(c.oid, a.attnum), ''), coalesce(a.attacl::text, '')
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
              AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            """),
        ("constraint", """
            SELECT coalesce(r.relname, d.typname, '') || '.' || k.conname, k.contype::text, pg_get_constraintdef(k.oid),
                   k.convalidated::text, coalesce(obj_description(k.oid, 'pg_constraint'), '')
            FROM pg_constraint k LEFT JOIN pg_class r ON r.oid = k.conrelid LEFT JOIN pg_type d ON d.oid = k.contypid
            WHERE k.connamespace = $1::regnamespace
            """),
        ("index", """
            SELECT i.relname, r.relname, pg_get_indexdef(x.indexrelid), x.indisvalid::text, x.indisready::text
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid
            WHERE i.relnamespace = $1::regnamespace
            """),
        ("sequence", """
            SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text, s.seqmin::text,
                   s.seqmax::text, s.seqcache::text, s.seqcycle::text,
                   coalesce((SELECT r.relname || '.' || a.attname || ' (' || d.deptype::text || ')'
                             FROM pg_depend d
                             JOIN pg_class r ON r.oid = d.refobjid
                             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '')
            FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
            WHERE c.relnamespace = $1::regnamespace
            """),
        ("type", """
            SELECT t.typname, t.typtype::text,
                   coalesce((SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                             FROM pg_enum e WHERE e.enumtypid = t.oid), ''),
                   CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) ELSE '' END,
                   coalesce(obj_description(t.oid, 'pg_type'), ''), coalesce(t.typacl::text, ''),
                   -- Domains: NOT NULL, default and collation.
                   t.typnotnull::text, coalesce(pg_get_expr(t.typdefaultbin, 0), ''),
                   coalesce((SELECT co.collname FROM pg_collation co WHERE co.oid = t.typcollation), '')
            FROM pg_type t
            WHERE t.typnamespace = $1::regnamespace AND t.typelem = 0 AND (t.typrelid = 0
               OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
            """),
        ("type attribute", """
            SELECT t.typname || '.' || a.attname,
                   -- The attribute's place among the live ones: a dropped attribute leaves a gap in attnum.
                   row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::text,
                   format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attcollation <> at.typcollation THEN coalesce(co.collname, '') ELSE '' END,
                   coalesce(col_description(c.oid, a.attnum), '')
            FROM pg_type t
            JOIN pg_class c ON c.oid = t.typrelid
            JOIN pg_attribute a ON a.attrelid = c.oid
            JOIN pg_type at ON at.oid = a.atttypid
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE t.typnamespace = $1::regnamespace AND c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped
            """),
        ("view", """
            SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c
            WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('v', 'm')
            """),
        ("function", """
            SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid),
                   coalesce(obj_description(p.oid, 'pg_proc'), ''), coalesce(p.proacl::text, '')
            FROM pg_proc p WHERE p.pronamespace = $1::regnamespace AND p.prokind IN ('f', 'p', 'w')
            """),
        // An aggregate has no pg_get_functiondef: its pg_proc and pg_aggregate rows.
        // Support functions print with their argument types (regprocedure), `-` when absent.
        ("aggregate", """
            SELECT p.oid::regprocedure::text, pg_get_function_result(p.oid), p.proparallel::text,
                   a.aggkind::text, a.aggnumdirectargs::text,
                   a.aggtransfn::oid::regprocedure::text, a.aggfinalfn::oid::regprocedure::text,
                   a.aggcombinefn::oid::regprocedure::text, a.aggserialfn::oid::regprocedure::text,
                   a.aggdeserialfn::oid::regprocedure::text, a.aggmtransfn::oid::regprocedure::text,
                   a.aggminvtransfn::oid::regprocedure::text, a.aggmfinalfn::oid::regprocedure::text,
                   a.aggfinalextra::text, a.aggmfinalextra::text, a.aggfinalmodify::text, a.aggmfinalmodify::text,
                   a.aggsortop::regoperator::text, a.aggtranstype::regtype::text, a.aggtransspace::text,
                   a.aggmtranstype::regtype::text, a.aggmtransspace::text,
                   coalesce(a.agginitval, 'NULL'), coalesce(a.aggminitval, 'NULL'),
                   coalesce(obj_description(p.oid, 'pg_proc'), ''), coalesce(p.proacl::text, '')
            FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
            WHERE p.pronamespace = $1::regnamespace
            """),
        ("trigger", """
            SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text,
                   coalesce(obj_description(t.oid, 'pg_trigger'), '')
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal
            """),
        ("policy", """
            SELECT c.relname || '.' || p.polname, p.polcmd::text, p.polpermissive::text,
                   coalesce(pg_get_expr(p.polqual, p.polrelid), ''), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''),
                   p.polroles::regrole[]::text, coalesce(obj_description(p.oid, 'pg_policy'), '')
            FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
            WHERE c.relnamespace = $1::regnamespace
            """),
        ("schema", """
            SELECT n.nspname = $1, coalesce(n.nspacl::text, ''), coalesce(obj_description(n.oid, 'pg_namespace'), '')
            FROM pg_namespace n WHERE n.nspname = $1
            """),
        ("default privileges", """
            SELECT d.defaclrole::regrole::text, d.defaclobjtype::text, d.defaclacl::text
            FROM pg_default_acl d WHERE d.defaclnamespace = $1::regnamespace
            """),
    ]

    /// Reads `schema` on `connection` (whose `search_path` it sets to the schema, so
    /// that expressions print unqualified, and puts back to `public`).
    public static func read(_ schema: String, on connection: Connection) throws -> CatalogSnapshot {
        try connection.execute("SELECT set_config('search_path', $1, false)", [quoteIdentifier(schema)])
        defer { try? connection.execute("SELECT set_config('search_path', 'public', false)") }
        var lines: [String] = []
        for (kind, sql) in queries {
            for row in try connection.query(sql, [schema]).rows {
                let text = row.map { $0 ?? "NULL" }.joined(separator: " | ")
                lines.append("\(kind) \(neutralise(text, schema: schema))")
            }
        }
        return CatalogSnapshot(lines: lines.sorted())
    }

    /// `text` with every whole-word occurrence of `schema` (plain or quoted) replaced by `<schema>`.
    public static func neutralise(_ text: String, schema: String) -> String {
        var out = text.replacingOccurrences(of: quoteIdentifier(schema), with: "<schema>")
        var result = ""
        var rest = Substring(out)
        while let range = rest.range(of: schema) {
            let before = rest[..<range.lowerBound]
            let after = rest[range.upperBound...]
            let boundaryBefore = result.isEmpty && before.isEmpty ? true : !isWordCharacter((result + before).last)
            let boundaryAfter = !isWordCharacter(after.first)
            result += before
            result += boundaryBefore && boundaryAfter ? "<schema>" : String(rest[range])
            rest = after
        }
        result += rest
        out = result
        return out
    }

    private static func isWordCharacter(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isLetter || c.isNumber || c == "_" || c == "$"
    }

    /// A readable diff: lines only in `self` (`-`) and only in `other` (`+`),
    /// counting repeated lines (a line twice in one and once in the other differs).
    public func difference(to other: CatalogSnapshot, _ mine: String, _ theirs: String) -> String? {
        var counts: [String: Int] = [:]
        for line in other.lines { counts[line, default: 0] += 1 }
        var removed: [String] = []
        for line in lines {
            if let n = counts[line], n > 0 { counts[line] = n - 1 } else { removed.append(line) }
        }
        var added: [String] = []
        for line in other.lines {
            if let n = counts[line], n > 0 {
                counts[line] = n - 1
                added.append(line)
            }
        }
        if removed.isEmpty && added.isEmpty { return nil }
        return (["--- \(mine)", "+++ \(theirs)"] + removed.map { "- " + $0 } + added.map { "+ " + $0 })
            .joined(separator: "\n")
    }
}
