import SQLSyntax
import State

// MARK: - Row-level security, policies and grants (steps)

/// What a grant is on. Views and sequences hook in with their `PrivilegeKind`
/// and name: `GRANT ... ON TABLE` takes views too, `ON SEQUENCE` sequences.
public struct GrantTarget: Sendable, Equatable {
    public var kind: PrivilegeKind
    /// nil for the tenant schema itself.
    public var name: String?
    /// A function's identity arguments.
    public var arguments: String?

    public init(_ kind: PrivilegeKind, _ name: String?, arguments: String? = nil) {
        self.kind = kind
        self.name = name
        self.arguments = arguments
    }

    public static let schema = GrantTarget(.schema, nil)

    /// `TABLE "t"`, `SCHEMA {tenant}` (the plan's placeholder), `FUNCTION "f"(integer)`.
    var sql: String {
        let q = quoteIdentifier
        switch kind {
        case .schema: return "SCHEMA \(SecurityStep.tenantPlaceholder)"
        case .function: return "FUNCTION \(q(name ?? ""))(\(arguments ?? ""))"
        default: return "\(kind.rawValue.uppercased()) \(q(name ?? ""))"
        }
    }

    /// `table orders`, `schema`, `function f(integer)`.
    var description: String {
        switch kind {
        case .schema: "schema"
        case .function: "function \(name ?? "")(\(arguments ?? ""))"
        default: "\(kind.rawValue) \(name ?? "")"
        }
    }
}

/// A change to row-level security, a policy, a grant or a default privilege.
public enum SecurityStep: Sendable, Equatable {
    case enableRowSecurity(table: String, Bool)
    case forceRowSecurity(table: String, Bool)
    case createPolicy(table: String, PolicyDeclaration)
    /// `ALTER POLICY`: roles, `USING` and `WITH CHECK` (command and permissiveness cannot change in place).
    case alterPolicy(table: String, PolicyDeclaration)
    case dropPolicy(table: String, name: String)
    case commentOnPolicy(table: String, name: String, comment: String?)
    case grant(GrantTarget, role: String, privileges: [String])
    case revoke(GrantTarget, role: String, privileges: [String])
    /// `objects`: `tables`, `sequences`, `functions` or `types`.
    case grantDefault(objects: String, role: String, privileges: [String])
    case revokeDefault(objects: String, role: String, privileges: [String])

    /// What stands for the tenant's schema in a statement: `Change.statement(tenant:)` names it.
    public static let tenantPlaceholder = "{tenant}"

    /// A role as a statement names it: `public` is the pseudo-role, never quoted.
    static func role(_ name: String) -> String { name == "public" ? "PUBLIC" : quoteIdentifier(name) }

    var sql: String {
        let q = quoteIdentifier
        switch self {
        case .enableRowSecurity(let table, let on):
            return "ALTER TABLE \(q(table)) \(on ? "ENABLE" : "DISABLE") ROW LEVEL SECURITY"
        case .forceRowSecurity(let table, let on):
            return "ALTER TABLE \(q(table)) \(on ? "" : "NO ")FORCE ROW LEVEL SECURITY"
        case .createPolicy(let table, let p):
            var sql = "CREATE POLICY \(q(p.name)) ON \(q(table)) AS \(p.permissive ? "PERMISSIVE" : "RESTRICTIVE")"
            sql += " FOR \(p.command.sql) TO \(Self.roles(p))"
            if let using = p.using { sql += " USING (\(using))" }
            if let check = p.withCheck { sql += " WITH CHECK (\(check))" }
            return sql
        case .alterPolicy(let table, let p):
            var sql = "ALTER POLICY \(q(p.name)) ON \(q(table)) TO \(Self.roles(p))"
            if let using = p.using { sql += " USING (\(using))" }
            if let check = p.withCheck { sql += " WITH CHECK (\(check))" }
            return sql
        case .dropPolicy(let table, let name):
            return "DROP POLICY \(q(name)) ON \(q(table))"
        case .commentOnPolicy(let table, let name, let comment):
            return "COMMENT ON POLICY \(q(name)) ON \(q(table)) IS \(comment.map(quoteLiteral) ?? "NULL")"
        case .grant(let target, let role, let privileges):
            return "GRANT \(privileges.joined(separator: ", ")) ON \(target.sql) TO \(Self.role(role))"
        case .revoke(let target, let role, let privileges):
            return "REVOKE \(privileges.joined(separator: ", ")) ON \(target.sql) FROM \(Self.role(role))"
        case .grantDefault(let objects, let role, let privileges):
            return "ALTER DEFAULT PRIVILEGES IN SCHEMA \(Self.tenantPlaceholder) GRANT "
                + "\(privileges.joined(separator: ", ")) ON \(objects.uppercased()) TO \(Self.role(role))"
        case .revokeDefault(let objects, let role, let privileges):
            return "ALTER DEFAULT PRIVILEGES IN SCHEMA \(Self.tenantPlaceholder) REVOKE "
                + "\(privileges.joined(separator: ", ")) ON \(objects.uppercased()) FROM \(Self.role(role))"
        }
    }

