import HTTPClient
import HTTPServer

/// One streamed turn against an HTTP model provider: status handling, retries, the deadline,
/// cancellation and redaction, shared by the Anthropic and OpenAI clients.
///
/// How a turn runs: a Task owned by the returned stream sends the request; a 2xx event stream
/// is decoded event by event and every `ModelEvent` is yielded at once; anything else becomes a
/// `ModelError`. 429, 5xx and dropped connections are retried per `ModelRetryPolicy`, but only
/// while nothing has been yielded. The whole turn, retries included, runs under one deadline of
/// `timeoutSeconds`. When the consumer cancels or stops iterating, the stream's termination
/// cancels the Task, the body read throws, and the response is dropped, which closes the
/// connection. After the provider's final event the rest of the body is not read either: the
/// connection is closed rather than pooled, so a server that keeps a finished stream open can
/// never hold a turn. Every error leaves through `ModelError.sanitized(hiding:)`.
struct ProviderConnection: Sendable {
    /// `anthropic` or `openai`, for `ModelError.unauthorized`.
    let provider: String
    let http: HTTPClient
    let secret: Secret
    let timeoutSeconds: Int
    let retry: ModelRetryPolicy

    /// Limit of one event's data: a tool call's arguments arrive in small deltas, so only a
    /// pathological server reaches it.
    static let maxEventBytes = 4 * 1024 * 1024
    /// Limit of an error body we read for its message.
    static let maxErrorBodyBytes = 64 * 1024

    /// The per-request HTTP clocks: the overall deadline is ours, so the client's own clocks
    /// only need to stop a single silent connection from outliving it.
    var timeouts: HTTPClient.Timeouts {
        let limit = Duration.seconds(max(1, timeoutSeconds))
        return HTTPClient.Timeouts(connect: min(limit, .seconds(10)), responseHead: limit, idle: limit, overall: nil)
    }

    func stream<Decoder: ModelStreamDecoder>(
        _ request: HTTPClientRequest, decoder makeDecoder: @escaping @Sendable () -> Decoder
    ) -> AsyncThrowingStream<ModelEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ModelEvent, any Error>.makeStream()
        let sink = EventSink(continuation)
        var request = request
        request.timeouts = timeouts
        let task = Task { [self, request] in
            do {
                try await withDeadline { try await run(request, makeDecoder, sink) }
                sink.finish()
            } catch let failure as AttemptFailure {
                sink.finish(throwing: failure.error.sanitized(hiding: secret))
            } catch let error as ModelError {
                sink.finish(throwing: error.sanitized(hiding: secret))
            } catch is CancellationError {
                // The consumer is gone (or going): the stream just ends.
                sink.finish()
            } catch {
                sink.finish(throwing: ModelError.transport("\(error)").sanitized(hiding: secret))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Runs `body` under the turn's deadline; the loser is cancelled.
    private func withDeadline(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let seconds = timeoutSeconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw ModelError.timeout(seconds: seconds)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Attempts the request until it succeeds, fails for good, or runs out of retries.
    private func run<Decoder: ModelStreamDecoder>(
        _ request: HTTPClientRequest, _ makeDecoder: () -> Decoder, _ sink: EventSink
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        var retries = 0
        while true {
            do {
                try await attempt(request, makeDecoder(), sink)
                return
            } catch let failure as AttemptFailure {
                guard failure.isRetryable, !sink.hasYielded, retries < retry.maxRetries else { throw failure }
                let delay = retry.delay(beforeRetry: retries, retryAfter: failure.retryAfterSeconds.map { .seconds($0) })
                // Sleeping into the deadline would only trade the provider's answer for a timeout.
                guard ContinuousClock.now + delay < deadline else { throw failure }
                try await Task.sleep(for: delay)
                retries += 1
            }
        }
    }

    /// One HTTP exchange. Throws `AttemptFailure` or `CancellationError`.
    private func attempt<Decoder: ModelStreamDecoder>(
        _ request: HTTPClientRequest, _ decoder: Decoder, _ sink: EventSink
    ) async throws {
        var decoder = decoder
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch let error as HTTPClientError {
            throw failure(error)
        }
        guard (200..<300).contains(response.status) else { throw try await statusFailure(response) }
        if let type = response.headers["Content-Type"], !type.lowercased().contains("text/event-stream") {
            throw AttemptFailure(.malformedStream("expected text/event-stream, got \(type)"))
        }
        do {
            for try await event in response.body.serverSentEvents(maxEventBytes: Self.maxEventBytes) {
                for modelEvent in try decoder.decode(event) { sink.yield(modelEvent) }
                if decoder.isComplete { return }
            }
            for modelEvent in try decoder.finishAtEndOfBody() { sink.yield(modelEvent) }
        } catch let error as ModelError {
            throw AttemptFailure(decoded: error)
        } catch let error as HTTPClientError {
            throw failure(error)
        } catch let error as SSEParserError {
            throw AttemptFailure(.malformedStream("\(error)"))
        }
    }

    /// A non-2xx answer as a failure: 401/403 at once, 429 and 5xx retryable, other 4xx at once.
    private func statusFailure(_ response: HTTPClientResponse) async throws -> AttemptFailure {
        let status = response.status
        let retryAfter = RetryAfter.seconds(
            milliseconds: response.headers["retry-after-ms"], value: response.headers["retry-after"])
        var body: [UInt8] = []
        do {
            body = try await response.body.collect(upTo: Self.maxErrorBodyBytes)
        } catch is HTTPClientError {
            // The status says enough: an unreadable or oversized error body leaves the message empty.
        }
        switch status {
        case 401, 403:
            return AttemptFailure(.unauthorized(provider: provider))
        case 429:
            return AttemptFailure(.rateLimited(retryAfterSeconds: retryAfter), isRetryable: true, retryAfterSeconds: retryAfter)
        default:
            let message = ProviderErrorBody.message(body)
            return AttemptFailure(
                .server(status: status, message: message), isRetryable: status >= 500, retryAfterSeconds: retryAfter)
        }
    }

    /// A transport failure: our timeouts become `timeout`; a refused, reset or dropped
    /// connection is worth another attempt.
    private func failure(_ error: HTTPClientError) -> AttemptFailure {
        switch error {
        case .connectTimeout, .responseHeadTimeout, .idleTimeout, .deadlineExceeded:
            return AttemptFailure(.timeout(seconds: timeoutSeconds))
        case .connectFailed, .connectionClosed, .socketError, .transport:
            return AttemptFailure(.transport(error.description), isRetryable: true)
        default:
            return AttemptFailure(.transport(error.description))
        }
    }
}
