import Testing
@testable import HTTPServer

/// What `RequestFramer` reports for a byte stream delivered in `pieces`: the accepted requests
/// (method, target, body) and the refusal status, if any.
private func frame(
    _ text: String, pieces: Int = 1, limits: RequestFramer.Limits = .init(HTTPServer.Configuration())
) -> (requests: [String], refusal: Int?) {
    let bytes = Array(text.utf8)
    var framer = RequestFramer(limits: limits)
    var buffer: [UInt8] = []
    var start = 0
    var requests: [String] = []
    let step = max(1, (bytes.count + pieces - 1) / pieces)
    for offset in stride(from: 0, to: bytes.count, by: step) {
        buffer += bytes[offset..<min(bytes.count, offset + step)]
        reading: while true {
            switch buffer.withUnsafeBufferPointer({ framer.next($0, from: &start) }) {
            case .needMore: break reading
            case .headStarted, .head, .bodyStarted: continue
            case .request(let head, let body):
                requests.append("\(head.method) \(head.target) \(String(decoding: body, as: UTF8.self))")
            case .failure(let rejection): return (requests, rejection.status)
            }
        }
    }
    return (requests, nil)
}

@Suite("Request framing without a socket")
struct RequestFramerTests {
    @Test func pipelinedRequestsWithBothFramingsAreSplitAtTheRightBytes() {
        let stream = "\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
            + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nab\r\n0\r\nT: 1\r\n\r\n"
        for pieces in [1, 7, stream.utf8.count] {
            let result = frame(stream, pieces: pieces)
            #expect(result.requests == ["GET /a ", "POST /b xyz", "POST /c ab"], "\(pieces) pieces")
            #expect(result.refusal == nil)
        }
    }

    @Test func headAndBodyLimitsGiveTheirOwnStatuses() {
        let limits = RequestFramer.Limits(maxHeaderBytes: 40, maxHeaderCount: 4, maxBodyBytes: 8)
        #expect(frame("GET / HTTP/1.1\r\nHost: h\r\nX-Padding: 0123456789\r\n\r\n", limits: limits).refusal == 431)
        #expect(frame("GET /0123456789012345678901234567890123456789 HTTP/1.1\r\n", limits: limits).refusal == 414)
        let roomy = RequestFramer.Limits(maxHeaderBytes: 64, maxHeaderCount: 4, maxBodyBytes: 8)
        #expect(frame("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n", limits: roomy).refusal == 413)
        #expect(frame("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n12345678", limits: roomy).requests == ["POST / 12345678"])
    }

    @Test func aBareLFIsRefusedBeforeTheHeadIsComplete() {
        #expect(frame("GET / HTTP/1.1\nHost: h").refusal == 400)
    }
}