    /// `TO "a", "b"`, or `PUBLIC` when the policy names no role.
    static func roles(_ p: PolicyDeclaration) -> String {
        p.roles.isEmpty ? "PUBLIC" : p.roles.map { role($0.name) }.joined(separator: ", ")
    }

    var operation: Change.Operation {
        switch self {
        case .enableRowSecurity: .enableRowSecurity
        case .forceRowSecurity: .forceRowSecurity
        case .createPolicy: .createPolicy
        case .alterPolicy: .alterPolicy
        case .dropPolicy: .dropPolicy
        case .commentOnPolicy: .commentOnPolicy
        case .grant: .grant
        case .revoke: .revoke
        case .grantDefault: .grantDefaultPrivileges
        case .revokeDefault: .revokeDefaultPrivileges
        }
    }

    var action: Change.Action {
        switch self {
        case .createPolicy, .grant, .grantDefault: .create
        case .dropPolicy, .revoke, .revokeDefault: .drop
        default: .change
        }
    }

    var object: String {
        switch self {
        case .enableRowSecurity(let table, _): "row-level security on \(table)"
        case .forceRowSecurity(let table, _): "forced row-level security on \(table)"
        case .createPolicy(let table, let p), .alterPolicy(let table, let p): "policy \(p.name) on \(table)"
        case .dropPolicy(let table, let name): "policy \(name) on \(table)"
        case .commentOnPolicy(let table, let name, _): "comment on policy \(name) on \(table)"
        case .grant(let target, let role, _), .revoke(let target, let role, _): "grant on \(target.description) to \(role)"
        case .grantDefault(let objects, let role, _), .revokeDefault(let objects, let role, _):
            "default privileges on \(objects) to \(role)"
        }
    }

    var location: SourceLocation? {
        switch self {
        case .createPolicy(_, let p), .alterPolicy(_, let p): p.location
        default: nil
        }
    }

    /// Policies and row-level security switches lock the table ACCESS
    /// EXCLUSIVE for an instant (catalog only); a policy's comment takes ACCESS
    /// SHARE on it (and a lock on the policy itself); grants and default
    /// privileges take no table lock.
    var locks: [RelationLock] {
        switch self {
        case .enableRowSecurity(let table, _), .forceRowSecurity(let table, _), .createPolicy(let table, _),
             .alterPolicy(let table, _), .dropPolicy(let table, _):
            [RelationLock(table, .accessExclusive)]
        case .commentOnPolicy(let table, _, _):
            [RelationLock(table, .accessShare)]
        case .grant, .revoke, .grantDefault, .revokeDefault:
            []
        }
    }

    var literals: [String] {
        switch self {
        case .createPolicy(_, let p), .alterPolicy(_, let p):
            [p.using, p.withCheck].compactMap { $0 }.flatMap { SQLTokens($0).literals }
        case .commentOnPolicy(_, _, let comment): comment.map { [$0] } ?? []
        default: []
        }
    }
}
