import Foundation
import Plan

extension PlanKey {
    /// `TENANTPLAN_PLAN_KEY` of this process, or nil when it is not set.
    static func fromEnvironment() throws -> PlanKey? {
        try PlanKey.from(environment: ProcessInfo.processInfo.environment)
    }
}
