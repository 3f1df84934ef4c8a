import HTTPServer

/// Incremental HTTP/1.1 response parser: bytes in, head / body pieces / end out.
///
/// Why a pure state machine with no I/O: responses arrive in arbitrary pieces (tests feed one
/// byte at a time), and keeping sockets out of it lets every framing rule be tested directly.
/// Rules (RFC 9112 §6.3, strict where leniency would let a pooled connection desynchronise):
/// - the head is CRLF-terminated throughout (bare LF or CR is an error), at most `maxHeadBytes`,
///   at most `maxHeaderCount` fields, fields scanned by the server's `FieldLineParser`;
///   empty lines before a status line are skipped;
/// - 1xx heads are skipped (101 is an error: we never ask to upgrade);
/// - HEAD requests and 204/304 responses have no body whatever their fields say;
/// - `Transfer-Encoding: chunked` (exactly) is decoded by the server's `ChunkedDecoder`, with
///   trailers kept; any other transfer coding, or Transfer-Encoding with Content-Length, is an
///   error; Content-Length must be digits, repeated values must agree;
/// - otherwise the body runs until the server closes (never reusable);
/// - bytes after a complete response make the connection non-reusable (they are dropped).
struct ResponseReader {
    enum Event {
        case head(ResponseHead)
        case body([UInt8])
        case end(trailers: HTTPHeaders)
    }

    private enum State {
        case head, fixed(remaining: Int), chunked, untilClose, done
    }

    let isHeadRequest: Bool
    let maxHeadBytes: Int
    let maxHeaderCount: Int

    private var state = State.head
    private var headBuffer: [UInt8] = []
    private var decoder = ChunkedDecoder(keepsTrailers: true)
    /// The connection may carry another request after this response (valid once complete).
    private(set) var keepAlive = false
    /// Any byte of this response (including skipped 1xx heads) has been seen.
    private(set) var sawBytes = false

