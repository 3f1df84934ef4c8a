import JSON
import MCP

/// The result of `tools/call`: the raw result object plus a typed view.
///
/// A tool that fails reports `isError: true` here — not a thrown error — so the caller (a model)
/// can read the failure. Some servers (the Python SDK's high-level server) also answer an unknown
/// tool this way instead of with −32602; callers must cope with both.
public struct MCPToolCallResult: Sendable, Hashable {
    /// The result object as received (2026: including `resultType` and `_meta`).
    public var json: JSONValue
    public var isError: Bool
    /// The content blocks as received.
    public var content: [JSONValue]
    public var structuredContent: JSONValue?

    /// Fails when the result is not an object with a `content` array.
    public init(json: JSONValue) throws(MCPClientError) {
        guard case .object(let o) = json else {
            throw .protocolViolation("tools/call returned a result that is not an object")
        }
        guard let content = o["content"]?.arrayValue else {
            throw .protocolViolation("tools/call returned a result without a \"content\" array")
        }
        if let flag = o["isError"], flag.boolValue == nil, !flag.isNull {
            throw .protocolViolation("tools/call returned a non-boolean \"isError\"")
        }
        self.json = json
        self.content = content
        self.isError = o["isError"]?.boolValue ?? false
        self.structuredContent = o["structuredContent"]
    }

    /// The content blocks our `Content` model can express, in order (unknown kinds are skipped).
    public var blocks: [Content] { content.compactMap(Content.init(clientJSON:)) }

    /// The text of every text block, joined by newlines.
    public var text: String {
        content.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
    }
}

extension Content {
    /// Reads a content block as a server sent it; nil for kinds or shapes we do not model.
    public init?(clientJSON json: JSONValue) {
        guard let type = json["type"]?.stringValue else { return nil }
        switch type {
        case "text":
            guard let text = json["text"]?.stringValue else { return nil }
            self = .text(text)
        case "image", "audio":
            guard let data = json["data"]?.stringValue, let mime = json["mimeType"]?.stringValue else { return nil }
            self = type == "image" ? .image(data: data, mimeType: mime) : .audio(data: data, mimeType: mime)
        case "resource_link":
            guard let uri = json["uri"]?.stringValue else { return nil }
            self = .resourceLink(uri: uri, name: json["name"]?.stringValue ?? uri, mimeType: json["mimeType"]?.stringValue,
                                 description: json["description"]?.stringValue)
        case "resource":
            guard let r = json["resource"], let uri = r["uri"]?.stringValue else { return nil }
            let mime = r["mimeType"]?.stringValue
            if let text = r["text"]?.stringValue {
                self = .resource(ResourceContents(uri: uri, mimeType: mime, text: text))
            } else if let blob = r["blob"]?.stringValue {
                self = .resource(ResourceContents(uri: uri, mimeType: mime, blob: blob))
            } else {
                return nil
            }
        default:
            return nil
        }
    }
}
