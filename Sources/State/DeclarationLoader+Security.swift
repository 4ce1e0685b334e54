import Yams

// MARK: - Row-level security, policies and grants

extension DeclarationLoader.Parser {
    /// A table's `row_level_security: { enabled: bool, forced: bool }`.
    func parseRowSecurity(_ entry: YAMLEntry, table: String) -> RowSecurityDeclaration? {
        let owner = "'row_level_security' of table '\(table)'"
        guard let fields = reader.fields(of: entry.value, allowed: DeclarationLoader.rowSecurityKeys, what: owner,
                                         shape: "a mapping such as { enabled: true, forced: false }")
        else { return nil }
        var result = RowSecurityDeclaration(enabled: false, location: entry.keyNode.location(in: file))
        if let e = fields["enabled"] { result.enabled = reader.bool(e, of: owner) ?? false }
        if let f = fields["forced"] { result.forced = reader.bool(f, of: owner) ?? false }
        return result
    }

    /// A table's `policies:`.
    func parsePolicies(_ entry: YAMLEntry, table: String) -> [PolicyDeclaration] {
        guard let entries = reader.entries(
            of: entry.value, what: "'policies' of table '\(table)'",
            shape: "a mapping of policy names to { command: ..., roles: [...], using: ..., with_check: ... }")
        else { return [] }
        var result: [PolicyDeclaration] = []
        for item in entries {
            let owner = "policy '\(item.key)' of table '\(table)'"
            reader.checkName(item.key, kind: "policy name", at: item.keyNode)
            guard let fields = reader.fields(of: item.value, allowed: DeclarationLoader.policyKeys, what: owner,
                                             nullIsEmpty: true)
            else { continue }
            var policy = PolicyDeclaration(name: item.key, location: item.keyNode.location(in: file))
            var valid = true
            if let c = fields["command"], let text = reader.string(c, of: owner) {
                if let command = PolicyDeclaration.Command(rawValue: text) {
                    policy.command = command
                } else {
                    let allowed = PolicyDeclaration.Command.allCases.map(\.rawValue)
                    reader.error("'command' of \(owner) must be one of \(allowed.joined(separator: ", ")), not '\(text)'",
                                 at: c.value, hint: Suggestion.hint(for: text, among: allowed, otherwise: "write command: all"))
                    valid = false
                }
            }
            if let a = fields["as"], let text = reader.string(a, of: owner) {
                switch text {
                case "permissive": policy.permissive = true
                case "restrictive": policy.permissive = false
                default:
                    reader.error("'as' of \(owner) must be permissive or restrictive, not '\(text)'", at: a.value,
                                 hint: Suggestion.hint(for: text, among: ["permissive", "restrictive"],
                                                       otherwise: "write as: permissive (the default) or as: restrictive"))
                    valid = false
                }
            }
            if let r = fields["roles"] {
                guard let roles = parseRoles(r, of: owner) else { continue }
                policy.roles = roles
            }
            if let u = fields["using"] { policy.using = reader.string(u, of: owner) }
            if let w = fields["with_check"] { policy.withCheck = reader.string(w, of: owner) }
            policy.comment = comment(in: fields, of: owner)
            // PostgreSQL's own rules: SELECT and DELETE policies see existing rows
            // only, INSERT policies new rows only.
            if policy.withCheck != nil, [.select, .delete].contains(policy.command), let w = fields["with_check"] {
                reader.error("\(owner) is for \(policy.command.rawValue), which takes no with_check", at: w.keyNode,
                             hint: "use using: for which rows \(policy.command.rawValue) sees, or command: all")
                valid = false
            }
            if policy.using != nil, policy.command == .insert, let u = fields["using"] {
                reader.error("\(owner) is for insert, which takes no using", at: u.keyNode,
                             hint: "use with_check: for which new rows insert accepts")
                valid = false
            }
            if policy.using == nil && policy.withCheck == nil {
                reader.error("\(owner) has neither using nor with_check", at: item.keyNode,
                             hint: "add using: \"owner = current_user\" (the rows it lets through), or with_check:")
                valid = false
            }
            if valid { result.append(policy) }
        }
        return result
    }

