// HexTests: Hex encodes lowercase, decodes either case, round-trips every byte value, and
// refuses anything that is not an even-length string of hex digits.

import Hashing
import Testing

@Suite("Hex")
struct HexTests {
    @Test("bytes encode as lowercase pairs of hex digits")
    func encodesLowercase() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.encode([0xde, 0xad, 0xbe, 0xef]) == "deadbeef")
    }

    @Test("every byte value survives an encode–decode round trip")
    func roundTrip() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(all)) == all)
        var random = SeededGenerator(seed: 16)
        for length in 0..<40 {
            let bytes = random.bytes(length)
            #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        }
    }

    @Test("uppercase and mixed-case digits decode")
    func decodesEitherCase() {
        #expect(Hex.decode("DEADBEEF") == [0xde, 0xad, 0xbe, 0xef])
        #expect(Hex.decode("DeAdBeEf") == [0xde, 0xad, 0xbe, 0xef])
        #expect(Hex.decode("") == [])
    }

    @Test("odd lengths, non-hex characters, whitespace and prefixes are rejected",
          arguments: ["a", "abc", "0g", "zz", "de ad", " dead", "0xdead", "dead\n", "éé", "+1", "12-4"])
    func rejectsInvalid(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }
}
