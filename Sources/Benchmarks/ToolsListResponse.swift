/// The typed Codable model of a `tools/list` result, for the JSONDecoder/JSONEncoder rows.
///
/// Tool metadata (name, title, description, annotations) is typed; `inputSchema` and
/// `outputSchema` are arbitrary JSON Schema, so they are `[String: AnyCodableJSON]` — the same
/// choice a Codable MCP SDK has to make.
struct ToolsListResponse: Codable, Equatable {
    struct Result: Codable, Equatable {
        var tools: [Tool]
        var nextCursor: String?
    }

    struct Tool: Codable, Equatable {
        var name: String
        var title: String?
        var description: String?
        var inputSchema: [String: AnyCodableJSON]
        var outputSchema: [String: AnyCodableJSON]?
        var annotations: Annotations?
    }

    struct Annotations: Codable, Equatable {
        var title: String?
        var readOnlyHint: Bool?
        var destructiveHint: Bool?
        var idempotentHint: Bool?
        var openWorldHint: Bool?
    }

    var jsonrpc: String
    var id: Int64
    var result: Result
}
