// Policy: the ONE place that decides "may principal P do action A on object O". Every surface
// (stdio, HTTP MCP, REST, CLI) calls it. Order matters for leaks: the scope check comes first and
// depends only on the principal; then an object outside the principal's workspace, or tied to an
// agent outside its restriction, is denied as "not found" — the same answer as a missing object.

/// Authorization rules.
public enum Policy {
    /// Decides whether `principal` may perform `action` on `object` (nil for actions on no
    /// particular object, such as listing or creating; callers then filter results with
    /// `Principal.mayUse(agent:)` and query only `principal.workspaceID`).
    public static func authorize(_ principal: Principal, action: Action, object: ObjectRef?) -> Decision {
        let scope = action.requiredScope
        guard principal.has(scope) else { return .deny(.missingScope(scope)) }
        guard let object else { return .allow }
        guard object.workspaceID == principal.workspaceID else { return .deny(.notFound(.otherWorkspace)) }
        if let agentID = object.agentID, !principal.mayUse(agent: agentID) {
            return .deny(.notFound(.outsideAgentRestriction))
        }
        return .allow
    }

    /// Whether `principal` may create a key with `scopes` and `agentIDs`: it needs `keys:write`,
    /// and a key may not receive more than its creator holds (no scope it lacks, no agent outside
    /// its restriction, no unrestricted key from a restricted creator).
    public static func mayGrant(_ principal: Principal, scopes: Set<Scope>, agentIDs: Set<String>?) -> Decision {
        guard principal.has(.keysWrite) else { return .deny(.missingScope(.keysWrite)) }
        for scope in scopes.sorted() where !principal.has(scope) {
            return .deny(.missingScope(scope))
        }
        if let restriction = principal.agentIDs {
            guard let requested = agentIDs else { return .deny(.notFound(.outsideAgentRestriction)) }
            if !requested.isSubset(of: restriction) { return .deny(.notFound(.outsideAgentRestriction)) }
        }
        return .allow
    }
}
