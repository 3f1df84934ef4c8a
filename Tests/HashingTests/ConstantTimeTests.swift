// ConstantTimeTests: ConstantTime.equals gives the same answers as == for byte strings,
// including mismatches at either end and inputs of different lengths.

import Hashing
import Testing

@Suite("Constant-time comparison")
struct ConstantTimeTests {
    @Test("equal byte strings compare equal, including empty ones")
    func equalInputs() {
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        let digest = SHA256.hash("secret")
        #expect(ConstantTime.equals(digest, digest[...]))
    }

    @Test("a difference in the first, a middle or the last byte makes them unequal")
    func differingInputs() {
        let base = [UInt8](repeating: 0x55, count: 32)
        for position in [0, 15, 31] {
            var other = base
            other[position] ^= 0x01
            #expect(!ConstantTime.equals(base, other), "differs at \(position)")
        }
    }

    @Test("byte strings of different lengths are unequal even when one is a prefix of the other")
    func differentLengths() {
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!ConstantTime.equals([UInt8](), [0] as [UInt8]))
        #expect(!ConstantTime.equals([0] as [UInt8], [UInt8]()))
    }
}
