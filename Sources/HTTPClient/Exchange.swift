import HTTPServer
import Synchronization

/// The meeting point of one request's caller (a Swift Task) and its transport (our event-loop
/// thread, or URLSession's delegate queue).
///
/// Why a Mutex-guarded class with continuations: the transport runs on threads that must never
/// wait for the caller, and the caller must never block a cooperative thread. The transport
/// pushes (`receiveHead`, `receive`, `finish`, `fail`) without blocking; the caller awaits
/// (`head`, `next`) and parks a continuation only when nothing is ready. Back-pressure: once
/// more than `highWaterMark` unread bytes are queued, `receive` returns false and the transport
/// stops reading; when the caller has drained the queue to `lowWaterMark`, `resumeProducer` is
/// called. Cancellation of the caller's Task, or dropping an unfinished body, calls
/// `abortProducer`, which closes the connection (it is never pooled) or cancels the
/// URLSession task.
final class Exchange: Sendable {
    let id: UInt64
    private let highWaterMark: Int
    private let lowWaterMark: Int
    /// Fail instead of pausing once this many bytes are queued (URLSession cannot pause).
    private let hardLimit: Int?
    private let resumeProducer: @Sendable () -> Void
    private let abortProducer: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        var head: ResponseHead?
        var headWaiter: CheckedContinuation<ResponseHead, any Error>?
        var chunks: [[UInt8]] = []
        var chunkIndex = 0
        var buffered = 0
        var ended = false
        var trailers: HTTPHeaders?
        var failure: (any Error)?
        var bodyWaiter: CheckedContinuation<[UInt8]?, any Error>?
        var paused = false
        var aborted = false