    /// A list of role names; `public` is the pseudo-role.
    func parseRoles(_ entry: YAMLEntry, of owner: String) -> [RoleName]? {
        guard let items = reader.stringList(entry, of: owner, itemName: "role", required: true) else { return nil }
        var seen: Set<String> = []
        var roles: [RoleName] = []
        for (name, node) in items {
            guard reader.checkName(name, kind: "role name", at: node) else { continue }
            guard seen.insert(name).inserted else {
                reader.error("role '\(name)' is listed twice in \(owner)", at: node, hint: "list each role once")
                continue
            }
            roles.append(RoleName(name, at: node.location(in: file)))
        }
        return roles
    }

    /// A `grants:` mapping of roles to privilege lists, for an object of `kind`.
    func parseGrants(_ entry: YAMLEntry, of owner: String, kind: PrivilegeKind) -> [GrantDeclaration]? {
        let allowed = kind.privileges
        guard let entries = reader.entries(
            of: entry.value, what: "'\(entry.key)' of \(owner)",
            shape: "a mapping of role names to privilege lists, such as { app_user: [\(allowed[0])] }")
        else { return nil }
        var result: [GrantDeclaration] = []
        for item in entries {
            guard reader.checkName(item.key, kind: "role name", at: item.keyNode),
                  let list = reader.stringList(item, of: owner, itemName: "privilege", required: true)
            else { continue }
            var privileges: [String] = []
            var valid = true
            for (text, node) in list {
                if text == "all" {
                    if list.count > 1 {
                        reader.error("'all' is listed with other privileges for role '\(item.key)' in \(owner)", at: node,
                                     hint: "write [all] alone, or list the privileges")
                        valid = false
                    }
                    privileges += allowed
                } else if allowed.contains(text) {
                    if privileges.contains(text) {
                        reader.error("privilege '\(text)' is listed twice for role '\(item.key)' in \(owner)", at: node,
                                     hint: "list each privilege once")
                        valid = false
                    }
                    privileges.append(text)
                } else {
                    reader.error("unknown privilege '\(text)' for role '\(item.key)' in \(owner)", at: node,
                                 hint: Suggestion.hint(for: text, among: allowed + ["all"],
                                                       otherwise: "a \(kind.rawValue) takes \(allowed.joined(separator: ", ")) or all"))
                    valid = false
                }
            }
            if valid {
                result.append(GrantDeclaration(role: RoleName(item.key, at: item.keyNode.location(in: file)),
                                               privileges: privileges.map { $0.uppercased() }))
            }
        }
        return result
    }

    /// The top-level `grants: { schema: ..., default_privileges: { tables: ..., ... } }`.
    func parseSchemaGrants(_ entry: YAMLEntry) -> SchemaGrantsDeclaration? {
        let owner = "the top-level 'grants'"
        guard let fields = reader.fields(of: entry.value, allowed: DeclarationLoader.schemaGrantKeys, what: owner,
                                         shape: "a mapping with schema: and default_privileges:")
        else { return nil }
        var result = SchemaGrantsDeclaration()
        if let s = fields["schema"] { result.schema = parseGrants(s, of: "the schema", kind: .schema) ?? [] }
        if let d = fields["default_privileges"],
           let kinds = reader.fields(of: d.value, allowed: PrivilegeKind.defaultObjects, what: "'default_privileges'",
                                     shape: "a mapping with tables:, sequences:, functions: or types:", nullIsEmpty: true) {
            var defaults: [String: [GrantDeclaration]] = [:]
            for k in kinds.entries {
                guard let kind = PrivilegeKind.ofDefaults(k.key) else { continue }
                defaults[k.key] = parseGrants(k, of: "default_privileges", kind: kind) ?? []
            }
            result.defaultPrivileges = defaults
        }
        return result
    }
}

extension DeclarationLoader {
    static let rowSecurityKeys = ["enabled", "forced"]
    static let policyKeys = ["command", "as", "roles", "using", "with_check", "comment"]
    static let schemaGrantKeys = ["schema", "default_privileges"]
}
