import State

// MARK: - Row-level security, policies and grants

/// Row-level security, policies, grants and default privileges.
///
/// - `row_level_security:` is managed only on a table that has the key; then
///   `ENABLE`/`DISABLE` and `FORCE`/`NO FORCE` follow it. Enabling or forcing it
///   on a table that exists hides rows from every role that no policy lets
///   through (`hides_rows`), and every row from every role but the owner (and
///   roles with `BYPASSRLS`) when the table ends with no permissive policy at
///   all (`hides_all_rows`).
/// - Policies are created after the tables, columns and functions they use,
///   and before row-level security is enabled, in the same transaction. Roles,
///   `USING` and `WITH CHECK` change in place (`ALTER POLICY`); a new command or
///   permissiveness, or an expression taken away, drops and creates the policy
///   again. Undeclared policies are dropped only as `--allow policy:t.name` allows.
/// - A `grants:` key makes the object's grants exact: missing privileges are
///   granted, extra ones revoked (`revokes_privilege`). Revoking everything
///   from a role the key does not name is held back unless `--allow
///   grant:OBJECT.ROLE` allows it (`OBJECT`: the table, `schema`, or
///   `default.tables` and the like). Without the key, grants are kept as they are.
/// - Default privileges change first, so that tables the plan creates get them,
///   as a new tenant's do.
extension Differ.Run {
    mutating func diffSecurity() {
        diffDefaultPrivileges()
        for table in declaration.tables {
            guard let want = desired.table(named: table.name) else { continue }
            let current = actual.table(named: actualTableName(table.name))
            diffPolicies(table, want: want, current: current)
            diffRowSecurity(table, want: want, current: current)
            if let declared = table.grants {
                diffGrants(GrantTarget(.table, table.name), have: current?.grants ?? [], want: want.grants ?? [],
                           named: Set(declared.map(\.role.name)), allowName: table.name) { state, grants in
                    state.updateTable(table.name) { $0.grants = grants.normalizedGrants }
                }
            } else if let current {
                // Not managed: kept as they are (a new table gets what default privileges give it).
                expected.updateTable(table.name) { $0.grants = current.grants }
            }
        }
        if let declared = declaration.grants?.schema {
            diffGrants(.schema, have: actual.schemaGrants ?? [], want: desired.schemaGrants ?? [],
                       named: Set(declared.map(\.role.name)), allowName: "schema") { state, grants in
                state.schemaGrants = grants.normalizedGrants
            }
        } else {
            expected.schemaGrants = actual.schemaGrants
        }
    }

    mutating func diffPolicies(_ table: TableDeclaration, want: TableState, current: TableState?) {
        let on = current?.name ?? table.name
        let existing = (current?.policies ?? []).filter { !droppedAsDependent(.policy, $0.name, table: on) }
        for policy in table.policies {
            guard let w = want.policy(named: policy.name) else { continue }
            let have = existing.first { $0.name == policy.name }
            let step = Step.security(.createPolicy(table: table.name, policy))
            guard let have else {
                add(step, .createTriggers, hazards: current == nil ? [] : [policy.permissive ? .exposesRows : .hidesRows])
                if let comment = w.comment {
                    add(.security(.commentOnPolicy(table: table.name, name: policy.name, comment: comment)), .comments)
                }
                continue
            }
            let visibility: [Hazard] = [.hidesRows, .exposesRows]
            if have.command != w.command || have.permissive != w.permissive
                || (have.using != nil && w.using == nil) || (have.withCheck != nil && w.withCheck == nil) {
                add(.security(.dropPolicy(table: on, name: policy.name)), .dropTriggers, hazards: visibility)
                add(step, .createTriggers, hazards: visibility)
                if let comment = w.comment {
                    add(.security(.commentOnPolicy(table: table.name, name: policy.name, comment: comment)), .comments)
                }
                continue
            }
            if have.roles != w.roles || have.using != w.using || have.withCheck != w.withCheck {
                add(.security(.alterPolicy(table: table.name, policy)), .createTriggers, hazards: visibility)
            }
            if have.comment != w.comment {
                add(.security(.commentOnPolicy(table: table.name, name: policy.name, comment: w.comment)), .comments)
            }
        }
        // Policies of the table that schema.yaml does not declare.
        for have in existing where want.policy(named: have.name) == nil {
            addDestructive(.security(.dropPolicy(table: on, name: have.name)), .dropTriggers,
                           hazards: [.dropsUnmanagedObject, have.permissive ? .hidesRows : .exposesRows],
                           target: DestructiveTarget(.policy, table: table.name, have.name, undeclared: true),
                           reason: "policy \(have.name) on \(table.name) is not in schema.yaml") { state in
                state.updateTable(table.name) { $0.policies = ($0.policies ?? []) + [have] }
            }
        }
    }

    mutating func diffRowSecurity(_ table: TableDeclaration, want: TableState, current: TableState?) {
        let have = current?.rowSecurity ?? RowSecurityState(enabled: false)
        guard table.rowSecurity != nil else {
            // Not managed: kept as it is.
            if let current { expected.updateTable(table.name) { $0.rowSecurity = current.rowSecurity } }
            return
        }
        let wanted = want.rowSecurity ?? RowSecurityState(enabled: false)
        let exists = current != nil
        let permissive = want.policies?.contains { $0.permissive } ?? false
        if have.enabled != wanted.enabled {
            let hazards: [Hazard] = !exists ? [] : !wanted.enabled ? [.exposesRows]
                : permissive ? [.hidesRows] : [.hidesRows, .hidesAllRows]
            add(.security(.enableRowSecurity(table: table.name, wanted.enabled)), .createTriggers, hazards: hazards)
        }
        if have.forced != wanted.forced {
            let hazards: [Hazard] = !exists ? [] : wanted.forced ? [.hidesRows] : [.exposesRows]
            add(.security(.forceRowSecurity(table: table.name, wanted.forced)), .createTriggers, hazards: hazards)
        }
    }

