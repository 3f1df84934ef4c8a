import Foundation
import Platform

/// Keeps a stdio surface honest about the key it was admitted with. Over HTTP every request is
/// checked against the key's current row, so revoking a key takes effect on its next request;
/// a stdio process (`stdio`, `stdio --agent`) is admitted once at start and a desktop client may
/// keep it for days. The watch re-reads the key every `interval` and, once the key is revoked,
/// expired or deleted, reports why so the process can stop serving as it.
///
/// A failure to read the database is not a revocation: the key keeps working and the next
/// check tries again (a locked or briefly unavailable file must not end a client's session).
enum KeyWatch {
    /// The exit status of a stdio process whose key stopped being valid (sysexits' `EX_NOPERM`).
    static let exitStatus: Int32 = 77

    /// Starts the watch for `secret`, or returns nil when the process has no key to watch.
    /// `lost` runs once, with the line to tell the operator.
    static func start(keys: APIKeyStore, secret: String?, interval: Duration,
                      lost: @escaping @Sendable (String) async -> Void) -> Task<Void, Never>? {
        guard let secret, !secret.isEmpty else { return nil }
        return Task.detached {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                let valid: Bool
                do { valid = try keys.isValid(secret: secret) } catch { continue }
                if !valid {
                    await lost("the key in $\(PlatformSurface.keyVariable) is no longer valid (revoked, expired or deleted); stopping")
                    return
                }
            }
        }
    }
}
