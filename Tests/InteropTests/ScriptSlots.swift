import Foundation

/// At most `count` Python client scripts run at once in this test process.
///
/// Why: the suites start together, and every interop script imports the MCP SDK (a second or more
/// of CPU) and usually spawns servers of its own. Unbounded, the first half minute of a full run on
/// a two-core machine had a dozen interpreters starting at once: Python took over half of the CPU
/// samples, and timeouts inside the scripts and the gateway (a 15 s binding timeout against a cold
/// `mcp-server-time`) expired on starvation rather than on a fault. A script's own clocks start
/// only once it holds a slot, so waiting here is never counted against it.
actor ScriptSlots {
    static let shared = ScriptSlots(count: max(2, ProcessInfo.processInfo.activeProcessorCount + 1))

    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { free = count }

    /// Runs `body` holding a slot.
    nonisolated func withSlot<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await acquire()
        let result = await body()
        await release()
        return result
    }

    private func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            free += 1
        } else {
            // The slot passes straight to the longest waiter.
            waiters.removeFirst().resume()
        }
    }

    /// Whether a command line runs one of the Python client scripts (a `.py` file): those are
    /// the heavy ones. `python3 -c` one-liners and our own binaries are not limited.
    static func isScript(_ executable: String, _ arguments: [String]) -> Bool {
        ([executable] + arguments).contains { $0.hasSuffix(".py") }
    }
}
