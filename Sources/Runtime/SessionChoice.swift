// SessionChoice: which session a new run goes to, in the platform's resolution terms (see
// SessionStore): an existing session by id, a caller's own reference (found or created), or a
// new session owned by a user reference.

/// How to find or create the session of a new run.
public struct SessionChoice: Sendable, Hashable {
    public var sessionID: String?
    public var sessionReference: String?
    public var userReference: String?

    public init(sessionID: String? = nil, sessionReference: String? = nil, userReference: String? = nil) {
        self.sessionID = sessionID
        self.sessionReference = sessionReference
        self.userReference = userReference
    }

    /// An existing session.
    public static func existing(_ id: String) -> SessionChoice { SessionChoice(sessionID: id) }

    /// A new session owned by `user`.
    public static func new(owner user: String) -> SessionChoice { SessionChoice(userReference: user) }
}
