// PlatformSchema: the platform's append-only migration list and the one way to open a platform
// database (migrate, then make sure the `default` workspace exists). Tables are STRICT so a
// wrong type is an error, not a silent coercion; timestamps are integer Unix milliseconds.
// New migrations are appended, never edited.

import Storage

/// The platform tables and their migrations.
public enum PlatformSchema {
    /// Every migration, in order (`version` = position + 1).
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "workspaces and api keys", sql: """
            CREATE TABLE workspaces (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY NOT NULL,
                workspace_id TEXT NOT NULL REFERENCES workspaces(id),
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
                scopes TEXT NOT NULL CHECK (scopes <> ''),
                agent_ids TEXT,
                expires_at INTEGER,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER,
                revoked_at INTEGER
            ) STRICT;

            -- secret_hash UNIQUE already gives the authentication lookup its index.
            CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);
            """),
    ]

    /// Opens (creating if needed) the platform database at `path`, applies the migrations and
    /// creates the `default` workspace if it does not exist yet (idempotent).
    public static func open(
        path: String,
        configuration: DatabaseConfiguration = .init(),
        clock: WallClock = .system
    ) throws -> Database {
        let database = try Database.open(path: path, configuration: configuration, migrations: migrations)
        try WorkspaceStore(database: database, clock: clock).ensureDefault()
        return database
    }
}
