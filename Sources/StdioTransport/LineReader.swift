#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reads newline-delimited frames from a file descriptor on a dedicated OS thread.
///
/// Blocking `read(2)` must never run on Swift's small cooperative pool (two threads on this
/// machine), so the reader owns a thread and hands each complete line to `onLine` on that thread,
/// in order. Lines longer than `maxLineBytes` are skipped up to their newline and reported with
/// `onOversized`, so a hostile sender cannot make us buffer without bound. A trailing `\r` is
/// dropped and empty lines are ignored.
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
        var pending: [UInt8] = []      // start of a line that spans reads
        var skipping = false           // inside an oversized line
        var skippedBytes = 0

        func emit(_ line: UnsafeBufferPointer<UInt8>, more: Bool) {
            var n = line.count
            if n > 0 && line[n - 1] == 0x0D { n -= 1 }
            if n == 0 { return }
            onEvent(.line(UnsafeBufferPointer(rebasing: line[0..<n]), more: more))
        }

        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, chunk) }
            if got < 0 {
                if errno == EINTR { continue }
                break
            }
            if got == 0 { break }
            buffer.withUnsafeBufferPointer { all in
                var start = 0
                let end = got
                while start < end {
                    let base = all.baseAddress! + start
                    let found = memchr(base, 0x0A, end - start)
                    guard let found else {
                        // No newline in the rest of this read.
                        let rest = end - start
                        if skipping {
                            skippedBytes += rest
                        } else if pending.count + rest > maxLineBytes {
                            skipping = true
                            skippedBytes = pending.count + rest
                            pending.removeAll(keepingCapacity: false)
                        } else {
                            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: rest))
                        }
                        return
                    }
                    let newline = UnsafeRawPointer(found) - UnsafeRawPointer(all.baseAddress!)
                    let segment = UnsafeBufferPointer(start: base, count: newline - start)
                    if skipping {
                        onEvent(.oversized(skippedBytes + segment.count))
                        skipping = false
                        skippedBytes = 0
                    } else if pending.isEmpty {
                        if segment.count > maxLineBytes { onEvent(.oversized(segment.count)) } else { emit(segment, more: newline + 1 < end) }
                    } else {
                        if pending.count + segment.count > maxLineBytes {
                            onEvent(.oversized(pending.count + segment.count))
                        } else {
                            pending.append(contentsOf: segment)
                            pending.withUnsafeBufferPointer { emit($0, more: newline + 1 < end) }
                        }
                        pending.removeAll(keepingCapacity: true)
                    }
                    start = newline + 1
                }
            }
            onEvent(.batchEnd)
        }
        // A final line without a newline still counts.
        if !skipping && !pending.isEmpty {
            pending.withUnsafeBufferPointer { emit($0, more: false) }
        } else if skipping {
            onEvent(.oversized(skippedBytes))
        }
    }
}
