import Foundation
import Testing
import Plan
import State

let testKeyText = "test-key-0123456789abcdef0123456789abcdef"

func testKey(_ text: String = testKeyText) throws -> PlanKey { try PlanKey(text) }

/// The JSON of `data` with `edit` applied, digest recomputed the way anyone can
/// (five lines of any language), signature left as it was.
func redigested(_ data: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
    var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    edit(&json)
    let signature = json.removeValue(forKey: "signature")
    json["digest"] = nil
    let canonical = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
    json["digest"] = "sha256:" + SHA256.hex(bytes: canonical)
    json["signature"] = signature
    return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted])
}

@Suite("Signed plans")
struct PlanSignatureTests {
    @Test("a signed plan reads back with the key, and its signature covers the digest's bytes")
    func roundTrip() throws {
        let key = try testKey()
        let signed = try samplePlan().signed(with: key)
        let signature = try #require(signed.signature)
        #expect(signature == "hmac-sha256:" + HMACSHA256.hex(key: Array(testKeyText.utf8), message: try samplePlan().canonicalContent()))
        // Signing changes neither the digest nor the canonical content.
        #expect(try signed.computeDigest() == samplePlan().computeDigest())
        let data = try signed.encoded()
        let read = try PlanFile.decode(data, file: "plan.json", key: key)
        #expect(read.signature == signature)
        #expect(try read.encoded() == data)
    }

    /// The attack: add an UPDATE, recompute the digest. The digest no
    /// longer protects anything; the signature does.
    @Test("an edited plan with a recomputed digest is refused with the key")
    func redigestedEdit() throws {
        let key = try testKey()
        let data = try redigested(try samplePlan().signed(with: key).encoded()) { json in
            var sets = json["change_sets"] as! [[String: Any]]
            var changes = sets[1]["changes"] as! [[String: Any]]
            changes.append(["op": "add_column", "action": "~", "object": "x", "transactional": true, "hazards": [String](),
                            "sql": "UPDATE customers SET email = 'attacker@example.com'"])
            sets[1]["changes"] = changes
            json["change_sets"] = sets
        }
        // Without the key, the digest alone is satisfied: that is what it cannot do.
        let unchecked = try PlanFile.decode(data, file: "plan.json", withoutKey: .accept)
        #expect(unchecked.changeSets[1].changes.last?.sql.hasPrefix("UPDATE") == true)

        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json", key: key) }
        #expect(error?.message == "the plan's signature does not match TENANTPLAN_PLAN_KEY: it was edited after it was signed, or signed with another key")
        #expect(error?.hint?.contains("plan again") == true)
        #expect(error?.file == "plan.json")
    }

    @Test("removing the signature does not help: a reader with a key refuses unsigned plans")
    func strippedSignature() throws {
        let key = try testKey()
        let data = try redigested(try samplePlan().signed(with: key).encoded()) { $0["signature"] = nil }
        #expect(try PlanFile.decode(data, file: "plan.json").signature == nil)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json", key: key) }
        #expect(error?.message == "the plan is not signed, and TENANTPLAN_PLAN_KEY is set: only plans signed with that key are accepted")
        #expect(error?.hint?.contains("same secret") == true)
    }

    @Test("another key, or a garbled signature, is refused", arguments: [
        "hmac-sha256:" + String(repeating: "0", count: 64), "hmac-sha256:", "", "sha256:abc",
    ])
    func wrongSignature(_ signature: String) throws {
        let key = try testKey()
        var plan = samplePlan()
        plan.signature = signature
        let error = planInputError { _ = try PlanFile.decode(plan.encoded(), file: "plan.json", key: key) }
        #expect(error?.message.hasPrefix("the plan's signature does not match") == true, "\(String(describing: error))")

        let other = try samplePlan().signed(with: testKey(testKeyText + "!"))
        let otherError = planInputError { _ = try PlanFile.decode(other.encoded(), file: "plan.json", key: key) }
        #expect(otherError?.message.hasPrefix("the plan's signature does not match") == true)
    }

    @Test("without a key: unsigned plans are read; signed ones are refused, or accepted when asked")
    func withoutKey() throws {
        let unsigned = try samplePlan().encoded()
        #expect(try PlanFile.decode(unsigned, file: "plan.json").signature == nil)

        let signed = try samplePlan().signed(with: testKey()).encoded()
        let error = planInputError { _ = try PlanFile.decode(signed, file: "plan.json") }
        #expect(error?.message == "the plan is signed, but TENANTPLAN_PLAN_KEY is not set, so its signature cannot be checked")
        #expect(error?.hint?.contains("set TENANTPLAN_PLAN_KEY") == true)
        #expect(try PlanFile.decode(signed, file: "plan.json", withoutKey: .accept).signature != nil)
    }

    @Test("the digest is still checked first, whatever the key")
    func digestFirst() throws {
        let key = try testKey()
        let text = String(decoding: try samplePlan().signed(with: key).encoded(), as: UTF8.self)
        let data = Data(text.replacingOccurrences(of: "\"acme\"", with: "\"acmf\"").utf8)
        let error = planInputError { _ = try PlanFile.decode(data, file: "plan.json", key: key) }
        #expect(error?.message.contains("does not match its digest") == true)
    }

    @Test("the key is read from TENANTPLAN_PLAN_KEY; empty or short is an error")
    func keyFromEnvironment() throws {
        #expect(try PlanKey.from(environment: [:]) == nil)
        #expect(try PlanKey.from(environment: ["OTHER": testKeyText]) == nil)
        #expect(try PlanKey.from(environment: ["TENANTPLAN_PLAN_KEY": testKeyText]) != nil)
        #expect(try PlanKey.from(environment: ["TENANTPLAN_PLAN_KEY": String(repeating: "k", count: 32)]) != nil)
        #expect(throws: PlanKeyError.empty) { try PlanKey.from(environment: ["TENANTPLAN_PLAN_KEY": ""]) }
        #expect(throws: PlanKeyError.tooShort) {
            try PlanKey.from(environment: ["TENANTPLAN_PLAN_KEY": String(repeating: "k", count: 31)])
        }
        let text = ErrorFormatter.text(for: PlanKeyError.tooShort)
        #expect(text.contains("TENANTPLAN_PLAN_KEY is shorter than 32 bytes"))
        #expect(text.contains("openssl rand -hex 32"))
        #expect(text.hasSuffix("nothing was changed in any database."))
    }

    @Test("the key never shows: not in the plan, not when printed")
    func keyNeverShows() throws {
        let key = try testKey()
        let text = String(decoding: try samplePlan().signed(with: key).encoded(), as: UTF8.self)
        #expect(!text.contains(testKeyText))
        #expect("\(key)" == "PlanKey(redacted)")
        #expect(String(reflecting: key) == "PlanKey(redacted)")
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains(testKeyText), "\(dumped)")
    }
}
