import Foundation
import HTTPServer
import Hashing

/// Maps each HTTP request to a principal before dispatch — the seam where API keys plug in.
///
/// The principal names who is asking: it binds multi-round-trip state and legacy sessions, and it
/// is what scopes will be checked against. A rejection becomes 401 with a `WWW-Authenticate:
/// Bearer` challenge, never a hint about which part was wrong.
public struct Authenticator: Sendable {
    public enum Outcome: Sendable {
        case principal(String)
        /// Missing, unknown, expired or revoked credentials: 401 `invalid_token`.
        case rejected(reason: String)
        /// Valid credentials without the scope this endpoint needs: 403 `insufficient_scope`.
        case forbidden(scope: String)
        /// Valid credentials over their request rate: 429 with `Retry-After` and the limit headers.
        case limited(RateLimitStatus)
    }

    /// Decides who `request` comes from.
    public let authenticate: @Sendable (HTTPRequest) -> Outcome
    /// Headers to add to the response of a request this authenticator admitted (e.g. the key's
    /// rate-limit state), or nil for none.
    public let responseHeaders: (@Sendable (HTTPRequest) -> [(String, String)])?

    public init(_ authenticate: @escaping @Sendable (HTTPRequest) -> Outcome,
                responseHeaders: (@Sendable (HTTPRequest) -> [(String, String)])? = nil) {
        self.authenticate = authenticate
        self.responseHeaders = responseHeaders
    }

    /// No authentication: every request is the `anonymous` principal (loopback development).
    public static let none = Authenticator { _ in .principal("anonymous") }

    /// One static bearer token from configuration (`Authorization: Bearer <token>` or
    /// `X-API-Key: <token>`), compared in constant time.
    public static func staticToken(_ token: String, principal: String = "token") -> Authenticator {
        let expected = Array(token.utf8)
        return Authenticator { request in
            guard let presented = Self.presentedToken(request) else { return .rejected(reason: "missing credentials") }
            return ConstantTime.equals(Array(presented.utf8), expected) ? .principal(principal) : .rejected(reason: "invalid token")
        }
    }

    /// The token from `Authorization: Bearer …` or `X-API-Key`.
    public static func presentedToken(_ request: HTTPRequest) -> String? {
        if let auth = request.headers["authorization"] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
        return request.headers["x-api-key"]
    }
}
