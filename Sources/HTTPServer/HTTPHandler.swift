/// The one function type the server calls for every request.
///
/// Each call runs in its own Swift `Task`, which the server cancels when the client disconnects
/// (EOF, reset, EPOLLRDHUP or a failed send) or when a write stalls past
/// `Configuration.writeStallTimeout`. Handlers that await long work should let cancellation
/// propagate; the response they return after a disconnect is discarded.
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse
