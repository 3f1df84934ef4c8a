extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of `literal` as one copy. `bytes += "…".utf8` goes through the
    /// generic sequence path instead — a retain, a release and a loop per append, which the
    /// relay's per-call envelopes made measurable.
    @inlinable
    public mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal, without making a `String` first.
    @inlinable
    public mutating func append(decimal value: UInt64) {
        let start = count
        var rest = value
        repeat {
            append(UInt8(truncatingIfNeeded: rest % 10) &+ 0x30)
            rest /= 10
        } while rest > 0
        withUnsafeMutableBufferPointer { digits in
            var low = start, high = digits.count - 1
            while low < high {
                digits.swapAt(low, high)
                low += 1
                high -= 1
            }
        }
    }
}
