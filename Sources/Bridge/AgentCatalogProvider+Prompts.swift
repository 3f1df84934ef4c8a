// Prompts and resources of an agent's upstreams, aggregated like its tools: every binding that
// exposes any (its `allowed_prompts` / `allowed_resources` allow-lists; empty exposes none) is
// asked in parallel under its own timeout, and a failed upstream is named in the listing's
// `_meta`. Prompts appear as `<server>__<prompt>` (`ToolNaming`), resources and templates under
// `agentbridge://upstream/<server>/<original URI>` (`ResourceNaming`), so two upstreams' names
// never collide and a name does not change when other upstreams come or go. What the allow-list
// does not expose is unknown: listing omits it and `prompts/get` / `resources/read` / completion
// answer exactly as for a name that exists nowhere. A resource read from a template must itself
// match an allow-list entry (e.g. `test://template/*`).

import JSON
import JSONRPC
import MCP
import MCPClient
import MCPServer
import Platform

extension AgentCatalogProvider {
    public func listPrompts(_ context: RequestContext) async throws -> CatalogListing {
        await gather("prompts", bindings: try currentSpec().bindings.filter { !$0.allowedPrompts.isEmpty }) { binding, connection, limit in
            try await connection.withClient(timeout: limit) { client in
                guard client.serverCapabilities?["prompts"] != nil else { return [] }
                return try await client.listPrompts(timeout: limit).compactMap { Self.exposedPrompt($0, binding: binding) }
            }
        }
    }

    public func getPrompt(name: String, arguments: [String: String], context: RequestContext) async throws -> JSONValue? {
        guard let (binding, connection, original) = try await promptRoute(name) else { return nil }
        let limit = Duration.seconds(binding.timeoutSeconds)
        // Nothing forwards an upstream's questions about a prompt or a resource to our caller:
        // a 2026 upstream is told it may ask none (see `Upstream.callTool`).
        do {
            return connection.secrets.redact(try await connection.withClient(timeout: limit) { client in
                try await client.getPrompt(original, arguments: arguments, timeout: limit, capabilities: [:])
            })
        } catch {
            throw Self.redacted(error, secrets: connection.secrets)
        }
    }

    /// An upstream failure as the caller sees it: its text is the upstream's (or names its URL),
    /// so the credentials given to that upstream are redacted from it.
    static func redacted(_ error: any Error, secrets: UpstreamSecrets) -> any Error {
        if error is CancellationError { return error }
        if let rpc = error as? JSONRPCError {
            return JSONRPCError(rpc.code, secrets.redact(rpc.message), data: rpc.data.map { secrets.redact($0) })
        }
        return JSONRPCError.internalError("Internal error: " + secrets.redact("\(error)"))
    }

    public func listResources(_ context: RequestContext) async throws -> CatalogListing {
        await gather("resources", bindings: try currentSpec().bindings.filter { !$0.allowedResources.isEmpty }) { binding, connection, limit in
            try await connection.withClient(timeout: limit) { client in
                guard client.serverCapabilities?["resources"] != nil else { return [] }
                return try await client.listResources(timeout: limit).compactMap { Self.exposedResource($0, key: "uri", binding: binding) }
            }
        }
    }

    public func listResourceTemplates(_ context: RequestContext) async throws -> CatalogListing {
        await gather("resource templates", bindings: try currentSpec().bindings.filter { !$0.allowedResources.isEmpty }) { binding, connection, limit in
            try await connection.withClient(timeout: limit) { client in
                guard client.serverCapabilities?["resources"] != nil else { return [] }
                return try await client.listResourceTemplates(timeout: limit).compactMap {
                    Self.exposedResource($0, key: "uriTemplate", binding: binding)
                }
            }
        }
    }

