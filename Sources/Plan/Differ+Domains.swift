import State

/// Domains: created before the tables whose columns use them, changed in place
/// by `ALTER DOMAIN`, and dropped after the tables and columns that used them.
extension Differ.Run {
    mutating func diffDomains() {
        for d in declaration.domains {
            guard let current = actual.domain(named: d.name) else {
                add(.createDomain(d), .domains)
                if d.comment != nil { add(.commentOnDomain(d.name, comment: d.comment), .comments) }
                continue
            }
            guard let want = desired.domain(named: d.name) else { continue }
            let uses = Differ.uses(ofType: d.name, in: actual)
            let foreign = foreignUses(ofType: d.name)
            // What a new rule checks in other schemas: their uses of the domain and
            // of the schema's domains over it; their columns' tables are scanned
            // under SHARE, as the schema's own are.
            let foreignChecked = foreignUses(checkedByDomain: d.name)
            var foreignTables: Set<String> = []
            for (domain, use) in foreignChecked where use.kind == .column && use.on.contains(.init(.type, domain)) {
                if let schema = use.schema, let table = use.table { foreignTables.insert(schema + "." + table) }
            }
            let checked = Differ.relationsChecked(byDomain: d.name, in: actual) + foreignTables.sorted()
            if current.type != want.type || current.collation != want.collation {
                // PostgreSQL has no ALTER DOMAIN ... TYPE: the domain is dropped and
                // created again, which only works while nothing uses it.
                guard uses.isEmpty, foreign.isEmpty else {
                    let what = current.type != want.type ? "base type (\(current.type) → \(want.type))"
                        : "collation (\(current.collation ?? "default") → \(want.collation ?? "default"))"
                    let those = uses.allSatisfy { $0.kind == .column } && foreign.allSatisfy { $0.kind == .column }
                        ? "those columns" : "them"
                    let phrase = [uses.isEmpty ? nil : Self.phrase(uses) + " it",
                                  foreign.isEmpty ? nil : Self.foreignPhrase(foreign)].compactMap { $0 }
                    held.append(HeldChange(
                        object: "domain \(d.name)",
                        reason: "changing the \(what) of a domain means dropping and creating it again, and "
                            + "\(phrase.joined(separator: "; ")); change \(those) to the new type first, "
                            + "or migrate the domain by hand"))
                    setDomain(current, in: &expected)
                    continue
                }
                add(.dropDomain(d.name), .domains)
                add(.createDomain(d), .domains)
                if d.comment != nil { add(.commentOnDomain(d.name, comment: d.comment), .comments) }
                continue
            }
            let checksValues = want.notNull && !current.notNull || d.checks.contains { check in
                want.check(named: check.name).map { $0.definition != current.check(named: check.name)?.definition } ?? false
            }
            let contained = Differ.containedUses(ofDomain: d.name, in: actual)
            if checksValues, !contained.isEmpty {
                held.append(HeldChange(
                    object: "domain \(d.name)",
                    reason: "PostgreSQL refuses to check the values of a domain against a new rule (NOT NULL, a check) "
                        + "while \(Self.phrase(contained)) it inside an array or composite type; change those columns first, "
                        + "or migrate the domain by hand"))
                setDomain(current, in: &expected)
                continue
            }
            // Another schema's column of the domain's array type is refused as the
            // schema's own is; another schema's domain over it has columns too,
            // which PostgreSQL checks and this plan cannot see.
            var unseen: [DependentState] = []
            for (domain, use) in foreignChecked where !unseen.contains(use) {
                if use.kind == .domain || use.kind == .attribute
                    || (use.kind == .column && use.on.contains(.init(.type, domain + "[]"))) {
                    unseen.append(use)
                }
            }
            if checksValues, !unseen.isEmpty {
                held.append(HeldChange(
                    object: "domain \(d.name)",
                    reason: "a new rule (NOT NULL, a check) of a domain is checked against other schemas' uses of it too, and "
                        + unseen.map { use in
                            use.kind == .domain
                                ? "\(use.description) is over it (this plan cannot see the columns PostgreSQL would check)"
                                : use.kind == .attribute
                                    ? "\(use.description) holds its values inside a composite type (PostgreSQL refuses "
                                        + "the rule while a column uses that type)"
                                    : "\(use.description) holds its values inside an array (PostgreSQL refuses the rule)"
                        }.joined(separator: "; ")
                        + "; change those first, or migrate the domain by hand"))
                setDomain(current, in: &expected)
                continue
            }
            if current.defaultExpression != want.defaultExpression {
                add(.alterDomainDefault(domain: d.name, expression: want.defaultExpression), .domains)
            }
            if current.notNull != want.notNull {
                if want.notNull {
                    add(.setDomainNotNull(domain: d.name, tables: checked), .domains,
                        hazards: checked.isEmpty ? [] : [.mayFailOnExistingData])
                } else {
                    add(.dropDomainNotNull(domain: d.name), .domains)
                }
            }
            for check in current.checks {
                let wanted = want.check(named: check.name)
                if let wanted, check.definition == wanted.definition || check.definition == wanted.definition + " NOT VALID" {
                    continue
                }
                add(.dropDomainCheck(domain: d.name, name: check.name), .domains)
            }
            for check in d.checks {
                guard let wanted = want.check(named: check.name) else { continue }
                let existing = current.check(named: check.name)
                if existing?.definition == wanted.definition { continue }
                if existing?.definition == wanted.definition + " NOT VALID" {
                    // Left by an online apply that stopped before validating.
                    add(.validateDomainCheck(domain: d.name, name: check.name, tables: checked), .domains,
                        hazards: checked.isEmpty ? [] : [.mayFailOnExistingData])
                    continue
                }
                add(.addDomainCheck(domain: d.name, check, tables: checked), .domains,
                    hazards: checked.isEmpty ? [] : [.mayFailOnExistingData])
            }
            if current.comment != want.comment {
                add(.commentOnDomain(d.name, comment: want.comment), .comments)
            }
        }
    }

