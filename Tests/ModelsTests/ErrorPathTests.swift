import HTTPServer
import JSON
import Models
import class HTTPTestSupport.RefusingPort
import Testing

@Suite("HTTP statuses, broken streams, deadlines and cancellation, for both providers")
struct ErrorPathTests {
    @Test(arguments: Provider.allCases, [401, 403])
    func refusedCredentialsAreUnauthorizedAndNotRetried(_ provider: Provider, _ status: Int) async throws {
        try await withFixture({ _, _ in .json(status, provider.errorBody("authentication_error", "invalid x-api-key")) }) {
            fixture, http in
            let error = try await hangGuard { await modelError(provider.client(fixture, http).stream(helloRequest)) }
            #expect(error == .unauthorized(provider: provider.rawValue))
            #expect(fixture.requests.count == 1)
        }
    }

    @Test(arguments: Provider.allCases)
    func a429WithRetryAfterZeroIsRetriedAndTheRetryStreamsOnce(_ provider: Provider) async throws {
        try await withFixture({ _, index in
            index == 0
                ? .json(429, provider.errorBody("rate_limit_error", "slow down"), headers: ["retry-after": "0"])
                : sseResponse(provider.textTranscript)
        }) { fixture, http in
            let events = try await hangGuard { try await collect(provider.client(fixture, http).stream(helloRequest)) }
            #expect(events == provider.textEvents)
            #expect(fixture.requests.count == 2)
        }
    }

    @Test(arguments: Provider.allCases)
    func a429ThatPersistsIsRateLimitedWithTheLastRetryAfter(_ provider: Provider) async throws {
        try await withFixture({ _, _ in
            .json(429, provider.errorBody("rate_limit_error", "slow down"), headers: ["retry-after": "0"])
        }) { fixture, http in
            let client = provider.client(fixture, http, retry: ModelRetryPolicy(maxRetries: 1, baseDelay: .milliseconds(1)))
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            #expect(error == .rateLimited(retryAfterSeconds: 0))
            #expect(fixture.requests.count == 2)
        }
    }

    @Test(arguments: Provider.allCases)
    func aRetryAfterBeyondTheDeadlineIsReportedAtOnce(_ provider: Provider) async throws {
        try await withFixture({ _, _ in
            .json(429, provider.errorBody("rate_limit_error", "slow down"), headers: ["retry-after": "3600"])
        }) { fixture, http in
            let retry = ModelRetryPolicy(maxRetries: 3, baseDelay: .milliseconds(1), maxDelay: .seconds(120))
            let client = provider.client(fixture, http, timeoutSeconds: 30, retry: retry)
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            #expect(error == .rateLimited(retryAfterSeconds: 3600))
            #expect(fixture.requests.count == 1)  // waiting 120 s would only end in a timeout
        }
    }

    @Test(arguments: Provider.allCases)
    func a500IsRetriedWithBackoffAndTheRetrySucceeds(_ provider: Provider) async throws {
        try await withFixture({ _, index in
            index == 0 ? .json(500, provider.errorBody("api_error", "Internal server error")) : sseResponse(provider.textTranscript)
        }) { fixture, http in
            let events = try await hangGuard { try await collect(provider.client(fixture, http).stream(helloRequest)) }
            #expect(events == provider.textEvents)
            #expect(fixture.requests.count == 2)
        }
    }

    @Test(arguments: Provider.allCases, [503, 529])
    func a5xxThatPersistsIsAServerErrorWithTheProvidersMessage(_ provider: Provider, _ status: Int) async throws {
        try await withFixture({ _, _ in .json(status, provider.errorBody("overloaded_error", "Overloaded")) }) { fixture, http in
            let error = try await hangGuard { await modelError(provider.client(fixture, http).stream(helloRequest)) }
            #expect(error == .server(status: status, message: "overloaded_error: Overloaded"))
            #expect(fixture.requests.count == 3)  // the first attempt and fastRetry's two retries
        }
    }

    @Test(arguments: Provider.allCases)
    func a400IsReportedAtOnceWithTheProvidersMessage(_ provider: Provider) async throws {
        try await withFixture({ _, _ in
            .json(400, provider.errorBody("invalid_request_error", "max_tokens: 0 is less than the minimum of 1"))
        }) { fixture, http in
            let error = try await hangGuard { await modelError(provider.client(fixture, http).stream(helloRequest)) }
            #expect(error == .server(status: 400, message: "invalid_request_error: max_tokens: 0 is less than the minimum of 1"))
            #expect(fixture.requests.count == 1)
        }
    }

    @Test(arguments: Provider.allCases)
    func aLongErrorMessageIsTruncated(_ provider: Provider) async throws {
        let long = String(repeating: "very long explanation ", count: 100)
        try await withFixture({ _, _ in .json(422, provider.errorBody("invalid_request_error", long)) }) { fixture, http in
            let error = try await hangGuard { await modelError(provider.client(fixture, http).stream(helloRequest)) }
            guard case .server(422, let message)? = error else {
                Issue.record("expected server(422), got \(String(describing: error))")
                return
            }
            #expect(message.count <= 301)
            #expect(message.hasPrefix("invalid_request_error: very long explanation"))
        }
    }

