#if canImport(Glibc)
import Glibc
#endif
import JSON
import Platform

/// `agentbridge-storage-probe`: a fixture for the crash-safety test. It opens a platform database
/// (WAL, the production settings), makes sure an agent, a session and a run exist, then appends
/// events forever — alternating single appends and batches of 10 — and prints `ack <seq>` to
/// stdout after each append has returned, i.e. after its transaction committed. The test kills
/// it with SIGKILL at an arbitrary moment and then checks that every acknowledged event is in
/// the file and that the file passes `PRAGMA integrity_check`. Not part of the product.
///
///     agentbridge-storage-probe <database path>
/// Writes `line` and a newline straight to `fd` (unbuffered: an ack is visible the moment the
/// commit returned).
func emit(_ line: String, to fd: Int32 = 1) {
    let bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written <= 0 { exit(1) }
        offset += written
    }
}

guard CommandLine.arguments.count == 2 else {
    emit("usage: agentbridge-storage-probe <database path>", to: 2)
    exit(64)
}
do {
    let database = try PlatformSchema.open(path: CommandLine.arguments[1])
    let caller = Caller.local(.cli)
    let agents = AgentStore(database: database)
    if (try? agents.get(caller: caller, id: "probe")) == nil {
        let spec = try AgentSpec.parse(["name": "Probe", "instructions": "Crash probe.", "model": "scripted/probe"])
        _ = try agents.create(caller: caller, id: "probe", spec: spec)
    }
    let session = try SessionStore(database: database).resolve(
        caller: caller, agentID: "probe", sessionID: nil, sessionReference: "crash-probe", userReference: nil).session
    let run = try RunStore(database: database).create(caller: caller, sessionID: session.id, trigger: .cli, input: ["text": "probe"])
    let events = EventLog(database: database)
    emit("session \(session.id)")
    var counter: Int64 = 0
    while true {
        counter += 1
        if counter % 2 == 0 {
            let batch = (0..<10).map { index in
                (runID: Optional(run.id), type: EventType.messageDelta, data: JSONValue.object(["text": .string("chunk \(counter).\(index)")]))
            }
            let range = try events.append(batch: batch, sessionID: session.id)
            emit("ack \(range.upperBound)")
        } else {
            let seq = try events.append(sessionID: session.id, runID: run.id, type: .messageDelta, data: ["text": .string("single \(counter)")])
            emit("ack \(seq)")
        }
    }
} catch {
    emit("agentbridge-storage-probe: \(error)", to: 2)
    exit(1)
}
