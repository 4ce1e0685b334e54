import Plan
import SQLSyntax
import State

/// What `provision` does with a tenant schema, decided from what it found: pure.
///
/// The decisions are apart from their effects (like `TenantApplyMachine`):
/// `Provisioner` reads the catalog and runs what is decided here, so that every
/// rule is tested without a server.
enum ProvisionDecision: Equatable {
    /// The schema does not exist: run `changes` (CREATE SCHEMA and every object)
    /// and commit only on the state whose fingerprint is `expected`.
    case create(changes: [Change], expected: String)
    /// The schema exists in the declared state (it may keep objects that
    /// schema.yaml does not declare, listed in `kept`): nothing to do.
    case inSync(fingerprint: String, kept: [HeldChange])
    /// The schema exists and a plan would change it, or holds back a change to
    /// a declared object: touch nothing.
    case differs(fingerprint: String, differences: [String])

    /// The decision for a schema found in `actual` (nil: absent).
    static func decide(actual: SchemaState?, differ: Differ) -> ProvisionDecision {
        let diff = differ.diff(actual: actual)
        guard let actual else {
            return .create(changes: diff.changes, expected: StatePlan(diff, from: SchemaState.absentFingerprint).to)
        }
        let drift = diff.held.filter { !$0.undeclared }
        if diff.changes.isEmpty && drift.isEmpty {
            return .inSync(fingerprint: actual.fingerprint, kept: diff.held)
        }
        return .differs(fingerprint: actual.fingerprint,
                        differences: diff.changes.map { "\($0.action.rawValue) \($0.object.printable)" }
                            + drift.map { "! \($0.object.printable): \($0.reason)" })
    }

    /// Why `name` cannot be a tenant schema, or nil when it can.
    static func problem(with name: String) -> ProvisionError? {
        if name.isEmpty { return .invalidName(name, reason: "the name is empty") }
        if name.utf8.contains(0) { return .invalidName(name, reason: "the name holds a NUL byte") }
        let bytes = name.utf8.count
        if bytes > maxNameBytes {
            return .invalidName(name, reason: "it is \(bytes) bytes long; PostgreSQL allows at most \(maxNameBytes) "
                                + "bytes and would silently truncate it")
        }
        if let reason = ReservedSchemas.reason(for: name) { return .reservedName(name, reason: reason) }
        return nil
    }

    /// PostgreSQL's NAMEDATALEN - 1.
    static let maxNameBytes = IdentifierLength.maxBytes

    /// The database of the fleet that holds (or will hold) `tenant`: the one it is
    /// listed in, else `requested`, else the fleet's only database.
    static func database(for tenant: String, requested: String?, in fleet: Fleet) throws -> DatabaseDeclaration {
        if fleet.exclude.contains(tenant) { throw ProvisionError.excluded(tenant, file: fleet.file) }
        let known = fleet.databases.map(\.name)
        if let requested, !known.contains(requested) {
            throw ProvisionError.unknownDatabase(requested, known: known, file: fleet.file)
        }
        let listed = fleet.tenants.first { $0.name == tenant }
        if let listed, let requested, listed.database != requested {
            throw ProvisionError.listedElsewhere(tenant, listed: listed.database, requested: requested,
                                                 location: listed.location)
        }
        guard let name = requested ?? listed?.database ?? (known.count == 1 ? known[0] : nil) else {
            throw ProvisionError.ambiguousDatabase(known: known, file: fleet.file)
        }
        return fleet.databases.first { $0.name == name }!
    }
}
