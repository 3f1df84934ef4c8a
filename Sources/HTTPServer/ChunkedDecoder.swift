/// Incremental decoder for chunked bodies (RFC 9112 §7.1): request bodies here, response bodies
/// in the HTTP client.
///
/// Why a byte state machine: bodies arrive in arbitrary pieces (down to one byte per read), and
/// every state must survive a split anywhere. Chunk extensions are skipped (any bytes but CTLs,
/// at most `maxLineBytes` per size line); trailer fields are read (at most `maxTrailerBytes` in
/// all, CRLF-terminated, no bare LF) and discarded, or kept raw in `trailerBytes` when
/// `keepsTrailers` is set (the client parses them with `FieldLineParser`). The size is hex, at
/// most 15 digits. The body limit is enforced as each chunk size is announced, before its data
/// is read. Failures carry the status a server would answer with (400, 413, 431).
package struct ChunkedDecoder {
    package enum Outcome {
        case needMore
        case done
        case failure(RequestRejection)
    }

    private enum State {
        case size, extensionBytes, sizeLF, data, dataCR, dataLF
        case trailerStart, trailerLine, trailerLF, finalLF, done
    }

    private var state = State.size
    private var size = 0
    private var digits = 0
    private var remaining = 0
    private var lineBytes = 0
    private var trailerCount = 0
    let maxLineBytes = 4096
    /// Keep the trailer section's field lines (each with its CRLF) in `trailerBytes`.
    package var keepsTrailers = false
    /// The raw trailer field lines when `keepsTrailers` is set (empty when there were none).
    package private(set) var trailerBytes: [UInt8] = []

    package init(keepsTrailers: Bool = false) {
        self.keepsTrailers = keepsTrailers
    }

    /// Consumes bytes from `buf`, appending decoded data to `body`. Returns the bytes consumed.
    package mutating func decode(
        _ buf: UnsafeBufferPointer<UInt8>, into body: inout [UInt8], maxBody: Int, maxTrailerBytes: Int
    ) -> (consumed: Int, outcome: Outcome) {
        var i = 0
        func fail(_ status: Int, _ reason: String) -> (Int, Outcome) {
            (i, .failure(RequestRejection(status: status, reason: reason)))
        }
        while i < buf.count {
            let b = buf[i]
            switch state {
            case .size:
                if let v = PercentDecoding.hex(b) {
                    digits += 1
                    guard digits <= 15 else { return fail(400, "chunk size too long") }
                    size = size << 4 | Int(v)
                    i += 1
                } else if digits == 0 {
                    return fail(400, "invalid chunk size")
                } else if b == 0x3B || b == 0x20 || b == 0x09 {
                    state = .extensionBytes
                    lineBytes = digits
                } else if b == 0x0D {
                    state = .sizeLF
                    i += 1
                } else {
                    return fail(400, "invalid chunk size")
                }
            case .extensionBytes:
                if b == 0x0D {
                    state = .sizeLF
                } else if b != 0x09 && (b < 0x20 || b == 0x7F) {
                    return fail(400, "invalid chunk extension")
                } else {
                    lineBytes += 1
                    if lineBytes > maxLineBytes { return fail(400, "chunk extension too long") }
                }
                i += 1
            case .sizeLF:
                guard b == 0x0A else { return fail(400, "bare CR in chunk size line") }
                i += 1
                if size == 0 {
                    state = .trailerStart
                } else {
                    guard size <= maxBody - body.count else { return fail(413, "request body too large") }
                    remaining = size
                    state = .data
                }
            case .data:
                let n = min(remaining, buf.count - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<(i + n)]))
                i += n
                remaining -= n
                if remaining == 0 { state = .dataCR }
            case .dataCR:
                guard b == 0x0D else { return fail(400, "chunk data not followed by CRLF") }
                state = .dataLF
                i += 1
            case .dataLF:
                guard b == 0x0A else { return fail(400, "chunk data not followed by CRLF") }
                state = .size
                size = 0
                digits = 0
                i += 1
            case .trailerStart:
                if b == 0x0D {
                    state = .finalLF
                } else if b == 0x0A {
                    return fail(400, "bare LF in trailer")
                } else {
                    state = .trailerLine
                    continue
                }
                i += 1
            case .trailerLine:
                if b == 0x0D {
                    state = .trailerLF
                } else if b == 0x0A || b == 0 {
                    return fail(400, "invalid trailer field")
                }
                trailerCount += 1
                if trailerCount > maxTrailerBytes { return fail(431, "trailer fields too large") }
                if keepsTrailers { trailerBytes.append(b) }
                i += 1
            case .trailerLF:
                guard b == 0x0A else { return fail(400, "bare CR in trailer") }
                if keepsTrailers { trailerBytes.append(b) }
                state = .trailerStart
                i += 1
            case .finalLF:
                guard b == 0x0A else { return fail(400, "bare CR after last chunk") }
                state = .done
                return (i + 1, .done)
            case .done:
                return (i, .done)
            }
        }
        return (i, state == .done ? .done : .needMore)
    }
}
