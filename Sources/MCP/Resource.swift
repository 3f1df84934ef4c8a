import JSON

/// A concrete resource that `resources/list` announces.
public struct Resource: Sendable, Hashable {
    public var uri: String
    public var name: String
    public var title: String?
    public var description: String?
    public var mimeType: String?
    public var size: Int?
    public var icons: [Icon]

    public init(uri: String, name: String, title: String? = nil, description: String? = nil, mimeType: String? = nil, size: Int? = nil, icons: [Icon] = []) {
        self.uri = uri
        self.name = name
        self.title = title
        self.description = description
        self.mimeType = mimeType
        self.size = size
        self.icons = icons
    }

    public var json: JSONValue {
        var o: JSONObject = ["uri": .string(uri), "name": .string(name)]
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        if let mimeType { o["mimeType"] = .string(mimeType) }
        if let size { o["size"] = .int(Int64(size)) }
        if !icons.isEmpty { o["icons"] = .array(icons.map(\.json)) }
        return .object(o)
    }
}

/// A family of resources named by an RFC 6570 URI template.
public struct ResourceTemplate: Sendable, Hashable {
    public var uriTemplate: String
    public var name: String
    public var title: String?
    public var description: String?
    public var mimeType: String?

    public init(uriTemplate: String, name: String, title: String? = nil, description: String? = nil, mimeType: String? = nil) {
        self.uriTemplate = uriTemplate
        self.name = name
        self.title = title
        self.description = description
        self.mimeType = mimeType
    }

    public var json: JSONValue {
        var o: JSONObject = ["uriTemplate": .string(uriTemplate), "name": .string(name)]
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        if let mimeType { o["mimeType"] = .string(mimeType) }
        return .object(o)
    }

    /// Matches a URI against a template of literal text and simple `{var}` expressions (level 1 of
    /// RFC 6570, which is what MCP servers use); a variable never spans a `/`.
    public func match(_ uri: String) -> [String: String]? {
        var vars: [String: String] = [:]
        var t = Substring(uriTemplate)
        var u = Substring(uri)
        while !t.isEmpty {
            if t.first == "{" {
                guard let close = t.firstIndex(of: "}") else { return nil }
                let name = String(t[t.index(after: t.startIndex)..<close])
                t = t[t.index(after: close)...]
                let stop: Character? = t.first
                var end = u.startIndex
                while end < u.endIndex, u[end] != "/", u[end] != stop { end = u.index(after: end) }
                guard end > u.startIndex else { return nil }
                vars[name] = String(u[u.startIndex..<end]).removingPercentEncodingSafe
                u = u[end...]
            } else {
                guard let tc = t.first, let uc = u.first, tc == uc else { return nil }
                t = t.dropFirst()
                u = u.dropFirst()
            }
        }
        return u.isEmpty ? vars : nil
    }
}

extension String {
    /// Percent-decoding that leaves malformed escapes untouched instead of failing.
    var removingPercentEncodingSafe: String {
        guard contains("%") else { return self }
        var out: [UInt8] = []
        let b = Array(utf8)
        var i = 0
        while i < b.count {
            if b[i] == 0x25, i + 2 < b.count, let h = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(h)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
