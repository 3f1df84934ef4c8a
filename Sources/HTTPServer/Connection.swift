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
    var scanFrom = 0
    /// Length of the request line once its CRLF was seen (decides 414 versus 431).
    var requestLineLength: Int?
    var peerClosed = false
    /// Parsing paused because too much output is unsent (a client pipelining without reading).
    var inputBlocked = false
    var lingerBytes = 0

    // Current request
    var head: RequestHead?
    var body: [UInt8] = []
    var bodyRemaining = 0
    var chunkDecoder: ChunkedDecoder?
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
            case .awaitingRequest:
                // RFC 9112 §2.2: ignore empty lines before a request line.
                while inputStart < input.count, input[inputStart] == 0x0D || input[inputStart] == 0x0A {
                    inputStart += 1
                }
                if inputStart == input.count {
                    compactInput()
                    return
                }
                phase = .readingHead
                // A new connection's first head is due `headerTimeout` after accept (set by
                // adopt), so a late first byte does not buy a fresh deadline.
                if served > 0 { deadline = loop.now + settings.headerTimeout }
                scanFrom = inputStart
                requestLineLength = nil
            case .readingHead:
                guard let headEnd = findHeadEnd() else {
                    if closed { return }
                    if bufferedInput > settings.maxHeaderBytes { failHeadTooLarge() }
                    return
                }
                if headEnd - inputStart > settings.maxHeaderBytes {
                    failHeadTooLarge()
                    return
                }
                let parsed = input.withUnsafeBufferPointer { p in
                    RequestHeadParser.parse(UnsafeBufferPointer(rebasing: p[inputStart..<headEnd]), maxHeaderCount: settings.maxHeaderCount)
                }
                inputStart = headEnd
                switch parsed {
                case .failure(let r):
                    fail(r.status, r.reason)
                    return
                case .success(let h):
                    head = h
                    keepAlive = h.keepAlive
                    requestStart = loop.now
                }
                guard beginBody() else { return }
            case .readingBody:
                guard readBody() else { return }
                dispatch()
                return
            case .handling, .streaming, .closing, .lingering:
                return
            }
        }
    }

    /// 414 when the request line alone exceeds the head limit, 431 otherwise.
    private func failHeadTooLarge() {
        if (requestLineLength ?? Int.max) > settings.maxHeaderBytes {
            fail(414, "request line too long")
        } else {
            fail(431, "request head too large")
        }
    }

    /// Scans new input for the blank line ending the head. Returns the index just past it.
    /// Every LF must follow a CR (bare LF is rejected here, before the whole head has arrived).
    private func findHeadEnd() -> Int? {
        let result: Int? = input.withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress else { return nil }
            var i = scanFrom
            while i < p.count {
                guard let hit = memchr(base + i, 0x0A, p.count - i) else {
                    scanFrom = p.count
                    return nil
                }
                let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                guard lf > inputStart, p[lf - 1] == 0x0D else {
                    scanFrom = lf
                    return -1
                }
                if lf >= inputStart + 2, p[lf - 2] == 0x0A, requestLineLength != nil {
                    return lf + 1  // CRLF CRLF
                }
                if requestLineLength == nil { requestLineLength = lf + 1 - inputStart }
                i = lf + 1
                scanFrom = i
            }
            return nil
        }
        if result == -1 {
            fail(400, "bare LF in request head")
            return nil
        }
        return result
    }

    /// Sets up body reading after a head. Returns false when the request was dispatched or refused.
    private func beginBody() -> Bool {
        guard let h = head else { return false }
        if let n = h.contentLength, n > settings.maxBodyBytes {
            fail(413, "request body too large")
            return false
        }
        guard h.hasBody else {
            dispatch()
            return false
        }
        if h.expectContinue && h.minorVersion >= 1 && bufferedInput == 0 {
            appendOutput(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            flushOutput()
            if closed { return false }
        }
        body = []
        if h.chunked {
            chunkDecoder = ChunkedDecoder()
        } else {
            bodyRemaining = h.contentLength ?? 0
            body.reserveCapacity(bodyRemaining)
        }
        phase = .readingBody
        deadline = loop.now + settings.bodyTimeout
        return true
    }

    /// Moves buffered bytes into the body. Returns true when the body is complete.
    private func readBody() -> Bool {
        if var decoder = chunkDecoder {
            let (consumed, outcome) = input.withUnsafeBufferPointer { p in
                decoder.decode(
                    UnsafeBufferPointer(rebasing: p[inputStart...]), into: &body, maxBody: settings.maxBodyBytes,
                    maxTrailerBytes: settings.maxHeaderBytes)
            }
            chunkDecoder = decoder
            inputStart += consumed
            switch outcome {
            case .needMore:
                compactInput()
                return false
            case .done:
                chunkDecoder = nil
                return true
            case .failure(let r):
                fail(r.status, r.reason)
                return false
            }
        }
        let n = min(bodyRemaining, bufferedInput)
        if n > 0 {
            body.append(contentsOf: input[inputStart..<(inputStart + n)])
            inputStart += n
            bodyRemaining -= n
        }
        compactInput()
        return bodyRemaining == 0
    }

    private func compactInput() {
        if inputStart == input.count {
            if input.capacity > 256 * 1024 { input = [] } else { input.removeAll(keepingCapacity: true) }
            inputStart = 0
            scanFrom = 0
        } else if inputStart >= 32 * 1024 && inputStart * 2 >= input.count {
            input.removeSubrange(0..<inputStart)
            scanFrom -= inputStart
            inputStart = 0
        }
    }

    // MARK: handling

    private func dispatch() {
        guard let h = head else { return }
        phase = .handling
        deadline = 0
        let request = HTTPRequest(
            method: h.method, target: h.target, version: h.version, headers: h.headers, body: body, remoteAddress: remote)
        body = []
        compactInput()
        let channel = ResponseChannel(
            loop: loop, connectionID: id, highWater: settings.streamHighWaterMark, lowWater: settings.streamLowWaterMark)
        self.channel = channel
        let handler = loop.core.handler
        let method = h.method
        task = Task {
            let response = await handler(request)
            channel.deliver(response)
            if case .stream(let produce) = response.body {
                if HTTPResponse.permitsBody(status: response.status, method: method) {
                    await produce(HTTPBodyWriter(channel: channel))
                }
                channel.finish()
            }
        }
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
        scanFrom = 0
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
