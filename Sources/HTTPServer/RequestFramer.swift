#if canImport(Glibc)
import Glibc
#endif

/// The byte-level half of a server connection's input: it finds each request head in the
/// buffered bytes, parses it, applies the head and body limits and frames the body — with no
/// socket, clock or output.
///
/// Why its own type: `Connection` used to interleave these rules with reads, timers and handler
/// dispatch, so the only way to reach them was a socket. Moved here unchanged, they are what the
/// connection runs on every received byte and also what the `FuzzHTTPRequest` target drives, so
/// the fuzzer exercises exactly the server's parser rather than a copy of it. The connection keeps
/// its buffer (reads and compaction stay where they were) and passes it in together with the
/// index of the first unconsumed byte, which `next` advances.
package struct RequestFramer {
    package struct Limits: Sendable {
        /// The request line plus all field lines, including the final blank line.
        package var maxHeaderBytes: Int
        package var maxHeaderCount: Int
        /// The decoded body (for chunked bodies: the sum of the chunk data).
        package var maxBodyBytes: Int

        package init(maxHeaderBytes: Int, maxHeaderCount: Int, maxBodyBytes: Int) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }

        /// The limits a server with `configuration` applies.
        package init(_ configuration: HTTPServer.Configuration) {
            self.init(
                maxHeaderBytes: configuration.maxHeaderBytes, maxHeaderCount: configuration.maxHeaderCount,
                maxBodyBytes: configuration.maxBodyBytes)
        }
    }

    /// What the bytes so far amount to. The connection reacts to each event (timers, `100
    /// Continue`, dispatch) and calls `next` again until `needMore`, `request` or `failure`.
    package enum Event {
        /// Nothing more can be decided until more bytes arrive.
        case needMore
        /// The first byte of a request line arrived (leading empty lines were skipped).
        case headStarted
        /// A head was parsed and accepted; its body, if any, is not yet checked or read.
        case head(RequestHead)
        /// The head announced a body within the limit; its bytes come next.
        case bodyStarted
        /// A whole request. The framer is ready for the next one.
        case request(RequestHead, body: [UInt8])
        /// The input is refused with this status; nothing after it may be parsed.
        case failure(RequestRejection)
    }

    private enum Stage {
        case awaitingRequest, readingHead
        case checkingBody(RequestHead), readingBody(RequestHead)
        case failed
    }

    package let limits: Limits
    private var stage = Stage.awaitingRequest
    /// Where the scan for the head's blank line resumes (absolute index into the buffer).
    private var scanFrom = 0
    /// Length of the request line once its CRLF was seen (decides 414 versus 431).
    private var requestLineLength: Int?
    private var body: [UInt8] = []
    private var bodyRemaining = 0
    private var chunkDecoder: ChunkedDecoder?

    package init(limits: Limits) {
        self.limits = limits
    }

    /// The connection moved its unconsumed bytes `count` places toward the start of its buffer.
    package mutating func bufferShifted(by count: Int) {
        scanFrom -= count
    }

    /// Advances through `buffer` from `start` (updated to the first unconsumed byte) and reports
    /// the next event.
    package mutating func next(_ buffer: UnsafeBufferPointer<UInt8>, from start: inout Int) -> Event {
        switch stage {
        case .awaitingRequest:
            // RFC 9112 §2.2: ignore empty lines before a request line.
            while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A { start += 1 }
            if start == buffer.count { return .needMore }
            stage = .readingHead
            scanFrom = start
            requestLineLength = nil
            return .headStarted
        case .readingHead:
            let headEnd: Int
            switch findHeadEnd(buffer, from: start) {
            case .found(let end):
                headEnd = end
            case .bareLF:
                return fail(400, "bare LF in request head")
            case .notYet:
                if buffer.count - start > limits.maxHeaderBytes { return failHeadTooLarge() }
                return .needMore
            }
            if headEnd - start > limits.maxHeaderBytes { return failHeadTooLarge() }
            let parsed = RequestHeadParser.parse(
                UnsafeBufferPointer(rebasing: buffer[start..<headEnd]), maxHeaderCount: limits.maxHeaderCount)
            start = headEnd
            switch parsed {
            case .failure(let r):
                stage = .failed
                return .failure(r)
            case .success(let h):
                stage = .checkingBody(h)
                return .head(h)
            }
        case .checkingBody(let h):
            if let n = h.contentLength, n > limits.maxBodyBytes { return fail(413, "request body too large") }
            body = []
            guard h.hasBody else { return complete(h) }
            if h.chunked {
                chunkDecoder = ChunkedDecoder()
            } else {
                bodyRemaining = h.contentLength ?? 0
                body.reserveCapacity(bodyRemaining)
            }
            stage = .readingBody(h)
            return .bodyStarted
        case .readingBody(let h):
            if var decoder = chunkDecoder {
                let (consumed, outcome) = decoder.decode(
                    UnsafeBufferPointer(rebasing: buffer[start...]), into: &body, maxBody: limits.maxBodyBytes,
                    maxTrailerBytes: limits.maxHeaderBytes)
                chunkDecoder = decoder
                start += consumed
                switch outcome {
                case .needMore: return .needMore
                case .done:
                    chunkDecoder = nil
                    return complete(h)
                case .failure(let r):
                    stage = .failed
                    return .failure(r)
                }
            }
            let n = min(bodyRemaining, buffer.count - start)
            if n > 0 {
                body.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<(start + n)]))
                start += n
                bodyRemaining -= n
            }
            return bodyRemaining == 0 ? complete(h) : .needMore
        case .failed:
            return .needMore
        }
    }

    private mutating func complete(_ h: RequestHead) -> Event {
        let request = Event.request(h, body: body)
        body = []
        stage = .awaitingRequest
        return request
    }

    private mutating func fail(_ status: Int, _ reason: String) -> Event {
        stage = .failed
        return .failure(RequestRejection(status: status, reason: reason))
    }

    /// 414 when the request line alone exceeds the head limit, 431 otherwise.
    private mutating func failHeadTooLarge() -> Event {
        if (requestLineLength ?? Int.max) > limits.maxHeaderBytes {
            return fail(414, "request line too long")
        }
        return fail(431, "request head too large")
    }

    private enum HeadEnd {
        case found(Int), notYet, bareLF
    }

    /// Scans new input for the blank line ending the head (the index just past it). Every LF
    /// must follow a CR: a bare LF is refused here, before the whole head has arrived.
    private mutating func findHeadEnd(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> HeadEnd {
        guard let base = p.baseAddress else { return .notYet }
        var i = scanFrom
        while i < p.count {
            guard let hit = memchr(base + i, 0x0A, p.count - i) else {
                scanFrom = p.count
                return .notYet
            }
            let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            guard lf > start, p[lf - 1] == 0x0D else {
                scanFrom = lf
                return .bareLF
            }
            if lf >= start + 2, p[lf - 2] == 0x0A, requestLineLength != nil {
                return .found(lf + 1)  // CRLF CRLF
            }
            if requestLineLength == nil { requestLineLength = lf + 1 - start }
            i = lf + 1
            scanFrom = i
        }
        return .notYet
    }
}
