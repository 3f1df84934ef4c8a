extension HTTPClient {
    /// Which transport carries `http://` requests. `https://` always goes through URLSession
    /// (the toolchain's only TLS); our socket client never speaks TLS.
    public enum TransportPreference: Sendable, Equatable {
        /// `http://` over our own sockets and pool, `https://` over URLSession.
        case automatic
        /// Everything over URLSession (tests use it to exercise the URLSession bridge against a
        /// plain local server; also a fallback if the socket client ever misbehaves).
        case urlSession
    }

    /// Every pool size, limit and default timeout of a client in one value.
    ///
    /// Why one struct: operators and tests want to read the limits in one place, and they
    /// interact (a head timeout is useless without a head size limit).
    public struct Configuration: Sendable {
        /// Connections open at once to one origin (scheme, host, port), busy or idle. Requests
        /// beyond it wait, in order, for a connection to come free.
        public var maxConnectionsPerOrigin: Int = 8

        /// Idle keep-alive connections kept per origin; more are closed after their response.
        public var maxIdleConnectionsPerOrigin: Int = 4

        /// How long an idle pooled connection is kept before we close it.
        public var idleConnectionTimeout: Duration = .seconds(30)

        /// Default timeouts; `HTTPClientRequest.timeouts` overrides them per request.
        public var timeouts = Timeouts()

        /// Status line plus header fields of a response (and, separately, its trailer section).
        public var maxHeadBytes: Int = 64 * 1024

        /// Header fields in a response head.
        public var maxHeaderCount: Int = 100

        /// Default body limit of the buffered APIs (`send`, `Body.collect()`); a streamed body
        /// has no total limit (SSE streams can run for hours).
        public var maxBodyBytes: Int = 16 * 1024 * 1024

        /// Back-pressure of a streamed body on our sockets: once this many received bytes wait
        /// unread in the response body, the client stops reading that socket...
        public var streamHighWaterMark: Int = 256 * 1024

        /// ...and resumes when the consumer has taken the backlog down to this many bytes.
        public var streamLowWaterMark: Int = 64 * 1024

        /// URLSession on Linux cannot pause a transfer (suspending a running task removes the
        /// libcurl handle, which restarts the request), so on that path a consumer that falls
        /// this many bytes behind fails with `consumerTooSlow` instead.
        public var urlSessionBufferLimit: Int = 16 * 1024 * 1024

        /// See `TransportPreference`.
        public var transportPreference: TransportPreference = .automatic

        /// Disable Nagle on our sockets (requests leave in one write anyway).
        public var tcpNoDelay: Bool = true
        /// Which addresses connections may go to (`.publicOnly`: no private, loopback or
        /// link-local networks; see `AddressPolicy`).
        public var addressPolicy: AddressPolicy = .any

        public init() {}

        func validate() throws(HTTPClientError) {
            func bad(_ why: String) -> HTTPClientError { .invalidConfiguration(why) }
            if maxConnectionsPerOrigin < 1 { throw bad("maxConnectionsPerOrigin < 1") }
            if maxIdleConnectionsPerOrigin < 0 { throw bad("maxIdleConnectionsPerOrigin < 0") }
            if maxHeadBytes < 64 { throw bad("maxHeadBytes < 64") }
            if maxHeaderCount < 1 { throw bad("maxHeaderCount < 1") }
            if maxBodyBytes < 0 { throw bad("maxBodyBytes < 0") }
            if streamLowWaterMark < 0 || streamHighWaterMark < streamLowWaterMark {
                throw bad("need 0 <= streamLowWaterMark <= streamHighWaterMark")
            }
            if urlSessionBufferLimit < 1 { throw bad("urlSessionBufferLimit < 1") }
            if idleConnectionTimeout <= .zero { throw bad("idleConnectionTimeout must be positive") }
            try timeouts.validate()
        }
    }

    /// The four clocks of a request. `nil` disables the optional ones.
    ///
    /// - `connect`: resolving the name plus the TCP connect of a new connection.
    /// - `responseHead`: from handing the request to a connection until the final (non-1xx)
    ///   response head has arrived; covers writing the request body too.
    /// - `idle`: the longest gap between two received body bytes (a long-lived SSE stream with
    ///   rare events wants `nil` or a value above the server's keep-alive comment interval).
    ///   Not counted while the consumer itself is behind (back-pressure).
    /// - `overall`: from the call to `execute`/`send` until the body has been fully received,
    ///   including any wait for a pooled connection.
    public struct Timeouts: Sendable, Equatable {
        public var connect: Duration
        public var responseHead: Duration
        public var idle: Duration?
        public var overall: Duration?

        public init(
            connect: Duration = .seconds(10), responseHead: Duration = .seconds(60), idle: Duration? = .seconds(60),
            overall: Duration? = nil
        ) {
            self.connect = connect
            self.responseHead = responseHead
            self.idle = idle
            self.overall = overall
        }

        func validate() throws(HTTPClientError) {
            for t in [connect, responseHead, idle ?? .seconds(1), overall ?? .seconds(1)] where t <= .zero {
                throw .invalidConfiguration("timeouts must be positive")
            }
        }
    }
}
