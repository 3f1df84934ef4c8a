/// Parses a complete request head (request line + fields + the blank line) from raw bytes.
///
/// Why hand-written and strict: this is the attack surface. We accept exactly RFC 9112 syntax
/// and refuse ambiguity instead of guessing, because guesses are how request smuggling works:
/// - line endings must be CRLF; a bare LF or bare CR anywhere in the head is 400;
/// - method and field names must be tokens (no spaces, controls or non-ASCII); whitespace
///   between a field name and its colon is 400; obs-fold (a line starting with SP/HTAB) is 400;
/// - field values may hold visible ASCII, SP, HTAB and obs-text, never CTLs or DEL;
/// - the request-target is visible ASCII without spaces, and must be origin-form (`/…`),
///   absolute-form (`http://…`) or `*` (OPTIONS only);
/// - versions other than HTTP/1.x are 505, malformed versions 400;
/// - Content-Length must be digits; repeated or comma-listed values must all agree, else 400;
/// - Content-Length together with Transfer-Encoding is 400; Transfer-Encoding on HTTP/1.0 is 400;
///   any Transfer-Encoding other than exactly `chunked` is 501;
/// - HTTP/1.1 needs exactly one Host field (400 otherwise);
/// - `Expect` other than `100-continue` is 417;
/// - more than `maxHeaderCount` fields is 431.
/// Leading empty lines before the request line are skipped by the caller (RFC 9112 §2.2). The
/// field block itself is scanned by `FieldLineParser`, which the HTTP client shares.
enum RequestHeadParser {
    static func parse(_ buf: UnsafeBufferPointer<UInt8>, maxHeaderCount: Int) -> Result<RequestHead, RequestRejection> {
        do {
            return .success(try parseOrThrow(buf, maxHeaderCount: maxHeaderCount))
        } catch let r as RequestRejection {
            return .failure(r)
        } catch {
            return .failure(RequestRejection(status: 400, reason: "malformed request"))
        }
    }

    private static func bad(_ reason: String) -> RequestRejection {
        RequestRejection(status: 400, reason: reason)
    }

    /// The request parser's words for a field-block failure (statuses and reasons unchanged by
    /// the move of the field scanner into `FieldLineParser`).
    private static func rejection(_ f: FieldLineParser.Failure) -> RequestRejection {
        switch f {
        case .bareCR: bad("bare CR in request head")
        case .bareLF: bad("bare LF in request head")
        case .unterminatedLine: bad("unterminated line")
        case .obsoleteLineFolding: bad("obsolete line folding")
        case .malformedName: bad("malformed header field name")
        case .controlCharacterInValue: bad("control character in header value")
        case .tooManyFields: RequestRejection(status: 431, reason: "too many header fields")
        }
    }

