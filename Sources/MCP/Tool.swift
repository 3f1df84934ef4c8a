import JSON

/// A tool definition (superset of every revision; `ResultShaper` removes what a revision lacks).
public struct Tool: Sendable, Hashable {
    public var name: String
    public var title: String?
    public var description: String?
    public var inputSchema: JSONValue
    public var outputSchema: JSONValue?
    public var annotations: ToolAnnotations?
    public var icons: [Icon]
    public var meta: JSONObject?

    /// The schema of a tool without arguments.
    public static let noArguments: JSONValue = ["type": "object", "additionalProperties": false]

    public init(name: String, title: String? = nil, description: String? = nil, inputSchema: JSONValue = Tool.noArguments,
                outputSchema: JSONValue? = nil, annotations: ToolAnnotations? = nil, icons: [Icon] = [], meta: JSONObject? = nil)
    {
        self.name = name
        self.title = title
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.annotations = annotations
        self.icons = icons
        self.meta = meta
    }

    public var json: JSONValue {
        var o: JSONObject = ["name": .string(name)]
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        o["inputSchema"] = inputSchema
        if let outputSchema { o["outputSchema"] = outputSchema }
        if let annotations { o["annotations"] = annotations.json }
        if !icons.isEmpty { o["icons"] = .array(icons.map(\.json)) }
        if let meta { o["_meta"] = .object(meta) }
        return .object(o)
    }
}

/// Untrusted hints about a tool's behaviour.
public struct ToolAnnotations: Sendable, Hashable {
    public var title: String?
    public var readOnlyHint: Bool?
    public var destructiveHint: Bool?
    public var idempotentHint: Bool?
    public var openWorldHint: Bool?

    public init(title: String? = nil, readOnlyHint: Bool? = nil, destructiveHint: Bool? = nil, idempotentHint: Bool? = nil, openWorldHint: Bool? = nil) {
        self.title = title
        self.readOnlyHint = readOnlyHint
        self.destructiveHint = destructiveHint
        self.idempotentHint = idempotentHint
        self.openWorldHint = openWorldHint
    }

    public var json: JSONValue {
        var o = JSONObject()
        if let title { o["title"] = .string(title) }
        if let readOnlyHint { o["readOnlyHint"] = .bool(readOnlyHint) }
        if let destructiveHint { o["destructiveHint"] = .bool(destructiveHint) }
        if let idempotentHint { o["idempotentHint"] = .bool(idempotentHint) }
        if let openWorldHint { o["openWorldHint"] = .bool(openWorldHint) }
        return .object(o)
    }
}

/// What a tool returns: content blocks, optional structured content, and whether it failed.
/// Tool failures are results with `isError: true`, never protocol errors, so a model can react.
public struct ToolResult: Sendable, Hashable {
    public var content: [Content]
    public var structuredContent: JSONValue?
    public var isError: Bool

    public init(content: [Content], structuredContent: JSONValue? = nil, isError: Bool = false) {
        self.content = content
        self.structuredContent = structuredContent
        self.isError = isError
    }

    public static func text(_ text: String) -> ToolResult { ToolResult(content: [.text(text)]) }
    public static func error(_ text: String) -> ToolResult { ToolResult(content: [.text(text)], isError: true) }

    public var json: JSONValue {
        // Room for `isError` and for what `ResultShaper` adds (2026: `resultType`, `_meta`), so
        // the member arrays are allocated once.
        var o = JSONObject(minimumCapacity: 5)
        o["content"] = .array(content.map(\.json))
        if let structuredContent { o["structuredContent"] = structuredContent }
        o["isError"] = .bool(isError)
        return .object(o)
    }
}