        var isFinished: Bool { ended || failure != nil }
    }

    init(
        id: UInt64, highWaterMark: Int, lowWaterMark: Int, hardLimit: Int? = nil,
        resumeProducer: @escaping @Sendable () -> Void, abortProducer: @escaping @Sendable () -> Void
    ) {
        self.id = id
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
        self.hardLimit = hardLimit
        self.resumeProducer = resumeProducer
        self.abortProducer = abortProducer
    }

    // MARK: producer side (transport threads; never blocks)

    func receiveHead(_ head: ResponseHead) {
        let waiter = state.withLock { s -> CheckedContinuation<ResponseHead, any Error>? in
            guard s.failure == nil, s.head == nil else { return nil }
            s.head = head
            defer { s.headWaiter = nil }
            return s.headWaiter
        }
        waiter?.resume(returning: head)
    }

    /// Queues a body piece. Returns false when the producer should stop reading until
    /// `resumeProducer` is called (or when the exchange is already over).
    func receive(_ chunk: [UInt8]) -> Bool {
        guard !chunk.isEmpty else { return true }
        var overLimit = false
        let (waiter, keepGoing) = state.withLock { s -> (CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            guard !s.isFinished else { return (nil, false) }
            if let w = s.bodyWaiter {
                s.bodyWaiter = nil
                return (w, true)
            }
            s.chunks.append(chunk)
            s.buffered += chunk.count
            if let hardLimit, s.buffered > hardLimit {
                overLimit = true
                return (nil, false)
            }
            if s.buffered > highWaterMark { s.paused = true }
            return (nil, !s.paused)
        }
        if let waiter { waiter.resume(returning: chunk) }
        if overLimit, let hardLimit {
            fail(HTTPClientError.consumerTooSlow(limit: hardLimit))
            abortOnce()
        }
        return keepGoing
    }

    /// The body ended (trailers empty when there were none).
    func finish(trailers: HTTPHeaders = HTTPHeaders()) {
        let (headWaiter, bodyWaiter) = state.withLock {
            s -> (CheckedContinuation<ResponseHead, any Error>?, CheckedContinuation<[UInt8]?, any Error>?) in
            guard !s.isFinished else { return (nil, nil) }
            s.ended = true
            s.trailers = trailers
            let h = s.head == nil ? s.headWaiter : nil
            s.headWaiter = nil
            defer { s.bodyWaiter = nil }
            return (h, s.bodyWaiter)
        }
        headWaiter?.resume(throwing: HTTPClientError.malformedResponse("the response ended without a head"))
        bodyWaiter?.resume(returning: nil)
    }

    /// Fails the exchange unless it already ended; waiters get `error` at once, a body reader
    /// gets the chunks already queued first (except for cancellation).
    func fail(_ error: any Error) {
        let (headWaiter, bodyWaiter) = state.withLock {
            s -> (CheckedContinuation<ResponseHead, any Error>?, CheckedContinuation<[UInt8]?, any Error>?) in
            guard !s.isFinished else { return (nil, nil) }
            s.failure = error
            if error is CancellationError {
                s.chunks = []
                s.chunkIndex = 0
                s.buffered = 0
            }
            defer {
                s.headWaiter = nil
                s.bodyWaiter = nil
            }
            return (s.headWaiter, s.bodyWaiter)
        }
        headWaiter?.resume(throwing: error)
        bodyWaiter?.resume(throwing: error)
    }

    var isFinished: Bool { state.withLock { $0.isFinished } }

    /// Received bytes not yet taken by the consumer (tests, diagnostics).
    var bufferedBytes: Int { state.withLock { $0.buffered } }

    // MARK: consumer side (the caller's Task)

    /// Waits for the final response head. Cancelling the Task aborts the exchange.
    func head() async throws -> ResponseHead {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<ResponseHead, any Error>) in
                let outcome = state.withLock { s -> Result<ResponseHead, any Error>? in
                    if let h = s.head { return .success(h) }
                    if let f = s.failure { return .failure(f) }
                    s.headWaiter = c
                    return nil
                }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The next body piece, or nil at the end. Cancelling the Task aborts the exchange. One
    /// reader at a time: two tasks waiting at once is a programming error and stops the process.
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, any Error>) in
                var resume = false
                let outcome = state.withLock { s -> Result<[UInt8]?, any Error>? in
                    if let f = s.failure, f is CancellationError { return .failure(f) }
                    if s.chunkIndex < s.chunks.count {
                        let chunk = s.chunks[s.chunkIndex]
                        s.chunkIndex += 1
                        s.buffered -= chunk.count
                        if s.chunkIndex == s.chunks.count {
                            s.chunks.removeAll(keepingCapacity: true)
                            s.chunkIndex = 0
                        }
                        if s.paused && s.buffered <= lowWaterMark && !s.isFinished {
                            s.paused = false
                            resume = true
                        }
                        return .success(chunk)
                    }
                    if let f = s.failure { return .failure(f) }
                    if s.ended { return .success(nil) }
                    precondition(s.bodyWaiter == nil, "HTTPClientResponse.Body is being read by two tasks at once")
                    s.bodyWaiter = c
                    return nil
                }
                if resume { resumeProducer() }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Trailer fields, once the body has ended (empty when none were sent).
    var trailers: HTTPHeaders? { state.withLock { $0.trailers } }

    /// The caller's Task was cancelled: fail with `CancellationError` and stop the transport,
    /// unless the body was already complete.
    func cancel() {
        guard !isFinished else { return }
        fail(CancellationError())
        abortOnce()
    }

    /// The caller dropped the response before its body ended: stop the transport.
    func abandon() {
        let unfinished = state.withLock { s -> Bool in
            s.chunks = []
            s.chunkIndex = 0
            s.buffered = 0
            guard !s.isFinished else { return false }
            s.failure = CancellationError()
            return true
        }
        if unfinished { abortOnce() }
    }

    private func abortOnce() {
        let first = state.withLock { s -> Bool in
            defer { s.aborted = true }
            return !s.aborted
        }
        if first { abortProducer() }
    }
}