    /// Domains the tenant has and `schema.yaml` does not declare: dropped as far
    /// as the policy allows, and held while a column the plan keeps uses one.
    mutating func dropUndeclaredDomains() {
        let declared = Set(declaration.domains.map(\.name))
        for d in actual.domains where !declared.contains(d.name) {
            let target = DestructiveTarget(.domain, d.name, undeclared: true)
            let reason = "domain \(d.name) is not in schema.yaml"
            let uses = Differ.uses(ofType: d.name, in: expected)
            // Another schema's uses hold it too: PostgreSQL drops no domain one uses.
            let foreign = foreignUses(ofType: d.name)
            if differ.policy.allows(target), !uses.isEmpty || !foreign.isEmpty {
                let users = [uses.isEmpty ? nil : "\(Self.phrase(uses)) it", foreign.isEmpty ? nil : Self.foreignPhrase(foreign)]
                held.append(HeldChange(object: Step.dropDomain(d.name).object,
                                       reason: reason + "; \(users.compactMap { $0 }.joined(separator: ", ")), "
                                           + "and this plan keeps them: change or drop them first",
                                       sql: Step.dropDomain(d.name).sql, undeclared: true))
                setDomain(d, in: &expected)
                continue
            }
            addDestructive(.dropDomain(d.name), .dropDomains, hazards: [.dropsUnmanagedObject], target: target,
                           reason: reason) { $0.domains.append(d) }
        }
    }

    func setDomain(_ d: DomainState, in state: inout SchemaState) {
        state.domains.removeAll { $0.name == d.name }
        state.domains.append(d)
    }

    /// The tables with a column among `uses`, sorted: the tables a change of
    /// the domain's rules checks.
    static func tables(in uses: [Differ.TypeUse]) -> [String] {
        Set(uses.filter { $0.kind == .column }.map(\.owner)).sorted()
    }

    /// `columns of a, b use`, `attribute y.a uses`: the uses of a domain, with
    /// the verb, for a reason.
    static func phrase(_ uses: [Differ.TypeUse]) -> String {
        let tables = tables(in: uses)
        let parts = (tables.isEmpty ? [] : ["columns of " + tables.joined(separator: ", ")])
            + uses.filter { $0.kind != .column }.map(\.description)
        return parts.joined(separator: ", ") + (tables.isEmpty && parts.count == 1 ? " uses" : " use")
    }
}
