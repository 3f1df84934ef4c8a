import Foundation
import HTTPServer
import Synchronization

/// Per-key request rate limits: a token bucket per key, holding up to `limit` requests and
/// refilled continuously at `limit` per minute, so a key may burst its whole minute at once but
/// not sustain more than its rate. Buckets are created on first use and dropped when full and
/// idle (a full bucket is the same as no bucket), so memory follows the active keys.
///
/// Why a bucket rather than fixed windows: a window lets a client send twice its limit across a
/// window edge; a bucket never does.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var limit: Int
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock = ContinuousClock()

    public init() {}

    /// Takes one request from `key`'s bucket of `limit` per minute; the status to report either way.
    public func take(_ key: String, limit: Int) -> RateLimitStatus {
        let now = clock.now
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit), limit: limit, updated: now)
            if bucket.limit != limit {
                bucket.tokens = min(bucket.tokens, Double(limit))
                bucket.limit = limit
            }
            let perSecond = Double(limit) / 60
            bucket.tokens = min(Double(limit), bucket.tokens + perSecond * (now - bucket.updated).seconds)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > 10_000 { Self.dropFull(&buckets, now: now) }
            let missing = Double(limit) - bucket.tokens
            return RateLimitStatus(
                allowed: allowed, limit: limit, remaining: Int(bucket.tokens.rounded(.down)),
                secondsUntilFull: missing / perSecond,
                retryAfterSeconds: allowed ? 0 : Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }

    /// The state of `key`'s bucket without taking from it (`allowed` says whether a request
    /// would be).
    public func peek(_ key: String, limit: Int) -> RateLimitStatus {
        let now = clock.now
        return buckets.withLock { buckets in
            let perSecond = Double(limit) / 60
            let stored = buckets[key]
            let tokens = stored.map { min(Double(limit), $0.tokens + perSecond * (now - $0.updated).seconds) } ?? Double(limit)
            return RateLimitStatus(
                allowed: tokens >= 1, limit: limit, remaining: Int(tokens.rounded(.down)),
                secondsUntilFull: (Double(limit) - tokens) / perSecond,
                retryAfterSeconds: tokens >= 1 ? 0 : Int(((1 - tokens) / perSecond).rounded(.up)))
        }
    }

    /// Forgets buckets that would be full by now (their keys have been idle long enough).
    private static func dropFull(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + Double(bucket.limit) / 60 * (now - bucket.updated).seconds < Double(bucket.limit)
        }
    }

    /// Number of buckets held (for tests).
    public var bucketCount: Int { buckets.withLock { $0.count } }
}

/// The state of one key's limit after a request.
public struct RateLimitStatus: Sendable, Hashable {
    public var allowed: Bool
    /// Requests per minute.
    public var limit: Int
    public var remaining: Int
    public var secondsUntilFull: Double
    /// When refused: seconds until one request is allowed again (at least 1).
    public var retryAfterSeconds: Int

    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds when
    /// the bucket is full again), plus `Retry-After` on a refusal.
    public var headers: [(String, String)] {
        let reset = Int((Date().timeIntervalSince1970 + secondsUntilFull).rounded(.up))
        var headers = [("X-RateLimit-Limit", String(limit)), ("X-RateLimit-Remaining", String(remaining)), ("X-RateLimit-Reset", String(reset))]
        if !allowed { headers.append(("Retry-After", String(max(1, retryAfterSeconds)))) }
        return headers
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
