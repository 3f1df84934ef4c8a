import JSON

/// Server-Sent Events framing (WHATWG HTML §9.2): one `data:` line per message — our JSON never
/// contains a newline, so a message is always exactly one line — an optional `id:`, and comment
/// lines for keep-alives.
public enum SSEFrame {
    public static func message(_ json: JSONValue, id: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        if let id { out.append(contentsOf: "id: \(id)\n".utf8) }
        out.append(contentsOf: "event: message\ndata: ".utf8)
        out.append(contentsOf: JSONWriter.bytes(json))
        out.append(contentsOf: "\n\n".utf8)
        return out
    }

    /// A message whose JSON text is already serialized (one line, no newline).
    public static func message(raw json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 24)
        out.append(contentsOf: "event: message\ndata: ".utf8)
        out.append(contentsOf: json)
        out.append(contentsOf: "\n\n".utf8)
        return out
    }

    public static func event(_ name: String, data: String, id: String? = nil) -> [UInt8] {
        var text = ""
        if let id { text += "id: \(id)\n" }
        text += "event: \(name)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return Array((text + "\n").utf8)
    }

    /// A priming event: an id and empty data, so the client has a `Last-Event-ID` to resume from.
    public static func priming(id: String, retryMs: Int? = nil) -> [UInt8] {
        var text = "id: \(id)\n"
        if let retryMs { text += "retry: \(retryMs)\n" }
        return Array((text + "data: \n\n").utf8)
    }

    public static let keepAlive: [UInt8] = Array(": keep-alive\n\n".utf8)
}