    public func readResource(uri: String, context: RequestContext) async throws -> JSONValue? {
        guard let (binding, connection, original) = try resourceRoute(uri) else { return nil }
        let limit = Duration.seconds(binding.timeoutSeconds)
        let result: JSONValue
        do {
            result = connection.secrets.redact(try await connection.withClient(timeout: limit) { client in
                try await client.readResource(original, timeout: limit, capabilities: [:])
            })
        } catch {
            // The upstream does not have it: answer as for any unknown URI, in the caller's era.
            if case .server(let code, _, _)? = error as? MCPClientError, code == -32002 || code == -32602 { return nil }
            throw Self.redacted(error, secrets: connection.secrets)
        }
        // Contents name the upstream's URIs; the client must see the ones it can read back.
        guard case .object(var object) = result, let contents = object["contents"]?.arrayValue else { return result }
        object["contents"] = .array(contents.map { content in
            guard case .object(var c) = content, let inner = c["uri"]?.stringValue else { return content }
            c["uri"] = .string(ResourceNaming.exposedURI(server: binding.server, uri: inner))
            return .object(c)
        })
        return .object(object)
    }

    public func complete(reference: JSONObject, argument: String, value: String, arguments: [String: String],
                         context: RequestContext) async throws -> [String]? {
        let upstreamReference: MCPCompletionReference
        let route: (BindingSpec, any Upstream)
        switch reference["type"]?.stringValue {
        case "ref/prompt":
            guard let name = reference["name"]?.stringValue, let (binding, connection, original) = try await promptRoute(name) else { return nil }
            upstreamReference = .prompt(name: original)
            route = (binding, connection)
        case "ref/resource":
            guard let uri = reference["uri"]?.stringValue, let (binding, connection, original) = try resourceRoute(uri) else { return nil }
            upstreamReference = .resource(uri: original)
            route = (binding, connection)
        default:
            return nil
        }
        let limit = Duration.seconds(route.0.timeoutSeconds)
        let values: [String] = try await route.1.withClient(timeout: limit) { client in
            guard client.serverCapabilities?["completions"] != nil else { return [] }
            return try await client.complete(upstreamReference, argument: argument, value: value, context: arguments, timeout: limit).values
        }
        return values.map { route.1.secrets.redact($0) }
    }

    // MARK: - Routing

    /// The binding, connection and upstream name behind an exposed prompt name, or nil when no
    /// exposed prompt has that name. Generated names can be hashed rewrites, so the upstream's
    /// list is consulted rather than the name taken apart.
    func promptRoute(_ name: String) async throws -> (BindingSpec, any Upstream, String)? {
        guard let server = ToolNaming.serverPart(of: name), let binding = try currentSpec().binding(for: server),
              !binding.allowedPrompts.isEmpty
        else { return nil }
        let connection = try connection(for: binding)
        let limit = Duration.seconds(binding.timeoutSeconds)
        let prompts = try await connection.withClient(timeout: limit) { client in try await client.listPrompts(timeout: limit) }
        for prompt in prompts {
            guard let original = prompt["name"]?.stringValue, binding.allows(prompt: original),
                  ToolNaming.exposedName(server: binding.server, tool: original) == name
            else { continue }
            return (binding, connection, original)
        }
        return nil
    }

    /// The binding, connection and upstream URI behind an exposed URI, or nil when the URI is
    /// not namespaced, names no binding, or is not allowed.
    func resourceRoute(_ uri: String) throws -> (BindingSpec, any Upstream, String)? {
        guard let (server, original) = ResourceNaming.split(uri), let binding = try currentSpec().binding(for: server),
              binding.allows(resource: original)
        else { return nil }
        return (binding, try connection(for: binding), original)
    }

    static func exposedPrompt(_ prompt: JSONValue, binding: BindingSpec) -> JSONValue? {
        guard case .object(var object) = prompt, let name = object["name"]?.stringValue, binding.allows(prompt: name) else { return nil }
        object["name"] = .string(ToolNaming.exposedName(server: binding.server, tool: name))
        return .object(object)
    }

    static func exposedResource(_ resource: JSONValue, key: String, binding: BindingSpec) -> JSONValue? {
        guard case .object(var object) = resource, let uri = object[key]?.stringValue, binding.allows(resource: uri) else { return nil }
        object[key] = .string(ResourceNaming.exposedURI(server: binding.server, uri: uri))
        return .object(object)
    }
}
