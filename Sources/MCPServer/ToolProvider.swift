import JSON

/// Tools that are not registered one by one but computed per request — a gateway's governed view
/// of its upstreams, or (later) the platform's tools filtered by the caller's key.
///
/// The engine lists registered tools first, then the provider's, and pages over both; a
/// `tools/call` for a name the registry does not hold goes to the provider, inside the same
/// multi-round-trip machinery as registered tools (so a provider can ask the client for input
/// through `context`). Returning nil from `callTool` means "no such tool", which the client gets
/// as −32602 exactly like any unknown name — a tool the caller may not see must also be
/// uncallable, and must not be distinguishable from one that does not exist.
public protocol ToolProvider: Sendable {
    /// The tool definitions visible to this request, and what to say about the listing.
    func listTools(_ context: RequestContext) async throws -> ToolListing
    /// Calls `name`; the result JSON (a CallToolResult), or nil when there is no such tool.
    func callTool(name: String, arguments: JSONObject, context: RequestContext) async throws -> JSONValue?
}

/// A provider's answer to `tools/list`.
public struct ToolListing: Sendable {
    /// Tool definitions (unshaped JSON, as `Tool.json` produces).
    public var tools: [JSONValue]
    /// Added to the result's `_meta` when not empty (e.g. which upstreams could not be listed,
    /// so a partial list says that it is partial).
    public var meta: JSONObject

    public init(tools: [JSONValue], meta: JSONObject = [:]) {
        self.tools = tools
        self.meta = meta
    }
}
