import Foundation
import Testing

/// `agentbridge doctor` against a real database file: created and migrated on first use, the
/// schema version shown, and a database from a newer agentbridge refused with a clear message.
@Suite("agentbridge doctor")
struct DoctorCommandTests {
    @Test func doctorCreatesTheDatabaseShowsItsVersionAndRefusesANewerOne() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path

        let first = await Interop.run(binary, ["doctor", "--db", db], timeout: 30)
        #expect(first.status == 0, "\(first.output)")
        // A new file is at the newest version this binary knows (8 or later: approvals of gateway calls).
        let version = first.output.firstMatch(of: /schema version: (\d+) \(this agentbridge knows (\d+)\)/)
        #expect(version.map { $0.1 == $0.2 && Int($0.1)! >= 8 } == true, "\(first.output)")
        #expect(first.output.contains("journal mode: wal"))
        #expect(FileManager.default.fileExists(atPath: db))

        let again = await Interop.run(binary, ["doctor", "--db", db], timeout: 30)
        #expect(again.status == 0)
        #expect(again.output.contains("workspaces: 1"))

        // Pretend a newer agentbridge wrote the file.
        let bump = await Interop.run("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=99'); c.commit()", db], timeout: 30)
        #expect(bump.status == 0, "\(bump.output)")
        let refused = await Interop.run(binary, ["doctor", "--db", db], timeout: 30)
        #expect(refused.status == 1)
        #expect(refused.output.contains("newer than this agentbridge"))
    }
}
