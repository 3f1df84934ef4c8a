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

/// The fields of `/proc/<pid>/stat` that `EscapedDescendants` needs.
struct ProcStat: Sendable {
    let pid: Int32
    let ppid: Int32
    let pgrp: Int32
    let startTime: UInt64

    /// Every process's, read from `/proc` (those that vanish while it is read are left out).
    static func all() -> [ProcStat] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var entries: [ProcStat] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let stat = read(pid) else { continue }
            entries.append(stat)
        }
        return entries
    }

    /// One process's, or nil when it is gone. The command name (field 2) may hold spaces and
    /// parentheses, so the fields are counted after its last ')'.
    static func read(_ pid: Int32) -> ProcStat? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let close = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(close + 1)..<count].split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        // fields[0] is the state (field 3); ppid is field 4, pgrp 5, starttime 22.
        guard fields.count > 19, let ppid = Int32(fields[1]), let pgrp = Int32(fields[2]), let start = UInt64(fields[19]) else { return nil }
        return ProcStat(pid: pid, ppid: ppid, pgrp: pgrp, startTime: start)
    }
}
