import Foundation
import Yams

/// Reads and validates `tenants.yaml` into a `Fleet`.
///
/// Like `DeclarationLoader`, it reports every error of the file at once, sorted by line.
/// Connection strings are checked for passwords, which belong in `.pgpass` or
/// `PGPASSWORD`, never in a file that is committed and echoed into plans.
public enum FleetLoader {
    /// The only `version:` this tenantplan reads.
    public static let supportedVersion = 1

    static let topKeys = ["version", "databases", "tenants", "discover", "exclude"]
    static let databaseKeys = ["url", "url_env"]
    static let tenantKeys = ["name", "database"]
    static let discoveryKeys = ["database", "schemas_like", "query"]

    /// Reads the file at `path`.
    ///
    /// - Throws: `InputErrors`.
    public static func load(path: String) throws -> Fleet {
        let text = try YAMLReader.readFile(
            at: path, hint: "list the tenants there, or pass its path with --tenants")
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates `yaml`; `file` names it in locations.
    ///
    /// - Throws: `InputErrors` with every error found, sorted by line and column.
    public static func parse(yaml: String, file: String) throws -> Fleet {
        let reader = YAMLReader(file: file)
        guard let root = try reader.compose(yaml) else {
            throw InputErrors([InputError(
                "empty file: expected version: 1 and tenants:",
                at: SourceLocation(file: file, line: 1, column: 1),
                hint: "start the file with version: 1, then list the tenant schemas under tenants:")])
        }
        let fleet = try Parser(reader: reader).parse(root)
        try reader.finish()
        return fleet
    }

    /// Whether a libpq connection string (URL or `key=value` form) carries a password.
    ///
    /// See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING.
    static func containsPassword(_ connection: String) -> Bool {
        let text = connection.trimmingCharacters(in: .whitespaces)
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            let rest = text[text.range(of: "://")!.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") { return true }
            if let query = rest.firstIndex(of: "?") {
                let parameters = rest[rest.index(after: query)...].split(separator: "&")
                if parameters.contains(where: { $0.lowercased().hasPrefix("password=") }) { return true }
            }
            return false
        }
        // key = value pairs: `host=db password=secret`; `password` only counts as a key.
        var index = lower.startIndex
        var atKey = true
        while index < lower.endIndex {
            let character = lower[index]
            if character == "'" {
                // Skip a quoted value.
                index = lower.index(after: index)
                while index < lower.endIndex, lower[index] != "'" {
                    if lower[index] == "\\" { index = lower.index(after: index) }
                    if index < lower.endIndex { index = lower.index(after: index) }
                }
                if index < lower.endIndex { index = lower.index(after: index) }
                atKey = false
                continue
            }
            if character == " " || character == "\t" {
                atKey = true
                index = lower.index(after: index)
                continue
            }
            if atKey, lower[index...].hasPrefix("password") {
                let after = lower[lower.index(index, offsetBy: "password".count)...]
                if after.drop(while: { $0 == " " || $0 == "\t" }).first == "=" { return true }
            }
            atKey = false
            index = lower.index(after: index)
        }
        return false
    }
}

extension FleetLoader {
    private final class Parser {
        let reader: YAMLReader
        var file: String { reader.file }

        init(reader: YAMLReader) { self.reader = reader }

        func parse(_ root: Node) throws -> Fleet {
            guard let top = reader.fields(
                of: root, allowed: FleetLoader.topKeys, what: "the tenants file",
                shape: "a mapping with the keys \(FleetLoader.topKeys.joined(separator: ", "))")
            else { return Fleet(file: file) }

            try reader.checkVersion(in: top, of: root, supported: FleetLoader.supportedVersion)

            var databases: [DatabaseDeclaration] = []
            if let databasesEntry = top["databases"] {
                databases = parseDatabases(databasesEntry)
            }
            let declaredDatabases = databases.isEmpty ? [Fleet.defaultDatabaseName] : databases.map(\.name)
            let defaultDatabase = declaredDatabases[0]

            var tenants: [TenantDeclaration] = []
            if let tenantsEntry = top["tenants"] {
                tenants = parseTenants(tenantsEntry, databases: declaredDatabases, defaultDatabase: defaultDatabase)
            }
            var discover: [DiscoveryRule] = []
            if let discoverEntry = top["discover"] {
                discover = parseDiscover(discoverEntry, databases: declaredDatabases, defaultDatabase: defaultDatabase)
            }
            var exclude: [String] = []
            if let excludeEntry = top["exclude"] {
                exclude = parseExclude(excludeEntry, tenants: tenants)
            }
            let written = [top["tenants"], top["discover"]].reduce(0) { count, entry in
                count + (entry?.value.sequence?.count ?? 0)
            }
            let malformed = [top["tenants"], top["discover"]].contains {
                guard let value = $0?.value else { return false }
                return !value.isNull && value.sequence == nil
            }
            if written == 0 && !malformed {
                reader.error("no tenants: list them under tenants: or add a discover: rule", at: root,
                             hint: "write tenants: [acme, globex], or discover: [{ schemas_like: \"tenant\\\\_%\" }]")
            }
            return Fleet(file: file, databases: databases, tenants: tenants, discover: discover, exclude: exclude)
        }

