// Denial: why `Policy` said no. Only two answers reach a caller — "forbidden: needs scope X"
// (which depends only on the principal, so it leaks nothing about objects) and "not found". The
// cause of a not-found is kept for the audit log only; surfaces must render every not-found the
// same way so nobody learns that an object exists in another workspace or outside their agents.

/// A refusal from `Policy.authorize`.
public enum Denial: Sendable, Hashable, CustomStringConvertible {
    /// Why an object is reported as not found (for audit records, never for responses).
    public enum NotFoundCause: String, Sendable, Hashable {
        case otherWorkspace = "other_workspace"
        case outsideAgentRestriction = "outside_agent_restriction"
    }

    /// The principal lacks the scope the action needs.
    case missingScope(Scope)
    /// The object is invisible to the principal; respond exactly as if it did not exist.
    case notFound(NotFoundCause)

    /// The text a surface may show the caller.
    public var publicMessage: String {
        switch self {
        case .missingScope(let scope): "forbidden: this action requires the \(scope.rawValue) scope"
        case .notFound: "not found"
        }
    }

    public var description: String {
        switch self {
        case .missingScope(let scope): "missing scope \(scope.rawValue)"
        case .notFound(let cause): "not found (\(cause.rawValue))"
        }
    }
}
