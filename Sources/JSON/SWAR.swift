// SWAR: word-at-a-time tests over UTF-8 buffers, shared by the parser, the writer and the scanners.

/// Eight bytes at a time through the long plain runs of JSON strings (descriptions, texts,
/// arguments), where a byte-by-byte loop spent most of the relay's scanning time. Each test
/// below is exact per word ("does any byte equal / fall below x"); the byte loops around them
/// take over at the first word that might hold something interesting.
enum SWAR {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is zero.
    @inline(__always) private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- ones) & ~word & highs != 0
    }

    @inline(__always) private static func hasByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        hasZeroByte(word ^ (ones &* UInt64(byte)))
    }

    /// Whether some byte of `word` is below 0x20 or at least 0x80. (A byte b < 0x20 is exactly
    /// one whose top three bits are clear; checked per byte on `word & 0xE0…` being zero.)
    @inline(__always) private static func hasControlOrHigh(_ word: UInt64) -> Bool {
        word & highs != 0 || hasZeroByte(word & (ones &* 0xE0))
    }

    /// The first position at or after `pos` whose 8-byte word may hold a quote, a backslash, a
    /// control byte or a non-ASCII byte (what a validating string scan must look at itself).
    @inline(__always) static func skipPlainASCII(_ buf: UnsafeBufferPointer<UInt8>, from pos: Int) -> Int {
        guard let base = buf.baseAddress else { return pos }
        var pos = pos
        while pos + 8 <= buf.count {
            let word = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
            if hasControlOrHigh(word) || hasByte(word, 0x22) || hasByte(word, 0x5C) { break }
            pos += 8
        }
        return pos
    }

    /// The first position at or after `pos` whose 8-byte word may hold a byte JSON must escape
    /// (a control byte, a quote or a backslash): the writer copies everything before it as is.
    @inline(__always) static func skipUnescaped(_ buf: UnsafeBufferPointer<UInt8>, from pos: Int) -> Int {
        guard let base = buf.baseAddress else { return pos }
        var pos = pos
        while pos + 8 <= buf.count {
            let word = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
            if hasZeroByte(word & (ones &* 0xE0)) || hasByte(word, 0x22) || hasByte(word, 0x5C) { break }
            pos += 8
        }
        return pos
    }

    /// The first position at or after `pos` (before `end`) whose 8-byte word may hold a quote or
    /// a backslash (all that matters when skipping a string already validated).
    @inline(__always) static func skipUnquoted(_ buf: UnsafeBufferPointer<UInt8>, from pos: Int, end: Int) -> Int {
        guard let base = buf.baseAddress else { return pos }
        var pos = pos
        while pos + 8 <= end {
            let word = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
            if hasByte(word, 0x22) || hasByte(word, 0x5C) { break }
            pos += 8
        }
        return pos
    }
}
