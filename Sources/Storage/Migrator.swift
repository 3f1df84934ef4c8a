// Migrator: applies the append-only migration list at start-up — each step in its own
// IMMEDIATE transaction together with its `schema_migrations` row and `PRAGMA user_version`, so
// a crash mid-way leaves the database at a clean earlier version.

enum Migrator {
    static func validate(_ migrations: [Migration]) throws(MigrationError) {
        for (offset, migration) in migrations.enumerated() where migration.version != offset + 1 {
            throw .nonContiguous(expected: offset + 1, found: migration.version)
        }
    }

    static func apply(_ migrations: [Migration], on connection: Connection) throws {
        try validate(migrations)
        let current = try connection.userVersion()
        if current > migrations.count {
            throw MigrationError.newerSchema(found: current, known: migrations.count)
        }
        for migration in migrations where migration.version > current {
            try connection.transaction(.immediate) { connection in
                // Re-check inside the write lock: another process may have migrated meanwhile.
                let version = try connection.userVersion()
                guard version < migration.version else { return }
                try connection.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    )
                    """)
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [.int(migration.version), .text(migration.name)])
                // PRAGMA takes no parameters; the value is an Int from the migration list.
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
        }
    }
}
