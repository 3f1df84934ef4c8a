// AuditRecord: one row of the hash-chained audit log, and AuditEntry: what a store hands the log
// to record (the log adds sequence number, time, actor, origin and the hashes).

import JSON

/// How an audited attempt ended.
public enum AuditOutcome: String, Sendable, Hashable {
    /// The mutation was committed.
    case ok
    /// `Policy` refused it.
    case denied
    /// It was attempted and failed for another reason worth keeping (e.g. a revoked key used).
    case failed
}

/// What to record; never put secret values or raw tool arguments in `detail`.
public struct AuditEntry: Sendable, Hashable {
    public var action: String
    public var targetKind: ObjectRef.Kind?
    public var targetID: String?
    public var outcome: AuditOutcome
    public var detail: JSONValue?

    public init(action: String, targetKind: ObjectRef.Kind? = nil, targetID: String? = nil, outcome: AuditOutcome = .ok, detail: JSONValue? = nil) {
        self.action = action
        self.targetKind = targetKind
        self.targetID = targetID
        self.outcome = outcome
        self.detail = detail
    }
}

/// A stored audit record.
public struct AuditRecord: Sendable, Hashable {
    public let seq: Int64
    public let workspaceID: String
    /// Unix milliseconds.
    public let at: Int64
    /// API key id, or `local`.
    public let actor: String
    public let origin: String
    public let action: String
    public let targetKind: String?
    public let targetID: String?
    public let outcome: String
    /// JSON text, or nil.
    public let detail: String?
    public let previousHash: [UInt8]
    public let hash: [UInt8]
}
