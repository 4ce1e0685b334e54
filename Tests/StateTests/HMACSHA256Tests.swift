import Testing
import State

private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}

@Suite("HMAC-SHA256")
struct HMACSHA256Tests {
    /// RFC 4231, section 4: test cases 1 to 7 (case 5's code is truncated to
    /// 128 bits there; its full value is from Python's `hmac`).
    @Test("matches the RFC 4231 test vectors", arguments: [
        (String(repeating: "0b", count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "0c", count: 20), Array("Test With Truncation".utf8),
         "a3b6167473100ee06e0c796c2955552bfa6f7c0a6a8aef8b93f860aab0cd20c5"),
        (String(repeating: "aa", count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231(_ key: String, _ message: [UInt8], _ code: String) {
        #expect(HMACSHA256.hex(key: bytes(key), message: message) == code)
        #expect(HMACSHA256.authenticationCode(key: bytes(key), message: message) == bytes(code))
    }

    /// Test case 5 as RFC 4231 prints it: the first 128 bits.
    @Test("the truncated code of RFC 4231 test case 5")
    func truncated() {
        let code = HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0c, count: 20),
                                                 message: Array("Test With Truncation".utf8))
        #expect(Array(code.prefix(16)) == bytes("a3b6167473100ee06e0c796c2955552b"))
    }

    /// Around SHA-256's 64-byte block: a 64-byte key is padded, not hashed; a
    /// 65-byte key is hashed. Codes from Python's `hmac.new(key, b"tenantplan", sha256)`.
    @Test("keys around the block size", arguments: [
        (63, "6f6659902a4cbee2c1d9b8d791ca2b5e8bc36ed2dadc34b64c6622c68528a6a2"),
        (64, "49886be5eb8f71f6c7903970871b11b305f19e899165405c8a34db7663f4f4ec"),
        (65, "1b1d1ec9abc61620c348e9ba6623332f3b4e495e320e77e6cc1bebf70a8ab20e"),
    ])
    func blockBoundary(_ length: Int, _ code: String) {
        let key = (0..<length).map { UInt8($0 % 256) }
        #expect(HMACSHA256.hex(key: key, message: Array("tenantplan".utf8)) == code)
    }

    @Test("matches compares every byte")
    func matches() {
        let code = HMACSHA256.hex(key: Array("k".utf8), message: Array("m".utf8))
        #expect(HMACSHA256.matches(code, code))
        var last = Array(code.utf8)
        last[last.count - 1] ^= 1
        #expect(!HMACSHA256.matches(code, String(decoding: last, as: UTF8.self)))
        #expect(!HMACSHA256.matches(code, code.dropLast()))
        #expect(!HMACSHA256.matches(code, code + "0"))
        #expect(!HMACSHA256.matches("", code))
        #expect(HMACSHA256.matches("", ""))
    }
}
