// SecretBox: authenticated encryption of small secrets (credential values) at rest, built only
// from this module's SHA-256 and HMAC because the package takes no dependencies and Linux offers
// no system AEAD through the standard library. The construction is deliberately plain:
//
//   encKey = HMAC-SHA256(masterKey, "agentbridge.secretbox.v1.encryption")
//   macKey = HMAC-SHA256(masterKey, "agentbridge.secretbox.v1.authentication")
//   nonce  = 16 fresh bytes from the system CSPRNG, per seal
//   block i of the keystream = HMAC-SHA256(encKey, nonce ‖ UInt64-big-endian(i)), i = 0, 1, …
//   ciphertext = plaintext XOR keystream                                   (CTR mode, a PRF)
//   tag = HMAC-SHA256(macKey, version ‖ nonce ‖ UInt64-big-endian(|ad|) ‖ ad ‖ ciphertext)
//   sealed = version ‖ nonce ‖ ciphertext ‖ tag                           (encrypt-then-MAC)
//
// HMAC-SHA256 keyed with a uniformly random 32-byte key is a PRF, so deriving the two keys with
// distinct labels gives independent keys, the CTR keystream is indistinguishable from random as
// long as (nonce, counter) never repeats (a 128-bit random nonce makes a repeat negligible for
// any realistic number of seals), and the MAC over everything the opener parses (the version,
// nonce, the length-prefixed associated data and the ciphertext) makes any modification or any
// swap between contexts fail before a byte is decrypted. Associated data is not stored; the
// caller supplies it again on open (the credential vault passes workspace + NUL + name, so a
// sealed blob copied to another row does not open).

/// Authenticated encryption (encrypt-then-MAC, HMAC-SHA256 in CTR mode) under one 32-byte key.
///
///     let box = try SecretBox(masterKey: key)
///     let sealed = box.seal(Array("s3cret".utf8), associatedData: Array("row-1".utf8))
///     let plain = try box.open(sealed, associatedData: Array("row-1".utf8))
public struct SecretBox: Sendable {
    /// The format version written as the first byte of every sealed value.
    public static let formatVersion: UInt8 = 1
    /// Required master key length in bytes.
    public static let keyByteCount = 32
    /// Random nonce length in bytes.
    public static let nonceByteCount = 16
    /// Authentication tag length in bytes.
    public static let tagByteCount = HMACSHA256.byteCount
    /// Bytes a sealed value adds to its plaintext (version + nonce + tag).
    public static let overheadByteCount = 1 + nonceByteCount + tagByteCount

    static let encryptionLabel = Array("agentbridge.secretbox.v1.encryption".utf8)
    static let authenticationLabel = Array("agentbridge.secretbox.v1.authentication".utf8)

    /// HMAC prepared with the encryption key (copied for each keystream block).
    private let keystream: HMACSHA256
    /// HMAC prepared with the authentication key.
    private let authenticator: HMACSHA256

    /// A box for `masterKey`, which must be exactly 32 bytes (e.g. from `SecureRandom.bytes(32)`).
    public init(masterKey: [UInt8]) throws(SecretBoxError) {
        guard masterKey.count == Self.keyByteCount else { throw .invalidKeyLength(masterKey.count) }
        let keys = Self.deriveKeys(masterKey: masterKey)
        keystream = HMACSHA256(key: keys.encryption)
        authenticator = HMACSHA256(key: keys.authentication)
    }

    /// The two subkeys derived from the master key with domain-separated labels.
    static func deriveKeys(masterKey: [UInt8]) -> (encryption: [UInt8], authentication: [UInt8]) {
        (
            HMACSHA256.authenticationCode(for: encryptionLabel, key: masterKey),
            HMACSHA256.authenticationCode(for: authenticationLabel, key: masterKey)
        )
    }

    // MARK: - Seal

    /// Encrypts and authenticates `plaintext`, binding it to `associatedData` (which is
    /// authenticated but not stored: pass the same bytes to `open`). Every call uses a fresh
    /// random nonce, so sealing the same plaintext twice gives different output.
    public func seal(_ plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        seal(plaintext, associatedData: associatedData, nonce: SecureRandom.bytes(Self.nonceByteCount))
    }

    /// Seals with a given nonce. Internal: only known-answer tests may choose the nonce, because
    /// reusing one under the same key reveals the XOR of the two plaintexts.
    func seal(_ plaintext: [UInt8], associatedData: [UInt8], nonce: [UInt8]) -> [UInt8] {
        precondition(nonce.count == Self.nonceByteCount, "SecretBox nonce must be \(Self.nonceByteCount) bytes")
        var sealed = [UInt8]()
        sealed.reserveCapacity(plaintext.count + Self.overheadByteCount)
        sealed.append(Self.formatVersion)
        sealed.append(contentsOf: nonce)
        let start = sealed.count
        sealed.append(contentsOf: plaintext)
        applyKeystream(nonce: nonce, to: &sealed, from: start)
        let tag = self.tag(nonce: nonce, associatedData: associatedData, ciphertext: sealed[start...])
        sealed.append(contentsOf: tag)
        return sealed
    }

    // MARK: - Open

    /// Checks and decrypts a value made by `seal` under the same key and associated data.
    /// The tag is compared in constant time and nothing is decrypted unless it matches.
    public func open(_ sealed: [UInt8], associatedData: [UInt8]) throws(SecretBoxError) -> [UInt8] {
        guard sealed.count >= Self.overheadByteCount else { throw .tooShort(byteCount: sealed.count) }
        guard sealed[0] == Self.formatVersion else { throw .unknownVersion(sealed[0]) }
        let nonce = Array(sealed[1..<(1 + Self.nonceByteCount)])
        let start = 1 + Self.nonceByteCount
        let end = sealed.count - Self.tagByteCount
        let expected = tag(nonce: nonce, associatedData: associatedData, ciphertext: sealed[start..<end])
        guard ConstantTime.equals(expected, sealed[end...]) else { throw .authenticationFailed }
        var plaintext = Array(sealed[start..<end])
        applyKeystream(nonce: nonce, to: &plaintext, from: 0)
        return plaintext
    }

    // MARK: - Construction

    /// XORs the keystream for `nonce` into `bytes[start...]`.
    private func applyKeystream(nonce: [UInt8], to bytes: inout [UInt8], from start: Int) {
        var offset = start
        var counter: UInt64 = 0
        while offset < bytes.count {
            var block = keystream
            block.update(nonce)
            block.update(Self.bigEndianBytes(counter))
            let pad = block.finalize()
            let take = min(pad.count, bytes.count - offset)
            for index in 0..<take { bytes[offset + index] ^= pad[index] }
            offset += take
            counter += 1
        }
    }

    private func tag(nonce: [UInt8], associatedData: [UInt8], ciphertext: ArraySlice<UInt8>) -> [UInt8] {
        var mac = authenticator
        mac.update([Self.formatVersion])
        mac.update(nonce)
        mac.update(Self.bigEndianBytes(UInt64(associatedData.count)))
        mac.update(associatedData)
        mac.update(ciphertext)
        return mac.finalize()
    }

    private static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { index in UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(index))) }
    }
}
