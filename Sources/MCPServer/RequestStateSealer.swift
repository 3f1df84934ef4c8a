import Foundation
import Hashing
import JSON
import JSONRPC

/// Seals and opens the 2026 `requestState` token of multi-round-trip requests.
///
/// The client echoes the token byte for byte, so it is attacker-controlled: it is HMAC-SHA256
/// signed, bound to the method, a digest of the salient params, the principal, and an expiry.
/// Any mismatch is answered with −32602. The token also carries the answers of earlier rounds, so
/// a handler that asks twice sees both answers on the last round (the client only resends the
/// newest ones). It is signed, not encrypted: it holds nothing the client did not send or may not see.
public struct RequestStateSealer: Sendable {
    public struct Opened: Sendable {
        public var responses: JSONObject
        public var state: JSONValue?
    }

    private let key: [UInt8]
    public let lifetime: Duration

    public init(key: [UInt8] = SecureRandom.bytes(32), lifetime: Duration = .seconds(600)) {
        self.key = key
        self.lifetime = lifetime
    }

    /// Digest of the request params that must not change between rounds.
    public static func paramsDigest(_ params: JSONObject) -> String {
        var p = params
        p["_meta"] = nil
        p["inputResponses"] = nil
        p["requestState"] = nil
        return Base64URL.encode(SHA256.hash(JSONWriter.bytes(.object(p), sortKeys: true)))
    }

    public func seal(method: String, params: JSONObject, principal: String, responses: JSONObject, state: JSONValue?, now: Date = Date()) -> String {
        let expiry = Int64((now.timeIntervalSince1970 + Double(lifetime.components.seconds)) * 1000)
        var payload: JSONObject = [
            "m": .string(method), "d": .string(Self.paramsDigest(params)), "p": .string(principal),
            "e": .int(expiry),
        ]
        if !responses.isEmpty { payload["r"] = .object(responses) }
        if let state { payload["s"] = state }
        let body = "v1." + Base64URL.encode(JSONWriter.bytes(.object(payload)))
        let mac = HMACSHA256.authenticationCode(for: Array(body.utf8), key: key)
        return body + "." + Base64URL.encode(mac)
    }

    public func open(_ token: String, method: String, params: JSONObject, principal: String, now: Date = Date()) throws(JSONRPCError) -> Opened {
        let invalid = JSONRPCError.invalidParams("Invalid or expired requestState")
        guard token.utf8.count < 1 << 20, token.hasPrefix("v1."), let dot = token.lastIndex(of: ".") else { throw invalid }
        let body = String(token[..<dot])
        guard let mac = Base64URL.decode(String(token[token.index(after: dot)...])),
            ConstantTime.equals(mac, HMACSHA256.authenticationCode(for: Array(body.utf8), key: key)),
            let raw = Base64URL.decode(String(body.dropFirst(3))),
            let payload = try? JSONParser.parse(raw).objectValue
        else { throw invalid }
        guard payload["m"]?.stringValue == method,
            payload["d"]?.stringValue == Self.paramsDigest(params),
            payload["p"]?.stringValue == principal,
            let expiry = payload["e"]?.intValue, Double(expiry) / 1000 > now.timeIntervalSince1970
        else { throw invalid }
        return Opened(responses: payload["r"]?.objectValue ?? [:], state: payload["s"])
    }
}
