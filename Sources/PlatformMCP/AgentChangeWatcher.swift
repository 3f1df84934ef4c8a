// AgentChangeWatcher: notices agent changes made by other processes — `agentbridge apply`, the
// CLI, another server — so this server's clients still hear `list_changed` (the `ask_` tools,
// prompts and agent resources follow the agents). Changes made through this server's own tools
// are announced at once; this is the slow path: one cheap query (a count and the latest
// update time) every `interval`, on one task for the whole server.

import Foundation
import MCPServer
import Storage
import Synchronization

final class AgentChangeWatcher: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(database: Database, interval: Duration, changed: @escaping @Sendable ([ServerEvent]) -> Void) {
        let loop = Task {
            var last: String?
            while !Task.isCancelled {
                let current = try? database.read { connection -> String in
                    let row = try connection.queryOne("SELECT count(*) AS n, coalesce(max(updated_at), 0) AS t FROM agents", [])
                    return "\(try row?.int64("n") ?? 0)/\(try row?.int64("t") ?? 0)"
                }
                if let current, let previous = last, current != previous {
                    changed([.toolsChanged, .promptsChanged, .resourcesChanged])
                }
                if let current { last = current }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = loop }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    deinit { task.withLock { $0?.cancel() } }
}
