/// Where to cut one fuzz input into the pieces an incremental parser receives.
///
/// Why derived from the input instead of read from it: the seed corpus stays plain protocol text
/// (a real request, a real event stream) that people can read and edit, while every mutation of
/// it still moves the cuts. Pieces are mostly tiny (one to three bytes, so every boundary inside
/// a CRLF, a UTF-8 sequence or a chunk-size line is tried) with some larger ones mixed in.
public struct ChunkPlan {
    private var state: UInt64

    /// A plan seeded by the FNV-1a hash of `bytes` and `salt` (to get several plans per input).
    public init(_ bytes: UnsafeBufferPointer<UInt8>, salt: UInt64 = 0) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
        for b in bytes {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01b3
        }
        state = hash
    }

    /// SplitMix64: small, fast and good enough to scatter cut points.
    public mutating func nextRandom() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Consecutive ranges covering `0..<count`, none empty.
    public mutating func pieces(_ count: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let r = nextRandom()
            let length: Int
            switch r % 8 {
            case 0, 1, 2: length = 1
            case 3, 4: length = 2 + Int((r >> 8) % 2)
            case 5, 6: length = 1 + Int((r >> 8) % 64)
            default: length = 1 + Int((r >> 8) % UInt64(count))
            }
            let end = min(count, start + length)
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
