#if canImport(Glibc)
import Glibc
#endif

/// Memory and CPU time of a process and all its descendants, read from /proc: a server's figure
/// includes what it started (uvicorn's workers, a gateway's upstream server).
enum ProcessTree {
    /// `root` and every descendant alive now.
    static func members(of root: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        guard let directory = opendir("/proc") else { return [root] }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let pid = pid_t(name), let stat = read("/proc/\(pid)/stat"), let fields = fieldsAfterName(stat), fields.count > 1,
                  let parent = pid_t(fields[1]) else { continue }
            children[parent, default: []].append(pid)
        }
        var out: [pid_t] = []
        var pending = [root]
        while let next = pending.popLast() {
            out.append(next)
            pending += children[next] ?? []
        }
        return out
    }

    /// Resident set size of the tree in KiB (VmRSS summed).
    static func residentKilobytes(of root: pid_t) -> Int {
        members(of: root).reduce(0) { $0 + (statusValue("VmRSS", pid: $1) ?? 0) }
    }

    /// User + system CPU seconds consumed so far by the tree's live members.
    static func cpuSeconds(of root: pid_t) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return members(of: root).reduce(0.0) { total, pid in
            guard let stat = read("/proc/\(pid)/stat"), let fields = fieldsAfterName(stat), fields.count > 12,
                  let user = Double(fields[11]), let system = Double(fields[12]) else { return total }
            return total + (user + system) / ticks
        }
    }

    /// A `/proc/<pid>/status` value in KiB ("VmRSS", "VmHWM").
    static func statusValue(_ key: String, pid: pid_t) -> Int? {
        guard let text = read("/proc/\(pid)/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The fields of a `stat` line after the parenthesised command name (which may hold spaces):
    /// index 0 is the state, 1 the parent pid, 11 and 12 user and system ticks.
    private static func fieldsAfterName(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// A whole /proc file (they report size 0, so read until EOF).
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 { bytes += chunk[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
