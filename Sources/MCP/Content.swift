import JSON

/// A content block of a tool result or prompt message (superset of every revision).
///
/// Blocks a revision lacks (audio before 2025-03-26, resource links before 2025-06-18) are
/// rewritten by `ResultShaper` for that revision, never here.
public enum Content: Sendable, Hashable {
    case text(String)
    case image(data: String, mimeType: String)
    case audio(data: String, mimeType: String)
    case resourceLink(uri: String, name: String, mimeType: String?, description: String?)
    case resource(ResourceContents)

    public var json: JSONValue {
        switch self {
        case .text(let t):
            return ["type": "text", "text": .string(t)]
        case .image(let data, let mime):
            return ["type": "image", "data": .string(data), "mimeType": .string(mime)]
        case .audio(let data, let mime):
            return ["type": "audio", "data": .string(data), "mimeType": .string(mime)]
        case .resourceLink(let uri, let name, let mime, let description):
            var o: JSONObject = ["type": "resource_link", "uri": .string(uri), "name": .string(name)]
            if let mime { o["mimeType"] = .string(mime) }
            if let description { o["description"] = .string(description) }
            return .object(o)
        case .resource(let contents):
            return ["type": "resource", "resource": contents.json]
        }
    }
}

/// The contents of a resource: text or base64 binary.
public struct ResourceContents: Sendable, Hashable {
    public enum Body: Sendable, Hashable {
        case text(String)
        case blob(String)
    }

    public var uri: String
    public var mimeType: String?
    public var body: Body

    public init(uri: String, mimeType: String?, text: String) {
        self.uri = uri
        self.mimeType = mimeType
        self.body = .text(text)
    }

    public init(uri: String, mimeType: String?, blob base64: String) {
        self.uri = uri
        self.mimeType = mimeType
        self.body = .blob(base64)
    }

    public var json: JSONValue {
        var o: JSONObject = ["uri": .string(uri)]
        if let mimeType { o["mimeType"] = .string(mimeType) }
        switch body {
        case .text(let t): o["text"] = .string(t)
        case .blob(let b): o["blob"] = .string(b)
        }
        return .object(o)
    }
}
