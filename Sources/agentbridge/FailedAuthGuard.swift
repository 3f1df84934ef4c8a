import HTTPServer
import MCPHTTP
import Platform
import Storage
import Synchronization

/// Brute-force protection for API keys on the HTTP surfaces: each client address may fail
/// authentication `budget` times per minute (a token bucket); beyond that, its requests are
/// answered 429 before any key is looked up, so guessing keys costs a minute per `budget`
/// guesses. Failures are audited (the address and why, never the presented text), at most
/// `budget` records per address per minute plus one when the address gets limited, so an attack
/// cannot flood the audit log either.
final class FailedAuthGuard: Sendable {
    let budget: Int
    private let limiter = RateLimiter()
    private let database: Database?
    /// Addresses audited as limited (until they are within budget again).
    private let limited = Mutex<Set<String>>([])

    init(budgetPerMinute: Int, database: Database?) {
        self.budget = budgetPerMinute
        self.database = database
    }

    /// The 429 refusal when `request`'s address has used up its failures (audited once each
    /// time the address becomes limited).
    func refusal(_ request: HTTPRequest) -> Authenticator.Outcome? {
        let address = Self.address(request)
        let status = limiter.peek("fail:" + address, limit: budget)
        if status.allowed {
            limited.withLock { _ = $0.remove(address) }
            return nil
        }
        if limited.withLock({ $0.insert(address).inserted }) {
            audit(AuditEntry(action: "auth.limited", outcome: .denied, detail: [
                "remote": .string(address), "reason": .string("more than \(budget) failed authentications in a minute"),
            ]))
        }
        return .limited(status)
    }

    /// Records a failed authentication from `request` (and audits it while within budget).
    func recordFailure(_ request: HTTPRequest, reason: String) {
        let address = Self.address(request)
        let status = limiter.take("fail:" + address, limit: budget)
        guard status.allowed else { return }
        audit(AuditEntry(action: "auth.failed", outcome: .denied, detail: ["remote": .string(address), "reason": .string(reason)]))
    }

    private func audit(_ entry: AuditEntry) {
        guard let database else { return }
        let anonymous = Principal(workspaceID: Workspace.defaultID, keyID: "unauthenticated", scopes: [], agentIDs: nil)
        _ = try? AuditLog(database: database).record(entry, caller: Caller(principal: anonymous, origin: .http))
    }

    /// The client's address without its port (one budget per host, whatever port it uses).
    static func address(_ request: HTTPRequest) -> String {
        let remote = request.remoteAddress
        if remote.hasPrefix("["), let end = remote.firstIndex(of: "]") { return String(remote[...end]) }
        if let colon = remote.lastIndex(of: ":"), remote.firstIndex(of: ":") == colon { return String(remote[..<colon]) }
        return remote
    }
}
