// HMACSHA256: RFC 2104 keyed message authentication over SHA-256, for signing and checking
// tokens without a crypto dependency. The key pads are hashed once at init; because SHA256 is
// a value type, the prepared inner and outer hashers are simply stored and finished later.
// Compare codes with ConstantTime.equals, never ==.

/// An incremental HMAC-SHA-256 (RFC 2104) authenticator.
///
///     var mac = HMACSHA256(key: secret)
///     mac.update(message)
///     let code = mac.finalize()   // 32 bytes
public struct HMACSHA256: Sendable {
    /// The authentication code length in bytes.
    public static let byteCount = SHA256.digestByteCount

    /// A SHA-256 hasher that has already absorbed `key ⊕ ipad`.
    private var inner: SHA256
    /// A SHA-256 hasher that has already absorbed `key ⊕ opad`.
    private let outer: SHA256

    /// Prepares an authenticator for `key`. Keys longer than the 64-byte block are hashed
    /// first; shorter keys are zero-padded (RFC 2104 §2).
    public init(key: some Collection<UInt8>) {
        var block = [UInt8](repeating: 0, count: SHA256.blockByteCount)
        if key.count > SHA256.blockByteCount {
            let digest = SHA256.hash(key)
            block.replaceSubrange(0..<digest.count, with: digest)
        } else {
            var index = 0
            for byte in key {
                block[index] = byte
                index += 1
            }
        }
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        for index in block.indices { block[index] = 0 }
        self.inner = inner
        self.outer = outer
    }

    /// Feeds message bytes from raw memory.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        inner.update(bytes)
    }

    /// Feeds message bytes from an array.
    public mutating func update(_ bytes: [UInt8]) {
        inner.update(bytes)
    }

    /// Feeds message bytes from any collection.
    public mutating func update<B: Collection>(_ bytes: B) where B.Element == UInt8 {
        inner.update(bytes)
    }

    /// Returns the 32-byte authentication code. Consumes the authenticator.
    public consuming func finalize() -> [UInt8] {
        let innerDigest = inner.finalize()
        var outer = self.outer
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// The HMAC-SHA-256 of `message` under `key`.
    public static func authenticationCode(
        for message: some Collection<UInt8>,
        key: some Collection<UInt8>
    ) -> [UInt8] {
        var mac = HMACSHA256(key: key)
        mac.update(message)
        return mac.finalize()
    }
}
