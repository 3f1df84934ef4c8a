// Scope: what an API key may do, exactly the list in PRODUCT.md "Domain". Parsing is strict —
// spelling and case must match, an unknown scope is an error naming it — because a typo in a
// scope must never silently grant less (or more) than intended. `admin` implies every scope.

/// One permission an API key can hold.
public enum Scope: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case mcpTools = "mcp:tools"
    case agentsRead = "agents:read"
    case agentsWrite = "agents:write"
    case runsRead = "runs:read"
    case runsWrite = "runs:write"
    case approvalsRead = "approvals:read"
    case approvalsWrite = "approvals:write"
    case mcpRead = "mcp:read"
    case mcpWrite = "mcp:write"
    case credentialsRead = "credentials:read"
    case credentialsWrite = "credentials:write"
    case keysWrite = "keys:write"
    case auditRead = "audit:read"
    case usageRead = "usage:read"
    case admin = "admin"

    /// The wire spelling, e.g. `agents:read`.
    public var description: String { rawValue }

    /// Orders scopes as PRODUCT.md lists them (stable display and storage).
    public static func < (lhs: Scope, rhs: Scope) -> Bool {
        let all = Scope.allCases
        return all.firstIndex(of: lhs)! < all.firstIndex(of: rhs)!
    }

    /// Parses one scope; exact, case-sensitive match only.
    public init(parsing text: String) throws(ScopeError) {
        guard let scope = Scope(rawValue: text) else { throw .unknown(text) }
        self = scope
    }

    /// Parses a list separated by spaces and/or commas (`"agents:read runs:read"`,
    /// `"agents:read,runs:read"`). Duplicates collapse; an empty list is an error.
    public static func parseList(_ text: String) throws(ScopeError) -> Set<Scope> {
        var scopes = Set<Scope>()
        for item in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            scopes.insert(try Scope(parsing: String(item)))
        }
        guard !scopes.isEmpty else { throw .empty }
        return scopes
    }

    /// The canonical stored form: sorted, space-separated.
    public static func format(_ scopes: Set<Scope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: " ")
    }

    /// Whether holding `held` grants `needed` (`admin` grants everything).
    public static func grants(_ held: Set<Scope>, _ needed: Scope) -> Bool {
        held.contains(.admin) || held.contains(needed)
    }
}
