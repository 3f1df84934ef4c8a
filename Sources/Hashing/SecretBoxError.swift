// SecretBoxError: why `SecretBox` refused a key or a sealed value. The cases are precise so an
// operator can tell a truncated or foreign value from a wrong key, yet none of them says which
// bytes differed (an authentication failure is one undivided answer).

/// A refused key or sealed value.
public enum SecretBoxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The master key is not 32 bytes.
    case invalidKeyLength(Int)
    /// The value is shorter than version + nonce + tag, so it cannot be a sealed value.
    case tooShort(byteCount: Int)
    /// The first byte names a format this build does not know.
    case unknownVersion(UInt8)
    /// The tag does not match: wrong key, wrong associated data, or modified bytes.
    case authenticationFailed

    public var description: String {
        switch self {
        case .invalidKeyLength(let count):
            "the master key must be \(SecretBox.keyByteCount) bytes (got \(count))"
        case .tooShort(let count):
            "sealed value is too short: \(count) bytes, at least \(SecretBox.overheadByteCount) needed"
        case .unknownVersion(let version):
            "sealed value has unknown format version \(version) (this build reads version \(SecretBox.formatVersion))"
        case .authenticationFailed:
            "sealed value failed authentication: wrong key, wrong context, or the stored bytes were modified"
        }
    }
}
