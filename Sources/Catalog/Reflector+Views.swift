import Postgres
import State

/// Views and materialized views.
///
/// Their texts always come from the per-schema pass (`LocalItems`), with the
/// schema alone on the path: `pg_get_viewdef` qualifies every relation and
/// function that is not visible, so the schema's own come back unqualified
/// and two tenants with the same view read the same. One row per item, keyed
/// by the view's oid: `vd` definition, `vo` sorted reloptions, `vc` comment,
/// `vl` output columns (`name type`, one per line), `vr` the
/// views of the schema it reads (`pg_depend` of its `pg_rewrite` rule, one per
/// line), `vs` its stamp line; `vi` a materialized view's index, keyed by
/// `view/index`, its text as `IndexState.definition` with a leading `!` when
/// the index is invalid; `vk` the comment of such an index, keyed alike.
/// See https://www.postgresql.org/docs/15/catalog-pg-rewrite.html
extension Reflector {
    static func viewTextsQuery(_ views: String) -> String {
        """
        SELECT x.kind, c.oid::int8::text AS key, x.text
        FROM pg_class c
        CROSS JOIN LATERAL (VALUES
            ('vd', pg_get_viewdef(c.oid, true)),
            ('vo', (SELECT string_agg(o, E'\\n' ORDER BY o) FROM unnest(c.reloptions) AS o)),
            ('vc', (SELECT ds.description FROM pg_description ds
                    WHERE ds.classoid = 'pg_class'::regclass AND ds.objoid = c.oid AND ds.objsubid = 0)),
            ('vl', (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), E'\\n'
                                      ORDER BY a.attnum)
                    FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)),
            ('vr', (SELECT string_agg(DISTINCT rc.relname, E'\\n')
                    FROM pg_rewrite rw
                    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                                    AND d.refclassid = 'pg_class'::regclass
                    JOIN pg_class rc ON rc.oid = d.refobjid
                    WHERE rw.ev_class = c.oid AND rc.oid <> c.oid AND rc.relnamespace = c.relnamespace
                      AND rc.relkind IN ('v', 'm'))),
            ('vs', \(Stamp.viewLine))
        ) AS x(kind, text)
        WHERE c.oid = ANY(\(views)::oid[])
        UNION ALL
        SELECT 'vi', c.oid::int8::text || '/' || ic.relname,
               CASE WHEN i.indisvalid THEN '' ELSE '!' END || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END
               || substr(pg_get_indexdef(i.indexrelid, 0, true),
                         length('CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                                || quote_ident(ic.relname) || ' ON ' || quote_ident(c.relname) || ' ') + 1)
        FROM pg_class c
        JOIN pg_index i ON i.indrelid = c.oid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE c.oid = ANY(\(views)::oid[])
        UNION ALL
        SELECT 'vk', c.oid::int8::text || '/' || ic.relname, ds.description
        FROM pg_class c
        JOIN pg_index i ON i.indrelid = c.oid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_description ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = i.indexrelid AND ds.objsubid = 0
        WHERE c.oid = ANY(\(views)::oid[])
        """
    }

    /// The views of `members`, from the texts `LocalItems` read.
    static func views(of members: Members, local: [String: String]) -> [ViewState] {
        var indexes: [String: [IndexState]] = [:]
        for (key, text) in local where key.hasPrefix("vi/") {
            let parts = key.dropFirst(3).split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let invalid = text.hasPrefix("!")
            indexes[String(parts[0]), default: []].append(
                IndexState(name: String(parts[1]), definition: invalid ? String(text.dropFirst()) : text, invalid: invalid,
                           comment: local["vk/\(parts[0])/\(parts[1])"]))
        }
        func lines(_ text: String?) -> [String] {
            text.map { $0.split(separator: "\n").map(String.init) } ?? []
        }
        return members.classes.filter { $0.kind == "v" || $0.kind == "m" }.compactMap { c in
            guard let definition = local["vd/\(c.oid)"] else { return nil }
            return ViewState(
                name: c.name, materialized: c.kind == "m", definition: definition, options: lines(local["vo/\(c.oid)"]),
                columns: lines(local["vl/\(c.oid)"]), comment: local["vc/\(c.oid)"],
                indexes: (indexes[c.oid] ?? []).sorted { $0.name < $1.name }, reads: lines(local["vr/\(c.oid)"]))
        }.sorted { $0.name < $1.name }
    }

    /// The oids of the views and materialized views of `members`.
    static func viewOIDs(of members: Members) -> [String] {
        members.classes.filter { $0.kind == "v" || $0.kind == "m" }.map(\.oid)
    }
}

extension Stamp {
    /// A view's stamp line as SQL over `pg_class c` (the view): the versions
    /// of its rewrite rule, comment and indexes (`pg_class` itself is a member
    /// of the schema), and of its indexes' comments when it has any (lines of
    /// views without one are as before). The same text in `Reflector.viewTextsQuery` and `query`.
    static let viewLine = """
        'w:' || c.oid::int8 || ':'
            || coalesce((SELECT pg_catalog.string_agg(rw.oid::int8 || '.' || rw.xmin::text, ',' ORDER BY rw.oid)
                         FROM pg_catalog.pg_rewrite rw WHERE rw.ev_class = c.oid), '') || ':'
            || coalesce((SELECT ds.xmin::text FROM pg_catalog.pg_description ds
                         WHERE ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objoid = c.oid
                           AND ds.objsubid = 0), '') || ':'
            || coalesce((SELECT pg_catalog.string_agg(i.indexrelid::int8 || '.' || i.xmin::text || '.' || ic.xmin::text,
                                                      ',' ORDER BY i.indexrelid)
                         FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                         WHERE i.indrelid = c.oid), '')
            || coalesce((SELECT ':' || pg_catalog.string_agg(ds.objoid::int8 || '.' || ds.xmin::text, ','
                                                             ORDER BY ds.objoid)
                         FROM pg_catalog.pg_index i
                         JOIN pg_catalog.pg_description ds
                           ON ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objoid = i.indexrelid
                          AND ds.objsubid = 0
                         WHERE i.indrelid = c.oid), '')
        """
}
