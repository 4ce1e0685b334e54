import Foundation
import SQLSyntax
import Testing
@testable import Plan
import State

@Suite("Change operations")
struct OperationTests {
    @Test("each Step case has its own operation, and every operation has a Step case")
    func oneOperationPerStepCase() {
        let operations = renderCases.map(\.step.operation)
        #expect(Set(operations) == Set(Change.Operation.allCases))
        #expect(Change.Operation.allCases.count == allStepCaseCount)
        for c in renderCases {
            #expect(c.step.operation == Change.Operation(rawValue: c.name), "\(c.name)")
        }
    }

    @Test("an operation is stored and shown as its plan-file name")
    func storedAsName() throws {
        let change = Step.addEnumValue(type: "order_status", value: "paid", before: nil).change()
        let json = try String(decoding: JSONEncoder().encode(change), as: UTF8.self)
        #expect(json.contains("\"op\":\"add_enum_value\""))
        #expect(try JSONDecoder().decode(Change.self, from: Data(json.utf8)) == change)
        #expect("\(Change.Operation.commentOnColumn)" == "comment_column")
    }

    @Test("a change whose operation this version does not know is not a valid change")
    func unknownOperationRefused() {
        let json = #"{"op":"launch_rocket","action":"+","object":"x","sql":"SELECT 1","transactional":true,"hazards":[]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Change.self, from: Data(json.utf8)) }
    }

    @Test("an intact plan naming an unknown operation is refused after its digest is checked")
    func unknownOperationInPlan() throws {
        var plan = samplePlan()
        plan.changeSets[0].changes[1].unknownOperation = "launch_rocket"
        let data = try plan.encoded()   // digested with the unknown name, as another version would write it
        #expect(String(decoding: data, as: UTF8.self).contains("\"op\" : \"launch_rocket\""))
        let error = planInputError({ _ = try PlanFile.decode(data, file: "plan.json") })
        #expect(error?.message == "the plan uses operation 'launch_rocket', which this tenantplan does not know")
        #expect(error?.hint == "plan again with this version of tenantplan")
        // Edited after it was written: the digest is what refuses it, as for any edit.
        let edited = String(decoding: try samplePlan().encoded(), as: UTF8.self)
            .replacingOccurrences(of: "\"op\" : \"create_enum\"", with: "\"op\" : \"launch_rocket\"")
        let editedError = planInputError({ _ = try PlanFile.decode(Data(edited.utf8), file: "plan.json") })
        #expect(editedError?.message.contains("digest") == true, "\(String(describing: editedError))")
    }

    @Test("the schema is created under the tenant's quoted name; other statements run as stored")
    func statementForTenant() {
        let create = Step.createSchema.change()
        #expect(create.sql == "CREATE SCHEMA {tenant}")
        #expect(create.statement(tenant: awkward) == "CREATE SCHEMA \(awkwardQuoted)")
        #expect(create.statement(tenant: "acme") == "CREATE SCHEMA \"acme\"")
        let drop = Step.dropTable("{tenant}").change()
        #expect(drop.statement(tenant: "acme") == drop.sql)
        #expect(drop.statement(tenant: "acme") == "DROP TABLE \"{tenant}\"")
        // Grants on the schema and default privileges name it once, before any role:
        // a role whose name holds the placeholder's text is left as it is.
        let role = "SCHEMA {tenant} x"
        #expect(Step.security(.grant(.schema, role: role, privileges: ["USAGE"])).change().statement(tenant: awkward)
                == "GRANT USAGE ON SCHEMA \(awkwardQuoted) TO \(quoteIdentifier(role))")
        let defaults = Step.security(.grantDefault(objects: "tables", role: role, privileges: ["SELECT"])).change()
        #expect(defaults.namingSchema("acme")
                == "ALTER DEFAULT PRIVILEGES IN SCHEMA \"acme\" GRANT SELECT ON TABLES TO \(quoteIdentifier(role))")
        // Run only by the schema's owner (PrivilegeTests runs it both ways).
        #expect(defaults.statement(tenant: "acme").hasPrefix("DO $tenantplan$ "))
        #expect(defaults.statement(tenant: "acme").contains(quoteLiteral(defaults.namingSchema("acme"))))
    }
}
