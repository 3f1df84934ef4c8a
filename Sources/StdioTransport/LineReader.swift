#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reads newline-delimited frames from a file descriptor on a dedicated OS thread.
///
/// Blocking `read(2)` must never run on Swift's small cooperative pool (two threads on this
/// machine), so the reader owns a thread and hands each complete line to `onLine` on that thread,
/// in order, framed by `LineFramer` (oversized lines skipped and reported, `\r` dropped, empty
/// lines ignored).
public final class LineReader: Sendable {
    public enum Event {
        /// One line; `more` is true when the same `read(2)` returned bytes after it, false when
        /// nothing else has arrived yet — the moment a consumer may spend the reader's own
        /// thread on the line instead of waking another.
        case line(UnsafeBufferPointer<UInt8>, more: Bool)
        case oversized(Int)
        /// Every line of one `read(2)` has been delivered: a moment to flush what they produced
        /// in one write instead of one per line.
        case batchEnd
    }

    private let fd: Int32
    public let maxLineBytes: Int

    public init(fd: Int32, maxLineBytes: Int) {
        self.fd = fd
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Reads until end of input (or a read error), then returns.
    public func run(_ onEvent: @escaping @Sendable (Event) -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [fd, maxLineBytes] in
                Self.loop(fd: fd, maxLineBytes: maxLineBytes, onEvent)
                done.resume()
            }
            thread.stackSize = 1 << 20
            thread.name = "stdio-reader"
            thread.start()
        }
    }

    static func loop(fd: Int32, maxLineBytes: Int, _ onEvent: (Event) -> Void) {
        let chunk = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, chunk) }
            if got < 0 {
                if errno == EINTR { continue }
                break
            }
            if got == 0 { break }
            buffer.withUnsafeBufferPointer { framer.feed(UnsafeBufferPointer(rebasing: $0[0..<got]), onEvent) }
            onEvent(.batchEnd)
        }
        framer.finish(onEvent)
    }
}
