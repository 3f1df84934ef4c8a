// PlatformTool: one tool of the platform's own MCP surface — its definition (schemas, title,
// annotations), the action it performs (which decides the scope a key needs to see and call it),
// and its handler. `PlatformCatalog` owns the table; handlers get the caller already resolved and
// the arguments already checked against the input schema.

import JSON
import MCP
import MCPServer
import Platform

/// One tool of the platform surface.
struct PlatformTool: Sendable {
    let definition: Tool
    /// What the tool does, for `Policy`: a key without the action's scope neither sees the tool
    /// nor can call it.
    let action: Action
    let handler: @Sendable (PlatformCall) async throws -> ToolResult
    /// For long work: starts it as a task and returns the `CreateTaskResult` (used instead of
    /// `handler` when the request declared the Tasks extension).
    let taskStarter: (@Sendable (PlatformCall) async throws -> JSONValue)?

    init(_ definition: Tool, action: Action, taskStarter: (@Sendable (PlatformCall) async throws -> JSONValue)? = nil,
         handler: @escaping @Sendable (PlatformCall) async throws -> ToolResult) {
        self.definition = definition
        self.action = action
        self.taskStarter = taskStarter
        self.handler = handler
    }
}

/// One call of a platform tool: who asks, with what, in which request.
struct PlatformCall: Sendable {
    let caller: Caller
    let arguments: JSONObject
    let context: RequestContext

    func string(_ key: String) -> String? { arguments[key]?.stringValue }
    func int(_ key: String) -> Int? { arguments[key]?.intValue.map { Int($0) } }
    func bool(_ key: String) -> Bool? { arguments[key]?.boolValue }
    /// `limit`, defaulting to 50 (the schema bounds it to 1…200).
    var limit: Int { int("limit") ?? 50 }
}

extension ToolResult {
    /// A successful result: `structured` as `structuredContent`, and the same JSON as text for
    /// clients that only read content blocks.
    static func structured(_ structured: JSONValue) -> ToolResult {
        ToolResult(content: [.text(JSONWriter.string(structured))], structuredContent: structured)
    }
}
