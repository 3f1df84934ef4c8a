#if canImport(Glibc)
import Glibc
#endif

/// Cuts a byte stream into newline-delimited lines: the framing of `LineReader`, apart from the
/// reading, so a reader driven by an event loop (which gets bytes when they are there, not from
/// a blocking `read(2)`) frames exactly the same way.
///
/// Lines longer than `maxLineBytes` are skipped up to their newline and reported as
/// `.oversized`, so a hostile sender cannot make us buffer without bound. A trailing `\r` is
/// dropped and empty lines are ignored. A line that spans chunks is kept until its end arrives.
public struct LineFramer {
    public let maxLineBytes: Int
    /// The start of a line that spans chunks.
    private var pending: [UInt8] = []
    /// Inside an oversized line, and how much of it went by.
    private var skipping = false
    private var skippedBytes = 0

    public init(maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Delivers every line `chunk` completes, in order (`.line` and `.oversized` only; the caller
    /// says when a batch ends).
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ onEvent: (LineReader.Event) -> Void) {
        guard let all = chunk.baseAddress else { return }
        let end = chunk.count
        var start = 0
        while start < end {
            let base = all + start
            guard let found = memchr(base, 0x0A, end - start) else {
                // No newline in the rest of this chunk.
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
            let newline = UnsafeRawPointer(found) - UnsafeRawPointer(all)
            let segment = UnsafeBufferPointer(start: base, count: newline - start)
            let more = newline + 1 < end
            if skipping {
                onEvent(.oversized(skippedBytes + segment.count))
                skipping = false
                skippedBytes = 0
            } else if pending.isEmpty {
                if segment.count > maxLineBytes { onEvent(.oversized(segment.count)) } else { Self.emit(segment, more: more, onEvent) }
            } else {
                if pending.count + segment.count > maxLineBytes {
                    onEvent(.oversized(pending.count + segment.count))
                } else {
                    pending.append(contentsOf: segment)
                    pending.withUnsafeBufferPointer { Self.emit($0, more: more, onEvent) }
                }
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
    }

    /// End of input: a final line without a newline still counts.
    public mutating func finish(_ onEvent: (LineReader.Event) -> Void) {
        if skipping {
            onEvent(.oversized(skippedBytes))
        } else if !pending.isEmpty {
            pending.withUnsafeBufferPointer { Self.emit($0, more: false, onEvent) }
        }
        pending = []
        skipping = false
        skippedBytes = 0
    }

    private static func emit(_ line: UnsafeBufferPointer<UInt8>, more: Bool, _ onEvent: (LineReader.Event) -> Void) {
        var n = line.count
        if n > 0 && line[n - 1] == 0x0D { n -= 1 }
        if n == 0 { return }
        onEvent(.line(UnsafeBufferPointer(rebasing: line[0..<n]), more: more))
    }
}
