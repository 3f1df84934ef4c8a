// CorruptRowError: a stored row that this build cannot read back (its JSON no longer parses or
// validates). It means the database was edited by hand or by an incompatible version; it is
// reported with the object's kind and id so an operator can find the row, never with secrets.

/// A stored row that could not be decoded.
public struct CorruptRowError: Error, Sendable, Hashable, CustomStringConvertible {
    public let kind: ObjectRef.Kind
    public let id: String
    public let reason: String

    public init(kind: ObjectRef.Kind, id: String, reason: String) {
        self.kind = kind
        self.id = id
        self.reason = reason
    }

    public var description: String { "stored \(kind.displayName) \"\(id)\" is unreadable: \(reason)" }
}
