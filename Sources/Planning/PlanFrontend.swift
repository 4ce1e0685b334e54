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
    public var toolVersion: String
    public var planner: Planner

    public init(schema: String, tenants: String, out: String, onlyTenants: [String] = [],
                allowDestructive: Bool = false, toolVersion: String, planner: Planner) {
        self.schema = schema
        self.tenants = tenants
        self.out = out
        self.onlyTenants = onlyTenants
        self.allowDestructive = allowDestructive
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
            allowDestructive: allowDestructive, toolVersion: toolVersion))
    }

    /// Writes `plan` to `out` atomically: to a temporary file next to it, then
    /// renamed over it, so that `out` is never a partial plan.
    public func write(_ plan: PlanFile) throws {
        let data = try plan.encoded()
        do {
            try data.write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw InputError("cannot write the plan file", file: out, hint: "check the directory exists and is writable")
        }
    }
}