    init(isHeadRequest: Bool, maxHeadBytes: Int, maxHeaderCount: Int) {
        self.isHeadRequest = isHeadRequest
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    var hasHead: Bool {
        if case .head = state { return false }
        return true
    }

    /// Consumes every byte of `buf`, reporting what it completes through `emit`.
    mutating func consume(_ buf: UnsafeBufferPointer<UInt8>, _ emit: (Event) -> Void) throws(HTTPClientError) {
        guard buf.count > 0 else { return }
        sawBytes = true
        var rest = buf[...]
        while !rest.isEmpty {
            switch state {
            case .head:
                var k = rest.startIndex
                var complete = false
                while k < rest.endIndex {
                    let b = rest[k]
                    headBuffer.append(b)
                    k += 1
                    if b == 0x0A, try lineEnded() {
                        complete = true
                        break
                    }
                    if headBuffer.count - headStart > maxHeadBytes { throw .headTooLarge(limit: maxHeadBytes) }
                }
                rest = rest[k...]
                guard complete else { return }
                try parseHead(emit)
            case .fixed(let remaining):
                let n = min(remaining, rest.count)
                emit(.body(Array(rest.prefix(n))))
                rest = rest.dropFirst(n)
                if remaining - n == 0 {
                    finish(HTTPHeaders(), emit)
                } else {
                    state = .fixed(remaining: remaining - n)
                }
            case .chunked:
                var out: [UInt8] = []
                let (consumed, outcome) = decoder.decode(
                    UnsafeBufferPointer(rebasing: rest), into: &out, maxBody: Int.max, maxTrailerBytes: maxHeadBytes)
                if !out.isEmpty { emit(.body(out)) }
                rest = rest.dropFirst(consumed)
                switch outcome {
                case .needMore:
                    return
                case .done:
                    finish(try trailers(), emit)
                case .failure(let r):
                    throw r.status == 431 ? .trailersTooLarge(limit: maxHeadBytes) : .malformedResponse(r.reason)
                }
            case .untilClose:
                emit(.body(Array(rest)))
                return
            case .done:
                keepAlive = false  // unsolicited bytes: the connection's state is unknown
                return
            }
        }
    }

    /// The server closed the connection. Completes a close-delimited body; anything else
    /// unfinished is `connectionClosed`.
    mutating func finishAtEOF(_ emit: (Event) -> Void) throws(HTTPClientError) {
        switch state {
        case .untilClose:
            finish(HTTPHeaders(), emit)
        case .done:
            return
        default:
            throw .connectionClosed
        }
    }

    private mutating func finish(_ trailers: HTTPHeaders, _ emit: (Event) -> Void) {
        if case .untilClose = state { keepAlive = false }
        state = .done
        emit(.end(trailers: trailers))
    }

    // MARK: head

    /// Index in `headBuffer` where the status line starts (after skipped empty lines), and
    /// where the current line starts.
    private var headStart = 0
    private var lineStart = 0

    /// Called after appending an LF: checks the CR before it and reports whether it ended the
    /// blank line that ends the head.
    private mutating func lineEnded() throws(HTTPClientError) -> Bool {
        let i = headBuffer.count - 1
        guard i > lineStart, headBuffer[i - 1] == 0x0D else { throw .malformedResponse("bare LF in response head") }
        let empty = i - 1 == lineStart
        lineStart = i + 1
        guard empty else { return false }
        if i - 1 == headStart {
            headStart = i + 1  // an empty line before the status line: skip it
            if headStart > maxHeadBytes { throw .headTooLarge(limit: maxHeadBytes) }
            return false
        }
        return true
    }

    private mutating func parseHead(_ emit: (Event) -> Void) throws(HTTPClientError) {
        let head = try headBuffer.withUnsafeBufferPointer { (all) throws(HTTPClientError) -> ResponseHead? in
            try parse(UnsafeBufferPointer(rebasing: all[headStart...]))
        }
        headBuffer.removeAll(keepingCapacity: true)
        headStart = 0
        lineStart = 0
        guard let head else { return }  // 1xx: skipped, the next head follows
        emit(.head(head))
        if isHeadRequest || head.status == 204 || head.status == 304 {
            finish(HTTPHeaders(), emit)
        } else if case .fixed(let n) = state, n == 0 {
            finish(HTTPHeaders(), emit)
        }
    }

    /// Parses one complete head; nil for a skipped 1xx head. Sets the body state for a final one.
    private mutating func parse(_ p: UnsafeBufferPointer<UInt8>) throws(HTTPClientError) -> ResponseHead? {
        func malformed(_ why: String) -> HTTPClientError { .malformedResponse(why) }
        let lineEnd: Int
        do { lineEnd = try FieldLineParser.lineEnd(p, from: 0) } catch { throw Self.map(error, maxHeaderCount) }
        // HTTP/1.x SP 3DIGIT [SP reason]
        guard lineEnd >= 12, p[0] == 0x48, p[1] == 0x54, p[2] == 0x54, p[3] == 0x50, p[4] == 0x2F, p[6] == 0x2E,
            (0x30...0x39).contains(p[5]), (0x30...0x39).contains(p[7]), p[8] == 0x20
        else { throw malformed("invalid status line") }
        guard p[5] == 0x31 else { throw malformed("unsupported HTTP version") }
        let minor = p[7] == 0x30 ? 0 : 1
        guard (0x31...0x35).contains(p[9]), (0x30...0x39).contains(p[10]), (0x30...0x39).contains(p[11]) else {
            throw malformed("invalid status code")
        }
        let status = Int(p[9] - 0x30) * 100 + Int(p[10] - 0x30) * 10 + Int(p[11] - 0x30)
        var reason = ""
        if lineEnd > 12 {
            guard p[12] == 0x20 else { throw malformed("invalid status line") }
            for k in 13..<lineEnd where !HTTPSyntax.isFieldValueByte(p[k]) { throw malformed("control character in reason phrase") }
            reason = FieldLineParser.string(p, 13..<lineEnd)
        }
        let fields: [HTTPHeaders.Element]
        do { fields = try FieldLineParser.parseFields(p, from: lineEnd + 2, maxCount: maxHeaderCount).fields } catch {
            throw Self.map(error, maxHeaderCount)
        }
        if status < 200 {
            if status == 101 { throw malformed("unexpected 101 Switching Protocols") }
            return nil
        }

        var contentLength: Int?
        var codings: [Substring] = []
        var close = false
        var keepAliveToken = false
        for (name, value) in fields {
            switch name.utf8.count {
            case 10 where HTTPSyntax.equalsIgnoringCase(name, "connection"):
                for token in HTTPSyntax.listElements(value) {
                    if HTTPSyntax.equalsIgnoringCase(String(token), "close") { close = true }
                    if HTTPSyntax.equalsIgnoringCase(String(token), "keep-alive") { keepAliveToken = true }
                }
            case 14 where HTTPSyntax.equalsIgnoringCase(name, "content-length"):
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let digits = HTTPSyntax.trimmed(item)
                    guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                        let n = Int(digits)
                    else { throw malformed("invalid Content-Length") }
                    if let existing = contentLength, existing != n { throw malformed("conflicting Content-Length") }
                    contentLength = n
                }
            case 17 where HTTPSyntax.equalsIgnoringCase(name, "transfer-encoding"):
                codings.append(contentsOf: HTTPSyntax.listElements(value))
            default:
                break
            }
        }
        keepAlive = minor >= 1 ? !close : (keepAliveToken && !close)
        let bodiless = isHeadRequest || status == 204 || status == 304
        if bodiless {
            contentLength = nil
        } else if !codings.isEmpty {
            guard contentLength == nil else { throw malformed("both Content-Length and Transfer-Encoding") }
            guard codings.count == 1, HTTPSyntax.equalsIgnoringCase(String(codings[0]), "chunked") else {
                throw malformed("unsupported Transfer-Encoding")
            }
            state = .chunked
        } else if let n = contentLength {
            state = .fixed(remaining: n)
        } else {
            state = .untilClose
            keepAlive = false
        }
        return ResponseHead(
            status: status, reasonPhrase: reason, version: minor == 0 ? "HTTP/1.0" : "HTTP/1.1",
            headers: HTTPHeaders(validated: fields), contentLength: contentLength)
    }

    private func trailers() throws(HTTPClientError) -> HTTPHeaders {
        let raw = decoder.trailerBytes
        guard !raw.isEmpty else { return HTTPHeaders() }
        let block = raw + [0x0D, 0x0A]
        do {
            let fields = try block.withUnsafeBufferPointer { (p) throws(FieldLineParser.Failure) in
                try FieldLineParser.parseFields(p, from: 0, maxCount: maxHeaderCount).fields
            }
            return HTTPHeaders(validated: fields)
        } catch {
            throw error == .tooManyFields ? .tooManyHeaders(limit: maxHeaderCount) : .malformedResponse("invalid trailer field")
        }
    }

    private static func map(_ f: FieldLineParser.Failure, _ maxHeaderCount: Int) -> HTTPClientError {
        switch f {
        case .bareCR: .malformedResponse("bare CR in response head")
        case .bareLF: .malformedResponse("bare LF in response head")
        case .unterminatedLine: .malformedResponse("unterminated line in response head")
        case .obsoleteLineFolding: .malformedResponse("obsolete line folding")
        case .malformedName: .malformedResponse("malformed header field name")
        case .controlCharacterInValue: .malformedResponse("control character in header value")
        case .tooManyFields: .tooManyHeaders(limit: maxHeaderCount)
        }
    }
}
