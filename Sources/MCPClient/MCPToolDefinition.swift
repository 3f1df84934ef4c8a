import JSON
import MCP

/// One tool from `tools/list`: the definition exactly as the server sent it, plus typed accessors.
///
/// `json` is kept unchanged so a gateway can pass tools through without losing fields this
/// codebase does not model (extensions, future keys).
public struct MCPToolDefinition: Sendable, Hashable {
    /// The definition as received.
    public var json: JSONValue
    public var name: String

    /// Fails when the entry is not an object with a string `name`.
    public init(json: JSONValue) throws(MCPClientError) {
        guard case .object(let o) = json, let name = o["name"]?.stringValue else {
            throw .protocolViolation("tools/list returned a tool that is not an object with a string \"name\"")
        }
        self.json = json
        self.name = name
    }

    public var title: String? { json["title"]?.stringValue }
    public var description: String? { json["description"]?.stringValue }
    public var inputSchema: JSONValue? { json["inputSchema"] }
    public var outputSchema: JSONValue? { json["outputSchema"] }
    public var annotations: JSONValue? { json["annotations"] }

    /// The definition as our own `Tool` model (fields it does not model are dropped; a missing
    /// input schema reads as "no arguments").
    public var tool: Tool {
        var annotations: ToolAnnotations?
        if case .object(let a)? = json["annotations"] {
            annotations = ToolAnnotations(title: a["title"]?.stringValue, readOnlyHint: a["readOnlyHint"]?.boolValue,
                                          destructiveHint: a["destructiveHint"]?.boolValue, idempotentHint: a["idempotentHint"]?.boolValue,
                                          openWorldHint: a["openWorldHint"]?.boolValue)
        }
        let icons: [Icon] = (json["icons"]?.arrayValue ?? []).compactMap { icon in
            guard let src = icon["src"]?.stringValue else { return nil }
            return Icon(src: src, mimeType: icon["mimeType"]?.stringValue, sizes: icon["sizes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        return Tool(name: name, title: title, description: description, inputSchema: inputSchema ?? Tool.noArguments,
                    outputSchema: outputSchema, annotations: annotations, icons: icons, meta: json["_meta"]?.objectValue)
    }
}
