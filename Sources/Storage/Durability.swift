// Durability: the deliberate choice of `PRAGMA synchronous`. With WAL, NORMAL fsyncs only at
// checkpoints: every committed transaction survives an application crash (including kill -9),
// because the WAL file is already in the OS page cache; only an OS crash or power loss can lose
// the last few transactions (never corrupting the database). FULL fsyncs the WAL on every commit,
// which survives power loss too, at a large cost per commit.

/// How hard a commit is pushed to stable storage.
public enum Durability: Sendable, Hashable {
    /// `synchronous=NORMAL` (default): durable across process crashes; a power loss may lose
    /// the most recent commits, never consistency.
    case normal
    /// `synchronous=FULL`: every commit is fsynced before it returns.
    case full

    var pragmaValue: String {
        switch self {
        case .normal: "NORMAL"
        case .full: "FULL"
        }
    }
}
