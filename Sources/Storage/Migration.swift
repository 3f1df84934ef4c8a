// Migration: one numbered schema step. The list is append-only (never edit or reorder a shipped
// migration; add a new one), versions are 1…N without gaps, and each is applied exactly once, in
// its own transaction, at start-up, so every database reaches the same schema by the same path.

/// A schema change identified by its version number.
public struct Migration: Sendable, Hashable {
    /// 1-based, contiguous position in the list.
    public let version: Int
    /// Human-readable summary, recorded in `schema_migrations`.
    public let name: String
    /// One or more statements without parameters.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
