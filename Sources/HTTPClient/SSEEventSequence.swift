/// Server-Sent Events parsed from any sequence of byte chunks, typically a response body.
///
/// Why an adaptor over `AsyncSequence`: the same parser then serves our socket path, the
/// URLSession path and tests that feed chunks directly, and events are yielded as soon as the
/// chunk holding their blank line arrives, so a long-lived stream delivers each event on time.
public struct SSEEventSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == [UInt8] {
    public typealias Element = SSEEvent

    let base: Base
    let maxEventBytes: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var parser: SSEParser
        var pending: [SSEEvent] = []
        var index = 0
        var ended = false

        /// The next event; nil once the body ended (an unfinished last event is dropped).
        /// Throws the body's errors and `SSEParserError`.
        public mutating func next() async throws -> SSEEvent? {
            while true {
                if index < pending.count {
                    index += 1
                    return pending[index - 1]
                }
                if ended { return nil }
                guard let chunk = try await base.next() else {
                    ended = true
                    parser.finish()
                    return nil
                }
                pending = try parser.feed(chunk)
                index = 0
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), parser: SSEParser(maxEventBytes: maxEventBytes))
    }
}

extension AsyncSequence where Element == [UInt8] {
    /// This byte-chunk sequence read as `text/event-stream`.
    public func serverSentEvents(maxEventBytes: Int = 1024 * 1024) -> SSEEventSequence<Self> {
        SSEEventSequence(base: self, maxEventBytes: maxEventBytes)
    }
}
