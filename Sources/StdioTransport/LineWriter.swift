#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Writes newline-terminated frames to a file descriptor, one whole frame at a time.
///
/// A mutex serializes writers so two messages never interleave; each frame goes out in as few
/// `write(2)` calls as the kernel allows (partial writes and EINTR are retried). Once the reader
/// is gone (EPIPE) the writer turns into a sink that drops frames, so a vanished client cannot
/// crash or block the server.
public final class LineWriter: Sendable {
    private let fd: Int32
    private let state = Mutex<(broken: Bool, scratch: [UInt8])>((false, []))

    public init(fd: Int32) {
        self.fd = fd
    }

    public var isBroken: Bool { state.withLock { $0.broken } }

    /// Writes `bytes` followed by `\n`. The bytes must not contain a newline (our JSON writer
    /// guarantees it).
    public func writeLine(_ bytes: [UInt8]) {
        state.withLock { s in
            guard !s.broken else { return }
            s.scratch.removeAll(keepingCapacity: true)
            s.scratch.append(contentsOf: bytes)
            s.scratch.append(0x0A)
            let ok = s.scratch.withUnsafeBytes { Self.writeAll(fd, $0) }
            if !ok { s.broken = true }
        }
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
