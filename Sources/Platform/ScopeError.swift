// ScopeError: why a scope list was refused, with the offending text and the accepted spellings.

/// A scope list that could not be parsed.
public enum ScopeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A scope that is not in the list (spelling and case must match exactly).
    case unknown(String)
    /// No scope at all was given.
    case empty

    public var description: String {
        let known = Scope.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .unknown(let text): return "unknown scope \"\(text)\" (known scopes: \(known))"
        case .empty: return "at least one scope is required (known scopes: \(known))"
        }
    }
}
