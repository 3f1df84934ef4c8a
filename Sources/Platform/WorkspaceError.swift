// WorkspaceError: why a workspace could not be created.

/// A refused workspace operation.
public enum WorkspaceError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidID(String)
    case invalidName(String)
    case alreadyExists(String)

    public var description: String {
        switch self {
        case .invalidID(let id): "invalid workspace id \"\(id)\": expected 1–64 of A–Z a–z 0–9 _ -"
        case .invalidName(let problem): "invalid workspace name: \(problem)"
        case .alreadyExists(let id): "workspace \"\(id)\" already exists"
        }
    }
}