    /// Grants exactly `want` on `target`, which has `have`. `named`: the roles
    /// the declaration names there; `allowName`: the object in `grant:` selectors.
    mutating func diffGrants(_ target: GrantTarget, have: [GrantState], want: [GrantState], named: Set<String>,
                             allowName: String, keep: @escaping (inout SchemaState, [GrantState]) -> Void) {
        let roles = Set(have.map(\.grantee) + want.map(\.grantee)).sorted()
        var kept: [GrantState] = want
        for role in roles {
            let h = Set(have.first { $0.grantee == role }?.privileges ?? [])
            let w = Set(want.first { $0.grantee == role }?.privileges ?? [])
            let missing = w.subtracting(h).sorted(), extra = h.subtracting(w).sorted()
            if !missing.isEmpty {
                add(.security(.grant(target, role: role, privileges: missing)), .comments)
            }
            guard !extra.isEmpty else { continue }
            let step = Step.security(.revoke(target, role: role, privileges: extra))
            if w.isEmpty && !named.contains(role) {
                let planned = addDestructive(
                    step, .comments, hazards: [.revokesPrivilege],
                    target: DestructiveTarget(.grant, "\(allowName).\(role)", undeclared: true),
                    reason: "\(role) holds \(extra.joined(separator: ", ")) on \(target.description), "
                        + "which schema.yaml does not grant") { _ in }
                if !planned { kept.append(GrantState(grantee: role, privileges: extra)) }
            } else {
                add(step, .comments, hazards: [.revokesPrivilege])
            }
        }
        keep(&expected, kept)
    }

    /// The schema owner's default privileges in the schema, for each kind the
    /// declaration's `default_privileges:` names (the others are kept).
    mutating func diffDefaultPrivileges() {
        guard let declared = declaration.grants?.defaultPrivileges else {
            expected.defaultPrivileges = actual.defaultPrivileges
            return
        }
        var kept = (desired.defaultPrivileges ?? []).filter { declared[$0.objects] != nil }
        kept += (actual.defaultPrivileges ?? []).filter { declared[$0.objects] == nil }
        for objects in PrivilegeKind.defaultObjects {
            guard let grants = declared[objects] else { continue }
            let have = (actual.defaultPrivileges ?? []).filter { $0.objects == objects }
            let want = (desired.defaultPrivileges ?? []).filter { $0.objects == objects }
            let named = Set(grants.map(\.role.name))
            for role in Set(have.map(\.grantee) + want.map(\.grantee)).sorted() {
                let h = Set(have.first { $0.grantee == role }?.privileges ?? [])
                let w = Set(want.first { $0.grantee == role }?.privileges ?? [])
                let missing = w.subtracting(h).sorted(), extra = h.subtracting(w).sorted()
                if !missing.isEmpty {
                    add(.security(.grantDefault(objects: objects, role: role, privileges: missing)), .enums)
                }
                guard !extra.isEmpty else { continue }
                let step = Step.security(.revokeDefault(objects: objects, role: role, privileges: extra))
                if w.isEmpty && !named.contains(role) {
                    let planned = addDestructive(
                        step, .enums, hazards: [.revokesPrivilege],
                        target: DestructiveTarget(.grant, "default.\(objects).\(role)", undeclared: true),
                        reason: "default privileges give \(role) \(extra.joined(separator: ", ")) on new \(objects), "
                            + "which schema.yaml does not grant") { _ in }
                    if !planned { kept.append(DefaultPrivilegeState(objects: objects, grantee: role, privileges: extra)) }
                } else {
                    add(step, .enums, hazards: [.revokesPrivilege])
                }
            }
        }
        expected.defaultPrivileges = kept.isEmpty ? nil : kept.sorted { $0.sortKey < $1.sortKey }
    }
}

extension Differ {
    /// The steps that give a new schema the declaration's default privileges:
    /// first, so that the tables created after them get them.
    static func defaultPrivilegeCreation(of declaration: Declaration) -> [Step] {
        var ops: [Step] = []
        for objects in PrivilegeKind.defaultObjects {
            for g in declaration.grants?.defaultPrivileges?[objects] ?? [] {
                ops.append(.security(.grantDefault(objects: objects, role: g.role.name, privileges: g.privileges)))
            }
        }
        return ops
    }

    /// The steps that give a new schema the declaration's policies, row-level
    /// security and grants: after the tables and functions.
    static func securityCreation(of declaration: Declaration) -> [Step] {
        var ops: [Step] = []
        for t in declaration.tables {
            ops += t.policies.map { .security(.createPolicy(table: t.name, $0)) }
            if let rls = t.rowSecurity {
                if rls.enabled { ops.append(.security(.enableRowSecurity(table: t.name, true))) }
                if rls.forced { ops.append(.security(.forceRowSecurity(table: t.name, true))) }
            }
            for p in t.policies where p.comment != nil {
                ops.append(.security(.commentOnPolicy(table: t.name, name: p.name, comment: p.comment)))
            }
            for g in t.grants ?? [] {
                ops.append(.security(.grant(GrantTarget(.table, t.name), role: g.role.name, privileges: g.privileges)))
            }
        }
        for g in declaration.grants?.schema ?? [] {
            ops.append(.security(.grant(.schema, role: g.role.name, privileges: g.privileges)))
        }
        return ops
    }
}
