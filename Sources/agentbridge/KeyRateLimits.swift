import Hashing
import HTTPServer
import MCPHTTP
import Platform
import Storage
import Synchronization

/// Per-key rate limits on the HTTP surfaces (`/mcp`, `/mcp/agents/<id>`): each verified key takes
/// a request from its bucket (`keys create --rate-limit`, else the server's `--rate-limit`; no
/// limit when neither is set). Over the limit, the request is answered 429 before it reaches MCP;
/// admitted requests carry `X-RateLimit-Limit/Remaining/Reset` on their response.
///
/// The state of an admitted request is kept under a digest of the presented key until its
/// response asks for the headers, so the key is looked up once per request.
final class KeyRateLimits: Sendable {
    let limiter = RateLimiter()
    /// Requests per minute for keys without their own limit; nil for none.
    let defaultLimit: Int?
    /// Failed authentications per client address (key guessing).
    let failures: FailedAuthGuard
    private let admitted = Mutex<[String: RateLimitStatus]>([:])

    init(defaultLimit: Int?, failedAuthPerMinute: Int = 30, database: Database? = nil) {
        self.defaultLimit = defaultLimit
        self.failures = FailedAuthGuard(budgetPerMinute: failedAuthPerMinute, database: database)
    }

    /// Takes one request of `principal` arriving with `request`; the refusal when over the limit.
    func admit(_ principal: Principal, _ request: HTTPRequest) -> Authenticator.Outcome? {
        guard let keyID = principal.keyID, let limit = principal.rateLimitPerMinute ?? defaultLimit else { return nil }
        let status = limiter.take(keyID, limit: limit)
        guard status.allowed else { return .limited(status) }
        if let digest = Self.digest(request) {
            admitted.withLock { map in
                if map.count >= 10_000 { map.removeAll() }  // responses that never asked (bounded)
                map[digest] = status
            }
        }
        return nil
    }

    /// The limit headers for the response to `request`, when it was admitted under a limit.
    func headers(for request: HTTPRequest) -> [(String, String)] {
        guard let digest = Self.digest(request), let status = admitted.withLock({ $0.removeValue(forKey: digest) }) else { return [] }
        return status.headers
    }

    private static func digest(_ request: HTTPRequest) -> String? {
        Authenticator.presentedToken(request).map { Hex.encode(Array(SHA256.hash($0).prefix(16))) }
    }
}
