internal import CShim
#if canImport(Glibc)
import Glibc
#endif

/// One client connection: its buffers, its HTTP/1.1 state machine and its in-flight request.
///
/// Why a non-Sendable class: a connection belongs to exactly one event loop and is only touched
/// on that loop's thread (the compiler enforces that it never crosses into a Task: handler Tasks
/// get Sendable values and a `ResponseChannel`, never the connection).
///
/// Lifecycle: `awaitingRequest` → `readingHead` → (`readingBody`) → `handling` (the handler's
/// Task runs; we keep reading so EOF/reset is noticed, buffering up to a limit of pipelined
/// input) → the response arrives: bytes are queued and the request is complete, or a stream
/// moves to `streaming` until its `.end` → `awaitingRequest` again (keep-alive) or `closing`
/// (flush the last response) → `lingering` (half-closed, discarding input briefly so the client
/// reads our response instead of a reset) → closed. Requests are handled one at a time, which
/// answers pipelined requests in order by construction.
///
/// Disconnect semantics: EOF, a reset, EPOLLRDHUP or a failed send while a handler or stream is
/// running cancels its Task and makes the writer throw. A client that half-closes right after
/// its request therefore counts as gone (as in nginx's default client-abort handling).
final class Connection {
    enum Phase {
        case awaitingRequest, readingHead, readingBody, handling, streaming, closing, lingering
    }

    enum StreamFraming {
        case chunked, raw, discard
    }

    let id: UInt64
    let fd: Int32
    let remote: String
    unowned let loop: EventLoop
    let settings: LoopSettings

    var phase = Phase.awaitingRequest
    var closed = false
    /// Monotonic ns when the current phase's timer fires; 0 = none.
    var deadline: UInt64 = 0
    /// The epoll interest currently registered.
    var interest: UInt32 = 0

    // Input
    var input: [UInt8] = []
    var inputStart = 0
    /// Head finding, head parsing and body framing over `input` (pure; shared with the fuzzer).
    var framer: RequestFramer
    var peerClosed = false
    /// Parsing paused because too much output is unsent (a client pipelining without reading).
    var inputBlocked = false
    var lingerBytes = 0

    // Current request
    var head: RequestHead?
    var body: [UInt8] = []
    var keepAlive = false
    var task: Task<Void, Never>?
    var channel: ResponseChannel?
    var streamFraming = StreamFraming.chunked
    var requestStart: UInt64 = 0
    var responseStatus = 0
    var responseBytes = 0
    /// Responses completed on this connection.
    var served = 0

    // Output
    var output: [UInt8] = []
    var outputSent = 0
    var sentTotal: UInt64 = 0
    var lastWriteProgress: UInt64 = 0
    /// Stream chunk boundaries in the output byte stream: payload bytes become "sent" for
    /// back-pressure once `sentTotal` passes `end`.
    var marks: [(end: UInt64, payload: Int)] = []
    var markHead = 0

    init(id: UInt64, fd: Int32, remote: String, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.remote = remote
        self.loop = loop
        self.settings = loop.core.settings
        self.framer = RequestFramer(limits: settings.framerLimits)
    }

    var outputPending: Bool { outputSent < output.count }
    var queuedTotal: UInt64 { sentTotal + UInt64(output.count - outputSent) }
    var bufferedInput: Int { input.count - inputStart }
    var requestActive: Bool { phase == .handling || phase == .streaming }

    var wantsInput: Bool {
        switch phase {
        case .awaitingRequest, .readingHead, .readingBody: !inputBlocked && !peerClosed
        case .handling, .streaming: !peerClosed && bufferedInput < settings.pipelineBufferLimit
        case .closing: false
        case .lingering: !peerClosed
        }
    }

    var desiredInterest: UInt32 {
        var e: UInt32 = 0
        if wantsInput {
            e |= CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP
        } else if requestActive && !peerClosed {
            e |= CSHIM_EPOLLRDHUP
        }
        if outputPending { e |= CSHIM_EPOLLOUT }
        return e
    }

