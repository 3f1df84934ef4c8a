/// Why an event stream could not be parsed.
public enum SSEParserError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One event (its data lines plus the line being read) grew past `maxEventBytes`.
    case eventTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .eventTooLarge(let n): "server-sent event exceeds the limit of \(n) bytes (maxEventBytes)"
        }
    }
}
