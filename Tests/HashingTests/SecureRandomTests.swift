// SecureRandomTests: SecureRandom returns the requested number of bytes, and tokens have the
// expected base64url shape and do not repeat.

import Hashing
import Testing

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("bytes returns exactly the requested count, including zero and non-multiples of 8")
    func byteCounts() {
        for count in [0, 1, 7, 8, 9, 31, 32, 33, 1000] {
            #expect(SecureRandom.bytes(count).count == count)
        }
    }

    @Test("two 32-byte draws differ and are not all zero")
    func drawsDiffer() {
        let first = SecureRandom.bytes(32)
        let second = SecureRandom.bytes(32)
        #expect(first != second)
        #expect(first.contains { $0 != 0 })
    }

    @Test("every byte position, including the tail of a partial word, receives random data")
    func tailBytesAreFilled() {
        // Across 64 draws of 13 bytes, a position stuck at one value would mean it was never written.
        let draws = (0..<64).map { _ in SecureRandom.bytes(13) }
        for position in 0..<13 {
            #expect(Set(draws.map { $0[position] }).count > 1, "position \(position)")
        }
    }

    @Test("tokens are distinct, unpadded base64url of the right length")
    func tokens() {
        let tokens = (0..<100).map { _ in SecureRandom.token() }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens {
            #expect(token.utf8.count == 43)
            #expect(Base64URL.decode(token)?.count == 32)
        }
        #expect(SecureRandom.token(bytes: 16).utf8.count == 22)
        #expect(SecureRandom.token(bytes: 0) == "")
    }
}
