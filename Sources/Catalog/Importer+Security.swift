import State

// MARK: - Row-level security, policies and grants (import)

/// Row-level security, policies, grants and default privileges of a tenant, as
/// `import` declares them: from the tenant's reflected state, in the server's
/// canonical form. A table or schema with no grants gets no `grants:` key
/// (its grants stay unmanaged); one with grants gets them exactly.
extension Importer {
    static func addSecurity(from state: SchemaState?, to declaration: inout Declaration) {
        guard let state else { return }
        for i in declaration.tables.indices {
            guard let table = state.table(named: declaration.tables[i].name) else { continue }
            if let rls = table.rowSecurity {
                declaration.tables[i].rowSecurity = RowSecurityDeclaration(enabled: rls.enabled, forced: rls.forced)
            }
            declaration.tables[i].policies = (table.policies ?? []).map { p in
                PolicyDeclaration(
                    name: p.name, command: PolicyDeclaration.Command(rawValue: p.command) ?? .all,
                    permissive: p.permissive, roles: p.roles == ["public"] ? [] : p.roles.map { RoleName($0) },
                    using: p.using, withCheck: p.withCheck, comment: p.comment)
            }
            declaration.tables[i].grants = table.grants.map(grantDeclarations)
        }
        var grants = SchemaGrantsDeclaration()
        grants.schema = state.schemaGrants.map(grantDeclarations)
        if let defaults = state.defaultPrivileges {
            grants.defaultPrivileges = Dictionary(grouping: defaults, by: \.objects).mapValues { list in
                list.map { GrantDeclaration(role: RoleName($0.grantee), privileges: $0.privileges) }
            }
        }
        if grants.schema != nil || grants.defaultPrivileges != nil { declaration.grants = grants }
    }

    static func grantDeclarations(_ grants: [GrantState]) -> [GrantDeclaration] {
        grants.map { GrantDeclaration(role: RoleName($0.grantee), privileges: $0.privileges) }
    }

    /// A table's `row_level_security:`, `policies:` and `grants:` lines.
    static func securityYAML(_ table: TableDeclaration) -> String {
        var out = ""
        if let rls = table.rowSecurity {
            out += "    row_level_security: { enabled: \(rls.enabled), forced: \(rls.forced) }\n"
        }
        if !table.policies.isEmpty {
            out += "    policies:\n"
            for p in table.policies {
                var fields = [("command", p.command.rawValue)]
                if !p.permissive { fields.append(("as", "restrictive")) }
                if !p.roles.isEmpty { fields.append(("roles", flowList(p.roles.map(\.name)))) }
                if let using = p.using { fields.append(("using", yamlScalar(using))) }
                if let check = p.withCheck { fields.append(("with_check", yamlScalar(check))) }
                if let comment = p.comment { fields.append(("comment", yamlScalar(comment))) }
                out += "      \(yamlScalar(p.name)): \(flowMapping(fields))\n"
            }
        }
        if let grants = table.grants { out += "    grants: \(grantsFlow(grants))\n" }
        return out
    }

    /// The top-level `grants:` section.
    static func schemaGrantsYAML(_ grants: SchemaGrantsDeclaration?) -> String {
        guard let grants else { return "" }
        var out = "grants:\n"
        if let schema = grants.schema { out += "  schema: \(grantsFlow(schema))\n" }
        if let defaults = grants.defaultPrivileges {
            out += "  default_privileges:\n"
            for objects in PrivilegeKind.defaultObjects {
                guard let list = defaults[objects] else { continue }
                out += "    \(objects): \(grantsFlow(list))\n"
            }
        }
        return out
    }

    /// `{ app: [select, insert] }`, privileges in lower case as schema.yaml writes them.
    static func grantsFlow(_ grants: [GrantDeclaration]) -> String {
        flowMapping(grants.map { (yamlScalar($0.role.name), flowList($0.privileges.map { $0.lowercased() })) })
    }

    /// The declaration's security parts without source locations.
    static func securityWithoutLocations(_ table: inout TableDeclaration) {
        table.rowSecurity?.location = nil
        for i in table.policies.indices {
            table.policies[i].location = nil
            for r in table.policies[i].roles.indices { table.policies[i].roles[r].location = nil }
        }
        if let grants = table.grants { table.grants = grants.map { GrantDeclaration(role: RoleName($0.role.name), privileges: $0.privileges) } }
    }

    static func securityWithoutLocations(_ grants: SchemaGrantsDeclaration?) -> SchemaGrantsDeclaration? {
        guard var g = grants else { return nil }
        let strip = { (list: [GrantDeclaration]) in list.map { GrantDeclaration(role: RoleName($0.role.name), privileges: $0.privileges) } }
        g.schema = g.schema.map(strip)
        g.defaultPrivileges = g.defaultPrivileges?.mapValues(strip)
        return g
    }
}
