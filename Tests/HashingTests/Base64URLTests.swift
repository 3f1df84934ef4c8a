// Base64URLTests: the RFC 4648 vectors in the URL-safe unpadded form, round trips of every
// length, and strict rejection of padding, foreign characters and non-canonical spellings.

import Hashing
import Testing

@Suite("Base64URL")
struct Base64URLTests {
    @Test("the RFC 4648 test vectors encode without padding")
    func rfc4648Vectors() {
        let vectors: [(String, String)] = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
            ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test("the URL-safe alphabet uses - and _ where standard base64 uses + and /")
    func urlSafeAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.encode([0xfb, 0xef, 0xbe]) == "----")
        #expect(Base64URL.encode([0xff, 0xff, 0xff]) == "____")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
    }

    @Test("random bytes of every length up to 100 survive an encode–decode round trip")
    func roundTrip() {
        var random = SeededGenerator(seed: 64)
        for length in 0...100 {
            let bytes = random.bytes(length)
            let encoded = Base64URL.encode(bytes)
            #expect(encoded.utf8.count == (length * 4 + 2) / 3)
            #expect(!encoded.contains("="))
            #expect(Base64URL.decode(encoded) == bytes, "length \(length)")
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64URL.decode(Base64URL.encode(all)) == all)
    }

    @Test("padding, standard-alphabet characters, whitespace and other symbols are rejected",
          arguments: ["Zg==", "Zm8=", "Zm9v=", "Zm+v", "Zm/v", "Zm9 v", " Zm9v", "Zm9v\n", "Zm.v", "Zé", "Zm9v*"])
    func rejectsInvalidCharacters(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("a single dangling character and non-zero leftover bits are rejected",
          arguments: ["Z", "Zm9vY", "Zh", "Zm9", "Zm9vYh", "Zm9vYmF"])
    func rejectsNonCanonical(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