    @Test(arguments: Provider.allCases)
    func aStreamThatEndsEarlyIsMalformedAfterTheTextItDelivered(_ provider: Provider) async throws {
        try await withFixture({ _, _ in sseResponse(provider.truncatedTranscript) }) { fixture, http in
            var events: [ModelEvent] = []
            var failure: (any Error)?
            do {
                for try await event in provider.client(fixture, http).stream(helloRequest) { events.append(event) }
            } catch {
                failure = error
            }
            #expect(events == [.textDelta("Hel")])
            guard case .malformedStream? = failure as? ModelError else {
                Issue.record("expected malformedStream, got \(String(describing: failure))")
                return
            }
            #expect(fixture.requests.count == 1)  // output was already yielded: never retried
        }
    }

    @Test(arguments: Provider.allCases)
    func badJSONInAnEventIsMalformed(_ provider: Provider) async throws {
        try await withFixture({ _, _ in sseResponse(provider.malformedTranscript) }) { fixture, http in
            let error = try await hangGuard { await modelError(provider.client(fixture, http).stream(helloRequest)) }
            guard case .malformedStream(let why)? = error else {
                Issue.record("expected malformedStream, got \(String(describing: error))")
                return
            }
            #expect(why.contains("invalid JSON"))
        }
    }

    @Test(arguments: Provider.allCases)
    func aSuccessThatIsNotAnEventStreamIsMalformed(_ provider: Provider) async throws {
        try await withFixture({ _, _ in .json(200, Array(#"{"id":"msg_1","content":[]}"#.utf8)) }) { fixture, http in
            let error = try await hangGuard { await modelError(provider.client(fixture, http).stream(helloRequest)) }
            #expect(error == .malformedStream("expected text/event-stream, got application/json"))
        }
    }

    @Test(arguments: Provider.allCases)
    func aServerThatNeverAnswersTimesOut(_ provider: Provider) async throws {
        try await withFixture({ _, _ in
            try? await Task.sleep(for: .seconds(60))
            return .text(200, "too late")
        }) { fixture, http in
            let client = provider.client(fixture, http, timeoutSeconds: 1)
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            #expect(error == .timeout(seconds: 1))
        }
    }

    @Test(arguments: Provider.allCases)
    func aStreamThatStallsTimesOutAfterItsText(_ provider: Provider) async throws {
        let opening = provider.openingTranscript
        try await withFixture({ _, _ in
            .eventStream { writer in
                try? await writer.write(opening)
                try? await writer.flush()
                try? await Task.sleep(for: .seconds(60))
            }
        }) { fixture, http in
            var events: [ModelEvent] = []
            var failure: (any Error)?
            do {
                // 3 s: the opening chunk must arrive before the deadline even on a loaded machine.
                for try await event in provider.client(fixture, http, timeoutSeconds: 3).stream(helloRequest) { events.append(event) }
            } catch {
                failure = error
            }
            #expect(events == [.textDelta("Hel")])
            #expect(failure as? ModelError == .timeout(seconds: 3))
        }
    }

    @Test(arguments: Provider.allCases)
    func aProviderThatCannotBeReachedIsATransportError(_ provider: Provider) async throws {
        let gone = try RefusingPort()
        defer { withExtendedLifetime(gone) {} }  // refused until the test ends
        try await withFixture({ _, _ in .text(200, "") }) { _, http in
            let client: any ModelClient =
                switch provider {
                case .anthropic: AnthropicModelClient(baseURL: gone.baseURL, apiKey: testKey, httpClient: http, retry: fastRetry)
                case .openai: OpenAIModelClient(baseURL: gone.baseURL, apiKey: testKey, httpClient: http, retry: fastRetry)
                }
            let error = try await hangGuard { await modelError(client.stream(helloRequest)) }
            guard case .transport(let why)? = error else {
                Issue.record("expected transport, got \(String(describing: error))")
                return
            }
            #expect(why.contains("connect"))
        }
    }

    @Test(arguments: Provider.allCases)
    func cancellingTheConsumerClosesTheConnectionMidStream(_ provider: Provider) async throws {
        let opening = provider.openingTranscript
        let serverSawClose = Probe(false)
        try await withFixture({ _, _ in
            .eventStream { writer in
                try? await writer.write(opening)
                try? await writer.flush()
                // Parked until the client goes away: the server cancels this Task then.
                try? await Task.sleep(for: .seconds(60))
                serverSawClose.set(Task.isCancelled || writer.isDisconnected)
            }
        }) { fixture, http in
            let client = provider.client(fixture, http)
            let firstText = Probe(false)
            let consumer = Task {
                var events: [ModelEvent] = []
                for try await event in client.stream(helloRequest) {
                    events.append(event)
                    firstText.set(true)
                }
                return events
            }
            try await eventually { firstText.current }
            consumer.cancel()
            let events = try await hangGuard { try await consumer.value }
            #expect(events == [.textDelta("Hel")])  // the stream just ends, no finished, no error
            try await eventually { serverSawClose.current }
        }
    }
}
