import Foundation
import Synchronization

/// How a stdio surface (`stdio`, `stdio --agent`) ends: when the client closes stdin, or when it
/// sends SIGINT/SIGTERM instead — desktop clients do both — or when the key it serves as stops
/// being valid (`KeyWatch`). Either way the same shutdown runs once
/// (upstreams: EOF, SIGTERM to their process group, SIGKILL) before the process exits. Without
/// it a signal ended the process at once: its direct children still died of the parent-death
/// signal, but anything *they* had started was left to init.
final class StdioShutdown: Sendable {
    private let work: @Sendable () async -> Void
    private let running = Mutex<Task<Void, Never>?>(nil)

    init(_ work: @escaping @Sendable () async -> Void) {
        self.work = work
    }

    /// Runs `serve` (which returns when stdin ends), then the shutdown. A SIGINT or SIGTERM
    /// meanwhile runs the shutdown and exits with status 0.
    func serve(_ serve: () async -> Void) async {
        let signalled = Task.detached { [self] in
            await ServeCommand.waitForTerminationSignal()
            await self.run()
            exit(0)
        }
        await serve()
        await run()
        signalled.cancel()
    }

    /// Ends the process for a reason of its own (the key it serves as was revoked): `reason` to
    /// stderr, the same shutdown as on a signal, then exit with `status`.
    func end(reason: String, status: Int32) async {
        FileHandle.standardError.write(Data(("agentbridge: " + reason + "\n").utf8))
        await run()
        exit(status)
    }

    /// The shutdown, started once; later callers wait for the same one.
    private func run() async {
        let task = running.withLock { current -> Task<Void, Never> in
            if let current { return current }
            let started = Task { await work() }
            current = started
            return started
        }
        await task.value
    }
}
