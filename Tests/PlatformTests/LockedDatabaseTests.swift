import Foundation
import HTTPTestSupport
import JSON
import Platform
import Storage
import Testing

/// Another process holding the database's write lock (an admin's `sqlite3` shell in a
/// transaction): our write waits the configured busy timeout, then fails with SQLITE_BUSY and a
/// clear message — nothing half-written — and succeeds once the lock is released.
@Suite("Database locked by another process")
struct LockedDatabaseTests {
    @Test func aWriteWaitsThenFailsClearlyAndSucceedsAfterTheLockIsReleased() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file()
        let database = try PlatformSchema.open(path: path, configuration: DatabaseConfiguration(busyTimeoutMilliseconds: 300))
        let admin = Caller.local(.cli)
        _ = try AgentStore(database: database).create(
            caller: admin, id: "a", spec: try AgentSpec.parse(["name": "A", "instructions": "i", "model": "scripted/x"]))
        let session = try SessionStore(database: database).resolve(caller: admin, agentID: "a", userReference: "u").session
        let log = EventLog(database: database)
        _ = try log.append(sessionID: session.id, type: .messageDelta, data: ["text": "before"])

        // Another process takes the write lock and holds it until told to stop (stdin closes).
        let holder = TestProcess()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            c.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            sys.stdin.read()
            c.execute("ROLLBACK")
            """, path]
        let input = Pipe()
        let marker = directory.file("locked")
        holder.standardInput = input
        holder.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        holder.arguments! += [marker]
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        // Wait without blocking a thread of the shared pool (other tests run beside this one).
        var waited = 0
        while !FileManager.default.fileExists(atPath: marker), waited < 600 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        #expect(FileManager.default.fileExists(atPath: marker), "the other process took the lock")

        #expect {
            _ = try log.append(sessionID: session.id, type: .messageDelta, data: ["text": "while locked"])
        } throws: { error in
            guard let sqlite = error as? SQLiteError else { return false }
            return sqlite.isBusy && sqlite.description.contains("locked")
        }

        try input.fileHandleForWriting.close()
        waited = 0
        while holder.isRunning, waited < 600 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        let seq = try log.append(sessionID: session.id, type: .messageDelta, data: ["text": "after"])
        #expect(seq == 2, "the failed write left nothing behind and the sequence continues")
        let texts = try log.read(caller: admin, sessionID: session.id, after: 0, limit: 10).compactMap { $0.data["text"]?.stringValue }
        #expect(texts == ["before", "after"])
    }
}
