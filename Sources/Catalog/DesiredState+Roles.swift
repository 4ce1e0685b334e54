import Plan
import Postgres
import State

// MARK: - Roles named by policies and grants

extension DesiredState {
    /// Every role the declaration names (policies' `roles:`, `grants:` of tables
    /// and of the schema, default privileges), in the order written.
    static func namedRoles(in declaration: Declaration) -> [RoleName] {
        var roles: [RoleName] = []
        for table in declaration.tables {
            roles += table.policies.flatMap(\.roles)
            roles += (table.grants ?? []).map(\.role)
        }
        roles += (declaration.grants?.schema ?? []).map(\.role)
        for objects in PrivilegeKind.defaultObjects {
            roles += (declaration.grants?.defaultPrivileges?[objects] ?? []).map(\.role)
        }
        return roles
    }

    /// Roles are cluster-wide and never created by tenantplan: a role the
    /// declaration names that the server does not have is an error at the
    /// place that names it, with the closest existing role as the hint,
    /// before anything is realised. `public` is the pseudo-role.
    static func checkRoles(of declaration: Declaration, on connection: Connection) throws {
        let named = namedRoles(in: declaration).filter { !$0.isPublic }
        guard !named.isEmpty else { return }
        let all = try connection.query("SELECT rolname::text AS name FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_'")
            .compactDecode { try $0.value("name") }
        let existing = Set(all)
        let missing = named.filter { !existing.contains($0.name) }
        guard !missing.isEmpty else { return }
        throw InputErrors(missing.map { role in
            InputError(
                "role '\(role.name)' does not exist on the server",
                at: role.location ?? SourceLocation(file: declaration.file, line: 1, column: 1),
                hint: Suggestion.hint(
                    for: role.name, among: all + ["public"],
                    otherwise: "roles are cluster-wide and tenantplan never creates them: CREATE ROLE \(MissingPrivilege.name(role.name)) "
                        + "first, or name an existing role"))
        })
    }
}
