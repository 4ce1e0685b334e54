/// HMAC-SHA256 (RFC 2104), over the hand-written `SHA256`, for signed plans.
///
/// Checked against the test vectors of RFC 4231. `authenticationCode(key:message:)`
/// is the whole algorithm; `matches(_:_:)` compares two codes in time that does
/// not depend on where they first differ.
public enum HMACSHA256 {
    /// SHA-256's block size: longer keys are hashed first, shorter ones padded with zeros.
    static let blockSize = 64

    /// The 32-byte authentication code of `message` under `key`.
    public static func authenticationCode<Key: Sequence, Message: Sequence>(key: Key, message: Message) -> [UInt8]
    where Key.Element == UInt8, Message.Element == UInt8 {
        var block = Array(key)
        if block.count > blockSize {
            var hasher = SHA256()
            hasher.update(block)
            block = hasher.finalize()
        }
        block += [UInt8](repeating: 0, count: blockSize - block.count)

        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The code as lowercase hex.
    public static func hex<Key: Sequence, Message: Sequence>(key: Key, message: Message) -> String
    where Key.Element == UInt8, Message.Element == UInt8 {
        SHA256.hex(authenticationCode(key: key, message: message))
    }

    /// Whether `a` and `b` are the same bytes, looking at every byte of both
    /// whatever their content, so that the time taken does not tell an attacker
    /// how much of a forged code was right.
    public static func matches(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
