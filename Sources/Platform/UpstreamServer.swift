// UpstreamServer: one stored upstream MCP server of a workspace — its id, validated spec and
// timestamps. `enabled` mirrors `spec.enabled` (the store keeps the column and the stored spec in
// step), so a disabled server reads back as disabled however it was disabled.

/// A stored upstream server.
public struct UpstreamServer: Sendable, Hashable {
    /// Slug id, unique within the workspace.
    public let id: String
    public let workspaceID: String
    public let spec: UpstreamServerSpec
    /// Whether bindings to this server may be used.
    public let enabled: Bool
    /// Unix milliseconds.
    public let createdAt: Int64
    /// Unix milliseconds of the last change.
    public let updatedAt: Int64

    public init(id: String, workspaceID: String, spec: UpstreamServerSpec, enabled: Bool, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.workspaceID = workspaceID
        self.spec = spec
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The server part of sub-agent tool names: a run offers sub-agent `x` as `agent__x`, built by
    /// `ToolNaming` like an upstream tool so the same length and character rules hold.
    public static let subAgentToolPrefix = "agent"

    /// Why `id` cannot name a server beyond the slug syntax, or nil. Gateway tool names are
    /// `<server>__<tool>` and the server part is everything before the first `__`, so an id may
    /// not contain `__` nor end with `_` (`git_` + `__` reads back as `git`), and it must be short
    /// enough for `<server>__` to survive in a 64-character name.
    ///
    /// `agent` is reserved for sub-agent tools. The alternative — refusing only a binding to it
    /// from an agent with sub_agents — would keep `agent__…` names ambiguous in principle and make
    /// the clash depend on two objects that change separately (adding a sub-agent later, or a
    /// server created after the agent); reserving the id keeps every `agent__` name a sub-agent's,
    /// checked once where the name is chosen.
    public static func idProblem(_ id: String) -> String? {
        if id == subAgentToolPrefix {
            return "\"\(id)\" is reserved: runs name sub-agent tools \"\(id)__<agent id>\", which would clash with this server's tools; choose another id"
        }
        if id.contains(ToolNaming.separator) {
            return "must not contain \"__\" (it separates server and tool in gateway tool names)"
        }
        if id.hasSuffix("_") {
            return "must not end with \"_\" (followed by the \"__\" of gateway tool names it would be read back as a shorter id)"
        }
        if id.utf8.count > ToolNaming.maxServerIDLength {
            return "is \(id.utf8.count) characters; at most \(ToolNaming.maxServerIDLength) fit in gateway tool names (<server>__<tool> within 64)"
        }
        return nil
    }
}
