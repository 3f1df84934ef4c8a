// QueryPlanTests: the queries on paths that run for every run use their indexes.

@testable import Platform
import Storage
import Testing

/// Why: a query that scans instead of searching passes every functional test and only shows as a
/// slowdown that grows with the data — the session history of each new run once read every event
/// of its session and every run of its workspace (a run in a 1,600-run session took 5× longer
/// than the first). SQLite's own plan, on the real schema, is the assertion.
@Suite("Query plans")
struct QueryPlanTests {
    func plan(_ sql: String, parameters: Int) throws -> String {
        let directory = TemporaryDirectory()
        let database = try PlatformSchema.open(path: directory.file())
        let rows = try database.read { connection in
            try connection.query("EXPLAIN QUERY PLAN " + sql, Array(repeating: SQLValue.null, count: parameters))
        }
        return try rows.map { try $0.string("detail") }.joined(separator: "\n")
    }

    @Test func aRunsEventsAreSearchedThroughTheRunIndexNotTheWholeSession() throws {
        let detail = try plan(EventLog.runEventsSQL, parameters: 4)
        #expect(detail.contains("SEARCH events USING INDEX events_by_run (session_id=? AND run_id=? AND seq>?)"), "\(detail)")
    }

    @Test(arguments: [
        (false, false, false, "runs_by_workspace (workspace_id=?)"),
        (false, true, true, "runs_by_session (session_id=?)"),
        (true, true, false, "runs_by_session (session_id=?)"),
        (true, false, true, "runs_by_agent (workspace_id=? AND agent_id=?)"),
    ])
    func runListsSearchTheNarrowestIndex(agent: Bool, session: Bool, status: Bool, index: String) throws {
        let sql = RunStore.listSQL(agent: agent, session: session, status: status)
        let parameters = 1 + [agent, session, status].filter { $0 }.count + 2 + 4 + 1
        let detail = try plan(sql, parameters: parameters)
        #expect(detail.contains("SEARCH runs USING INDEX \(index)"), "\(detail)")
        #expect(!detail.contains("SCAN runs"), "\(detail)")
    }

    @Test(arguments: [
        (false, false, "approvals_by_workspace_created (workspace_id=?)"),
        (true, false, "approvals_pending (workspace_id=? AND status=?)"),
        (true, true, "approvals_by_run (run_id=?)"),
        (false, true, "approvals_by_run (run_id=?)"),
    ])
    func approvalListsSearchTheNarrowestIndex(status: Bool, run: Bool, index: String) throws {
        let sql = ApprovalStore.listSQL(status: status, run: run)
        let parameters = 1 + [status, run].filter { $0 }.count + 2 + 4 + 1
        let detail = try plan(sql, parameters: parameters)
        #expect(detail.contains("SEARCH approvals USING INDEX \(index)"), "\(detail)")
        #expect(!detail.contains("SCAN approvals"), "\(detail)")
    }
}
