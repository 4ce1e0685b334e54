import Catalog
import Foundation
import Plan
import State

/// `tenantplan plan`: reads `schema.yaml` (once, for both the declaration and its
/// digest) and `tenants.yaml`, plans every tenant, and writes the plan file.
public struct PlanFrontend: Sendable {
    public var schema: String
    public var tenants: String
    /// Where the plan file is written.
    public var out: String
    /// `--tenant` names; empty means every tenant of the fleet.
    public var onlyTenants: [String]
    public var allowDestructive: Bool
    /// `--allow` selectors.
    public var allowed: [AllowSelector]
    public var toolVersion: String
    public var planner: Planner

    public init(schema: String, tenants: String, out: String, onlyTenants: [String] = [],
                allowDestructive: Bool = false, allowed: [AllowSelector] = [], toolVersion: String,
                planner: Planner) {
        self.schema = schema
        self.tenants = tenants
        self.out = out
        self.onlyTenants = onlyTenants
        self.allowDestructive = allowDestructive
        self.allowed = allowed
        self.toolVersion = toolVersion
        self.planner = planner
    }

    /// Reads both files and plans every tenant; changes nothing.
    ///
    /// - Throws: `InputErrors` for the files, `PlanningError`, `PostgresError`.
    public func plan() throws -> PlanFile {
        let (declaration, sha256) = try DeclarationLoader.loadWithSHA256(path: schema)
        let fleet = try FleetLoader.load(path: tenants)
        return try planner.plan(PlanRequest(
            declaration: declaration, schemaSHA256: sha256, fleet: fleet, onlyTenants: onlyTenants,
            allowDestructive: allowDestructive, allowed: allowed, toolVersion: toolVersion))
    }

    /// Writes `plan` to `out`.
    public func write(_ plan: PlanFile) throws {
        guard FileManager.default.createFile(atPath: out, contents: try plan.encoded()) else {
            throw InputError("cannot write the plan file", file: out, hint: "check the directory exists and is writable")
        }
    }
}
