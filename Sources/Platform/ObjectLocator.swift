// ObjectLocator: the shared first step of every store operation on an object whose id is unique
// only within a workspace (upstream servers, credentials). The row is looked up in the caller's
// workspace; if it is absent there but exists in another workspace, the gate is shown THAT
// object, so the attempt is audited as a denial ("other_workspace") while the caller gets the
// same not-found as for a missing id. A missing id is checked against the caller's workspace, so
// a missing scope is still reported as forbidden first.

import Storage

/// Finds an object by (workspace, id) and runs the access check on what it found.
struct ObjectLocator {
    let database: Database
    let gate: AccessGate
    let kind: ObjectRef.Kind
    /// `SELECT … WHERE workspace_id = ? AND <id column> = ?` returning the full row.
    let ownSQL: String
    /// `SELECT workspace_id FROM … WHERE <id column> = ? AND workspace_id <> ? LIMIT 1`.
    let foreignSQL: String

    /// The row of `id` in the caller's workspace after `action` was allowed on it. Throws
    /// `.forbidden` or `.notFound` (both audited by the gate when caused by a denial).
    func row(_ caller: Caller, _ action: Action, id: String) throws -> Row {
        let (own, foreignWorkspace) = try database.read { connection -> (Row?, String?) in
            if let row = try connection.queryOne(ownSQL, [.text(caller.workspaceID), .text(id)]) { return (row, nil) }
            let foreign = try connection.queryOne(foreignSQL, [.text(id), .text(caller.workspaceID)])
            return (nil, try foreign?.string("workspace_id"))
        }
        let workspace = own == nil ? (foreignWorkspace ?? caller.workspaceID) : caller.workspaceID
        try gate.check(caller, action, ObjectRef(kind: kind, id: id, workspaceID: workspace))
        guard let own else { throw PlatformError.notFound(kind: kind, id: id) }
        return own
    }
}
