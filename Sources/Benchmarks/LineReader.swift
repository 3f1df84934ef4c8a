#if canImport(Glibc)
import Glibc
#endif

/// Newline-delimited messages from a file descriptor, read in large chunks into one growing
/// buffer and handed out in place: the driver must stay far cheaper per message than the
/// fastest server it measures (the C null server answers in about a microsecond).
final class LineReader {
    let fd: Int32
    let timeoutMilliseconds: Int32
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 20
    /// First unread byte.
    private var start = 0
    /// One past the last byte read.
    private var end = 0
    /// Bytes after `start` already known to hold no newline.
    private var scanned = 0

    init(fd: Int32, timeoutMilliseconds: Int32) {
        self.fd = fd
        self.timeoutMilliseconds = timeoutMilliseconds
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Whether a complete line is already buffered (no read needed).
    var hasBufferedLine: Bool {
        end - start > scanned && memchr(storage + start + scanned, 0x0A, end - start - scanned) != nil
    }

    /// The next line without its newline, valid until the next call.
    func next() throws -> UnsafeBufferPointer<UInt8> {
        while true {
            let from = start + scanned
            if end > from, let found = memchr(storage + from, 0x0A, end - from) {
                let newline = storage.distance(to: found.assumingMemoryBound(to: UInt8.self))
                let line = UnsafeBufferPointer(start: storage + start, count: newline - start)
                start = newline + 1
                scanned = 0
                return line
            }
            scanned = end - start
            if end == capacity {
                if start > 0 {
                    memmove(storage, storage + start, end - start)
                    end -= start
                    start = 0
                } else {
                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    grown.update(from: storage, count: end)
                    storage.deallocate()
                    storage = grown
                    capacity *= 2
                }
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready == 0 { throw BenchmarkFailure("no answer from the server within \(timeoutMilliseconds) ms") }
            if ready < 0 { if errno == EINTR { continue }; throw BenchmarkFailure("poll: \(String(cString: strerror(errno)))") }
            let count = read(fd, storage + end, capacity - end)
            if count > 0 { end += count; continue }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            throw BenchmarkFailure(count == 0 ? "the server closed its stdout" : "read: \(String(cString: strerror(errno)))")
        }
    }
}
