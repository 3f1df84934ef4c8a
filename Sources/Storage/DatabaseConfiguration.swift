// DatabaseConfiguration: the few knobs of a database (busy timeout, durability, reader count),
// gathered in one value so defaults are documented in one place.

/// Settings for `Connection` and `Database`.
public struct DatabaseConfiguration: Sendable, Hashable {
    /// How long a connection waits for a lock before reporting SQLITE_BUSY, in milliseconds.
    public var busyTimeoutMilliseconds: Int32
    /// `PRAGMA synchronous` choice; see `Durability`.
    public var durability: Durability
    /// Number of read-only connections in a `Database` (0 routes reads to the writer).
    public var readerCount: Int

    public init(busyTimeoutMilliseconds: Int32 = 5000, durability: Durability = .normal, readerCount: Int = 2) {
        precondition(busyTimeoutMilliseconds >= 0, "busy timeout must not be negative")
        precondition(readerCount >= 0, "reader count must not be negative")
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.durability = durability
        self.readerCount = readerCount
    }
}
