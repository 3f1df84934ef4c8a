internal import CShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes this process the reaper of its upstreams' orphans, and ends them at shutdown.
///
/// Why: a descendant that left its upstream's process group (`setsid`, a daemon's double fork)
/// is found and ended when that upstream is stopped (`EscapedDescendants`), but not when the
/// upstream crashed first: its parent chain is gone and the kernel hands it to init, where it
/// outlives the gateway. As a child subreaper (`PR_SET_CHILD_SUBREAPER`) the gateway receives
/// those orphans instead. The host thread reaps the ones that exit (every `sweepInterval`), and
/// `end()` kills whatever is left once the upstreams are stopped.
///
/// Every child of a process that enables this must come from `ChildProcess`: a child that
/// ProcessHost did not spawn counts as an adopted orphan, is reaped by the sweep and killed by
/// `end()`. Nothing else in AgentBridge's executables forks.
public enum OrphanAdoption {
    /// How often the host thread reaps adopted orphans that exited (zombies until then). An
    /// orphan that lives on runs until `end()`: a daemon an upstream double-forked ends with
    /// the gateway, not with that upstream.
    public static let sweepInterval: Duration = .seconds(5)

    /// Becomes the subreaper (idempotent). Returns false, changing nothing, when the kernel
    /// refuses.
    @discardableResult
    public static func enable() -> Bool {
        guard cshim_set_child_subreaper() == 0 else { return false }
        ProcessHost.shared.adoptOrphans()
        return true
    }

    /// SIGKILLs every adopted orphan still running, and those their deaths orphan in turn, and
    /// reaps them (up to about a second); returns how many were killed. Call it after stopping
    /// the upstreams, whose escaped descendants only then become orphans.
    @discardableResult
    public static func end() async -> Int {
        await ProcessHost.shared.endAdopted()
    }

    /// This process's children, from `/proc/self/task/*/children` (every thread's: an orphan
    /// goes to one thread of the reaper), or by scanning `/proc` where that file is missing.
    /// `thorough` adds the scan anyway: the kernel calls those files reliable only for stopped
    /// children, and at shutdown, while orphans are being re-parented, one must not be missed.
    static func children(thorough: Bool = false) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var found = Set<Int32>()
        var readAny = false
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/self/task/\(task)/children", encoding: .utf8) else { continue }
            readAny = true
            for item in text.split(separator: " ") {
                if let pid = Int32(item.trimmingCharacters(in: .whitespacesAndNewlines)) { found.insert(pid) }
            }
        }
        if !readAny || thorough {
            let me = getpid()
            for stat in ProcStat.all() where stat.ppid == me { found.insert(stat.pid) }
        }
        return Array(found)
    }
}