    static func parseOrThrow(_ buf: UnsafeBufferPointer<UInt8>, maxHeaderCount: Int) throws -> RequestHead {
        // Request line: method SP request-target SP HTTP-version
        let end: Int
        do { end = try FieldLineParser.lineEnd(buf, from: 0) } catch { throw rejection(error) }
        var i = 0
        while i < end, HTTPSyntax.isTokenByte(buf[i]) { i += 1 }
        guard i > 0, i < end, buf[i] == 0x20 else { throw bad("malformed method") }
        let method = FieldLineParser.string(buf, 0..<i)
        i += 1
        let targetStart = i
        while i < end, HTTPSyntax.isTargetByte(buf[i]) { i += 1 }
        guard i > targetStart, i < end, buf[i] == 0x20 else { throw bad("malformed request-target") }
        let targetRange = targetStart..<i
        i += 1
        let minor = try version(buf, i..<end)
        let target = FieldLineParser.string(buf, targetRange)
        let first = buf[targetStart]
        if first == 0x2F {
            // origin-form
        } else if first == 0x2A, targetRange.count == 1 {
            guard method == "OPTIONS" else { throw bad("asterisk-form is only for OPTIONS") }
        } else if target.lowercased().hasPrefix("http://") || target.lowercased().hasPrefix("https://") {
            // absolute-form
        } else {
            throw bad("unsupported request-target form")
        }

        // Fields
        let fields: [HTTPHeaders.Element]
        do { fields = try FieldLineParser.parseFields(buf, from: end + 2, maxCount: maxHeaderCount).fields } catch {
            throw rejection(error)
        }
        var contentLength: Int? = nil
        var transferEncodings: [String] = []
        var hostCount = 0
        var connectionClose = false
        var connectionKeepAlive = false
        var expectContinue = false
        for (name, value) in fields {
            switch name.utf8.count {
            case 4 where HTTPSyntax.equalsIgnoringCase(name, "host"):
                hostCount += 1
            case 6 where HTTPSyntax.equalsIgnoringCase(name, "expect"):
                guard HTTPSyntax.equalsIgnoringCase(value, "100-continue") else {
                    throw RequestRejection(status: 417, reason: "unsupported expectation")
                }
                expectContinue = true
            case 10 where HTTPSyntax.equalsIgnoringCase(name, "connection"):
                for token in HTTPSyntax.listElements(value) {
                    if HTTPSyntax.equalsIgnoringCase(String(token), "close") { connectionClose = true }
                    if HTTPSyntax.equalsIgnoringCase(String(token), "keep-alive") { connectionKeepAlive = true }
                }
            case 14 where HTTPSyntax.equalsIgnoringCase(name, "content-length"):
                let items = value.split(separator: ",", omittingEmptySubsequences: false)
                for item in items {
                    let digits = HTTPSyntax.trimmed(item)
                    guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                        let n = Int(digits)
                    else { throw bad("invalid Content-Length") }
                    if let existing = contentLength, existing != n { throw bad("conflicting Content-Length") }
                    contentLength = n
                }
            case 17 where HTTPSyntax.equalsIgnoringCase(name, "transfer-encoding"):
                transferEncodings.append(contentsOf: HTTPSyntax.listElements(value).map(String.init))
                if transferEncodings.isEmpty { throw bad("empty Transfer-Encoding") }
            default:
                break
            }
        }

        var chunked = false
        if !transferEncodings.isEmpty {
            if contentLength != nil { throw bad("both Content-Length and Transfer-Encoding") }
            if minor == 0 { throw bad("Transfer-Encoding in an HTTP/1.0 request") }
            guard transferEncodings.count == 1, HTTPSyntax.equalsIgnoringCase(transferEncodings[0], "chunked") else {
                throw RequestRejection(status: 501, reason: "unsupported Transfer-Encoding")
            }
            chunked = true
        }
        if minor >= 1 && hostCount != 1 { throw bad(hostCount == 0 ? "missing Host" : "more than one Host") }
        if minor == 0 && hostCount > 1 { throw bad("more than one Host") }

        let keepAlive = minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return RequestHead(
            method: method, target: target, minorVersion: minor, headers: HTTPHeaders(validated: fields),
            contentLength: contentLength, chunked: chunked, keepAlive: keepAlive, expectContinue: expectContinue)
    }

    /// `HTTP/1.x` → x (capped at 1); other majors → 505; anything else → 400.
    private static func version(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) throws -> Int {
        guard r.count == 8,
            buf[r.lowerBound] == 0x48, buf[r.lowerBound + 1] == 0x54, buf[r.lowerBound + 2] == 0x54,
            buf[r.lowerBound + 3] == 0x50, buf[r.lowerBound + 4] == 0x2F, buf[r.lowerBound + 6] == 0x2E
        else { throw bad("malformed HTTP version") }
        let major = buf[r.lowerBound + 5], minor = buf[r.lowerBound + 7]
        guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else { throw bad("malformed HTTP version") }
        guard major == 0x31 else { throw RequestRejection(status: 505, reason: "HTTP version not supported") }
        return minor == 0x30 ? 0 : 1
    }
}
