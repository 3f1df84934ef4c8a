#if canImport(Glibc)
import Glibc
#endif

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