    // MARK: events

    func onEvents(_ events: UInt32) {
        if events & CSHIM_EPOLLOUT != 0 {
            flushOutput()
            if closed { return }
        }
        if events & (CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP | CSHIM_EPOLLHUP | CSHIM_EPOLLERR) != 0 {
            if wantsInput {
                onReadable()
            } else if events & (CSHIM_EPOLLHUP | CSHIM_EPOLLERR) != 0 {
                loop.close(self)
            } else if events & CSHIM_EPOLLRDHUP != 0 {
                peerClosed = true
                if requestActive { loop.close(self) }
            }
        }
    }

    func onReadable() {
        let limit = settings.readChunkSize
        let scratch = loop.scratch
        while wantsInput && !closed {
            let n = cshim_recv(fd, scratch, limit)
            if n > 0 {
                if phase == .lingering {
                    lingerBytes += n
                    if lingerBytes > 1 << 20 { loop.close(self) }
                    continue
                }
                input.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: n))
                advance()
                if n < limit { break }
            } else if n == 0 {
                onEOF()
                return
            } else if n == -EINTR {
                continue
            } else if n == -EAGAIN || n == -EWOULDBLOCK {
                break
            } else {
                loop.close(self)
                return
            }
        }
    }

    private func onEOF() {
        peerClosed = true
        switch phase {
        case .closing:
            if !outputPending { loop.close(self) }
        default:
            // Idle, a partial request, lingering, or a running handler/stream (disconnect = cancel).
            loop.close(self)
        }
    }

    // MARK: parsing

    /// Parses as far as the buffered input allows. Iterative: never recurses into itself except
    /// through `flushOutput` → (`inputBlocked` was set) → `advance`, which clears the flag first.
    func advance() {
        while !closed {
            switch phase {
            case .awaitingRequest, .readingHead, .readingBody: break
            case .handling, .streaming, .closing, .lingering: return
            }
            let event = input.withUnsafeBufferPointer { p in framer.next(p, from: &inputStart) }
            switch event {
            case .needMore:
                if phase != .readingHead { compactInput() }
                return
            case .headStarted:
                phase = .readingHead
                // A new connection's first head is due `headerTimeout` after accept (set by
                // adopt), so a late first byte does not buy a fresh deadline.
                if served > 0 { deadline = loop.now + settings.headerTimeout }
            case .head(let h):
                head = h
                keepAlive = h.keepAlive
                requestStart = loop.now
            case .bodyStarted:
                if let h = head, h.expectContinue && h.minorVersion >= 1 && bufferedInput == 0 {
                    appendOutput(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                    flushOutput()
                    if closed { return }
                }
                phase = .readingBody
                deadline = loop.now + settings.bodyTimeout
            case .request(_, let requestBody):
                body = requestBody
                dispatch()
                return
            case .failure(let r):
                fail(r.status, r.reason)
                return
            }
        }
    }

    private func compactInput() {
        if inputStart == input.count {
            if input.capacity > 256 * 1024 { input = [] } else { input.removeAll(keepingCapacity: true) }
            framer.bufferShifted(by: inputStart)
            inputStart = 0
        } else if inputStart >= 32 * 1024 && inputStart * 2 >= input.count {
            input.removeSubrange(0..<inputStart)
            framer.bufferShifted(by: inputStart)
            inputStart = 0
        }
    }

    // MARK: handling

    private func dispatch() {
        guard let h = head else { return }
        phase = .handling
        deadline = 0
        var prepared = HTTPRequest(
            method: h.method, target: h.target, version: h.version, headers: h.headers, body: body, remoteAddress: remote)
        if settings.handlersOnLoops { prepared.executor = loop }
        let request = prepared
        body = []
        compactInput()
        let channel = ResponseChannel(
            loop: loop, connectionID: id, highWater: settings.streamHighWaterMark, lowWater: settings.streamLowWaterMark)
        self.channel = channel
        let handler = loop.core.handler
        let method = h.method
        let work: @Sendable () async -> Void = {
            let response = await handler(request)
            channel.deliver(response)
            if case .stream(let produce) = response.body {
                if HTTPResponse.permitsBody(status: response.status, method: method) {
                    await produce(HTTPBodyWriter(channel: channel))
                }
                channel.finish()
            }
        }
        task = settings.handlersOnLoops ? Task(executorPreference: loop, operation: work) : Task(operation: work)
    }

    func onResponse(_ response: HTTPResponse) {
        guard phase == .handling, let h = head else { return }
        let status = (200...999).contains(response.status) ? response.status : 500
        responseStatus = status
        let permits = HTTPResponse.permitsBody(status: status, method: h.method)
        var close = !keepAlive || loop.draining || ResponseEncoder.requestsClose(response.headers)
        let noFraming = status == 204 || status == 304
        switch response.body {
        case .bytes(let bytes):
            appendHead(status, response.headers, noFraming ? .none : .length(bytes.count), close: close, minor: h.minorVersion)
            if permits {
                output.append(contentsOf: bytes)
                responseBytes = bytes.count
            }
            finishRequest(close: close)
        case .stream:
            let framing: ResponseEncoder.Framing
            if noFraming {
                framing = .none
                streamFraming = .discard
            } else if h.minorVersion == 0 {
                framing = .none
                streamFraming = permits ? .raw : .discard
                if permits { close = true }
            } else {
                framing = .chunked
                streamFraming = permits ? .chunked : .discard
            }
            keepAlive = !close
            appendHead(status, response.headers, framing, close: close, minor: h.minorVersion)
            phase = .streaming
        }
        afterResponseProgress()
    }

    func onChunk(_ bytes: [UInt8]) {
        guard phase == .streaming, let channel else { return }
        switch streamFraming {
        case .discard:
            channel.release(bytes.count)
            return
        case .chunked:
            prepareAppend()
            ResponseEncoder.appendChunkHeader(bytes.count, into: &output)
            output.append(contentsOf: bytes)
            output.append(contentsOf: [0x0D, 0x0A])
        case .raw:
            prepareAppend()
            output.append(contentsOf: bytes)
        }
        marks.append((queuedTotal, bytes.count))
        responseBytes += bytes.count
        flushOutput()
    }

    func onEnd() {
        guard phase == .streaming else { return }
        if streamFraming == .chunked { appendOutput(Array("0\r\n\r\n".utf8)) }
        finishRequest(close: !keepAlive)
        afterResponseProgress()
    }

    private func appendHead(_ status: Int, _ headers: HTTPHeaders, _ framing: ResponseEncoder.Framing, close: Bool, minor: Int) {
        prepareAppend()
        let field: ResponseEncoder.ConnectionField = close ? .close : (minor == 0 ? .keepAlive : .none)
        ResponseEncoder.appendHead(into: &output, status: status, headers: headers, framing: framing, connection: field, date: loop.date)
    }

    private func finishRequest(close: Bool) {
        logRequest(status: responseStatus)
        served += 1
        task = nil
        channel = nil
        marks.removeAll(keepingCapacity: true)
        markHead = 0
        head = nil
        responseBytes = 0
        if close || loop.draining {
            keepAlive = false
            phase = .closing
            deadline = 0
        } else {
            phase = .awaitingRequest
            deadline = loop.now + settings.idleTimeout
        }
    }

    /// After a response was queued: send, then continue with pipelined input if any.
    private func afterResponseProgress() {
        flushOutput()
        guard !closed, phase == .awaitingRequest else { return }
        if output.count - outputSent > settings.outputBacklogLimit {
            inputBlocked = true
        } else {
            advance()
        }
    }

    /// Refuses the request with `status`, then closes after the response is sent.
    func fail(_ status: Int, _ reason: String) {
        responseStatus = status
        keepAlive = false
        input = []
        inputStart = 0
        framer = RequestFramer(limits: settings.framerLimits)
        prepareAppend()
        responseBytes = ResponseEncoder.appendError(into: &output, status: status, reason: reason, date: loop.date)
        if head == nil { requestStart = loop.now }
        logRequest(status: status)
        head = nil
        phase = .closing
        deadline = 0
        flushOutput()
    }

    func logRequest(status: Int) {
        guard settings.accessLog else { return }
        let micros = (cshim_monotonic_ns() &- requestStart) / 1000
        loop.log(
            AccessLog.line(
                remote: remote, method: head?.method ?? "-", path: head.map { HTTPRequest.split(target: $0.target).path } ?? "-",
                status: status, bytes: responseBytes, durationMicros: requestStart == 0 ? 0 : micros))
    }

    // MARK: output

    /// Starts the write-stall clock when output goes from empty to non-empty.
    private func prepareAppend() {
        if !outputPending { lastWriteProgress = loop.now }
    }

    private func appendOutput(_ bytes: [UInt8]) {
        prepareAppend()
        output.append(contentsOf: bytes)
    }

    func flushOutput() {
        while outputPending {
            let n = output.withUnsafeBytes { p in
                cshim_send(fd, p.baseAddress! + outputSent, p.count - outputSent)
            }
            if n > 0 {
                outputSent += n
                sentTotal += UInt64(n)
                lastWriteProgress = loop.now
            } else if n == -EAGAIN || n == -EWOULDBLOCK {
                break
            } else if n == -EINTR {
                continue
            } else {
                loop.close(self)  // EPIPE, ECONNRESET: the client is gone
                return
            }
        }
        if !outputPending {
            if output.capacity > 1 << 20 { output = [] } else { output.removeAll(keepingCapacity: true) }
            outputSent = 0
        } else if outputSent >= 64 * 1024 && outputSent * 2 >= output.count {
            output.removeSubrange(0..<outputSent)
            outputSent = 0
        }
        releaseMarks()
        guard !outputPending else { return }
        if phase == .closing {
            startLinger()
        } else if inputBlocked {
            inputBlocked = false
            advance()
        }
    }

    private func releaseMarks() {
        guard markHead < marks.count, let channel else { return }
        var released = 0
        while markHead < marks.count, marks[markHead].end <= sentTotal {
            released += marks[markHead].payload
            markHead += 1
        }
        if markHead == marks.count {
            marks.removeAll(keepingCapacity: true)
            markHead = 0
        }
        if released > 0 { channel.release(released) }
    }

    /// Half-closes after the final response and discards input until EOF or the linger timeout,
    /// so unread request bytes do not turn our close into a reset that destroys the response.
    private func startLinger() {
        if peerClosed {
            loop.close(self)
            return
        }
        _ = shutdown(fd, Int32(SHUT_WR))
        phase = .lingering
        deadline = loop.now + settings.lingerTimeout
        input = []
        inputStart = 0
    }

    // MARK: timers and shutdown

    func checkTimers(now: UInt64) {
        if outputPending && now &- lastWriteProgress >= settings.writeStallTimeout {
            loop.close(self)  // cancels a running handler
            return
        }
        guard deadline != 0, now >= deadline else { return }
        switch phase {
        case .awaitingRequest:
            // Still sending earlier responses to a slow reader: the write-stall timer governs.
            if !outputPending { loop.close(self) }
        case .lingering:
            loop.close(self)
        case .readingHead:
            fail(408, "request head not received in time")
        case .readingBody:
            fail(408, "request body not received in time")
        case .handling, .streaming, .closing:
            break
        }
    }

    /// Graceful shutdown started: idle connections close now, busy ones after their response.
    func beginDrain() {
        if phase == .awaitingRequest && !outputPending { loop.close(self) }
    }
}
