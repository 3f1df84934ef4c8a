import JSON

/// Tools, prompts and resources that are not registered one by one but computed per request — a
/// gateway's governed view of its upstreams, or the platform's objects filtered by the caller's
/// key.
///
/// The engine lists registered entries first, then the provider's, and pages over both. A
/// `tools/call`, `prompts/get` or `resources/read` for something the registry does not hold goes
/// to the provider, inside the same multi-round-trip machinery as registered handlers (so a
/// provider can ask the client for input through `context`). Returning nil means "no such
/// thing", which the client gets exactly like any unknown name (−32602, or the resource-not-found
/// error): what a caller may not see must also be unusable, and indistinguishable from what does
/// not exist. Prompts and resources are optional; the defaults provide none.
public protocol CatalogProvider: Sendable {
    /// The tool definitions visible to this request, and what to say about the listing.
    func listTools(_ context: RequestContext) async throws -> CatalogListing
    /// Calls `name`; the result JSON (a CallToolResult), or nil when there is no such tool.
    func callTool(name: String, arguments: JSONObject, context: RequestContext) async throws -> JSONValue?

    /// Prompt definitions (`Prompt` JSON) visible to this request.
    func listPrompts(_ context: RequestContext) async throws -> CatalogListing
    /// Renders `name`; the GetPromptResult JSON, or nil when there is no such prompt.
    func getPrompt(name: String, arguments: [String: String], context: RequestContext) async throws -> JSONValue?
    /// Resource definitions (`Resource` JSON) visible to this request.
    func listResources(_ context: RequestContext) async throws -> CatalogListing
    /// Resource template definitions (`ResourceTemplate` JSON) visible to this request.
    func listResourceTemplates(_ context: RequestContext) async throws -> CatalogListing
    /// Reads `uri`; the ReadResourceResult JSON, or nil when there is no such resource.
    func readResource(uri: String, context: RequestContext) async throws -> JSONValue?
    /// Completion values for an argument of one of this provider's prompts (`ref/prompt`) or
    /// resource templates (`ref/resource`), or nil when `reference` names nothing of it.
    func complete(reference: JSONObject, argument: String, value: String, arguments: [String: String],
                  context: RequestContext) async throws -> [String]?
}

extension CatalogProvider {
    public func listPrompts(_ context: RequestContext) async throws -> CatalogListing { CatalogListing([]) }
    public func getPrompt(name: String, arguments: [String: String], context: RequestContext) async throws -> JSONValue? { nil }
    public func listResources(_ context: RequestContext) async throws -> CatalogListing { CatalogListing([]) }
    public func listResourceTemplates(_ context: RequestContext) async throws -> CatalogListing { CatalogListing([]) }
    public func readResource(uri: String, context: RequestContext) async throws -> JSONValue? { nil }
    public func complete(reference: JSONObject, argument: String, value: String, arguments: [String: String],
                         context: RequestContext) async throws -> [String]? { nil }
}

/// A provider's answer to one of the list methods.
public struct CatalogListing: Sendable {
    /// The definitions (unshaped JSON, as `Tool.json`, `Prompt.json`… produce).
    public var items: [JSONValue]
    /// Added to the result's `_meta` when not empty (e.g. which upstreams could not be listed,
    /// so a partial list says that it is partial).
    public var meta: JSONObject

    public init(_ items: [JSONValue], meta: JSONObject = [:]) {
        self.items = items
        self.meta = meta
    }
}
