/// Errors thrown by the HTTP server API.
///
/// Why one enum: callers (the MCP layer) mostly need to tell "the client went away" apart from
/// setup failures; everything else is diagnostic text.
public enum HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The client disconnected (or the response already ended); the write did not happen.
    case disconnected
    /// `start()` was called twice, or after `shutdown`.
    case alreadyStarted
    /// A configured listen address could not be parsed ("host:port" or "[v6]:port").
    case invalidAddress(String)
    /// socket/bind/listen failed for an address; `errno` is the system error number.
    case bindFailed(address: String, errno: Int32)
    /// A system call needed to start the server failed.
    case systemCall(String, errno: Int32)
    /// The configuration is inconsistent (the text says which field).
    case invalidConfiguration(String)
    /// `HTTPHeaders.tryAdd`/`trySet`: the name is not an RFC 9110 token.
    case invalidHeaderName(String)
    /// `HTTPHeaders.tryAdd`/`trySet`: the value contains CR, LF, NUL or another control byte.
    case invalidHeaderValue(name: String)

    public var description: String {
        switch self {
        case .disconnected: "client disconnected"
        case .alreadyStarted: "server already started"
        case .invalidAddress(let a): "invalid listen address \(a.debugDescription) (want host:port or [v6]:port)"
        case .bindFailed(let a, let e): "cannot listen on \(a): errno \(e)"
        case .systemCall(let call, let e): "\(call) failed: errno \(e)"
        case .invalidConfiguration(let why): "invalid configuration: \(why)"
        case .invalidHeaderName(let n): "invalid header name \(n.debugDescription)"
        case .invalidHeaderValue(let n): "invalid value for header \(n) (CR, LF, NUL and control bytes are not allowed)"
        }
    }
}
