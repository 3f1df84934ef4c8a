// CredentialSecretError: why the runtime resolver could not produce a stored secret. Almost always
// the master key differs from the one the secret was sealed with (a new key file, a changed
// AGENTBRIDGE_MASTER_KEY) — the message says so. It names the credential, never its value.

import Hashing

/// A stored credential that cannot be decrypted.
public struct CredentialSecretError: Error, Sendable, Hashable, CustomStringConvertible {
    public let workspaceID: String
    public let name: String
    public let cause: SecretBoxError

    public init(workspaceID: String, name: String, cause: SecretBoxError) {
        self.workspaceID = workspaceID
        self.name = name
        self.cause = cause
    }

    public var description: String {
        let hint = cause == .authenticationFailed
            ? "the master key (\(MasterKey.environmentVariable) or the key file) is probably not the one it was stored with; restore that key or set the credential again"
            : "the stored value is damaged; set the credential again"
        return "credential \"\(name)\" in workspace \"\(workspaceID)\" cannot be decrypted (\(cause)): \(hint)"
    }
}
