// Event: one entry of a session's append-only event log. Events are numbered per session 1, 2,
// 3, … without gaps, so a reader that saw event N resumes with "after N" and misses nothing.

import JSON

/// One logged event.
public struct Event: Sendable, Hashable {
    public let sessionID: String
    /// Position in the session's log, from 1, without gaps.
    public let seq: Int64
    /// The run that produced the event, if any.
    public let runID: String?
    public let type: EventType
    /// The event's payload (always a JSON document; its shape depends on `type`).
    public let data: JSONValue
    /// Unix milliseconds.
    public let createdAt: Int64

    public init(sessionID: String, seq: Int64, runID: String?, type: EventType, data: JSONValue, createdAt: Int64) {
        self.sessionID = sessionID
        self.seq = seq
        self.runID = runID
        self.type = type
        self.data = data
        self.createdAt = createdAt
    }
}
