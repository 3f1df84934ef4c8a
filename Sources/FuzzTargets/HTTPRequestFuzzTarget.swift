import HTTPServer

/// Fuzzes the server's request parsing — `RequestFramer`, which runs `RequestHeadParser`,
/// `FieldLineParser` and `ChunkedDecoder` exactly as a connection does — under the default
/// limits and under tight ones (so the 413/414/431 paths are reachable in small inputs).
///
/// Invariants: where the bytes are cut between reads never changes which requests are accepted
/// (method, target, version, fields, body, keep-alive, `100-continue`), nor whether the stream
/// ends refused; a refusal is one of the statuses the server documents; every accepted request
/// has a token method, a target without spaces or controls, fields that `HTTPHeaders` itself
/// would accept (a handler can copy them into a response without trapping), at most one framing
/// (Content-Length or chunked), a body within the limit and of the announced length, and exactly
/// one Host on HTTP/1.1; its path and query split and decode without trapping; and its canonical
/// re-encoding (one space after each colon, the body re-framed the same way) parses to the same
/// request, so whatever the server accepts it could also forward.
public enum HTTPRequestFuzzTarget {
    private static let limitSets = [
        RequestFramer.Limits(HTTPServer.Configuration()),
        RequestFramer.Limits(maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 32),
    ]
    private static let refusalStatuses: Set<Int> = [400, 413, 414, 417, 431, 501, 505]

    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        var plan = ChunkPlan(input)
        let bytes = Array(input)
        for limits in limitSets {
            let whole = frame(bytes, pieces: [0..<bytes.count], limits: limits)
            for request in whole.requests { check(request, limits: limits) }
            if let status = whole.refusal { Invariant.check(refusalStatuses.contains(status), "undocumented refusal status \(status)") }
            for _ in 0..<2 {
                let cut = frame(bytes, pieces: plan.pieces(bytes.count), limits: limits)
                Invariant.check(cut.requests == whole.requests, "accepted requests depend on where the input is cut")
                Invariant.check((cut.refusal == nil) == (whole.refusal == nil), "refusal depends on where the input is cut")
                if let status = cut.refusal { Invariant.check(refusalStatuses.contains(status), "undocumented refusal status \(status)") }
            }
        }
    }

    /// One accepted request, comparable across cuttings.
    private struct Accepted: Equatable {
        var method: String
        var target: String
        var minorVersion: Int
        /// Each field as `[name, value]`.
        var fields: [[String]]
        var contentLength: Int?
        var chunked: Bool
        var keepAlive: Bool
        var expectContinue: Bool
        var body: [UInt8]
    }

    private struct Outcome {
        var requests: [Accepted] = []
        var refusal: Int?
    }

    /// Delivers `pieces` of `bytes` one read at a time, driving the framer as a connection does.
    private static func frame(_ bytes: [UInt8], pieces: [Range<Int>], limits: RequestFramer.Limits) -> Outcome {
        var framer = RequestFramer(limits: limits)
        var buffer: [UInt8] = []
        var start = 0
        var outcome = Outcome()
        for piece in pieces {
            buffer.append(contentsOf: bytes[piece])
            reading: while true {
                let event = buffer.withUnsafeBufferPointer { framer.next($0, from: &start) }
                switch event {
                case .needMore:
                    break reading
                case .headStarted, .head, .bodyStarted:
                    break
                case .request(let head, let body):
                    outcome.requests.append(
                        Accepted(
                            method: head.method, target: head.target, minorVersion: head.minorVersion,
                            fields: head.headers.map { [$0.name, $0.value] }, contentLength: head.contentLength,
                            chunked: head.chunked, keepAlive: head.keepAlive, expectContinue: head.expectContinue, body: body))
                case .failure(let rejection):
                    outcome.refusal = rejection.status
                    return outcome
                }
            }
        }
        return outcome
    }

    /// The request written back in the simplest form the parser accepts.
    private static func canonical(_ r: Accepted) -> [UInt8] {
        var text = "\(r.method) \(r.target) HTTP/1.\(r.minorVersion)\r\n"
        for field in r.fields { text += "\(field[0]): \(field[1])\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        if r.chunked {
            if !r.body.isEmpty { bytes += Array("\(String(r.body.count, radix: 16))\r\n".utf8) + r.body + [0x0D, 0x0A] }
            bytes += Array("0\r\n\r\n".utf8)
        } else {
            bytes += r.body
        }
        return bytes
    }

    /// `limits` with room for the canonical head, which may be longer than the original (a
    /// space after each colon, invalid UTF-8 in values replaced by three-byte U+FFFD).
    private static func roomy(_ limits: RequestFramer.Limits) -> RequestFramer.Limits {
        var wider = limits
        wider.maxHeaderBytes = max(limits.maxHeaderBytes, 1 << 20)
        return wider
    }

    private static func check(_ r: Accepted, limits: RequestFramer.Limits) {
        Invariant.check(HTTPHeaders.isValidName(r.method), "method \(r.method.debugDescription) is not a token")
        Invariant.check(
            !r.target.isEmpty && r.target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "target \(r.target.debugDescription) has a space or control")
        Invariant.check(r.minorVersion == 0 || r.minorVersion == 1, "minor version \(r.minorVersion)")
        Invariant.check(!(r.chunked && r.contentLength != nil), "both chunked and Content-Length")
        Invariant.check(r.body.count <= limits.maxBodyBytes, "body of \(r.body.count) bytes over the limit")
        if let n = r.contentLength { Invariant.check(r.body.count == n, "body of \(r.body.count) bytes, Content-Length \(n)") }
        if !r.chunked && r.contentLength == nil { Invariant.check(r.body.isEmpty, "a body without framing") }
        var hosts = 0
        for field in r.fields {
            let (name, value) = (field[0], field[1])
            Invariant.check(HTTPHeaders.isValidName(name), "field name \(name.debugDescription) is not a token")
            Invariant.check(HTTPHeaders.isValidValue(value), "field value \(value.debugDescription) is not a field value")
            let edges = [value.utf8.first, value.utf8.last]
            Invariant.check(!edges.contains(0x20) && !edges.contains(0x09), "field value \(value.debugDescription) is not trimmed")
            if name.lowercased() == "host" { hosts += 1 }
        }
        if r.minorVersion == 1 { Invariant.check(hosts == 1, "\(hosts) Host fields on HTTP/1.1") }
        let encoded = canonical(r)
        let again = frame(encoded, pieces: [0..<encoded.count], limits: roomy(limits))
        Invariant.check(again.refusal == nil && again.requests == [r], "the canonical re-encoding of a request parses differently")
        let request = HTTPRequest(method: r.method, target: r.target)
        Invariant.check(request.path.utf8.count <= r.target.utf8.count + 1, "path longer than the target")
        for name in ["q", "cursor", ""] { _ = request.queryItem(name) }
    }
}
