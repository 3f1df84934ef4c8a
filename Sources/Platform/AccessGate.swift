// AccessGate: how stores ask `Policy` and make a refusal visible. A denial is written to the
// audit log (with its true cause, e.g. "other_workspace") and thrown as the public answer: a
// missing scope as `.forbidden`, everything else as `.notFound` — the same error a missing
// object gets, so nobody learns that an id exists elsewhere.

import JSON

/// Authorization + denial auditing for store operations.
///
/// Call `check` before opening the write transaction, never inside `database.write`: a denial
/// is recorded with a write of its own, and the writer connection is not re-entrant.
public struct AccessGate: Sendable {
    public let audit: AuditLog

    public init(audit: AuditLog) {
        self.audit = audit
    }

    /// Throws unless `caller` may do `action` on `object`; `kind`/`id` name the object in the
    /// not-found message when the object is only known by the id the caller gave.
    public func check(_ caller: Caller, _ action: Action, _ object: ObjectRef? = nil) throws {
        guard case .deny(let denial) = Policy.authorize(caller.principal, action: action, object: object) else { return }
        try audit.record(
            AuditEntry(
                action: action.rawValue, targetKind: object?.kind, targetID: object?.id, outcome: .denied,
                detail: ["reason": .string(denial.description)]),
            caller: caller)
        switch denial {
        case .missingScope(let scope): throw PlatformError.forbidden(scope)
        case .notFound: throw PlatformError.notFound(kind: object?.kind ?? .workspace, id: object?.id ?? "")
        }
    }
}