        // MARK: Databases

        func parseDatabases(_ entry: YAMLEntry) -> [DatabaseDeclaration] {
            guard let entries = reader.entries(
                of: entry.value, what: "'databases'",
                shape: "a mapping of database names to { url: ... }, { url_env: ... } or {}")
            else { return [] }
            var result: [DatabaseDeclaration] = []
            for item in entries {
                let owner = "database '\(item.key)'"
                if item.key.isEmpty {
                    reader.error("empty database name", at: item.keyNode, hint: "give the database a name, e.g. main")
                    continue
                }
                guard reader.noNUL(item.key, what: "database name", at: item.keyNode) else { continue }
                guard let fields = reader.fields(
                    of: item.value, allowed: FleetLoader.databaseKeys, what: owner,
                    shape: "{} for the default connection, { url: ... } or { url_env: ... }", nullIsEmpty: true)
                else {
                    result.append(DatabaseDeclaration(name: item.key, connection: .default,
                                                      location: item.keyNode.location(in: file)))
                    continue
                }
                var connection = ConnectionSource.default
                let url = fields["url"]
                let urlEnv = fields["url_env"]
                if url != nil, let urlEnv {
                    reader.error("\(owner) has both url: and url_env:", at: urlEnv.keyNode,
                                 hint: "keep one of them")
                } else if let url, let text = reader.string(url, of: owner) {
                    if FleetLoader.containsPassword(text) {
                        reader.error("credentials must not be written in tenants.yaml", at: url.value,
                                     hint: "use .pgpass or PGPASSWORD, and remove the password from url: of \(owner)")
                    } else {
                        connection = .url(text)
                    }
                } else if let urlEnv, let text = reader.string(urlEnv, of: owner) {
                    if isEnvironmentName(text) {
                        connection = .urlEnv(text)
                    } else {
                        reader.error("'\(text)' is not an environment variable name", at: urlEnv.value,
                                     hint: "url_env: names the variable that holds the URL, e.g. url_env: EU_DATABASE_URL")
                    }
                }
                result.append(DatabaseDeclaration(name: item.key, connection: connection,
                                                  location: item.keyNode.location(in: file)))
            }
            return result
        }

        func isEnvironmentName(_ text: String) -> Bool {
            guard let first = text.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first)
                    || ("a"..."z").contains(first) else { return false }
            return text.unicodeScalars.allSatisfy {
                $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
            }
        }

        /// A database reference must name a declared database.
        func checkDatabase(_ name: String, at node: Node, owner: String, databases: [String]) -> Bool {
            if databases.contains(name) { return true }
            let declared = databases.joined(separator: ", ")
            reader.error(
                "\(owner) uses unknown database '\(name)'", at: node,
                hint: Suggestion.hint(
                    for: name, among: databases,
                    otherwise: "declared databases: \(declared); declare '\(name)' under databases:"))
            return false
        }

        // MARK: Tenants

