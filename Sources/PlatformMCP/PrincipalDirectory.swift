// PrincipalDirectory: who a request's principal string stands for. The HTTP authenticator checks
// the key on every request and leaves the resulting `Principal` here under the key id, which is
// the principal string the MCP layer carries in `RequestContext`; the platform tools read it
// back, so a request is served with exactly the rights its key had when it arrived (a revoked key
// is refused before it gets here). stdio has a single fixed principal.

import MCPServer
import Platform
import Synchronization

/// Maps `RequestContext.principal` to the platform `Principal`.
public final class PrincipalDirectory: Sendable {
    private let known = Mutex<[String: Principal]>([:])
    private let fixed: Principal?

    /// A directory filled by an authenticator (HTTP).
    public init() { fixed = nil }

    /// Every request is `principal` (stdio: the local administrator, or the key from the
    /// environment).
    public init(fixed principal: Principal) { fixed = principal }

    /// Records the principal an authenticator just verified (keyed by its actor id).
    public func remember(_ principal: Principal) {
        known.withLock { $0[principal.actorID] = principal }
    }

    /// The principal of `context`, or nil when no authenticator vouched for it.
    public func principal(for context: RequestContext) -> Principal? {
        if let fixed { return fixed }
        return known.withLock { $0[context.principal] }
    }
}
