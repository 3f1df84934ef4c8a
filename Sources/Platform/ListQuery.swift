// ListQuery: the pieces every cursor-paginated list of sessions, runs and approvals shares, so the
// rules are the same everywhere: 1…1000 items per page, newest first by (created_at, id), the
// cursor is the id of the last item of the previous page (looked up in the caller's workspace, so
// a foreign id is just an unknown cursor), and an agent-restricted principal only sees rows of its
// agents — filtered in SQL, so pages stay full.

import JSON
import Storage

/// Shared list helpers.
enum ListQuery {
    /// The largest page.
    static let maxLimit = 1000

    /// Records an issue at `$.limit` unless `limit` is 1…1000.
    static func checkLimit(_ limit: Int, issues: ValidationIssues) {
        if !(1...maxLimit).contains(limit) {
            issues.add("$.limit", "must be between 1 and \(maxLimit) (got \(limit))")
        }
    }

    /// The principal's agent restriction as a JSON array for `json_each`, or `NULL` for none.
    /// Used as `(? IS NULL OR agent_id IN (SELECT value FROM json_each(?)))`, bound twice.
    static func restriction(_ principal: Principal) -> SQLValue {
        guard let agents = principal.agentIDs else { return .null }
        return .text(JSONWriter.string(.array(agents.sorted().map(JSONValue.string))))
    }

    /// The SQL condition matching `restriction` (two parameters).
    static let restrictionCondition = "(? IS NULL OR agent_id IN (SELECT value FROM json_each(?)))"

    /// The sort position `(created_at, id)` of the cursor item `after` in `table`, within
    /// `workspace`. An id that is unknown there is a validation issue (never "found elsewhere").
    static func anchor(
        table: Table, after: String?, workspace: String, connection: Connection, issues: ValidationIssues
    ) throws -> (createdAt: Int64, id: String)? {
        guard let after else { return nil }
        guard let row = try connection.queryOne(table.anchorSQL, [.text(after), .text(workspace)]) else {
            issues.add("$.after", "is not the id of an item of a previous page")
            return nil
        }
        return (try row.int64("created_at"), after)
    }

    /// The condition continuing after an anchor, newest first (four parameters).
    static let afterCondition = "(? IS NULL OR created_at < ? OR (created_at = ? AND id < ?))"

    /// A page of `table` (a constant) in the caller's workspace, newest first: `workspace_id = ?`,
    /// then `column = ?` for each of `equalities`, the restriction and the cursor, through the
    /// index named (INDEXED BY: with optional filters SQLite's planner picked indexes that made
    /// these lists scan the workspace). Parameters: workspace, the equalities' values, the two of
    /// `restrictionCondition`, the four of `afterCondition`, the limit.
    static func newestFirst(from table: String, index: String, equalities: [String]) -> String {
        let conditions = ["workspace_id = ?"] + equalities.map { "\($0) = ?" } + [restrictionCondition, afterCondition]
        return "SELECT * FROM \(table) INDEXED BY \(index) WHERE \(conditions.joined(separator: " AND ")) ORDER BY created_at DESC, id DESC LIMIT ?"
    }

    /// The parameters of `afterCondition`.
    static func afterParameters(_ anchor: (createdAt: Int64, id: String)?) -> [SQLValue] {
        guard let anchor else { return [.null, .null, .null, .null] }
        return [.integer(anchor.createdAt), .integer(anchor.createdAt), .integer(anchor.createdAt), .text(anchor.id)]
    }

    /// The paginated tables (their names are constants, never input).
    enum Table {
        case sessions, runs, approvals

        var anchorSQL: String {
            switch self {
            case .sessions: "SELECT created_at FROM sessions WHERE id = ? AND workspace_id = ?"
            case .runs: "SELECT created_at FROM runs WHERE id = ? AND workspace_id = ?"
            case .approvals: "SELECT created_at FROM approvals WHERE id = ? AND workspace_id = ?"
            }
        }
    }
}
