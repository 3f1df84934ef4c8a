// Action: every operation a surface can ask `Policy` about, each mapped to the one scope it
// needs. Adding an operation means adding a case here, so the scope table stays in one place.

/// An operation a principal may attempt.
public enum Action: String, Sendable, Hashable, CaseIterable {
    case useMCP = "mcp.use"
    case readAgents = "agents.read"
    case writeAgents = "agents.write"
    case readSessions = "sessions.read"
    case writeSessions = "sessions.write"
    case readRuns = "runs.read"
    case writeRuns = "runs.write"
    case readApprovals = "approvals.read"
    case decideApprovals = "approvals.decide"
    case readUpstreams = "upstreams.read"
    case writeUpstreams = "upstreams.write"
    case readModelProviders = "model_providers.read"
    case writeModelProviders = "model_providers.write"
    case readCredentials = "credentials.read"
    case writeCredentials = "credentials.write"
    case manageKeys = "keys.manage"
    case readAudit = "audit.read"
    case readUsage = "usage.read"
    case manageWorkspaces = "workspaces.manage"

    /// The scope this action requires.
    public var requiredScope: Scope {
        switch self {
        case .useMCP: .mcpTools
        case .readAgents: .agentsRead
        case .writeAgents: .agentsWrite
        case .readSessions, .readRuns: .runsRead
        case .writeSessions, .writeRuns: .runsWrite
        case .readApprovals: .approvalsRead
        case .decideApprovals: .approvalsWrite
        case .readUpstreams: .mcpRead
        case .writeUpstreams: .mcpWrite
        // Providers are part of agent configuration (no scope of their own in PRODUCT.md).
        case .readModelProviders: .agentsRead
        case .writeModelProviders: .agentsWrite
        case .readCredentials: .credentialsRead
        case .writeCredentials: .credentialsWrite
        case .manageKeys: .keysWrite
        case .readAudit: .auditRead
        case .readUsage: .usageRead
        case .manageWorkspaces: .admin
        }
    }
}
