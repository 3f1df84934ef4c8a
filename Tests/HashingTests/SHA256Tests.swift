// SHA256Tests: the FIPS 180-2 / NIST example messages, and the promise that feeding a message
// in pieces (any pieces, through any update overload) gives the same digest as hashing it whole.

import Hashing
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    @Test("\"abc\" hashes to the NIST one-block example digest")
    func abc() {
        #expect(Hex.encode(SHA256.hash("abc"))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the empty message hashes to the well-known empty digest")
    func empty() {
        #expect(Hex.encode(SHA256.hash(""))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256().finalize())
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("the 448-bit NIST message, whose padding spills into a second block, hashes correctly")
    func twoBlockMessage() {
        #expect(Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("the 896-bit NIST message hashes correctly")
    func longMessage() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
            + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(message.utf8.count * 8 == 896)
        #expect(Hex.encode(SHA256.hash(message))
            == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test("one million \"a\" bytes fed in uneven chunks hash to the NIST digest")
    func millionAsInUnevenChunks() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let chunkSizes = [1, 63, 64, 65, 7, 127, 128, 1000, 3, 4096, 55, 56, 57]
        var hasher = SHA256()
        var fed = 0
        var turn = 0
        while fed < 1_000_000 {
            let size = min(chunkSizes[turn % chunkSizes.count], 1_000_000 - fed)
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: size)
            // Alternate the array, raw-buffer and generic (non-contiguous) update paths.
            switch turn % 3 {
            case 0: hasher.update(chunk)
            case 1: chunk.withUnsafeBytes { hasher.update($0) }
            default: hasher.update(repeatElement(UInt8(ascii: "a"), count: size))
            }
            fed += size
            turn += 1
        }
        #expect(Hex.encode(hasher.finalize()) == expected)
        #expect(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)
    }

    @Test("hashing in two pieces at random split points equals hashing in one shot")
    func incrementalMatchesOneShot() {
        var random = SeededGenerator(seed: 0x5348_4132_3536)
        for _ in 0..<200 {
            let message = random.bytes(Int.random(in: 0...300, using: &random))
            let split = Int.random(in: 0...message.count, using: &random)
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            #expect(hasher.finalize() == SHA256.hash(message), "length \(message.count), split \(split)")
        }
    }

    @Test("hashing in many random-sized pieces equals hashing in one shot")
    func manyPiecesMatchOneShot() {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<50 {
            let message = random.bytes(Int.random(in: 0...2000, using: &random))
            var hasher = SHA256()
            var start = 0
            while start < message.count {
                let end = min(message.count, start + Int.random(in: 0...150, using: &random))
                hasher.update(Array(message[start..<end]))
                start = end
            }
            #expect(hasher.finalize() == SHA256.hash(message))
        }
    }

    @Test("copying a hasher forks its state so both copies finish independently")
    func copiesAreIndependent() {
        var original = SHA256()
        original.update(Array("hello ".utf8))
        var fork = original
        original.update(Array("world".utf8))
        fork.update(Array("there".utf8))
        #expect(original.finalize() == SHA256.hash("hello world"))
        #expect(fork.finalize() == SHA256.hash("hello there"))
    }

    @Test("a string is hashed as its UTF-8 bytes")
    func stringIsUTF8() {
        let text = "héllo, wörld 🌍"
        #expect(SHA256.hash(text) == SHA256.hash(Array(text.utf8)))
        #expect(SHA256.hash(text).count == 32)
    }
}
