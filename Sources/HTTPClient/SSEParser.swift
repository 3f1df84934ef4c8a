/// Incremental `text/event-stream` parser (WHATWG HTML §9.2.5–9.2.6): byte chunks in, events out.
///
/// Why bytes and not strings: chunks split anywhere, including inside a UTF-8 sequence or
/// between the CR and LF of a line ending. Lines are split on bytes first (CR, LF and CRLF are
/// all line endings, and none can occur inside a multi-byte UTF-8 sequence), then each complete
/// line is decoded as UTF-8 with invalid sequences replaced, exactly as the spec's decoder does.
/// Rules implemented: one leading BOM is dropped; a line starting with `:` is a comment; a field
/// name runs to the first `:` (or the whole line), and one space after the colon is removed;
/// `data` appends its value plus LF, `event` sets the type, `id` sets the last event ID unless
/// the value contains NUL, `retry` sets the reconnection time when the value is ASCII digits,
/// other fields are ignored; a blank line dispatches (nothing when no data arrived, resetting
/// the type); an unfinished event at the end of the stream is discarded. The one addition is
/// `maxEventBytes`, so a peer that never sends a blank line cannot grow memory without bound.
public struct SSEParser: Sendable {
    /// The longest event accepted: data lines so far plus the current line, in bytes.
    public let maxEventBytes: Int
    /// The stream's last event ID (see `SSEEvent.lastEventID`).
    public private(set) var lastEventID = ""
    /// The stream's reconnection time in milliseconds, once a valid `retry:` arrived.
    public private(set) var reconnectionTime: Int?

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType = ""
    private var idBuffer = ""
    private var afterCR = false
    /// BOM bytes matched so far at the very start; nil once past the start.
    private var bomMatched: Int? = 0
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(maxEventBytes: Int = 1024 * 1024) {
        self.maxEventBytes = maxEventBytes
    }

    /// Parses the next piece of the stream and returns the events it completed, in order.
    public mutating func feed(_ bytes: [UInt8]) throws(SSEParserError) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for b in bytes {
            if let matched = bomMatched {
                if b == Self.bom[matched] {
                    bomMatched = matched + 1 == Self.bom.count ? nil : matched + 1
                    continue
                }
                bomMatched = nil
                for earlier in Self.bom[0..<matched] { try take(earlier, &events) }
            }
            try take(b, &events)
        }
        return events
    }

    /// The stream ended. An event without its terminating blank line is discarded (the spec's
    /// rule); the parser is reset for a new stream except for `lastEventID` and
    /// `reconnectionTime`, which a reconnect needs.
    public mutating func finish() {
        line = []
        data = []
        eventType = ""
        afterCR = false
        bomMatched = 0
    }

    private mutating func take(_ b: UInt8, _ events: inout [SSEEvent]) throws(SSEParserError) {
        if afterCR {
            afterCR = false
            if b == 0x0A { return }  // the LF of a CRLF
        }
        switch b {
        case 0x0D:
            afterCR = true
            endLine(&events)
        case 0x0A:
            endLine(&events)
        default:
            line.append(b)
            if line.count + data.count > maxEventBytes { throw .eventTooLarge(limit: maxEventBytes) }
        }
    }

    private mutating func endLine(_ events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatch(&events)
            return
        }
        if line[0] == 0x3A { return }  // comment
        let colon = line.firstIndex(of: 0x3A)
        let name = line[..<(colon ?? line.endIndex)]
        var value = colon.map { line[($0 + 1)...] } ?? []
        if value.first == 0x20 { value = value.dropFirst() }
        if name.elementsEqual("data".utf8) {
            data.append(contentsOf: value)
            data.append(0x0A)
        } else if name.elementsEqual("event".utf8) {
            eventType = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) { idBuffer = String(decoding: value, as: UTF8.self) }
        } else if name.elementsEqual("retry".utf8) {
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let ms = Int(String(decoding: value, as: UTF8.self)) {
                reconnectionTime = ms
            }
        }
    }

    private mutating func dispatch(_ events: inout [SSEEvent]) {
        lastEventID = idBuffer
        guard !data.isEmpty else {
            eventType = ""
            return
        }
        data.removeLast()  // the LF after the last data line
        events.append(
            SSEEvent(
                type: eventType.isEmpty ? "message" : eventType, data: String(decoding: data, as: UTF8.self),
                lastEventID: lastEventID, retry: reconnectionTime))
        data.removeAll(keepingCapacity: true)
        eventType = ""
    }
}
