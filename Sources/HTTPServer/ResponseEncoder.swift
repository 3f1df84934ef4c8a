/// Serializes response heads and server-generated error responses.
///
/// Why separate: framing headers are the server's job (see `HTTPResponse`), so this is the one
/// place that drops a handler's `Content-Length`/`Transfer-Encoding`/`Connection`/`Keep-Alive`
/// and writes ours. Header values were validated by `HTTPHeaders`, so nothing here can inject.
enum ResponseEncoder {
    enum Framing {
        case length(Int)
        case chunked
        /// Close-delimited body, or a status without a body (no framing field at all).
        case none
    }

    enum ConnectionField {
        case none, close, keepAlive
    }

    /// True if the handler's fields include `Connection: close`.
    static func requestsClose(_ headers: HTTPHeaders) -> Bool {
        for (name, value) in headers where HTTPSyntax.equalsIgnoringCase(name, "connection") {
            if HTTPSyntax.listContains(value, "close") { return true }
        }
        return false
    }

    static func appendHead(
        into out: inout [UInt8], status: Int, headers: HTTPHeaders, framing: Framing,
        connection: ConnectionField, date: [UInt8]
    ) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status, into: &out)
        out.append(0x20)
        out.append(contentsOf: HTTPStatus.reason(for: status).utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        var hasDate = false
        for (name, value) in headers {
            switch name.utf8.count {
            case 10 where HTTPSyntax.equalsIgnoringCase(name, "connection"),
                 10 where HTTPSyntax.equalsIgnoringCase(name, "keep-alive"),
                 14 where HTTPSyntax.equalsIgnoringCase(name, "content-length"),
                 17 where HTTPSyntax.equalsIgnoringCase(name, "transfer-encoding"):
                continue
            case 4 where HTTPSyntax.equalsIgnoringCase(name, "date"):
                hasDate = true
            default:
                break
            }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        switch framing {
        case .length(let n):
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(n, into: &out)
            out.append(contentsOf: [0x0D, 0x0A])
        case .chunked:
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .none:
            break
        }
        switch connection {
        case .none: break
        case .close: out.append(contentsOf: "Connection: close\r\n".utf8)
        case .keepAlive: out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        if !hasDate && !date.isEmpty {
            out.append(contentsOf: "Date: ".utf8)
            out.append(contentsOf: date)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// A complete `Connection: close` response with a short plain-text body.
    /// Returns the body length.
    @discardableResult
    static func appendError(into out: inout [UInt8], status: Int, reason: String, date: [UInt8]) -> Int {
        let body = Array("\(status) \(HTTPStatus.reason(for: status)): \(reason)\n".utf8)
        let headers = HTTPHeaders(validated: [("Content-Type", "text/plain; charset=utf-8")])
        appendHead(into: &out, status: status, headers: headers, framing: .length(body.count), connection: .close, date: date)
        out.append(contentsOf: body)
        return body.count
    }

    static func appendChunkHeader(_ size: Int, into out: inout [UInt8]) {
        let nibbles = max(1, (Int.bitWidth - size.leadingZeroBitCount + 3) / 4)
        for k in stride(from: nibbles - 1, through: 0, by: -1) {
            let d = UInt8((size >> (4 * k)) & 0xF)
            out.append(d < 10 ? 0x30 + d : 0x57 + d)
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        if value < 10 && value >= 0 {
            out.append(0x30 + UInt8(value))
            return
        }
        out.append(contentsOf: String(value).utf8)
    }
}
