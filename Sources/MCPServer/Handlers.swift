import JSON
import MCP

/// Runs a tool. Throw `JSONRPCError` for protocol errors, `InputRequired` (via the context) to ask
/// the client for input; any other error becomes an `isError` result the model can read.
public typealias ToolHandler = @Sendable (_ arguments: JSONObject, _ context: RequestContext) async throws -> ToolResult

/// Renders a prompt from its string arguments.
public typealias PromptHandler = @Sendable (_ arguments: [String: String], _ context: RequestContext) async throws -> PromptResult

/// Reads a resource; `variables` holds the template variables when the URI matched a template.
public typealias ResourceReader = @Sendable (_ uri: String, _ variables: [String: String], _ context: RequestContext) async throws -> [ResourceContents]

/// Suggests values for an argument given its prefix and the other arguments already chosen.
public typealias CompletionProvider = @Sendable (_ argument: String, _ prefix: String, _ context: [String: String]) async -> [String]

/// The result of `prompts/get`.
public struct PromptResult: Sendable {
    public var description: String?
    public var messages: [PromptMessage]

    public init(description: String? = nil, messages: [PromptMessage]) {
        self.description = description
        self.messages = messages
    }

    public var json: JSONValue {
        var o = JSONObject()
        if let description { o["description"] = .string(description) }
        o["messages"] = .array(messages.map(\.json))
        return .object(o)
    }
}

/// A change the server announces to clients that listen.
public enum ServerEvent: Sendable, Hashable {
    case toolsChanged
    case promptsChanged
    case resourcesChanged
    case resourceUpdated(String)
    /// A task's state changed (the full `DetailedTask`), for `notifications/tasks` on the listen
    /// streams that asked for that task (2026 only).
    case taskChanged(id: String, task: JSONValue)
}