        func parseTenants(_ entry: YAMLEntry, databases: [String], defaultDatabase: String) -> [TenantDeclaration] {
            guard let items = reader.list(
                entry, of: "the tenants file", shape: "a list of schema names or { name: ..., database: ... }",
                nullIsEmpty: true)
            else { return [] }
            var result: [TenantDeclaration] = []
            var seen: [String: SourceLocation] = [:]
            for item in items {
                var name: String?
                var nameNode = item
                var database = defaultDatabase
                if case .mapping = item {
                    guard let fields = reader.fields(
                        of: item, allowed: FleetLoader.tenantKeys, what: "a tenant",
                        shape: "{ name: ..., database: ... }")
                    else { continue }
                    guard let nameEntry = fields["name"] else {
                        reader.error("a tenant has no name", at: item, hint: "add name: <schema name>")
                        continue
                    }
                    name = reader.string(nameEntry, of: "a tenant", allowEmpty: true)
                    nameNode = nameEntry.value
                    if let databaseEntry = fields["database"],
                       let text = reader.string(databaseEntry, of: "tenant '\(name ?? "")'") {
                        guard checkDatabase(text, at: databaseEntry.value, owner: "tenant '\(name ?? "")'",
                                            databases: databases) else { continue }
                        database = text
                    }
                } else if !item.isNull, let text = item.scalarText {
                    name = text
                } else {
                    reader.error("each tenant must be a schema name or { name: ..., database: ... }, not \(item.kindDescription)",
                                 at: item, hint: "write the tenant's schema name, e.g. - acme")
                    continue
                }
                guard let name, checkTenantName(name, at: nameNode) else { continue }
                let location = nameNode.location(in: file)
                if let previous = seen[name] {
                    reader.error("tenant '\(name)' is listed twice", at: nameNode,
                                 hint: "it is already listed at line \(previous.line); a schema name identifies a tenant, "
                                     + "so list it once (in one database)")
                    continue
                }
                seen[name] = location
                result.append(TenantDeclaration(name: name, database: database, location: location))
            }
            return result
        }

        func checkTenantName(_ name: String, at node: Node) -> Bool {
            guard reader.checkName(name, kind: "tenant name", at: node) else { return false }
            if let reason = ReservedSchemas.reason(for: name) {
                reader.error("'\(name)' cannot be a tenant: \(reason)", at: node,
                             hint: "remove it from tenants:; tenants are the application's own schemas")
                return false
            }
            return true
        }

        // MARK: Discovery and exclusion

        func parseDiscover(_ entry: YAMLEntry, databases: [String], defaultDatabase: String) -> [DiscoveryRule] {
            guard let items = reader.list(
                entry, of: "the tenants file", shape: "a list of { schemas_like: ... } or { query: ... } rules",
                nullIsEmpty: true)
            else { return [] }
            var result: [DiscoveryRule] = []
            for item in items {
                let owner = "a discover rule"
                guard let fields = reader.fields(
                    of: item, allowed: FleetLoader.discoveryKeys, what: owner,
                    shape: "{ schemas_like: <LIKE pattern> } or { query: <SQL> }, with an optional database:")
                else { continue }
                var database = defaultDatabase
                if let databaseEntry = fields["database"] {
                    guard let text = reader.string(databaseEntry, of: owner),
                          checkDatabase(text, at: databaseEntry.value, owner: owner, databases: databases)
                    else { continue }
                    database = text
                }
                let like = fields["schemas_like"]
                let query = fields["query"]
                var kind: DiscoveryRule.Kind?
                switch (like, query) {
                case (let like?, nil):
                    kind = reader.string(like, of: owner).map { .schemasLike($0) }
                case (nil, let query?):
                    kind = reader.string(query, of: owner).map { .query($0) }
                case (_?, let query?):
                    reader.error("\(owner) has both schemas_like: and query:", at: query.keyNode,
                                 hint: "keep one of them, or write two rules")
                case (nil, nil):
                    reader.error("\(owner) has neither schemas_like: nor query:", at: item,
                                 hint: "add schemas_like: \"tenant\\\\_%\" or query: \"select schema_name from ...\"")
                }
                guard let kind else { continue }
                result.append(DiscoveryRule(database: database, kind: kind, location: item.location(in: file)))
            }
            return result
        }

        func parseExclude(_ entry: YAMLEntry, tenants: [TenantDeclaration]) -> [String] {
            guard let items = reader.stringList(entry, of: "the tenants file", itemName: "schema name", required: false)
            else { return [] }
            let listed = Dictionary(tenants.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var result: [String] = []
            var seen: Set<String> = []
            for (name, node) in items {
                if let tenant = listed[name] {
                    reader.error("'\(name)' is both listed under tenants: (line \(tenant.location?.line ?? 0)) and excluded",
                                 at: node, hint: "remove it from tenants: or from exclude:")
                    continue
                }
                if seen.insert(name).inserted { result.append(name) }
            }
            return result
        }
    }
}
