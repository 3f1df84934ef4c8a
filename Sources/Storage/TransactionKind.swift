// TransactionKind: how a transaction takes its locks. Writers use IMMEDIATE so the write lock is
// taken at BEGIN (where busy_timeout applies) instead of failing with SQLITE_BUSY on a later
// read-to-write upgrade; DEFERRED gives readers a consistent snapshot without any write lock.

/// The locking mode of `BEGIN`.
public enum TransactionKind: Sendable, Hashable {
    /// `BEGIN DEFERRED`: locks on first use; for read-only snapshots.
    case deferred
    /// `BEGIN IMMEDIATE`: takes the write lock at once; the default for writers.
    case immediate

    var beginSQL: String {
        switch self {
        case .deferred: "BEGIN DEFERRED"
        case .immediate: "BEGIN IMMEDIATE"
        }
    }
}
