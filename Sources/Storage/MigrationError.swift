// MigrationError: why the schema could not be brought up to date, worded for the operator —
// above all a database written by a newer agentbridge is refused rather than misread.

/// A failure of the migration runner.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database's schema version is newer than any migration this build knows.
    case newerSchema(found: Int, known: Int)
    /// The migration list is not exactly versions 1…N in order.
    case nonContiguous(expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .newerSchema(found, known):
            "database schema version \(found) is newer than this agentbridge (knows \(known)); upgrade agentbridge"
        case let .nonContiguous(expected, found):
            "migrations must be numbered 1…N without gaps: expected version \(expected), found \(found)"
        }
    }
}
