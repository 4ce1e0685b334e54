extension SchemaState {
    /// The fingerprint of a schema that does not exist.
    public static let absentFingerprint = "absent"

    /// A SHA-256 over the canonical encoding of the normalized state: equal for
    /// equal states, whatever the order they were read in.
    ///
    /// The encoding is length-prefixed (`5:hello`), so no text can be mistaken for
    /// a field boundary, and stable across releases of this format version.
    public var fingerprint: String { SHA256.hex(canonicalEncoding) }

    /// The text the fingerprint hashes; exposed for tests and debugging.
    public var canonicalEncoding: String {
        var out = "tenantplan-state-1\n"
        func field(_ value: String?) {
            guard let value else { out += "~;"; return }
            out += "\(value.utf8.count):\(value);"
        }
        let state = normalized()
        for e in state.enums {
            out += "E"; field(e.name)
            for label in e.labels { field(label) }
            // Only with a comment: enums without one encode as before.
            if let comment = e.comment { out += "c"; field(comment) }
            out += "\n"
        }
        for t in state.tables {
            out += "T"; field(t.name); field(t.comment); out += "\n"
            // Only when something is ignored: states without ignore: encode as before.
            if !t.ignoredUses.isEmpty {
                out += " U"
                for c in t.ignoredUses { field(c) }
                out += "\n"
            }
            if !t.ignoredKeyColumns.isEmpty {
                out += " K"
                for c in t.ignoredKeyColumns { field(c) }
                out += "\n"
            }
            // Likewise only when the table has properties schema.yaml cannot express.
            if !t.unsupported.isEmpty {
                out += " P"
                for p in t.unsupported { field(p) }
                out += "\n"
            }
            for c in t.columns {
                out += " C"; field(c.name); field(c.type); field(c.notNull ? "t" : "f")
                field(c.defaultExpression); field(c.identity?.rawValue); field(c.generated)
                field(c.collation); field(c.comment); field(c.ownedSequence)
                // Only with an owned sequence: a line's field count tells it apart.
                if c.ownedSequence != nil { field(c.ownedSequenceType) }
                // Only for an identity column whose sequence has another name than
                // the usual one: states and plan files of earlier builds still match.
                if c.identity != nil, let sequence = c.identitySequence, sequence != "\(t.name)_\(c.name)_seq" {
                    field(sequence)
                }
                out += "\n"
            }
            for k in t.constraints {
                out += " K"; field(k.name); field(k.kind.rawValue); field(k.definition)
                // Only with a comment: constraints without one encode as before.
                if let comment = k.comment { out += "c"; field(comment) }
                out += "\n"
            }
            for i in t.indexes {
                out += " I"; field(i.name); field(i.definition)
                // Only when invalid: valid indexes encode as before.
                if i.invalid { field("invalid") }
                // Only with a comment, tagged so that it is never taken for `invalid`.
                if let comment = i.comment { out += "c"; field(comment) }
                out += "\n"
            }
            for g in t.triggers {
                out += " G"; field(g.name); field(g.definition); field(g.comment)
                // Only when not the default: a line's field count tells it apart.
                if let enabled = g.enabled { field(enabled) }
                out += "\n"
            }
            // Row-level security, policies and grants: only when present.
            if let rls = t.rowSecurity { out += " R"; field(rls.enabled ? "t" : "f"); field(rls.forced ? "t" : "f"); out += "\n" }
            for p in t.policies ?? [] {
                out += " Q"; field(p.name); field(p.command); field(p.permissive ? "t" : "f")
                field(p.roles.joined(separator: ",")); field(p.using); field(p.withCheck); field(p.comment); out += "\n"
            }
            for g in t.grants ?? [] { out += " A"; field(g.grantee); field(g.privileges.joined(separator: ",")); out += "\n" }
            // Persistence and partitioning: only when not a plain logged table.
            if t.isUnlogged { out += " L\n" }
            if let key = t.partitionBy { out += " B"; field(key); out += "\n" }
            for p in t.partitions ?? [] { out += " W"; field(p.name); field(p.bound); out += "\n" }
        }
        // Only present when the schema has functions: states without them encode as before.
        for f in state.functions {
            out += "F"; field(f.name); field(f.arguments); field(f.kind.rawValue); field(f.result); field(f.definition)
            field(f.comment); out += "\n"
        }
        // Only present when the schema has views: states without them encode as before.
        for v in state.views {
            out += "V"; field(v.name); field(v.materialized ? "m" : "v"); field(v.definition); field(v.comment)
            for o in v.options { field(o) }
            out += "\n"
            for c in v.columns { out += " C"; field(c); out += "\n" }
            for i in v.indexes {
                out += " I"; field(i.name); field(i.definition)
                if i.invalid { field("invalid") }
                // Only with a comment, tagged so that it is never taken for `invalid`.
                if let comment = i.comment { out += "c"; field(comment) }
                out += "\n"
            }
            // Only views with triggers have these lines.
            for g in v.triggers ?? [] {
                out += " G"; field(g.name); field(g.definition); field(g.comment)
                if let enabled = g.enabled { field(enabled) }
                out += "\n"
            }
        }
        // Domains: only states with domains have these lines.
        for m in state.domains {
            out += "M"; field(m.name); field(m.type); field(m.notNull ? "t" : "f"); field(m.defaultExpression)
            field(m.collation); field(m.comment); out += "\n"
            for k in m.checks { out += " K"; field(k.name); field(k.definition); out += "\n" }
        }
        // Composite types: only states with composite types have these lines; attributes in order.
        for y in state.compositeTypes {
            out += "Y"; field(y.name); field(y.comment); out += "\n"
            for a in y.attributes { out += " B"; field(a.name); field(a.type); out += "\n" }
        }
        for g in state.schemaGrants ?? [] { out += "A"; field(g.grantee); field(g.privileges.joined(separator: ",")); out += "\n" }
        for d in state.defaultPrivileges ?? [] {
            out += "P"; field(d.objects); field(d.grantee); field(d.privileges.joined(separator: ",")); out += "\n"
        }
        for s in state.sequences {
            out += "S"; field(s.name); field(s.type); field(String(s.start)); field(String(s.increment))
            field(String(s.minValue)); field(String(s.maxValue)); field(String(s.cache)); field(s.cycle ? "t" : "f")
            field(s.ownedBy); field(s.comment); out += "\n"
        }
        for o in state.others { out += "O"; field(o); out += "\n" }
        // Only states with dependents have these lines: others encode as before.
        // The schema's own functions, procedures and triggers are in the state
        // themselves (`functions`, `TableState.triggers`), and what they stand on
        // follows from their definitions: their dependency rows would only make a
        // new tenant differ from its plan (its declared functions' rows are not
        // known before they exist). The Differ still reads them.
        for d in state.dependents where !d.isModeledInState {
            out += "D"; field(d.kind.rawValue); field(d.name); field(d.schema); field(d.table); field(d.arguments)
            for target in d.on { field(target.kind.rawValue); field(target.name); field(target.column) }
            out += "\n"
        }
        return out
    }
}
