// Database: the process-wide, Sendable handle to one SQLite file. Exactly one writer connection
// (SQLite allows one writer at a time anyway; serialising in-process avoids SQLITE_BUSY) and N
// read-only connections that run in parallel thanks to WAL. Each connection lives in its own
// Mutex and is only reachable inside `write { }` / `read { }`, so the compiler enforces that a
// connection is used by one thread at a time. Closures are synchronous on purpose: queries take
// microseconds, far less than an actor hop.

import Synchronization

/// One SQLite database: a writer and a pool of readers.
public final class Database: Sendable {
    private let writer: Locked<Connection>
    private let readers: [Locked<Connection>]
    private let nextReader = Atomic<Int>(0)
    /// The file path.
    public let path: String
    /// The newest schema version this build knows (the number of migrations given to `open`).
    public let knownSchemaVersion: Int

    private init(path: String, writer: consuming sending Connection, readers: [Locked<Connection>], knownSchemaVersion: Int) {
        self.path = path
        self.writer = Locked(writer)
        self.readers = readers
        self.knownSchemaVersion = knownSchemaVersion
    }

    /// Opens (creating if needed) the database file at `path`, then brings its schema up to date
    /// with `migrations`. Refuses a database written by a newer version.
    public static func open(
        path: String,
        configuration: DatabaseConfiguration = .init(),
        migrations: [Migration] = []
    ) throws -> Database {
        try Migrator.validate(migrations)
        let writer = try Connection(path: path, readOnly: false, configuration: configuration)
        try Migrator.apply(migrations, on: writer)
        var readers: [Locked<Connection>] = []
        for _ in 0..<configuration.readerCount {
            readers.append(Locked(try Connection(path: path, readOnly: true, configuration: configuration)))
        }
        return Database(path: path, writer: writer, readers: readers, knownSchemaVersion: migrations.count)
    }

    /// Runs `body` with exclusive use of the writer connection. Use `conn.transaction { }` inside
    /// for multi-statement atomicity. The lock is not re-entrant: never call `write` from inside
    /// `write` (it deadlocks). Calling `read` inside `write` is fine when `readerCount > 0`.
    public func write<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try writer.mutex.withLock { connection in try body(connection) }
    }

    /// Runs `body` with exclusive use of one read-only connection (round-robin). It sees only
    /// committed data. With `readerCount == 0` reads use the writer (so do not nest them in `write`).
    public func read<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        guard !readers.isEmpty else { return try write(body) }
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        return try readers[index].mutex.withLock { connection in try body(connection) }
    }

    /// The schema version stored in the file (`PRAGMA user_version`), for `agentbridge doctor`.
    public var schemaVersion: Int {
        get throws { try read { try $0.userVersion() } }
    }
}
