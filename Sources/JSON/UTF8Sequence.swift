/// The RFC 3629 rule for one multi-byte UTF-8 sequence (no overlongs, no surrogates, nothing
/// above U+10FFFF), shared by `JSONParser` and `JSONScanner` so the two can never disagree on
/// what a valid string is.
enum UTF8Sequence {
    enum Outcome {
        case valid(length: Int)
        case badLeadByte
        case truncated
        /// The continuation byte at this offset from the lead byte is wrong.
        case badContinuation(at: Int)
    }

    /// What the sequence whose lead byte (0x80 or above) is at `pos` is.
    @inline(__always)
    static func check(_ buf: UnsafeBufferPointer<UInt8>, at pos: Int) -> Outcome {
        let need: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch buf[pos] {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F
        case 0xF0: need = 3; lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F
        default: return .badLeadByte
        }
        guard pos + need < buf.count else { return .truncated }
        let b1 = buf[pos + 1]
        guard b1 >= lower && b1 <= upper else { return .badContinuation(at: 1) }
        if need >= 2 {
            for i in 2...need where buf[pos + i] & 0xC0 != 0x80 { return .badContinuation(at: i) }
        }
        return .valid(length: need + 1)
    }
}
