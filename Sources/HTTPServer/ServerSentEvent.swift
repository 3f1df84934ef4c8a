/// One Server-Sent Events frame (`text/event-stream`), formatted the way MCP's Streamable HTTP uses it.
///
/// Why here: the SSE framing rules are HTTP-level (no MCP words): `data` lines split on every
/// line break so a payload can never end a frame early, and `event`/`id` lose CR/LF so they
/// cannot inject fields.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    public var data: String
    public var id: String?
    /// Reconnection time in milliseconds.
    public var retry: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }

    /// The wire bytes, CRLF line endings, ending with the blank line that dispatches the event.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 32)
        func line(_ field: String, _ value: Substring) {
            out.append(contentsOf: field.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if let event { line("event", Self.singleLine(event)) }
        if let id { line("id", Self.singleLine(id)) }
        if let retry { line("retry", Substring(String(retry))) }
        // Split on CRLF, CR or LF: each becomes its own data line.
        var start = data.startIndex
        var i = data.startIndex
        while i < data.endIndex {
            let c = data[i]
            if c == "\n" || c == "\r" || c == "\r\n" {
                line("data", data[start..<i])
                i = data.index(after: i)
                start = i
            } else {
                i = data.index(after: i)
            }
        }
        line("data", data[start..<data.endIndex])
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// A comment frame (`: text`), used as a keep-alive on long streams.
    public static func comment(_ text: String = "") -> [UInt8] {
        Array(": \(singleLine(text))\r\n\r\n".utf8)
    }

    static func singleLine(_ s: String) -> Substring {
        Substring(s.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" && $0 != "\0" })
    }
}
