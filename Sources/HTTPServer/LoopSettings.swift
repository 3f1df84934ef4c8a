/// `HTTPServer.Configuration` converted once into what the loops use on the hot path.
///
/// Why: deadlines become integer nanosecond compares against the loop's cached monotonic clock,
/// and derived limits (sweep interval, pipelining buffers) are computed in one place.
struct LoopSettings: Sendable {
    var headerTimeout: UInt64
    var bodyTimeout: UInt64
    var idleTimeout: UInt64
    var writeStallTimeout: UInt64
    var lingerTimeout: UInt64
    /// How often a loop checks deadlines: a tenth of the shortest timeout, within 5–250 ms.
    var sweepInterval: UInt64
    var maxHeaderBytes: Int
    var maxHeaderCount: Int
    var maxBodyBytes: Int
    var maxConnections: Int
    var streamHighWaterMark: Int
    var streamLowWaterMark: Int
    var readChunkSize: Int
    /// Unparsed input we keep buffering while a request is being handled (pipelined requests).
    var pipelineBufferLimit: Int
    /// Unsent output above which we stop parsing further pipelined requests.
    var outputBacklogLimit: Int
    var accessLog: Bool
    var tcpNoDelay: Bool
    var batchScheduling: Bool
    var handlersOnLoops: Bool
    /// The head and body limits, as the request framer takes them.
    var framerLimits: RequestFramer.Limits {
        RequestFramer.Limits(maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes)
    }

    init(_ c: HTTPServer.Configuration) {
        headerTimeout = c.headerTimeout.nanoseconds
        bodyTimeout = c.bodyTimeout.nanoseconds
        idleTimeout = c.idleTimeout.nanoseconds
        writeStallTimeout = c.writeStallTimeout.nanoseconds
        lingerTimeout = c.lingerTimeout.nanoseconds
        let shortest = min(headerTimeout, bodyTimeout, idleTimeout, writeStallTimeout, max(lingerTimeout, 1))
        sweepInterval = min(max(shortest / 10, 5_000_000), 250_000_000)
        maxHeaderBytes = c.maxHeaderBytes
        maxHeaderCount = c.maxHeaderCount
        maxBodyBytes = c.maxBodyBytes
        maxConnections = c.maxConnections
        streamHighWaterMark = c.streamHighWaterMark
        streamLowWaterMark = c.streamLowWaterMark
        readChunkSize = min(c.readChunkSize, 64 * 1024)
        pipelineBufferLimit = max(c.maxHeaderBytes, 64 * 1024)
        outputBacklogLimit = max(c.streamHighWaterMark, 64 * 1024)
        accessLog = c.accessLog
        tcpNoDelay = c.tcpNoDelay
        batchScheduling = c.batchScheduling
        handlersOnLoops = c.handlersOnLoops
    }
}

extension Duration {
    /// Whole nanoseconds, clamped at zero.
    var nanoseconds: UInt64 {
        let (s, atto) = components
        if s < 0 { return 0 }
        return UInt64(s) &* 1_000_000_000 &+ UInt64(max(0, atto) / 1_000_000_000)
    }
}
