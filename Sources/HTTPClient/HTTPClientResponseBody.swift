import HTTPServer

extension HTTPClientResponse {
    /// The response body as an `AsyncSequence` of byte chunks, in the order received.
    ///
    /// Why chunks and not bytes: SSE and JSON consumers parse whole pieces; a per-byte sequence
    /// would cost an await per byte. Chunk boundaries are whatever the network delivered and
    /// carry no meaning. The sequence can be iterated once; a second iterator continues the
    /// same underlying stream (read it from one task at a time). Iteration throws
    /// `HTTPClientError` (timeouts, a connection closed mid-body, malformed chunking, `shutdown`)
    /// or `CancellationError`; bytes received before a failure are delivered first.
    public struct Body: AsyncSequence, Sendable {
        public typealias Element = [UInt8]

        let handle: BodyHandle
        /// The announced `Content-Length`, when the body is framed by one.
        public let expectedLength: Int?

        init(handle: BodyHandle, expectedLength: Int?) {
            self.handle = handle
            self.expectedLength = expectedLength
        }

        public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
            let handle: BodyHandle

            public mutating func next() async throws -> [UInt8]? {
                try await handle.exchange.next()
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(handle: handle)
        }

        /// Reads the rest of the body into one array, failing with `bodyTooLarge(limit:)` as soon
        /// as it would exceed `maxBytes` (at once when `Content-Length` already says so; the
        /// connection is then closed rather than drained).
        public func collect(upTo maxBytes: Int) async throws -> [UInt8] {
            if let n = expectedLength, n > maxBytes {
                handle.exchange.abandon()
                throw HTTPClientError.bodyTooLarge(limit: maxBytes)
            }
            var out: [UInt8] = []
            if let n = expectedLength { out.reserveCapacity(n) }
            for try await chunk in self {
                guard chunk.count <= maxBytes - out.count else {
                    handle.exchange.abandon()
                    throw HTTPClientError.bodyTooLarge(limit: maxBytes)
                }
                out.append(contentsOf: chunk)
            }
            return out
        }

        /// Trailer fields of a chunked body, available once the body has been read to its end
        /// (nil before that; empty when none were sent, and always on the URLSession path).
        public var trailers: HTTPHeaders? { handle.exchange.trailers }
    }
}

/// Owns the consumer's end of an exchange: when the last response copy and iterator are gone
/// before the body ended, the transport is told to stop (the connection is closed, not pooled).
final class BodyHandle: Sendable {
    let exchange: Exchange

    init(exchange: Exchange) {
        self.exchange = exchange
    }

    deinit {
        exchange.abandon()
    }
}
