import Foundation
import JSON
import Platform
import Storage
import Testing

/// A full disk during event writes (simulated with SQLite's page limit, which fails a write
/// exactly as a full file system does: SQLITE_FULL): the failing append is a clear error, nothing
/// acknowledged before it is lost, the file stays intact, and writing resumes once there is room.
@Suite("Disk full during event writes")
struct DiskFullTests {
    @Test func aFullDatabaseFailsTheWriteCleanlyAndLosesNothingAcknowledged() throws {
        let directory = TemporaryDirectory()
        let database = try PlatformSchema.open(path: directory.file())
        let admin = Caller.local(.cli)
        _ = try AgentStore(database: database).create(
            caller: admin, id: "a", spec: try AgentSpec.parse(["name": "A", "instructions": "i", "model": "scripted/x"]))
        let session = try SessionStore(database: database).resolve(caller: admin, agentID: "a", userReference: "u").session
        let log = EventLog(database: database)
        let pages = try database.write { connection in try connection.queryOne("PRAGMA page_count", [])?.int64("page_count") ?? 0 }
        // Room for a little more than what is there now.
        _ = try database.write { connection in try connection.queryOne("PRAGMA max_page_count = \(pages + 4)", []) }
        let payload: JSONValue = ["text": .string(String(repeating: "x", count: 2000))]
        var acknowledged: [Int64] = []
        var failure: (any Error)?
        for _ in 0..<500 {
            do {
                acknowledged.append(try log.append(sessionID: session.id, type: .messageDelta, data: payload))
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the page limit was never reached")
        let sqlite = try #require(error as? SQLiteError, "\(error)")
        #expect(sqlite.resultCode == 13, "SQLITE_FULL: \(sqlite)")
        #expect(sqlite.description.contains("full"), "a message a person can act on: \(sqlite)")
        #expect(!acknowledged.isEmpty)

        // Everything acknowledged is there, in order, without gaps; the file is intact.
        let read = try log.read(caller: admin, sessionID: session.id, after: 0, limit: 1000)
        #expect(read.map(\.seq) == acknowledged)
        #expect(acknowledged == Array(1...Int64(acknowledged.count)))
        let check = try database.read { connection in try connection.queryOne("PRAGMA integrity_check", [])?.string("integrity_check") }
        #expect(check == "ok")

        // Room again: the next append continues the sequence.
        _ = try database.write { connection in try connection.queryOne("PRAGMA max_page_count = 1000000", []) }
        let next = try log.append(sessionID: session.id, type: .messageDelta, data: payload)
        #expect(next == Int64(acknowledged.count) + 1)
    }
}
