import MCPHTTP
import Testing

/// The token bucket behind per-key rate limits: a full bucket admits `limit` requests at once,
/// then refuses with a Retry-After of at least one second; keys never share a bucket; a changed
/// limit applies at once without granting more than the new limit.
@Suite("Rate limiter")
struct RateLimiterTests {
    @Test func aBucketAdmitsItsLimitThenRefuses() {
        let limiter = RateLimiter()
        let statuses = (0..<5).map { _ in limiter.take("key_a", limit: 5) }
        #expect(statuses.allSatisfy { $0.allowed })
        #expect(statuses.map(\.remaining) == [4, 3, 2, 1, 0])
        let refused = limiter.take("key_a", limit: 5)
        #expect(!refused.allowed && refused.remaining == 0)
        #expect(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 12, "one token of 5/min takes up to 12 s")
        let names = refused.headers.map(\.0)
        #expect(names == ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"])
        #expect(limiter.take("key_b", limit: 5).allowed, "another key has its own bucket")
    }

    @Test func loweringTheLimitCapsTheBucket() {
        let limiter = RateLimiter()
        _ = limiter.take("k", limit: 100)
        let lowered = limiter.take("k", limit: 2)
        #expect(lowered.allowed && lowered.remaining == 1 && lowered.limit == 2)
        #expect(limiter.take("k", limit: 2).allowed)
        #expect(!limiter.take("k", limit: 2).allowed, "no more than the new limit, whatever the old bucket held")
    }
}
