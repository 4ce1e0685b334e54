import State

/// The secret that signs plan files: `TENANTPLAN_PLAN_KEY`.
///
/// Its bytes never leave this type: it prints as `PlanKey(redacted)`, and the
/// only thing made from it is an HMAC-SHA256 code (see `PlanFile.signed(with:)`).
public struct PlanKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let environmentVariable = "TENANTPLAN_PLAN_KEY"
    /// RFC 2104 advises a key at least as long as the hash (32 bytes): a shorter
    /// one can be guessed from a signed plan by trying keys offline.
    public static let minimumLength = 32

    let bytes: [UInt8]

    /// A key of the UTF-8 bytes of `text`, exactly as given (no trimming).
    ///
    /// - Throws: `PlanKeyError` when `text` is empty or shorter than `minimumLength` bytes.
    public init(_ text: String) throws {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { throw PlanKeyError.empty }
        if bytes.count < Self.minimumLength { throw PlanKeyError.tooShort }
        self.bytes = bytes
    }

    /// The key `environment` sets, or nil when `TENANTPLAN_PLAN_KEY` is not set.
    ///
    /// Set but empty is an error, not "no key": that is what a CI secret that did
    /// not reach the job looks like, and treating it as unset would accept
    /// unsigned plans where signed ones are expected.
    public static func from(environment: [String: String]) throws -> PlanKey? {
        guard let text = environment[environmentVariable] else { return nil }
        return try PlanKey(text)
    }

    /// `hmac-sha256:` and the hex code of `content` under this key.
    func signature<Bytes: Sequence>(of content: Bytes) -> String where Bytes.Element == UInt8 {
        PlanFile.signaturePrefix + HMACSHA256.hex(key: bytes, message: content)
    }

    public var description: String { "PlanKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
