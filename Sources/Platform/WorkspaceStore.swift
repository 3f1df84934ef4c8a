// WorkspaceStore: create, get and list workspaces, and make sure `default` exists.

import Storage

/// Workspace rows.
public struct WorkspaceStore: Sendable {
    private let database: Database
    private let clock: WallClock

    public init(database: Database, clock: WallClock = .system) {
        self.database = database
        self.clock = clock
    }

    /// Creates the `default` workspace unless it exists. Safe to call on every start.
    public func ensureDefault() throws {
        let now = clock.nowMilliseconds()
        try database.write { connection in
            try connection.execute(
                "INSERT OR IGNORE INTO workspaces (id, name, created_at) VALUES (?, ?, ?)",
                [.text(Workspace.defaultID), .text("Default"), .integer(now)])
        }
    }

    /// Creates a workspace. Throws `WorkspaceError` for a bad id or name, or an id in use.
    @discardableResult
    public func create(id: String, name: String) throws -> Workspace {
        guard Identifier.isSlug(id) else { throw WorkspaceError.invalidID(id) }
        if let problem = Identifier.nameProblem(name) { throw WorkspaceError.invalidName(problem) }
        let workspace = Workspace(id: id, name: name, createdAt: clock.nowMilliseconds())
        do {
            try database.write { connection in
                try connection.execute(
                    "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)",
                    [.text(workspace.id), .text(workspace.name), .integer(workspace.createdAt)])
            }
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw WorkspaceError.alreadyExists(id)
        }
        return workspace
    }

    /// The workspace with `id`, or nil.
    public func get(id: String) throws -> Workspace? {
        try database.read { connection in
            try connection.queryOne("SELECT id, name, created_at FROM workspaces WHERE id = ?", [.text(id)])
                .map { row in
                    Workspace(id: try row.string("id"), name: try row.string("name"), createdAt: try row.int64("created_at"))
                }
        }
    }

    /// Every workspace, oldest first.
    public func list() throws -> [Workspace] {
        try database.read { connection in
            try connection.query("SELECT id, name, created_at FROM workspaces ORDER BY created_at, id").map { row in
                Workspace(id: try row.string("id"), name: try row.string("name"), createdAt: try row.int64("created_at"))
            }
        }
    }
}
