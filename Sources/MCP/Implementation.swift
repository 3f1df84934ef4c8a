import JSON

/// Name and version of a client or server (`serverInfo`, `clientInfo`).
public struct Implementation: Sendable, Hashable {
    public var name: String
    public var version: String
    public var title: String?
    public var description: String?
    public var websiteUrl: String?
    public var icons: [Icon]

    public init(name: String, version: String, title: String? = nil, description: String? = nil, websiteUrl: String? = nil, icons: [Icon] = []) {
        self.name = name
        self.version = version
        self.title = title
        self.description = description
        self.websiteUrl = websiteUrl
        self.icons = icons
    }

    public var json: JSONValue {
        var o: JSONObject = ["name": .string(name), "version": .string(version)]
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        if let websiteUrl { o["websiteUrl"] = .string(websiteUrl) }
        if !icons.isEmpty { o["icons"] = .array(icons.map(\.json)) }
        return .object(o)
    }
}

/// An icon for a tool, prompt, resource or implementation (2025-11-25 and later).
public struct Icon: Sendable, Hashable {
    public var src: String
    public var mimeType: String?
    public var sizes: [String]

    public init(src: String, mimeType: String? = nil, sizes: [String] = []) {
        self.src = src
        self.mimeType = mimeType
        self.sizes = sizes
    }

    public var json: JSONValue {
        var o: JSONObject = ["src": .string(src)]
        if let mimeType { o["mimeType"] = .string(mimeType) }
        if !sizes.isEmpty { o["sizes"] = .array(sizes.map { .string($0) }) }
        return .object(o)
    }
}
