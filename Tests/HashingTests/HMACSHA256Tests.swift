// HMACSHA256Tests: the RFC 4231 test cases 1–7, which cover short keys, keys longer than the
// block (hashed first), long data and truncated output, plus incremental use.

import Hashing
import Testing

@Suite("HMAC-SHA-256")
struct HMACSHA256Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let key: [UInt8]
        let data: [UInt8]
        let expected: String
        var testDescription: String { name }
    }

    static let rfc4231: [Case] = [
        Case(name: "test case 1", key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
             expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Case(name: "test case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
             expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Case(name: "test case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
             expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Case(name: "test case 4", key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
             expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Case(name: "test case 5 (truncated to 128 bits)", key: [UInt8](repeating: 0x0c, count: 20),
             data: Array("Test With Truncation".utf8),
             expected: "a3b6167473100ee06e0c796c2955552b"),
        Case(name: "test case 6", key: [UInt8](repeating: 0xaa, count: 131),
             data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Case(name: "test case 7", key: [UInt8](repeating: 0xaa, count: 131),
             data: Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                 + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
             expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test("each RFC 4231 test case produces the published authentication code", arguments: rfc4231)
    func rfc4231Vector(_ testCase: Case) {
        let code = HMACSHA256.authenticationCode(for: testCase.data, key: testCase.key)
        #expect(code.count == 32)
        let truncated = Array(code.prefix(testCase.expected.count / 2))
        #expect(Hex.encode(truncated) == testCase.expected)
    }

    @Test("feeding the message in pieces gives the same code as the one-shot helper", arguments: rfc4231)
    func incrementalMatchesOneShot(_ testCase: Case) {
        var mac = HMACSHA256(key: testCase.key)
        let middle = testCase.data.count / 3
        mac.update(testCase.data[..<middle])
        testCase.data[middle...].withUnsafeBytes { mac.update($0) }
        #expect(mac.finalize() == HMACSHA256.authenticationCode(for: testCase.data, key: testCase.key))
    }

    @Test("a key of exactly one block is used as is, not hashed")
    func blockSizedKeyIsNotHashed() {
        let key = [UInt8](repeating: 0x42, count: 64)
        let message = Array("message".utf8)
        // With a 64-byte key, HMAC = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)).
        let inner = SHA256.hash(key.map { $0 ^ 0x36 } + message)
        let expected = SHA256.hash(key.map { $0 ^ 0x5c } + inner)
        #expect(HMACSHA256.authenticationCode(for: message, key: key) == expected)
        #expect(HMACSHA256.authenticationCode(for: message, key: key + [0x42]) != expected)
    }
}
