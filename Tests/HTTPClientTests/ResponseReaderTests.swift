import HTTPServer
import Testing
@testable import HTTPClient

/// What a reader produced for a whole input.
private struct Parsed {
    var heads: [ResponseHead] = []
    var body: [UInt8] = []
    var trailers: HTTPHeaders?
    var keepAlive = false
    var complete = false

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Feeds `input` in pieces of `step` bytes (0 = all at once), then EOF when `eof`.
private func read(
    _ input: String, step: Int = 0, head: Bool = false, eof: Bool = false, maxHeadBytes: Int = 4096, maxHeaders: Int = 20
) throws(HTTPClientError) -> Parsed {
    var reader = ResponseReader(isHeadRequest: head, maxHeadBytes: maxHeadBytes, maxHeaderCount: maxHeaders)
    var parsed = Parsed()
    let bytes = Array(input.utf8)
    let size = step == 0 ? max(bytes.count, 1) : step
    var i = 0
    func handle(_ event: ResponseReader.Event) {
        switch event {
        case .head(let h): parsed.heads.append(h)
        case .body(let b): parsed.body += b
        case .end(let t): parsed.trailers = t
        }
    }
    while i < bytes.count {
        let piece = Array(bytes[i..<min(i + size, bytes.count)])
        try piece.withUnsafeBufferPointer { (p) throws(HTTPClientError) in try reader.consume(p, handle) }
        i += size
    }
    if eof { try reader.finishAtEOF(handle) }
    parsed.keepAlive = reader.keepAlive
    parsed.complete = reader.isComplete
    return parsed
}

private func expectFailure(_ expected: HTTPClientError, _ input: String, head: Bool = false, eof: Bool = false,
                           maxHeadBytes: Int = 4096, maxHeaders: Int = 20, sourceLocation: SourceLocation = #_sourceLocation) {
    for step in [0, 1, 7] {
        do {
            _ = try read(input, step: step, head: head, eof: eof, maxHeadBytes: maxHeadBytes, maxHeaders: maxHeaders)
            Issue.record("step \(step): expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error == expected, "step \(step)", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Response parsing (no sockets)")
struct ResponseReaderTests {
    @Test(arguments: [0, 1, 2, 3, 5, 13])
    func aContentLengthResponseParsesTheSameWhateverTheSplit(step: Int) throws {
        let p = try read("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A:  spaced  \r\n\r\nhello", step: step)
        #expect(p.heads.count == 1)
        #expect(p.heads[0].status == 201 && p.heads[0].reasonPhrase == "Created" && p.heads[0].version == "HTTP/1.1")
        #expect(p.heads[0].headers["x-a"] == "spaced")
        #expect(p.heads[0].contentLength == 5)
        #expect(p.text == "hello" && p.complete && p.keepAlive)
    }

    @Test(arguments: [0, 1, 4])
    func aChunkedBodyWithExtensionsAndTrailersIsDecoded(step: Int) throws {
        let input =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
        let p = try read(input, step: step)
        #expect(p.text == "hello world")
        #expect(p.trailers?["X-Checksum"] == "abc" && p.trailers?["x-other"] == "1")
        #expect(p.complete && p.keepAlive)
    }

    @Test func informationalHeadsAreSkippedAndTheFinalHeadIsReported() throws {
        let p = try read(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            step: 3)
        #expect(p.heads.map(\.status) == [200])
        #expect(p.text == "ok" && p.complete)
    }

    @Test func emptyLinesBeforeTheStatusLineAreSkipped() throws {
        let p = try read("\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
        #expect(p.heads.map(\.status) == [204] && p.complete)
    }

    @Test func headResponsesAnd204And304HaveNoBodyWhateverTheirFieldsSay() throws {
        let head = try read("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", head: true)
        #expect(head.complete && head.body.isEmpty && head.keepAlive && head.heads[0].contentLength == nil)
        let chunkedHead = try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", head: true)
        #expect(chunkedHead.complete && chunkedHead.keepAlive)
        for status in [204, 304] {
            let p = try read("HTTP/1.1 \(status) X\r\nContent-Length: 10\r\n\r\n")
            #expect(p.complete && p.body.isEmpty && p.keepAlive)
        }
    }

    @Test func aZeroContentLengthCompletesWithTheHead() throws {
        let p = try read("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(p.complete && p.body.isEmpty && p.keepAlive)
    }

    @Test func aBodyWithoutLengthRunsUntilCloseAndIsNeverReusable() throws {
        let open = try read("HTTP/1.1 200 OK\r\n\r\npart one, ", step: 4)
        #expect(!open.complete && open.text == "part one, ")
        let closed = try read("HTTP/1.1 200 OK\r\n\r\npart one, part two", step: 4, eof: true)
        #expect(closed.complete && !closed.keepAlive && closed.text == "part one, part two")
    }

    @Test func connectionCloseAndHTTP10DecideReuse() throws {
        #expect(try !read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive)
        #expect(try !read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive)
        let kept = try read("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
        #expect(kept.keepAlive && kept.heads[0].version == "HTTP/1.0")
    }

    @Test func aStatusLineWithoutReasonPhraseIsAccepted() throws {
        let p = try read("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")
        #expect(p.heads[0].status == 200 && p.heads[0].reasonPhrase == "")
    }

    @Test func bytesAfterACompleteResponseMakeTheConnectionNonReusable() throws {
        let p = try read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE")
        #expect(p.complete && p.text == "ok" && !p.keepAlive)
    }

    @Test func anEOFBeforeTheResponseEndsIsConnectionClosed() {
        expectFailure(.connectionClosed, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", eof: true)
        expectFailure(.connectionClosed, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", eof: true)
        expectFailure(.connectionClosed, "HTTP/1.1 200 O", eof: true)
    }

    @Test func malformedHeadsAreRefusedWithAReason() {
        expectFailure(.malformedResponse("bare LF in response head"), "HTTP/1.1 200 OK\nContent-Length: 0\n\n")
        expectFailure(.malformedResponse("bare CR in response head"), "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n")
        expectFailure(.malformedResponse("invalid status line"), "HTTX/1.1 200 OK\r\n\r\n")
        expectFailure(.malformedResponse("unsupported HTTP version"), "HTTP/2.0 200 OK\r\n\r\n")
        expectFailure(.malformedResponse("invalid status code"), "HTTP/1.1 2x0 OK\r\n\r\n")
        expectFailure(.malformedResponse("obsolete line folding"), "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n")
        expectFailure(.malformedResponse("malformed header field name"), "HTTP/1.1 200 OK\r\nX Y: a\r\n\r\n")
        expectFailure(.malformedResponse("unexpected 101 Switching Protocols"), "HTTP/1.1 101 Switching\r\n\r\n")
    }

    @Test func ambiguousFramingIsRefusedRatherThanGuessed() {
        expectFailure(
            .malformedResponse("both Content-Length and Transfer-Encoding"),
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
        expectFailure(
            .malformedResponse("conflicting Content-Length"), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
        expectFailure(.malformedResponse("invalid Content-Length"), "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
        expectFailure(
            .malformedResponse("unsupported Transfer-Encoding"), "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        expectFailure(
            .malformedResponse("invalid chunk size"), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    }

    @Test func repeatedEqualContentLengthsAreAccepted() throws {
        let p = try read("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok")
        #expect(p.text == "ok")
    }

    @Test func limitsNameTheLimitThatWasExceeded() {
        let big = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200) + "\r\n\r\n"
        expectFailure(.headTooLarge(limit: 128), big, maxHeadBytes: 128)
        let many = "HTTP/1.1 200 OK\r\n" + (0..<6).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
        expectFailure(.tooManyHeaders(limit: 5), many, maxHeaders: 5)
        let trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + String(repeating: "t", count: 200) + "\r\n\r\n"
        expectFailure(.trailersTooLarge(limit: 128), trailers, maxHeadBytes: 128)
    }

    @Test func aHeadExactlyAtTheLimitIsAccepted() throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        let p = try read(head, step: 1, maxHeadBytes: head.utf8.count)
        #expect(p.complete)
    }
}
