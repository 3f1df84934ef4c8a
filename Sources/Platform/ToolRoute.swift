// ToolRoute: which binding and which upstream tool a name given by a caller refers to. The
// gateway, the runtime and `agentbridge explain` resolve names the same way: an alias first, then
// a generated `<server>__<tool>` name, then (for humans typing `explain`) a bare upstream tool
// name. A route exists whether or not the allow-list permits the call; `isAllowed` says which, so
// `explain` can show why a tool is refused while the gateway treats a refused tool as unknown.

/// A resolved tool name.
public struct ToolRoute: Sendable, Hashable {
    /// The binding (server) the tool is reached through.
    public let binding: BindingSpec
    /// The tool's name on the upstream server.
    public let upstreamTool: String
    /// The name a client sees.
    public var exposedName: String {
        ToolNaming.exposedName(server: binding.server, tool: upstreamTool, alias: binding.alias(for: upstreamTool))
    }
    /// Whether the allow-list permits calling it.
    public var isAllowed: Bool { binding.allows(tool: upstreamTool) }
    /// The first allow-list entry that matches, if any.
    public var matchingPattern: ToolPattern? { binding.allowedTools.first { $0.matches(upstreamTool) } }
    /// The effective run behavior and where it comes from.
    public var runBehavior: (value: RunBehavior, source: String) {
        if let value = binding.tools[upstreamTool]?.runBehavior { return (value, "per-tool override") }
        return (binding.runBehavior, "binding")
    }
    /// The effective timeout and where it comes from (the binding must have been resolved with
    /// `inheriting(from:)` for an inherited value to be the server's).
    public var timeoutSeconds: (value: Int, source: String) {
        if let value = binding.tools[upstreamTool]?.timeoutSeconds { return (value, "per-tool override") }
        if binding.inheritsTimeout { return (binding.timeoutSeconds, "server \(binding.server)'s timeout_s; the binding gives none") }
        return (binding.timeoutSeconds, "binding")
    }
    /// Which list the allow-list decision comes from, for humans: the field, and a note when it
    /// is the server's (empty for the binding's own `allowed_tools`).
    public var allowListSource: (field: String, note: String) {
        binding.inheritsAllowedTools
            ? ("default_allowed_tools", " of server \(binding.server) (the binding has no allowed_tools)") : ("allowed_tools", "")
    }
}

extension AgentSpec {
    /// The route for `name` as a client would send it: an alias, or `<server>__<tool>` (for
    /// generated names whose tool part was rewritten, `catalog(server)` lists the upstream's tool
    /// names so the rewrite can be matched; pass nil when no catalog is known).
    public func route(exposedName name: String, catalog: ((String) -> [String]?)? = nil) -> ToolRoute? {
        for binding in bindings {
            if let tool = binding.toolName(forAlias: name) { return ToolRoute(binding: binding, upstreamTool: tool) }
        }
        guard let server = ToolNaming.serverPart(of: name), let binding = binding(for: server) else { return nil }
        let rest = String(name.dropFirst(server.count + ToolNaming.separator.count))
        if let names = catalog?(server) {
            // Most names are plain `server__tool`: check that one directly before trying every
            // name of the catalog for a rewritten match.
            if binding.alias(for: rest) == nil, ToolNaming.exposedName(server: server, tool: rest) == name, names.contains(rest) {
                return ToolRoute(binding: binding, upstreamTool: rest)
            }
            if let tool = names.first(where: { ToolNaming.exposedName(server: server, tool: $0, alias: binding.alias(for: $0)) == name }) {
                return ToolRoute(binding: binding, upstreamTool: tool)
            }
            return nil
        }
        // Without a catalog, a plain generated name maps back exactly; an aliased tool is only
        // reachable by its alias.
        guard ToolNaming.exposedName(server: server, tool: rest) == name, binding.alias(for: rest) == nil else { return nil }
        return ToolRoute(binding: binding, upstreamTool: rest)
    }

    /// The route for `name` without asking any upstream (for `explain`, which must answer as the
    /// gateway would while every upstream is down): the names a binding spells out — exact
    /// `allowed_tools` entries and `tools` keys — stand in for the upstream's catalog, so a
    /// rewritten name (`h__a_b_1692b25c` for `a.b`) maps back to the tool it was made from
    /// through the gateway's own `ToolNaming`. Other names resolve as without a catalog; a
    /// rewritten name of a tool only a glob allows cannot be reversed this way (the upstream's
    /// raw name can be asked instead). Resolve the spec with `inheritingServerDefaults` first
    /// so an inherited allow-list counts.
    public func route(offlineName name: String) -> ToolRoute? {
        let spelledOut = route(exposedName: name) { server in
            self.binding(for: server).map { binding in
                binding.allowedTools.filter { !$0.isGlob }.map(\.text) + binding.tools.keys.sorted()
            }
        }
        return spelledOut ?? route(exposedName: name)
    }

    /// Every binding through which an upstream tool called `tool` would be reached (for
    /// `explain` with a bare upstream name).
    public func routes(upstreamTool tool: String) -> [ToolRoute] {
        bindings.map { ToolRoute(binding: $0, upstreamTool: tool) }
    }
}
