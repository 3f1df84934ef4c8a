internal import CShim
#if canImport(Glibc)
import Glibc
#endif

/// One logfmt line per request on stderr.
///
/// Why logfmt and plain write(2): a line is both greppable and machine-parseable. Each loop
/// batches its lines and writes them once per loop iteration in chunks of at most PIPE_BUF
/// (4 KiB), which a pipe writes atomically, so lines from several loops never interleave, no lock
/// is taken, and a busy loop makes one syscall per batch instead of one per request. Example:
/// `time=2026-11-22T12:00:00.123Z remote=127.0.0.1:50123 method=POST path=/mcp status=200 bytes=118 duration_us=45`
/// Status 499 marks a request whose client went away before the response was complete.
enum AccessLog {
    static func line(remote: String, method: String, path: String, status: Int, bytes: Int, durationMicros: UInt64) -> [UInt8] {
        var time = [CChar](repeating: 0, count: 32)
        cshim_rfc3339_now(&time)
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: "time=".utf8)
        out.append(contentsOf: time.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
        field(&out, "remote", remote)
        field(&out, "method", method)
        field(&out, "path", path)
        field(&out, "status", String(status))
        field(&out, "bytes", String(bytes))
        field(&out, "duration_us", String(durationMicros))
        out.append(0x0A)
        return out
    }

    /// Writes to stderr; retries short writes and EINTR, drops the rest on any other error.
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = Glibc.write(2, p.baseAddress! + offset, p.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    private static func field(_ out: inout [UInt8], _ key: String, _ value: String) {
        out.append(0x20)
        out.append(contentsOf: key.utf8)
        out.append(0x3D)
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5C || $0 >= 0x7F }
        guard needsQuotes else {
            out.append(contentsOf: value.utf8)
            return
        }
        out.append(0x22)
        for b in value.utf8 {
            switch b {
            case 0x22, 0x5C: out.append(0x5C); out.append(b)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0..<0x20, 0x7F: out.append(contentsOf: "\\x".utf8); out.append(contentsOf: hex2(b))
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    private static func hex2(_ b: UInt8) -> [UInt8] {
        let d = Array("0123456789abcdef".utf8)
        return [d[Int(b >> 4)], d[Int(b & 0xF)]]
    }
}
