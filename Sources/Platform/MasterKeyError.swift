// MasterKeyError: why the credential vault's master key could not be loaded or created. Each
// message says what to do (set the variable correctly, chmod the file, …) and never contains key
// material.

/// A problem with the master key source.
public enum MasterKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `AGENTBRIDGE_MASTER_KEY` is set but is not base64url of exactly 32 bytes.
    case invalidEnvironmentValue(reason: String)
    /// The key file exists but does not hold a key in the expected format.
    case invalidKeyFile(path: String, reason: String)
    /// The key file's permissions let group or other users read or write it.
    case insecurePermissions(path: String, mode: UInt32)
    /// The key path exists but is not a regular file.
    case notARegularFile(path: String)
    /// A system call failed (`operation` names it, `message` is `strerror`).
    case io(path: String, operation: String, message: String)

    public var description: String {
        switch self {
        case .invalidEnvironmentValue(let reason):
            "\(MasterKey.environmentVariable) is invalid: \(reason); it must be the unpadded base64url encoding of exactly 32 random bytes (43 characters)"
        case .invalidKeyFile(let path, let reason):
            "master key file \(path) is invalid: \(reason); it must hold the unpadded base64url encoding of exactly 32 bytes (43 characters)"
        case .insecurePermissions(let path, let mode):
            "master key file \(path) is accessible by group or other users (mode \(MasterKey.octal(mode))); run: chmod 600 \(path)"
        case .notARegularFile(let path):
            "master key path \(path) is not a regular file"
        case .io(let path, let operation, let message):
            "master key file \(path): \(operation) failed: \(message)"
        }
    }
}
