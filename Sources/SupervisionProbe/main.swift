#if canImport(Glibc)
import Glibc
#endif
import Supervision

/// `SupervisionProbe`: a fixture for the parent-death test, not part of the product. It starts
/// `sleep 1000` as a supervised child, prints the child's pid on stdout, then blocks forever.
/// The test SIGKILLs this probe and checks that the sleep dies too (PR_SET_PDEATHSIG), although
/// nobody ran a shutdown sequence.
let environment = ChildProcess.minimalEnvironment(from: ["PATH": "/usr/bin:/bin"], extra: [])
do {
    let child = try await ChildProcess.spawn(LaunchSpec(command: "sleep", arguments: ["1000"], environment: environment))
    let line = Array("\(child.pid)\n".utf8)
    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    while true { pause() }
} catch {
    let line = Array("error: \(error)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
