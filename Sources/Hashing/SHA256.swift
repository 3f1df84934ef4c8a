// SHA256: the FIPS 180-4 SHA-256 hash, written here because the package takes no dependencies
// and Foundation on Linux offers no digest API. It is incremental (init, update, finalize) so
// callers can hash data as it arrives, and it is built for speed: state and the pending block
// live in fixed-size inline storage, full 64-byte blocks are hashed straight from the caller's
// memory without copying, and the compression loop uses wrapping arithmetic with no heap
// allocation per block.

/// An incremental SHA-256 hasher (FIPS 180-4).
///
///     var hasher = SHA256()
///     hasher.update(firstChunk)
///     hasher.update(secondChunk)
///     let digest = hasher.finalize()   // 32 bytes
///
/// `SHA256` is a value type: copying a hasher forks its state, which is how HMAC reuses
/// precomputed key pads.
public struct SHA256: Sendable {
    /// The digest length in bytes.
    public static let digestByteCount = 32
    /// The block length in bytes; HMAC pads keys to this size.
    public static let blockByteCount = 64

    /// The eight working hash words H0…H7.
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// A partially filled 64-byte block, as raw bytes (8 × 8 bytes of inline storage).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// How many bytes of `pending` are in use (0..<64).
    private var pendingCount = 0
    /// Total message length so far, in bytes (modulo 2^64).
    private var totalByteCount: UInt64 = 0

    /// Creates a hasher in the FIPS 180-4 initial state.
    public init() {}

    // MARK: - Feeding bytes

    /// Feeds bytes from raw memory. Whole 64-byte blocks are compressed in place without copying.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress, !bytes.isEmpty else { return }
        var remaining = bytes.count
        totalByteCount &+= UInt64(truncatingIfNeeded: remaining)

        // Top up a partial block first.
        if pendingCount > 0 {
            let offset = pendingCount
            let take = min(Self.blockByteCount - offset, remaining)
            withUnsafeMutableBytes(of: &pending) { block in
                (block.baseAddress! + offset).copyMemory(from: source, byteCount: take)
            }
            pendingCount += take
            source += take
            remaining -= take
            guard pendingCount == Self.blockByteCount else { return }
            withUnsafeBytes(of: &pending) { block in
                Self.compress(&state, blocks: block.baseAddress!, count: 1)
            }
            pendingCount = 0
        }

        // Hash whole blocks directly from the caller's memory.
        let wholeBlocks = remaining / Self.blockByteCount
        if wholeBlocks > 0 {
            Self.compress(&state, blocks: source, count: wholeBlocks)
            source += wholeBlocks * Self.blockByteCount
            remaining -= wholeBlocks * Self.blockByteCount
        }

        // Keep the tail for next time.
        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: source, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    /// Feeds the bytes of an array (fast path: no copy for whole blocks).
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds any collection of bytes. Contiguous collections (`Array`, `ArraySlice`, `Data`,
    /// `String.UTF8View`, …) take the raw-memory fast path; others are staged through a small
    /// stack buffer.
    public mutating func update<B: Collection>(_ bytes: B) where B.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled != nil { return }

        let stagingCapacity = 1024
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stagingCapacity) { staging in
            var used = 0
            for byte in bytes {
                staging[used] = byte
                used += 1
                if used == stagingCapacity {
                    update(UnsafeRawBufferPointer(staging))
                    used = 0
                }
            }
            if used > 0 {
                update(UnsafeRawBufferPointer(start: staging.baseAddress, count: used))
            }
        }
    }

    // MARK: - Finishing

    /// Applies the FIPS 180-4 padding and returns the 32-byte digest. Consumes the hasher;
    /// copy it first if you need to keep hashing.
    public consuming func finalize() -> [UInt8] {
        let bitLength = totalByteCount &* 8
        var used = pendingCount
        var block = pending
        var words = state
        withUnsafeMutableBytes(of: &block) { block in
            block[used] = 0x80
            used += 1
            if used > 56 {
                for index in used..<Self.blockByteCount { block[index] = 0 }
                Self.compress(&words, blocks: UnsafeRawPointer(block.baseAddress!), count: 1)
                used = 0
            }
            for index in used..<56 { block[index] = 0 }
            block.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
            Self.compress(&words, blocks: UnsafeRawPointer(block.baseAddress!), count: 1)
        }
        return [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { output, initialized in
            let raw = UnsafeMutableRawBufferPointer(output)
            raw.storeBytes(of: words.0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: words.1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: words.2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: words.3.bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: words.4.bigEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: words.5.bigEndian, toByteOffset: 20, as: UInt32.self)
            raw.storeBytes(of: words.6.bigEndian, toByteOffset: 24, as: UInt32.self)
            raw.storeBytes(of: words.7.bigEndian, toByteOffset: 28, as: UInt32.self)
            initialized = Self.digestByteCount
        }
    }

    // MARK: - One-shot helpers

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 digest of the UTF-8 encoding of `string`.
    public static func hash(_ string: String) -> [UInt8] {
        var hasher = SHA256()
        var string = string
        string.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }
}

// MARK: - Compression function

extension SHA256 {
    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// One of the 64 rounds. The working variables are passed `inout` rather than captured by a
    /// nested function: captured variables are boxed and every access is checked at run time in
    /// unoptimized builds, which made hashing in the debug-built test suite (audit chains, keys) ~5×
    /// slower.
    @inline(__always)
    private static func round(
        _ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32,
        _ e: inout UInt32, _ f: inout UInt32, _ g: inout UInt32, _ h: inout UInt32,
        _ k: UInt32, _ wt: UInt32
    ) {
        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let ch = (e & f) ^ (~e & g)
        let t1 = h &+ s1 &+ ch &+ k &+ wt
        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let maj = (a & b) ^ (a & c) ^ (b & c)
        let t2 = s0 &+ maj
        h = g
        g = f
        f = e
        e = d &+ t1
        d = c
        c = b
        b = a
        a = t1 &+ t2
    }

    /// Runs the compression function over `count` consecutive 64-byte blocks at `blocks`.
    /// The 16-word message schedule window lives in a stack allocation made once per call.
    private static func compress(
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        blocks: UnsafeRawPointer,
        count: Int
    ) {
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            var block = blocks
            for _ in 0..<count {
                var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7

                for t in 0..<16 {
                    let word = block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self).bigEndian
                    w[t] = word
                    round(&a, &b, &c, &d, &e, &f, &g, &h, roundConstants[t], word)
                }
                for t in 16..<64 {
                    let w15 = w[(t &- 15) & 15]
                    let w2 = w[(t &- 2) & 15]
                    let sigma0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 &>> 3)
                    let sigma1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 &>> 10)
                    let word = w[t & 15] &+ sigma0 &+ w[(t &- 7) & 15] &+ sigma1
                    w[t & 15] = word
                    round(&a, &b, &c, &d, &e, &f, &g, &h, roundConstants[t], word)
                }

                h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                block += blockByteCount
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }

    /// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the
    /// first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}
