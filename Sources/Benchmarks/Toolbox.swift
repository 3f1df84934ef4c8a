import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Everything the suite runs besides itself, located (and the C tools compiled) before the first
/// measurement, so a missing piece fails in the first second with what to do about it.
///
/// - our release binaries: next to `agentbridge-bench`;
/// - the shared benchmark harness (`../shared/bench` beside this repository, or `--harness`): its
///   C sources for the machine's ceilings (`pipertt.c`, `nullmcp.c`, `httpnull.c`, compiled here
///   with `cc -O2` into `bench-tools/` beside our binaries — we run its tools, we do not copy
///   them) and its Python peer servers with the venv its `setup` creates;
/// - `wrk` on PATH, the HTTP load generator for every server.
struct Toolbox {
    var agentbridge: String
    var referenceServer: String
    var harness: String?
    var python: String?
    var wrk: String
    var cacheDirectory: String
    /// Per-run scratch: databases, manifests, server stderr logs, the wrk script.
    var runDirectory: String

    var pipertt: String { cacheDirectory + "/pipertt" }
    var nullServer: String { cacheDirectory + "/nullmcp" }
    var httpNull: String { cacheDirectory + "/httpnull" }
    var wrkScript: String { runDirectory + "/mcp-request.lua" }

    func log(_ name: String) -> String { runDirectory + "/" + name + ".log" }

    static func locate(_ options: SuiteOptions) throws -> Toolbox {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let binaries = (executable as NSString).deletingLastPathComponent
        let agentbridge = binaries + "/agentbridge", reference = binaries + "/mcp-reference-server"
        for path in [agentbridge, reference] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchmarkFailure("\(path) is missing: build everything first (swift build -c release)")
        }
        guard let wrk = which("wrk") else {
            throw BenchmarkFailure("wrk is not on PATH: install it (apt-get install -y wrk) — it is the HTTP load generator")
        }
        let harness = try findHarness(options, binaries: binaries)
        var python: String?
        if !options.peers.isEmpty {
            guard let harness else {
                throw BenchmarkFailure("the peers need the shared benchmark harness: pass --harness DIR (the folder with peers/python_mcp_server.py), or --peers none")
            }
            let candidate = options.python ?? harness + "/.venv/bin/python"
            guard FileManager.default.isExecutableFile(atPath: candidate) else {
                throw BenchmarkFailure("no Python for the peers at \(candidate): run \(harness)/setup (copy the folder first if it is read-only, then pass --harness COPY), pass --python PATH, or --peers none")
            }
            let modules = options.peers.map { $0 == .fastmcp ? "fastmcp" : "mcp" }
            let probe = try Subprocess.capture([candidate, "-c", "import " + modules.joined(separator: ", ")])
            guard probe.status == 0 else {
                throw BenchmarkFailure("\(candidate) cannot import \(modules.joined(separator: ", ")): run \(harness)/setup, or choose --peers\n\(probe.output)")
            }
            python = candidate
        }
        var template = Array("/tmp/agentbridge-bench-suite-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw BenchmarkFailure("mkdtemp failed") }
        let toolbox = Toolbox(
            agentbridge: agentbridge, referenceServer: reference, harness: harness, python: python, wrk: wrk,
            cacheDirectory: binaries + "/bench-tools", runDirectory: String(cString: made))
        if options.sections.contains(.ceiling) || options.sections.contains(.stdio) || options.sections.contains(.http) {
            guard harness != nil else {
                throw BenchmarkFailure("the machine's ceilings are built from the shared harness's C sources: pass --harness DIR, or leave out the ceiling with --only")
            }
            try toolbox.compileCeilingTools()
        }
        try WrkScript.text.write(toFile: toolbox.wrkScript, atomically: true, encoding: .utf8)
        return toolbox
    }

    /// `--harness`, `$AGENTBRIDGE_BENCH_HARNESS`, or `../shared/bench` beside the package root.
    private static func findHarness(_ options: SuiteOptions, binaries: String) throws -> String? {
        if let given = options.harness ?? ProcessInfo.processInfo.environment["AGENTBRIDGE_BENCH_HARNESS"] {
            guard FileManager.default.fileExists(atPath: given + "/src/pipertt.c") else {
                throw BenchmarkFailure("\(given) is not the shared benchmark harness (no src/pipertt.c)")
            }
            return (given as NSString).standardizingPath
        }
        var directory = binaries
        while directory != "/" && !directory.isEmpty {
            if FileManager.default.fileExists(atPath: directory + "/Package.swift") {
                let candidate = ((directory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("shared/bench")
                return FileManager.default.fileExists(atPath: candidate + "/src/pipertt.c") ? candidate : nil
            }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Compiles the harness's C ceiling tools into the cache when missing or older than their source.
    private func compileCeilingTools() throws {
        guard let harness else { return }
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        for tool in ["pipertt", "nullmcp", "httpnull"] {
            let source = harness + "/src/\(tool).c", output = cacheDirectory + "/" + tool
            let sourceDate = Self.modified(source), outputDate = Self.modified(output)
            if let outputDate, let sourceDate, outputDate >= sourceDate { continue }
            let result = try Subprocess.capture(["cc", "-O2", "-Wall", "-o", output, source])
            guard result.status == 0 else { throw BenchmarkFailure("cc \(source) failed:\n\(result.output)") }
        }
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Removes the run's scratch folder (logs are kept when the suite failed, for the reader).
    func removeRunDirectory() { try? FileManager.default.removeItem(atPath: runDirectory) }
}
