import Yams

/// `ignore:`: globs of objects to leave alone, by kind, and the rule that no
/// declared object may match one.
extension DeclarationLoader.Parser {
    /// A glob of `ignore:` and where it is written.
    struct LocatedGlob {
        var kind: IgnoreRules.Kind
        var glob: Glob
        var location: SourceLocation
    }

    /// Reads `ignore:`. Unknown kinds, values that are not lists, empty or
    /// malformed globs, per-table globs without a `.`, and a glob written twice
    /// for one kind are errors at their own line.
    func parseIgnore(_ entry: YAMLEntry) -> [LocatedGlob] {
        let kinds = IgnoreRules.Kind.allCases.map(\.rawValue)
        guard let fields = reader.fields(
            of: entry.value, allowed: kinds, what: "'ignore'",
            shape: "a mapping of kinds (\(kinds.joined(separator: ", "))) to lists of globs, "
                + "e.g. { tables: [alembic_version] }",
            nullIsEmpty: true)
        else { return [] }
        var result: [LocatedGlob] = []
        for field in fields.entries {
            guard let kind = IgnoreRules.Kind(rawValue: field.key) else { continue }
            let owner = "'ignore'"
            if let text = field.value.scalarText, !field.value.isNull {
                reader.error("'\(field.key)' of \(owner) must be a list of globs, not a single value", at: field.value,
                             hint: "write it as a list: \(field.key): [\(text.isEmpty ? "name" : text)]")
                continue
            }
            guard let items = reader.stringList(field, of: owner, itemName: "glob", required: false) else { continue }
            var seen: [String: SourceLocation] = [:]
            for (text, node) in items {
                let location = node.location(in: file)
                let glob: Glob
                do {
                    glob = try Glob(text)
                } catch {
                    reader.error(error.message, at: location, hint: error.hint)
                    continue
                }
                if kind.isPerTable && !text.contains(".") {
                    reader.error("glob '\(text)' in '\(field.key)' of \(owner) names no table: \(kind.rawValue) are "
                                     + "written \(kind.nameForm)", at: location,
                                 hint: "did you mean '*.\(text)' (every table) or '<table>.\(text)'?")
                    continue
                }
                if let previous = seen[text] {
                    reader.error("duplicate glob '\(text)' in '\(field.key)' of \(owner)", at: location,
                                 hint: "'\(text)' is already listed at line \(previous.line); remove one")
                    continue
                }
                seen[text] = location
                result.append(LocatedGlob(kind: kind, glob: glob, location: location))
            }
        }
        return result
    }

    /// The rules of the globs read.
    static func rules(_ globs: [LocatedGlob]) -> IgnoreRules {
        var byKind: [IgnoreRules.Kind: [Glob]] = [:]
        for g in globs { byKind[g.kind, default: []].append(g.glob) }
        return IgnoreRules(byKind)
    }

    /// Every declared object that an `ignore:` glob matches is an error at the
    /// line that declares it: tenantplan would be told both to manage it and to
    /// leave it alone. So is a `renamed_from` that names an ignored table or
    /// column, which would never be renamed.
    func checkIgnored(_ declaration: Declaration, _ globs: [LocatedGlob]) {
        guard !globs.isEmpty else { return }
        func match(_ kind: IgnoreRules.Kind, _ name: String) -> LocatedGlob? {
            globs.first { $0.kind == kind && $0.glob.matches(name) }
        }
        func ignored(_ hit: LocatedGlob) -> String {
            "ignore: \(hit.kind.rawValue) '\(hit.glob.pattern)' at line \(hit.location.line)"
        }
        func check(_ kind: IgnoreRules.Kind, _ name: String, _ what: String, at location: SourceLocation?) {
            guard let hit = match(kind, name) else { return }
            reader.error(
                "\(what) is declared, and also ignored by \(ignored(hit))",
                at: location ?? hit.location,
                hint: "tenantplan never creates, changes or drops an ignored object: remove \(what) from "
                    + "\(file), or change the glob so that it does not match it")
        }
        func checkRename(_ kind: IgnoreRules.Kind, _ old: String?, _ qualified: String?, of what: String,
                         at location: SourceLocation?) {
            guard let old, let hit = match(kind, qualified ?? old) else { return }
            reader.error(
                "renamed_from of \(what) names '\(old)', which is ignored by \(ignored(hit))",
                at: location ?? hit.location,
                hint: "an ignored object is never renamed: remove renamed_from:, or change the glob")
        }

        for e in declaration.enums { check(.types, e.name, "enum '\(e.name)'", at: e.location) }
        for v in declaration.views { check(.views, v.name, "\(v.kind) '\(v.name)'", at: v.location) }
        for table in declaration.tables {
            let owner = "table '\(table.name)'"
            for p in table.partitions {
                check(.tables, p.name, "partition '\(p.name)' of \(owner)", at: p.location)
            }
            if match(.tables, table.name) != nil {
                check(.tables, table.name, owner, at: table.location)
                continue
            }
            checkRename(.tables, table.renamedFrom, nil, of: owner, at: table.location)
            for column in table.columns {
                let what = "column '\(column.name)' of \(owner)"
                check(.columns, "\(table.name).\(column.name)", what, at: column.location)
                checkRename(.columns, column.renamedFrom, column.renamedFrom.map { "\(table.name).\($0)" },
                            of: what, at: column.fieldLocations["renamed_from"] ?? column.location)
            }
            var constraints: [(String, SourceLocation?)] = []
            if let pk = table.primaryKey { constraints.append((pk.name, pk.location)) }
            constraints += table.uniques.map { ($0.name, $0.location) }
            constraints += table.foreignKeys.map { ($0.name, $0.location) }
            constraints += table.checks.map { ($0.name, $0.location) }
            for (name, location) in constraints {
                check(.constraints, "\(table.name).\(name)", "constraint '\(name)' of \(owner)", at: location)
            }
            for index in table.indexes {
                check(.indexes, index.name, "index '\(index.name)' of \(owner)", at: index.location)
            }
            for trigger in table.triggers {
                check(.triggers, "\(table.name).\(trigger.name)", "trigger '\(trigger.name)' of \(owner)",
                      at: trigger.location)
            }
            for policy in table.policies {
                check(.policies, "\(table.name).\(policy.name)", "policy '\(policy.name)' of \(owner)",
                      at: policy.location)
            }
        }
        for view in declaration.views {
            for trigger in view.triggers {
                check(.triggers, "\(view.name).\(trigger.name)", "trigger '\(trigger.name)' of view '\(view.name)'",
                      at: trigger.location)
            }
        }
        for function in declaration.functions {
            check(.functions, function.name, "function '\(function.name)'", at: function.location)
        }
        for domain in declaration.domains {
            check(.types, domain.name, "domain '\(domain.name)'", at: domain.location)
        }
        for type in declaration.compositeTypes {
            check(.types, type.name, "composite type '\(type.name)'", at: type.location)
        }
        for sequence in declaration.sequences {
            check(.sequences, sequence.name, "sequence '\(sequence.name)'", at: sequence.location)
        }
    }
}
