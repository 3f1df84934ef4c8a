/// Parses a block of field lines (`name: value` CRLF … CRLF) from raw bytes.
///
/// Why shared: request heads, response heads (the HTTP client) and chunked trailers all end in
/// the same field block, and the rules that keep smuggling and response splitting out must be
/// identical everywhere: CRLF only (a bare CR or LF is an error), names are RFC 9110 tokens
/// followed directly by `:`, no obs-fold (a line starting with SP/HTAB), values are visible
/// ASCII, SP, HTAB or obs-text with surrounding whitespace trimmed, and at most `maxCount`
/// fields. Each caller maps a `Failure` to its own error (a 400/431 for the server, a
/// malformed-response error for the client).
package enum FieldLineParser {
    package enum Failure: Error, Equatable, Sendable {
        case bareCR, bareLF, unterminatedLine, obsoleteLineFolding, malformedName, controlCharacterInValue, tooManyFields
    }

    /// The index of the CR ending the line that starts at `from`; the byte after it must be LF.
    package static func lineEnd(_ buf: UnsafeBufferPointer<UInt8>, from: Int) throws(Failure) -> Int {
        var i = from
        while i < buf.count {
            let b = buf[i]
            if b == 0x0D {
                guard i + 1 < buf.count, buf[i + 1] == 0x0A else { throw .bareCR }
                return i
            }
            if b == 0x0A { throw .bareLF }
            i += 1
        }
        throw .unterminatedLine
    }

    /// Parses field lines starting at `start` through the blank line that ends the block.
    /// Returns the fields in order and the index just past that blank line.
    package static func parseFields(
        _ buf: UnsafeBufferPointer<UInt8>, from start: Int, maxCount: Int
    ) throws(Failure) -> (fields: [HTTPHeaders.Element], end: Int) {
        var fields: [HTTPHeaders.Element] = []
        var line = start
        while true {
            let e = try lineEnd(buf, from: line)
            if e == line { return (fields, e + 2) }
            let b0 = buf[line]
            if b0 == 0x20 || b0 == 0x09 { throw .obsoleteLineFolding }
            var j = line
            while j < e, HTTPSyntax.isTokenByte(buf[j]) { j += 1 }
            guard j > line, j < e, buf[j] == 0x3A else { throw .malformedName }
            let nameRange = line..<j
            j += 1
            while j < e, buf[j] == 0x20 || buf[j] == 0x09 { j += 1 }
            var valueEnd = e
            while valueEnd > j, buf[valueEnd - 1] == 0x20 || buf[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            for k in j..<valueEnd where !HTTPSyntax.isFieldValueByte(buf[k]) {
                throw .controlCharacterInValue
            }
            fields.append((string(buf, nameRange), string(buf, j..<valueEnd)))
            if fields.count > maxCount { throw .tooManyFields }
            line = e + 2
        }
    }

    package static func string(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buf[range]), as: UTF8.self)
    }
}
