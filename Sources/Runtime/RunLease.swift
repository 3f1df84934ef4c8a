// RunLease: which process drives a run. Several agentbridge processes may share one database
// (`serve`, a CLI `run`, a desktop client's `stdio`), and a run must be driven by exactly one of
// them or its tools would run twice. The lease is an exclusive `flock` on a file named after the
// run, next to the database: the kernel releases it when its holder exits in any way, `kill -9`
// included, so a restarted process can take over at once — no heartbeat, no staleness guess.
// Whoever acquires a lease must re-read the run before acting (it may have ended meanwhile);
// the file is removed only once the run has ended, so a late opener finds the run terminal.

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive claim on driving one run.
final class RunLease: Sendable {
    private let descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// The lease directory for a database file: `<database>-runs`.
    static func directory(forDatabase path: String) -> String { path + "-runs" }

    /// Takes the lease of `runID` in `directory` (created if needed); nil when another open
    /// file description (another process, or another driver here) holds it.
    static func acquire(runID: String, in directory: String) throws -> RunLease? {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw RuntimeError.internal("cannot create the run lease directory \(directory): \(String(cString: strerror(errno)))")
        }
        let path = directory + "/" + runID + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RuntimeError.internal("cannot open the run lease \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return RunLease(descriptor: descriptor, path: path)
    }

    /// Gives the lease up; with `runEnded`, the file goes too (nobody needs it any more).
    func release(runEnded: Bool) {
        if runEnded { unlink(path) }
        close(descriptor)
    }
}
