import Foundation
import Testing
@testable import Models

@Suite("Retry delays and Retry-After")
struct RetryTests {
    @Test func retryAfterReadsSecondsMillisecondsAndAllThreeHTTPDateFormats() {
        let now = Date(timeIntervalSince1970: 784_111_767)  // Sun, 06 Nov 1994 08:49:27 GMT
        #expect(RetryAfter.seconds(milliseconds: nil, value: "0", now: now) == 0)
        #expect(RetryAfter.seconds(milliseconds: nil, value: " 2.5 ", now: now) == 2.5)
        #expect(RetryAfter.seconds(milliseconds: "1500", value: "9", now: now) == 1.5)
        #expect(RetryAfter.seconds(milliseconds: nil, value: "Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 10)
        #expect(RetryAfter.seconds(milliseconds: nil, value: "Sunday, 06-Nov-94 08:49:37 GMT", now: now) == 10)
        #expect(RetryAfter.seconds(milliseconds: nil, value: "Sun Nov  6 08:49:37 1994", now: now) == 10)
        #expect(RetryAfter.seconds(milliseconds: nil, value: "Sat, 05 Nov 1994 08:49:37 GMT", now: now) == 0)
        #expect(RetryAfter.seconds(milliseconds: nil, value: "soon", now: now) == nil)
        #expect(RetryAfter.seconds(milliseconds: nil, value: "-3", now: now) == nil)
        #expect(RetryAfter.seconds(milliseconds: nil, value: nil, now: now) == nil)
        #expect(RetryAfter.httpDate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(RetryAfter.httpDate("Tue, 29 Feb 2000 12:00:00 GMT") == 951_825_600)
    }

    @Test func delaysGrowExponentiallyWithinTheCapAndHonourRetryAfter() {
        let policy = ModelRetryPolicy(maxRetries: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        for retry in 0..<8 {
            let full = min(Duration.milliseconds(100) * (1 << retry), .seconds(1))
            let delay = policy.delay(beforeRetry: retry, retryAfter: nil)
            #expect(delay >= full / 2 && delay <= full)
        }
        #expect(policy.delay(beforeRetry: 0, retryAfter: .seconds(0)) == .zero)
        #expect(policy.delay(beforeRetry: 0, retryAfter: .milliseconds(300)) == .milliseconds(300))
        #expect(policy.delay(beforeRetry: 0, retryAfter: .seconds(90)) == .seconds(1))
    }

    @Test func errorsDescribeThemselves() {
        #expect(ModelError.rateLimited(retryAfterSeconds: 2).description == "the model provider is rate limiting requests (retry after 2 s)")
        #expect(ModelError.timeout(seconds: 5).description == "the model did not finish within 5 s")
        #expect(ModelError.server(status: 502, message: "").description == "the model provider answered 502")
    }
}
