import State

/// Signed plans: an HMAC-SHA256 code, under `TENANTPLAN_PLAN_KEY`, of the bytes
/// the digest covers.
///
/// The digest alone proves nothing against someone who edits a plan on purpose:
/// it is a public function of the content, recomputed in a few lines. The
/// signature can only be made with the key, so a reader that holds the key
/// accepts only plans that a holder of the key wrote. Removing the signature
/// does not help an attacker: a reader with a key refuses unsigned plans.
extension PlanFile {
    static let signaturePrefix = "hmac-sha256:"

    /// What a reader without a key does with a signed plan, whose signature it
    /// cannot check.
    public enum UnverifiableSignature: Sendable {
        /// `apply` and `plan --reviewed`: a signed plan says that this team signs
        /// its plans, and a job without the key is misconfigured. Accepting would
        /// quietly turn the check off.
        case refuse
        /// `show`: it only prints the plan; the caller says the signature was not checked.
        case accept
    }

    /// This plan, signed with `key`.
    public func signed(with key: PlanKey) throws -> PlanFile {
        var copy = self
        copy.signature = key.signature(of: try canonicalContent())
        return copy
    }

    /// Checks the signature against `key`.
    ///
    /// With a key, the plan must carry a signature made with it. Without one, an
    /// unsigned plan is accepted (the digest was checked already), and a signed
    /// one is refused or accepted as `withoutKey` says.
    ///
    /// - Throws: `InputError` naming `file`, with a hint that never shows the key.
    public func checkSignature(key: PlanKey?, file: String, withoutKey: UnverifiableSignature) throws {
        let variable = PlanKey.environmentVariable
        guard let key else {
            if signature != nil && withoutKey == .refuse {
                throw InputError("the plan is signed, but \(variable) is not set, so its signature cannot be checked",
                                 file: file,
                                 hint: "set \(variable) to the key the plan was signed with (in CI: the same secret as the job that planned it)")
            }
            return
        }
        guard let signature else {
            throw InputError("the plan is not signed, and \(variable) is set: only plans signed with that key are accepted",
                             file: file,
                             hint: "plan again with \(variable) set to the same key (in CI: the same secret for the plan and the apply job), and review the new plan")
        }
        guard HMACSHA256.matches(signature, key.signature(of: try canonicalContent())) else {
            throw InputError("the plan's signature does not match \(variable): it was edited after it was signed, or signed with another key",
                             file: file,
                             hint: "plan again with this key and review the new plan; never edit plan.json by hand")
        }
    }
}
