import HTTPClient

/// Fuzzes `SSEParser` with the input cut into pieces at several `ChunkPlan`s.
///
/// Invariants: where the stream is cut never matters — the events from any cutting are those of
/// feeding one byte at a time (a prefix of them when the event-size limit throws, since the
/// piece that throws loses its events), the limit throws for every cutting or for none, and the
/// final `lastEventID` and `reconnectionTime` agree; no event is larger than the limit (counted
/// in Unicode scalars: each wire byte becomes at most one scalar, a replacement character for
/// invalid UTF-8); no type or id holds a CR or LF and no data holds a CR (they end lines); no id
/// holds a NUL; a type is never empty.
public enum SSEFuzzTarget {
    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        var plan = ChunkPlan(input)
        let limit = 16 + Int(plan.nextRandom() % 512)
        let bytes = Array(input)
        let reference = feed(bytes, pieces: bytes.indices.map { $0..<($0 + 1) }, limit: limit)
        for event in reference.events { check(event, limit: limit) }
        var cuttings = [[0..<bytes.count]]
        for _ in 0..<3 { cuttings.append(plan.pieces(bytes.count)) }
        for pieces in cuttings {
            let outcome = feed(bytes, pieces: pieces, limit: limit)
            Invariant.check(outcome.threw == reference.threw, "the size limit depends on where the stream is cut")
            if outcome.threw {
                Invariant.check(
                    outcome.events.count <= reference.events.count
                        && Array(reference.events.prefix(outcome.events.count)) == outcome.events,
                    "events before the size error depend on where the stream is cut")
            } else {
                Invariant.check(outcome.events == reference.events, "events depend on where the stream is cut")
                Invariant.check(outcome.lastEventID == reference.lastEventID, "lastEventID depends on where the stream is cut")
                Invariant.check(outcome.retry == reference.retry, "reconnectionTime depends on where the stream is cut")
            }
        }
    }

    private struct Outcome {
        var events: [SSEEvent] = []
        var threw = false
        var lastEventID = ""
        var retry: Int?
    }

    private static func feed(_ bytes: [UInt8], pieces: [Range<Int>], limit: Int) -> Outcome {
        var parser = SSEParser(maxEventBytes: limit)
        var outcome = Outcome()
        for piece in pieces {
            do {
                outcome.events += try parser.feed(Array(bytes[piece]))
            } catch {
                Invariant.check(error == .eventTooLarge(limit: limit), "unexpected error \(error)")
                outcome.threw = true
                return outcome
            }
        }
        parser.finish()
        outcome.lastEventID = parser.lastEventID
        outcome.retry = parser.reconnectionTime
        return outcome
    }

    private static func check(_ event: SSEEvent, limit: Int) {
        Invariant.check(event.data.unicodeScalars.count <= limit, "an event's data exceeds the \(limit)-byte limit")
        Invariant.check(event.type.unicodeScalars.count <= limit, "an event's type exceeds the \(limit)-byte limit")
        Invariant.check(!event.type.isEmpty, "an event with an empty type")
        Invariant.check(!event.type.utf8.contains { $0 == 0x0D || $0 == 0x0A }, "a line break in an event type")
        Invariant.check(!event.lastEventID.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }, "CR, LF or NUL in an event id")
        Invariant.check(!event.data.utf8.contains(0x0D), "a CR in event data")
        if let retry = event.retry { Invariant.check(retry >= 0, "a negative reconnection time") }
    }
}
