// SecureRandom: unpredictable bytes for session ids, bearer tokens and HMAC keys. It draws on
// SystemRandomNumberGenerator, which the standard library documents as cryptographically
// secure (getrandom(2) on Linux, arc4random_buf on Darwin), so no file descriptors or
// platform code are needed here.

/// Cryptographically secure random bytes and tokens from the operating system.
public enum SecureRandom {
    /// `count` random bytes from the system CSPRNG. `count` must not be negative.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: count must not be negative")
        var generator = SystemRandomNumberGenerator()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            while index < count {
                var word = generator.next()  // 8 fresh bytes per call
                let take = min(8, count - index)
                withUnsafeBytes(of: &word) { wordBytes in
                    for offset in 0..<take {
                        buffer[index + offset] = wordBytes[offset]
                    }
                }
                index += take
            }
            initialized = count
        }
    }

    /// A random token: `bytes` random bytes as unpadded base64url (43 characters for the
    /// default 32 bytes, i.e. 256 bits).
    public static func token(bytes: Int = 32) -> String {
        Base64URL.encode(self.bytes(bytes))
    }
}
