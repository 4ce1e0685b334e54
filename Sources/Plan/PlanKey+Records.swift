import State

extension PlanKey {
    /// The hex HMAC-SHA256 code of `message` under this key: binds a tenant
    /// record to the key that wrote it (see `TenantRecords` in Catalog).
    public func recordCode(_ message: String) -> String {
        HMACSHA256.hex(key: bytes, message: Array(message.utf8))
    }
}
