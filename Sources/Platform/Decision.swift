// Decision: the answer of `Policy.authorize` — allow, or deny with a `Denial`.

/// Whether an action is allowed.
public enum Decision: Sendable, Hashable {
    case allow
    case deny(Denial)

    /// True for `.allow`.
    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }
}
