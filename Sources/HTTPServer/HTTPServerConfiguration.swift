internal import CShim

extension HTTPServer {
    /// Every address, limit and timeout of the server in one value.
    ///
    /// Why one struct: the limits interact (a header timeout is useless without a header size
    /// limit) and operators want to read them in one place. Defaults suit a public MCP endpoint.
    public struct Configuration: Sendable {
        /// Addresses to listen on: `"127.0.0.1:8080"`, `"[::1]:0"`, `"0.0.0.0:80"`. Port 0 picks a
        /// free port; `start()` returns the bound addresses. IPv6 sockets are IPv6-only
        /// (`IPV6_V6ONLY`), so list an IPv4 address too for dual-stack.
        public var addresses: [String] = ["127.0.0.1:0"]

        /// Event-loop threads. nil = the CPUs this process may run on (`sched_getaffinity`, so
        /// `taskset -c 0` gives 1).
        public var loopCount: Int? = nil

        /// Request line plus header fields, in bytes. Beyond it: 431 (414 when the request line
        /// alone is longer), then close.
        public var maxHeaderBytes: Int = 16 * 1024

        /// Number of header fields. Beyond it: 431, then close.
        public var maxHeaderCount: Int = 100

        /// Request body in bytes, for Content-Length and chunked bodies alike. A Content-Length
        /// above it is refused with 413 before reading the body; a chunked body gets 413 as soon as
        /// it grows past it. Then close.
        public var maxBodyBytes: Int = 4 * 1024 * 1024

        /// Time from the first byte of a request (or from accept, for a new connection) until the
        /// blank line ending its head. A deadline, not reset per byte: a client trickling a byte a
        /// second is cut off when it passes. Expiry: 408 and close (a connection that never sent a
        /// byte is closed without a response).
        public var headerTimeout: Duration = .seconds(10)

        /// Time from the end of the head until the last body byte. Expiry: 408 and close.
        public var bodyTimeout: Duration = .seconds(30)

        /// How long a keep-alive connection may wait for its next request. Expiry: close.
        public var idleTimeout: Duration = .seconds(60)

        /// How long unsent response bytes may sit without any progress. Expiry: close, and the
        /// handler's Task (if still running) is cancelled.
        public var writeStallTimeout: Duration = .seconds(30)

        /// Open connections across all loops. Beyond it a new connection gets a best-effort
        /// `503` and is closed at once; existing connections are unaffected.
        public var maxConnections: Int = 1024

        /// A streaming response's `HTTPBodyWriter.write` suspends once more than this many bytes
        /// are queued but not yet taken by the kernel...
        public var streamHighWaterMark: Int = 256 * 1024

        /// ...and resumes when the queue drops to this many bytes.
        public var streamLowWaterMark: Int = 64 * 1024

        /// One logfmt line per request on stderr (`time remote method path status bytes duration_us`).
        public var accessLog: Bool = true

        /// Disable Nagle on accepted connections (responses leave in one segment anyway).
        public var tcpNoDelay: Bool = true

        /// Run the loop threads under `SCHED_BATCH`, so a loop woken by a finished handler does not
        /// preempt the pool thread that is still running other handlers. Off by default. Measured
        /// (2-core VM, wrk -c64, POST echo): with the server pinned to one CPU it lifts one loop
        /// from ~73k to ~108k req/s (p99 1.5 ms → 0.75 ms) because loop and pool thread stop
        /// ping-ponging once per request; unpinned at 64 connections +10–30 %; but with a single
        /// sequential client it halves throughput and p99 grows to ~10 ms (a woken batch thread
        /// waits for the scheduler tick). Turn it on only for saturated servers on few cores.
        public var batchScheduling: Bool = false

        /// Run each handler's Task on the event loop that owns its connection (the loop is the
        /// Task's preferred executor) instead of on Swift's shared pool. What it saves: the two
        /// thread hand-offs per request (loop → pool thread to start the handler, pool → loop
        /// with the response and an eventfd wake-up). What it costs: a handler that computes or
        /// blocks for long holds up the other connections of its loop — work that awaits (I/O,
        /// other tasks) does not. Child tasks inherit the preference; work on actors moves to the
        /// actor and back.
        public var handlersOnLoops: Bool = true

        /// listen(2) backlog.
        public var backlog: Int = 1024

        // Internal knobs (tests and tuning).

        /// Largest single recv(2); tests set 1 to drive the parser across every byte boundary.
        var readChunkSize: Int = 64 * 1024
        /// How long we keep reading (and discarding) after sending a final response and half-closing,
        /// so the client sees our response instead of a reset.
        var lingerTimeout: Duration = .seconds(2)

        public init() {}

        /// Loops actually started.
        var resolvedLoopCount: Int {
            max(1, loopCount ?? Int(cshim_available_cpus()))
        }

        func validate() throws(HTTPError) {
            if addresses.isEmpty { throw .invalidConfiguration("addresses is empty") }
            if maxHeaderBytes < 64 { throw .invalidConfiguration("maxHeaderBytes < 64") }
            if maxHeaderCount < 1 { throw .invalidConfiguration("maxHeaderCount < 1") }
            if maxBodyBytes < 0 { throw .invalidConfiguration("maxBodyBytes < 0") }
            if maxConnections < 1 { throw .invalidConfiguration("maxConnections < 1") }
            if streamLowWaterMark < 0 || streamHighWaterMark < streamLowWaterMark {
                throw .invalidConfiguration("need 0 <= streamLowWaterMark <= streamHighWaterMark")
            }
            if readChunkSize < 1 { throw .invalidConfiguration("readChunkSize < 1") }
            for t in [headerTimeout, bodyTimeout, idleTimeout, writeStallTimeout] where t <= .zero {
                throw .invalidConfiguration("timeouts must be positive")
            }
        }
    }
}
