#if canImport(Glibc)
import Glibc
#endif

/// Turns a launch spec's `command` into the absolute path handed to `execve`.
///
/// Why our own search instead of `execvp`: the search must use the *child's* `PATH` (from its
/// explicit environment), must happen before `fork` (nothing but async-signal-safe calls may run
/// between fork and exec), and a miss must be reported as "not found" with the path searched,
/// which `execvp`'s last-errno-wins result cannot do.
public enum ExecutableLookup {
    /// Used when neither the child's environment nor ours has `PATH`.
    public static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    /// Resolves `command`:
    /// - an absolute path is returned unchanged (`execve` reports whether it can run);
    /// - a path containing `/` is taken relative to `workingDirectory` (else our current
    ///   directory);
    /// - a bare name is looked up in each absolute directory of `searchPath` in order (empty and
    ///   relative entries are skipped: they would mean "the current directory", a classic way to
    ///   run the wrong binary), taking the first regular file we may execute.
    public static func resolve(_ command: String, searchPath: String?, workingDirectory: String? = nil) throws(SpawnError)
        -> String
    {
        guard !command.isEmpty else { throw .invalidSpec("empty command") }
        guard !command.utf8.contains(0) else { throw .invalidSpec("command contains a NUL byte") }
        if command.hasPrefix("/") { return command }
        if command.contains("/") {
            let base = workingDirectory ?? currentDirectory()
            return base.hasSuffix("/") ? base + command : base + "/" + command
        }
        let path = searchPath ?? defaultSearchPath
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) where directory.hasPrefix("/") {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(command)" : "\(directory)/\(command)"
            if isExecutableFile(candidate) { return candidate }
        }
        throw .notFound(command: command, searchPath: path)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    static func currentDirectory() -> String {
        guard let raw = getcwd(nil, 0) else { return "/" }
        defer { free(raw) }
        return String(cString: raw)
    }
}
