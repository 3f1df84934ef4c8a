import Foundation
import HTTPTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Crash safety of the platform database: `agentbridge-storage-probe` appends events (single and
/// batched) through the real stores and prints `ack <seq>` after each commit; we SIGKILL it at
/// an arbitrary moment, three times in a row on the same file (each restart must open the
/// crashed database, recover the WAL and carry on numbering), then check that every acknowledged
/// event is present with gap-free numbering, and that `agentbridge doctor` reports a clean
/// `PRAGMA integrity_check`.
@Suite("Crash safety: SIGKILL during acknowledged writes")
struct StorageCrashTests {
    @Test func everyAcknowledgedWriteSurvivesSIGKILL() async throws {
        let bin = try Interop.binDirectory()
        let probe = bin.appendingPathComponent("agentbridge-storage-probe").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path

        var highestAck: Int64 = 0
        var session = ""
        for round in 0..<3 {
            let (ack, sessionID) = try await runAndKill(probe, db: db, until: highestAck + 300 + Int64(round) * 137)
            #expect(ack > highestAck, "round \(round) made progress after the previous crash")
            if !session.isEmpty { #expect(sessionID == session, "the probe found the same session after the crash") }
            session = sessionID
            highestAck = ack
        }

        // Every acknowledged seq is present, numbered 1…n without gaps (n ≥ highest ack: writes
        // that committed after the last printed ack may exist too).
        let query = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            n, lo, hi = c.execute("SELECT count(*), min(seq), max(seq) FROM events WHERE session_id = ?", (sys.argv[2],)).fetchone()
            last = c.execute("SELECT last_event_seq FROM sessions WHERE id = ?", (sys.argv[2],)).fetchone()[0]
            print(n, lo, hi, last)
            """
        let counted = await Interop.run("/usr/bin/env", ["python3", "-c", query, db, session], timeout: 60)
        #expect(counted.status == 0, "\(counted.output)")
        let numbers = counted.output.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
        #expect(numbers.count == 4, "\(counted.output)")
        if numbers.count == 4 {
            #expect(numbers[1] == 1)
            #expect(numbers[0] == numbers[2], "no gaps: count equals the highest seq")
            #expect(numbers[2] >= highestAck, "acknowledged \(highestAck) but the file ends at \(numbers[2])")
            #expect(numbers[3] == numbers[2], "the session's counter matches its last event")
        }

        let doctor = await Interop.run(bin.appendingPathComponent("agentbridge").path, ["doctor", "--db", db], timeout: 60)
        #expect(doctor.status == 0, "\(doctor.output)")
        #expect(doctor.output.contains("integrity: ok"))
    }

    /// Starts the probe, reads its acks until one reaches `until`, SIGKILLs it, and returns the
    /// highest ack read and the session id it printed.
    func runAndKill(_ probe: String, db: String, until target: Int64) async throws -> (Int64, String) {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: probe)
        process.arguments = [db]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        let reader = pipe.fileHandleForReading
        var buffer = ""
        var highest: Int64 = 0
        var session = ""
        let deadline = Date().addingTimeInterval(60)
        while highest < target && Date() < deadline && process.isRunning {
            let data = reader.availableData
            if data.isEmpty { break }
            buffer += String(decoding: data, as: UTF8.self)
            while let newline = buffer.firstIndex(of: "\n") {
                let line = buffer[..<newline]
                if line.hasPrefix("ack "), let seq = Int64(line.dropFirst(4)) { highest = max(highest, seq) }
                if line.hasPrefix("session ") { session = String(line.dropFirst(8)) }
                buffer = String(buffer[buffer.index(after: newline)...])
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the probe was killed, not exited")
        #expect(highest >= target, "the probe acknowledged \(highest) of \(target) writes before the deadline")
        return (highest, session)
    }
}
