// ConstantTime: comparison of secrets (MACs, tokens) whose running time does not depend on
// where the inputs first differ, so an attacker timing responses cannot recover a valid code
// byte by byte. Plain == stops at the first mismatch and must not be used for secrets.

/// Timing-safe operations on byte strings.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. For equal lengths every byte pair is examined
    /// and differences are accumulated without branching, so the time taken does not depend on
    /// the position of a mismatch. Lengths are not secret: unequal lengths return `false` at once.
    @inline(never)
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) {
            difference |= x ^ y
        }
        return difference == 0
    }
}
