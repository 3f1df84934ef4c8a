#if canImport(Glibc)
import Glibc
#endif

/// The descendants of a supervised child that left its process group (`setsid`, `setpgid`), as
/// daemonizing helpers and some browsers do: the group signals of shutdown never reach them, and
/// once the child exits they are reparented away and no longer look like ours. So they are
/// looked up when shutdown begins, while the child still runs and they still descend from it,
/// each with its start time, and SIGKILLed once the child is gone — only those whose pid still
/// names the same process (a pid freed meanwhile may belong to a stranger).
///
/// A descendant that escaped *and* lost its parent before shutdown began (the child crashed, or
/// an intermediate process exited) is not found: its parent chain no longer leads here.
struct EscapedDescendants: Sendable {
    struct Process: Sendable, Equatable {
        let pid: Int32
        /// Field 22 of `/proc/<pid>/stat`: clock ticks after boot.
        let startTime: UInt64
    }

    let processes: [Process]

    /// The processes below `root` (by parent pid, transitively) whose process group is not
    /// `root`'s own (a supervised child leads its group: its pgid is its pid).
    static func of(_ root: Int32) -> EscapedDescendants {
        let table = ProcStat.all()
        var children: [Int32: [ProcStat]] = [:]
        for entry in table { children[entry.ppid, default: []].append(entry) }
        var found: [Process] = []
        var queue = [root]
        var seen: Set<Int32> = [root]
        while let parent = queue.popLast() {
            for child in children[parent] ?? [] where seen.insert(child.pid).inserted {
                queue.append(child.pid)
                if child.pgrp != root { found.append(Process(pid: child.pid, startTime: child.startTime)) }
            }
        }
        return EscapedDescendants(processes: found)
    }

    /// Sends `signal` to each process that is still the one found.
    func signal(_ signal: Int32) {
        for process in processes where ProcStat.read(process.pid)?.startTime == process.startTime {
            _ = kill(process.pid, signal)
        }
    }
}
